// The labeling panel's state as pure functions (no DOM, no React): labels, selection, undo/redo.
import type { LabelingConfig, WireFrame, WireTable } from '../shared/messages';

export const UNIQUE = 'single';

/** The panel's copy of the labels: values row-major frames × columns, NaN = not labeled. */
export interface Labels {
  table: Omit<WireTable, 'values' | 'images'>;
  /** Row keys, one per frame, in frame order. */
  images: string[];
  values: number[];
  /** `${individual}\u0000${bodypart}` → column of x (y is the next one when the layout is DeepLabCut's). */
  xColumn: Map<string, number>;
  yColumn: Map<string, number>;
}

/** One cell change: the unit of undo. */
export interface CellChange {
  index: number;
  before: number;
  after: number;
}
export type Edit = CellChange[];

export interface LabelingState {
  labels: Labels;
  frames: WireFrame[];
  config: LabelingConfig;
  frame: number;
  /** Index into `animals(state)`. */
  individual: number;
  /** Index into the selected animal's body parts. */
  bodypart: number;
  undo: Edit[];
  redo: Edit[];
  dirty: boolean;
}

const key = (individual: string | undefined, bodypart: string) => `${individual ?? ''}\u0000${bodypart}`;

/** Builds the panel's labels: one row per frame (in frame order), the table's rows for other images are kept after. */
export function labelsFromWire(table: WireTable, frames: readonly WireFrame[]): Labels {
  const width = table.columns.length;
  const images = frames.map((frame) => frame.image);
  for (const image of table.images) if (!images.includes(image)) images.push(image);
  const values = new Array<number>(images.length * width).fill(Number.NaN);
  table.images.forEach((image, row) => {
    const target = images.indexOf(image);
    for (let c = 0; c < width; c++) {
      const v = table.values[row * width + c];
      values[target * width + c] = v === null || v === undefined ? Number.NaN : v;
    }
  });
  const xColumn = new Map<string, number>();
  const yColumn = new Map<string, number>();
  table.columns.forEach((column, index) => {
    const k = key(table.multiAnimal ? column.individual : undefined, column.bodypart);
    (column.coord === 'x' ? xColumn : yColumn).set(k, index);
  });
  const { values: _v, images: _i, ...rest } = table;
  return { table: rest, images, values, xColumn, yColumn };
}

/** The labels as a WireTable; rows without any label are left out unless `keepEmptyRows`. */
export function labelsToWire(labels: Labels, keepEmptyRows = false): WireTable {
  const width = labels.table.columns.length;
  const images: string[] = [];
  const values: Array<number | null> = [];
  labels.images.forEach((image, row) => {
    const cells = labels.values.slice(row * width, (row + 1) * width);
    if (!keepEmptyRows && cells.every((v) => Number.isNaN(v))) return;
    images.push(image);
    for (const v of cells) values.push(Number.isNaN(v) ? null : v);
  });
  return { ...labels.table, columns: labels.table.columns.map((c) => ({ ...c })), images, values };
}

export function createState(frames: WireFrame[], table: WireTable, config: LabelingConfig): LabelingState {
  return { labels: labelsFromWire(table, frames), frames, config, frame: 0, individual: 0, bodypart: 0, undo: [], redo: [], dirty: false };
}

/** The animals one can select: the individuals (or one unnamed animal), then `single` when there are unique parts. */
export function animals(config: LabelingConfig): Array<string | undefined> {
  const list: Array<string | undefined> = config.multiAnimal ? [...config.individuals] : [undefined];
  if (config.multiAnimal && config.uniqueBodyparts.length > 0) list.push(UNIQUE);
  return list;
}

export function partsOf(config: LabelingConfig, individual: string | undefined): string[] {
  return individual === UNIQUE ? config.uniqueBodyparts : config.bodyparts;
}

export function selectedAnimal(state: LabelingState): string | undefined {
  return animals(state.config)[state.individual];
}

export function selectedPart(state: LabelingState): string {
  return partsOf(state.config, selectedAnimal(state))[state.bodypart];
}

function cellIndex(labels: Labels, frame: number, individual: string | undefined, bodypart: string): [number, number] | undefined {
  const k = key(labels.table.multiAnimal ? individual : undefined, bodypart);
  const x = labels.xColumn.get(k);
  const y = labels.yColumn.get(k);
  if (x === undefined || y === undefined) return undefined;
  const width = labels.table.columns.length;
  return [frame * width + x, frame * width + y];
}

export function getPoint(labels: Labels, frame: number, individual: string | undefined, bodypart: string): [number, number] | undefined {
  const cells = cellIndex(labels, frame, individual, bodypart);
  if (!cells) return undefined;
  const x = labels.values[cells[0]];
  const y = labels.values[cells[1]];
  return Number.isNaN(x) || Number.isNaN(y) ? undefined : [x, y];
}

/** Every labeled point of a frame. */
export function framePoints(state: LabelingState, frame = state.frame): Array<{ individual: string | undefined; bodypart: string; x: number; y: number; color: string; animal: number; part: number }> {
  const out: ReturnType<typeof framePoints> = [];
  animals(state.config).forEach((individual, animal) => {
    const parts = partsOf(state.config, individual);
    const colors = individual === UNIQUE ? state.config.uniqueColors : state.config.bodypartColors;
    parts.forEach((bodypart, part) => {
      const p = getPoint(state.labels, frame, individual, bodypart);
      if (p) out.push({ individual, bodypart, x: p[0], y: p[1], color: colors[part] ?? '#ff0000', animal, part });
    });
  });
  return out;
}

function apply(state: LabelingState, edit: Edit, direction: 'after' | 'before'): LabelingState {
  const values = state.labels.values.slice();
  for (const change of edit) values[change.index] = change[direction];
  return { ...state, labels: { ...state.labels, values } };
}

/** Records an edit (dropping no-op cells) as one undo step. */
function commit(state: LabelingState, changes: Edit): LabelingState {
  const edit = changes.filter((c) => !Object.is(c.before, c.after) && !(Number.isNaN(c.before) && Number.isNaN(c.after)));
  if (edit.length === 0) return state;
  return { ...apply(state, edit, 'after'), undo: [...state.undo, edit], redo: [], dirty: true };
}

function setCells(state: LabelingState, frame: number, individual: string | undefined, bodypart: string, x: number, y: number): Edit {
  const cells = cellIndex(state.labels, frame, individual, bodypart);
  if (!cells) return [];
  return [
    { index: cells[0], before: state.labels.values[cells[0]], after: x },
    { index: cells[1], before: state.labels.values[cells[1]], after: y },
  ];
}

export function insideImage(x: number, y: number, width: number, height: number): boolean {
  return x >= 0 && y >= 0 && x <= width && y <= height && Number.isFinite(x) && Number.isFinite(y);
}

/**
 * Places the selected body part of the selected animal at (x, y) in image pixels, then advances to the next
 * body part. Points outside the image (width × height) are refused.
 */
export function placePoint(state: LabelingState, x: number, y: number, width: number, height: number, autoAdvance = true): LabelingState {
  if (!insideImage(x, y, width, height)) return state;
  const next = commit(state, setCells(state, state.frame, selectedAnimal(state), selectedPart(state), x, y));
  if (!autoAdvance) return next;
  const count = partsOf(state.config, selectedAnimal(state)).length;
  return { ...next, bodypart: Math.min(count - 1, state.bodypart + 1) };
}

/** Moves a point (one drag = one step); the position is clamped into the image. */
export function movePoint(state: LabelingState, individual: string | undefined, bodypart: string, x: number, y: number, width: number, height: number): LabelingState {
  const cx = Math.min(width, Math.max(0, x));
  const cy = Math.min(height, Math.max(0, y));
  return commit(state, setCells(state, state.frame, individual, bodypart, cx, cy));
}

export function removePoint(state: LabelingState, individual = selectedAnimal(state), bodypart = selectedPart(state)): LabelingState {
  return commit(state, setCells(state, state.frame, individual, bodypart, Number.NaN, Number.NaN));
}

/** Copies the previous frame's labels into this frame: the selected animal's, or every animal's with `all`. */
export function copyPrevious(state: LabelingState, all: boolean): LabelingState {
  if (state.frame === 0) return state;
  const edit: Edit = [];
  const list = all ? animals(state.config) : [selectedAnimal(state)];
  for (const individual of list) {
    for (const bodypart of partsOf(state.config, individual)) {
      const p = getPoint(state.labels, state.frame - 1, individual, bodypart);
      if (p) edit.push(...setCells(state, state.frame, individual, bodypart, p[0], p[1]));
    }
  }
  return commit(state, edit);
}

export function undo(state: LabelingState): LabelingState {
  const edit = state.undo[state.undo.length - 1];
  if (!edit) return state;
  return { ...apply(state, edit, 'before'), undo: state.undo.slice(0, -1), redo: [...state.redo, edit], dirty: true };
}

export function redo(state: LabelingState): LabelingState {
  const edit = state.redo[state.redo.length - 1];
  if (!edit) return state;
  return { ...apply(state, edit, 'after'), redo: state.redo.slice(0, -1), undo: [...state.undo, edit], dirty: true };
}

export function gotoFrame(state: LabelingState, frame: number): LabelingState {
  const clamped = Math.max(0, Math.min(state.frames.length - 1, Math.trunc(frame)));
  return clamped === state.frame || Number.isNaN(clamped) ? state : { ...state, frame: clamped, bodypart: 0 };
}

/** Labeled points of a frame, and how many there could be. */
export function frameCounts(state: LabelingState, frame: number): { labeled: number; total: number } {
  let labeled = 0;
  let total = 0;
  for (const individual of animals(state.config)) {
    for (const bodypart of partsOf(state.config, individual)) {
      total++;
      if (getPoint(state.labels, frame, individual, bodypart)) labeled++;
    }
  }
  return { labeled, total };
}

/** The next frame after the current one without any label (wrapping), or the current frame when none. */
export function nextUnlabeled(state: LabelingState): number {
  const n = state.frames.length;
  for (let step = 1; step < n; step++) {
    const frame = (state.frame + step) % n;
    if (frameCounts(state, frame).labeled === 0) return frame;
  }
  return state.frame;
}

/** % of frames × (animals × body parts) labeled. */
export function progress(state: LabelingState): number {
  let labeled = 0;
  let total = 0;
  for (let frame = 0; frame < state.frames.length; frame++) {
    const counts = frameCounts(state, frame);
    labeled += counts.labeled;
    total += counts.total;
  }
  return total === 0 ? 0 : (100 * labeled) / total;
}

/** Selects animal `index` (of `animals`); switching animals starts at the first body part. */
export function selectAnimal(state: LabelingState, index: number): LabelingState {
  if (index < 0 || index >= animals(state.config).length) return state;
  // Another animal starts at its first body part.
  return index === state.individual ? state : { ...state, individual: index, bodypart: 0 };
}

export function selectPart(state: LabelingState, index: number): LabelingState {
  const parts = partsOf(state.config, selectedAnimal(state)).length;
  return { ...state, bodypart: Math.max(0, Math.min(parts - 1, index)) };
}
