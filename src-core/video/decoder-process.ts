import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { HerdError } from '../common/errors';
import { DamageLog } from './damage-log';
import type { DecodeRequest } from './decode-plan';
import { describeInputFailure } from './failures';
import { lastLines, spawnError } from './ffmpeg';
import { FrameQueue } from './frame-queue';
import { OutputTail } from './output-tail';

export interface DecoderExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  startFailure?: Error;
}

/** One ffmpeg decoding run: its frames, its error output, and its end. */
export class DecoderProcess {
  readonly exited: Promise<DecoderExit>;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private readonly frames: FrameQueue;
  private readonly errors = new OutputTail();
  private readonly damage: DamageLog;
  private killed = false;

  constructor(
    private readonly ffmpeg: string,
    args: string[],
    private readonly request: DecodeRequest,
    queueFrames: number,
    startsAfterSeek: boolean,
  ) {
    this.damage = new DamageLog({ startedAfterSeek: startsAfterSeek });
    this.child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.frames = new FrameQueue(this.child.stdout, request.width * request.height * 3, queueFrames);
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.errors.push(text);
      this.damage.push(text);
    });
    this.child.stderr.on('end', () => this.damage.flush());
    this.exited = new Promise((resolve) => {
      this.child.on('error', (startFailure) => resolve({ exitCode: null, signal: null, startFailure }));
      this.child.on('close', (exitCode, signal) => resolve({ exitCode, signal }));
    });
  }

  nextFrame(): Promise<Uint8Array | undefined> {
    return this.frames.next();
  }

  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.killed = true;
    // SIGKILL: ffmpeg blocked writing to a full pipe would not act on SIGTERM.
    this.child.kill('SIGKILL');
    this.child.stdout.destroy();
  }

  /** Kill if still running and wait until the process is reaped (no zombie left behind). */
  async stop(): Promise<void> {
    this.kill();
    await this.exited;
  }

  /** What went wrong, judged once ffmpeg has exited on its own; undefined when nothing did. */
  outcomeProblem(file: string, exit: DecoderExit, produced: number, tolerateDamage: boolean): HerdError | undefined {
    if (exit.startFailure) return spawnError(this.ffmpeg, exit.startFailure);
    if (this.killed) return undefined;
    const stderr = this.errors.text();
    if (exit.exitCode !== 0) {
      return produced === 0
        ? describeInputFailure(file, stderr)
        : new HerdError(
            'DECODE_FAILED',
            `ffmpeg stopped decoding after frame ${this.request.start + produced - 1} ` +
              `(exit ${exit.exitCode ?? exit.signal}):\n${lastLines(stderr)}`,
            { file },
          );
    }
    if (tolerateDamage) return undefined;
    const expected = this.request.count;
    const reasons = [
      produced < expected ? `only ${produced} of the ${expected} frames requested could be decoded` : '',
      this.frames.leftoverBytes > 0 ? 'the last frame is incomplete' : '',
      this.damage.count > 0 ? `ffmpeg reported decoding errors:\n${this.damage.summary()}` : '',
    ].filter(Boolean);
    if (reasons.length === 0) return undefined;
    return new HerdError('VIDEO_TRUNCATED', `video is damaged or incomplete: ${reasons.join('; ')}`, { file });
  }
}
