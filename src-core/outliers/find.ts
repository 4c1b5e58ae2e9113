/**
 * Candidate outlier frames of a pose table (DeepLabCut's `extract_outlier_frames`, dlc-spec §5g): frames where a
 * body part jumps, where the model is unsure, where the poses stray from a smooth fit, or frames the user lists.
 */
import { HerdError } from '../common/errors';
import { poseOffset, type PoseArray } from '../common/pose';
import { observedFrames } from '../filter/pose-filters';
import { arimaPredictions, fitArima } from '../filter/arima';
import { kalmanSmooth } from '../filter/series';
import { extractionRange } from '../frames/select';

export type OutlierAlgorithm = 'jump' | 'fitting' | 'uncertain' | 'list';
export const OUTLIER_ALGORITHMS: OutlierAlgorithm[] = ['jump', 'fitting', 'uncertain', 'list'];

export interface FindOutliersOptions {
  /** jump (default, as DeepLabCut), fitting, uncertain or list. */
  outlieralgorithm?: OutlierAlgorithm;
  /** Unique body parts (the `single` individual), compared like the others. */
  unique?: PoseArray;
  /** Body parts compared ('all', the default, or names; unique body parts included). */
  comparisonbodyparts?: 'all' | string[];
  /** jump: pixels moved between consecutive frames; fitting: mean distance from the fit. Default 20. */
  epsilon?: number;
  /** uncertain: likelihood below this; fitting: points below it are left out of the fit. Default 0.01. */
  pBound?: number;
  /** list: the frames. */
  frames2use?: number[];
  /** fitting: when fewer than 2 × numframes2pick frames exceed epsilon, the 2 × numframes2pick farthest are taken. Default 20. */
  numframes2pick?: number;
  /** fitting: the model — a constant-velocity Kalman filter (default, fast) or DeepLabCut's ARMA(ARdegree, MAdegree) per x and y. */
  fitModel?: 'kalman' | 'arima';
  /** fitting with arima: the degrees (default 3 and 1, as DeepLabCut). */
  arDegree?: number;
  maDegree?: number;
  /** config.yaml's start and stop (fractions of the video); candidates outside are dropped. Default 0 and 1. */
  start?: number;
  stop?: number;
}

export interface OutlierCandidates {
  algorithm: OutlierAlgorithm;
  /** Frames found by the algorithm, ascending (jump, uncertain and fitting search [first, end) only; list: all listed). */
  found: number[];
  /** The candidates: `found` within [first, end). */
  candidates: number[];
  /** The start/stop range [first, end) in frames. */
  range: { first: number; end: number };
  /** fitting: the per-frame mean distance from the fit (NaN where nothing was compared). */
  deviation?: Float64Array;
}

interface Track {
  poses: PoseArray;
  individual: number;
  bodypart: number;
}

/** The (individual, body part) trajectories whose body part is compared. */
function comparedTracks(poses: PoseArray, unique: PoseArray | undefined, parts: 'all' | string[]): Track[] {
  const known = [...poses.bodyparts, ...(unique?.bodyparts ?? [])];
  if (parts !== 'all') {
    const unknown = parts.filter((part) => !known.includes(part));
    if (unknown.length > 0) {
      throw new HerdError('INVALID_OPTION', `unknown comparison body part${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the table has ${known.join(', ')}`);
    }
  }
  const wanted = (name: string) => parts === 'all' || parts.includes(name);
  const tracks: Track[] = [];
  for (const source of unique ? [poses, unique] : [poses]) {
    for (let i = 0; i < source.individuals.length; i++) {
      source.bodyparts.forEach((name, b) => {
        if (wanted(name)) tracks.push({ poses: source, individual: i, bodypart: b });
      });
    }
  }
  return tracks;
}

function point(track: Track, frame: number): [number, number, number] {
  const at = poseOffset(track.poses, frame, track.individual, track.bodypart);
  const d = track.poses.data;
  return [d[at], d[at + 1], d[at + 2]];
}

/**
 * jump: frames in [first, end) where some compared point moved more than epsilon since the frame before (both
 * present). Per point, as dlc-spec §5g describes it; DeepLabCut's code sums dx² + dy² per column level 1, which
 * for multi-animal tables is the individual (all its body parts together), a quirk Herd does not copy.
 */
export function jumpFrames(tracks: Track[], first: number, end: number, epsilon: number): number[] {
  const found: number[] = [];
  const limit = epsilon * epsilon;
  // The first frame of the range has no frame before it (DeepLabCut diffs the table cut to the range).
  for (let f = first + 1; f < end; f++) {
    const jumped = tracks.some((track) => {
      const [x0, y0] = point(track, f - 1);
      const [x1, y1] = point(track, f);
      // pandas sums skip NaN: a coordinate missing in either frame adds nothing.
      const dx = x1 - x0;
      const dy = y1 - y0;
      return (Number.isNaN(dx) ? 0 : dx * dx) + (Number.isNaN(dy) ? 0 : dy * dy) > limit;
    });
    if (jumped) found.push(f);
  }
  return found;
}

/** uncertain: frames where some compared point has a likelihood below pBound (missing points do not count). */
export function uncertainFrames(tracks: Track[], first: number, end: number, pBound: number): number[] {
  const found: number[] = [];
  const bound = Math.fround(pBound); // likelihoods are float32: 0.01 stored is not below 0.01
  for (let f = first; f < end; f++) if (tracks.some((track) => point(track, f)[2] < bound)) found.push(f);
  return found;
}

/**
 * fitting: per compared point, a constant-velocity Kalman filter (or, with `fitModel` arima, DeepLabCut's ARMA model
 * per coordinate) fitted to the points at or above pBound; the
 * deviation of a frame is the mean over points of the distance between the observation and the filter's prediction
 * from the frames before (the in-sample one-step prediction DeepLabCut takes from SARIMAX).
 */
export function fittingDeviation(
  tracks: Track[],
  frames: number,
  pBound: number,
  first = 0,
  end = frames,
  model: { fitModel?: 'kalman' | 'arima'; arDegree?: number; maDegree?: number } = {},
): Float64Array {
  const sum = new Float64Array(frames);
  const count = new Float64Array(frames);
  const length = end - first;
  for (const track of tracks) {
    // Fitted on the range only, as DeepLabCut fits the table cut to [start, stop).
    const x = new Float64Array(length);
    const y = new Float64Array(length);
    const p = new Float64Array(length);
    for (let k = 0; k < length; k++) [x[k], y[k], p[k]] = point(track, first + k);
    const observed = observedFrames({ x, y, p }, pBound);
    let px: Float64Array;
    let py: Float64Array;
    if (model.fitModel === 'arima') {
      // DeepLabCut's FitSARIMAXModel: each coordinate its own model, its in-sample one-step predictions.
      const predict = (series: Float64Array) => {
        const fit = fitArima(series, observed, model.arDegree ?? 3, model.maDegree ?? 1);
        if (!fit) return undefined;
        const predicted = arimaPredictions(series, observed, fit);
        // Up to the first observation the prediction is the model's mean, 0, not a place: no deviation there
        // (DeepLabCut never looks at frame 0, its range test being strict).
        for (let k = 0; k < length && (k === 0 || !observed[k - 1]); k++) predicted[k] = series[k];
        return predicted;
      };
      const [fx, fy] = [predict(x), predict(y)];
      if (!fx || !fy) continue;
      [px, py] = [fx, fy];
    } else {
      const fit = kalmanSmooth([x, y], observed);
      if (!fit) continue;
      [px, py] = fit.predicted;
    }
    for (let k = 0; k < length; k++) {
      const distance = Math.hypot(x[k] - px[k], y[k] - py[k]);
      if (Number.isNaN(distance)) continue;
      sum[first + k] += distance;
      count[first + k] += 1;
    }
  }
  return sum.map((s, f) => (count[f] > 0 ? s / count[f] : Number.NaN));
}

function checkFraction(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new HerdError('INVALID_OPTION', `${name} must be between 0 and 1, got ${value}`);
}

/** The candidate outlier frames of `poses` (frame f = row f of the table). */
export function findOutliers(poses: PoseArray, options: FindOutliersOptions = {}): OutlierCandidates {
  const algorithm = options.outlieralgorithm ?? 'jump';
  if (!OUTLIER_ALGORITHMS.includes(algorithm)) {
    throw new HerdError('INVALID_OPTION', `unknown outlier algorithm "${algorithm}"; expected ${OUTLIER_ALGORITHMS.join(', ')}`);
  }
  const epsilon = options.epsilon ?? 20;
  const pBound = options.pBound ?? 0.01;
  const numframes2pick = options.numframes2pick ?? 20;
  if (!(epsilon >= 0)) throw new HerdError('INVALID_OPTION', `epsilon must be a number ≥ 0, got ${epsilon}`);
  checkFraction('p_bound', pBound);
  const start = options.start ?? 0;
  const stop = options.stop ?? 1;
  checkFraction('start', start);
  checkFraction('stop', stop);
  const frames = poses.frames;
  const tracks = comparedTracks(poses, options.unique, options.comparisonbodyparts ?? 'all');
  // DeepLabCut cuts the table to [start, stop) before searching; listed frames are cut afterwards.
  const range = extractionRange(frames, start, stop);
  let found: number[];
  let deviation: Float64Array | undefined;
  switch (algorithm) {
    case 'jump':
      found = jumpFrames(tracks, range.first, range.end, epsilon);
      break;
    case 'uncertain':
      found = uncertainFrames(tracks, range.first, range.end, pBound);
      break;
    case 'fitting': {
      deviation = fittingDeviation(tracks, frames, pBound, range.first, range.end, options);
      const d = deviation;
      found = [];
      d.forEach((value, f) => {
        if (value > epsilon) found.push(f);
      });
      const wanted = 2 * numframes2pick;
      if (found.length < wanted && range.end - range.first > wanted) {
        // Too few exceed epsilon: the 2 × numframes2pick frames farthest from the fit (DeepLabCut's heuristic).
        found = Array.from(d.keys())
          .filter((f) => !Number.isNaN(d[f]))
          .sort((a, b) => d[b] - d[a] || a - b)
          .slice(0, wanted);
      }
      break;
    }
    case 'list': {
      const list = options.frames2use ?? [];
      if (list.length === 0) throw new HerdError('INVALID_OPTION', 'the list algorithm needs the frames (--frames2use 10,20,30)');
      const bad = list.find((f) => !Number.isInteger(f) || f < 0 || f >= frames);
      if (bad !== undefined) throw new HerdError('INVALID_OPTION', `frame ${bad} is not in the table, which has frames 0 to ${frames - 1}`);
      found = [...list];
      break;
    }
  }
  found = [...new Set(found)].sort((a, b) => a - b);
  const candidates = found.filter((f) => f >= range.first && f < range.end);
  return { algorithm, found, candidates, range, ...(deviation ? { deviation } : {}) };
}
