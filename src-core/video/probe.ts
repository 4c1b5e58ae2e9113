import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertVideoFileExists, describeCodec, describeInputFailure, notAVideo, unsupportedCodec } from './failures';
import { resolveFfmpeg, runFfmpeg } from './ffmpeg';
import { parseRate } from './rate';
import type { VideoInfo } from './types';

export interface ProbeOptions {
  /** ffmpeg binary; default `resolveFfmpeg()`. */
  ffmpeg?: string;
  signal?: AbortSignal;
}

/**
 * Learn a video's size, rate, codec and frame count with ffmpeg alone (ffprobe is often missing).
 * The frame count comes from copying every video packet to the null muxer, which reads the
 * whole file but decodes nothing: exact where container headers lie or are absent.
 */
export async function probeVideo(file: string, options: ProbeOptions = {}): Promise<VideoInfo> {
  assertVideoFileExists(file);
  const ffmpeg = resolveFfmpeg(options.ffmpeg);
  const cached = cachedProbe(ffmpeg, file);
  if (cached) return cached;
  const args = ['-hide_banner', '-nostdin', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'];
  const run = await runFfmpeg(ffmpeg, args, { signal: options.signal });
  const info = parseProbeOutput(run.stderr, file);
  if (run.exitCode !== 0 && info === undefined) throw describeInputFailure(file, run.stderr);
  if (info === undefined) throw notAVideo(file, 'it has no video stream');
  rememberProbe(ffmpeg, file, info);
  return info;
}

/**
 * Parse the stderr of the probe command. Exported for tests with captured output of several
 * ffmpeg versions. Returns undefined when the input has no video stream; throws
 * UNSUPPORTED_CODEC for a stream ffmpeg cannot identify.
 *
 * Formats handled (4.1 indents streams by 4, 5.1 by 2 and adds "[0x1]" stream ids):
 *   Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':
 *     Duration: 00:00:03.33, start: 0.000000, bitrate: 192 kb/s
 *       Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 160x120 [SAR 1:1 DAR 4:3], 188 kb/s, 30 fps, 30 tbr, 15360 tbn (default)
 *   frame=  100 fps=0.0 q=-1.0 Lsize=N/A time=00:00:03.23 ...
 */
export function parseProbeOutput(stderr: string, file: string): VideoInfo | undefined {
  const input = inputSection(stderr);
  const stream = /Stream #0:\d+\S*: Video: (.*)/.exec(input)?.[1];
  if (stream === undefined) return undefined;

  const codec = /^[\w-]+/.exec(stream)?.[0] ?? 'none';
  if (codec === 'none') throw unsupportedCodec(file, describeCodec(stream.split(',')[0]!));
  // ", 640x480" — the comma excludes hex fourccs such as "0x31637661".
  const size = /, (\d+)x(\d+)(?=[\s,[]|$)/.exec(stream);
  if (!size) throw notAVideo(file, `ffmpeg reports no frame size for its video stream (${stream})`);
  const nominalFps = rateBefore(stream, 'tbr');
  const fps = rateBefore(stream, 'fps') ?? nominalFps;
  if (fps === undefined) throw notAVideo(file, `ffmpeg reports no frame rate for its video stream (${stream})`);

  const duration = parseDuration(input);
  const packets = [...stderr.matchAll(/frame=\s*(\d+)/g)].at(-1)?.[1];
  return {
    path: file,
    width: Number(size[1]),
    height: Number(size[2]),
    fps,
    frameCount: packets !== undefined ? Number(packets) : Math.round(duration * fps),
    duration,
    codec,
    container: /^Input #0, (.+), from /m.exec(input)?.[1],
    startTime: Number(/start: (-?[\d.]+)/.exec(input)?.[1] ?? 0),
    nominalFps,
  };
}

/** The part describing the input: the "Output #0" part repeats stream lines we must not read. */
function inputSection(stderr: string): string {
  const start = stderr.search(/^Input #0/m);
  if (start < 0) return '';
  const end = stderr.slice(start).search(/^(Output #0|Stream mapping:)/m);
  return end < 0 ? stderr.slice(start) : stderr.slice(start, start + end);
}

/** "…, 29.97 fps, …" → 30000/1001. */
function rateBefore(stream: string, unit: string): number | undefined {
  const match = new RegExp(`([\\d.]+k?) ${unit}\\b`).exec(stream);
  return match ? parseRate(match[1]!) : undefined;
}

/** "Duration: 00:01:02.50" → 62.5; 0 when "N/A" (e.g. raw streams). */
function parseDuration(input: string): number {
  const match = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(input);
  return match ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : 0;
}

/**
 * Probing reads the whole file, and callers such as frame extraction decode many ranges of the
 * same video, so results are kept while the file's size and modification time stay the same.
 */
const probeCache = new Map<string, { size: number; mtimeMs: number; info: VideoInfo }>();
const PROBE_CACHE_ENTRIES = 64;

function cachedProbe(ffmpeg: string, file: string): VideoInfo | undefined {
  const entry = probeCache.get(probeKey(ffmpeg, file));
  if (!entry) return undefined;
  const stats = fs.statSync(file);
  return stats.size === entry.size && stats.mtimeMs === entry.mtimeMs ? { ...entry.info, path: file } : undefined;
}

function rememberProbe(ffmpeg: string, file: string, info: VideoInfo): void {
  if (probeCache.size >= PROBE_CACHE_ENTRIES) probeCache.delete(probeCache.keys().next().value!);
  const stats = fs.statSync(file);
  probeCache.set(probeKey(ffmpeg, file), { size: stats.size, mtimeMs: stats.mtimeMs, info: { ...info } });
}

function probeKey(ffmpeg: string, file: string): string {
  return `${ffmpeg}\0${path.resolve(file)}`;
}
