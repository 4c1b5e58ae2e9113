import * as fs from 'node:fs';
import { HerdError } from '../common/errors';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Width and height of a PNG (from its IHDR chunk) or JPEG (from its SOF marker) without decoding it.
 * DeepLabCut's extracted frames are PNG; some older projects hold JPEGs.
 */
export function imageSize(file: string): { width: number; height: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new HerdError('IMAGE_MISSING', `cannot read image: ${(error as Error).message}`, { file });
  }
  try {
    const head = Buffer.alloc(32);
    fs.readSync(fd, head, 0, head.length, 0);
    if (head.subarray(0, 8).equals(PNG_SIGNATURE) && head.toString('latin1', 12, 16) === 'IHDR') {
      return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
    }
    if (head[0] === 0xff && head[1] === 0xd8) return jpegSize(fd, file);
    throw new HerdError('IMAGE_FORMAT', 'not a PNG or JPEG image', { file });
  } finally {
    fs.closeSync(fd);
  }
}

function jpegSize(fd: number, file: string): { width: number; height: number } {
  const size = fs.fstatSync(fd).size;
  const bytes = Buffer.alloc(Math.min(size, 1 << 20));
  fs.readSync(fd, bytes, 0, bytes.length, 0);
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) {
      at++;
      continue;
    }
    const marker = bytes[at + 1];
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) {
      at += marker === 0xff ? 1 : 2;
      continue;
    }
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  throw new HerdError('IMAGE_FORMAT', 'JPEG without a frame header (SOF marker)', { file });
}
