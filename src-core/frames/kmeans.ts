import { HerdError } from '../common/errors';
import { Random } from '../common/random';

/**
 * Downsampled frames ("features", one byte per pixel) kept outside memory, read a batch at a time.
 * Frame extraction spills them to a temporary file while the video is decoded once; tests may use
 * `MemoryFeatureStore`.
 */
export interface FeatureStore {
  /** Number of frames stored. */
  readonly count: number;
  /** Bytes (pixels) per frame. */
  readonly dim: number;
  /** Copy the features of frames at `positions` (0-based, any order) into `out`, one after another. */
  read(positions: ArrayLike<number>, out: Uint8Array): void;
}

/** A FeatureStore over a byte array (for tests and small inputs). */
export class MemoryFeatureStore implements FeatureStore {
  readonly count: number;
  constructor(
    private readonly data: Uint8Array,
    readonly dim: number,
  ) {
    this.count = Math.floor(data.length / dim);
  }

  read(positions: ArrayLike<number>, out: Uint8Array): void {
    for (let i = 0; i < positions.length; i++) {
      const at = positions[i] * this.dim;
      out.set(this.data.subarray(at, at + this.dim), i * this.dim);
    }
  }
}

export interface MiniBatchKMeansOptions {
  /** Number of clusters (DeepLabCut: numframes2pick). */
  k: number;
  /** Frames per mini-batch (DeepLabCut/scikit-learn: 100); raised to k so the first batch can seed k centres. */
  batchSize?: number;
  /** Passes' worth of mini-batch steps at most (scikit-learn's max_iter; DeepLabCut: 50). */
  maxIter?: number;
  /** Early stop when a step moves the centres less than tol × the mean per-pixel variance (DeepLabCut: 1e-3). */
  tol?: number;
  /** Early stop after this many steps without improvement of the smoothed batch inertia (scikit-learn: 10). */
  maxNoImprovement?: number;
  seed?: number;
  /** Called after every step (progress). */
  onStep?: (step: number, totalSteps: number) => void;
  signal?: AbortSignal;
}

/** How a clustering went, for the user and for the tests. */
export interface ClusteringReport {
  k: number;
  frames: number;
  /** Pixels per downsampled frame. */
  dim: number;
  batchSize: number;
  steps: number;
  /** steps × batch size / frames: how many passes' worth of frames the steps used. */
  epochs: number;
  converged: boolean;
  /** Why the iteration stopped. */
  stoppedBy: 'center-shift' | 'no-improvement' | 'max-iter';
  /** Mean squared distance of a frame to its nearest centre (grey levels² summed over pixels), after the final assignment. */
  inertia: number;
  /** Clusters that got no frame in the final assignment (each filled with the frame farthest from its centre). */
  emptyClusters: number;
  /** The most frames held in memory at once by the clusterer (instrumented; at most one batch). */
  peakFramesHeld: number;
}

export interface ClusteringResult {
  /** k × dim centre coordinates. */
  centroids: Float64Array;
  /** One store position per cluster: the frame nearest each centre, sorted ascending. */
  picks: number[];
  report: ClusteringReport;
}

/** Counts frames held in batch buffers (the claim "never more than one batch" is checked by tests). */
class HeldFrames {
  peak = 0;
  private current = 0;
  hold(count: number): void {
    this.current += count;
    this.peak = Math.max(this.peak, this.current);
  }
  release(count: number): void {
    this.current -= count;
  }
}

function squaredDistance(features: Uint8Array, offset: number, centroids: Float64Array, centre: number, dim: number): number {
  let sum = 0;
  const base = centre * dim;
  for (let d = 0; d < dim; d++) {
    const diff = features[offset + d] - centroids[base + d];
    sum += diff * diff;
  }
  return sum;
}

function nearest(features: Uint8Array, offset: number, centroids: Float64Array, k: number, dim: number): { centre: number; distance: number } {
  let centre = 0;
  let distance = Infinity;
  for (let c = 0; c < k; c++) {
    const d = squaredDistance(features, offset, centroids, c, dim);
    if (d < distance) {
      distance = d;
      centre = c;
    }
  }
  return { centre, distance };
}

/** Mean over pixels of the per-pixel variance across frames (scikit-learn scales `tol` by it). */
function meanVariance(store: FeatureStore, batchSize: number, held: HeldFrames): number {
  const { count, dim } = store;
  const sum = new Float64Array(dim);
  const sumSquares = new Float64Array(dim);
  const buffer = new Uint8Array(batchSize * dim);
  for (let first = 0; first < count; first += batchSize) {
    const n = Math.min(batchSize, count - first);
    held.hold(n);
    store.read(range(first, n), buffer);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < dim; d++) {
        const value = buffer[i * dim + d];
        sum[d] += value;
        sumSquares[d] += value * value;
      }
    }
    held.release(n);
  }
  let total = 0;
  for (let d = 0; d < dim; d++) total += sumSquares[d] / count - (sum[d] / count) ** 2;
  return Math.max(0, total / dim);
}

function range(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

/**
 * Greedy k-means++ seeding on one batch, as scikit-learn does: each new centre is the best of
 * 2 + ln k candidates drawn with probability ∝ D² (squared distance to the nearest chosen centre),
 * "best" meaning the one that lowers the batch's total D² the most. Plain k-means++ too often puts
 * two centres into one large cluster.
 */
function kmeansPlusPlus(batch: Uint8Array, n: number, k: number, dim: number, random: Random): Float64Array {
  const centroids = new Float64Array(k * dim);
  const chosen = new Set<number>();
  const take = (sample: number, centre: number) => {
    chosen.add(sample);
    for (let d = 0; d < dim; d++) centroids[centre * dim + d] = batch[sample * dim + d];
  };
  const distanceBetween = (a: number, b: number) => {
    let sum = 0;
    for (let d = 0; d < dim; d++) {
      const diff = batch[a * dim + d] - batch[b * dim + d];
      sum += diff * diff;
    }
    return sum;
  };
  const trials = 2 + Math.floor(Math.log(k));
  const first = random.integer(0, n);
  take(first, 0);
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = distanceBetween(i, first);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += closest[i];
    if (total <= 0) {
      // Fewer distinct frames than clusters: any frame not yet chosen.
      const rest = range(0, n).filter((i) => !chosen.has(i));
      take(rest.length > 0 ? rest[random.integer(0, rest.length)] : random.integer(0, n), c);
      continue;
    }
    let best = -1;
    let bestPotential = Infinity;
    let bestDistances: Float64Array | undefined;
    for (let t = 0; t < trials; t++) {
      let target = random.next() * total;
      let candidate = -1;
      for (let i = 0; i < n; i++) {
        if (closest[i] <= 0) continue;
        candidate = i;
        target -= closest[i];
        if (target < 0) break;
      }
      const distances = new Float64Array(n);
      let potential = 0;
      for (let i = 0; i < n; i++) {
        distances[i] = Math.min(closest[i], distanceBetween(i, candidate));
        potential += distances[i];
      }
      if (potential < bestPotential) {
        bestPotential = potential;
        best = candidate;
        bestDistances = distances;
      }
    }
    take(best, c);
    closest.set(bestDistances!);
  }
  return centroids;
}

/** A random permutation of 0..count-1 (Fisher–Yates with the seeded generator). */
function permutation(count: number, random: Random): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = random.integer(0, i + 1);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}

/**
 * Mini-batch k-means (Sculley 2010, as scikit-learn's MiniBatchKMeans that DeepLabCut uses) over frames
 * that stay in `store`: each step reads one batch of randomly chosen frames (a fresh permutation per pass,
 * so batches are not runs of neighbouring, similar frames), assigns them, and moves each centre towards
 * its new members with a per-centre learning rate of 1/(frames seen). The first batch seeds the centres
 * with k-means++. Centres that starve (fewer than 1% of the largest centre's frames) are moved to the
 * batch frames farthest from their centres every 10 steps, as scikit-learn's reassignment does.
 *
 * Then a final pass assigns every frame to its nearest centre and keeps, per cluster, only the best
 * candidate so far: the frame nearest the centre. DeepLabCut picks a random member of each cluster
 * instead; the nearest frame is deterministic and is the cluster's most typical frame.
 */
export function miniBatchKMeans(store: FeatureStore, options: MiniBatchKMeansOptions): ClusteringResult {
  const { count, dim } = store;
  const { k, maxIter = 50, tol = 1e-3, maxNoImprovement = 10, seed = 0 } = options;
  if (!Number.isInteger(k) || k < 1) throw new HerdError('INVALID_OPTION', `the number of clusters must be a whole number ≥ 1, got ${k}`);
  if (count < k) throw new HerdError('INVALID_OPTION', `cannot make ${k} clusters from ${count} frames`);
  const batchSize = Math.min(count, Math.max(options.batchSize ?? 100, k));
  const held = new HeldFrames();
  const random = new Random(seed);
  const tolerance = tol * meanVariance(store, batchSize, held);

  const batch = new Uint8Array(batchSize * dim);
  const positions = new Int32Array(batchSize);
  let order = permutation(count, random);
  let cursor = 0;
  const nextBatch = (): void => {
    for (let i = 0; i < batchSize; i++) {
      if (cursor === count) {
        order = permutation(count, random);
        cursor = 0;
      }
      positions[i] = order[cursor++];
    }
    store.read(positions, batch);
  };

  held.hold(batchSize);
  nextBatch();
  const centroids = kmeansPlusPlus(batch, batchSize, k, dim, random);
  const weights = new Float64Array(k);
  const sums = new Float64Array(k * dim);
  const batchCounts = new Float64Array(k);
  const assigned = new Int32Array(batchSize);
  const distances = new Float64Array(batchSize);
  const totalSteps = Math.max(1, Math.ceil((maxIter * count) / batchSize));
  const alpha = Math.min(1, (batchSize * 2) / (count + 1));
  let ewaInertia = Infinity;
  let bestInertia = Infinity;
  let noImprovement = 0;
  let steps = 0;
  let stoppedBy: ClusteringReport['stoppedBy'] = 'max-iter';

  for (let step = 0; step < totalSteps; step++) {
    options.signal?.throwIfAborted();
    if (step > 0) nextBatch();
    sums.fill(0);
    batchCounts.fill(0);
    let batchInertia = 0;
    for (let i = 0; i < batchSize; i++) {
      const { centre, distance } = nearest(batch, i * dim, centroids, k, dim);
      assigned[i] = centre;
      distances[i] = distance;
      batchInertia += distance;
      batchCounts[centre] += 1;
      for (let d = 0; d < dim; d++) sums[centre * dim + d] += batch[i * dim + d];
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (batchCounts[c] === 0) continue;
      const total = weights[c] + batchCounts[c];
      for (let d = 0; d < dim; d++) {
        const at = c * dim + d;
        const updated = (centroids[at] * weights[c] + sums[at]) / total;
        shift += (updated - centroids[at]) ** 2;
        centroids[at] = updated;
      }
      weights[c] = total;
    }
    if ((step + 1) % 10 === 0) shift += reassignStarved(batch, batchSize, distances, assigned, centroids, weights, k, dim);
    steps = step + 1;
    options.onStep?.(steps, totalSteps);

    // scikit-learn's early stopping: the first step is a special case and is not judged.
    batchInertia /= batchSize;
    if (step === 0) {
      ewaInertia = batchInertia;
      continue;
    }
    ewaInertia = ewaInertia * (1 - alpha) + batchInertia * alpha;
    if (tolerance > 0 && shift <= tolerance) {
      stoppedBy = 'center-shift';
      break;
    }
    if (ewaInertia < bestInertia) {
      bestInertia = ewaInertia;
      noImprovement = 0;
    } else if (++noImprovement >= maxNoImprovement) {
      stoppedBy = 'no-improvement';
      break;
    }
  }
  held.release(batchSize);

  const { picks, inertia, emptyClusters } = nearestPerCluster(store, centroids, k, batchSize, held, options.signal);
  return {
    centroids,
    picks,
    report: {
      k,
      frames: count,
      dim,
      batchSize,
      steps,
      epochs: (steps * batchSize) / count,
      converged: stoppedBy !== 'max-iter',
      stoppedBy,
      inertia,
      emptyClusters,
      peakFramesHeld: held.peak,
    },
  };
}

/** Moves centres that got too few frames onto the batch's worst-served frames; returns the squared shift. */
function reassignStarved(
  batch: Uint8Array,
  batchSize: number,
  distances: Float64Array,
  assigned: Int32Array,
  centroids: Float64Array,
  weights: Float64Array,
  k: number,
  dim: number,
): number {
  const most = Math.max(...weights);
  const starved = range(0, k).filter((c) => weights[c] < 0.01 * most);
  if (starved.length === 0 || starved.length === k) return 0;
  const fed = range(0, k).filter((c) => !starved.includes(c));
  const lightest = Math.min(...fed.map((c) => weights[c]));
  const worst = range(0, batchSize).sort((a, b) => distances[b] - distances[a] || a - b);
  let shift = 0;
  for (const [n, c] of starved.entries()) {
    const sample = worst[n];
    if (sample === undefined || distances[sample] === 0) break;
    for (let d = 0; d < dim; d++) {
      const value = batch[sample * dim + d];
      shift += (value - centroids[c * dim + d]) ** 2;
      centroids[c * dim + d] = value;
    }
    weights[c] = lightest;
    distances[sample] = 0;
    assigned[sample] = c;
  }
  return shift;
}

/**
 * The final assignment pass: per cluster only the nearest frame so far is kept (no member lists).
 * Clusters left empty get the frames farthest from their own centres, so exactly k distinct frames come back.
 */
function nearestPerCluster(
  store: FeatureStore,
  centroids: Float64Array,
  k: number,
  batchSize: number,
  held: HeldFrames,
  signal: AbortSignal | undefined,
): { picks: number[]; inertia: number; emptyClusters: number } {
  const { count, dim } = store;
  const best = new Int32Array(k).fill(-1);
  const bestDistance = new Float64Array(k).fill(Infinity);
  // The k frames worst served by their centre, kept sorted by falling distance (fills empty clusters).
  const farthest: Array<{ position: number; distance: number }> = [];
  const buffer = new Uint8Array(batchSize * dim);
  let inertia = 0;
  for (let first = 0; first < count; first += batchSize) {
    signal?.throwIfAborted();
    const n = Math.min(batchSize, count - first);
    held.hold(n);
    store.read(range(first, n), buffer);
    for (let i = 0; i < n; i++) {
      const position = first + i;
      const { centre, distance } = nearest(buffer, i * dim, centroids, k, dim);
      inertia += distance;
      if (distance < bestDistance[centre]) {
        bestDistance[centre] = distance;
        best[centre] = position;
      }
      if (farthest.length < k || distance > farthest[farthest.length - 1].distance) {
        let at = farthest.length;
        while (at > 0 && farthest[at - 1].distance < distance) at--;
        farthest.splice(at, 0, { position, distance });
        if (farthest.length > k) farthest.pop();
      }
    }
    held.release(n);
  }
  const picks = new Set<number>();
  for (const position of best) if (position >= 0) picks.add(position);
  const emptyClusters = k - picks.size;
  for (const candidate of farthest) {
    if (picks.size >= k) break;
    picks.add(candidate.position);
  }
  // Still short (only possible with fewer distinct positions than k among the farthest): the first unused frames.
  for (let position = 0; picks.size < k && position < count; position++) picks.add(position);
  return { picks: [...picks].sort((a, b) => a - b), inertia: inertia / count, emptyClusters };
}
