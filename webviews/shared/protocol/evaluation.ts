// The evaluation panel (issue 10): `herd evaluate`'s results of a project (src-core/evaluate/results.ts) — a table
// of shuffles × snapshots, per body part errors and a gallery of the scored images.
import { isObject } from './common';

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
