import type { Random } from '../../common/random';
import type { CropMethod, CropOptions } from './options';

/** A crop of `width`×`height` pixels whose top-left pixel is (x, y) of the (padded) canvas; integer offsets. */
export interface CropWindow {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The strategy actually used for this sample (`hybrid` resolves to `uniform` or `density`). */
  method: Exclude<CropMethod, 'hybrid'>;
  /**
   * Index of the keypoint the crop was placed on, if any: into the points given to `sampleCrop` — for
   * `planAugmentation`, the source keypoints flattened over animals × body parts, then the unique ones.
   */
  keypoint?: number;
}

/** Padding that centres an image in a canvas at least `minWidth`×`minHeight` (albumentations `PadIfNeeded`). */
export function centredPadding(width: number, height: number, minWidth: number, minHeight: number) {
  const padX = Math.max(0, minWidth - width);
  const padY = Math.max(0, minHeight - height);
  return { left: Math.floor(padX / 2), top: Math.floor(padY / 2), width: width + padX, height: height + padY };
}

/** DeepLabCut's visibility test of a keypoint in a W×H image: 0 ≤ x < W and 0 ≤ y < H. */
export function isInside(x: number, y: number, width: number, height: number): boolean {
  return x >= 0 && y >= 0 && x < width && y < height;
}

/**
 * Number of other points within `radius` of each point (squared-distance test), + 1 — the weights of
 * DeepLabCut's `density` sampling (`calc_n_neighbors` + 1).
 */
export function densityWeights(xs: ArrayLike<number>, ys: ArrayLike<number>, radius: number): Float64Array {
  const n = xs.length;
  const weights = new Float64Array(n).fill(1);
  const r2 = radius * radius;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = xs[i] - xs[j];
      const dy = ys[i] - ys[j];
      if (dx * dx + dy * dy <= r2) {
        weights[i] += 1;
        weights[j] += 1;
      }
    }
  }
  return weights;
}

function weightedChoice(rng: Random, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let target = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return weights.length - 1;
}

/**
 * Samples a crop window of DeepLabCut's `KeypointAwareCrop` in a canvas of `canvasWidth`×`canvasHeight`
 * (already padded to at least the crop size) holding the keypoints `points` (flat x, y pairs in canvas
 * coordinates after the other geometric transforms; NaN = missing):
 *
 * - `uniform`: the crop's top-left corner is uniform over all positions (DeepLabCut: random `RandomCrop` start).
 * - `keypoints`: placed on a keypoint drawn uniformly among the labeled ones inside the canvas.
 * - `density`: placed on a keypoint drawn with probability ∝ 1 + (number of other keypoints within
 *   0.1·min(canvas width, height)), favouring crowded regions.
 * - `hybrid`: `uniform` or `density` with probability 1/2 each, drawn per sample — DeepLabCut's
 *   `np.random.choice(["uniform", "density"])`.
 * - With no labeled keypoint inside the canvas every method falls back to `uniform` (as DeepLabCut does).
 *
 * Placement on the keypoint follows `options.placement` (see `CropOptions`); with the default `centred`, the
 * chosen keypoint is always inside the crop (0 ≤ x − crop.x < width).
 */
export function sampleCrop(
  rng: Random,
  canvasWidth: number,
  canvasHeight: number,
  points: ArrayLike<number>,
  options: CropOptions,
): CropWindow {
  const width = options.width;
  const height = options.height;
  if (canvasWidth < width || canvasHeight < height) {
    throw new Error(`sampleCrop: canvas ${canvasWidth}×${canvasHeight} is smaller than the crop ${width}×${height} (pad first)`);
  }
  const maxShift = Math.max(0, Math.min(0.4, options.maxShift));
  // Same order of draws whatever the method, so a sample's other random choices do not depend on it.
  const shiftU = rng.next();
  const shiftV = rng.next();
  const coin = rng.next();
  let method: CropWindow['method'] = options.method === 'hybrid' ? (coin < 0.5 ? 'uniform' : 'density') : options.method;

  const xs: number[] = [];
  const ys: number[] = [];
  const ids: number[] = [];
  if (method !== 'uniform') {
    for (let k = 0; k + 1 < points.length; k += 2) {
      const x = points[k];
      const y = points[k + 1];
      if (Number.isFinite(x) && Number.isFinite(y) && isInside(x, y, canvasWidth, canvasHeight)) {
        xs.push(x);
        ys.push(y);
        ids.push(k / 2);
      }
    }
    if (xs.length === 0) method = 'uniform';
  }

  if (method === 'uniform') {
    const x = Math.min(canvasWidth - width, Math.floor((canvasWidth - width + 1) * rng.next()));
    const y = Math.min(canvasHeight - height, Math.floor((canvasHeight - height + 1) * rng.next()));
    return { x, y, width, height, method };
  }

  const choice =
    method === 'density'
      ? weightedChoice(rng, densityWeights(xs, ys, 0.1 * Math.min(canvasWidth, canvasHeight)))
      : Math.min(xs.length - 1, Math.floor(rng.next() * xs.length));
  const kx = xs[choice];
  const ky = ys[choice];
  let x: number;
  let y: number;
  if (options.placement === 'dlc') {
    const fraction = (value: number) => Math.min(Math.max(value, 0), 1 - Number.EPSILON);
    x = Math.floor((canvasWidth - width + 1) * fraction((kx + maxShift * shiftU * width) / canvasWidth));
    y = Math.floor((canvasHeight - height + 1) * fraction((ky + maxShift * shiftV * height) / canvasHeight));
  } else {
    x = placeCentred(kx, maxShift * (2 * shiftU - 1) * width, width, canvasWidth);
    y = placeCentred(ky, maxShift * (2 * shiftV - 1) * height, height, canvasHeight);
  }
  return { x, y, width, height, method, keypoint: ids[choice] };
}

/** Crop start centring `size` pixels on `k + shift`, kept so that `k` stays inside and the crop inside the canvas. */
function placeCentred(k: number, shift: number, size: number, canvas: number): number {
  let start = Math.round(k + shift - (size - 1) / 2);
  const cell = Math.floor(k);
  start = Math.min(Math.max(start, cell - size + 1), cell);
  return Math.min(Math.max(start, 0), canvas - size);
}
