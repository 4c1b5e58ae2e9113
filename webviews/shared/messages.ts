// The ONE module of messages between the labeling webview and the extension host. Both sides import it; the
// webview never touches the disk, it asks the host, which calls src-core.
import { parsePoseEdit, type PoseEdit } from '../../src-core/stitch/edit';

/** A label column as on the wire: (individual, body part, coordinate). `single` holds the unique body parts. */
export interface WireColumn {
  individual?: string;
  bodypart: string;
  coord: 'x' | 'y';
}

/**
 * A LabelTable (src-core/labels/table.ts) in JSON: `values` is row-major images × columns with `null` where a
 * point is not labeled (JSON has no NaN).
 */
export interface WireTable {
  scorer: string;
  multiAnimal: boolean;
  individuals: string[];
  bodyparts: string[];
  uniqueBodyparts: string[];
  columns: WireColumn[];
  /** Row keys: `labeled-data/<video>/<image>`. */
  images: string[];
  indexStyle: 'split' | 'path';
  values: Array<number | null>;
}

/** One frame of the labeled-data folder. */
export interface WireFrame {
  /** Row key of the label table: `labeled-data/<video>/<image>`. */
  image: string;
  /** Where the webview loads the picture from (a webview URI made by asWebviewUri). */
  src: string;
}

export interface LabelingConfig {
  scorer: string;
  multiAnimal: boolean;
  /** Individuals (empty for a single-animal project). */
  individuals: string[];
  bodyparts: string[];
  uniqueBodyparts: string[];
  skeleton: Array<[string, string]>;
  skeletonColor: string;
  /** One CSS colour per body part (the config's colormap sampled as DeepLabCut does). */
  bodypartColors: string[];
  /** One CSS colour per unique body part. */
  uniqueColors: string[];
  /** Marker radius in screen pixels. */
  dotsize: number;
  /** Save this long after the last change while there are unsaved changes; 0 or absent: no autosave. */
  autosaveMs?: number;
}

export interface InitMessage {
  type: 'init';
  /** The labeled-data folder (absolute), kept in the webview state so the serializer can reopen it. */
  folder: string;
  frames: WireFrame[];
  labels: WireTable;
  config: LabelingConfig;
  /** Select this frame (`labeled-data/<video>/<image>`) instead of the remembered one (e.g. from the evaluation panel). */
  image?: string;
}
/** Select a frame of an already open panel (`labeled-data/<video>/<image>`). */
export interface RevealMessage {
  type: 'reveal';
  image: string;
}
export interface SavedMessage {
  type: 'saved';
  files: string[];
}
export interface ErrorMessage {
  type: 'error';
  message: string;
}
export type HostToPanel = InitMessage | RevealMessage | SavedMessage | ErrorMessage;

export interface ReadyMessage {
  type: 'ready';
}
export interface SaveMessage {
  type: 'save';
  table: WireTable;
}
/** The panel's unsaved-changes state, so the host can warn on close and mark the title. */
export interface DirtyMessage {
  type: 'dirty';
  dirty: boolean;
}
export type PanelToHost = ReadyMessage | SaveMessage | DirtyMessage;

/** What the webview keeps through vscode.setState (hidden / reloaded panels). */
export interface LabelingPanelState {
  folder: string;
  frame?: number;
  /** The frame's image: it finds the frame again when frames were added to the folder meanwhile. */
  image?: string;
  individual?: number;
  bodypart?: number;
  /** Unsaved labels, so a hidden or reloaded panel comes back with them. */
  unsaved?: WireTable;
}

export const LABELING_VIEW_TYPE = 'herd.labeling';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Checks a message from the panel (the host trusts nothing that crosses the boundary). */
export function parsePanelMessage(value: unknown): PanelToHost | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    case 'dirty':
      return typeof value.dirty === 'boolean' ? { type: 'dirty', dirty: value.dirty } : undefined;
    case 'save': {
      const table = value.table;
      if (!isObject(table) || typeof table.scorer !== 'string' || !Array.isArray(table.columns) || !Array.isArray(table.images) || !Array.isArray(table.values)) return undefined;
      if (table.values.length !== table.images.length * table.columns.length) return undefined;
      if (!table.values.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v)))) return undefined;
      return { type: 'save', table: table as unknown as WireTable };
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The tracklet-refinement panel (issue 10): a tracked table `<video><scorer>_el.h5` (or `.csv`) and its video.

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

/** Float32Array → base64 of its little-endian bytes (browser and Node: btoa/atob are global in both). */
export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return encodeBytes(bytes);
}

export function encodeBytes(bytes: Uint8Array): string {
  let text = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) text += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  return btoa(text);
}

export function decodeBytes(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export function decodeFloat32(base64: string): Float32Array {
  const bytes = decodeBytes(base64);
  if (bytes.length % 4 !== 0) throw new Error('pose data is not a whole number of float32 values');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

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

// ---------------------------------------------------------------------------------------------------------------
// The frame grabber (issue 9): one video of the project, scrubbed frame by frame (frames decoded by the host), "grab
// frame" saving `labeled-data/<stem>/img<NNN>.png` as `herd extract-frames --mode manual` does, and the review grid
// of that folder's frames (near-duplicate groups, delete — labeled frames only after the panel asked).

/** One image of the video's labeled-data folder. */
export interface GrabberFrame {
  /** File name in the folder, e.g. `img012.png`. */
  name: string;
  /** The video frame it was extracted from (`img<NNN>.png`), absent for other names. */
  index?: number;
  /** Where the webview loads the thumbnail from (a webview URI made by asWebviewUri). */
  src: string;
  /** True when a CollectedData_<scorer> file holds labels for it (deleting it removes them). */
  labeled: boolean;
}

export interface GrabberInitMessage {
  type: 'grabber-init';
  /** The video (absolute), kept in the webview state so the serializer can reopen it. */
  video: string;
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  /** `labeled-data/<stem>` (absolute); absent when the video is not in the project's video_sets (grabbing refused). */
  folder?: string;
  /** Why grabbing is not possible, when it is not. */
  grabDisabled?: string;
  frames: GrabberFrame[];
  /** Near-duplicate threshold the grid starts with (mean absolute grey difference, 0‥1). */
  threshold: number;
}
export interface GrabberFrameMessage {
  type: 'grabber-frame';
  index: number;
  width: number;
  height: number;
  /** Packed RGB24 rows in base64. */
  rgb: string;
}
export interface GrabberGrabbedMessage {
  type: 'grabber-grabbed';
  index: number;
  /** The PNG written. */
  file: string;
  frames: GrabberFrame[];
}
export interface GrabberDuplicatesMessage {
  type: 'grabber-duplicates';
  threshold: number;
  /** Groups of file names (each ≥ 2, name order). */
  groups: string[][];
}
export interface GrabberDeletedMessage {
  type: 'grabber-deleted';
  /** Images removed (to the trash where the host supports it). */
  deleted: string[];
  /** Label files rewritten without the deleted rows (or removed when no row was left). */
  labelFiles: string[];
  frames: GrabberFrame[];
}
export interface GrabberErrorMessage {
  type: 'grabber-error';
  message: string;
  /** Set when the error is about decoding this frame's picture. */
  frame?: number;
  /** Set when a delete was refused because these frames are labeled and the panel had not asked the user. */
  labeled?: string[];
}
export type GrabberHostToPanel = GrabberInitMessage | GrabberFrameMessage | GrabberGrabbedMessage | GrabberDuplicatesMessage | GrabberDeletedMessage | GrabberErrorMessage;

export interface GrabberReadyMessage {
  type: 'grabber-ready';
}
export interface GrabberFrameRequest {
  type: 'grabber-get-frame';
  index: number;
}
export interface GrabberGrabRequest {
  type: 'grabber-grab';
  index: number;
}
export interface GrabberDuplicatesRequest {
  type: 'grabber-find-duplicates';
  threshold: number;
}
export interface GrabberDeleteRequest {
  type: 'grabber-delete';
  names: string[];
  /** The user confirmed deleting labeled frames (and their labels); without it labeled frames are refused. */
  confirmLabeled: boolean;
}
export type GrabberPanelToHost = GrabberReadyMessage | GrabberFrameRequest | GrabberGrabRequest | GrabberDuplicatesRequest | GrabberDeleteRequest;

/** What the grabber webview keeps through vscode.setState. */
export interface GrabberPanelState {
  video: string;
  frame?: number;
  view?: 'scrub' | 'grid';
  threshold?: number;
}

export const GRABBER_VIEW_TYPE = 'herd.grabber';

/** Checks a message from the grabber panel (the host trusts nothing that crosses the boundary). */
export function parseGrabberMessage(value: unknown): GrabberPanelToHost | undefined {
  if (!isObject(value)) return undefined;
  const index = typeof value.index === 'number' && Number.isInteger(value.index) && value.index >= 0 ? value.index : undefined;
  switch (value.type) {
    case 'grabber-ready':
      return { type: 'grabber-ready' };
    case 'grabber-get-frame':
      return index === undefined ? undefined : { type: 'grabber-get-frame', index };
    case 'grabber-grab':
      return index === undefined ? undefined : { type: 'grabber-grab', index };
    case 'grabber-find-duplicates':
      return typeof value.threshold === 'number' && Number.isFinite(value.threshold) && value.threshold >= 0 ? { type: 'grabber-find-duplicates', threshold: value.threshold } : undefined;
    case 'grabber-delete': {
      const names = value.names;
      if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === 'string' && name !== '')) return undefined;
      return { type: 'grabber-delete', names: [...new Set(names as string[])], confirmLabeled: value.confirmLabeled === true };
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The evaluation panel (issue 10, "Evaluation panel"): `herd evaluate`'s results of a project (src-core/evaluate/
// results.ts) — a table of shuffles × snapshots, per body part errors and a gallery of the scored images.

/** One evaluated snapshot (a row of the results CSVs); `null` where the CSV cell is empty (JSON has no NaN). */
export interface EvaluationRowWire {
  /** `<trainPercent>/<shuffle>/<snapshot>`: what the panel asks the host about. */
  id: string;
  shuffle: number;
  trainPercent: number;
  snapshot: string;
  epoch: number | null;
  trainError: number | null;
  testError: number | null;
  pcutoff: string;
  trainErrorPcutoff: number | null;
  testErrorPcutoff: number | null;
  trainMAP: number | null;
  testMAP: number | null;
  trainMAR: number | null;
  testMAR: number | null;
  /** Whether `<scorer>.h5` exists (the gallery needs it). */
  hasPredictions: boolean;
}

export interface EvaluationBodypartWire {
  bodypart: string;
  unique: boolean;
  train: number | null;
  test: number | null;
  trainPcutoff: number | null;
  testPcutoff: number | null;
}

/** One scored image: labels and predictions in evaluate's layouts (x, y[, score] flattened; `null` = none). */
export interface EvaluationImageWire {
  /** `labeled-data/<video>/<image>`. */
  image: string;
  /** The labeled-data folder (absolute) the labeling panel opens for this image. */
  folder: string;
  /** Where the webview loads the picture from (asWebviewUri). */
  src: string;
  split: 'train' | 'test';
  /** [individuals × K × 2] and [individuals × K × 3]; unique parts [U × 2] and [U × 3]. */
  gt: Array<number | null>;
  pred: Array<number | null>;
  uniqueGt?: Array<number | null>;
  uniquePred?: Array<number | null>;
  /** Mean distance of the image's scored keypoints (`null`: none); the same above the p-cutoff. */
  error: number | null;
  errorPcutoff: number | null;
  /** How many keypoints `error` averages (so means over images pool as the results CSV's). */
  support: number;
  /** Per body part (K, then U). */
  perBodypart: Array<number | null>;
}

export interface EvaluationConfig {
  individuals: string[];
  bodyparts: string[];
  uniqueBodyparts: string[];
  /** One CSS colour per individual, then one for the unique body parts (config.yaml's colormap). */
  colors: string[];
  /** Marker size in screen pixels. */
  dotsize: number;
}

export interface EvaluationInitMessage {
  type: 'evaluation-init';
  /** The project's config.yaml (absolute), kept in the webview state so the serializer can reopen the panel. */
  config: string;
  rows: EvaluationRowWire[];
  settings: EvaluationConfig;
}
/** The details of the selected snapshot. */
export interface EvaluationSnapshotMessage {
  type: 'evaluation-snapshot';
  id: string;
  bodyparts: EvaluationBodypartWire[];
  /** The p-cutoff of each body part then unique body part (the "·" / "x" threshold). */
  pcutoffs: number[];
  images: EvaluationImageWire[];
}
export interface EvaluationErrorMessage {
  type: 'evaluation-error';
  message: string;
  /** Set when the error is about this snapshot's details. */
  id?: string;
}
export type EvaluationHostToPanel = EvaluationInitMessage | EvaluationSnapshotMessage | EvaluationErrorMessage;

export interface EvaluationReadyMessage {
  type: 'evaluation-ready';
}
export interface EvaluationSelectMessage {
  type: 'evaluation-select';
  id: string;
}
/** Open this image in the labeling panel of its folder (to correct its labels). */
export interface EvaluationOpenImageMessage {
  type: 'evaluation-open-image';
  folder: string;
  image: string;
}
export type EvaluationPanelToHost = EvaluationReadyMessage | EvaluationSelectMessage | EvaluationOpenImageMessage;

/** What the evaluation webview keeps through vscode.setState. */
export interface EvaluationPanelState {
  config: string;
  selected?: string;
}

export const EVALUATION_VIEW_TYPE = 'herd.evaluation';

/** Checks a message from the evaluation panel (the host trusts nothing that crosses the boundary). */
export function parseEvaluationMessage(value: unknown): EvaluationPanelToHost | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'evaluation-ready':
      return { type: 'evaluation-ready' };
    case 'evaluation-select':
      return typeof value.id === 'string' && value.id !== '' ? { type: 'evaluation-select', id: value.id } : undefined;
    case 'evaluation-open-image':
      return typeof value.folder === 'string' && typeof value.image === 'string' && value.image !== '' ? { type: 'evaluation-open-image', folder: value.folder, image: value.image } : undefined;
    default:
      return undefined;
  }
}

// -- The refinement panel's checks, continued: poses, edits and histories that cross the boundary. ---------------

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
