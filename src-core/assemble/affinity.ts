/**
 * Edge costs for PAF-based assembly (dlc-spec §5a, peak extraction step 4): for every graph edge (s, t) and
 * every pair (peak of part s, peak of part t), how strongly the part affinity field supports a limb between
 * them, and how long that limb would be.
 *
 * Maps follow `model/decode.ts`: float32 HWC `[Ho, Wo, 2E]`, edge e's field in channels 2e (x) and 2e+1 (y),
 * drawn by `train/targets.ts` as the unit vector from part s to part t.
 */
import { HerdError } from '../common/errors';
import type { Peak } from '../model/decode';

/** A PAF graph edge: the two body-part indices it joins (source s, target t). */
export type Edge = readonly [number, number];

/** Costs of one edge (s, t). Both arrays are `[n_s × n_t]` row-major: index `i*n_t + j` pairs peak i of s with peak j of t. */
export interface EdgeCosts {
  /** DLC's `m1` affinity, rounded to 3 decimals (see `segmentAffinity` for what it measures). */
  affinity: Float32Array;
  /** Distance between the two peaks in image pixels, rounded to 3 decimals. */
  distance: Float32Array;
}

/** Samples per segment (DLC's n_points). */
const POINTS = 10;
/** DLC adds float32's machine epsilon to segment lengths so coincident peaks give 0, not NaN. */
const EPS = 2 ** -23;

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));

/** Image coordinate → fractional grid index: the inverse of `cellCentre` (cell k is centred at k*s + (s−1)/2). */
function toGrid(v: number, stride: number): number {
  return (v - (stride - 1) / 2) / stride;
}

/**
 * DLC's line integral between two peaks, in grid units. Ten points p_k = (1−f)a + f·b, f = k/9, are
 * integer-cast (truncated, as numpy's int linspace) and clamped to the grid, and the field P = (Px, Py) is
 * read there. DLC then trapezoid-integrates Px over the x coordinates and Py over the y coordinates. With
 * equally spaced samples that is Ix = dx·P̄x and Iy = dy·P̄y, P̄ being the trapezoid mean of the samples, so
 *
 *   affinity = ‖(Ix, Iy)‖ / L = ‖(ux·P̄x, uy·P̄y)‖,   u = (dx, dy)/L the unit segment direction.
 *
 * This is NOT the OpenPose score u·P̄ = ux·P̄x + uy·P̄y (the mean projection on the segment): it is the
 * Euclidean norm of the two terms of that sum instead of their sum. Consequences: for a perfect field P = u the
 * affinity is √(ux⁴ + uy⁴) — 1 for a horizontal or vertical limb but 1/√2 ≈ 0.707 at 45°; a reversed field
 * (b→a) scores the same as the right one; a field perpendicular to the segment scores √2·|ux·uy| — 0 for an
 * axis-aligned segment, 0.707 at 45°. We reproduce it anyway, so DLC's thresholds (min_affinity) mean the same.
 *
 * One adaptation: DLC samples between integer peak cells and uses the truncated sample positions as the
 * integration abscissae. Herd's endpoints are the refined (fractional) peak positions, so the abscissae are
 * the exact sample positions; truncated ones would integrate over ⌊x_t⌋ − ⌊x_s⌋ cells instead of the
 * segment's length and could push a perfect field's score above 1. For integer endpoints and a constant
 * field both give the same number.
 */
export function segmentAffinity(
  paf: Float32Array,
  Ho: number,
  Wo: number,
  channels: number,
  edge: number,
  a: Peak,
  b: Peak,
  stride: number,
): number {
  const x0 = toGrid(a.x, stride), y0 = toGrid(a.y, stride);
  const x1 = toGrid(b.x, stride), y1 = toGrid(b.y, stride);
  let sx = 0, sy = 0;
  for (let k = 0; k < POINTS; k++) {
    const f = k / (POINTS - 1);
    const col = clamp(Math.trunc((1 - f) * x0 + f * x1), Wo - 1);
    const row = clamp(Math.trunc((1 - f) * y0 + f * y1), Ho - 1);
    const o = (row * Wo + col) * channels + 2 * edge;
    const w = k === 0 || k === POINTS - 1 ? 0.5 : 1; // trapezoid weights
    sx += w * paf[o];
    sy += w * paf[o + 1];
  }
  const dx = x1 - x0, dy = y1 - y0;
  const meanX = sx / (POINTS - 1), meanY = sy / (POINTS - 1);
  return round3(Math.hypot(dx * meanX, dy * meanY) / (Math.hypot(dx, dy) + EPS));
}

/**
 * Affinity and distance matrices of every edge of `graph` (edge e reads PAF channels 2e, 2e+1).
 * `peaksPerPart[k]` are part k's peaks (any order; the matrices keep it). A part without peaks gives
 * empty matrices for its edges.
 */
export function edgeAffinities(
  paf: Float32Array,
  Ho: number,
  Wo: number,
  graph: readonly Edge[],
  peaksPerPart: readonly (readonly Peak[])[],
  stride: number,
): EdgeCosts[] {
  const channels = 2 * graph.length;
  if (paf.length !== Ho * Wo * channels) {
    throw new HerdError('INVALID_OPTION', `PAF map has ${paf.length} values; expected ${Ho}×${Wo}×${channels} for ${graph.length} edges.`);
  }
  return graph.map(([s, t], e) => {
    const ps = peaksPerPart[s], pt = peaksPerPart[t];
    if (!ps || !pt) throw new HerdError('INVALID_OPTION', `PAF edge ${e} (${s}, ${t}) names a body part without a peak list.`);
    const affinity = new Float32Array(ps.length * pt.length);
    const distance = new Float32Array(ps.length * pt.length);
    ps.forEach((a, i) => {
      pt.forEach((b, j) => {
        affinity[i * pt.length + j] = segmentAffinity(paf, Ho, Wo, channels, e, a, b, stride);
        distance[i * pt.length + j] = round3(Math.hypot(b.x - a.x, b.y - a.y));
      });
    });
    return { affinity, distance };
  });
}
