/**
 * An ARMA(p, q) model of one coordinate, fitted by exact Gaussian maximum likelihood through its state-space form,
 * for `herd filter --filtertype arima`: DeepLabCut fits statsmodels' `SARIMAX(order=(ARdegree, 0, MAdegree))`
 * (no trend, no seasonal part) to each x and y column, points below p_bound left out, and keeps the in-sample
 * one-step predictions (dlc-spec §5d). This is the same model fitted the same way (stationary start, scale
 * profiled out, AR coefficients kept stationary and MA ones invertible through partial autocorrelations), with a
 * Nelder–Mead search instead of statsmodels' L-BFGS, so the fitted numbers agree to the optimiser's tolerance,
 * not to the last digit.
 */
import { HerdError } from '../common/errors';

export interface ArimaFit {
  /** φ_1..φ_p of y_t = Σ φ_i y_{t−i} + e_t + Σ θ_j e_{t−j}. */
  ar: number[];
  /** θ_1..θ_q. */
  ma: number[];
  /** Variance of e_t. */
  sigma2: number;
  logLikelihood: number;
  /** Observations used. */
  observations: number;
}

/** Partial autocorrelations in (−1, 1) → the coefficients of a stationary AR polynomial (Durbin–Levinson). */
function fromPartial(partial: number[]): number[] {
  let phi: number[] = [];
  for (let k = 0; k < partial.length; k++) {
    const r = partial[k];
    const next = phi.map((value, i) => value - r * phi[k - 1 - i]);
    next.push(r);
    phi = next;
  }
  return phi;
}

/** Unconstrained reals → stationary AR coefficients (each through u / √(1 + u²) to a partial autocorrelation). */
export function constrainStationary(unconstrained: number[]): number[] {
  return fromPartial(unconstrained.map((u) => u / Math.sqrt(1 + u * u)));
}

function toUnconstrained(partial: number): number {
  const r = Math.max(-0.999, Math.min(0.999, partial));
  return r / Math.sqrt(1 - r * r);
}

/** Solves A x = b in place (Gaussian elimination with partial pivoting); A is n×n row-major. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(A[row * n + col]) > Math.abs(A[pivot * n + col])) pivot = row;
    if (Math.abs(A[pivot * n + col]) < 1e-300) return undefined;
    if (pivot !== col) {
      for (let k = 0; k < n; k++) [A[col * n + k], A[pivot * n + k]] = [A[pivot * n + k], A[col * n + k]];
      [b[col], b[pivot]] = [b[pivot], b[col]];
    }
    for (let row = col + 1; row < n; row++) {
      const factor = A[row * n + col] / A[col * n + col];
      if (factor === 0) continue;
      for (let k = col; k < n; k++) A[row * n + k] -= factor * A[col * n + k];
      b[row] -= factor * b[col];
    }
  }
  const x = new Float64Array(n);
  for (let row = n - 1; row >= 0; row--) {
    let sum = b[row];
    for (let k = row + 1; k < n; k++) sum -= A[row * n + k] * x[k];
    x[row] = sum / A[row * n + row];
  }
  return x;
}

interface StateSpace {
  m: number;
  /** First column of the transition (the AR coefficients, zero-padded); the rest is the shift. */
  phi: Float64Array;
  /** [1, θ_1, …] zero-padded. */
  R: Float64Array;
  /** Stationary covariance of the state (per unit innovation variance). */
  P0: Float64Array;
}

function stateSpace(ar: number[], ma: number[]): StateSpace | undefined {
  const m = Math.max(ar.length, ma.length + 1);
  const phi = new Float64Array(m);
  ar.forEach((value, i) => (phi[i] = value));
  const R = new Float64Array(m);
  R[0] = 1;
  ma.forEach((value, j) => (R[j + 1] = value));
  // P0 = T P0 Tᵀ + R Rᵀ, as (I − T⊗T) vec(P0) = vec(R Rᵀ).
  const T = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    T[i * m] = phi[i];
    if (i + 1 < m) T[i * m + i + 1] = 1;
  }
  const n = m * m;
  const A = new Float64Array(n * n);
  const b = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const row = i * m + j;
      b[row] = R[i] * R[j];
      A[row * n + row] += 1;
      for (let k = 0; k < m; k++) {
        for (let l = 0; l < m; l++) A[row * n + k * m + l] -= T[i * m + k] * T[j * m + l];
      }
    }
  }
  const P0 = solve(A, b, n);
  if (!P0) return undefined;
  return { m, phi, R, P0 };
}

interface Pass {
  /** Σ v²/F, Σ log F and the count, with the innovation variance 1 (it is profiled out). */
  squares: number;
  logF: number;
  count: number;
}

/**
 * The Kalman filter of the ARMA model over frames [0, end) with unit innovation variance: `predicted[t]` (when
 * given) gets the one-step prediction of y_t. Frames with `observed[t]` 0 are skipped (missing).
 */
function runArma(y: ArrayLike<number>, observed: Uint8Array, end: number, model: StateSpace, predicted?: Float64Array): Pass {
  const { m, phi, R } = model;
  const a = new Float64Array(m);
  const P = Float64Array.from(model.P0);
  const next = new Float64Array(m);
  const TP = new Float64Array(m * m);
  const row0 = new Float64Array(m);
  let squares = 0;
  let logF = 0;
  let count = 0;
  for (let t = 0; t < end; t++) {
    if (predicted) predicted[t] = a[0];
    if (observed[t]) {
      const F = P[0];
      const v = y[t] - a[0];
      squares += (v * v) / F;
      logF += Math.log(F);
      count++;
      // a += P[:,0] v / F; P −= P[:,0] P[0,:] / F (row 0 saved first: the update overwrites it).
      for (let i = 0; i < m; i++) a[i] += (P[i * m] * v) / F;
      row0.set(P.subarray(0, m));
      for (let i = 0; i < m; i++) {
        const pi0 = P[i * m];
        for (let j = 0; j < m; j++) P[i * m + j] -= (pi0 * row0[j]) / F;
      }
    }
    // Predict: a ← T a; P ← T P Tᵀ + R Rᵀ, with T = [phi | shift].
    for (let i = 0; i < m; i++) next[i] = phi[i] * a[0] + (i + 1 < m ? a[i + 1] : 0);
    a.set(next);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) TP[i * m + j] = phi[i] * P[j] + (i + 1 < m ? P[(i + 1) * m + j] : 0);
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) P[i * m + j] = TP[i * m] * phi[j] + (j + 1 < m ? TP[i * m + j + 1] : 0) + R[i] * R[j];
    }
  }
  return { squares, logF, count };
}

function concentrated(pass: Pass): { logLikelihood: number; sigma2: number } {
  const sigma2 = pass.squares / pass.count;
  const n = pass.count;
  return { sigma2, logLikelihood: -0.5 * (n * Math.log(2 * Math.PI * sigma2) + pass.logF + n) };
}

/** Nelder–Mead minimisation of `f` from `start` (initial steps `step`). */
function nelderMead(f: (x: number[]) => number, start: number[], step: number, maxEvaluations: number): number[] {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))];
  let values = simplex.map(f);
  let evaluations = values.length;
  while (evaluations < maxEvaluations) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    if (Math.abs(values[n] - values[0]) <= 1e-10 * (Math.abs(values[0]) + 1e-10) && Math.max(...simplex.map((p) => Math.max(...p.map((v, j) => Math.abs(v - simplex[0][j]))))) < 1e-7) break;
    const centroid = start.map((_, j) => simplex.slice(0, n).reduce((sum, p) => sum + p[j], 0) / n);
    const along = (factor: number) => centroid.map((c, j) => c + factor * (simplex[n][j] - c));
    const reflected = along(-1);
    const fr = f(reflected);
    evaluations++;
    if (fr < values[0]) {
      const expanded = along(-2);
      const fe = f(expanded);
      evaluations++;
      [simplex[n], values[n]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < values[n - 1]) {
      [simplex[n], values[n]] = [reflected, fr];
    } else {
      const contracted = fr < values[n] ? along(-0.5) : along(0.5);
      const fc = f(contracted);
      evaluations++;
      if (fc < Math.min(fr, values[n])) [simplex[n], values[n]] = [contracted, fc];
      else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j]));
          values[i] = f(simplex[i]);
        }
        evaluations += n;
      }
    }
  }
  let best = 0;
  values.forEach((value, i) => {
    if (value < values[best]) best = i;
  });
  return simplex[best];
}

/** Frames the model is fitted on at most (the filter then runs over every frame). */
const FIT_FRAMES = 20_000;

/**
 * Fits ARMA(p, q) to `y` (frames with `observed` 0 left out) by maximum likelihood; undefined when 10 or fewer
 * frames are observed (DeepLabCut's threshold).
 */
export function fitArima(y: ArrayLike<number>, observed: Uint8Array, p: number, q: number): ArimaFit | undefined {
  if (!Number.isInteger(p) || p < 0 || !Number.isInteger(q) || q < 0 || p + q === 0) {
    throw new HerdError('INVALID_OPTION', `ARIMA degrees must be whole numbers ≥ 0, not both 0 (got AR ${p}, MA ${q})`);
  }
  let total = 0;
  for (let t = 0; t < observed.length; t++) total += observed[t];
  if (total <= 10) return undefined;
  let end = Math.min(observed.length, FIT_FRAMES);
  let inFit = 0;
  for (let t = 0; t < end; t++) inFit += observed[t];
  if (inFit <= 10) end = observed.length;
  const unpack = (x: number[]) => ({ ar: constrainStationary(x.slice(0, p)), ma: constrainStationary(x.slice(p)).map((v) => -v) });
  const cost = (x: number[]) => {
    const { ar, ma } = unpack(x);
    const model = stateSpace(ar, ma);
    if (!model) return Infinity;
    const pass = runArma(y, observed, end, model);
    const value = -concentrated(pass).logLikelihood;
    return Number.isFinite(value) ? value : Infinity;
  };
  // Start near a random walk (positions are far from 0 and move slowly), MA at 0.
  const start = [...Array.from({ length: p }, (_, i) => toUnconstrained(i === 0 ? 0.9 : 0)), ...Array.from({ length: q }, () => 0)];
  let x = nelderMead(cost, start, 0.5, 400 * (p + q));
  x = nelderMead(cost, x, 0.1, 200 * (p + q)); // a restart from the optimum guards against a collapsed simplex
  const { ar, ma } = unpack(x);
  const model = stateSpace(ar, ma)!;
  const fitted = concentrated(runArma(y, observed, end, model));
  return { ar, ma, sigma2: fitted.sigma2, logLikelihood: fitted.logLikelihood, observations: total };
}

/** In-sample one-step predictions of every frame under a fitted model (statsmodels' `get_prediction().predicted_mean`). */
export function arimaPredictions(y: ArrayLike<number>, observed: Uint8Array, fit: Pick<ArimaFit, 'ar' | 'ma'>): Float64Array {
  const model = stateSpace(fit.ar, fit.ma);
  const predicted = new Float64Array(observed.length);
  if (!model) return predicted.fill(Number.NaN);
  runArma(y, observed, observed.length, model, predicted);
  return predicted;
}

/**
 * The concentrated log-likelihood of the ARMA model at given coefficients (the innovation variance profiled out),
 * over all frames: what `fitArima` maximises.
 */
export function arimaLogLikelihood(y: ArrayLike<number>, observed: Uint8Array, ar: number[], ma: number[]): { logLikelihood: number; sigma2: number } {
  const model = stateSpace(ar, ma);
  if (!model) throw new HerdError('INVALID_OPTION', 'the ARMA coefficients have no stationary state');
  return concentrated(runArma(y, observed, observed.length, model));
}
