import * as fs from 'node:fs';
import { decodePng, type RgbImage } from '../io/png-read';
import { grabFrame } from './decode';

/** Reads an image file as RGB24: PNGs in JS (fast), anything else (JPEG, 16-bit PNG…) through ffmpeg. */
export async function readImageFile(file: string, signal?: AbortSignal): Promise<RgbImage> {
  if (file.toLowerCase().endsWith('.png')) {
    const decoded = decodePng(fs.readFileSync(file), file);
    if (decoded) return decoded;
  }
  const frame = await grabFrame(file, 0, { signal });
  return { width: frame.width, height: frame.height, data: new Uint8Array(frame.data) };
}
