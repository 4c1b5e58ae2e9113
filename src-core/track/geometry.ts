/**
 * The shapes trackers compare: error ellipses, keypoint boxes and their overlap, and the Hausdorff distance
 * between two sets of points (dlc-spec §5b). All read one animal straight out of a frame buffer laid out as
 * [animal, bodypart, 4] (x, y, score, identity) and visit only the body parts in `keep`.
 */

/** One animal in a frame buffer: `data[base + 4 * part]` is its x. */
export interface AnimalView {
  data: Float64Array;
  base: number;
}

/** x, y, width, height, θ (radians, in [0, π)). */
export type EllipseParams = Float64Array;

/**
 * DeepLabCut's `EllipseFitter(sd=2)._fit_error`: the sd-sigma error ellipse of the finite points — centre = mean,
 * width / height = 2·sd·√eigenvalue (major / minor) of their sample covariance (ddof 1), θ = the major axis'
 * angle mod π. Needs 3 finite points; returns false (and leaves `out` alone) otherwise.
 */
export function fitEllipse(animal: AnimalView, keep: ArrayLike<number>, sd: number, out: EllipseParams): boolean {
  const { data, base } = animal;
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < keep.length; i++) {
    const at = base + 4 * keep[i];
    const x = data[at];
    const y = data[at + 1];
    if (x === x && y === y && x !== Infinity && x !== -Infinity && y !== Infinity && y !== -Infinity) {
      n++;
      sx += x;
      sy += y;
    }
  }
  if (n < 3) return false;
  const mx = sx / n;
  const my = sy / n;
  let cxx = 0;
  let cxy = 0;
  let cyy = 0;
  for (let i = 0; i < keep.length; i++) {
    const at = base + 4 * keep[i];
    const x = data[at];
    const y = data[at + 1];
    if (Number.isFinite(x) && Number.isFinite(y)) {
      const dx = x - mx;
      const dy = y - my;
      cxx += dx * dx;
      cxy += dx * dy;
      cyy += dy * dy;
    }
  }
  cxx /= n - 1;
  cxy /= n - 1;
  cyy /= n - 1;
  // Eigen-decomposition of the symmetric 2×2 covariance, in closed form.
  const half = (cxx + cyy) / 2;
  const spread = Math.hypot((cxx - cyy) / 2, cxy);
  const major = Math.max(0, half + spread);
  const minor = Math.max(0, half - spread);
  let theta: number;
  if (cxy !== 0) theta = Math.atan2(major - cxx, cxy);
  else theta = cxx >= cyy ? 0 : Math.PI / 2;
  theta %= Math.PI;
  if (theta < 0) theta += Math.PI;
  out[0] = mx;
  out[1] = my;
  out[2] = 2 * sd * Math.sqrt(major);
  out[3] = 2 * sd * Math.sqrt(minor);
  out[4] = theta;
  return true;
}

/**
 * DeepLabCut's `Ellipse.calc_similarity_with`: 0.8·c1 + 0.2·c1·|cos Δθ| with c1 = 1 − min(distance / largest axis,
 * 1); the largest axis of the two ellipses, or 1 when both are points.
 */
export function ellipseSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let maxDim = Math.max(a[2], a[3], b[2], b[3]);
  if (!(maxDim > 0)) maxDim = 1;
  const distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
  const c1 = 1 - Math.min(distance / maxDim, 1);
  return 0.8 * c1 + 0.2 * c1 * Math.abs(Math.cos(a[4] - b[4]));
}

/** `calc_bboxes_from_keypoints`: [x1, y1, x2, y2] of the finite points, grown by `slack`; false when none. */
export function keypointBox(animal: AnimalView, keep: ArrayLike<number>, slack: number, out: Float64Array): boolean {
  const { data, base } = animal;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let i = 0; i < keep.length; i++) {
    const at = base + 4 * keep[i];
    const x = data[at];
    const y = data[at + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < x1) x1 = x;
    if (x > x2) x2 = x;
    if (y < y1) y1 = y;
    if (y > y2) y2 = y;
  }
  if (x1 === Infinity) return false;
  out[0] = x1 - slack;
  out[1] = y1 - slack;
  out[2] = x2 + slack;
  out[3] = y2 + slack;
  return true;
}

/** Intersection over union of two [x1, y1, x2, y2] boxes; 0 when the union is empty (DeepLabCut divides by 0). */
export function boxIou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * DeepLabCut's `SORTSkeleton.weighted_hausdorff` (scipy's directed Hausdorff distance, 2-D): the largest distance
 * from a finite point of the animal to the nearest point of `points` ([n, 2]). Labels are not compared. Infinity
 * when either side has no finite point.
 */
export function directedHausdorff(animal: AnimalView, keep: ArrayLike<number>, points: Float64Array, n: number): number {
  const { data, base } = animal;
  let worst = -1;
  for (let i = 0; i < keep.length; i++) {
    const at = base + 4 * keep[i];
    const x = data[at];
    const y = data[at + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    let nearest = Infinity;
    for (let j = 0; j < n; j++) {
      const dx = x - points[2 * j];
      const dy = y - points[2 * j + 1];
      const d = dx * dx + dy * dy;
      if (d < nearest) {
        nearest = d;
        if (d <= worst) break; // cannot raise the maximum any more
      }
    }
    if (nearest !== Infinity && nearest > worst) worst = nearest;
  }
  return worst < 0 ? Infinity : Math.sqrt(worst);
}
