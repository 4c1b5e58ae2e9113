// The frame grabber (issue 9): one video of the project, scrubbed frame by frame (frames decoded by the host), "grab
// frame" saving `labeled-data/<stem>/img<NNN>.png` as `herd extract-frames --mode manual` does, and the review grid
// of that folder's frames (near-duplicate groups, delete — labeled frames only after the panel asked).
import { isObject } from './common';

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
