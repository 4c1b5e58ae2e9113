// A tracked table with a known identity swap, shared by the refinement tests: 3 individuals × 2 body parts over
// `frames` frames. Each animal walks its own straight line; over frames [swapStart, swapEnd] the table has
// animals 0 and 1 exchanged (what a tracker's identity switch looks like). Animal 2 has a 3-frame gap.
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import type { RefineConfig } from '../../webviews/shared/messages';

export const SWAP = { start: 12, end: 19 };
export const GAP = { start: 5, end: 7 };

/** The true poses (no swap, no gap). */
export function truth(frames = 40): PoseArray {
  const poses = createPoseArray(frames, ['mouse1', 'mouse2', 'mouse3'], ['snout', 'tail']);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < 3; i++) {
      const cx = 20 + f * 3;
      const cy = 30 + i * 50;
      const o = poseOffset(poses, f, i, 0);
      poses.data.set([cx + 8, cy, 0.9 - i * 0.1, cx - 8, cy + 1.5, 0.8 - i * 0.1], o);
    }
  }
  return poses;
}

/** `truth` with animal 2 missing over GAP: what fixing the swap should give. */
export function fixed(frames = 40): PoseArray {
  const poses = truth(frames);
  for (let f = GAP.start; f <= GAP.end; f++) poses.data.fill(Number.NaN, poseOffset(poses, f, 2, 0), poseOffset(poses, f, 2, 0) + poses.bodyparts.length * 3);
  return poses;
}

/** What the tracker wrote: `truth` with animals 0 and 1 exchanged over SWAP and animal 2 missing over GAP. */
export function tracked(frames = 40): PoseArray {
  const poses = truth(frames);
  const stride = poses.bodyparts.length * 3;
  for (let f = SWAP.start; f <= SWAP.end; f++) {
    const a = poseOffset(poses, f, 0, 0);
    const b = poseOffset(poses, f, 1, 0);
    const tmp = poses.data.slice(a, a + stride);
    poses.data.copyWithin(a, b, b + stride);
    poses.data.set(tmp, b);
  }
  for (let f = GAP.start; f <= GAP.end; f++) poses.data.fill(Number.NaN, poseOffset(poses, f, 2, 0), poseOffset(poses, f, 2, 0) + stride);
  return poses;
}

export function refineConfig(): RefineConfig {
  return { skeleton: [['snout', 'tail']], individualColors: ['#ff0000', '#00ff00', '#0000ff'], dotsize: 5, trailLength: 5, jumpThreshold: 40 };
}

export const UNIQUE_GAP = { start: 30, end: 32 };

/** Unique body parts (the `single` individual): a fixed `corner` and a `feeder` that is not seen over UNIQUE_GAP. */
export function uniqueParts(frames = 40): PoseArray {
  const unique = createPoseArray(frames, ['single'], ['corner', 'feeder']);
  for (let f = 0; f < frames; f++) {
    unique.data.set([180.25, 20.5, 0.95], poseOffset(unique, f, 0, 0));
    if (f < UNIQUE_GAP.start || f > UNIQUE_GAP.end) unique.data.set([100 + (f % 3) * 0.5, 180, 0.7], poseOffset(unique, f, 0, 1));
  }
  return unique;
}
