/**
 * Synthetic detections: what a trained model's `herd analyze` would write for a synthetic scene, made straight from
 * the ground truth — for tracking tests, the tracking bench and the tracking study. Deterministic from `seed`.
 *
 * Per frame and animal: visible keypoints with Gaussian jitter (`sigma` px) and a score in `scoreRange`; keypoints
 * hidden under another animal (visibility 0) or dropped at random (`dropRate`) are missing. Then, as a real model
 * errs: body parts swapped between two animals that are close (`swapRate`), a spurious extra animal
 * (`spuriousRate`), identity votes with a given accuracy (`identityAccuracy`, only then an identity head). The
 * animals land in the assembly slots in a new random order every frame, so a slot says nothing about identity.
 */
import type { PoseArray } from '../common/pose';
import { Random } from '../common/random';
import type { DetectionsContent } from '../infer/outputs';
import type { SynthScene } from './scene';

export interface SynthDetectionsOptions {
  seed: number;
  /** Standard deviation of the position jitter, px. */
  sigma: number;
  /** Probability that a visible keypoint is not detected. */
  dropRate: number;
  /** Scores of detected keypoints, uniform in [low, high]. */
  scoreRange: [number, number];
  /** Per frame and pair of close animals, the probability that one body part is swapped between them. */
  swapRate: number;
  /** Two animals are close when their true centroids are nearer than this, px. */
  swapDistance: number;
  /** Per frame, the probability of a spurious extra animal (2–4 low-scoring keypoints at random). */
  spuriousRate: number;
  /** With an identity head: the probability that a keypoint's identity is its animal's. Undefined: no identity head. */
  identityAccuracy?: number;
  /** Put animals in a random slot order each frame (default true). */
  shuffleSlots: boolean;
  scorer: string;
  video: string;
}

export const DEFAULT_SYNTH_DETECTIONS: Readonly<SynthDetectionsOptions> = {
  seed: 0,
  sigma: 1.5,
  dropRate: 0.05,
  scoreRange: [0.5, 0.99],
  swapRate: 0,
  swapDistance: 60,
  spuriousRate: 0,
  shuffleSlots: true,
  scorer: 'DLC_HerdSmall_synthJan1shuffle1_snapshot_10',
  video: 'synth.mp4',
};

/** What `synthDetections` needs of a scene (a `SynthScene`, or poses built by hand). */
export type DetectionsScene = Pick<SynthScene, 'poses' | 'width' | 'height' | 'fps' | 'individuals' | 'bodyparts' | 'uniqueBodyparts'> & {
  unique?: PoseArray;
};

export interface SynthDetections {
  content: DetectionsContent & { maxAnimals: number };
  /** The true poses [frames, animals, parts, 3] (x, y, visibility). */
  truth: PoseArray;
  /** [frames, slots]: the true animal in each assembly slot, −1 for empty or spurious slots. */
  slotAnimal: Int32Array;
}

export function synthDetections(scene: DetectionsScene, partial: Partial<SynthDetectionsOptions> = {}): SynthDetections {
  const o: SynthDetectionsOptions = { ...DEFAULT_SYNTH_DETECTIONS, ...partial };
  const random = new Random(o.seed);
  const truth = scene.poses;
  const F = truth.frames;
  const N = truth.individuals.length;
  const K = truth.bodyparts.length;
  const U = scene.uniqueBodyparts.length;
  const A = N + (o.spuriousRate > 0 ? 1 : 0);
  const withIdentity = o.identityAccuracy !== undefined && N > 0;
  const assemblies = new Float32Array(F * A * K * 4).fill(Number.NaN);
  const assemblyScores = new Float32Array(F * A).fill(Number.NaN);
  const slotAnimal = new Int32Array(F * A).fill(-1);
  const peaks: number[] = [];
  const peakIdentity: number[] = [];
  const [low, high] = o.scoreRange;
  // One frame's animals before slotting: [A, K, 4].
  const pose = new Float64Array(A * K * 4);
  const centroid = new Float64Array(2 * N);
  const order = Array.from({ length: A }, (_, i) => i);

  const identityOf = (animal: number): number => {
    const roll = random.next();
    const other = random.integer(0, Math.max(1, N - 1));
    if (!withIdentity) return -1;
    if (N === 1 || roll < (o.identityAccuracy ?? 1)) return animal;
    return other >= animal ? other + 1 : other;
  };

  for (let f = 0; f < F; f++) {
    pose.fill(Number.NaN);
    for (let a = 0; a < N; a++) {
      let sx = 0;
      let sy = 0;
      let n = 0;
      for (let k = 0; k < K; k++) {
        const t = ((f * N + a) * K + k) * 3;
        const x = truth.data[t];
        const y = truth.data[t + 1];
        const visible = truth.data[t + 2] > 0;
        if (Number.isFinite(x) && Number.isFinite(y)) {
          sx += x;
          sy += y;
          n++;
        }
        // Draw every random number whatever happens, so one option does not reshuffle the others' draws.
        const jx = random.gaussian() * o.sigma;
        const jy = random.gaussian() * o.sigma;
        const drop = random.next() < o.dropRate;
        const score = low + (high - low) * random.next();
        const identity = identityOf(a);
        if (!visible || drop || !Number.isFinite(x) || !Number.isFinite(y)) continue;
        const p = (a * K + k) * 4;
        pose[p] = x + jx;
        pose[p + 1] = y + jy;
        pose[p + 2] = score;
        pose[p + 3] = identity;
      }
      centroid[2 * a] = n > 0 ? sx / n : Number.NaN;
      centroid[2 * a + 1] = n > 0 ? sy / n : Number.NaN;
    }
    // Swapped body parts between close animals.
    if (o.swapRate > 0) {
      for (let a = 0; a < N; a++) {
        for (let b = a + 1; b < N; b++) {
          const close = Math.hypot(centroid[2 * a] - centroid[2 * b], centroid[2 * a + 1] - centroid[2 * b + 1]) < o.swapDistance;
          const roll = random.next();
          const k = random.integer(0, K);
          if (!close || roll >= o.swapRate) continue;
          const pa = (a * K + k) * 4;
          const pb = (b * K + k) * 4;
          if (!Number.isFinite(pose[pa]) || !Number.isFinite(pose[pb])) continue;
          for (let c = 0; c < 2; c++) {
            const t = pose[pa + c];
            pose[pa + c] = pose[pb + c];
            pose[pb + c] = t;
          }
        }
      }
    }
    if (A > N && random.next() < o.spuriousRate) {
      const cx = random.uniform(0, scene.width);
      const cy = random.uniform(0, scene.height);
      const count = random.integer(2, 5);
      for (let i = 0; i < count; i++) {
        const k = random.integer(0, K);
        const p = (N * K + k) * 4;
        pose[p] = cx + random.gaussian() * 15;
        pose[p + 1] = cy + random.gaussian() * 15;
        pose[p + 2] = random.uniform(0.1, 0.5);
        pose[p + 3] = withIdentity ? random.integer(0, N) : -1;
      }
    }
    if (o.shuffleSlots) {
      for (let i = A - 1; i > 0; i--) {
        const j = random.integer(0, i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    // Animals with a keypoint fill the slots in `order`; empty ones leave their slot empty at the end.
    let slot = 0;
    for (const a of order) {
      let sum = 0;
      let n = 0;
      for (let k = 0; k < K; k++) {
        const p = (a * K + k) * 4;
        if (Number.isFinite(pose[p])) {
          sum += pose[p + 2];
          n++;
        }
      }
      if (n === 0) continue;
      const dst = (f * A + slot) * K * 4;
      assemblies.set(pose.subarray(a * K * 4, (a + 1) * K * 4), dst);
      assemblyScores[f * A + slot] = sum / n;
      slotAnimal[f * A + slot] = a < N ? a : -1;
      for (let k = 0; k < K; k++) {
        const p = (a * K + k) * 4;
        if (!Number.isFinite(pose[p])) continue;
        peaks.push(f, k, pose[p], pose[p + 1], pose[p + 2]);
        if (withIdentity) {
          for (let i = 0; i < N; i++) peakIdentity.push(i === pose[p + 3] ? 0.9 : 0.1 / Math.max(1, N - 1));
        }
      }
      slot++;
    }
  }

  let unique: Float32Array | undefined;
  if (U > 0) {
    unique = new Float32Array(F * U * 3).fill(Number.NaN);
    const source = scene.unique;
    for (let f = 0; f < F && source; f++) {
      for (let u = 0; u < U; u++) {
        const t = (f * U + u) * 3;
        const jx = random.gaussian() * o.sigma;
        const jy = random.gaussian() * o.sigma;
        const score = low + (high - low) * random.next();
        if (!(source.data[t + 2] > 0)) continue;
        unique[t] = source.data[t] + jx;
        unique[t + 1] = source.data[t + 1] + jy;
        unique[t + 2] = score;
      }
    }
  }

  const content: DetectionsContent & { maxAnimals: number } = {
    assemblies,
    assemblyScores,
    ...(unique ? { unique } : {}),
    peaks: Float32Array.from(peaks),
    ...(withIdentity ? { peakIdentity: Float32Array.from(peakIdentity) } : {}),
    maxAnimals: A,
    metadata: {
      video: o.video,
      fps: scene.fps,
      frames: F,
      totalFrames: F,
      width: scene.width,
      height: scene.height,
      scorer: o.scorer,
      bodyparts: [...scene.bodyparts],
      uniqueBodyparts: [...scene.uniqueBodyparts],
      individuals: [...scene.individuals],
      pafGraph: scene.bodyparts.slice(1).map((_, i) => [i, i + 1] as [number, number]),
      model: 'synthetic',
      partial: false,
    },
  };
  return { content, truth, slotAnimal };
}
