import { checkImage, type RgbImage } from './image';
import { invert, type Affine } from './matrix';

/** Axis-aligned rectangle of output pixels [x0, x1) × [y0, y1). */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface WarpOptions {
  /** Value of output pixels that fall outside the source image (or outside `valid`). DeepLabCut pads with 0. */
  fill?: number;
  /** Only output pixels inside this rectangle are sampled; the rest get `fill` (the padding around a canvas). */
  valid?: PixelRect;
}

const SNAP = 1e-7;

/**
 * Resamples `source` through the affine map `m` (source → output coordinates, pixel centres at integers, see
 * matrix.ts): output pixel (i, j) takes the bilinear interpolation of the source at m⁻¹·(i, j). Source pixels
 * outside the image count as `fill` (OpenCV's BORDER_CONSTANT), so edges fade into the fill value exactly as
 * `cv2.warpAffine(..., borderValue=0)` does. Maps whose inverse has integer coefficients (crops, flips,
 * 90° turns on matching parity) copy pixels without interpolation; the result is the same.
 */
export function warpAffine(source: RgbImage, m: Affine, outWidth: number, outHeight: number, options: WarpOptions = {}): RgbImage {
  checkImage(source, 'warpAffine');
  const fill = options.fill ?? 0;
  const out = new Uint8Array(outWidth * outHeight * 3);
  if (fill !== 0) out.fill(fill);
  const valid = clipRect(options.valid, outWidth, outHeight);
  if (valid.x1 <= valid.x0 || valid.y1 <= valid.y0) return { width: outWidth, height: outHeight, data: out };
  const inv = invert(m);
  if (inv.every((value) => Math.abs(value - Math.round(value)) < 1e-9)) {
    warpInteger(source, inv.map(Math.round) as unknown as Affine, out, outWidth, valid);
  } else {
    warpBilinear(source, inv, out, outWidth, valid, fill);
  }
  return { width: outWidth, height: outHeight, data: out };
}

function clipRect(rect: PixelRect | undefined, width: number, height: number): PixelRect {
  if (!rect) return { x0: 0, y0: 0, x1: width, y1: height };
  return {
    x0: Math.max(0, Math.ceil(rect.x0)),
    y0: Math.max(0, Math.ceil(rect.y0)),
    x1: Math.min(width, Math.ceil(rect.x1)),
    y1: Math.min(height, Math.ceil(rect.y1)),
  };
}

function warpInteger(source: RgbImage, inv: Affine, out: Uint8Array, outWidth: number, valid: PixelRect): void {
  const { width: w, height: h, data: src } = source;
  const [a, b, c, d, e, f] = inv;
  for (let j = valid.y0; j < valid.y1; j++) {
    let sx = a * valid.x0 + b * j + c;
    let sy = d * valid.x0 + e * j + f;
    let o = (j * outWidth + valid.x0) * 3;
    for (let i = valid.x0; i < valid.x1; i++, sx += a, sy += d, o += 3) {
      if (sx < 0 || sy < 0 || sx >= w || sy >= h) continue;
      const s = (sy * w + sx) * 3;
      out[o] = src[s];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s + 2];
    }
  }
}

function warpBilinear(source: RgbImage, inv: Affine, out: Uint8Array, outWidth: number, valid: PixelRect, fill: number): void {
  const { width: w, height: h } = source;
  const [a, b, c, d, e, f] = inv;
  for (let j = valid.y0; j < valid.y1; j++) {
    // Recomputed per row (not accumulated over the whole image) to keep rounding error negligible.
    const rowX = b * j + c;
    const rowY = e * j + f;
    // The source positions of a row lie on a segment: when both ends have all four neighbours inside the
    // image, so does every pixel between them and the row needs no bounds checks.
    const first = valid.x0;
    const last = valid.x1 - 1;
    const sx0 = a * first + rowX;
    const sy0 = d * first + rowY;
    const sx1 = a * last + rowX;
    const sy1 = d * last + rowY;
    if (
      Math.min(sx0, sx1) >= 0 &&
      Math.min(sy0, sy1) >= 0 &&
      Math.max(sx0, sx1) < w - 1 - SNAP &&
      Math.max(sy0, sy1) < h - 1 - SNAP
    ) {
      interiorRow(source, a, d, rowX, rowY, out, (j * outWidth + first) * 3, first, valid.x1);
    } else {
      borderRow(source, a, d, rowX, rowY, out, (j * outWidth + first) * 3, first, valid.x1, fill);
    }
  }
}

function interiorRow(source: RgbImage, a: number, d: number, rowX: number, rowY: number, out: Uint8Array, o: number, from: number, to: number): void {
  const src = source.data;
  const stride = source.width * 3;
  for (let i = from; i < to; i++, o += 3) {
    const sx = a * i + rowX;
    const sy = d * i + rowY;
    let x0 = sx | 0; // sx, sy ≥ 0 here, so truncation is floor
    let y0 = sy | 0;
    let fx = sx - x0;
    let fy = sy - y0;
    if (fx < SNAP) fx = 0;
    else if (fx > 1 - SNAP) {
      fx = 0;
      x0 += 1;
    }
    if (fy < SNAP) fy = 0;
    else if (fy > 1 - SNAP) {
      fy = 0;
      y0 += 1;
    }
    const s = y0 * stride + x0 * 3;
    const t = s + stride;
    const gx = 1 - fx;
    const gy = 1 - fy;
    const w00 = gx * gy;
    const w10 = fx * gy;
    const w01 = gx * fy;
    const w11 = fx * fy;
    out[o] = (w00 * src[s] + w10 * src[s + 3] + w01 * src[t] + w11 * src[t + 3] + 0.5) | 0;
    out[o + 1] = (w00 * src[s + 1] + w10 * src[s + 4] + w01 * src[t + 1] + w11 * src[t + 4] + 0.5) | 0;
    out[o + 2] = (w00 * src[s + 2] + w10 * src[s + 5] + w01 * src[t + 2] + w11 * src[t + 5] + 0.5) | 0;
  }
}

function borderRow(
  source: RgbImage,
  a: number,
  d: number,
  rowX: number,
  rowY: number,
  out: Uint8Array,
  o: number,
  from: number,
  to: number,
  fill: number,
): void {
  const { width: w, height: h, data: src } = source;
  const stride = w * 3;
  for (let i = from; i < to; i++, o += 3) {
    const sx = a * i + rowX;
    const sy = d * i + rowY;
    if (sx <= -1 || sy <= -1 || sx >= w || sy >= h) continue; // no source pixel contributes: keeps `fill`
    let x0 = Math.floor(sx);
    let y0 = Math.floor(sy);
    let fx = sx - x0;
    let fy = sy - y0;
    if (fx < SNAP) fx = 0;
    else if (fx > 1 - SNAP) {
      fx = 0;
      x0 += 1;
    }
    if (fy < SNAP) fy = 0;
    else if (fy > 1 - SNAP) {
      fy = 0;
      y0 += 1;
    }
    const w00 = (1 - fx) * (1 - fy);
    const w10 = fx * (1 - fy);
    const w01 = (1 - fx) * fy;
    const w11 = fx * fy;
    // Neighbours outside the source count as `fill` (weights of exactly 0 never read outside).
    const in0 = x0 >= 0 && x0 < w;
    const in1 = x0 + 1 < w && fx > 0;
    const inY0 = y0 >= 0 && y0 < h;
    const inY1 = y0 + 1 < h && fy > 0;
    const s = y0 * stride + x0 * 3;
    const t = s + stride;
    for (let ch = 0; ch < 3; ch++) {
      const v00 = in0 && inY0 ? src[s + ch] : fill;
      const v10 = in1 && inY0 ? src[s + 3 + ch] : fill;
      const v01 = in0 && inY1 ? src[t + ch] : fill;
      const v11 = in1 && inY1 ? src[t + 3 + ch] : fill;
      out[o + ch] = (w00 * v00 + w10 * v10 + w01 * v01 + w11 * v11 + 0.5) | 0;
    }
  }
}
