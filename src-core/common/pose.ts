/**
 * Poses of many animals over many frames, the currency of every stage after assembly:
 * one Float32Array of shape [frames, individuals, bodyparts, 3] holding x, y and likelihood
 * (or visibility for ground truth). Missing points are NaN.
 */
export interface PoseArray {
  frames: number;
  individuals: string[];
  bodyparts: string[];
  data: Float32Array;
}

export function createPoseArray(frames: number, individuals: string[], bodyparts: string[]): PoseArray {
  const data = new Float32Array(frames * individuals.length * bodyparts.length * 3).fill(Number.NaN);
  return { frames, individuals, bodyparts, data };
}

/** Offset of (frame, individual, bodypart) in `data`; x, y, likelihood follow at +0, +1, +2. */
export function poseOffset(pose: PoseArray, frame: number, individual: number, bodypart: number): number {
  return ((frame * pose.individuals.length + individual) * pose.bodyparts.length + bodypart) * 3;
}
