/**
 * One-dimensional filters on a coordinate's time series (one value per frame, NaN = missing): the building
 * blocks of `herd filter` (DeepLabCut's `filterpredictions`, dlc-spec §5d) and of the "fitting" outlier search.
 */
import { HerdError } from '../common/errors';

// ---------------------------------------------------------------------------------------------
// Median filter

function medianOfSorted(values: number[]): number {
  const n = values.length;
  const half = n >> 1;
  return n % 2 === 1 ? values[half] : (values[half - 1] + values[half]) / 2;
}

/**
 * `scipy.signal.medfilt(series, kernel)`: each sample becomes the median of the `kernel` samples centred on it,
 * the series being zero-padded at both ends (so the first and last `kernel // 2` samples are pulled toward 0, as
 * in DeepLabCut's output). `kernel` must be odd.
 *
 * Missing values: scipy's result is undefined when a window holds a NaN (its selection routine compares NaN and
 * returns whatever the comparisons leave in the middle, e.g. `medfilt([1, nan, 2, 8, 3, 9, 4], 5)` gives
 * `[2, 8, 8, 8, 4, 4, 3]`). Herd instead keeps a missing sample missing, and gives a present sample whose window
 * holds missing values the median of the window's present *data* samples (the zero padding left out, so a point
 * next to a gap at the start of a video is not dragged to 0; with an even count, the mean of the middle two).
 * Windows without missing values give exactly scipy's result.
 */
export function medianFilter1d(series: ArrayLike<number>, kernel: number): Float64Array {
  if (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 !== 1) {
    throw new HerdError('INVALID_OPTION', `the median filter's window length must be an odd whole number, got ${kernel}`);
  }
  const n = series.length;
  const half = (kernel - 1) / 2;
  const out = new Float64Array(n);
  const window: number[] = [];
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(series[i])) {
      out[i] = Number.NaN;
      continue;
    }
    window.length = 0;
    let pads = 0;
    let missing = false;
    for (let j = i - half; j <= i + half; j++) {
      if (j < 0 || j >= n) pads++;
      else if (Number.isNaN(series[j])) missing = true;
      else window.push(series[j]);
    }
    if (!missing) for (let p = 0; p < pads; p++) window.push(0);
    window.sort((a, b) => a - b);
    out[i] = medianOfSorted(window);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cubic spline gap filling

/**
 * A cubic spline with scipy's default "not-a-knot" ends (`scipy.interpolate.CubicSpline(t, y)`) through
 * `n ≥ 4` points with increasing `t`, evaluated at `at` (beyond the ends, the end pieces extrapolate, as scipy's
 * `extrapolate=True`). Solved for the second derivatives: the two not-a-knot conditions are folded into the
 * first and last interior equations, which leaves a strictly diagonally dominant tridiagonal system.
 */
export function notAKnotSpline(t: ArrayLike<number>, y: ArrayLike<number>, at: ArrayLike<number>): Float64Array {
  const n = t.length;
  if (n < 4) throw new Error('notAKnotSpline needs at least 4 points');
  const h = new Float64Array(n - 1);
  const d = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) {
    h[i] = t[i + 1] - t[i];
    d[i] = (y[i + 1] - y[i]) / h[i];
  }
  // Interior equations i = 1..n−2 (unknowns M_1..M_{n−2}): sub·M_{i−1} + diag·M_i + sup·M_{i+1} = rhs.
  const m = n - 2;
  const sub = new Float64Array(m);
  const diag = new Float64Array(m);
  const sup = new Float64Array(m);
  const rhs = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const i = k + 1;
    sub[k] = h[i - 1];
    diag[k] = 2 * (h[i - 1] + h[i]);
    sup[k] = h[i];
    rhs[k] = 6 * (d[i] - d[i - 1]);
  }
  // Not-a-knot at the start: M_0 = ((h0 + h1)·M_1 − h0·M_2) / h1.
  const [h0, h1] = [h[0], h[1]];
  diag[0] += (h0 * (h0 + h1)) / h1;
  sup[0] -= (h0 * h0) / h1;
  // At the end: M_{n−1} = ((a + b)·M_{n−2} − b·M_{n−3}) / a with a = h_{n−3}, b = h_{n−2}.
  const [a, b] = [h[n - 3], h[n - 2]];
  diag[m - 1] += (b * (a + b)) / a;
  sub[m - 1] -= (b * b) / a;
  // m = 2 (n = 4): the two folded equations form the whole system; the Thomas sweep below handles it too.
  const M = new Float64Array(n);
  const c = new Float64Array(m);
  const r = new Float64Array(m);
  c[0] = sup[0] / diag[0];
  r[0] = rhs[0] / diag[0];
  for (let k = 1; k < m; k++) {
    const denominator = diag[k] - sub[k] * c[k - 1];
    c[k] = sup[k] / denominator;
    r[k] = (rhs[k] - sub[k] * r[k - 1]) / denominator;
  }
  M[m] = r[m - 1];
  for (let k = m - 2; k >= 0; k--) M[k + 1] = r[k] - c[k] * M[k + 2];
  M[0] = ((h0 + h1) * M[1] - h0 * M[2]) / h1;
  M[n - 1] = ((a + b) * M[n - 2] - b * M[n - 3]) / a;

  const out = new Float64Array(at.length);
  let piece = 0;
  for (let j = 0; j < at.length; j++) {
    const x = at[j];
    // The piece whose interval holds x (the first / last piece beyond the ends); `at` is usually increasing.
    if (x < t[piece]) piece = 0;
    while (piece < n - 2 && x > t[piece + 1]) piece++;
    const i = piece;
    const hi = h[i];
    const left = t[i + 1] - x;
    const right = x - t[i];
    out[j] =
      (M[i] * left ** 3 + M[i + 1] * right ** 3) / (6 * hi) +
      (y[i] / hi - (M[i] * hi) / 6) * left +
      (y[i + 1] / hi - (M[i + 1] * hi) / 6) * right;
  }
  return out;
}

/**
 * DeepLabCut's `columnwise_spline_interp` on one column: a not-a-knot cubic spline through the present samples
 * (at least 4, otherwise the series is returned unchanged), evaluated at every frame; runs of missing samples
 * longer than `maxGap` stay missing (`maxGap` 0: every run is filled), and runs at the start or the end no longer
 * than `maxGap` are extrapolated, as DeepLabCut does. The spline passes through the present samples, so only the
 * missing ones change. Values the spline puts exactly at 0 stay missing (DeepLabCut's `y[y == 0] = nan`).
 */
export function splineFill1d(series: ArrayLike<number>, maxGap: number): Float64Array {
  if (!Number.isInteger(maxGap) || maxGap < 0) throw new HerdError('INVALID_OPTION', `the largest gap to fill must be a whole number ≥ 0, got ${maxGap}`);
  const n = series.length;
  const out = Float64Array.from(series);
  const t: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isNaN(series[i])) {
      t.push(i);
      y.push(series[i]);
    }
  }
  if (t.length <= 3 || t.length === n) return out;
  const wanted: number[] = [];
  for (let i = 0; i < n; ) {
    if (!Number.isNaN(series[i])) {
      i++;
      continue;
    }
    let end = i;
    while (end < n && Number.isNaN(series[end])) end++;
    if (maxGap === 0 || end - i <= maxGap) for (let j = i; j < end; j++) wanted.push(j);
    i = end;
  }
  if (wanted.length === 0) return out;
  const values = notAKnotSpline(t, y, wanted);
  wanted.forEach((frame, k) => {
    if (values[k] !== 0) out[frame] = values[k];
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Constant-velocity Kalman filter and Rauch–Tung–Striebel smoother

export interface KalmanNoise {
  /** Variance of the white acceleration noise per frame² (px²/frame⁴). */
  process: number;
  /** Variance of an observation (px²). */
  measurement: number;
}

export interface KalmanSeriesResult {
  /** Smoothed positions per axis (NaN outside the first..last observed frame). */
  smoothed: Float64Array[];
  /** One-step predictions (the estimate from the frames before), NaN outside the observed range. */
  predicted: Float64Array[];
  /** The noise used (fitted by maximum likelihood unless given). */
  noise: KalmanNoise;
  /** Observed frames used. */
  observations: number;
}

interface FilterPass {
  /** Σ v²/F over the innovations counted, and how many (for the concentrated variance). */
  scaledSquares: number;
  counted: number;
  sumLogF: number;
}

/**
 * Frames [first, last] of one axis; `observed[t]` says whether z[t] is used. State (position, velocity), transition
 * [[1, 1], [0, 1]], process covariance q·[[1/3, 1/2], [1/2, 1]] (white acceleration over one frame), observation
 * of the position with variance r. Starts at the first observation (position known to within r, velocity
 * diffuse); the first two observations are left out of the likelihood, as an exact diffuse start would.
 * Stores filtered and predicted moments when `store` is given.
 */
function runFilter(
  z: ArrayLike<number>,
  observed: Uint8Array,
  first: number,
  last: number,
  q: number,
  r: number,
  store?: { filtered: Float64Array; filteredP: Float64Array; predicted: Float64Array; predictedP: Float64Array },
): FilterPass {
  const diffuse = 1e6 * r;
  // Filtered state at `first`: the observation itself.
  let p = z[first];
  let v = 0;
  let P00 = r;
  let P01 = 0;
  let P11 = diffuse;
  let seen = 1;
  let scaledSquares = 0;
  let counted = 0;
  let sumLogF = 0;
  const put = (t: number) => {
    if (!store) return;
    const k = t - first;
    store.filtered[2 * k] = p;
    store.filtered[2 * k + 1] = v;
    store.filteredP.set([P00, P01, P11], 3 * k);
  };
  if (store) {
    store.predicted.set([Number.NaN, Number.NaN], 0);
    store.predictedP.set([diffuse, 0, diffuse], 0);
  }
  put(first);
  for (let t = first + 1; t <= last; t++) {
    // Predict.
    const pp = p + v;
    const pv = v;
    const Q00 = q / 3;
    const Q01 = q / 2;
    const Q11 = q;
    const A00 = P00 + 2 * P01 + P11 + Q00;
    const A01 = P01 + P11 + Q01;
    const A11 = P11 + Q11;
    if (store) {
      const k = t - first;
      store.predicted[2 * k] = pp;
      store.predicted[2 * k + 1] = pv;
      store.predictedP.set([A00, A01, A11], 3 * k);
    }
    p = pp;
    v = pv;
    P00 = A00;
    P01 = A01;
    P11 = A11;
    if (observed[t]) {
      const innovation = z[t] - p;
      const F = P00 + r;
      seen++;
      if (seen > 2) {
        scaledSquares += (innovation * innovation) / F;
        sumLogF += Math.log(F);
        counted++;
      }
      const K0 = P00 / F;
      const K1 = P01 / F;
      p += K0 * innovation;
      v += K1 * innovation;
      // P − K·H·P (H = [1, 0]).
      const n00 = P00 - K0 * P00;
      const n01 = P01 - K0 * P01;
      const n11 = P11 - K1 * P01;
      P00 = n00;
      P01 = n01;
      P11 = n11;
    }
    put(t);
  }
  return { scaledSquares, counted, sumLogF };
}

/** Concentrated log-likelihood of the noise ratio λ = q / r over all axes (r profiled out). */
function concentratedLogLikelihood(axes: ArrayLike<number>[], observed: Uint8Array, first: number, last: number, ratio: number): { value: number; r: number } {
  let squares = 0;
  let counted = 0;
  let logF = 0;
  for (const z of axes) {
    const pass = runFilter(z, observed, first, last, ratio, 1);
    squares += pass.scaledSquares;
    counted += pass.counted;
    logF += pass.sumLogF;
  }
  if (counted === 0) return { value: -Infinity, r: Number.NaN };
  const r = squares / counted;
  if (!(r > 0)) return { value: Infinity, r: 0 };
  return { value: -0.5 * (counted * Math.log(r) + logF + counted), r };
}

/**
 * The noise of the constant-velocity model, by maximum likelihood: r is profiled out analytically and the ratio
 * q / r searched on a log grid from 10⁻⁶ to 10⁴, then refined by golden-section search.
 */
export function fitKalmanNoise(axes: ArrayLike<number>[], observed: Uint8Array, first: number, last: number): KalmanNoise {
  const grid: number[] = [];
  for (let e = -6; e <= 4; e += 0.5) grid.push(e);
  const score = (logRatio: number) => concentratedLogLikelihood(axes, observed, first, last, 10 ** logRatio);
  let best = 0;
  const values = grid.map((e) => score(e).value);
  values.forEach((value, i) => {
    if (value > values[best]) best = i;
  });
  let lo = grid[Math.max(0, best - 1)];
  let hi = grid[Math.min(grid.length - 1, best + 1)];
  const golden = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - golden * (hi - lo);
  let x2 = lo + golden * (hi - lo);
  let f1 = score(x1).value;
  let f2 = score(x2).value;
  for (let i = 0; i < 30; i++) {
    if (f1 > f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - golden * (hi - lo);
      f1 = score(x1).value;
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + golden * (hi - lo);
      f2 = score(x2).value;
    }
  }
  const logRatio = (lo + hi) / 2;
  const fitted = score(logRatio);
  // A perfectly smooth series (zero innovations) has no noise to estimate; keep a tiny positive variance.
  const measurement = fitted.r > 0 ? fitted.r : 1e-9;
  return { process: 10 ** logRatio * measurement, measurement };
}

/** Frames the noise is fitted on (about 11 minutes at 30 fps); the fit takes ~50 filter passes. */
const FIT_FRAMES = 20_000;

/**
 * Constant-velocity Kalman filter + RTS smoother over the axes of one point (x and y share the noise and the
 * observation mask). Frames where `observed` is 0 are treated as missing. Returns undefined when fewer than three
 * frames are observed (nothing to fit).
 */
export function kalmanSmooth(axes: ArrayLike<number>[], observed: Uint8Array, noise?: KalmanNoise): KalmanSeriesResult | undefined {
  const n = observed.length;
  let first = -1;
  let last = -1;
  let count = 0;
  for (let t = 0; t < n; t++) {
    if (!observed[t]) continue;
    if (first < 0) first = t;
    last = t;
    count++;
  }
  if (count < 3) return undefined;
  // The noise is a property of the recording, not of its length: fit it on the first FIT_FRAMES frames at most.
  let fitEnd = Math.min(last, first + FIT_FRAMES - 1);
  let inFit = 0;
  for (let t = first; t <= fitEnd; t++) inFit += observed[t];
  if (inFit < 10) fitEnd = last; // too sparse a start: fit on everything
  const used = noise ?? fitKalmanNoise(axes, observed, first, fitEnd);
  const span = last - first + 1;
  const smoothed: Float64Array[] = [];
  const predicted: Float64Array[] = [];
  for (const z of axes) {
    const store = {
      filtered: new Float64Array(2 * span),
      filteredP: new Float64Array(3 * span),
      predicted: new Float64Array(2 * span),
      predictedP: new Float64Array(3 * span),
    };
    runFilter(z, observed, first, last, used.process, used.measurement, store);
    const outSmoothed = new Float64Array(n).fill(Number.NaN);
    const outPredicted = new Float64Array(n).fill(Number.NaN);
    // Backward pass: a_t|n = a_t|t + C_t (a_{t+1}|n − a_{t+1}|t), C_t = P_t|t Tᵀ P_{t+1}|t⁻¹.
    let sp = store.filtered[2 * (span - 1)];
    let sv = store.filtered[2 * (span - 1) + 1];
    outSmoothed[last] = sp;
    for (let k = span - 2; k >= 0; k--) {
      const [f00, f01, f11] = store.filteredP.subarray(3 * k, 3 * k + 3);
      const [a00, a01, a11] = store.predictedP.subarray(3 * (k + 1), 3 * (k + 1) + 3);
      // P_t|t Tᵀ with T = [[1, 1], [0, 1]]: [[f00 + f01, f01], [f01 + f11, f11]].
      const b00 = f00 + f01;
      const b01 = f01;
      const b10 = f01 + f11;
      const b11 = f11;
      const det = a00 * a11 - a01 * a01;
      const i00 = a11 / det;
      const i01 = -a01 / det;
      const i11 = a00 / det;
      const c00 = b00 * i00 + b01 * i01;
      const c01 = b00 * i01 + b01 * i11;
      const c10 = b10 * i00 + b11 * i01;
      const c11 = b10 * i01 + b11 * i11;
      const dp = sp - store.predicted[2 * (k + 1)];
      const dv = sv - store.predicted[2 * (k + 1) + 1];
      sp = store.filtered[2 * k] + c00 * dp + c01 * dv;
      sv = store.filtered[2 * k + 1] + c10 * dp + c11 * dv;
      outSmoothed[first + k] = sp;
    }
    for (let k = 1; k < span; k++) outPredicted[first + k] = store.predicted[2 * k];
    outPredicted[first] = z[first];
    smoothed.push(outSmoothed);
    predicted.push(outPredicted);
  }
  return { smoothed, predicted, noise: used, observations: count };
}
