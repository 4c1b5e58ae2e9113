import { spawn } from 'node:child_process';
import { HerdError } from '../common/errors';
import { decodeFrames } from '../video';
import { lastLines, passthroughTimingArgs, resolveFfmpeg, spawnError } from '../video/ffmpeg';
import type { CropBox, Frame, VideoInfo } from '../video/types';

/**
 * Above this many picks the range decode is used instead of a select expression: ffmpeg's expression parser
 * refuses sums of more than ~100 terms (measured on 5.1: 100 parse, 120 fail).
 */
const MAX_SELECTED = 64;

export interface SelectedFramesOptions {
  crop?: CropBox;
  ffmpeg?: string;
  signal?: AbortSignal;
  /** Above this many picks, decode the whole range instead of selecting (default 64: ffmpeg parses no longer select expressions than ~100 terms). */
  selectLimit?: number;
}

/**
 * The frames at `indices` (sorted, distinct) in one decoding pass, full size (cropped if asked), as RGB24.
 * ffmpeg drops the unwanted frames itself (`select` on the decoded frame number, the same count the video
 * module's exact "count" decoding uses), so only the wanted frames are converted and piped: the pass
 * costs about one decode-only run up to the last pick. Many picks fall back to the video module's
 * range decode (every frame of the range through the pipe). Ends quietly when aborted.
 */
export async function* decodeSelectedFrames(
  video: string,
  info: VideoInfo,
  indices: number[],
  options: SelectedFramesOptions = {},
): AsyncGenerator<Frame, void, undefined> {
  if (indices.length === 0) return;
  const { crop, signal } = options;
  if (indices.length > (options.selectLimit ?? MAX_SELECTED)) {
    const wanted = new Set(indices);
    for await (const frame of decodeFrames(video, { info, crop, signal, ffmpeg: options.ffmpeg, start: indices[0], end: indices[indices.length - 1] + 1 })) {
      if (wanted.has(frame.index)) yield frame;
    }
    return;
  }
  const ffmpeg = resolveFfmpeg(options.ffmpeg);
  const width = crop ? crop.x2 - crop.x1 : info.width;
  const height = crop ? crop.y2 - crop.y1 : info.height;
  const frameBytes = width * height * 3;
  const filters = [`select=${indices.map((index) => `eq(n\\,${index})`).join('+')}`];
  // As the video module: convert to RGB before cropping, so odd offsets are not rounded in subsampled YUV.
  if (crop) filters.push('format=rgb24', `crop=${width}:${height}:${crop.x1}:${crop.y1}`);
  const args = [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...['-i', video, '-map', '0:v:0', '-an', '-sn', '-dn'],
    ...passthroughTimingArgs(ffmpeg),
    ...['-vf', filters.join(','), '-frames:v', String(indices.length), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ];
  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-16_000);
  });
  const exited = new Promise<{ code: number | null; failure?: Error }>((resolve) => {
    child.on('error', (failure) => resolve({ code: null, failure }));
    child.on('close', (code) => resolve({ code }));
  });
  const stop = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', stop, { once: true });
  let produced = 0;
  try {
    let frame = new Uint8Array(frameBytes);
    let filled = 0;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          if (signal?.aborted) return;
          yield { index: indices[produced], width, height, data: frame };
          produced++;
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const exit = await exited;
    if (signal?.aborted) return;
    if (exit.failure) throw spawnError(ffmpeg, exit.failure);
    if (exit.code !== 0) {
      throw new HerdError('DECODE_FAILED', `ffmpeg could not decode the frames (exit ${exit.code}):\n${lastLines(stderr)}`, { file: video });
    }
    if (produced < indices.length) {
      throw new HerdError(
        'VIDEO_TRUNCATED',
        `frame ${indices[produced]} could not be decoded (the video ended after ${produced} of the ${indices.length} wanted frames)`,
        { file: video },
      );
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
}
