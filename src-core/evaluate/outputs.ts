/**
 * The per-snapshot files `herd evaluate` writes beside `<scorer>-results.csv` in
 * `evaluation-results-pytorch/iteration-N/<shuffle folder>/` (dlc-spec §4.2), as DeepLabCut 3 does:
 *
 * - `<scorer>.h5` (key `df_with_missing`, pandas "fixed" format): the scored predictions of every train and test
 *   image, one row per image (train images first, then test, in the shuffle's order). The index is the image path in
 *   three levels (`labeled-data`, video, image) as in CollectedData; columns scorer / individuals / bodyparts /
 *   coords (x, y, likelihood). Predicted animal slot a is written under the project's a-th individual (slots are
 *   assemblies, not identities), unique body parts under `single`; NaN where nothing was predicted. Single-animal
 *   projects have no individuals level. These are exactly the predictions that were scored (and plotted).
 * - `<scorer>-keypoint-results.csv`: DeepLabCut's `keypoint_error` table, index column `Error Type` with the rows
 *   `Train error (px)`, `Test error (px)`, `Train error (px) with p-cutoff`, `Test error (px) with p-cutoff`, one
 *   column per body part (multi-animal parts, then unique parts), mean pixel distances of the matched keypoints
 *   (metrics.ts `perBodypart` / `perBodypartPcutoff`); empty where a part has no scored keypoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { formatCsv } from '../common/csv';
import { UNIQUE_INDIVIDUAL } from '../io/dlc-csv';
import { writePandasHdfAtomic, type PandasFrame } from '../io/hdf5-pandas';
import { splitImagePath } from '../labels/table';

/** One scored image: its path, labels and predictions in the layouts evaluate.ts scores. */
export interface PredictedImage {
  split: 'train' | 'test';
  /** `labeled-data/<video>/<image>`. */
  imagePath: string;
  /** Predicted animals [slots × K × 3] (x, y, score). */
  pred: Float32Array;
  /** Unique body parts' predictions [U × 3]. */
  uniquePred?: Float32Array;
}

export interface PredictionLayout {
  scorer: string;
  multiAnimal: boolean;
  /** Names of the predicted slots (the project's individuals; one name for a single-animal project). */
  individuals: readonly string[];
  bodyparts: readonly string[];
  uniqueBodyparts: readonly string[];
}

export const KEYPOINT_ERROR_ROWS = ['Train error (px)', 'Test error (px)', 'Train error (px) with p-cutoff', 'Test error (px) with p-cutoff'] as const;

/** Per body part errors of one split (multi-animal parts then unique parts, NaN where none was scored). */
export interface PartErrors {
  perBodypart: readonly number[];
  perBodypartPcutoff: readonly number[];
}

export function predictionsPath(folder: string, scorer: string): string {
  return path.join(folder, `${scorer}.h5`);
}

export function keypointResultsPath(folder: string, scorer: string): string {
  return path.join(folder, `${scorer}-keypoint-results.csv`);
}

/** The predictions as the pandas frame DeepLabCut writes to `<scorer>.h5`. */
export function predictionsFrame(layout: PredictionLayout, images: readonly PredictedImage[]): PandasFrame {
  const K = layout.bodyparts.length;
  const U = layout.uniqueBodyparts.length;
  const slots = layout.multiAnimal ? layout.individuals.length : 1;
  const coords = ['x', 'y', 'likelihood'];
  const tuples: string[][] = [];
  for (let a = 0; a < slots; a++) {
    for (const bodypart of layout.bodyparts) {
      for (const coord of coords) tuples.push(layout.multiAnimal ? [layout.scorer, layout.individuals[a]!, bodypart, coord] : [layout.scorer, bodypart, coord]);
    }
  }
  if (layout.multiAnimal) for (const bodypart of layout.uniqueBodyparts) for (const coord of coords) tuples.push([layout.scorer, UNIQUE_INDIVIDUAL, bodypart, coord]);
  const width = tuples.length;
  const values = new Float64Array(images.length * width).fill(Number.NaN);
  images.forEach((image, row) => {
    const multi = Math.min(image.pred.length, slots * K * 3);
    for (let i = 0; i < multi; i++) values[row * width + i] = image.pred[i]!;
    if (layout.multiAnimal && U > 0 && image.uniquePred) {
      for (let i = 0; i < U * 3; i++) values[row * width + slots * K * 3 + i] = image.uniquePred[i]!;
    }
  });
  return {
    columns: { names: layout.multiAnimal ? ['scorer', 'individuals', 'bodyparts', 'coords'] : ['scorer', 'bodyparts', 'coords'], tuples },
    index: { names: [null, null, null], tuples: images.map((image) => splitImagePath(image.imagePath)) },
    values,
  };
}

/** Writes `<scorer>.h5` atomically (replacing the previous evaluation of this snapshot). */
export async function writePredictions(folder: string, layout: PredictionLayout, images: readonly PredictedImage[]): Promise<string> {
  fs.mkdirSync(folder, { recursive: true });
  const file = predictionsPath(folder, layout.scorer);
  await writePandasHdfAtomic(file, predictionsFrame(layout, images), 'df_with_missing');
  return file;
}

/** The keypoint-results CSV text: `Error Type` rows × body part columns. */
export function formatKeypointResults(bodyparts: readonly string[], train: PartErrors, test: PartErrors): string {
  const n = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? String(Number(v.toFixed(4))) : '');
  const rows: Array<[string, readonly number[]]> = [
    [KEYPOINT_ERROR_ROWS[0], train.perBodypart],
    [KEYPOINT_ERROR_ROWS[1], test.perBodypart],
    [KEYPOINT_ERROR_ROWS[2], train.perBodypartPcutoff],
    [KEYPOINT_ERROR_ROWS[3], test.perBodypartPcutoff],
  ];
  return formatCsv([['Error Type', ...bodyparts], ...rows.map(([name, values]) => [name, ...bodyparts.map((_, k) => n(values[k]))])]);
}

export function writeKeypointResults(folder: string, scorer: string, bodyparts: readonly string[], train: PartErrors, test: PartErrors): string {
  fs.mkdirSync(folder, { recursive: true });
  const file = keypointResultsPath(folder, scorer);
  writeFileAtomic(file, formatKeypointResults(bodyparts, train, test));
  return file;
}
