import { HerdError } from '../common/errors';
import { checkDecodeRequest, chooseSeek, decodeArgs, type SeekMode, type Timeline } from './decode-plan';
import { DecoderProcess } from './decoder-process';
import { assertVideoFileExists } from './failures';
import { resolveFfmpeg } from './ffmpeg';
import { probeVideo } from './probe';
import { firstFrameTime } from './timeline';
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
  const request = checkDecodeRequest(file, info, options);
  const queueFrames = checkedQueueFrames(options.queueFrames);
  if (request.count === 0 || signal?.aborted) return;
  const timeline = chooseSeek(info, request, options.seek) === 'timestamp' ? await timelineOf(ffmpeg, file, info) : undefined;

  const args = decodeArgs(file, ffmpeg, request, timeline);
  const decoder = new DecoderProcess(ffmpeg, args, request, queueFrames, timeline !== undefined);
  const stop = () => decoder.kill();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    let produced = 0;
    for (let data = await decoder.nextFrame(); data; data = await decoder.nextFrame()) {
      if (signal?.aborted) return;
      yield { index: request.start + produced, width: request.width, height: request.height, data };
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

/** What seeking by time needs; undefined (so frames are counted instead) if ffmpeg cannot tell. */
async function timelineOf(ffmpeg: string, file: string, info: VideoInfo): Promise<Timeline | undefined> {
  const firstTime = await firstFrameTime(ffmpeg, file);
  return firstTime === undefined ? undefined : { fps: info.fps, firstFrameTime: firstTime, containerStart: info.startTime ?? 0 };
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
