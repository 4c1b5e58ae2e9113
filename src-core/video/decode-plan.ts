import { HerdError } from '../common/errors';
import { passthroughTimingArgs } from './ffmpeg';
import type { CropBox, DecodeOptions, VideoInfo } from './types';

/**
 * How to reach the first requested frame:
 * - "timestamp": seek the input to just before the frame's time (`-ss` before `-i`); ffmpeg
 *   decodes from the preceding keyframe and drops everything earlier. Fast at any depth, exact
 *   for constant-rate video in containers that store presentation timestamps.
 * - "count": decode from the start and drop the first frames by count (`select`). Always exact,
 *   but costs decoding everything before the range.
 * - "auto" (default): "timestamp" where it is known to be exact, else "count".
 */
export type SeekMode = 'auto' | 'timestamp' | 'count';

export interface DecodePlan {
  args: string[];
  /** First frame index produced. */
  start: number;
  /** Frames ffmpeg is asked to produce. */
  count: number;
  width: number;
  height: number;
  seek: 'timestamp' | 'count';
}

/**
 * Containers whose timestamps are presentation times. AVI only stores decode order, so with
 * B-frames ffmpeg guesses timestamps that differ after a seek (measured: one frame early).
 */
const TIMESTAMPED_CONTAINERS = new Set(['mov', 'mp4', 'matroska', 'webm']);

/** Validate the options against the video and build ffmpeg's arguments. */
export function planDecode(file: string, ffmpeg: string, info: VideoInfo, options: DecodeOptions & { seek?: SeekMode }): DecodePlan {
  const start = options.start ?? 0;
  const end = options.end ?? info.frameCount;
  checkRange(file, info, start, end);
  const crop = options.crop && checkedCrop(file, info, options.crop);
  const scale = options.scale && checkedScale(options.scale);
  const seek = start === 0 ? 'count' : chooseSeek(info, options.seek ?? 'auto');

  const filters: string[] = [];
  if (start > 0 && seek === 'count') filters.push(`select=gte(n\\,${start})`);
  // Convert to RGB before cropping: cropping subsampled YUV would round odd offsets to even.
  if (crop) filters.push('format=rgb24', `crop=${crop.x2 - crop.x1}:${crop.y2 - crop.y1}:${crop.x1}:${crop.y1}`);
  if (scale) filters.push(`scale=${scale.width}:${scale.height}`);

  const inputSeek = start > 0 && seek === 'timestamp' ? ['-ss', ((start - 0.5) / info.fps).toFixed(6)] : [];
  const args = [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...inputSeek,
    ...['-i', file, '-map', '0:v:0', '-an', '-sn', '-dn'],
    ...passthroughTimingArgs(ffmpeg),
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    ...['-frames:v', String(end - start), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ];
  return {
    args,
    start,
    count: end - start,
    width: scale?.width ?? (crop ? crop.x2 - crop.x1 : info.width),
    height: scale?.height ?? (crop ? crop.y2 - crop.y1 : info.height),
    seek,
  };
}

function chooseSeek(info: VideoInfo, requested: SeekMode): 'timestamp' | 'count' {
  if (requested !== 'auto') return requested;
  const timestamped = (info.container ?? '').split(',').some((name) => TIMESTAMPED_CONTAINERS.has(name));
  return timestamped && looksConstantRate(info) ? 'timestamp' : 'count';
}

/**
 * Frame count agrees with duration × rate (within the 10 ms rounding of the printed duration).
 * Variable-rate video (phones, some cameras) fails this, and there frame times are not index/fps.
 */
function looksConstantRate(info: VideoInfo): boolean {
  return Math.abs(info.frameCount - info.duration * info.fps) <= 1 + 0.01 * info.fps;
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

function checkedScale(scale: { width: number; height: number }): { width: number; height: number } {
  const { width, height } = scale;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new HerdError('INVALID_SCALE', `scale ${width}x${height} must be positive whole pixels`);
  }
  return scale;
}
