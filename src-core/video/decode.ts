import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { HerdError } from '../common/errors';
import { planDecode, type DecodePlan, type SeekMode } from './decode-plan';
import { assertVideoFileExists, describeInputFailure } from './failures';
import { lastLines, resolveFfmpeg, spawnError } from './ffmpeg';
import { DamageLog } from './damage-log';
import { FrameQueue } from './frame-queue';
import { OutputTail } from './output-tail';
import { probeVideo } from './probe';
import type { DecodeOptions, Frame, VideoInfo } from './types';

export interface DecodeRunOptions extends DecodeOptions {
  /** ffmpeg binary; default `resolveFfmpeg()`. */
  ffmpeg?: string;
  /** The video's probe result, when the caller already has it (saves reading the file twice). */
  info?: VideoInfo;
  /** How the first frame is reached; see `SeekMode`. */
  seek?: SeekMode;
  /**
   * Keep going through damaged data: yield whatever ffmpeg decodes (it conceals broken frames)
   * instead of failing with VIDEO_TRUNCATED at the end. Default false.
   */
  tolerateDecodeErrors?: boolean;
}

const DEFAULT_QUEUE_FRAMES = 8;

/**
 * Stream a video's frames as packed RGB24, with optional crop, scale and frame range.
 * Frame indices count decoded frames from 0, so frame k of a range is byte-identical to frame k
 * of a full decode. Breaking out of the loop or aborting the signal kills ffmpeg.
 *
 * Damage is reported after the good frames have been yielded: the iteration ends by throwing
 * VIDEO_TRUNCATED when ffmpeg logged decoding errors, the output stopped mid-frame, or fewer
 * frames came out than the probe counted (unless `tolerateDecodeErrors`).
 */
export async function* decodeFrames(file: string, options: DecodeRunOptions = {}): AsyncGenerator<Frame, void, undefined> {
  const { signal } = options;
  const ffmpeg = resolveFfmpeg(options.ffmpeg);
  assertVideoFileExists(file);
  const info = options.info ?? (await probeQuietlyAborted(file, ffmpeg, signal));
  if (!info) return;
  const plan = planDecode(file, ffmpeg, info, options);
  const queueFrames = checkedQueueFrames(options.queueFrames);
  if (plan.count === 0 || signal?.aborted) return;

  const decoder = new DecoderProcess(ffmpeg, plan, queueFrames);
  const stop = () => decoder.kill();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    let produced = 0;
    for (let data = await decoder.nextFrame(); data; data = await decoder.nextFrame()) {
      if (signal?.aborted) return;
      yield { index: plan.start + produced, width: plan.width, height: plan.height, data };
      produced += 1;
    }
    const exit = await decoder.exited;
    if (signal?.aborted) return;
    const problem = decoder.outcomeProblem(file, exit, produced, options.tolerateDecodeErrors ?? false);
    if (problem) throw problem;
  } finally {
    signal?.removeEventListener('abort', stop);
    // Runs on normal end, on error, and when the consumer breaks out (generator return()).
    await decoder.stop();
  }
}

/** An abort during the probe ends the iteration like an abort during decoding: quietly. */
async function probeQuietlyAborted(file: string, ffmpeg: string, signal: AbortSignal | undefined): Promise<VideoInfo | undefined> {
  try {
    return await probeVideo(file, { ffmpeg, signal });
  } catch (error) {
    if (signal?.aborted) return undefined;
    throw error;
  }
}

function checkedQueueFrames(queueFrames = DEFAULT_QUEUE_FRAMES): number {
  if (!Number.isInteger(queueFrames) || queueFrames < 1) {
    throw new HerdError('INVALID_OPTION', `queueFrames must be a whole number of at least 1, got ${queueFrames}`);
  }
  return queueFrames;
}

/** One frame, decoded with the same exactness as a range. */
export async function grabFrame(file: string, index: number, options: Omit<DecodeRunOptions, 'start' | 'end'> = {}): Promise<Frame> {
  const [frame] = await readFrameRange(file, index, index + 1, options);
  if (!frame) throw new HerdError('VIDEO_TRUNCATED', `frame ${index} could not be decoded`, { file });
  return frame;
}

/** Frames [start, end) collected into an array; for short ranges (each frame is width × height × 3 bytes). */
export async function readFrameRange(
  file: string,
  start: number,
  end: number,
  options: Omit<DecodeRunOptions, 'start' | 'end'> = {},
): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of decodeFrames(file, { ...options, start, end })) frames.push(frame);
  return frames;
}

interface Exit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  startFailure?: Error;
}

/** One ffmpeg decoding run: its frames, its error output, and its end. */
class DecoderProcess {
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private readonly frames: FrameQueue;
  private readonly errors = new OutputTail();
  private readonly damage = new DamageLog();
  private killed = false;

  constructor(
    private readonly ffmpeg: string,
    private readonly plan: DecodePlan,
    queueFrames: number,
  ) {
    this.child = spawn(ffmpeg, plan.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.frames = new FrameQueue(this.child.stdout, plan.width * plan.height * 3, queueFrames);
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
  outcomeProblem(file: string, exit: Exit, produced: number, tolerateDamage: boolean): HerdError | undefined {
    if (exit.startFailure) return spawnError(this.ffmpeg, exit.startFailure);
    if (this.killed) return undefined;
    const stderr = this.errors.text();
    if (exit.exitCode !== 0) {
      return produced === 0
        ? describeInputFailure(file, stderr)
        : new HerdError(
            'DECODE_FAILED',
            `ffmpeg stopped decoding after frame ${this.plan.start + produced - 1} ` +
              `(exit ${exit.exitCode ?? exit.signal}):\n${lastLines(stderr)}`,
            { file },
          );
    }
    if (tolerateDamage) return undefined;
    const expected = this.plan.count;
    const reasons = [
      produced < expected ? `only ${produced} of the ${expected} frames requested could be decoded` : '',
      this.frames.leftoverBytes > 0 ? 'the last frame is incomplete' : '',
      this.damage.count > 0 ? `ffmpeg reported decoding errors:\n${this.damage.summary()}` : '',
    ].filter(Boolean);
    if (reasons.length === 0) return undefined;
    return new HerdError(
      'VIDEO_TRUNCATED',
      `video is damaged or incomplete: ${reasons.join('; ')}. ` +
        'The frames before the damage were delivered; tolerateDecodeErrors accepts the frames ffmpeg patched up',
      { file },
    );
  }
}
