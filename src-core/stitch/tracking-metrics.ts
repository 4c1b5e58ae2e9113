/**
 * Tracking accuracy against ground truth: CLEAR-MOT (MOTA, MOTP, misses, false positives, identity switches) and
 * the identity measures IDP / IDR / IDF1 (Ristani et al. 2016), for `herd evaluate-tracking`.
 *
 * Animals are compared by distance (pixels): `keypoints` = mean distance over the body parts both poses have
 * (falling back to the centroids when they share none), `centroid` = distance between the mean points. A
 * prediction within `threshold` of a ground-truth animal may match it.
 *
 * Per frame (CLEAR-MOT): a ground-truth animal keeps last frame's partner when both are still present and within
 * the threshold; the others are matched by the Hungarian algorithm on distances (pairs beyond the threshold never
 * match; the most matches first, then the least total distance). Unmatched ground truth = misses, unmatched
 * predictions = false positives; a match whose prediction differs from the one that animal last matched is an
 * identity switch. MOTA = 1 − (misses + false positives + switches) / ground-truth animals; MOTP = mean distance
 * of the matches.
 *
 * IDF1: each ground-truth trajectory is paired with at most one predicted trajectory over the whole sequence
 * (Hungarian maximising the frames where the pair is within the threshold); IDTP = those frames over the chosen
 * pairs, IDFN = ground-truth detections − IDTP, IDFP = predicted detections − IDTP,
 * IDF1 = 2·IDTP / (2·IDTP + IDFP + IDFN).
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import type { PoseArray } from '../common/pose';
import { readPoseTable } from '../io/pose-table';
import { assignRows } from '../common/assignment';

export type TrackingDistance = 'keypoints' | 'centroid';

export interface TrackingMetricOptions {
  /** Largest distance (pixels) at which a prediction can be the animal (default: half the median ground-truth body size). */
  threshold?: number;
  distance?: TrackingDistance;
  /** Predicted points below this likelihood are ignored (default 0: every finite point counts). */
  pcutoff?: number;
}

export interface FrameMatch {
  /** Index into the ground truth's individuals. */
  groundTruth: number;
  /** Index into the prediction's individuals. */
  predicted: number;
  distance: number;
}

export interface FrameTrackingResult {
  frame: number;
  groundTruth: number;
  predicted: number;
  matches: FrameMatch[];
  misses: number;
  falsePositives: number;
  idSwitches: number;
}

export interface IdentityPair {
  groundTruth: string;
  /** The predicted track paired with it for IDF1 (null: none). */
  predicted: string | null;
  /** Frames where the pair is within the threshold. */
  frames: number;
}

export interface TrackingMetrics {
  threshold: number;
  distance: TrackingDistance;
  bodyparts: string[];
  frames: number;
  /** Ground-truth animal-frames and predicted animal-frames. */
  groundTruth: number;
  predicted: number;
  matches: number;
  misses: number;
  falsePositives: number;
  idSwitches: number;
  mota: number;
  /** Mean distance of the matches (pixels); NaN without matches. */
  motp: number;
  idtp: number;
  idfp: number;
  idfn: number;
  idp: number;
  idr: number;
  idf1: number;
  identities: IdentityPair[];
  perFrame: FrameTrackingResult[];
}

/** Per frame and animal: the points (x, y pairs, NaN when missing) on the common body parts. */
interface Points {
  animals: number;
  parts: number;
  frames: number;
  xy: Float64Array;
  present: Uint8Array;
  cx: Float64Array;
  cy: Float64Array;
}

function extract(pose: PoseArray, parts: number[], frames: number, pcutoff: number): Points {
  const A = pose.individuals.length;
  const P = parts.length;
  const xy = new Float64Array(frames * A * P * 2).fill(Number.NaN);
  const present = new Uint8Array(frames * A);
  const cx = new Float64Array(frames * A).fill(Number.NaN);
  const cy = new Float64Array(frames * A).fill(Number.NaN);
  const K = pose.bodyparts.length;
  for (let f = 0; f < Math.min(frames, pose.frames); f++) {
    for (let a = 0; a < A; a++) {
      let sx = 0;
      let sy = 0;
      let n = 0;
      parts.forEach((k, p) => {
        const o = ((f * A + a) * K + k) * 3;
        const x = pose.data[o];
        const y = pose.data[o + 1];
        const l = pose.data[o + 2];
        if (!Number.isFinite(x) || !Number.isFinite(y)) return;
        if (pcutoff > 0 && !(l >= pcutoff)) return;
        const at = ((f * A + a) * P + p) * 2;
        xy[at] = x;
        xy[at + 1] = y;
        sx += x;
        sy += y;
        n += 1;
      });
      if (n > 0) {
        present[f * A + a] = 1;
        cx[f * A + a] = sx / n;
        cy[f * A + a] = sy / n;
      }
    }
  }
  return { animals: A, parts: P, frames, xy, present, cx, cy };
}

function distanceBetween(g: Points, a: number, h: Points, b: number, f: number, mode: TrackingDistance): number {
  const i = f * g.animals + a;
  const j = f * h.animals + b;
  const centroid = Math.hypot(g.cx[i] - h.cx[j], g.cy[i] - h.cy[j]);
  if (mode === 'centroid') return centroid;
  let sum = 0;
  let n = 0;
  for (let p = 0; p < g.parts; p++) {
    const o1 = (i * g.parts + p) * 2;
    const o2 = (j * h.parts + p) * 2;
    const d = Math.hypot(g.xy[o1] - h.xy[o2], g.xy[o1 + 1] - h.xy[o2 + 1]);
    if (Number.isFinite(d)) {
      sum += d;
      n += 1;
    }
  }
  return n > 0 ? sum / n : centroid;
}

/** Half the median bounding-box diagonal of the ground-truth animals (at least 1 pixel). */
function defaultThreshold(g: Points): number {
  const sizes: number[] = [];
  for (let f = 0; f < g.frames; f++) {
    for (let a = 0; a < g.animals; a++) {
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -Infinity;
      let y1 = -Infinity;
      for (let p = 0; p < g.parts; p++) {
        const o = ((f * g.animals + a) * g.parts + p) * 2;
        if (!Number.isFinite(g.xy[o]) || !Number.isFinite(g.xy[o + 1])) continue;
        x0 = Math.min(x0, g.xy[o]);
        x1 = Math.max(x1, g.xy[o]);
        y0 = Math.min(y0, g.xy[o + 1]);
        y1 = Math.max(y1, g.xy[o + 1]);
      }
      if (x0 <= x1) sizes.push(Math.hypot(x1 - x0, y1 - y0));
    }
  }
  if (sizes.length === 0) return 1;
  sizes.sort((a, b) => a - b);
  return Math.max(1, sizes[sizes.length >> 1] / 2);
}

/** Matches of ground truth `rows` to predictions `cols` within `threshold`: the most pairs, then the least distance. */
function matchWithin(dist: number[][], threshold: number): Array<[number, number]> {
  const n = dist.length;
  if (n === 0 || dist[0].length === 0) return [];
  let valid = 0;
  for (const row of dist) for (const d of row) if (d <= threshold) valid += d;
  const big = valid + threshold + 1; // more than any set of valid pairs costs
  const cost = Float64Array.from(dist.flat(), (d) => (d <= threshold ? d : big));
  return Array.from(assignRows(cost, n, dist[0].length), (col, row) => [row, col] as [number, number])
    .filter(([row, col]) => col >= 0 && dist[row][col] <= threshold);
}

/** CLEAR-MOT and IDF1 of `predicted` tracks against `groundTruth` (body parts matched by name). */
export function computeTrackingMetrics(groundTruth: PoseArray, predicted: PoseArray, options: TrackingMetricOptions = {}): TrackingMetrics {
  const mode = options.distance ?? 'keypoints';
  const common = groundTruth.bodyparts.filter((b) => predicted.bodyparts.includes(b));
  if (common.length === 0) {
    throw new HerdError('TRACKING_BODYPARTS', `the prediction shares no body part with the ground truth (${groundTruth.bodyparts.join(', ')})`);
  }
  const frames = Math.max(groundTruth.frames, predicted.frames);
  const g = extract(groundTruth, common.map((b) => groundTruth.bodyparts.indexOf(b)), frames, 0);
  const h = extract(predicted, common.map((b) => predicted.bodyparts.indexOf(b)), frames, options.pcutoff ?? 0);
  const threshold = options.threshold ?? defaultThreshold(g);
  if (!(threshold > 0)) throw new HerdError('USAGE', `the match threshold must be a positive number of pixels, got ${threshold}`);
  const G = g.animals;
  const H = h.animals;

  const previous = new Int32Array(G).fill(-1); // partner in the previous frame
  const last = new Int32Array(G).fill(-1); // last partner ever
  const overlap = Array.from({ length: G }, () => new Array<number>(H).fill(0));
  const perFrame: FrameTrackingResult[] = [];
  let gtTotal = 0;
  let predTotal = 0;
  let matches = 0;
  let misses = 0;
  let falsePositives = 0;
  let idSwitches = 0;
  let distanceSum = 0;

  for (let f = 0; f < frames; f++) {
    const gts: number[] = [];
    const preds: number[] = [];
    for (let a = 0; a < G; a++) if (g.present[f * G + a]) gts.push(a);
    for (let b = 0; b < H; b++) if (h.present[f * H + b]) preds.push(b);
    const dist = gts.map((a) => preds.map((b) => distanceBetween(g, a, h, b, f, mode)));
    gts.forEach((a, i) => preds.forEach((b, j) => {
      if (dist[i][j] <= threshold) overlap[a][b] += 1;
    }));

    const pairs: FrameMatch[] = [];
    const gtDone = new Set<number>();
    const predDone = new Set<number>();
    gts.forEach((a, i) => {
      const b = previous[a];
      const j = b >= 0 ? preds.indexOf(b) : -1;
      if (j >= 0 && dist[i][j] <= threshold) {
        pairs.push({ groundTruth: a, predicted: b, distance: dist[i][j] });
        gtDone.add(i);
        predDone.add(j);
      }
    });
    const freeG = gts.map((_, i) => i).filter((i) => !gtDone.has(i));
    const freeH = preds.map((_, j) => j).filter((j) => !predDone.has(j));
    for (const [r, c] of matchWithin(freeG.map((i) => freeH.map((j) => dist[i][j])), threshold)) {
      const i = freeG[r];
      const j = freeH[c];
      pairs.push({ groundTruth: gts[i], predicted: preds[j], distance: dist[i][j] });
    }
    pairs.sort((p, q) => p.groundTruth - q.groundTruth);

    let switches = 0;
    previous.fill(-1);
    for (const p of pairs) {
      if (last[p.groundTruth] >= 0 && last[p.groundTruth] !== p.predicted) switches += 1;
      last[p.groundTruth] = p.predicted;
      previous[p.groundTruth] = p.predicted;
      distanceSum += p.distance;
    }
    const frameMisses = gts.length - pairs.length;
    const frameFp = preds.length - pairs.length;
    gtTotal += gts.length;
    predTotal += preds.length;
    matches += pairs.length;
    misses += frameMisses;
    falsePositives += frameFp;
    idSwitches += switches;
    perFrame.push({ frame: f, groundTruth: gts.length, predicted: preds.length, matches: pairs, misses: frameMisses, falsePositives: frameFp, idSwitches: switches });
  }

  // IDF1's identity pairing: the one-to-one pairing with the most frames in common.
  const pairing = assignRows(Float64Array.from(overlap.flat()), G, H, true);
  let idtp = 0;
  const identities: IdentityPair[] = groundTruth.individuals.map((name, a) => {
    const b = pairing[a];
    const frames = b >= 0 ? overlap[a][b] : 0;
    idtp += frames;
    return { groundTruth: name, predicted: b >= 0 && frames > 0 ? predicted.individuals[b] : null, frames };
  });
  const idfn = gtTotal - idtp;
  const idfp = predTotal - idtp;
  const ratio = (num: number, den: number) => (den > 0 ? num / den : Number.NaN);
  return {
    threshold,
    distance: mode,
    bodyparts: common,
    frames,
    groundTruth: gtTotal,
    predicted: predTotal,
    matches,
    misses,
    falsePositives,
    idSwitches,
    mota: ratio(gtTotal - misses - falsePositives - idSwitches, gtTotal),
    motp: ratio(distanceSum, matches),
    idtp,
    idfp,
    idfn,
    idp: ratio(idtp, idtp + idfp),
    idr: ratio(idtp, idtp + idfn),
    idf1: ratio(2 * idtp, 2 * idtp + idfp + idfn),
    identities,
    perFrame,
  };
}

export interface EvaluateTrackingOptions extends TrackingMetricOptions {
  /** Write the per-frame results as CSV here (frame, ground truth, predicted, matches, misses, false positives, switches, pairs). */
  perFrameCsv?: string;
  overwrite?: boolean;
}

export interface EvaluateTrackingResult extends TrackingMetrics {
  predictedFile: string;
  groundTruthFile: string;
  perFrameCsv?: string;
}

/** Per-frame results as CSV; `pairs` lists `groundTruth=predicted` names separated by spaces. */
export function formatPerFrameCsv(metrics: TrackingMetrics, groundTruthNames: string[], predictedNames: string[]): string {
  const lines = ['frame,ground_truth,predicted,matches,misses,false_positives,id_switches,pairs'];
  for (const r of metrics.perFrame) {
    const pairs = r.matches.map((m) => `${groundTruthNames[m.groundTruth]}=${predictedNames[m.predicted]}`).join(' ');
    lines.push([r.frame, r.groundTruth, r.predicted, r.matches.length, r.misses, r.falsePositives, r.idSwitches, pairs].join(','));
  }
  return lines.join('\n') + '\n';
}

/**
 * `herd evaluate-tracking`: reads predicted tracks and ground truth (any pose table: `.h5` or `.csv`, e.g. a
 * stitched `<video><scorer>_el.h5` and `herd synth`'s `<name>_groundtruth.csv`) and scores the tracks.
 */
export async function evaluateTracking(predictedFile: string, groundTruthFile: string, options: EvaluateTrackingOptions = {}): Promise<EvaluateTrackingResult> {
  const predicted = await readPoseTable(path.resolve(predictedFile));
  const truth = await readPoseTable(path.resolve(groundTruthFile));
  const metrics = computeTrackingMetrics(truth.poses, predicted.poses, options);
  let perFrameCsv: string | undefined;
  if (options.perFrameCsv) {
    perFrameCsv = path.resolve(options.perFrameCsv);
    try {
      writeFileAtomic(perFrameCsv, formatPerFrameCsv(metrics, truth.poses.individuals, predicted.poses.individuals), { overwrite: options.overwrite ?? false });
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') throw new HerdError('OUTPUT_EXISTS', 'the file already exists; pass --overwrite to replace it', { file: perFrameCsv });
      throw error;
    }
  }
  return { ...metrics, predictedFile: path.resolve(predictedFile), groundTruthFile: path.resolve(groundTruthFile), ...(perFrameCsv ? { perFrameCsv } : {}) };
}
