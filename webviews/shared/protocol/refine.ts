// The tracklet-refinement panel (issue 10): a tracked table `<video><scorer>_el.h5` (or `.csv`) and its video.
import { parsePoseEdit, type PoseEdit } from '../../../src-core/stitch/edit';
import { isObject } from './common';

/**
 * A PoseArray (src-core/common/pose.ts) on the wire: `data` is the Float32Array [frames, individuals, bodyparts, 3]
 * (x, y, likelihood; NaN where missing) as little-endian bytes in base64, so NaN crosses exactly and a
 * 10,000-frame table is one compact string instead of a JSON array of millions of numbers.
 */
export interface WirePoses {
  frames: number;
  individuals: string[];
  bodyparts: string[];
  data: string;
}

export interface RefineConfig {
  skeleton: Array<[string, string]>;
  /** One CSS colour per individual. */
  individualColors: string[];
  /** Marker radius in screen pixels. */
  dotsize: number;
  /** Frames of trail drawn behind every point. */
  trailLength: number;
  /** A frame is flagged when an individual's centroid moves more than this many pixels since the previous frame. */
  jumpThreshold: number;
  /** The colour of the unique body parts (the `single` individual): their markers and timeline lane. */
  uniqueColor?: string;
}

export interface RefineInitMessage {
  type: 'refine-init';
  /** The opened table (absolute), kept in the webview state so the serializer can reopen it. */
  file: string;
  /** Where Save writes (`<stem>_refined.h5` + `.csv` beside the table) and whether it exists already. */
  target: string;
  targetExists: boolean;
  video?: { path: string; width: number; height: number; fps: number };
  scorer: string;
  poses: WirePoses;
  /** The unique body parts (individuals `['single']`), when the table has any. */
  unique?: WirePoses;
  config: RefineConfig;
  /** Edits to restore over the table (a panel reopened after it was closed with unsaved edits). */
  restore?: RefineHistory;
}
/** One decoded video frame: packed RGB24 rows in base64. */
export interface RefineFrameMessage {
  type: 'refine-frame';
  index: number;
  width: number;
  height: number;
  rgb: string;
}
export interface RefineSavedMessage {
  type: 'refine-saved';
  files: string[];
}
export interface RefineErrorMessage {
  type: 'refine-error';
  message: string;
  /** True when Save was refused because the refined file exists (the panel may ask again with overwrite). */
  exists?: boolean;
  /** Set when the error is about decoding this frame's picture (the poses are still shown). */
  frame?: number;
}
export type RefineHostToPanel = RefineInitMessage | RefineFrameMessage | RefineSavedMessage | RefineErrorMessage | RefineExportedMessage;

export interface RefineReadyMessage {
  type: 'refine-ready';
}
export interface RefineFrameRequest {
  type: 'refine-get-frame';
  index: number;
}
export interface RefineSaveMessage {
  type: 'refine-save';
  poses: WirePoses;
  /** The unique body parts as edited; absent: the table's own are kept. */
  unique?: WirePoses;
  /** Replace an existing `_refined` file (never the original table). */
  overwrite: boolean;
}
export interface RefineDirtyMessage {
  type: 'refine-dirty';
  dirty: boolean;
}
/** An edit the panel just made (posted as it happens, so the host can replay the edits if the panel closes). */
export interface RefineEditMessage {
  type: 'refine-edit';
  entry: RefineEditEntry;
}
/** The panel undid its last edit / redid the last undone one. */
export interface RefineUndoMessage {
  type: 'refine-undo' | 'refine-redo';
}
/** The panel's whole edit history (after it opened or restored edits, or whenever single steps would not say it). */
export interface RefineHistoryMessage {
  type: 'refine-history';
  history: RefineHistory;
}
export type RefinePanelToHost = RefineReadyMessage | RefineFrameRequest | RefineSaveMessage | RefineDirtyMessage | RefineEditMessage | RefineUndoMessage | RefineHistoryMessage | RefineExportMessage;

/** One edit of the refinement panel with its id (ids grow; they tell saved states apart). */
export interface RefineEditEntry {
  id: number;
  edit: PoseEdit;
}

/**
 * What the panel did to the table as opened: `applied` edits in order (the table shown is the opened one with all of
 * them applied), `undone` the redo stack (next first), `saved` the ids of the applied edits when the table was last
 * saved ([] = the table as opened, null = a state that no longer can be reached by undo/redo).
 */
export interface RefineHistory {
  applied: RefineEditEntry[];
  undone: RefineEditEntry[];
  saved: number[] | null;
}

export const emptyHistory = (): RefineHistory => ({ applied: [], undone: [], saved: [] });

/** Edits between the saved state and the shown one (0: nothing unsaved). */
export function unsavedEditCount(history: RefineHistory): number {
  const saved = history.saved;
  if (saved === null) return Math.max(1, history.applied.length);
  let common = 0;
  while (common < saved.length && common < history.applied.length && saved[common] === history.applied[common].id) common++;
  return history.applied.length - common + (saved.length - common);
}

/** What the refinement webview keeps through vscode.setState. */
export interface RefinePanelState {
  file: string;
  frame?: number;
  /** The edits (not the arrays), so a reloaded panel comes back with them, undo, redo and saved state included. */
  history?: RefineHistory;
}

export const REFINE_VIEW_TYPE = 'herd.refine';

/** Checks a message from the refinement panel (the host trusts nothing that crosses the boundary). */
export function parseRefineMessage(value: unknown): RefinePanelToHost | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'refine-ready':
      return { type: 'refine-ready' };
    case 'refine-dirty':
      return typeof value.dirty === 'boolean' ? { type: 'refine-dirty', dirty: value.dirty } : undefined;
    case 'refine-get-frame':
      return typeof value.index === 'number' && Number.isInteger(value.index) && value.index >= 0 ? { type: 'refine-get-frame', index: value.index } : undefined;
    case 'refine-save': {
      const poses = parseWirePoses(value.poses);
      const unique = value.unique === undefined ? undefined : parseWirePoses(value.unique);
      if (!poses || (value.unique !== undefined && !unique)) return undefined;
      return { type: 'refine-save', poses, ...(unique ? { unique } : {}), overwrite: value.overwrite === true };
    }
    case 'refine-edit': {
      const entry = parseEditEntry(value.entry);
      return entry ? { type: 'refine-edit', entry } : undefined;
    }
    case 'refine-undo':
    case 'refine-redo':
      return { type: value.type };
    case 'refine-history': {
      const history = parseRefineHistory(value.history);
      return history ? { type: 'refine-history', history } : undefined;
    }
    case 'refine-export':
      return parseRefineExport(value);
    default:
      return undefined;
  }
}

function parseWirePoses(poses: unknown): WirePoses | undefined {
  if (!isObject(poses) || typeof poses.data !== 'string' || typeof poses.frames !== 'number' || !Number.isInteger(poses.frames) || poses.frames < 0) return undefined;
  if (!Array.isArray(poses.individuals) || !poses.individuals.every((n) => typeof n === 'string')) return undefined;
  if (!Array.isArray(poses.bodyparts) || !poses.bodyparts.every((n) => typeof n === 'string')) return undefined;
  return { frames: poses.frames, individuals: [...poses.individuals] as string[], bodyparts: [...poses.bodyparts] as string[], data: poses.data };
}

function parseEditEntry(value: unknown): RefineEditEntry | undefined {
  if (!isObject(value) || typeof value.id !== 'number' || !Number.isSafeInteger(value.id)) return undefined;
  const edit = parsePoseEdit(value.edit);
  return edit ? { id: value.id, edit } : undefined;
}

/** Checks an edit history (from a message or a webview state); undefined when any part of it is malformed. */
export function parseRefineHistory(value: unknown): RefineHistory | undefined {
  if (!isObject(value) || !Array.isArray(value.applied) || !Array.isArray(value.undone)) return undefined;
  const applied = value.applied.map(parseEditEntry);
  const undone = value.undone.map(parseEditEntry);
  if (applied.some((e) => !e) || undone.some((e) => !e)) return undefined;
  const saved = value.saved === null ? null : Array.isArray(value.saved) && value.saved.every((id) => typeof id === 'number' && Number.isSafeInteger(id)) ? [...(value.saved as number[])] : undefined;
  if (saved === undefined) return undefined;
  return { applied: applied as RefineEditEntry[], undone: undone as RefineEditEntry[], saved };
}

// -- The refinement panel's "Export edited frames to labeled-data" (DeepLabCut's export_to_training_data). -------

/**
 * Export the frames the panel's edits changed (the host replays its edit log on the table as opened) to
 * `labeled-data/<video stem>/`: PNGs, `machinelabels-iter<N>.h5` and `CollectedData_<scorer>` (src-core/outliers/export-refined.ts).
 */
export interface RefineExportMessage {
  type: 'refine-export';
  /** Keypoints with a likelihood below this are left out; default 0.1, as DeepLabCut's. */
  pcutoff?: number;
}
export interface RefineExportedMessage {
  type: 'refine-exported';
  /** The frames exported, ascending ([] when no frame differs from the table as opened). */
  frames: number[];
  /** `labeled-data/<video stem>` (absolute). */
  folder: string;
  /** The files written: new images, the machine labels (h5, csv) and CollectedData (h5, csv). */
  files: string[];
  /** Edited frames beyond the video's end, left out. */
  skipped: number[];
  /** True when the video was added to config.yaml's video_sets. */
  addedToConfig: boolean;
}

function parseRefineExport(value: Record<string, unknown>): RefineExportMessage | undefined {
  if (value.pcutoff === undefined) return { type: 'refine-export' };
  return typeof value.pcutoff === 'number' && Number.isFinite(value.pcutoff) ? { type: 'refine-export', pcutoff: value.pcutoff } : undefined;
}
