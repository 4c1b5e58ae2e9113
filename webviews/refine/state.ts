// The refinement panel's state: pure (no DOM), so tests import it. Edits are src-core/stitch/edit.ts's pure
// functions on the PoseArray; each returns a new array, so undo/redo keep the previous arrays by reference and
// undoing an edit restores exactly the table before it.
import type { PoseArray } from '../../src-core/common/pose';
import { deletePoints, fillGaps, removeShortSwaps, removeShortTracklets, swapIndividuals, type FrameRange } from '../../src-core/stitch/edit';
import { decodeFloat32, encodeFloat32, type RefineConfig, type WirePoses } from '../shared/messages';

export type { FrameRange };

/** Undo steps kept (each is one PoseArray: a 10,000-frame, 4-animal, 8-part table is ~3.8 MB). */
export const UNDO_LIMIT = 50;

export interface RefineState {
  poses: PoseArray;
  /** The poses as last saved (or opened): dirty is `poses !== saved`, so undoing back to it is clean again. */
  saved: PoseArray;
  frame: number;
  /** The selected frame range (inclusive), if any. */
  range?: FrameRange;
  /** Where a range selection started (the other end follows the cursor). */
  anchor?: number;
  /** The two individuals a swap exchanges. */
  a: number;
  b: number;
  past: PoseArray[];
  future: PoseArray[];
  /** What the last edit did, for the status line. */
  note?: string;
  config: RefineConfig;
}

export function posesFromWire(wire: WirePoses): PoseArray {
  const data = decodeFloat32(wire.data);
  const expected = wire.frames * wire.individuals.length * wire.bodyparts.length * 3;
  if (data.length !== expected) throw new Error(`pose data holds ${data.length} values, expected ${expected}`);
  return { frames: wire.frames, individuals: [...wire.individuals], bodyparts: [...wire.bodyparts], data };
}

export function posesToWire(poses: PoseArray): WirePoses {
  return { frames: poses.frames, individuals: [...poses.individuals], bodyparts: [...poses.bodyparts], data: encodeFloat32(poses.data) };
}

export function createState(poses: PoseArray, config: RefineConfig, frame = 0): RefineState {
  return { poses, saved: poses, frame: clampFrame(poses, frame), a: 0, b: Math.min(1, Math.max(0, poses.individuals.length - 1)), past: [], future: [], config };
}

export const isDirty = (s: RefineState) => s.poses !== s.saved;

/**
 * The state of a reopened panel: `unsaved` edits (from the webview state) over the table as opened, when they have
 * its shape; one undo step leads back to the table.
 */
export function restoreUnsaved(s: RefineState, unsaved: PoseArray | undefined): RefineState {
  const o = s.saved;
  if (!unsaved || unsaved.frames !== o.frames || unsaved.data.length !== o.data.length) return s;
  if (unsaved.individuals.join('\u0000') !== o.individuals.join('\u0000') || unsaved.bodyparts.join('\u0000') !== o.bodyparts.join('\u0000')) return s;
  return { ...s, poses: unsaved, past: [o], future: [], note: 'unsaved edits restored' };
}

function clampFrame(poses: PoseArray, frame: number): number {
  return Math.max(0, Math.min(poses.frames - 1, Math.round(frame)));
}

export function gotoFrame(s: RefineState, frame: number): RefineState {
  const f = clampFrame(s.poses, frame);
  if (f === s.frame && s.anchor === undefined) return s;
  return { ...s, frame: f, ...(s.anchor !== undefined ? { range: ordered(s.anchor, f) } : {}) };
}

function ordered(x: number, y: number): FrameRange {
  return { start: Math.min(x, y), end: Math.max(x, y) };
}

/** Starts a range selection at `frame` (the cursor goes there too); `extendRange` / `gotoFrame` move its other end. */
export function beginRange(s: RefineState, frame: number): RefineState {
  const f = clampFrame(s.poses, frame);
  return { ...s, frame: f, anchor: f, range: { start: f, end: f } };
}

export function endRange(s: RefineState): RefineState {
  return s.anchor === undefined ? s : { ...s, anchor: undefined };
}

export function setRange(s: RefineState, range: FrameRange | undefined): RefineState {
  if (!range) return { ...s, range: undefined, anchor: undefined };
  return { ...s, range: ordered(clampFrame(s.poses, range.start), clampFrame(s.poses, range.end)), anchor: undefined };
}

/** `[` and `]`: the range's start or end at the current frame. */
export function markStart(s: RefineState): RefineState {
  return setRange(s, { start: s.frame, end: s.range ? Math.max(s.range.end, s.frame) : s.frame });
}
export function markEnd(s: RefineState): RefineState {
  return setRange(s, { start: s.range ? Math.min(s.range.start, s.frame) : s.frame, end: s.frame });
}

export function selectPair(s: RefineState, a: number, b: number): RefineState {
  const n = s.poses.individuals.length;
  const ok = (i: number) => Number.isInteger(i) && i >= 0 && i < n;
  return ok(a) && ok(b) ? { ...s, a, b } : s;
}

function apply(s: RefineState, next: PoseArray, note: string): RefineState {
  return { ...s, poses: next, past: [...s.past, s.poses].slice(-UNDO_LIMIT), future: [], note };
}

const describeRange = (r: FrameRange) => (r.start === r.end ? `frame ${r.start}` : `frames ${r.start}–${r.end}`);

/** Swaps individuals a and b over the selected range (`toEnd`: from the current frame to the last). */
export function swap(s: RefineState, toEnd = false): RefineState {
  if (s.a === s.b) return { ...s, note: 'pick two different individuals to swap' };
  const range = toEnd ? { start: s.frame, end: s.poses.frames - 1 } : s.range;
  if (!range) return { ...s, note: 'select a frame range first (Shift+drag on the timeline, or [ and ])' };
  const names = s.poses.individuals;
  return apply(s, swapIndividuals(s.poses, s.a, s.b, range), `swapped ${names[s.a]} and ${names[s.b]} over ${describeRange(range)}`);
}

/** Deletes every point of the given individuals (default: all) over the selected range. */
export function deleteRange(s: RefineState, individuals?: number[]): RefineState {
  if (!s.range) return { ...s, note: 'select a frame range first' };
  const who = individuals ? individuals.map((i) => s.poses.individuals[i]).join(', ') : 'all individuals';
  return apply(s, deletePoints(s.poses, { range: s.range, ...(individuals ? { individuals } : {}) }), `deleted ${who} over ${describeRange(s.range)}`);
}

/** The jump threshold (pixels) the timeline flags frames by. */
export function setJumpThreshold(s: RefineState, pixels: number): RefineState {
  if (!(pixels > 0) || pixels === s.config.jumpThreshold) return s;
  return { ...s, config: { ...s.config, jumpThreshold: pixels } };
}

export function fill(s: RefineState, maxGap: number): RefineState {
  if (!(maxGap >= 1)) return { ...s, note: 'max gap must be at least 1 frame' };
  const { pose, filled } = fillGaps(s.poses, Math.floor(maxGap));
  if (filled === 0) return { ...s, note: `no gaps of at most ${Math.floor(maxGap)} frames to fill` };
  return apply(s, pose, `filled ${filled} points in gaps of ≤ ${Math.floor(maxGap)} frames (likelihood 0.01)`);
}

export function dropShortSwaps(s: RefineState, minSwapLength: number): RefineState {
  const { pose, swaps } = removeShortSwaps(s.poses, Math.floor(minSwapLength));
  if (swaps.length === 0) return { ...s, note: `no swaps shorter than ${Math.floor(minSwapLength)} frames` };
  return apply(s, pose, `undid ${swaps.length} swap(s) shorter than ${Math.floor(minSwapLength)} frames`);
}

export function dropShortTracklets(s: RefineState, minTrackletLength: number): RefineState {
  const { pose, removed } = removeShortTracklets(s.poses, Math.floor(minTrackletLength));
  if (removed === 0) return { ...s, note: `no tracklets shorter than ${Math.floor(minTrackletLength)} frames` };
  return apply(s, pose, `removed ${removed} points in tracklets shorter than ${Math.floor(minTrackletLength)} frames`);
}

export function undo(s: RefineState): RefineState {
  const previous = s.past[s.past.length - 1];
  if (!previous) return s;
  return { ...s, poses: previous, past: s.past.slice(0, -1), future: [s.poses, ...s.future], note: 'undone' };
}

export function redo(s: RefineState): RefineState {
  const next = s.future[0];
  if (!next) return s;
  return { ...s, poses: next, past: [...s.past, s.poses], future: s.future.slice(1), note: 'redone' };
}

/** After the host saved `poses`: they are the clean state now. */
export function markSaved(s: RefineState, poses: PoseArray): RefineState {
  return { ...s, saved: poses };
}

// -- What the timeline draws ---------------------------------------------------------------------------------------

export interface TimelineSummary {
  frames: number;
  individuals: number;
  /** [individual × frames]: the fraction of body parts seen (0 when absent). */
  presence: Float32Array;
  /** [individual × frames]: mean likelihood of the seen body parts (NaN when absent). */
  likelihood: Float32Array;
  /** [individual × frames]: 1 where the individual's centroid jumped more than the threshold since the previous frame it was seen in (within 1 frame). */
  jump: Uint8Array;
  /** Frames where any individual jumped, in order. */
  flagged: number[];
}

/** One pass over the table: presence, mean likelihood and jumps per individual and frame. */
export function summarize(poses: PoseArray, jumpThreshold: number): TimelineSummary {
  const F = poses.frames;
  const N = poses.individuals.length;
  const K = poses.bodyparts.length;
  const d = poses.data;
  const presence = new Float32Array(N * F);
  const likelihood = new Float32Array(N * F).fill(Number.NaN);
  const jump = new Uint8Array(N * F);
  const any = new Uint8Array(F);
  const cx = new Float64Array(N).fill(Number.NaN);
  const cy = new Float64Array(N).fill(Number.NaN);
  const limit2 = jumpThreshold * jumpThreshold;
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < N; i++) {
      let o = (f * N + i) * K * 3;
      let seen = 0;
      let sumL = 0;
      let sx = 0;
      let sy = 0;
      for (let k = 0; k < K; k++, o += 3) {
        const x = d[o];
        const y = d[o + 1];
        if (x === x && y === y) {
          seen += 1;
          sx += x;
          sy += y;
          const l = d[o + 2];
          sumL += l === l ? l : 0;
        }
      }
      const at = i * F + f;
      if (seen > 0) {
        presence[at] = seen / K;
        likelihood[at] = sumL / seen;
        const x = sx / seen;
        const y = sy / seen;
        const px = cx[i];
        const py = cy[i];
        if (px === px && (x - px) * (x - px) + (y - py) * (y - py) > limit2) {
          jump[at] = 1;
          any[f] = 1;
        }
        cx[i] = x;
        cy[i] = y;
      } else {
        cx[i] = Number.NaN;
        cy[i] = Number.NaN;
      }
    }
  }
  const flagged: number[] = [];
  for (let f = 0; f < F; f++) if (any[f]) flagged.push(f);
  return { frames: F, individuals: N, presence, likelihood, jump, flagged };
}

/** The next (dir 1) or previous (dir −1) flagged frame from `frame`, or `frame` when there is none. */
export function nextFlagged(summary: TimelineSummary, frame: number, dir: 1 | -1): number {
  const list = summary.flagged;
  if (dir > 0) {
    for (const f of list) if (f > frame) return f;
  } else {
    for (let j = list.length - 1; j >= 0; j--) if (list[j] < frame) return list[j];
  }
  return frame;
}

/** The points of one frame: per individual, per body part [x, y] or undefined. */
export function framePoints(poses: PoseArray, frame: number): Array<Array<[number, number] | undefined>> {
  const N = poses.individuals.length;
  const K = poses.bodyparts.length;
  const out: Array<Array<[number, number] | undefined>> = [];
  for (let i = 0; i < N; i++) {
    const row: Array<[number, number] | undefined> = [];
    for (let k = 0; k < K; k++) {
      const o = ((frame * N + i) * K + k) * 3;
      const x = poses.data[o];
      const y = poses.data[o + 1];
      row.push(Number.isFinite(x) && Number.isFinite(y) ? [x, y] : undefined);
    }
    out.push(row);
  }
  return out;
}

/**
 * Trails: per individual and body part, the polyline through the last `length` frames up to `frame` (broken where
 * the point is missing; only the run that reaches back from `frame`), as flat [x0, y0, x1, y1, …].
 */
export function trails(poses: PoseArray, frame: number, length: number): number[][][] {
  const N = poses.individuals.length;
  const K = poses.bodyparts.length;
  const out: number[][][] = [];
  for (let i = 0; i < N; i++) {
    const perPart: number[][] = [];
    for (let k = 0; k < K; k++) {
      const pts: number[] = [];
      for (let f = frame; f >= Math.max(0, frame - length); f--) {
        const o = ((f * N + i) * K + k) * 3;
        const x = poses.data[o];
        const y = poses.data[o + 1];
        if (!(Number.isFinite(x) && Number.isFinite(y))) break;
        pts.push(x, y);
      }
      perPart.push(pts);
    }
    out.push(perPart);
  }
  return out;
}
