// The ONE module of messages between the labeling webview and the extension host. Both sides import it; the
// webview never touches the disk, it asks the host, which calls src-core.

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
}
export interface SavedMessage {
  type: 'saved';
  files: string[];
}
export interface ErrorMessage {
  type: 'error';
  message: string;
}
export type HostToPanel = InitMessage | SavedMessage | ErrorMessage;

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
  config: RefineConfig;
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
export type RefineHostToPanel = RefineInitMessage | RefineFrameMessage | RefineSavedMessage | RefineErrorMessage;

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
  /** Replace an existing `_refined` file (never the original table). */
  overwrite: boolean;
}
export interface RefineDirtyMessage {
  type: 'refine-dirty';
  dirty: boolean;
}
export type RefinePanelToHost = RefineReadyMessage | RefineFrameRequest | RefineSaveMessage | RefineDirtyMessage;

/** What the refinement webview keeps through vscode.setState. */
export interface RefinePanelState {
  file: string;
  frame?: number;
  /** Unsaved edits, so a reloaded panel comes back with them (undo then returns to the table as opened). */
  unsaved?: WirePoses;
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
      const poses = value.poses;
      if (!isObject(poses) || typeof poses.data !== 'string' || typeof poses.frames !== 'number' || !Number.isInteger(poses.frames) || poses.frames < 0) return undefined;
      if (!Array.isArray(poses.individuals) || !poses.individuals.every((n) => typeof n === 'string')) return undefined;
      if (!Array.isArray(poses.bodyparts) || !poses.bodyparts.every((n) => typeof n === 'string')) return undefined;
      const wire: WirePoses = { frames: poses.frames, individuals: [...poses.individuals] as string[], bodyparts: [...poses.bodyparts] as string[], data: poses.data };
      return { type: 'refine-save', poses: wire, overwrite: value.overwrite === true };
    }
    default:
      return undefined;
  }
}
