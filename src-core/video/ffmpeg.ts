import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';

/**
 * Finding and running the ffmpeg binary. Only `ffmpeg` itself is used (never ffprobe, which
 * the bundled static builds lack); the code is tested against ffmpeg 4.1 and 5.1.
 */

const resolvedBinaries = new Map<string, string>();

/**
 * The ffmpeg to run, in this order: `override`, env HERD_FFMPEG, `ffmpeg` on PATH,
 * the `@ffmpeg-installer/ffmpeg` package, the `ffmpeg-static` package.
 * An explicit choice (override or HERD_FFMPEG) that does not exist is an error, not a fallthrough:
 * silently using another ffmpeg than the one asked for would be a surprise.
 */
export function resolveFfmpeg(override?: string): string {
  const fromEnv = process.env.HERD_FFMPEG || undefined;
  // The environment variable is part of the key so that changing it (tests, hosts) takes effect.
  const cacheKey = `${override ?? ''}\0${fromEnv ?? ''}`;
  const cached = resolvedBinaries.get(cacheKey);
  if (cached) return cached;
  const binary = override
    ? requireExplicit(override, 'the ffmpeg option')
    : fromEnv
      ? requireExplicit(fromEnv, 'HERD_FFMPEG')
      : (findOnPath('ffmpeg') ?? packagedFfmpeg());
  if (!binary) {
    throw new HerdError(
      'FFMPEG_NOT_FOUND',
      'ffmpeg was not found; install ffmpeg (e.g. `apt install ffmpeg`, `brew install ffmpeg`) so it is on PATH, ' +
        'or set HERD_FFMPEG to the full path of an ffmpeg binary',
    );
  }
  resolvedBinaries.set(cacheKey, binary);
  return binary;
}

function requireExplicit(candidate: string, source: string): string {
  const found = candidate.includes('/') || candidate.includes('\\') ? executableFile(candidate) : findOnPath(candidate);
  if (!found) {
    throw new HerdError(
      'FFMPEG_NOT_FOUND',
      `ffmpeg given by ${source} does not exist or is not executable`,
      { file: candidate },
    );
  }
  return found;
}

function findOnPath(name: string): string | undefined {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const extensions = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE').split(';') : [''];
  for (const directory of directories) {
    for (const extension of extensions) {
      const found = executableFile(path.join(directory, name + extension));
      if (found) return found;
    }
  }
  return undefined;
}

function executableFile(candidate: string): string | undefined {
  try {
    if (!fs.statSync(candidate).isFile()) return undefined;
    fs.accessSync(candidate, fs.constants.X_OK);
    return path.resolve(candidate);
  } catch {
    return undefined;
  }
}

/** The binaries shipped in npm packages; either package may be absent or lack its download. */
function packagedFfmpeg(): string | undefined {
  for (const load of [
    () => (require('@ffmpeg-installer/ffmpeg') as { path?: string }).path,
    () => require('ffmpeg-static') as string | null,
  ]) {
    try {
      const candidate = load();
      const found = candidate ? executableFile(candidate) : undefined;
      if (found) return found;
    } catch {
      // Not installed: try the next source.
    }
  }
  return undefined;
}

const encoderLists = new Map<string, ReadonlySet<string>>();

/** Names of the encoders this ffmpeg was built with (parsed from `-encoders`, cached per binary). */
export function listEncoders(ffmpeg: string = resolveFfmpeg()): ReadonlySet<string> {
  let encoders = encoderLists.get(ffmpeg);
  if (!encoders) {
    // Lines look like " V....D libx264   libx264 H.264 / AVC ..." after a legend ending in " ------".
    const listing = runSync(ffmpeg, ['-hide_banner', '-encoders']);
    const body = listing.slice(listing.indexOf('------') + 6);
    encoders = new Set([...body.matchAll(/^\s*[VAS][A-Z.]{5}\s+(\S+)/gm)].map((match) => match[1]!));
    encoderLists.set(ffmpeg, encoders);
  }
  return encoders;
}

/** libx264 where this ffmpeg has it (small files, plays everywhere), else ffmpeg's built-in mpeg4. */
export function defaultCodec(ffmpeg: string = resolveFfmpeg()): string {
  return listEncoders(ffmpeg).has('libx264') ? 'libx264' : 'mpeg4';
}

const fpsModeSupport = new Map<string, boolean>();

/**
 * Output options that pass decoded frames through one to one, never duplicating or dropping any.
 * ffmpeg 5.1 introduced `-fps_mode` and deprecated `-vsync`; 4.x only knows `-vsync`.
 */
export function passthroughTimingArgs(ffmpeg: string): string[] {
  let supported = fpsModeSupport.get(ffmpeg);
  if (supported === undefined) {
    supported = /^-fps_mode\b/m.test(runSync(ffmpeg, ['-hide_banner', '-h', 'long']));
    fpsModeSupport.set(ffmpeg, supported);
  }
  return supported ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
}

function runSync(ffmpeg: string, args: string[]): string {
  const result = spawnSync(ffmpeg, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    throw new HerdError(
      'FFMPEG_FAILED',
      `could not run ffmpeg ${args.join(' ')}: ${result.error?.message ?? result.stderr.trim()}`,
      { file: ffmpeg },
      { cause: result.error },
    );
  }
  return result.stdout;
}

export interface FfmpegRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Run ffmpeg to completion (no shell, stdin closed, stdout discarded) and collect its stderr,
 * which is where ffmpeg reports everything we parse.
 */
export function runFfmpeg(ffmpeg: string, args: string[], options: { signal?: AbortSignal } = {}): Promise<FfmpegRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'], signal: options.signal });
    const stderr: string[] = [];
    child.stderr.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
    child.on('error', (error) => reject(spawnError(ffmpeg, error)));
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stderr: stderr.join('') }));
  });
}

/** A failure to start ffmpeg at all, worded for the person who has to fix it. */
export function spawnError(ffmpeg: string, error: Error): HerdError {
  if (error.name === 'AbortError') {
    return new HerdError('ABORTED', 'the ffmpeg run was cancelled', {}, { cause: error });
  }
  return new HerdError(
    'FFMPEG_NOT_FOUND',
    `could not start ffmpeg: ${error.message}; set HERD_FFMPEG to a working ffmpeg binary`,
    { file: ffmpeg },
    { cause: error },
  );
}

/** The last lines ffmpeg wrote, for error messages. */
export function lastLines(stderr: string, count = 6): string {
  return stderr
    .split(/\r?\n|\r/)
    .map(tidyLogLine)
    .filter((line) => line && !line.startsWith('frame='))
    .slice(-count)
    .join('\n');
}

/** "[h264 @ 0x55d0c3a8] error" → "[h264] error": the addresses only add noise for people. */
export function tidyLogLine(line: string): string {
  return line.replace(/ @ 0x[0-9a-f]+\]/, ']').trim();
}
