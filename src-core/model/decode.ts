/**
 * Decoding of the bottom-up pose head: peak finding on part heatmaps (with locref refinement) and the
 * unassembled detection error DeepLabCut logs during training (`rmse_detections`, dlc-spec §5e).
 *
 * Conventions shared with `train/targets.ts` and the model: maps are float32 HWC `[Ho, Wo, C]`, index
 * `(i*Wo + j)*C + c`; pixel centres sit on integer coordinates, so output cell (i, j) of stride `s` is centred
 * at `x = j*s + (s-1)/2`, `y = i*s + (s-1)/2`. Locref channels 2k / 2k+1 hold x / y offsets of part k in units
 * of `locrefStd` pixels. Pure array code: no tfjs, so it runs anywhere and is cheap to test.
 */
import { minCostAssignment } from '../common/assignment';

/** DeepLabCut's `locref_stdev`: locref maps are regressed in these units to keep targets near unit scale. */
export const DEFAULT_LOCREF_STD = 7.2801;

/**
 * Image coordinate of the centre of output cell `index` (row or column). With integer pixel centres the
 * `s` pixels `index*s … index*s+s-1` covered by the cell average to `index*s + (s-1)/2`.
 */
export function cellCentre(index: number, stride: number): number {
  return index * stride + (stride - 1) / 2;
}

/** Output grid of a `width`×`height` image at `stride` (partial border cells count, as the conv padding does). */
export function gridShape(width: number, height: number, stride: number): { Ho: number; Wo: number } {
  return { Ho: Math.ceil(height / stride), Wo: Math.ceil(width / stride) };
}

/** Logistic function, element-wise: heads emit logits, decoding wants probabilities. */
export function sigmoid(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = 1 / (1 + Math.exp(-values[i]));
  return out;
}

/** One detection of one body part: refined image position, score (probability) and its grid cell. */
export interface Peak {
  x: number;
  y: number;
  score: number;
  row: number;
  col: number;
}

/** How to turn a grid cell into an image position. */
export interface RefineOptions {
  stride: number;
  /** `[Ho, Wo, 2K]` locref map; without it the peak is the cell centre. */
  locref?: Float32Array;
  locrefStd?: number;
  /**
   * The heatmap holds logits (the network's raw output) rather than probabilities: peaks are the same (the
   * sigmoid is monotonic), and only the peaks' scores are turned into probabilities.
   */
  logits?: boolean;
}

export interface PeakOptions extends RefineOptions {
  /** Half-width, in cells, of the square NMS window (DLC's nms_radius 5). */
  nmsRadius?: number;
  /** Minimum probability of a peak (DLC keeps maxima ≥ 0.01). */
  threshold?: number;
  /** Keep at most this many peaks per part, highest score first. */
  maxPeaks?: number;
}

function makePeak(row: number, col: number, k: number, K: number, Wo: number, value: number, o: RefineOptions): Peak {
  const score = o.logits ? 1 / (1 + Math.exp(-value)) : value;
  let x = cellCentre(col, o.stride);
  let y = cellCentre(row, o.stride);
  if (o.locref) {
    const std = o.locrefStd ?? DEFAULT_LOCREF_STD;
    const base = (row * Wo + col) * 2 * K + 2 * k;
    x += o.locref[base] * std;
    y += o.locref[base + 1] * std;
  }
  return { x, y, score, row, col };
}

/**
 * Local maxima of each part's heatmap. A cell is a peak when it reaches `threshold` and equals the maximum of
 * the `(2r+1)²` window around it (DLC's max-pool NMS, so equal neighbours on a plateau both survive). Only
 * cells above the threshold — a few per animal — have their window scanned.
 */
export function findPeaks(heatmap: Float32Array, Ho: number, Wo: number, K: number, options: PeakOptions): Peak[][] {
  const r = options.nmsRadius ?? 5;
  const probability = options.threshold ?? 0.01;
  const threshold = options.logits ? Math.log(probability / (1 - probability)) : probability;
  const maxPeaks = options.maxPeaks ?? Infinity;
  const result: Peak[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < Ho; i++) {
    for (let j = 0; j < Wo; j++) {
      const base = (i * Wo + j) * K;
      for (let k = 0; k < K; k++) {
        const v = heatmap[base + k];
        if (v >= threshold && isWindowMaximum(heatmap, Ho, Wo, K, i, j, k, r, v)) result[k].push(makePeak(i, j, k, K, Wo, v, options));
      }
    }
  }
  for (const peaks of result) {
    peaks.sort((a, b) => b.score - a.score);
    if (peaks.length > maxPeaks) peaks.length = maxPeaks;
  }
  return result;
}

function isWindowMaximum(heatmap: Float32Array, Ho: number, Wo: number, K: number, i: number, j: number, k: number, r: number, v: number): boolean {
  const i1 = Math.min(Ho - 1, i + r);
  const j1 = Math.min(Wo - 1, j + r);
  for (let ii = Math.max(0, i - r); ii <= i1; ii++) {
    for (let jj = Math.max(0, j - r); jj <= j1; jj++) if (heatmap[(ii * Wo + jj) * K + k] > v) return false;
  }
  return true;
}

/**
 * The single best cell of each part (single-animal and unique body parts), refined like `findPeaks`.
 * `null` only when a part has no finite score. Ties keep the first cell in raster order.
 */
export function argmaxPerPart(heatmap: Float32Array, Ho: number, Wo: number, K: number, options: RefineOptions): (Peak | null)[] {
  const result: (Peak | null)[] = [];
  for (let k = 0; k < K; k++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < Ho * Wo; c++) {
      const v = heatmap[c * K + k];
      if (v > bestScore) {
        bestScore = v;
        best = c;
      }
    }
    result.push(best < 0 ? null : makePeak(Math.floor(best / Wo), best % Wo, k, K, Wo, bestScore, options));
  }
  return result;
}


export interface DetectionErrors {
  /** Mean Euclidean distance (px) over matched GT keypoints; NaN when nothing matched. */
  meanError: number;
  /** Same, over matches whose detection score ≥ pcutoff; NaN when none. */
  meanErrorPcutoff: number;
  matched: number;
  /** Matches whose detection score ≥ pcutoff (the count behind `meanErrorPcutoff`). */
  matchedPcutoff: number;
  /** Labeled GT keypoints left without a detection. */
  missed: number;
  /** Detections left without a GT keypoint. */
  falsePositives: number;
}

/**
 * DeepLabCut's unassembled training metric (`rmse_detections`; a mean distance, not a root-mean-square).
 * Per body part, labeled GT points of all animals are matched to that part's peaks by an optimal assignment
 * minimising total distance; pairs at `maxDistance` or farther are not allowed to match. Disallowed pairs get
 * a cost larger than any sum of allowed ones, so the assignment first maximises the number of valid matches.
 */
export function detectionErrors(
  gtKeypoints: Float32Array,
  animals: number,
  bodyparts: number,
  peaksPerPart: readonly (readonly Peak[])[],
  pcutoff: number,
  options: { maxDistance?: number } = {},
): DetectionErrors {
  const maxDistance = options.maxDistance ?? Infinity;
  let sum = 0;
  let sumCut = 0;
  let matched = 0;
  let matchedCut = 0;
  let labeled = 0;
  let detections = 0;
  for (let k = 0; k < bodyparts; k++) {
    const gt: [number, number][] = [];
    for (let a = 0; a < animals; a++) {
      const x = gtKeypoints[(a * bodyparts + k) * 2];
      const y = gtKeypoints[(a * bodyparts + k) * 2 + 1];
      if (!Number.isNaN(x) && !Number.isNaN(y)) gt.push([x, y]);
    }
    const peaks = peaksPerPart[k] ?? [];
    labeled += gt.length;
    detections += peaks.length;
    if (gt.length === 0 || peaks.length === 0) continue;
    const dist = gt.map(([x, y]) => peaks.map((p) => Math.hypot(p.x - x, p.y - y)));
    let maxAllowed = 0;
    for (const row of dist) for (const d of row) if (d < maxDistance) maxAllowed = Math.max(maxAllowed, d);
    const big = (maxAllowed + 1) * (Math.min(gt.length, peaks.length) + 1);
    const cost = dist.map((row) => row.map((d) => (d < maxDistance ? d : big)));
    // The Hungarian routine needs rows ≤ columns: assign the smaller side.
    const gtRows = gt.length <= peaks.length;
    const pairs: [number, number][] = []; // [gt index, peak index]
    if (gtRows) {
      minCostAssignment(cost, gt.length, peaks.length).forEach((c, r) => pairs.push([r, c]));
    } else {
      const t = peaks.map((_, c) => gt.map((_, r) => cost[r][c]));
      minCostAssignment(t, peaks.length, gt.length).forEach((r, c) => pairs.push([r, c]));
    }
    for (const [g, p] of pairs) {
      const d = dist[g][p];
      if (!(d < maxDistance)) continue;
      matched++;
      sum += d;
      if (peaks[p].score >= pcutoff) {
        matchedCut++;
        sumCut += d;
      }
    }
  }
  return {
    meanError: matched > 0 ? sum / matched : NaN,
    meanErrorPcutoff: matchedCut > 0 ? sumCut / matchedCut : NaN,
    matched,
    matchedPcutoff: matchedCut,
    missed: labeled - matched,
    falsePositives: detections - matched,
  };
}
