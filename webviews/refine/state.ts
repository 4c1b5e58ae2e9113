// The refinement panel's state: pure (no DOM), so tests import it. Every edit is a `PoseEdit` (plain data: op,
// range, indices) applied by src-core/stitch/edit.ts's `applyEdit`, which returns new arrays; undo/redo keep the
// previous arrays by reference, so undoing an edit restores exactly the table before it. The edits are also kept
// as a history (`RefineHistory`: applied, undone, saved) that the panel posts to the host and keeps in its webview
// state, so the host (and a reloaded panel) can replay them on the table as opened and get the same arrays.
import type { PoseArray } from '../../src-core/common/pose';
import { applyEdit, type FrameRange, type PoseEdit, type TrackedPoses } from '../../src-core/stitch/edit';
import {
  decodeFloat32,
  emptyHistory,
  encodeFloat32,
  unsavedEditCount,
  type RefineConfig,
  type RefineEditEntry,
  type RefineHistory,
  type RefinePanelToHost,
  type WirePoses,
} from '../shared/messages';

export type { FrameRange };

/** Undo steps kept (each is one PoseArray: a 10,000-frame, 4-animal, 8-part table is ~3.8 MB). */
export const UNDO_LIMIT = 50;

/** The colour of the unique body parts when the config names none. */
export const DEFAULT_UNIQUE_COLOR = '#ff4dff';

/** The name of the unique body parts' "individual" (DeepLabCut's `single`). */
export const UNIQUE = 'single';

/** A point on the frame: an individual's body part, or (`unique`) a unique body part (individual 0 of `unique`). */
export interface PointRef {
  individual: number;
  bodypart: number;
  unique?: boolean;
}

export interface RefineState {
  poses: PoseArray;
  /** The unique body parts (individuals `['single']`), when the table has any. */
  unique?: PoseArray;
  /** The table as opened: what the history's edits apply to. */
  opened: TrackedPoses;
  frame: number;
  /** The selected frame range (inclusive), if any. */
  range?: FrameRange;
  /** Where a range selection started (the other end follows the cursor). */
  anchor?: number;
  /** The two individuals a swap exchanges. */
  a: number;
  b: number;
  /** The point Delete removes (cleared when the frame changes). */
  selected?: PointRef;
  /** The tables before each of the last `UNDO_LIMIT` applied edits, oldest first. */
  past: TrackedPoses[];
  /** The tables after each undone edit, next first. */
  future: TrackedPoses[];
  /** The edits (applied, undone, saved): dirty is "the saved edits are not the applied ones". */
  history: RefineHistory;
  /** The id the next edit gets. */
  nextId: number;
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

export function createState(poses: PoseArray, config: RefineConfig, frame = 0, unique?: PoseArray): RefineState {
  const u = unique && unique.frames === poses.frames && unique.bodyparts.length > 0 ? unique : undefined;
  return {
    poses,
    ...(u ? { unique: u } : {}),
    opened: { poses, ...(u ? { unique: u } : {}) },
    frame: clampFrame(poses, frame),
    a: 0,
    b: Math.min(1, Math.max(0, poses.individuals.length - 1)),
    past: [],
    future: [],
    history: emptyHistory(),
    nextId: 1,
    config,
  };
}

export const isDirty = (s: RefineState) => unsavedEditCount(s.history) > 0;

const tableOf = (s: RefineState): TrackedPoses => ({ poses: s.poses, ...(s.unique ? { unique: s.unique } : {}) });

/**
 * The state of a reopened panel: the `history`'s edits replayed over the table as opened (applied ones, then the
 * undone ones undone again, so undo and redo work as before), with its saved state. A history that does not fit
 * the table (an index out of range) leaves the table as opened, with a note saying why.
 */
export function restoreHistory(s: RefineState, history: RefineHistory | undefined): RefineState {
  if (!history || (history.applied.length === 0 && history.undone.length === 0 && history.saved !== null && history.saved.length === 0)) return s;
  try {
    let r = s;
    for (const entry of [...history.applied, ...history.undone]) {
      const done = commitEntry(r, entry);
      if (!done) throw new Error(`edit ${entry.id} (${entry.edit.op}) changes nothing`);
      r = done.next;
    }
    for (let i = 0; i < history.undone.length; i++) r = undo(r);
    const ids = [...history.applied, ...history.undone].map((e) => e.id);
    return { ...r, history: { ...r.history, saved: history.saved === null ? null : [...history.saved] }, nextId: Math.max(s.nextId, ...ids.map((id) => id + 1)), note: `${history.applied.length} edit(s) restored` };
  } catch (error) {
    return { ...s, note: `could not restore the unsaved edits: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function clampFrame(poses: PoseArray, frame: number): number {
  return Math.max(0, Math.min(poses.frames - 1, Math.round(frame)));
}

export function gotoFrame(s: RefineState, frame: number): RefineState {
  const f = clampFrame(s.poses, frame);
  if (f === s.frame && s.anchor === undefined) return s;
  return { ...s, frame: f, ...(f !== s.frame ? { selected: undefined } : {}), ...(s.anchor !== undefined ? { range: ordered(s.anchor, f) } : {}) };
}

function ordered(x: number, y: number): FrameRange {
  return { start: Math.min(x, y), end: Math.max(x, y) };
}

/** Starts a range selection at `frame` (the cursor goes there too); `extendRange` / `gotoFrame` move its other end. */
export function beginRange(s: RefineState, frame: number): RefineState {
  const f = clampFrame(s.poses, frame);
  return { ...s, frame: f, anchor: f, range: { start: f, end: f }, ...(f !== s.frame ? { selected: undefined } : {}) };
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

/** Applies an entry as a new undo step (the redo stack is dropped); undefined when it changes nothing. */
function commitEntry(s: RefineState, entry: RefineEditEntry): { next: RefineState; changed: number } | undefined {
  const { table, changed } = applyEdit(tableOf(s), entry.edit);
  if (changed === 0) return undefined;
  const history: RefineHistory = { applied: [...s.history.applied, entry], undone: [], saved: s.history.saved };
  const next: RefineState = {
    ...s,
    poses: table.poses,
    ...(table.unique ? { unique: table.unique } : {}),
    past: [...s.past, tableOf(s)].slice(-UNDO_LIMIT),
    future: [],
    history,
    nextId: Math.max(s.nextId, entry.id + 1),
  };
  return { next, changed };
}

/** One edit: a new undo step and history entry with the note `noteOf(changed)`, or just `emptyNote` when it changes nothing. */
function edit(s: RefineState, e: PoseEdit, noteOf: (changed: number) => string, emptyNote = 'nothing changed'): RefineState {
  const done = commitEntry(s, { id: s.nextId, edit: e });
  if (!done) return { ...s, note: emptyNote };
  return { ...done.next, note: noteOf(done.changed) };
}

const describeRange = (r: FrameRange) => (r.start === r.end ? `frame ${r.start}` : `frames ${r.start}–${r.end}`);

/** Swaps individuals a and b over the selected range (`toEnd`: from the current frame to the last). */
export function swap(s: RefineState, toEnd = false): RefineState {
  if (s.a === s.b) return { ...s, note: 'pick two different individuals to swap' };
  const range = toEnd ? { start: s.frame, end: s.poses.frames - 1 } : s.range;
  if (!range) return { ...s, note: 'select a frame range first (Shift+drag on the timeline, or [ and ])' };
  const names = s.poses.individuals;
  return edit(s, { op: 'swap', a: s.a, b: s.b, range }, () => `swapped ${names[s.a]} and ${names[s.b]} over ${describeRange(range)}`);
}

/**
 * Deletes every point of the given individuals over the selected range. Default: everyone, the unique body parts
 * included; `unique` says whether the unique body parts go too when individuals are given (`[]` with `unique`:
 * only them).
 */
export function deleteRange(s: RefineState, individuals?: number[], unique = individuals === undefined): RefineState {
  if (!s.range) return { ...s, note: 'select a frame range first' };
  const range = s.range;
  const withUnique = unique && s.unique !== undefined;
  if (individuals && individuals.length === 0 && !withUnique) return s;
  const names = [...(individuals ? individuals.map((i) => s.poses.individuals[i]) : ['all individuals']), ...(withUnique && individuals ? ['the unique body parts'] : [])];
  return edit(s, { op: 'delete-range', range, ...(individuals ? { individuals: [...individuals] } : {}), ...(withUnique ? { unique: true } : {}) }, () => `deleted ${names.join(', ')} over ${describeRange(range)}`);
}

/** The point's [x, y] in the current frame, or undefined when it is missing. */
export function pointAt(s: RefineState, ref: PointRef): [number, number] | undefined {
  const pose = ref.unique ? s.unique : s.poses;
  if (!pose || ref.individual < 0 || ref.individual >= pose.individuals.length || ref.bodypart < 0 || ref.bodypart >= pose.bodyparts.length) return undefined;
  const o = ((s.frame * pose.individuals.length + ref.individual) * pose.bodyparts.length + ref.bodypart) * 3;
  const x = pose.data[o];
  const y = pose.data[o + 1];
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : undefined;
}

export function describePoint(s: RefineState, ref: PointRef): string {
  return ref.unique ? `${UNIQUE} ${s.unique?.bodyparts[ref.bodypart] ?? '?'}` : `${s.poses.individuals[ref.individual] ?? '?'} ${s.poses.bodyparts[ref.bodypart] ?? '?'}`;
}

/** Selects a shown point of the current frame (undefined: none). */
export function selectPoint(s: RefineState, ref: PointRef | undefined): RefineState {
  if (!ref) return s.selected ? { ...s, selected: undefined } : s;
  if (!pointAt(s, ref)) return s;
  const same = s.selected && s.selected.individual === ref.individual && s.selected.bodypart === ref.bodypart && !!s.selected.unique === !!ref.unique;
  return same ? s : { ...s, selected: { individual: ref.individual, bodypart: ref.bodypart, ...(ref.unique ? { unique: true } : {}) } };
}

/**
 * Moves a point of the current frame to (x, y) (one drag = one undo step), clamped into the picture when its size
 * is given; its likelihood becomes 1, as in DeepLabCut's refine GUI. The point becomes the selected one.
 */
export function movePoint(s: RefineState, ref: PointRef, x: number, y: number, width = 0, height = 0): RefineState {
  if (!pointAt(s, ref) || !Number.isFinite(x) || !Number.isFinite(y)) return s;
  const cx = width > 0 ? Math.min(width, Math.max(0, x)) : x;
  const cy = height > 0 ? Math.min(height, Math.max(0, y)) : y;
  const moved = edit(s, { op: 'move-point', frame: s.frame, individual: ref.individual, bodypart: ref.bodypart, x: cx, y: cy, ...(ref.unique ? { unique: true } : {}) }, () => `moved ${describePoint(s, ref)} to (${cx.toFixed(1)}, ${cy.toFixed(1)}) in frame ${s.frame}`);
  return selectPoint(moved, ref);
}

/** Removes a point of the current frame (x, y and likelihood NaN); the selected one by default. */
export function deletePoint(s: RefineState, ref: PointRef | undefined = s.selected): RefineState {
  if (!ref) return { ...s, note: 'click a point to select it first' };
  if (!pointAt(s, ref)) return { ...s, selected: undefined };
  const next = edit(s, { op: 'delete-point', frame: s.frame, individual: ref.individual, bodypart: ref.bodypart, ...(ref.unique ? { unique: true } : {}) }, () => `deleted ${describePoint(s, ref)} in frame ${s.frame}`);
  return { ...next, selected: undefined };
}

/** The jump threshold (pixels) the timeline flags frames by. */
export function setJumpThreshold(s: RefineState, pixels: number): RefineState {
  if (!(pixels > 0) || pixels === s.config.jumpThreshold) return s;
  return { ...s, config: { ...s.config, jumpThreshold: pixels } };
}

export function fill(s: RefineState, maxGap: number): RefineState {
  if (!(maxGap >= 1)) return { ...s, note: 'max gap must be at least 1 frame' };
  const gap = Math.floor(maxGap);
  return edit(s, { op: 'fill-gaps', maxGap: gap }, (n) => `filled ${n} points in gaps of ≤ ${gap} frames (likelihood 0.01)`, `no gaps of at most ${gap} frames to fill`);
}

export function dropShortSwaps(s: RefineState, minSwapLength: number): RefineState {
  const min = Math.floor(minSwapLength);
  return edit(s, { op: 'short-swaps', minSwapLength: min }, (n) => `undid ${n} swap(s) shorter than ${min} frames`, `no swaps shorter than ${min} frames`);
}

export function dropShortTracklets(s: RefineState, minTrackletLength: number): RefineState {
  const min = Math.floor(minTrackletLength);
  return edit(s, { op: 'short-tracklets', minTrackletLength: min }, (n) => `removed ${n} points in tracklets shorter than ${min} frames`, `no tracklets shorter than ${min} frames`);
}

export function undo(s: RefineState): RefineState {
  const previous = s.past[s.past.length - 1];
  const entry = s.history.applied[s.history.applied.length - 1];
  if (!previous || !entry) return s;
  return {
    ...s,
    poses: previous.poses,
    ...(previous.unique ? { unique: previous.unique } : {}),
    past: s.past.slice(0, -1),
    future: [tableOf(s), ...s.future],
    history: { applied: s.history.applied.slice(0, -1), undone: [entry, ...s.history.undone], saved: s.history.saved },
    selected: undefined,
    note: 'undone',
  };
}

export function redo(s: RefineState): RefineState {
  const next = s.future[0];
  const entry = s.history.undone[0];
  if (!next || !entry) return s;
  return {
    ...s,
    poses: next.poses,
    ...(next.unique ? { unique: next.unique } : {}),
    past: [...s.past, tableOf(s)].slice(-UNDO_LIMIT),
    future: s.future.slice(1),
    history: { applied: [...s.history.applied, entry], undone: s.history.undone.slice(1), saved: s.history.saved },
    selected: undefined,
    note: 'redone',
  };
}

/** The ids of the applied edits: what a save now stands for (`markSaved` once the host says it is written). */
export const savePoint = (s: RefineState): number[] => s.history.applied.map((e) => e.id);

/** After the host saved the table of `savePoint` `ids`: that is the clean state now. */
export function markSaved(s: RefineState, ids: number[]): RefineState {
  return { ...s, history: { ...s.history, saved: [...ids] } };
}

const sameIds = (a: RefineEditEntry[], b: RefineEditEntry[], n = Math.max(a.length, b.length)) => {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i].id !== b[i].id) return false;
  return true;
};

/**
 * The messages that tell the host how the history went from `prev` to `next`: one `refine-edit`, `refine-undo` or
 * `refine-redo` for a single step, nothing when only the saved state moved (the host saw the save), the whole
 * `refine-history` otherwise (the first time, a restore, or several steps at once).
 */
export function historyMessages(prev: RefineHistory | undefined, next: RefineHistory): RefinePanelToHost[] {
  if (prev === next) return [];
  if (prev) {
    const pa = prev.applied;
    const na = next.applied;
    if (sameIds(pa, na) && sameIds(prev.undone, next.undone)) return [];
    if (na.length === pa.length - 1 && sameIds(pa, na, na.length) && next.undone.length === prev.undone.length + 1 && next.undone[0].id === pa[pa.length - 1].id && sameIds(prev.undone, next.undone.slice(1))) {
      return [{ type: 'refine-undo' }];
    }
    if (na.length === pa.length + 1 && sameIds(pa, na, pa.length) && prev.undone.length === next.undone.length + 1 && prev.undone[0].id === na[na.length - 1].id && sameIds(prev.undone.slice(1), next.undone)) {
      return [{ type: 'refine-redo' }];
    }
    if (na.length === pa.length + 1 && next.undone.length === 0 && sameIds(pa, na, pa.length)) return [{ type: 'refine-edit', entry: na[na.length - 1] }];
  }
  return [{ type: 'refine-history', history: next }];
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

/**
 * One pass over the table: presence, mean likelihood and jumps per individual and frame; with `unique`, one more
 * lane after the individuals' for the unique body parts (never flagged: they are landmarks, not an animal).
 */
export function summarize(poses: PoseArray, jumpThreshold: number, unique?: PoseArray): TimelineSummary {
  const animals = summarizeLanes(poses, jumpThreshold);
  if (!unique || unique.frames !== poses.frames) return animals;
  const extra = summarizeLanes(unique, Number.POSITIVE_INFINITY);
  const join = <T extends Float32Array | Uint8Array>(a: T, b: T, make: (n: number) => T): T => {
    const out = make(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  return {
    frames: animals.frames,
    individuals: animals.individuals + extra.individuals,
    presence: join(animals.presence, extra.presence, (n) => new Float32Array(n)),
    likelihood: join(animals.likelihood, extra.likelihood, (n) => new Float32Array(n)),
    jump: join(animals.jump, extra.jump, (n) => new Uint8Array(n)),
    flagged: animals.flagged,
  };
}

function summarizeLanes(poses: PoseArray, jumpThreshold: number): TimelineSummary {
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
