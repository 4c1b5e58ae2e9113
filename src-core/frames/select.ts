/**
 * The frames [first, end) that automatic extraction chooses from: DeepLabCut's
 * `floor(nframes * start)` to `ceil(nframes * stop)` (exclusive), within the video.
 */
export function extractionRange(frameCount: number, start: number, stop: number): { first: number; end: number } {
  const first = Math.min(frameCount, Math.max(0, Math.floor(frameCount * start)));
  const end = Math.min(frameCount, Math.max(first, Math.ceil(frameCount * stop)));
  return { first, end };
}

/**
 * Temporally uniform picks: `count` frames evenly spaced over [first, end), each the middle of its
 * equal share of the range (all frames when the range is shorter than `count`). DeepLabCut's
 * `UniformFramescv2` samples `count` random indices of the same range; evenly spaced frames cover
 * the range at least as well and are the same on every run.
 */
export function uniformFrameIndices(first: number, end: number, count: number): number[] {
  const length = end - first;
  const picks = Math.max(0, Math.min(count, length));
  return Array.from({ length: picks }, (_, i) => first + Math.floor(((i + 0.5) * length) / picks));
}
