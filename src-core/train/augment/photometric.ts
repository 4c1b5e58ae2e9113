import type { Random } from '../../common/random';
import type { RgbImage } from './image';

/*
 * Photometric augmentations. They change pixel values only — never geometry — so keypoints are left as they
 * are. Every result is rounded and clamped to [0, 255].
 */

/** v' = clamp(round(α·v + β·255)) for every channel (albumentations `RandomBrightnessContrast`, by max). */
export function brightnessContrast(image: RgbImage, alpha: number, beta: number): RgbImage {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = clampByte(alpha * v + beta * 255);
  const src = image.data;
  const out = new Uint8Array(src.length);
  for (let k = 0; k < src.length; k++) out[k] = lut[src[k]];
  return { width: image.width, height: image.height, data: out };
}

/**
 * Adds independent N(0, sigma²) noise to every pixel and channel (albumentations `GaussNoise(per_channel=True)`).
 * Normal deviates come from a table of 65,536 quantiles of N(0, 1) indexed by 16 random bits (two per draw of
 * the generator): ~10× faster than Box–Muller, and finer than the 8-bit pixels it is added to.
 */
export function gaussianNoise(image: RgbImage, sigma: number, rng: Random): RgbImage {
  const src = image.data;
  const out = new Uint8Array(src.length);
  if (sigma <= 0) {
    out.set(src);
    return { width: image.width, height: image.height, data: out };
  }
  const table = normalQuantiles();
  const n = src.length;
  let k = 0;
  for (; k + 1 < n; k += 2) {
    const bits = (rng.next() * 4294967296) >>> 0;
    out[k] = clampByte(src[k] + sigma * table[bits & 0xffff]);
    out[k + 1] = clampByte(src[k + 1] + sigma * table[bits >>> 16]);
  }
  if (k < n) out[k] = clampByte(src[k] + sigma * table[((rng.next() * 4294967296) >>> 0) & 0xffff]);
  return { width: image.width, height: image.height, data: out };
}

let quantiles: Float32Array | undefined;

/** Φ⁻¹((i + 0.5) / 65536) for i < 65536: the table `gaussianNoise` samples. */
function normalQuantiles(): Float32Array {
  if (!quantiles) {
    quantiles = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) quantiles[i] = inverseNormalCdf((i + 0.5) / 65536);
  }
  return quantiles;
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** One tap of a convolution kernel: offset (dx, dy) from the output pixel and its weight. */
export interface KernelTap {
  dx: number;
  dy: number;
  weight: number;
}

/**
 * A motion-blur kernel: a straight line of `length` pixels (odd) at `degrees` through the kernel centre, one
 * pixel per step along its major axis (as `cv2.line` draws albumentations' `MotionBlur` kernel), equal weights
 * summing to 1. The line is drawn point-symmetric about the centre (rounding half away from zero), so blurring
 * does not shift image content and labels stay on their pixels. (albumentations' `MotionBlur` with
 * `allow_shifted=True` may draw the line off centre, shifting content by a pixel or two; Herd does not.)
 */
export function motionBlurKernel(length: number, degrees: number): KernelTap[] {
  const half = Math.floor(length / 2);
  const radians = (degrees * Math.PI) / 180;
  const ux = Math.cos(radians);
  const uy = Math.sin(radians);
  const roundSymmetric = (v: number) => Math.sign(v) * Math.round(Math.abs(v));
  const steep = Math.abs(uy) > Math.abs(ux);
  const taps: KernelTap[] = [];
  for (let t = -half; t <= half; t++) {
    const dx = steep ? roundSymmetric((t * ux) / uy) : t;
    const dy = steep ? t : roundSymmetric((t * uy) / ux);
    taps.push({ dx: dx + 0, dy: dy + 0, weight: 1 / (2 * half + 1) });
  }
  return taps;
}

/** Convolves with a sparse kernel; pixels beyond the border repeat the edge pixel. */
export function convolve(image: RgbImage, taps: readonly KernelTap[]): RgbImage {
  const { width, height, data: src } = image;
  // Equal weights (line kernels): sum integers and scale once, which is exact and faster.
  const equal = taps.length > 0 && taps.length <= 257 && taps.every((tap) => tap.weight === taps[0].weight);
  const out = new Uint8Array(src.length);
  if (equal) {
    const sums = new Uint16Array(src.length);
    for (const { dx, dy } of taps) addShiftedCounts(src, sums, width, height, dx, dy);
    const scale = taps[0].weight;
    for (let k = 0; k < sums.length; k++) out[k] = (sums[k] * scale + 0.5) | 0;
  } else {
    const acc = new Float32Array(src.length);
    for (const { dx, dy, weight } of taps) addShifted(src, acc, width, height, dx, dy, weight);
    for (let k = 0; k < acc.length; k++) out[k] = clampByte(acc[k]);
  }
  return { width, height, data: out };
}

/** acc(i, j) += weight · src(clamp(i + dx), clamp(j + dy)) for every pixel and channel. */
function addShifted(src: Uint8Array, acc: Float32Array, width: number, height: number, dx: number, dy: number, weight: number): void {
  const stride = width * 3;
  // Columns whose source column i + dx is inside the image; the others repeat the edge column.
  const lo = Math.min(width, Math.max(0, -dx));
  const hi = Math.max(lo, Math.min(width, width - dx));
  const shift = dx * 3;
  for (let j = 0; j < height; j++) {
    const srow = Math.min(height - 1, Math.max(0, j + dy)) * stride;
    const orow = j * stride;
    for (let q = orow + lo * 3, end = orow + hi * 3, r = srow + lo * 3 + shift; q < end; q++, r++) acc[q] += weight * src[r];
    for (let i = 0; i < lo; i++) {
      for (let c = 0; c < 3; c++) acc[orow + i * 3 + c] += weight * src[srow + c];
    }
    for (let i = hi; i < width; i++) {
      for (let c = 0; c < 3; c++) acc[orow + i * 3 + c] += weight * src[srow + (width - 1) * 3 + c];
    }
  }
}

/** `addShifted` with weight 1 into integer sums (kept separate so each loop stays monomorphic). */
function addShiftedCounts(src: Uint8Array, sums: Uint16Array, width: number, height: number, dx: number, dy: number): void {
  const stride = width * 3;
  const lo = Math.min(width, Math.max(0, -dx));
  const hi = Math.max(lo, Math.min(width, width - dx));
  const shift = dx * 3;
  for (let j = 0; j < height; j++) {
    const srow = Math.min(height - 1, Math.max(0, j + dy)) * stride;
    const orow = j * stride;
    for (let q = orow + lo * 3, end = orow + hi * 3, r = srow + lo * 3 + shift; q < end; q++, r++) sums[q] += src[r];
    for (let i = 0; i < lo; i++) {
      for (let c = 0; c < 3; c++) sums[orow + i * 3 + c] += src[srow + c];
    }
    for (let i = hi; i < width; i++) {
      for (let c = 0; c < 3; c++) sums[orow + i * 3 + c] += src[srow + (width - 1) * 3 + c];
    }
  }
}

export function motionBlur(image: RgbImage, length: number, degrees: number): RgbImage {
  return convolve(image, motionBlurKernel(length, degrees));
}

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : (value + 0.5) | 0;
}
