/**
 * Edits of stitched tracks for the refinement GUI (DeepLabCut's `refine_tracklets` knobs): pure functions on a
 * PoseArray [frames, individuals, bodyparts, 3] that return a new array (the input is never changed, so undo is
 * keeping the previous value). Individuals and body parts are given by index; frame ranges are inclusive and
 * clamped to the array.
 */
import type { PoseArray } from '../common/pose';

export interface FrameRange {
  /** First frame (inclusive). */
  start: number;
  /** Last frame (inclusive). */
  end: number;
}

/** Likelihood given to points made up by `fillGaps`. */
export const INTERPOLATED_LIKELIHOOD = 0.01;

function copy(pose: PoseArray): PoseArray {
  return { frames: pose.frames, individuals: [...pose.individuals], bodyparts: [...pose.bodyparts], data: pose.data.slice() };
}

function clampRange(pose: PoseArray, range?: FrameRange): [number, number] {
  if (!range) return [0, pose.frames - 1];
  return [Math.max(0, Math.floor(range.start)), Math.min(pose.frames - 1, Math.floor(range.end))];
}

function checkIndividual(pose: PoseArray, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= pose.individuals.length) {
    throw new RangeError(`individual ${index} is not one of 0..${pose.individuals.length - 1}`);
  }
}

const stride = (pose: PoseArray) => pose.bodyparts.length * 3;
const at = (pose: PoseArray, frame: number, individual: number) => (frame * pose.individuals.length + individual) * stride(pose);

function hasPoint(pose: PoseArray, frame: number, individual: number): boolean {
  const o = at(pose, frame, individual);
  for (let k = 0; k < pose.bodyparts.length; k++) if (Number.isFinite(pose.data[o + 3 * k]) && Number.isFinite(pose.data[o + 3 * k + 1])) return true;
  return false;
}

function swapFrame(data: Float32Array, pose: PoseArray, frame: number, a: number, b: number): void {
  const n = stride(pose);
  const oa = at(pose, frame, a);
  const ob = at(pose, frame, b);
  for (let i = 0; i < n; i++) {
    const t = data[oa + i];
    data[oa + i] = data[ob + i];
    data[ob + i] = t;
  }
}

/** Exchanges individuals `a` and `b` (all body parts) over `range`. */
export function swapIndividuals(pose: PoseArray, a: number, b: number, range?: FrameRange): PoseArray {
  checkIndividual(pose, a);
  checkIndividual(pose, b);
  const out = copy(pose);
  if (a === b) return out;
  const [s, e] = clampRange(pose, range);
  for (let f = s; f <= e; f++) swapFrame(out.data, out, f, a, b);
  return out;
}

/**
 * Gives `from`'s points over `range` to `to`: in every frame of the range where `from` has a point, `to`'s pose
 * is replaced by `from`'s and `from` is cleared; frames where `from` has nothing are left alone.
 */
export function reassignIndividual(pose: PoseArray, from: number, to: number, range?: FrameRange): PoseArray {
  checkIndividual(pose, from);
  checkIndividual(pose, to);
  const out = copy(pose);
  if (from === to) return out;
  const [s, e] = clampRange(pose, range);
  const n = stride(pose);
  for (let f = s; f <= e; f++) {
    if (!hasPoint(pose, f, from)) continue;
    const of = at(out, f, from);
    const ot = at(out, f, to);
    out.data.copyWithin(ot, of, of + n);
    out.data.fill(Number.NaN, of, of + n);
  }
  return out;
}

export interface PointSelection {
  range?: FrameRange;
  /** Default: all individuals. */
  individuals?: number[];
  /** Default: all body parts. */
  bodyparts?: number[];
}

/** Sets the selected points (x, y and likelihood) to NaN. */
export function deletePoints(pose: PoseArray, selection: PointSelection = {}): PoseArray {
  const out = copy(pose);
  const [s, e] = clampRange(pose, selection.range);
  const individuals = selection.individuals ?? pose.individuals.map((_, i) => i);
  const bodyparts = selection.bodyparts ?? pose.bodyparts.map((_, k) => k);
  individuals.forEach((i) => checkIndividual(pose, i));
  for (let f = s; f <= e; f++) {
    for (const i of individuals) {
      for (const k of bodyparts) {
        const o = at(out, f, i) + 3 * k;
        out.data[o] = out.data[o + 1] = out.data[o + 2] = Number.NaN;
      }
    }
  }
  return out;
}

/**
 * Fills gaps of at most `maxGap` missing frames in each individual's body-part trajectory, when the part is seen
 * on both sides: x and y linearly interpolated, likelihood `INTERPOLATED_LIKELIHOOD` (0.01) so that filled points
 * stay recognisable. Returns the new array and how many points were filled.
 */
export function fillGaps(pose: PoseArray, maxGap: number, selection: Omit<PointSelection, 'range'> = {}): { pose: PoseArray; filled: number } {
  const out = copy(pose);
  let filled = 0;
  const individuals = selection.individuals ?? pose.individuals.map((_, i) => i);
  const bodyparts = selection.bodyparts ?? pose.bodyparts.map((_, k) => k);
  individuals.forEach((i) => checkIndividual(pose, i));
  const seen = (f: number, i: number, k: number) => {
    const o = at(pose, f, i) + 3 * k;
    return Number.isFinite(pose.data[o]) && Number.isFinite(pose.data[o + 1]);
  };
  for (const i of individuals) {
    for (const k of bodyparts) {
      let last = -1;
      for (let f = 0; f < pose.frames; f++) {
        if (!seen(f, i, k)) continue;
        const gap = f - last - 1;
        if (last >= 0 && gap > 0 && gap <= maxGap) {
          const o0 = at(pose, last, i) + 3 * k;
          const o1 = at(pose, f, i) + 3 * k;
          for (let g = last + 1; g < f; g++) {
            const t = (g - last) / (f - last);
            const o = at(out, g, i) + 3 * k;
            out.data[o] = pose.data[o0] + t * (pose.data[o1] - pose.data[o0]);
            out.data[o + 1] = pose.data[o0 + 1] + t * (pose.data[o1 + 1] - pose.data[o0 + 1]);
            out.data[o + 2] = INTERPOLATED_LIKELIHOOD;
            filled += 1;
          }
        }
        last = f;
      }
    }
  }
  return { pose: out, filled };
}

/**
 * Removes short tracklets: for each individual and body part, every run of consecutive frames in which the part
 * is seen that is shorter than `minTrackletLength` frames is deleted (a blip of a few frames is more likely a
 * false detection than an animal). Returns the new array and how many points were removed.
 */
export function removeShortTracklets(pose: PoseArray, minTrackletLength: number): { pose: PoseArray; removed: number } {
  const out = copy(pose);
  let removed = 0;
  const K = pose.bodyparts.length;
  for (let i = 0; i < pose.individuals.length; i++) {
    for (let k = 0; k < K; k++) {
      let runStart = -1;
      for (let f = 0; f <= pose.frames; f++) {
        const o = f < pose.frames ? at(pose, f, i) + 3 * k : -1;
        const seen = o >= 0 && Number.isFinite(pose.data[o]) && Number.isFinite(pose.data[o + 1]);
        if (seen && runStart < 0) runStart = f;
        if (!seen && runStart >= 0) {
          if (f - runStart < minTrackletLength) {
            for (let g = runStart; g < f; g++) {
              const p = at(out, g, i) + 3 * k;
              out.data[p] = out.data[p + 1] = out.data[p + 2] = Number.NaN;
              removed += 1;
            }
          }
          runStart = -1;
        }
      }
    }
  }
  return { pose: out, removed };
}

/** Mean x, y of an individual's seen points in a frame (NaN when none). */
function centroid(pose: PoseArray, f: number, i: number): [number, number] {
  const o = at(pose, f, i);
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let k = 0; k < pose.bodyparts.length; k++) {
    const x = pose.data[o + 3 * k];
    const y = pose.data[o + 3 * k + 1];
    if (Number.isFinite(x) && Number.isFinite(y)) {
      sx += x;
      sy += y;
      n += 1;
    }
  }
  return n > 0 ? [sx / n, sy / n] : [Number.NaN, Number.NaN];
}

/**
 * True when, between frames f−1 and f, individuals a and b are better explained as having exchanged labels: the
 * crossed distances |a(f) − b(f−1)| + |b(f) − a(f−1)| are smaller than the straight ones (centroids of the seen
 * points; both individuals must be seen in both frames).
 */
export function isSwitchPoint(pose: PoseArray, f: number, a: number, b: number): boolean {
  if (f < 1 || f >= pose.frames) return false;
  const [ax0, ay0] = centroid(pose, f - 1, a);
  const [bx0, by0] = centroid(pose, f - 1, b);
  const [ax1, ay1] = centroid(pose, f, a);
  const [bx1, by1] = centroid(pose, f, b);
  const straight = Math.hypot(ax1 - ax0, ay1 - ay0) + Math.hypot(bx1 - bx0, by1 - by0);
  const crossed = Math.hypot(ax1 - bx0, ay1 - by0) + Math.hypot(bx1 - ax0, by1 - ay0);
  return Number.isFinite(straight) && Number.isFinite(crossed) && crossed < straight;
}

/**
 * Undoes short identity swaps. For each pair of individuals (a, b), a swap is a stretch of frames s..e−1 that
 * opens with a switch point at s and closes with one at e (`isSwitchPoint`), with no switch point between; when
 * it lasts fewer than `minSwapLength` frames (e − s < minSwapLength) the two individuals are exchanged back over
 * s..e−1. Longer stretches are left alone: they are more likely real crossings than label flickers. Pairs are
 * handled in order (a < b), each on the result of the previous. Returns the new array and the swaps undone.
 */
export function removeShortSwaps(pose: PoseArray, minSwapLength: number): { pose: PoseArray; swaps: Array<{ a: number; b: number; range: FrameRange }> } {
  const out = copy(pose);
  const swaps: Array<{ a: number; b: number; range: FrameRange }> = [];
  const n = pose.individuals.length;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let open = -1;
      for (let f = 1; f < out.frames; f++) {
        if (!isSwitchPoint(out, f, a, b)) continue;
        if (open >= 0 && f - open < minSwapLength) {
          for (let g = open; g < f; g++) swapFrame(out.data, out, g, a, b);
          swaps.push({ a, b, range: { start: open, end: f - 1 } });
          open = -1;
        } else {
          open = f;
        }
      }
    }
  }
  return { pose: out, swaps };
}

// -- Single points ------------------------------------------------------------------------------------------------

/**
 * Likelihood of a point moved by hand. DeepLabCut's refine GUI (`TrackletVisualizer.save_coords`) sets the
 * probability of a displaced keypoint to 1: a person put it there.
 */
export const MOVED_LIKELIHOOD = 1;

function checkPoint(pose: PoseArray, frame: number, individual: number, bodypart: number): void {
  if (!Number.isInteger(frame) || frame < 0 || frame >= pose.frames) throw new RangeError(`frame ${frame} is not one of 0..${pose.frames - 1}`);
  checkIndividual(pose, individual);
  if (!Number.isInteger(bodypart) || bodypart < 0 || bodypart >= pose.bodyparts.length) {
    throw new RangeError(`body part ${bodypart} is not one of 0..${pose.bodyparts.length - 1}`);
  }
}

/** Puts one point at (x, y) with likelihood `MOVED_LIKELIHOOD` (1, as DeepLabCut's refine GUI does). */
export function movePoint(pose: PoseArray, frame: number, individual: number, bodypart: number, x: number, y: number): PoseArray {
  checkPoint(pose, frame, individual, bodypart);
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`a point moves to finite coordinates, not (${x}, ${y})`);
  const out = copy(pose);
  const o = at(out, frame, individual) + 3 * bodypart;
  out.data[o] = x;
  out.data[o + 1] = y;
  out.data[o + 2] = MOVED_LIKELIHOOD;
  return out;
}

/** Sets one point (x, y and likelihood) to NaN, as DeepLabCut's refine GUI does when a point is removed. */
export function deletePoint(pose: PoseArray, frame: number, individual: number, bodypart: number): PoseArray {
  checkPoint(pose, frame, individual, bodypart);
  const out = copy(pose);
  const o = at(out, frame, individual) + 3 * bodypart;
  out.data[o] = out.data[o + 1] = out.data[o + 2] = Number.NaN;
  return out;
}

// -- Edits as data -------------------------------------------------------------------------------------------------

/** A tracked table's arrays: the animals, and the unique body parts (the `single` individual) when there are any. */
export interface TrackedPoses {
  poses: PoseArray;
  unique?: PoseArray;
}

/**
 * One edit as plain data (indices, ranges and parameters, never the arrays), so that an editor can log it and
 * anyone can replay it on the table it started from with `applyEdit` and get the same arrays bit for bit.
 * `unique: true` addresses the unique body parts (individual 0 of `TrackedPoses.unique`).
 */
export type PoseEdit =
  | { op: 'swap'; a: number; b: number; range: FrameRange }
  /** `individuals` absent: all of them; `unique`: the unique body parts too. */
  | { op: 'delete-range'; range: FrameRange; individuals?: number[]; unique?: boolean }
  | { op: 'fill-gaps'; maxGap: number }
  | { op: 'short-swaps'; minSwapLength: number }
  | { op: 'short-tracklets'; minTrackletLength: number }
  | { op: 'move-point'; frame: number; individual: number; bodypart: number; x: number; y: number; unique?: boolean }
  | { op: 'delete-point'; frame: number; individual: number; bodypart: number; unique?: boolean };

function uniqueOf(table: TrackedPoses): PoseArray {
  if (!table.unique) throw new RangeError('this table has no unique body parts');
  return table.unique;
}

/**
 * Applies one edit. Arrays the edit leaves alone are returned as they were (same object); `changed` counts the
 * points (or, for `short-swaps`, the swaps) it changed, 0 when it did nothing. Fill gaps and short tracklets treat
 * the unique body parts' trajectories as the animals'; swaps only concern animals.
 */
export function applyEdit(table: TrackedPoses, edit: PoseEdit): { table: TrackedPoses; changed: number } {
  const { poses, unique } = table;
  const withUnique = (p: PoseArray, u: PoseArray | undefined) => ({ poses: p, ...(u ? { unique: u } : {}) });
  switch (edit.op) {
    case 'swap':
      return { table: withUnique(swapIndividuals(poses, edit.a, edit.b, edit.range), unique), changed: edit.a === edit.b ? 0 : 1 };
    case 'delete-range': {
      const p = edit.individuals && edit.individuals.length === 0 ? poses : deletePoints(poses, { range: edit.range, ...(edit.individuals ? { individuals: edit.individuals } : {}) });
      const u = edit.unique ? deletePoints(uniqueOf(table), { range: edit.range }) : unique;
      return { table: withUnique(p, u), changed: 1 };
    }
    case 'fill-gaps': {
      const a = fillGaps(poses, edit.maxGap);
      const b = unique ? fillGaps(unique, edit.maxGap) : undefined;
      return { table: withUnique(a.filled ? a.pose : poses, b && b.filled ? b.pose : unique), changed: a.filled + (b?.filled ?? 0) };
    }
    case 'short-swaps': {
      const r = removeShortSwaps(poses, edit.minSwapLength);
      return { table: withUnique(r.swaps.length ? r.pose : poses, unique), changed: r.swaps.length };
    }
    case 'short-tracklets': {
      const a = removeShortTracklets(poses, edit.minTrackletLength);
      const b = unique ? removeShortTracklets(unique, edit.minTrackletLength) : undefined;
      return { table: withUnique(a.removed ? a.pose : poses, b && b.removed ? b.pose : unique), changed: a.removed + (b?.removed ?? 0) };
    }
    case 'move-point':
      return edit.unique
        ? { table: withUnique(poses, movePoint(uniqueOf(table), edit.frame, edit.individual, edit.bodypart, edit.x, edit.y)), changed: 1 }
        : { table: withUnique(movePoint(poses, edit.frame, edit.individual, edit.bodypart, edit.x, edit.y), unique), changed: 1 };
    case 'delete-point':
      return edit.unique
        ? { table: withUnique(poses, deletePoint(uniqueOf(table), edit.frame, edit.individual, edit.bodypart)), changed: 1 }
        : { table: withUnique(deletePoint(poses, edit.frame, edit.individual, edit.bodypart), unique), changed: 1 };
  }
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function parseRange(v: unknown): FrameRange | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { start, end } = v as Record<string, unknown>;
  return isIndex(start) && isIndex(end) && start <= end ? { start, end } : undefined;
}

/** Checks an edit that crossed a boundary (a webview message, a saved state): a well-formed copy, or undefined. */
export function parsePoseEdit(value: unknown): PoseEdit | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const unique = v.unique === true ? { unique: true as const } : {};
  switch (v.op) {
    case 'swap': {
      const range = parseRange(v.range);
      return range && isIndex(v.a) && isIndex(v.b) ? { op: 'swap', a: v.a, b: v.b, range } : undefined;
    }
    case 'delete-range': {
      const range = parseRange(v.range);
      if (!range) return undefined;
      if (v.individuals !== undefined && !(Array.isArray(v.individuals) && v.individuals.every(isIndex))) return undefined;
      return { op: 'delete-range', range, ...(Array.isArray(v.individuals) ? { individuals: [...(v.individuals as number[])] } : {}), ...unique };
    }
    case 'fill-gaps':
      return isCount(v.maxGap) ? { op: 'fill-gaps', maxGap: v.maxGap } : undefined;
    case 'short-swaps':
      return isCount(v.minSwapLength) ? { op: 'short-swaps', minSwapLength: v.minSwapLength } : undefined;
    case 'short-tracklets':
      return isCount(v.minTrackletLength) ? { op: 'short-tracklets', minTrackletLength: v.minTrackletLength } : undefined;
    case 'move-point':
      if (!isIndex(v.frame) || !isIndex(v.individual) || !isIndex(v.bodypart)) return undefined;
      if (typeof v.x !== 'number' || typeof v.y !== 'number' || !Number.isFinite(v.x) || !Number.isFinite(v.y)) return undefined;
      return { op: 'move-point', frame: v.frame, individual: v.individual, bodypart: v.bodypart, x: v.x, y: v.y, ...unique };
    case 'delete-point':
      if (!isIndex(v.frame) || !isIndex(v.individual) || !isIndex(v.bodypart)) return undefined;
      return { op: 'delete-point', frame: v.frame, individual: v.individual, bodypart: v.bodypart, ...unique };
    default:
      return undefined;
  }
}
