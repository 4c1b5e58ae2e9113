/**
 * The filters of `herd filter` on a whole PoseArray, one (individual, body part) trajectory at a time. Each returns
 * a new PoseArray; the input is not changed.
 */
import { HerdError } from '../common/errors';
import { poseOffset, type PoseArray } from '../common/pose';
import { arimaPredictions, fitArima } from './arima';
import { kalmanSmooth, medianFilter1d, splineFill1d, type KalmanNoise } from './series';

/** The likelihood DeepLabCut gives points the spline filled in. */
export const FILLED_LIKELIHOOD = 0.01;

/** One (individual, body part) over the frames: x, y and likelihood columns. */
export interface Trajectory {
  x: Float64Array;
  y: Float64Array;
  p: Float64Array;
}

function readTrajectory(poses: PoseArray, individual: number, bodypart: number): Trajectory {
  const n = poses.frames;
  const t: Trajectory = { x: new Float64Array(n), y: new Float64Array(n), p: new Float64Array(n) };
  for (let f = 0; f < n; f++) {
    const at = poseOffset(poses, f, individual, bodypart);
    t.x[f] = poses.data[at];
    t.y[f] = poses.data[at + 1];
    t.p[f] = poses.data[at + 2];
  }
  return t;
}

function writeTrajectory(poses: PoseArray, individual: number, bodypart: number, t: Trajectory): void {
  for (let f = 0; f < poses.frames; f++) {
    const at = poseOffset(poses, f, individual, bodypart);
    poses.data[at] = t.x[f];
    poses.data[at + 1] = t.y[f];
    poses.data[at + 2] = t.p[f];
  }
}

function copyPoses(poses: PoseArray): PoseArray {
  return { frames: poses.frames, individuals: [...poses.individuals], bodyparts: [...poses.bodyparts], data: Float32Array.from(poses.data) };
}

function eachTrajectory(poses: PoseArray, apply: (t: Trajectory) => Trajectory): PoseArray {
  const out = copyPoses(poses);
  for (let i = 0; i < poses.individuals.length; i++) {
    for (let b = 0; b < poses.bodyparts.length; b++) writeTrajectory(out, i, b, apply(readTrajectory(poses, i, b)));
  }
  return out;
}

/** `median`: scipy's `medfilt` on every x and y column (see `medianFilter1d` for missing values); likelihood untouched. */
export function medianFilterPoses(poses: PoseArray, windowlength: number): PoseArray {
  return eachTrajectory(poses, (t) => ({ x: medianFilter1d(t.x, windowlength), y: medianFilter1d(t.y, windowlength), p: t.p }));
}

/**
 * `spline`: gaps of at most `maxGap` frames filled by a cubic spline through the present points (per column, at
 * least 4 of them); a filled point gets likelihood 0.01. Present points keep their values.
 */
export function splineFilterPoses(poses: PoseArray, maxGap: number): PoseArray {
  return eachTrajectory(poses, (t) => {
    const x = splineFill1d(t.x, maxGap);
    const y = splineFill1d(t.y, maxGap);
    const p = Float64Array.from(t.p);
    for (let f = 0; f < p.length; f++) {
      const filled = (Number.isNaN(t.x[f]) && !Number.isNaN(x[f])) || (Number.isNaN(t.y[f]) && !Number.isNaN(y[f]));
      if (filled) p[f] = FILLED_LIKELIHOOD;
    }
    return { x, y, p };
  });
}

export interface KalmanFilterOptions {
  /** Points with likelihood below this are treated as missing (DeepLabCut's p_bound; default 0.001). */
  pBound?: number;
  /** Runs of missing frames (NaN in the input) of at most this many frames are filled; longer ones stay missing. Default 5. */
  maxGap?: number;
  /** Fixed noise instead of the maximum-likelihood fit per trajectory. */
  noise?: KalmanNoise;
}

/** Which frames of a trajectory the smoother may use: x and y present, likelihood not below `pBound`. */
export function observedFrames(t: Trajectory, pBound: number): Uint8Array {
  const observed = new Uint8Array(t.x.length);
  // Likelihoods come from float32 poses: compare at that precision (a stored 0.001 is not below 0.001).
  const bound = Math.fround(pBound);
  for (let f = 0; f < observed.length; f++) observed[f] = Number.isFinite(t.x[f]) && Number.isFinite(t.y[f]) && !(t.p[f] < bound) ? 1 : 0;
  return observed;
}

/**
 * `kalman`: a constant-velocity Kalman filter and RTS smoother per trajectory, its process / measurement noise
 * fitted by maximum likelihood (see `series.ts`). Points below `pBound` are ignored as observations and replaced
 * by the smoothed estimate (their likelihood is kept, as DeepLabCut's ARIMA filter keeps it); present points get
 * the smoothed estimate; missing runs of at most `maxGap` frames between observations are filled (likelihood 0.01,
 * as the spline). Trajectories with fewer than 3 usable points are left as they are.
 */
export function kalmanFilterPoses(poses: PoseArray, options: KalmanFilterOptions = {}): PoseArray {
  const pBound = options.pBound ?? 0.001;
  const maxGap = options.maxGap ?? 5;
  if (!(pBound >= 0 && pBound <= 1)) throw new HerdError('INVALID_OPTION', `p_bound must be between 0 and 1, got ${pBound}`);
  if (!Number.isInteger(maxGap) || maxGap < 0) throw new HerdError('INVALID_OPTION', `the largest gap to fill must be a whole number ≥ 0, got ${maxGap}`);
  return eachTrajectory(poses, (t) => {
    const result = kalmanSmooth([t.x, t.y], observedFrames(t, pBound), options.noise);
    if (!result) return t;
    const [sx, sy] = result.smoothed;
    return replaceWithEstimates(t, sx, sy, maxGap);
  });
}

/**
 * A trajectory with its present points replaced by estimates, and its runs of missing frames of at most `maxGap`
 * frames filled with them (likelihood 0.01); NaN estimates leave the point as it was.
 */
function replaceWithEstimates(t: Trajectory, sx: Float64Array, sy: Float64Array, maxGap: number): Trajectory {
  const x = Float64Array.from(t.x);
  const y = Float64Array.from(t.y);
  const p = Float64Array.from(t.p);
  const n = x.length;
  for (let f = 0; f < n; ) {
    const missing = Number.isNaN(t.x[f]) || Number.isNaN(t.y[f]);
    if (!missing) {
      if (!Number.isNaN(sx[f]) && !Number.isNaN(sy[f])) {
        x[f] = sx[f];
        y[f] = sy[f];
      }
      f++;
      continue;
    }
    let end = f;
    while (end < n && (Number.isNaN(t.x[end]) || Number.isNaN(t.y[end]))) end++;
    // 0 fills every gap, as DeepLabCut's spline (max_gap=0) does.
    if (maxGap === 0 || end - f <= maxGap) {
      for (let g = f; g < end; g++) {
        if (Number.isNaN(sx[g]) || Number.isNaN(sy[g])) continue; // before the first or after the last observation
        x[g] = sx[g];
        y[g] = sy[g];
        p[g] = FILLED_LIKELIHOOD;
      }
    }
    f = end;
  }
  return { x, y, p };
}

export interface ArimaFilterOptions {
  /** Points with likelihood below this are left out of the fit (DeepLabCut's p_bound; default 0.001). */
  pBound?: number;
  /** Degrees of the model (DeepLabCut's ARdegree and MAdegree; default 3 and 1). */
  arDegree?: number;
  maDegree?: number;
  /** Runs of missing frames of at most this many frames are filled; longer ones stay missing. Default 5. */
  maxGap?: number;
}

/**
 * `arima`: DeepLabCut's filter: per x and y column, an ARMA(ARdegree, MAdegree) model fitted to the points at or
 * above `pBound` (`arima.ts`); every present point becomes the model's in-sample one-step prediction (the first
 * frame keeps its value, as DeepLabCut's `meanx[0] = x[0]`); the likelihood is kept. Herd departs from DeepLabCut
 * where its output is unusable: columns with 10 or fewer usable points are left as they are (DeepLabCut writes NaN
 * over them), and only missing runs of at most `maxGap` frames are filled (likelihood 0.01), where DeepLabCut fills
 * every frame with predictions that decay toward 0 in long gaps.
 */
export function arimaFilterPoses(poses: PoseArray, options: ArimaFilterOptions = {}): PoseArray {
  const pBound = options.pBound ?? 0.001;
  const p = options.arDegree ?? 3;
  const q = options.maDegree ?? 1;
  const maxGap = options.maxGap ?? 5;
  if (!(pBound >= 0 && pBound <= 1)) throw new HerdError('INVALID_OPTION', `p_bound must be between 0 and 1, got ${pBound}`);
  if (!Number.isInteger(maxGap) || maxGap < 0) throw new HerdError('INVALID_OPTION', `the largest gap to fill must be a whole number ≥ 0, got ${maxGap}`);
  return eachTrajectory(poses, (t) => {
    const observed = observedFrames(t, pBound);
    const estimate = (series: Float64Array): Float64Array => {
      const fit = fitArima(series, observed, p, q);
      if (!fit) return new Float64Array(series.length).fill(Number.NaN);
      const predicted = arimaPredictions(series, observed, fit);
      if (predicted.length > 0) predicted[0] = series[0];
      return predicted;
    };
    return replaceWithEstimates(t, estimate(t.x), estimate(t.y), maxGap);
  });
}
