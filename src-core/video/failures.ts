import * as fs from 'node:fs';
import { HerdError } from '../common/errors';
import { lastLines } from './ffmpeg';

/**
 * The errors a video input can produce, shared by probe and decode so both name a problem the
 * same way. Each names the file in `location.file`.
 */

/** Checked before spawning ffmpeg: a clear message beats ffmpeg's "No such file or directory". */
export function assertVideoFileExists(file: string): void {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch {
    throw new HerdError('VIDEO_NOT_FOUND', 'video file not found', { file });
  }
  if (!stats.isFile()) {
    throw new HerdError('NOT_A_VIDEO', 'not a file (is it a folder?)', { file });
  }
}

export function notAVideo(file: string, reason: string): HerdError {
  return new HerdError('NOT_A_VIDEO', `not a readable video: ${reason}`, { file });
}

/** "none (ZZZZ / 0x5A5A5A5A)" → 'unknown fourcc "ZZZZ"'; other descriptions unchanged. */
export function describeCodec(description: string): string {
  const fourcc = /\((.{4}) \/ 0x[0-9A-Fa-f]+\)/.exec(description)?.[1];
  return fourcc ? `unknown fourcc "${fourcc}"` : description;
}

export function unsupportedCodec(file: string, codec: string): HerdError {
  return new HerdError(
    'UNSUPPORTED_CODEC',
    `video codec this ffmpeg cannot decode (${codec}); ` +
      're-encode it (e.g. `ffmpeg -i in.avi -c:v libx264 -crf 18 out.mp4`) or set HERD_FFMPEG to a fuller ffmpeg build',
    { file },
  );
}

/** Map what ffmpeg said when it could not open or decode `file` to one of our codes. */
export function describeInputFailure(file: string, stderr: string): HerdError {
  if (/No such file or directory/.test(stderr)) return new HerdError('VIDEO_NOT_FOUND', 'video file not found', { file });
  if (/Permission denied/.test(stderr)) return new HerdError('VIDEO_UNREADABLE', 'no permission to read this file', { file });
  if (/moov atom not found/.test(stderr) && !/misdetection possible/.test(stderr)) {
    // A real mp4/mov whose index was never written: the recorder stopped before finishing the file.
    return notAVideo(file, 'its index (the mp4 "moov atom") is missing; the recording was probably interrupted before it finished');
  }
  const missingDecoder = /Decoder \(codec (\S+)\) not found|Could not find codec parameters.*\((Video: [^)]*)\)/.exec(stderr);
  if (missingDecoder) return unsupportedCodec(file, describeCodec(missingDecoder[1] ?? missingDecoder[2] ?? 'unknown'));
  if (/matches no streams|does not contain any stream/.test(stderr)) return notAVideo(file, 'it has no video stream');
  if (/Invalid data found when processing input/.test(stderr)) {
    return notAVideo(file, 'ffmpeg does not recognise its format (damaged, or not a video at all)');
  }
  return new HerdError('DECODE_FAILED', `ffmpeg could not read it:\n${lastLines(stderr)}`, { file });
}
