// The frame grabber's state, pure (no DOM): the scrubber's frame, the labeled-data folder's frames, the review grid's
// selection and near-duplicate groups. App.tsx keeps one GrabberState and replaces it through these functions.
import type { GrabberFrame } from '../shared/messages';

export type GrabberView = 'scrub' | 'grid';

export interface GrabberState {
  frameCount: number;
  fps: number;
  /** The scrubber's frame, 0 ≤ frame < frameCount. */
  frame: number;
  /** The folder's images, in name order. */
  frames: GrabberFrame[];
  view: GrabberView;
  /** Selected images (names), in name order. */
  selected: string[];
  /** Where a Shift+click range starts. */
  anchor?: string;
  /** Near-duplicate groups (names), for `threshold`. */
  groups: string[][];
  threshold: number;
}

export function createState(init: { frameCount: number; fps: number; frames: GrabberFrame[]; threshold: number }, saved: { frame?: number; view?: GrabberView; threshold?: number } = {}): GrabberState {
  const state: GrabberState = {
    frameCount: Math.max(0, init.frameCount),
    fps: init.fps,
    frame: 0,
    frames: [...init.frames],
    view: saved.view === 'grid' ? 'grid' : 'scrub',
    selected: [],
    groups: [],
    threshold: typeof saved.threshold === 'number' && saved.threshold >= 0 ? saved.threshold : init.threshold,
  };
  return gotoFrame(state, saved.frame ?? 0);
}

export function clampFrame(state: GrabberState, frame: number): number {
  if (!Number.isFinite(frame)) return state.frame;
  return Math.max(0, Math.min(Math.max(0, state.frameCount - 1), Math.round(frame)));
}

export function gotoFrame(state: GrabberState, frame: number): GrabberState {
  const next = clampFrame(state, frame);
  return next === state.frame ? state : { ...state, frame: next };
}

export function stepFrame(state: GrabberState, delta: number): GrabberState {
  return gotoFrame(state, state.frame + delta);
}

/** The go-to box's text as a frame (a whole number in range), or undefined. */
export function parseGoto(text: string, frameCount: number): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const frame = Number(trimmed);
  return frame < frameCount ? frame : undefined;
}

/** The time of a frame as m:ss.mmm (h:mm:ss.mmm past an hour). */
export function timeLabel(frame: number, fps: number): string {
  if (!(fps > 0)) return '';
  const ms = Math.round((frame / fps) * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = `${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** The image extracted from video frame `index`, if any. */
export function extractedAt(state: GrabberState, index: number): GrabberFrame | undefined {
  return state.frames.find((f) => f.index === index);
}

/** Frame indices that are extracted, ascending (the scrubber's marks). */
export function extractedIndices(state: GrabberState): number[] {
  return state.frames.flatMap((f) => (f.index === undefined ? [] : [f.index])).sort((a, b) => a - b);
}

/** A new list of the folder's frames (after a grab or a delete): the selection and groups keep only names still there. */
export function setFrames(state: GrabberState, frames: GrabberFrame[]): GrabberState {
  const names = new Set(frames.map((f) => f.name));
  const groups = state.groups.map((g) => g.filter((n) => names.has(n))).filter((g) => g.length > 1);
  return { ...state, frames: [...frames], selected: state.selected.filter((n) => names.has(n)), anchor: state.anchor && names.has(state.anchor) ? state.anchor : undefined, groups };
}

export function setGroups(state: GrabberState, groups: string[][], threshold: number): GrabberState {
  const names = new Set(state.frames.map((f) => f.name));
  return { ...state, threshold, groups: groups.map((g) => g.filter((n) => names.has(n))).filter((g) => g.length > 1) };
}

export function setThreshold(state: GrabberState, threshold: number): GrabberState {
  return Number.isFinite(threshold) && threshold >= 0 ? { ...state, threshold } : state;
}

/** Each grouped name's group number (0-based, in the order of `groups`). */
export function groupOf(state: GrabberState): Map<string, number> {
  const map = new Map<string, number>();
  state.groups.forEach((group, g) => group.forEach((name) => map.set(name, g)));
  return map;
}

function inNameOrder(state: GrabberState, names: Iterable<string>): string[] {
  const wanted = new Set(names);
  return state.frames.map((f) => f.name).filter((n) => wanted.has(n));
}

/**
 * A click on a thumbnail: `toggle` (Ctrl/Cmd+click) adds or removes it, `range` (Shift+click) selects from the
 * anchor to it, `only` (plain click) selects just it.
 */
export function select(state: GrabberState, name: string, mode: 'toggle' | 'range' | 'only'): GrabberState {
  const names = state.frames.map((f) => f.name);
  const at = names.indexOf(name);
  if (at < 0) return state;
  if (mode === 'toggle') {
    const selected = state.selected.includes(name) ? state.selected.filter((n) => n !== name) : inNameOrder(state, [...state.selected, name]);
    return { ...state, selected, anchor: name };
  }
  if (mode === 'range' && state.anchor !== undefined && names.includes(state.anchor)) {
    const from = names.indexOf(state.anchor);
    const [a, b] = from <= at ? [from, at] : [at, from];
    return { ...state, selected: inNameOrder(state, [...state.selected, ...names.slice(a, b + 1)]) };
  }
  return { ...state, selected: [name], anchor: name };
}

export function selectAll(state: GrabberState): GrabberState {
  return { ...state, selected: state.frames.map((f) => f.name) };
}

export function clearSelection(state: GrabberState): GrabberState {
  return state.selected.length === 0 && state.anchor === undefined ? state : { ...state, selected: [], anchor: undefined };
}

/**
 * Selects the near-duplicates to delete: every group's members but one — the first labeled member when the group
 * has one (its labels are kept), else the first by name.
 */
export function selectDuplicates(state: GrabberState): GrabberState {
  const labeled = new Set(state.frames.filter((f) => f.labeled).map((f) => f.name));
  const chosen: string[] = [];
  for (const group of state.groups) {
    const keep = group.find((n) => labeled.has(n)) ?? group[0];
    chosen.push(...group.filter((n) => n !== keep));
  }
  return { ...state, selected: inNameOrder(state, chosen), anchor: undefined };
}

/** The selected frames that carry labels (deleting them needs the user's confirmation). */
export function selectedLabeled(state: GrabberState): string[] {
  const selected = new Set(state.selected);
  return state.frames.filter((f) => f.labeled && selected.has(f.name)).map((f) => f.name);
}
