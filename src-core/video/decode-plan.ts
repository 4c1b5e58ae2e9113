import { HerdError } from '../common/errors';
import { passthroughTimingArgs } from './ffmpeg';
import type { CropBox, DecodeOptions, VideoInfo } from './types';

/**
 * How to reach the first requested frame:
 * - "timestamp": seek the input to a keyframe safely before the frame, decode from there and keep
 *   frames from the frame's presentation time on. Fast at any depth; exact for constant-rate video
 *   in containers that store presentation timestamps.
 * - "count": decode from the start and drop the first frames by count. Always exact, but costs
 *   decoding everything before the range.
 * - "auto" (default): "timestamp" where it is known to be exact, else "count".
 */
export type SeekMode = 'auto' | 'timestamp' | 'count';

/** Decode options checked against the video. */
export interface DecodeRequest {
  start: number;
  /** Frames to produce. */
  count: number;
  crop?: CropBox;
  scale?: DecodeOptions['scale'];
  /** Size of the produced frames. */
  width: number;
  height: number;
}

/** Where frame 0 lies in the file's timeline, needed to seek by time. */
export interface Timeline {
  fps: number;
  /** Presentation time of frame 0 (seconds, as ffmpeg -copyts sees it). */
  firstFrameTime: number;
  /** Start of the container's timeline, the origin of input seeking. */
  containerStart: number;
}

/**
 * Containers whose timestamps are presentation times. AVI only stores decode order (with
 * B-frames ffmpeg's guessed timestamps shift after a seek), and MPEG-TS seeks land on arbitrary
 * packets; both measured inexact, so they are reached by counting.
 */
const TIMESTAMPED_CONTAINERS = new Set(['mov', 'mp4', 'matroska', 'webm']);

/**
 * How far before the wanted frame to seek. ffmpeg lands on a keyframe whose *decode* time is
 * before the seek point; its presentation time can be later by the reorder delay (up to 16
 * frames in H.264), and in open GOPs the frames just before it are undecodable. Seeking this far
 * ahead keeps both effects before the wanted frame.
 */
function prerollSeconds(fps: number): number {
  return Math.max(1, 32 / fps);
}

export function checkDecodeRequest(file: string, info: VideoInfo, options: DecodeOptions): DecodeRequest {
  const start = options.start ?? 0;
  const end = options.end ?? info.frameCount;
  checkRange(file, info, start, end);
  const crop = options.crop && checkedCrop(file, info, options.crop);
  const scale = options.scale && checkedScale(options.scale);
  return {
    start,
    count: end - start,
    crop,
    scale,
    width: scale?.width ?? (crop ? crop.x2 - crop.x1 : info.width),
    height: scale?.height ?? (crop ? crop.y2 - crop.y1 : info.height),
  };
}

export function chooseSeek(info: VideoInfo, request: DecodeRequest, requested: SeekMode = 'auto'): 'timestamp' | 'count' {
  if (request.start === 0) return 'count';
  if (requested !== 'auto') return requested;
  const timestamped = (info.container ?? '').split(',').some((name) => TIMESTAMPED_CONTAINERS.has(name));
  return timestamped && looksConstantRate(info) ? 'timestamp' : 'count';
}

/**
 * Frame k is shown at k / fps only at a constant rate. ffmpeg's average rate (fps) departs from
 * its base rate (tbr) for variable-rate video (phones) and for dropped frames, and the frame count
 * departs from duration × rate when frames are missing (within the 10 ms rounding of the printed
 * duration). A longer audio track fails the second test too: such videos are merely counted.
 */
function looksConstantRate(info: VideoInfo): boolean {
  const steadyRate = info.nominalFps !== undefined && Math.abs(info.fps - info.nominalFps) < 1e-9;
  return steadyRate && Math.abs(info.frameCount - info.duration * info.fps) <= 1 + 0.01 * info.fps;
}

/** ffmpeg arguments writing the requested frames as raw RGB24 to stdout; `timeline` selects seeking by time. */
export function decodeArgs(file: string, ffmpeg: string, request: DecodeRequest, timeline?: Timeline): string[] {
  const { start, crop, scale } = request;
  const filters: string[] = [];
  let input = ['-i', file];
  if (start > 0 && timeline) {
    // Half a frame early, so rounding of stored timestamps cannot skip the wanted frame.
    const wantedTime = timeline.firstFrameTime + (start - 0.5) / timeline.fps;
    const seekTo = wantedTime - prerollSeconds(timeline.fps) - timeline.containerStart;
    // -copyts keeps the file's timestamps, so `t` in select is comparable to wantedTime.
    input = ['-copyts', ...(seekTo > 0 ? ['-ss', seekTo.toFixed(6), '-noaccurate_seek'] : []), ...input];
    filters.push(`select=gte(t\\,${wantedTime.toFixed(6)})`);
  } else if (start > 0) {
    filters.push(`select=gte(n\\,${start})`);
  }
  // Convert to RGB before cropping: cropping subsampled YUV would round odd offsets to even.
  if (crop) filters.push('format=rgb24', `crop=${crop.x2 - crop.x1}:${crop.y2 - crop.y1}:${crop.x1}:${crop.y1}`);
  if (scale) filters.push(`scale=${scale.width}:${scale.height}${scale.interpolation ? `:flags=${scale.interpolation}` : ''}`);
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...input,
    ...['-map', '0:v:0', '-an', '-sn', '-dn'],
    ...passthroughTimingArgs(ffmpeg),
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    ...['-frames:v', String(request.count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ];
}

function checkRange(file: string, info: VideoInfo, start: number, end: number): void {
  const valid = Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= info.frameCount;
  if (!valid) {
    throw new HerdError(
      'FRAME_RANGE',
      `frames [${start}, ${end}) are not in this video, which has ${info.frameCount} frames (indices 0 to ${info.frameCount - 1})`,
      { file },
    );
  }
}

function checkedCrop(file: string, info: VideoInfo, crop: CropBox): CropBox {
  const { x1, x2, y1, y2 } = crop;
  const integers = [x1, x2, y1, y2].every(Number.isInteger);
  if (!integers || x1 < 0 || y1 < 0 || x2 <= x1 || y2 <= y1 || x2 > info.width || y2 > info.height) {
    throw new HerdError(
      'INVALID_CROP',
      `crop x1=${x1} x2=${x2} y1=${y1} y2=${y2} does not fit the ${info.width}x${info.height} frames ` +
        '(need whole pixels with 0 ≤ x1 < x2 ≤ width and 0 ≤ y1 < y2 ≤ height)',
      { file },
    );
  }
  return crop;
}

function checkedScale(scale: NonNullable<DecodeOptions['scale']>): NonNullable<DecodeOptions['scale']> {
  const { width, height } = scale;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new HerdError('INVALID_SCALE', `scale ${width}x${height} must be positive whole pixels`);
  }
  return scale;
}
