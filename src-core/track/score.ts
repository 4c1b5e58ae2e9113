/**
 * How well tracklets follow the animals, against ground truth (synthetic detections, `synth/detections.ts`):
 * each tracklet row is attributed to the ground-truth animal whose pose it is closest to (mean keypoint distance
 * over the parts both have), then identity switches are counted both ways.
 */
import type { PoseArray } from '../common/pose';
import type { TrackletSet } from './tracklets';

export interface TrackingScore {
  /** Rows attributed to a ground-truth animal. */
  rows: number;
  /** Rows near no animal (spurious detections, predictions gone astray). */
  strayRows: number;
  /** Per tracklet id: the ground-truth animal most of its rows belong to (−1 when none). */
  majority: Map<number, number>;
  /** Rows of a tracklet that belong to another animal than the tracklet's majority one. */
  impureRows: number;
  /** Changes of animal between consecutive attributed rows within one tracklet (summed over tracklets). */
  trackletSwitches: number;
  /** MOT-style: per animal, changes of the tracklet that holds it between the frames it is held (summed). */
  idSwitches: number;
  /** Number of tracklets. */
  tracklets: number;
}

/** Mean distance between a tracklet row and an animal's true pose over the parts both have; NaN when none. */
function poseDistance(row: Float32Array, at: number, truth: PoseArray, frame: number, animal: number): number {
  const K = truth.bodyparts.length;
  const base = (frame * truth.individuals.length + animal) * K * 3;
  let sum = 0;
  let n = 0;
  for (let k = 0; k < K; k++) {
    const x = row[at + 3 * k];
    const y = row[at + 3 * k + 1];
    const tx = truth.data[base + 3 * k];
    const ty = truth.data[base + 3 * k + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(tx) || !Number.isFinite(ty)) continue;
    sum += Math.hypot(x - tx, y - ty);
    n += 1;
  }
  return n > 0 ? sum / n : Number.NaN;
}

/** Scores tracklets against the true poses (same body parts, frame numbers index `truth`). */
export function scoreTracklets(set: TrackletSet, truth: PoseArray, maxDistance = 25): TrackingScore {
  const K = set.metadata.bodyparts.length;
  const N = truth.individuals.length;
  const score: TrackingScore = { rows: 0, strayRows: 0, majority: new Map(), impureRows: 0, trackletSwitches: 0, idSwitches: 0, tracklets: set.tracklets.length };
  // holder[frame * N + animal] = tracklet id holding the animal in that frame (the first one found), −1 none.
  const holder = new Int32Array(truth.frames * N).fill(-1);
  for (const t of set.tracklets) {
    const owners = new Int32Array(t.frames.length).fill(-1);
    for (let r = 0; r < t.frames.length; r++) {
      const frame = t.frames[r];
      if (frame >= truth.frames) continue;
      let best = -1;
      let bestDistance = maxDistance;
      for (let a = 0; a < N; a++) {
        const d = poseDistance(t.data, r * K * 3, truth, frame, a);
        if (d < bestDistance) {
          bestDistance = d;
          best = a;
        }
      }
      owners[r] = best;
      if (best < 0) {
        score.strayRows += 1;
        continue;
      }
      score.rows += 1;
      if (holder[frame * N + best] < 0) holder[frame * N + best] = t.id;
    }
    const counts = new Int32Array(N);
    let last = -1;
    for (const owner of owners) {
      if (owner < 0) continue;
      counts[owner] += 1;
      if (last >= 0 && owner !== last) score.trackletSwitches += 1;
      last = owner;
    }
    let majority = -1;
    for (let a = 0; a < N; a++) if (counts[a] > 0 && (majority < 0 || counts[a] > counts[majority])) majority = a;
    score.majority.set(t.id, majority);
    for (const owner of owners) if (owner >= 0 && owner !== majority) score.impureRows += 1;
  }
  for (let a = 0; a < N; a++) {
    let last = -1;
    for (let f = 0; f < truth.frames; f++) {
      const id = holder[f * N + a];
      if (id < 0) continue;
      if (last >= 0 && id !== last) score.idSwitches += 1;
      last = id;
    }
  }
  return score;
}
