/**
 * Evaluation metrics for multi-animal pose estimation, as DeepLabCut 3 reports them
 * (`deeplabcut/core/metrics/`). Pure functions over arrays; nothing here reads files.
 *
 * Layout, per image: ground truth `[animals × K × 2]` (x, y) and predictions `[predictions × K × 3]`
 * (x, y, score), NaN meaning "not labeled" / "not predicted". A keypoint counts as labeled (or
 * predicted) when both x and y are numbers.
 *
 * What Herd computes:
 * - OKS: DLC's `calc_object_keypoint_similarity` — the object scale is the bounding box of the
 *   visible GT keypoints (plus a margin), k = 2σ, the mean of exp(−d²/(2·scale²·k²)) over the
 *   visible GT keypoints, missing predictions scoring 0; optional left/right swaps take the max.
 * - mAP / mAR: DLC's `compute_oks` (pycocotools' procedure): OKS thresholds 0.50:0.05:0.95,
 *   101 recall thresholds, precision made monotone and sampled with `searchsorted(..., 'left')`.
 * - "RMSE": DLC's `compute_rmse`. Despite the name it is a mean Euclidean distance in pixels, over
 *   visible GT keypoints of GT poses matched greedily (OKS ≥ 1e-6) to a prediction that has the
 *   keypoint; `rmsePcutoff` keeps only keypoints predicted with score ≥ pcutoff. Unique body parts
 *   are compared 1:1 and pooled into the same means.
 *
 * Where Herd differs from DLC (all edge cases; typical results are identical):
 * - Greedy matching gives each prediction its best *still unmatched* GT pose, as pycocotools and
 *   the DLC docs describe. DLC's `match_greedy_oks` takes the best GT overall and leaves the
 *   prediction unmatched when that GT is taken. Herd also sorts predictions by score itself
 *   (DLC expects its caller to have done so).
 * - A keypoint with only one coordinate NaN is "not labeled" (DLC would produce NaN OKS).
 *   The "> 1 visible keypoint" filter for predictions looks at x, y only (DLC also at the score).
 * - A prediction without any keypoint score ranks last instead of raising an error.
 * - With predictions but no usable GT pose in any image, mAP/mAR are NaN (undefined); DLC divides
 *   by zero. With no usable predictions they are 0, as in DLC.
 * - A pcutoff mapping naming an unknown body part is an error; DLC ignores it.
 */
import { HerdError } from '../common/errors';

/** Flat numeric arrays the metrics read (typed arrays, so poses can be viewed without copying). */
export type Floats = Float32Array | Float64Array;

export interface OksOptions {
  /** σ per keypoint or one for all; DLC's default 0.1. */
  sigma?: number | ArrayLike<number>;
  /** Pixels added on every side of the GT bounding box; default 0. */
  margin?: number;
  /** Keypoint index pairs that may be swapped (left/right); every subset of swaps is tried. */
  symmetries?: ReadonlyArray<readonly [number, number]>;
}

/** One evaluated image. `scores` (one per prediction) default to the mean keypoint score. */
export interface EvalImage {
  gt: Floats;
  pred: Floats;
  scores?: ArrayLike<number>;
}

export interface MapOptions extends OksOptions {
  oksThresholds?: readonly number[];
  recallThresholds?: readonly number[];
}

/** A pcutoff: one for all parts, one per part (in order), or body part name → cutoff. */
export type Pcutoff = number | readonly number[] | Readonly<Record<string, number>>;

export interface ErrorOptions {
  /** Default 0.6, config.yaml's default. */
  pcutoff?: Pcutoff;
  /** Names of the multi-animal body parts (needed for a pcutoff mapping). */
  bodyparts?: readonly string[];
  /** Names of the unique body parts (needed for a pcutoff mapping when scoring them). */
  uniqueBodyparts?: readonly string[];
  /** Bounding-box margin for the matching OKS; default 0. */
  oksMargin?: number;
}

/** Sums behind the means, so that multi-animal and unique parts can be pooled exactly. */
export interface ErrorSums {
  errorSum: number;
  support: number;
  errorSumPcutoff: number;
  supportPcutoff: number;
}

export interface KeypointErrors extends ErrorSums {
  /** Mean pixel distance over all scored keypoints (DLC's "RMSE"); NaN when there are none. */
  rmse: number;
  /** The same over keypoints predicted with score ≥ their pcutoff. */
  rmsePcutoff: number;
  /** Per body part means (NaN where a part has no scored keypoint). */
  perBodypart: number[];
  perBodypartPcutoff: number[];
  /** GT poses (with ≥ 1 labeled keypoint) that got a prediction / that did not. */
  matched: number;
  missed: number;
  /** Predictions (with ≥ 1 predicted keypoint) that matched no GT pose. */
  unmatchedPredictions: number;
}

/** numpy's `np.spacing(1)` = 2⁻⁵², the machine epsilon DLC adds to each box side. */
const EPS = Number.EPSILON;
const DEFAULT_SIGMA = 0.1;
const DEFAULT_PCUTOFF = 0.6;
/** The OKS DLC requires to match poses for the RMSE ("non-zero OKS"). */
const RMSE_MATCH_THRESHOLD = 1e-6;

/** numpy.linspace(start, stop, num): start + i·step, the last value exactly `stop`. */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

export const OKS_THRESHOLDS = linspace(0.5, 0.95, 10);
export const RECALL_THRESHOLDS = linspace(0, 1, 101);

/* ----------------------------------------------------------------- shapes and poses */

function poseCount(data: Floats, K: number, stride: number, what: string): number {
  if (data.length % (K * stride) !== 0) {
    throw new HerdError('METRICS_SHAPE', `${what} has ${data.length} values, not a multiple of ${K} keypoints × ${stride}`);
  }
  return data.length / (K * stride);
}

/** A pose's coordinates per keypoint: 2 (x, y) or 3 (x, y, score) numbers. */
function strideOf(pose: Floats, K: number, what: string): number {
  if (pose.length === K * 2) return 2;
  if (pose.length === K * 3) return 3;
  throw new HerdError('METRICS_SHAPE', `${what} has ${pose.length} values; expected ${K}×2 or ${K}×3 for one pose`);
}

function present(pose: Floats, k: number, stride: number): boolean {
  return !Number.isNaN(pose[k * stride]) && !Number.isNaN(pose[k * stride + 1]);
}

function countPresent(pose: Floats, K: number, stride: number): number {
  let n = 0;
  for (let k = 0; k < K; k++) if (present(pose, k, stride)) n++;
  return n;
}

function poseAt(data: Floats, index: number, K: number, stride: number): Floats {
  return data.subarray(index * K * stride, (index + 1) * K * stride);
}

/** DLC's pose score: the mean of the keypoint scores that are not NaN (NaN when none is). */
export function poseScores(pred: Floats, K: number): Float64Array {
  const n = poseCount(pred, K, 3, 'predictions');
  const scores = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    let sum = 0;
    let count = 0;
    for (let k = 0; k < K; k++) {
      const s = pred[(p * K + k) * 3 + 2];
      if (!Number.isNaN(s)) (sum += s), count++;
    }
    scores[p] = count > 0 ? sum / count : Number.NaN;
  }
  return scores;
}

function scoresFor(image: EvalImage, K: number, nPred: number): ArrayLike<number> {
  if (!image.scores) return poseScores(image.pred, K);
  if (image.scores.length !== nPred) {
    throw new HerdError('METRICS_SHAPE', `${image.scores.length} scores given for ${nPred} predictions`);
  }
  return image.scores;
}

/** Prediction indices by score, highest first; ties keep their order (numpy's mergesort), NaN last. */
function rankByScore(scores: ArrayLike<number>): number[] {
  const key = (i: number) => (Number.isNaN(scores[i]) ? -Infinity : scores[i]);
  const order = Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => key(b) - key(a) || a - b);
}

/* ----------------------------------------------------------------- OKS */

function sigmas(sigma: OksOptions['sigma'], K: number): Float64Array {
  if (sigma === undefined || typeof sigma === 'number') return new Float64Array(K).fill(sigma ?? DEFAULT_SIGMA);
  if (sigma.length !== K) throw new HerdError('METRICS_SHAPE', `${sigma.length} OKS sigmas given for ${K} keypoints`);
  return Float64Array.from(sigma);
}

/** Keypoint permutations to try: identity plus every subset of the swaps, applied in order (as DLC). */
function symmetryPermutations(K: number, pairs: ReadonlyArray<readonly [number, number]> = []): Int32Array[] {
  for (const [a, b] of pairs) {
    if (![a, b].every((i) => Number.isInteger(i) && i >= 0 && i < K)) {
      throw new HerdError('METRICS_SYMMETRY', `symmetric pair [${a}, ${b}] is not two keypoint indices below ${K}`);
    }
  }
  const perms: Int32Array[] = [];
  for (let mask = 0; mask < 1 << pairs.length; mask++) {
    const perm = Int32Array.from({ length: K }, (_, k) => k);
    pairs.forEach(([a, b], i) => {
      if (mask & (1 << i)) [perm[a], perm[b]] = [perm[b], perm[a]];
    });
    perms.push(perm);
  }
  return perms;
}

/**
 * The bounding-box "area" of the visible GT keypoints, Π over x, y of (ptp + eps + 2·margin).
 * eps = 2⁻⁵² keeps a box of collinear points from having zero area in one direction.
 */
function scaleSquared(gt: Floats, K: number, stride: number, margin: number): number {
  let area = 1;
  for (const axis of [0, 1]) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < K; k++) {
      if (!present(gt, k, stride)) continue;
      lo = Math.min(lo, gt[k * stride + axis]);
      hi = Math.max(hi, gt[k * stride + axis]);
    }
    area *= hi - lo + EPS + 2 * margin;
  }
  return area;
}

/** Mean over visible GT keypoints of exp(−d²/denom_k), predicted keypoint k read as perm[k]. */
function oksWithPermutation(gt: Floats, gs: number, pred: Floats, ps: number, denom: Float64Array, perm: Int32Array): number {
  let sum = 0;
  let visible = 0;
  for (let k = 0; k < denom.length; k++) {
    if (!present(gt, k, gs)) continue;
    visible++;
    const q = perm[k];
    if (!present(pred, q, ps)) continue; // a missing prediction scores exp(−∞) = 0
    const d2 = (pred[q * ps] - gt[k * gs]) ** 2 + (pred[q * ps + 1] - gt[k * gs + 1]) ** 2;
    sum += Math.exp(-d2 / denom[k]);
  }
  return sum / visible;
}

/**
 * Object keypoint similarity of one predicted pose to one GT pose (each K×2 or K×3).
 * NaN when the GT pose has fewer than 2 labeled keypoints (no scale) or a box of area ≈ 0
 * (numpy's `isclose(scale², 0)`, i.e. ≤ 1e-8, which includes points all on one horizontal or
 * vertical line): such a GT pose can never be matched, as in DLC.
 */
export function objectKeypointSimilarity(gt: Floats, pred: Floats, K: number, options: OksOptions = {}): number {
  const gs = strideOf(gt, K, 'ground-truth pose');
  const ps = strideOf(pred, K, 'predicted pose');
  return oksOf(gt, gs, pred, ps, K, sigmas(options.sigma, K), options.margin ?? 0, symmetryPermutations(K, options.symmetries));
}

function oksOf(gt: Floats, gs: number, pred: Floats, ps: number, K: number, sigma: Float64Array, margin: number, perms: Int32Array[]): number {
  if (countPresent(gt, K, gs) < 2) return Number.NaN;
  const s2 = scaleSquared(gt, K, gs, margin);
  if (Math.abs(s2) <= 1e-8) return Number.NaN;
  const denom = sigma.map((s) => 2 * s2 * (2 * s) ** 2); // 2·scale²·k², k = 2σ
  return Math.max(...perms.map((perm) => oksWithPermutation(gt, gs, pred, ps, denom, perm)));
}

/** OKS of every prediction (rows) against every GT pose (columns) of one image. */
export function oksMatrix(gt: Floats, pred: Floats, K: number, options: OksOptions = {}): number[][] {
  const nGt = poseCount(gt, K, 2, 'ground truth');
  const nPred = poseCount(pred, K, 3, 'predictions');
  return oksMatrixOf(gt, [...Array(nGt).keys()], pred, [...Array(nPred).keys()], K, options);
}

function oksMatrixOf(gt: Floats, gtIdx: number[], pred: Floats, predIdx: number[], K: number, options: OksOptions): number[][] {
  const sigma = sigmas(options.sigma, K);
  const perms = symmetryPermutations(K, options.symmetries);
  const margin = options.margin ?? 0;
  return predIdx.map((p) => gtIdx.map((g) => oksOf(poseAt(gt, g, K, 2), 2, poseAt(pred, p, K, 3), 3, K, sigma, margin, perms)));
}

/* ----------------------------------------------------------------- matching */

export interface GreedyMatch {
  /** Per prediction: the GT pose (column) it matched, or −1. */
  gtIndex: Int32Array;
  /** Per prediction: the OKS of its match, 0 when unmatched. */
  oks: Float64Array;
}

/**
 * pycocotools' greedy matching: predictions in order of score (highest first) each take the
 * unmatched GT pose with the highest OKS ≥ threshold (first one on ties); NaN OKS never matches.
 * `oks` is predictions × GT, as `oksMatrix` returns it.
 */
export function matchGreedy(oks: readonly (readonly number[])[], scores: ArrayLike<number>, threshold: number): GreedyMatch {
  if (scores.length !== oks.length) throw new HerdError('METRICS_SHAPE', `${scores.length} scores for ${oks.length} predictions`);
  const nGt = oks[0]?.length ?? 0;
  const taken = new Uint8Array(nGt);
  const gtIndex = new Int32Array(oks.length).fill(-1);
  const matchedOks = new Float64Array(oks.length);
  for (const p of rankByScore(scores)) {
    let best = -1;
    for (let g = 0; g < nGt; g++) {
      const value = oks[p][g];
      if (taken[g] || !(value >= threshold)) continue;
      if (best < 0 || value > oks[p][best]) best = g;
    }
    if (best < 0) continue;
    taken[best] = 1;
    gtIndex[p] = best;
    matchedOks[p] = oks[p][best];
  }
  return { gtIndex, oks: matchedOks };
}

/* ----------------------------------------------------------------- mAP / mAR */

interface PreparedImage {
  nGt: number;
  scores: number[];
  oks: number[][];
}

/** Keeps GT and predicted poses with > 1 keypoint (DLC's filter) and computes their OKS once. */
function prepareForMap(image: EvalImage, K: number, options: OksOptions): PreparedImage {
  const nGt = poseCount(image.gt, K, 2, 'ground truth');
  const nPred = poseCount(image.pred, K, 3, 'predictions');
  const allScores = scoresFor(image, K, nPred);
  const gtIdx = [...Array(nGt).keys()].filter((g) => countPresent(poseAt(image.gt, g, K, 2), K, 2) > 1);
  const predIdx = [...Array(nPred).keys()].filter((p) => countPresent(poseAt(image.pred, p, K, 3), K, 3) > 1);
  return {
    nGt: gtIdx.length,
    scores: predIdx.map((p) => allScores[p]),
    oks: oksMatrixOf(image.gt, gtIdx, image.pred, predIdx, K, options),
  };
}

/** Precision at each recall threshold: first point reaching it (searchsorted 'left'), else 0. */
function sampledPrecision(recall: Float64Array, precision: Float64Array, thresholds: readonly number[]): number[] {
  return thresholds.map((r) => {
    let i = 0;
    while (i < recall.length && recall[i] < r) i++;
    return i < precision.length ? precision[i] : 0;
  });
}

/** Average precision (mean over recall thresholds) and final recall at one OKS threshold. */
function precisionRecallAt(images: PreparedImage[], totalGt: number, threshold: number, recallThresholds: readonly number[]) {
  const scores: number[] = [];
  const truePositive: boolean[] = [];
  for (const image of images) {
    const match = matchGreedy(image.oks, image.scores, threshold);
    scores.push(...image.scores);
    truePositive.push(...Array.from(match.gtIndex, (g) => g >= 0));
  }
  const order = rankByScore(scores);
  const recall = new Float64Array(order.length);
  const precision = new Float64Array(order.length);
  let tp = 0;
  order.forEach((i, n) => {
    if (truePositive[i]) tp++;
    recall[n] = tp / totalGt;
    precision[n] = tp / (n + 1 + EPS); // pycocotools' tp / (tp + fp + eps)
  });
  // Monotone: each precision becomes the best precision at any higher recall.
  for (let n = precision.length - 1; n > 0; n--) precision[n - 1] = Math.max(precision[n - 1], precision[n]);
  return { precision: sampledPrecision(recall, precision, recallThresholds), finalRecall: recall[recall.length - 1] };
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * COCO-style mAP and mAR in percent over all images pooled: per OKS threshold, greedy matching,
 * all predictions ranked by score, precision made monotone and averaged over recall thresholds;
 * mAR is the mean final recall. Only poses with > 1 labeled (predicted) keypoint take part.
 */
export function meanAveragePrecision(images: readonly EvalImage[], K: number, options: MapOptions = {}): { mAP: number; mAR: number } {
  const prepared = images.map((image) => prepareForMap(image, K, options));
  const totalGt = prepared.reduce((n, image) => n + image.nGt, 0);
  const totalPred = prepared.reduce((n, image) => n + image.scores.length, 0);
  if (totalPred === 0) return { mAP: 0, mAR: 0 };
  if (totalGt === 0) return { mAP: Number.NaN, mAR: Number.NaN };
  const results = (options.oksThresholds ?? OKS_THRESHOLDS).map((t) =>
    precisionRecallAt(prepared, totalGt, t, options.recallThresholds ?? RECALL_THRESHOLDS),
  );
  return {
    mAP: 100 * mean(results.flatMap((r) => r.precision)),
    mAR: 100 * mean(results.map((r) => r.finalRecall)),
  };
}

/* ----------------------------------------------------------------- pcutoff */

/**
 * The pcutoff of each scored part. A list holds one value per scored part, or DLC's list over
 * multi-animal then unique parts (both name lists given). A mapping needs the names; a part it
 * omits gets 0.6 (DLC's default) and a name it has that is no body part is an error.
 */
export function resolvePcutoffs(pcutoff: Pcutoff | undefined, scope: 'multi' | 'unique', count: number, options: ErrorOptions = {}): Float64Array {
  if (pcutoff === undefined || typeof pcutoff === 'number') return new Float64Array(count).fill(pcutoff ?? DEFAULT_PCUTOFF);
  const multi = options.bodyparts ?? [];
  const unique = options.uniqueBodyparts ?? [];
  if (isList(pcutoff)) {
    if (pcutoff.length === count) return Float64Array.from(pcutoff);
    if (pcutoff.length === multi.length + unique.length) {
      return Float64Array.from(scope === 'multi' ? pcutoff.slice(0, count) : pcutoff.slice(pcutoff.length - count));
    }
    throw new HerdError('PCUTOFF_LENGTH', `pcutoff lists ${pcutoff.length} values for ${count} body parts`);
  }
  const names = scope === 'multi' ? multi : unique;
  if (names.length !== count) {
    throw new HerdError('PCUTOFF_NAMES', `a pcutoff per body part name needs the ${count} ${scope === 'multi' ? 'bodyparts' : 'uniqueBodyparts'} names`);
  }
  const known = new Set([...multi, ...unique]);
  const unknown = Object.keys(pcutoff).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new HerdError('PCUTOFF_UNKNOWN_BODYPART', `pcutoff names unknown body parts: ${unknown.join(', ')}`);
  return Float64Array.from(names, (name) => pcutoff[name] ?? DEFAULT_PCUTOFF);
}

function isList(pcutoff: Pcutoff): pcutoff is readonly number[] {
  return Array.isArray(pcutoff);
}

/* ----------------------------------------------------------------- errors ("RMSE") */

/** Running sums per body part, turned into means at the end. */
class ErrorTally {
  readonly sum: Float64Array;
  readonly count: Float64Array;
  readonly sumCut: Float64Array;
  readonly countCut: Float64Array;

  constructor(readonly cutoffs: Float64Array) {
    this.sum = new Float64Array(cutoffs.length);
    this.count = new Float64Array(cutoffs.length);
    this.sumCut = new Float64Array(cutoffs.length);
    this.countCut = new Float64Array(cutoffs.length);
  }

  /** Adds the distance of each labeled GT keypoint that the prediction also has. */
  add(gt: Floats, pred: Floats): void {
    for (let k = 0; k < this.cutoffs.length; k++) {
      if (!present(gt, k, 2) || !present(pred, k, 3)) continue;
      const d = Math.hypot(pred[k * 3] - gt[k * 2], pred[k * 3 + 1] - gt[k * 2 + 1]);
      this.sum[k] += d;
      this.count[k]++;
      if (pred[k * 3 + 2] >= this.cutoffs[k]) (this.sumCut[k] += d), this.countCut[k]++;
    }
  }

  result(matched: number, missed: number, unmatchedPredictions: number): KeypointErrors {
    const total = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
    const sums: ErrorSums = {
      errorSum: total(this.sum),
      support: total(this.count),
      errorSumPcutoff: total(this.sumCut),
      supportPcutoff: total(this.countCut),
    };
    return {
      ...sums,
      ...pooledMeans(sums),
      perBodypart: Array.from(this.sum, (s, k) => s / this.count[k]),
      perBodypartPcutoff: Array.from(this.sumCut, (s, k) => s / this.countCut[k]),
      matched,
      missed,
      unmatchedPredictions,
    };
  }
}

function pooledMeans(sums: ErrorSums): { rmse: number; rmsePcutoff: number } {
  return {
    rmse: sums.support > 0 ? sums.errorSum / sums.support : Number.NaN,
    rmsePcutoff: sums.supportPcutoff > 0 ? sums.errorSumPcutoff / sums.supportPcutoff : Number.NaN,
  };
}

/**
 * DLC's multi-animal "RMSE" (a mean distance): per image, predictions are matched to GT poses
 * greedily by OKS (σ 0.1, OKS ≥ 1e-6); each matched pair contributes the pixel distance of every
 * keypoint labeled in the GT and present in the prediction.
 */
export function keypointErrors(images: readonly EvalImage[], K: number, options: ErrorOptions = {}): KeypointErrors {
  const tally = new ErrorTally(resolvePcutoffs(options.pcutoff, 'multi', K, options));
  let matched = 0;
  let missed = 0;
  let unmatchedPredictions = 0;
  for (const image of images) {
    const nGt = poseCount(image.gt, K, 2, 'ground truth');
    const nPred = poseCount(image.pred, K, 3, 'predictions');
    const oks = oksMatrix(image.gt, image.pred, K, { sigma: DEFAULT_SIGMA, margin: options.oksMargin ?? 0 });
    const match = matchGreedy(oks, scoresFor(image, K, nPred), RMSE_MATCH_THRESHOLD);
    const gotPrediction = new Set<number>();
    match.gtIndex.forEach((g, p) => {
      const pred = poseAt(image.pred, p, K, 3);
      if (g >= 0) gotPrediction.add(g), tally.add(poseAt(image.gt, g, K, 2), pred);
      else if (countPresent(pred, K, 3) > 0) unmatchedPredictions++;
    });
    for (let g = 0; g < nGt; g++) {
      if (gotPrediction.has(g)) matched++;
      else if (countPresent(poseAt(image.gt, g, K, 2), K, 2) > 0) missed++;
    }
  }
  return tally.result(matched, missed, unmatchedPredictions);
}

/**
 * Errors of the unique body parts (one per image, e.g. a feeder): GT `[U × 2]` and prediction
 * `[U × 3]` are compared part by part, without matching. An image lacking either has no error;
 * `matched` counts images with both, `missed` images with GT only.
 */
export function uniqueErrors(images: readonly EvalImage[], U: number, options: ErrorOptions = {}): KeypointErrors {
  const tally = new ErrorTally(resolvePcutoffs(options.pcutoff, 'unique', U, options));
  let matched = 0;
  let missed = 0;
  let unmatchedPredictions = 0;
  for (const image of images) {
    if (poseCount(image.gt, U, 2, 'unique ground truth') > 1 || poseCount(image.pred, U, 3, 'unique predictions') > 1) {
      throw new HerdError('METRICS_SHAPE', 'unique body parts have at most one GT pose and one prediction per image');
    }
    const hasGt = countPresent(image.gt, image.gt.length / 2, 2) > 0;
    const hasPred = countPresent(image.pred, image.pred.length / 3, 3) > 0;
    if (hasGt && hasPred) matched++, tally.add(image.gt, image.pred);
    else if (hasGt) missed++;
    else if (hasPred) unmatchedPredictions++;
  }
  return tally.result(matched, missed, unmatchedPredictions);
}

/** DLC's reported rmse / rmse_pcutoff: all distances pooled (e.g. multi-animal plus unique parts). */
export function poolErrors(...parts: readonly ErrorSums[]): ErrorSums & { rmse: number; rmsePcutoff: number } {
  const sums: ErrorSums = { errorSum: 0, support: 0, errorSumPcutoff: 0, supportPcutoff: 0 };
  for (const part of parts) {
    sums.errorSum += part.errorSum;
    sums.support += part.support;
    sums.errorSumPcutoff += part.errorSumPcutoff;
    sums.supportPcutoff += part.supportPcutoff;
  }
  return { ...sums, ...pooledMeans(sums) };
}
