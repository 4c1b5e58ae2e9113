/**
 * Constant-velocity Kalman filters, as filterpy's `kinematic_kf(dim, order=1, dt=1, order_by_dim=False)` builds
 * them for DeepLabCut's trackers (dlc-spec §5b): state = the `dim` positions, then their `dim` velocities;
 * F = [[I, I], [0, I]], H = [I 0] (the first `dimZ` positions are measured), P = Q = R = I before each tracker's
 * scalings.
 *
 * Two implementations of the same filter:
 * - `KalmanFilter`: dense matrices (Float64Array, row-major), any F/H/P/Q/R — the reference, as filterpy computes
 *   it (predict x = Fx, P = FPFᵀ + Q; update with S = HPHᵀ + R, K = PHᵀS⁻¹, Joseph-form P).
 * - `KinematicFilter`: the same numbers in O(dim). Every filter the trackers build starts with diagonal P, Q, R and
 *   F/H never mix coordinates, so the covariance stays block-diagonal: one independent 2×2 (position, velocity)
 *   block per coordinate (or a 1×1 block for a coordinate without velocity, like the box's aspect ratio). This is
 *   the one the trackers use; a test checks it against the dense filter step by step.
 * Neither allocates after construction.
 */

/** Dense Kalman filter with preallocated scratch space. Matrices are row-major Float64Arrays. */
export class KalmanFilter {
  readonly dimX: number;
  readonly dimZ: number;
  /** State [dimX]. */
  readonly x: Float64Array;
  /** Covariance [dimX × dimX]. */
  readonly P: Float64Array;
  /** Transition [dimX × dimX]. */
  readonly F: Float64Array;
  /** Process noise [dimX × dimX]. */
  readonly Q: Float64Array;
  /** Measurement function [dimZ × dimX]. */
  readonly H: Float64Array;
  /** Measurement noise [dimZ × dimZ]. */
  readonly R: Float64Array;

  private readonly tXX: Float64Array;
  private readonly tXX2: Float64Array;
  private readonly tX: Float64Array;
  private readonly tZ: Float64Array;
  private readonly hMasked: Float64Array;
  private readonly zMasked: Float64Array;
  private readonly PHt: Float64Array; // [dimX × dimZ]
  private readonly S: Float64Array; // [dimZ × dimZ], then its inverse
  private readonly Sinv: Float64Array;
  private readonly K: Float64Array; // [dimX × dimZ]

  constructor(dimX: number, dimZ: number) {
    this.dimX = dimX;
    this.dimZ = dimZ;
    this.x = new Float64Array(dimX);
    this.P = identity(dimX);
    this.F = identity(dimX);
    this.Q = identity(dimX);
    this.H = new Float64Array(dimZ * dimX);
    this.R = identity(dimZ);
    this.tXX = new Float64Array(dimX * dimX);
    this.tXX2 = new Float64Array(dimX * dimX);
    this.tX = new Float64Array(dimX);
    this.tZ = new Float64Array(dimZ);
    this.hMasked = new Float64Array(dimZ * dimX);
    this.zMasked = new Float64Array(dimZ);
    this.PHt = new Float64Array(dimX * dimZ);
    this.S = new Float64Array(dimZ * dimZ);
    this.Sinv = new Float64Array(dimZ * dimZ);
    this.K = new Float64Array(dimX * dimZ);
  }

  /** x = Fx; P = FPFᵀ + Q. */
  predict(): void {
    const n = this.dimX;
    const { F, P, Q, x, tX, tXX, tXX2 } = this;
    matVec(F, x, tX, n, n);
    x.set(tX);
    matMul(F, P, tXX, n, n, n); // FP
    matMulTransposeB(tXX, F, tXX2, n, n, n); // FPFᵀ
    for (let i = 0; i < n * n; i++) P[i] = tXX2[i] + Q[i];
  }

  /**
   * Measurement update. `observed[i] = false` drops measurement i (its row of H is zeroed and its value taken as 0,
   * as DeepLabCut's skeleton tracker does with missing keypoints). NaN measurements count as not observed.
   */
  update(z: ArrayLike<number>, observed?: ArrayLike<boolean>): void {
    const n = this.dimX;
    const m = this.dimZ;
    const { x, P, R, PHt, S, Sinv, K, tZ, tXX, tXX2 } = this;
    const H = this.hMasked;
    const zz = this.zMasked;
    H.set(this.H);
    for (let i = 0; i < m; i++) {
      const ok = (observed === undefined || observed[i]) && Number.isFinite(z[i]);
      zz[i] = ok ? z[i] : 0;
      if (!ok) H.fill(0, i * n, (i + 1) * n);
    }
    matMulTransposeB(P, H, PHt, n, n, m); // PHᵀ [n × m]
    matMul(H, PHt, S, m, n, m); // HPHᵀ
    for (let i = 0; i < m * m; i++) S[i] += R[i];
    if (!invert(S, Sinv, m)) return; // singular: keep the prior, as a filter with no information would
    matMul(PHt, Sinv, K, n, m, m); // K = PHᵀS⁻¹
    // y = z − Hx
    matVec(H, x, tZ, m, n);
    for (let i = 0; i < m; i++) tZ[i] = zz[i] - tZ[i];
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < m; j++) sum += K[i * m + j] * tZ[j];
      x[i] += sum;
    }
    // Joseph form, as filterpy: P = (I − KH) P (I − KH)ᵀ + K R Kᵀ.
    const IKH = tXX;
    matMul(K, H, IKH, n, m, n);
    for (let i = 0; i < n * n; i++) IKH[i] = (i % (n + 1) === 0 ? 1 : 0) - IKH[i];
    matMul(IKH, P, tXX2, n, n, n);
    matMulTransposeB(tXX2, IKH, P, n, n, n);
    // + K R Kᵀ
    const KR = this.PHt; // reuse [n × m]
    matMul(K, R, KR, n, m, m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < m; k++) sum += KR[i * m + k] * K[j * m + k];
        P[i * n + j] += sum;
      }
    }
  }
}

/** filterpy's `kinematic_kf(dim, 1, dim_z, dt=1, order_by_dim=False)`: positions then velocities, P = Q = R = I. */
export function kinematicKalmanFilter(dim: number, dimZ = dim): KalmanFilter {
  const kf = new KalmanFilter(2 * dim, dimZ);
  const n = 2 * dim;
  for (let i = 0; i < dim; i++) kf.F[i * n + dim + i] = 1;
  for (let i = 0; i < dimZ; i++) kf.H[i * n + i] = 1;
  return kf;
}

/** Noise scalings of one constant-velocity filter (multipliers of the identity, per block of the state). */
export interface KinematicNoise {
  /** P's position / velocity diagonal (after every scaling). */
  pPosition: number;
  pVelocity: number;
  qPosition: number;
  /** Q's velocity diagonal, one value for all or per coordinate. */
  qVelocity: number | ArrayLike<number>;
  /** R per measured coordinate (length dim), or one value for all. */
  r: number | ArrayLike<number>;
}

/**
 * `dim` independent (position, velocity) filters with F = [[1, 1], [0, 1]], H = [1, 0]: numerically the dense
 * `kinematicKalmanFilter` with diagonal P, Q, R, in O(dim) per step. `hasVelocity[i] = false` makes coordinate i a
 * random walk without velocity (state 1, F = 1), as the box tracker's aspect ratio.
 */
export class KinematicFilter {
  readonly dim: number;
  /** Positions [dim] and velocities [dim] (0 where a coordinate has none). */
  readonly position: Float64Array;
  readonly velocity: Float64Array;
  /** Per coordinate the covariance block: var(position), cov(position, velocity), var(velocity). */
  readonly pp: Float64Array;
  readonly pv: Float64Array;
  readonly vv: Float64Array;
  private readonly q: Float64Array;
  private readonly qv: Float64Array;
  private readonly r: Float64Array;
  private readonly moving: Uint8Array;

  constructor(dim: number, noise: KinematicNoise, hasVelocity?: ArrayLike<boolean>) {
    this.dim = dim;
    this.position = new Float64Array(dim);
    this.velocity = new Float64Array(dim);
    this.pp = new Float64Array(dim);
    this.pv = new Float64Array(dim);
    this.vv = new Float64Array(dim);
    this.q = new Float64Array(dim).fill(noise.qPosition);
    this.qv = new Float64Array(dim);
    this.r = new Float64Array(dim);
    this.moving = new Uint8Array(dim);
    for (let i = 0; i < dim; i++) {
      const moving = hasVelocity === undefined || hasVelocity[i];
      this.moving[i] = moving ? 1 : 0;
      this.pp[i] = noise.pPosition;
      this.vv[i] = moving ? noise.pVelocity : 0;
      this.qv[i] = moving ? (typeof noise.qVelocity === 'number' ? noise.qVelocity : noise.qVelocity[i]) : 0;
      this.r[i] = typeof noise.r === 'number' ? noise.r : noise.r[i];
    }
  }

  /** Sets the positions (velocities stay 0, as DeepLabCut's trackers start). */
  setPosition(values: ArrayLike<number>): void {
    for (let i = 0; i < this.dim; i++) this.position[i] = values[i];
  }

  predict(): void {
    const { position, velocity, pp, pv, vv, q, qv, moving } = this;
    for (let i = 0; i < this.dim; i++) {
      if (moving[i]) {
        position[i] += velocity[i];
        // P = F P Fᵀ + Q with F = [[1, 1], [0, 1]].
        pp[i] += 2 * pv[i] + vv[i] + q[i];
        pv[i] += vv[i];
        vv[i] += qv[i];
      } else {
        pp[i] += q[i];
      }
    }
  }

  /** Updates the coordinates whose measurement is finite (and `observed`, when given); the others keep the prior. */
  update(z: ArrayLike<number>, observed?: ArrayLike<boolean>): void {
    const { position, velocity, pp, pv, vv, r } = this;
    for (let i = 0; i < this.dim; i++) {
      const value = z[i];
      if (!Number.isFinite(value) || (observed !== undefined && !observed[i])) continue;
      const s = pp[i] + r[i];
      const kp = pp[i] / s;
      const kv = pv[i] / s;
      const innovation = value - position[i];
      position[i] += kp * innovation;
      velocity[i] += kv * innovation;
      // Joseph form and the simple form agree for the optimal gain; this is the simple one, kept symmetric.
      const a = pp[i];
      const b = pv[i];
      pp[i] = (1 - kp) * a;
      pv[i] = (1 - kp) * b;
      vv[i] -= kv * b;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small dense helpers (row-major)

function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/** out[r × c] = a[r × k] · b[k × c]. */
function matMul(a: Float64Array, b: Float64Array, out: Float64Array, r: number, k: number, c: number): void {
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      let sum = 0;
      for (let t = 0; t < k; t++) sum += a[i * k + t] * b[t * c + j];
      out[i * c + j] = sum;
    }
  }
}

/** out[r × c] = a[r × k] · b[c × k]ᵀ. */
function matMulTransposeB(a: Float64Array, b: Float64Array, out: Float64Array, r: number, k: number, c: number): void {
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      let sum = 0;
      for (let t = 0; t < k; t++) sum += a[i * k + t] * b[j * k + t];
      out[i * c + j] = sum;
    }
  }
}

function matVec(a: Float64Array, v: Float64Array, out: Float64Array, r: number, c: number): void {
  for (let i = 0; i < r; i++) {
    let sum = 0;
    for (let j = 0; j < c; j++) sum += a[i * c + j] * v[j];
    out[i] = sum;
  }
}

/** Gauss–Jordan inverse with partial pivoting; false when singular. `a` is left intact. */
const invertScratch = new Map<number, Float64Array>();
function invert(a: Float64Array, out: Float64Array, n: number): boolean {
  let work = invertScratch.get(n);
  if (!work) {
    work = new Float64Array(n * n);
    invertScratch.set(n, work);
  }
  work.set(a);
  out.fill(0);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    let best = Math.abs(work[col * n + col]);
    for (let row = col + 1; row < n; row++) {
      const v = Math.abs(work[row * n + col]);
      if (v > best) {
        best = v;
        pivot = row;
      }
    }
    if (!(best > 1e-300)) return false;
    if (pivot !== col) {
      for (let j = 0; j < n; j++) {
        let t = work[col * n + j];
        work[col * n + j] = work[pivot * n + j];
        work[pivot * n + j] = t;
        t = out[col * n + j];
        out[col * n + j] = out[pivot * n + j];
        out[pivot * n + j] = t;
      }
    }
    const inv = 1 / work[col * n + col];
    for (let j = 0; j < n; j++) {
      work[col * n + j] *= inv;
      out[col * n + j] *= inv;
    }
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const f = work[row * n + col];
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        work[row * n + j] -= f * work[col * n + j];
        out[row * n + j] -= f * out[col * n + j];
      }
    }
  }
  return true;
}
