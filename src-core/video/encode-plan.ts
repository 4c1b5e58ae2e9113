import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { formatRate } from './rate';
import type { EncoderOptions } from './types';

/**
 * ffmpeg arguments for an encode. ffmpeg picks the muxer from the output's extension, and ours
 * writes to a temporary name first, so the muxer is named explicitly from the target's extension.
 */
const MUXER_BY_EXTENSION: Record<string, string> = {
  '.mp4': 'mp4',
  '.m4v': 'mp4',
  '.mov': 'mov',
  '.avi': 'avi',
  '.mkv': 'matroska',
  '.webm': 'webm',
};

/**
 * Pixel formats we choose ourselves. 4:2:0 for lossy codecs is what players expect; the lossless
 * ones keep RGB (ffv1 has no packed rgb24, bgr0 is its lossless RGB layout). Codecs not listed
 * get whatever ffmpeg negotiates from rgb24.
 */
const PIXEL_FORMAT_BY_CODEC: Record<string, string> = {
  libx264: 'yuv420p',
  libx265: 'yuv420p',
  mpeg4: 'yuv420p',
  libxvid: 'yuv420p',
  'libvpx-vp9': 'yuv420p',
  libvpx: 'yuv420p',
  mjpeg: 'yuvj420p',
  ffv1: 'bgr0',
  libx264rgb: 'rgb24',
  png: 'rgb24',
};

export function encoderArgs(options: EncoderOptions, codec: string, temporaryFile: string): string[] {
  const { width, height, fps } = options;
  const pixelFormat = PIXEL_FORMAT_BY_CODEC[codec];
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', formatRate(fps), '-i', 'pipe:0'],
    ...['-an', '-c:v', codec],
    ...(pixelFormat ? ['-pix_fmt', pixelFormat] : []),
    ...qualityArgs(codec, options.quality),
    ...['-f', muxerFor(options.path), '-y', temporaryFile],
  ];
}

/** Checks that need no ffmpeg: a bad size or file name fails before anything is spawned. */
export function checkEncoderOptions(options: EncoderOptions, codec: string): void {
  const { path: file, width, height, fps } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new HerdError('INVALID_FRAME_SIZE', `frame size ${width}x${height} must be positive whole pixels`, { file });
  }
  if (PIXEL_FORMAT_BY_CODEC[codec]?.endsWith('420p') && (width % 2 !== 0 || height % 2 !== 0)) {
    throw new HerdError(
      'ODD_FRAME_SIZE',
      `${codec} stores colour at half resolution and needs an even frame size, got ${width}x${height}. ` +
        'crop or pad to even dimensions, or use a lossless RGB codec (ffv1, libx264rgb, png)',
      { file },
    );
  }
  if (!(fps > 0) || !Number.isFinite(fps)) throw new HerdError('INVALID_FPS', `frame rate ${fps} must be a positive number`, { file });
  muxerFor(file);
}

function muxerFor(file: string): string {
  const extension = path.extname(file).toLowerCase();
  const muxer = MUXER_BY_EXTENSION[extension];
  if (!muxer) {
    throw new HerdError(
      'UNSUPPORTED_CONTAINER',
      `cannot write video files ending in "${extension}"; use one of ${Object.keys(MUXER_BY_EXTENSION).join(', ')}`,
      { file },
    );
  }
  return muxer;
}

/** `quality` means each codec's own scale: CRF for x264/x265, -q:v (2 best … 31) for mpeg4/mjpeg. */
function qualityArgs(codec: string, quality: number | undefined): string[] {
  switch (codec) {
    case 'libx264':
    case 'libx265':
      return ['-crf', String(quality ?? 18)];
    case 'libx264rgb':
      // Chosen for exact RGB storage, so lossless unless a quality is asked for.
      return quality === undefined ? ['-qp', '0'] : ['-crf', String(quality)];
    case 'mpeg4':
    case 'libxvid':
    case 'mjpeg':
      return ['-q:v', String(quality ?? 2)];
    default:
      return [];
  }
}
