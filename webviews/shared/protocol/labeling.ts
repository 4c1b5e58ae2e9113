// The labeling panel (issue 9): a labeled-data folder's frames and CollectedData table.
import { isObject } from './common';

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
