/**
 * 2-D affine matrices for augmentation.
 *
 * Coordinate convention (the one DeepLabCut labels in): pixel (i, j) — column i, row j — covers
 * [i − 0.5, i + 0.5] × [j − 0.5, j + 0.5], so its centre sits at the integer coordinates (i, j). Keypoints use
 * the same frame, so a label at (10, 20) is the centre of pixel column 10, row 20. Every geometric transform
 * below is written in that frame: the horizontal flip of an image W pixels wide is x' = (W − 1) − x, and the
 * rotation centre of a W×H image is ((W − 1) / 2, (H − 1) / 2) (albumentations' `Affine` uses the same centre).
 */

/** Row-major 2×3 affine matrix [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = readonly [number, number, number, number, number, number];

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** `second ∘ first`: apply `first`, then `second`. */
export function compose(second: Affine, first: Affine): Affine {
  const [a2, b2, c2, d2, e2, f2] = second;
  const [a1, b1, c1, d1, e1, f1] = first;
  return [
    a2 * a1 + b2 * d1,
    a2 * b1 + b2 * e1,
    a2 * c1 + b2 * f1 + c2,
    d2 * a1 + e2 * d1,
    d2 * b1 + e2 * e1,
    d2 * c1 + e2 * f1 + f2,
  ];
}

/** Composes left to right: `chain(A, B, C)` applies A first, then B, then C. */
export function chain(...steps: Affine[]): Affine {
  let result = IDENTITY;
  for (const step of steps) result = compose(step, result);
  return result;
}

export function invert(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (det === 0 || !Number.isFinite(det)) throw new Error('augment: singular affine matrix');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

export function applyToPoint(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function translation(tx: number, ty: number): Affine {
  return [1, 0, tx, 0, 1, ty];
}

/** Mirror about the vertical centre line of an image `width` pixels wide: x' = (width − 1) − x. */
export function horizontalFlip(width: number): Affine {
  return [-1, 0, width - 1, 0, 1, 0];
}

/**
 * Scale by `scale` and rotate by `degrees` about (cx, cy). Positive angles turn the image counter-clockwise
 * as it is displayed (y pointing down), as albumentations/OpenCV do: x' = cx + s(cos θ·dx + sin θ·dy),
 * y' = cy + s(−sin θ·dx + cos θ·dy). Multiples of 90° use exact sines and cosines so that such rotations map
 * pixel centres onto pixel centres exactly.
 */
export function rotateScaleAbout(degrees: number, scale: number, cx: number, cy: number): Affine {
  const [cos, sin] = exactCosSin(degrees);
  const a = scale * cos;
  const b = scale * sin;
  const d = -scale * sin;
  const e = scale * cos;
  return [a, b, cx - a * cx - b * cy, d, e, cy - d * cx - e * cy];
}

function exactCosSin(degrees: number): [number, number] {
  const quarter = degrees / 90;
  if (Number.isInteger(quarter)) {
    const k = ((quarter % 4) + 4) % 4;
    return ([[1, 0], [0, 1], [-1, 0], [0, -1]] as const)[k] as [number, number];
  }
  const radians = (degrees * Math.PI) / 180;
  return [Math.cos(radians), Math.sin(radians)];
}
