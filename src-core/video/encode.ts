import { spawn, type ChildProcessByStdio } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { commitTemporary, temporarySibling } from '../common/atomic';
import { HerdError } from '../common/errors';
import { checkEncoderOptions, encoderArgs } from './encode-plan';
import { defaultCodec, lastLines, listEncoders, resolveFfmpeg, spawnError } from './ffmpeg';
import { OutputTail } from './output-tail';
import type { EncoderOptions, VideoEncoder } from './types';

export interface EncoderRunOptions extends EncoderOptions {
  /** ffmpeg binary; default `resolveFfmpeg()`. */
  ffmpeg?: string;
}

/**
 * Start an ffmpeg that encodes RGB24 frames written to it. Everything goes to a temporary file
 * beside the target, which is renamed into place only when ffmpeg finished successfully: a failed
 * or aborted encode never leaves a file (or a half-written video) at the target.
 */
export async function openEncoder(options: EncoderRunOptions): Promise<VideoEncoder> {
  const ffmpeg = resolveFfmpeg(options.ffmpeg);
  const codec = options.codec ?? defaultCodec(ffmpeg);
  checkEncoderOptions(options, codec);
  if (!listEncoders(ffmpeg).has(codec)) {
    throw new HerdError('UNKNOWN_CODEC', `this ffmpeg (${ffmpeg}) has no encoder named "${codec}"`, { file: options.path });
  }
  checkTarget(options.path, options.overwrite ?? false);

  const temporaryFile = temporarySibling(options.path);
  const child = spawn(ffmpeg, encoderArgs(options, codec, temporaryFile), { stdio: ['pipe', 'ignore', 'pipe'] });
  const encoder = new FfmpegEncoder(child, options, temporaryFile, ffmpeg);
  await encoder.started();
  return encoder;
}

function checkTarget(target: string, overwrite: boolean): void {
  if (!overwrite && fs.existsSync(target)) {
    throw new HerdError('FILE_EXISTS', 'file already exists; choose another name or allow overwriting', { file: target });
  }
  const directory = path.dirname(target);
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
    throw new HerdError('OUTPUT_DIR_NOT_FOUND', `folder ${directory} does not exist`, { file: target });
  }
}

interface Exit {
  exitCode: number | null;
  startFailure?: Error;
}

class FfmpegEncoder implements VideoEncoder {
  readonly path: string;
  private written = 0;
  private state: 'open' | 'closing' | 'finished' = 'open';
  private aborted = false;
  private closing: Promise<void> | undefined;
  private readonly exited: Promise<Exit>;
  private readonly stderr = new OutputTail();
  private readonly frameBytes: number;

  constructor(
    private readonly child: ChildProcessByStdio<Writable, null, Readable>,
    private readonly options: EncoderRunOptions,
    private readonly temporaryFile: string,
    private readonly ffmpeg: string,
  ) {
    this.path = options.path;
    this.frameBytes = options.width * options.height * 3;
    child.stderr.setEncoding('utf8').on('data', (text: string) => this.stderr.push(text));
    // A dead ffmpeg makes writes fail with EPIPE; that is reported through `exited`, not as a crash.
    child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.on('error', (startFailure) => resolve({ exitCode: null, startFailure }));
      child.on('close', (exitCode) => resolve({ exitCode }));
    });
  }

  get framesWritten(): number {
    return this.written;
  }

  /** Resolves once ffmpeg is running; rejects (and cleans up) when it could not be started. */
  async started(): Promise<void> {
    const spawned = new Promise<void>((resolve) => this.child.once('spawn', resolve));
    const exit = await Promise.race([spawned.then(() => undefined), this.exited]);
    if (exit?.startFailure) {
      this.state = 'finished';
      this.removeTemporary();
      throw spawnError(this.ffmpeg, exit.startFailure);
    }
  }

  /** Resolves when the frame is in the pipe to ffmpeg, so the caller may reuse `rgb` afterwards. */
  async write(rgb: Uint8Array): Promise<void> {
    this.assertOpen();
    if (rgb.length !== this.frameBytes) {
      const { width, height } = this.options;
      throw new HerdError(
        'FRAME_SIZE_MISMATCH',
        `a ${width}x${height} RGB frame has ${this.frameBytes} bytes, got ${rgb.length}`,
        { file: this.path },
      );
    }
    const accepted = await new Promise<boolean>((resolve) => this.child.stdin.write(rgb, (error) => resolve(!error)));
    if (!accepted) throw await this.failure();
    this.written += 1;
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  async abort(): Promise<void> {
    if (this.state === 'finished') return;
    this.state = 'finished';
    this.aborted = true;
    this.child.kill('SIGKILL');
    await this.exited;
    this.removeTemporary();
  }

  private async finish(): Promise<void> {
    this.assertOpen();
    this.state = 'closing';
    if (this.written === 0) {
      await this.abort();
      throw new HerdError('NO_FRAMES', 'no frames were written, so the video was not created', { file: this.path });
    }
    this.child.stdin.end();
    const exit = await this.exited;
    if (exit.exitCode !== 0) throw await this.failure();
    this.state = 'finished';
    if (!this.options.overwrite && fs.existsSync(this.path)) {
      this.removeTemporary();
      throw new HerdError('FILE_EXISTS', 'file appeared while encoding; the new video was discarded', { file: this.path });
    }
    commitTemporary(this.temporaryFile, this.path);
  }

  /** The error for an ffmpeg that died, after it has exited (so its last words are collected). */
  private async failure(): Promise<HerdError> {
    const exit = await this.exited;
    this.state = 'finished';
    this.removeTemporary();
    if (exit.startFailure) return spawnError(this.ffmpeg, exit.startFailure);
    if (this.aborted) return new HerdError('ABORTED', 'encoding was aborted', { file: this.path });
    return new HerdError(
      'ENCODE_FAILED',
      `ffmpeg failed to encode (exit code ${exit.exitCode}):\n${lastLines(this.stderr.text())}`,
      { file: this.path },
    );
  }

  private assertOpen(): void {
    if (this.state !== 'open') {
      throw new HerdError('ENCODER_CLOSED', 'the encoder is already closed or aborted', { file: this.path });
    }
  }

  private removeTemporary(): void {
    fs.rmSync(this.temporaryFile, { force: true });
  }
}
