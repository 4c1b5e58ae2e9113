import { inflateSync } from 'node:zlib';
import { HerdError } from '../common/errors';

/** A decoded image as packed RGB24 (what `encodePng` and the video decoder use). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Decodes a non-interlaced PNG with 8 bits per sample (grey, grey+alpha, RGB, RGBA, palette) to RGB24 —
 * what DeepLabCut's extracted frames are. Alpha is dropped (composited on black). Returns undefined for
 * layouts it does not handle (16-bit, low bit depths, interlaced) so callers can fall back to ffmpeg.
 */
export function decodePng(bytes: Uint8Array, file: string): RgbImage | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 8 || !buffer.subarray(0, 8).equals(SIGNATURE)) throw new HerdError('PNG_INVALID', 'not a PNG file', { file });
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = 0;
  let interlace = 0;
  let palette: Buffer | undefined;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= buffer.length; ) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    const body = buffer.subarray(at + 8, at + 8 + length);
    if (body.length < length) throw new HerdError('PNG_INVALID', `truncated PNG (${type} chunk)`, { file });
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      bitDepth = body[8];
      colorType = body[9];
      interlace = body[12];
    } else if (type === 'PLTE') palette = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (width === 0 || height === 0) throw new HerdError('PNG_INVALID', 'PNG without a header', { file });
  if (bitDepth !== 8 || interlace !== 0) return undefined;
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels || (colorType === 3 && !palette)) return undefined;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (error) {
    throw new HerdError('PNG_INVALID', `damaged PNG data: ${(error as Error).message}`, { file }, { cause: error });
  }
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) throw new HerdError('PNG_INVALID', 'truncated PNG data', { file });
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : undefined;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = prev ? prev[i] : 0;
      const c = prev && i >= channels ? prev[i - channels] : 0;
      let value = line[i];
      if (filter === 1) value += a;
      else if (filter === 2) value += b;
      else if (filter === 3) value += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        value += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new HerdError('PNG_INVALID', `unknown PNG filter ${filter}`, { file });
      out[i] = value & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    if (colorType === 2 || colorType === 6) {
      const alpha = colorType === 6 ? pixels[s + 3] / 255 : 1;
      data[p * 3] = pixels[s] * alpha;
      data[p * 3 + 1] = pixels[s + 1] * alpha;
      data[p * 3 + 2] = pixels[s + 2] * alpha;
    } else if (colorType === 3) {
      const index = pixels[s] * 3;
      data.set((palette as Buffer).subarray(index, index + 3), p * 3);
    } else {
      const alpha = colorType === 4 ? pixels[s + 1] / 255 : 1;
      data.fill(pixels[s] * alpha, p * 3, p * 3 + 3);
    }
  }
  return { width, height, data };
}
