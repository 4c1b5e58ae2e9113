/**
 * Drawing on packed RGB24 images (video frames and figures): blended pixels, anti-aliased lines, rectangles.
 * Discs are `drawDisc` (all-detections.ts), text is `common/bitmap-font.ts`.
 */
import type { RgbImage } from '../io/png-read';

export type Color = readonly [number, number, number];

/** Lays `color` over pixel (x, y) with opacity `alpha` (0–1); outside the image nothing happens. */
export function blendPixel(image: RgbImage, x: number, y: number, color: Color, alpha: number): void {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height || !(alpha > 0)) return;
  const at = (y * image.width + x) * 3;
  const data = image.data;
  if (alpha >= 1) {
    data[at] = color[0];
    data[at + 1] = color[1];
    data[at + 2] = color[2];
    return;
  }
  const keep = 1 - alpha;
  data[at] = Math.round(keep * data[at]! + alpha * color[0]);
  data[at + 1] = Math.round(keep * data[at + 1]! + alpha * color[1]);
  data[at + 2] = Math.round(keep * data[at + 2]! + alpha * color[2]);
}

/** Fills the pixels x ≤ px < x + w, y ≤ py < y + h (rounded), clipped to the image. */
export function fillRect(image: RgbImage, x: number, y: number, w: number, h: number, color: Color, alpha = 1): void {
  const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(image.width, Math.round(x + w)), y1 = Math.min(image.height, Math.round(y + h));
  for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) blendPixel(image, px, py, color, alpha);
}

/**
 * A one-pixel anti-aliased line (Xiaolin Wu's algorithm, the coverage skimage's `line_aa` computes), endpoints at pixel
 * centres; each pixel gets the colour with opacity `alpha × coverage`. `dash` = [on, off] lengths in pixels along
 * the line's major axis makes it dashed, starting `dashOffset` pixels into the pattern (to continue a polyline's).
 */
export function drawLine(
  image: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: Color,
  alpha = 1,
  dash?: readonly [number, number],
  dashOffset = 0,
): void {
  if (![x0, y0, x1, y1].every(Number.isFinite)) return;
  const fromStart = { x: x0, y: y0 };
  // Far outside the image (a wild prediction) there is nothing to draw; clamp the work, not the geometry.
  const limit = 4 * (image.width + image.height);
  if (Math.abs(x0) > limit || Math.abs(x1) > limit || Math.abs(y0) > limit || Math.abs(y1) > limit) return;
  const steep = Math.abs(y1 - y0) > Math.abs(x1 - x0);
  if (steep) [x0, y0, x1, y1] = [y0, x0, y1, x1];
  if (x0 > x1) [x0, y0, x1, y1] = [x1, y1, x0, y0];
  // The pattern runs from the given start point, whichever way the pixels are visited.
  const startMajor = steep ? fromStart.y : fromStart.x;
  const dx = x1 - x0;
  const gradient = dx === 0 ? 0 : (y1 - y0) / dx;
  const plot = (major: number, minor: number, coverage: number) => {
    if (dash) {
      const along = Math.abs(major - startMajor) + dashOffset;
      if (along % (dash[0] + dash[1]) >= dash[0]) return;
    }
    if (steep) blendPixel(image, minor, major, color, alpha * coverage);
    else blendPixel(image, major, minor, color, alpha * coverage);
  };
  const start = Math.round(x0);
  const end = Math.round(x1);
  for (let major = start; major <= end; major++) {
    const y = y0 + gradient * (major - x0);
    const base = Math.floor(y);
    const frac = y - base;
    plot(major, base, 1 - frac);
    if (frac > 0) plot(major, base + 1, frac);
  }
}

/** `drawLine` through consecutive points, the dash pattern running on along the whole line; a NaN point breaks the line. */
export function drawPolyline(image: RgbImage, xs: ArrayLike<number>, ys: ArrayLike<number>, color: Color, alpha = 1, dash?: readonly [number, number]): void {
  let offset = 0;
  for (let i = 1; i < xs.length; i++) {
    drawLine(image, xs[i - 1]!, ys[i - 1]!, xs[i]!, ys[i]!, color, alpha, dash, offset);
    offset += segmentLength(xs[i - 1]!, ys[i - 1]!, xs[i]!, ys[i]!);
  }
}

/** A segment's length along its major axis (what dash patterns measure); 0 for NaN ends. */
export function segmentLength(x0: number, y0: number, x1: number, y1: number): number {
  const length = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0));
  return Number.isFinite(length) ? length : 0;
}
