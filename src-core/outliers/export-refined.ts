/**
 * The refinement panel's "export edited frames to labeled-data" (DeepLabCut's
 * `TrackletVisualizer.export_to_training_data`, active learning): the frames where the refined table differs from the
 * table as loaded are saved as `labeled-data/<video stem>/img<index>.png` (named as extracted frames are, not
 * overwritten when already there, cropped when config.yaml crops), their refined poses (keypoints under `pcutoff` set
 * to NaN) are added to `machinelabels-iter<iteration>.h5` (+ `machinelabels.csv`; rows already there win, as in
 * outlier extraction) and merged into `CollectedData_<config scorer>.h5` / `.csv` (x and y only, the refined rows
 * replacing the same images' rows, every other row kept as it was, rows sorted by image).
 *
 * Decisions where DeepLabCut is loose or Herd is stricter:
 * - pcutoff masks each keypoint (individual, body part) on its own likelihood (DeepLabCut groups the columns by body
 *   part and tests the first individual's likelihood for all of them).
 * - A refined frame with no keypoint left after pcutoff does not replace an existing CollectedData row (it would
 *   erase the user's labels; DeepLabCut drops empty rows before training anyway) and adds no row of its own.
 * - Edited frames beyond the video's end cannot be saved as images; they are left out (`skipped`), not written
 *   without a picture.
 * - The video joins `video_sets` when missing, as `extractOutlierFrames` does, so its labels reach the training set.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import type { PoseArray } from '../common/pose';
import { writeFramePngs } from '../frames/extract';
import { frameImageName } from '../frames/naming';
import type { PoseTable } from '../io/pose-table';
import { findLabelFile, readLabels, saveLabels } from '../labels/files';
import { labelColumns, normalizeImagePath, splitImagePath, type LabelColumn, type LabelTable } from '../labels/table';
import { UNIQUE_INDIVIDUAL } from '../io/dlc-csv';
import { addVideos } from '../project/create';
import { loadProject } from '../project/load';
import { projectVideos } from '../project/videos';
import { probeVideo } from '../video';
import type { CropBox } from '../video/types';
import { writeMachineLabels } from './machine-labels';

/** DeepLabCut's default for `export_to_training_data`. */
export const EXPORT_PCUTOFF = 0.1;

/** Poses of a tracked table: the animals and, when the table has any, the unique body parts (`single`). */
export interface RefinedPoses {
  poses: PoseArray;
  unique?: PoseArray;
}

export interface ExportRefinedOptions {
  /** The video the table was made from (its frames become the PNGs; its stem names the labeled-data folder). */
  video: string;
  /** The table as loaded into the refinement panel. */
  original: RefinedPoses;
  /** The table as refined (same frames, individuals and body parts). */
  refined: RefinedPoses;
  /** Keypoints with a likelihood below this are left out (NaN); default 0.1, as DeepLabCut's. */
  pcutoff?: number;
  /** The tracked table's scorer, written in the machine labels (default: config.yaml's scorer). */
  scorer?: string;
  /** When the video is not in video_sets yet: copy it into videos/ instead of linking it. */
  copyVideos?: boolean;
  ffmpeg?: string;
  signal?: AbortSignal;
}

export interface ExportRefinedResult {
  /** The frames exported (edited and inside the video), ascending. */
  frames: number[];
  /** Their images, `labeled-data/<stem>/img<index>.png` (absolute), in frame order. */
  images: string[];
  /** The images this call wrote (the others were there already and were left alone). */
  created: string[];
  /** Edited frames left out because they lie beyond the video's end. */
  skipped: number[];
  folder: string;
  /** `machinelabels-iter<N>.h5` (its CSV twin is `machineLabelsCsv`); '' when nothing was exported. */
  machineLabels: string;
  machineLabelsCsv: string;
  /** The CollectedData files written (h5, csv); [] when nothing was exported. */
  collectedData: string[];
  /** True when the video was added to video_sets. */
  addedToConfig: boolean;
}

function sameShape(a: PoseArray, b: PoseArray): boolean {
  const same = (x: string[], y: string[]) => x.length === y.length && x.every((n, i) => n === y[i]);
  return a.frames === b.frames && same(a.individuals, b.individuals) && same(a.bodyparts, b.bodyparts) && a.data.length === b.data.length;
}

/** Frames where any value differs (NaN equals NaN), ascending: DeepLabCut's `find_edited_frames`. */
export function findEditedFrames(original: RefinedPoses, refined: RefinedPoses): number[] {
  const pairs: Array<[PoseArray, PoseArray]> = [[original.poses, refined.poses]];
  if (!sameShape(original.poses, refined.poses)) {
    throw new HerdError('REFINED_SHAPE', 'the refined poses do not have the frames, individuals and body parts of the table as loaded');
  }
  if (original.unique || refined.unique) {
    if (!original.unique || !refined.unique || !sameShape(original.unique, refined.unique)) {
      throw new HerdError('REFINED_SHAPE', 'the refined unique body parts do not match those of the table as loaded');
    }
    pairs.push([original.unique, refined.unique]);
  }
  const edited = new Set<number>();
  for (const [a, b] of pairs) {
    const perFrame = a.individuals.length * a.bodyparts.length * 3;
    for (let f = 0; f < a.frames; f++) {
      if (edited.has(f)) continue;
      for (let k = f * perFrame, end = k + perFrame; k < end; k++) {
        const x = a.data[k];
        const y = b.data[k];
        if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) {
          edited.add(f);
          break;
        }
      }
    }
  }
  return [...edited].sort((p, q) => p - q);
}

/** A copy of `poses` where every keypoint of `frames` with likelihood < pcutoff is NaN (x, y and likelihood). */
function maskLowLikelihood(poses: PoseArray, frames: readonly number[], pcutoff: number): PoseArray {
  const data = poses.data.slice();
  const points = poses.individuals.length * poses.bodyparts.length;
  for (const f of frames) {
    for (let p = 0; p < points; p++) {
      const o = (f * points + p) * 3;
      if (data[o + 2] < pcutoff) data[o] = data[o + 1] = data[o + 2] = Number.NaN;
    }
  }
  return { ...poses, individuals: [...poses.individuals], bodyparts: [...poses.bodyparts], data };
}

/** The refined x / y of `frame` for one label column (NaN when the table has no such point). */
function valueFor(table: RefinedPoses, frame: number, column: LabelColumn, multiAnimal: boolean): number {
  const unique = multiAnimal && column.individual === UNIQUE_INDIVIDUAL;
  const poses = unique ? table.unique : table.poses;
  if (!poses) return Number.NaN;
  const individual = unique ? 0 : multiAnimal ? poses.individuals.indexOf(column.individual as string) : 0;
  const bodypart = poses.bodyparts.indexOf(column.bodypart);
  if (individual < 0 || bodypart < 0) return Number.NaN;
  const o = ((frame * poses.individuals.length + individual) * poses.bodyparts.length + bodypart) * 3;
  return poses.data[o + (column.coord === 'x' ? 0 : 1)];
}

const columnKey = (c: LabelColumn) => `${c.individual ?? ''}\u0000${c.bodypart}\u0000${c.coord}`;

/** pandas' sort_index on the 3-level image index: tuple by tuple, code point order. */
function compareImages(a: string, b: string): number {
  const x = splitImagePath(a);
  const y = splitImagePath(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}

/**
 * `existing` (or a new table) with the rows of `rows` replacing the same images' rows; the existing columns first in
 * their order, refined columns they lack appended; rows sorted by image.
 */
function mergeLabels(existing: LabelTable | undefined, scorer: string, columns: LabelColumn[], rows: Map<string, Float64Array>, multiAnimal: boolean): LabelTable {
  const merged: LabelColumn[] = existing ? [...existing.columns] : [];
  const known = new Set(merged.map(columnKey));
  for (const column of columns) {
    if (!known.has(columnKey(column))) {
      merged.push(column);
      known.add(columnKey(column));
    }
  }
  const width = merged.length;
  const at = new Map(merged.map((c, i) => [columnKey(c), i]));
  const byImage = new Map<string, Float64Array>();
  if (existing) {
    existing.images.forEach((image, r) => {
      const row = new Float64Array(width).fill(Number.NaN);
      row.set(existing.values.subarray(r * existing.columns.length, (r + 1) * existing.columns.length));
      byImage.set(image, row);
    });
  }
  for (const [image, values] of rows) {
    const row = new Float64Array(width).fill(Number.NaN);
    columns.forEach((column, i) => (row[at.get(columnKey(column)) as number] = values[i]));
    byImage.set(image, row);
  }
  const images = [...byImage.keys()].sort(compareImages);
  const values = new Float64Array(images.length * width);
  images.forEach((image, r) => values.set(byImage.get(image) as Float64Array, r * width));
  const individuals: string[] = [];
  const bodyparts: string[] = [];
  const uniqueBodyparts: string[] = [];
  const add = (list: string[], name: string) => !list.includes(name) && list.push(name);
  for (const c of merged) {
    if (!multiAnimal) add(bodyparts, c.bodypart);
    else if (c.individual === UNIQUE_INDIVIDUAL) add(uniqueBodyparts, c.bodypart);
    else {
      add(individuals, c.individual as string);
      add(bodyparts, c.bodypart);
    }
  }
  return { scorer, multiAnimal, individuals, bodyparts, uniqueBodyparts, columns: merged, images, indexStyle: existing?.indexStyle ?? 'split', values };
}

/**
 * Exports the edited frames of a refined table to the training data of the project at `configPath` (see the file's
 * comment). Nothing is written when no frame was edited. A second export of the same refinement changes nothing:
 * images exist, machine-label rows exist (the first wins), CollectedData rows are replaced by the same values.
 */
export async function exportRefinedFrames(configPath: string, options: ExportRefinedOptions): Promise<ExportRefinedResult> {
  const pcutoff = options.pcutoff ?? EXPORT_PCUTOFF;
  if (!Number.isFinite(pcutoff)) throw new HerdError('INVALID_OPTION', `pcutoff must be a number, got ${pcutoff}`);
  const project = loadProject(configPath);
  const scorer = project.config.scorer;
  if (typeof scorer !== 'string' || scorer === '') throw new HerdError('CONFIG_INVALID', 'config.yaml has no scorer; CollectedData_<scorer> cannot be named', { file: project.configPath });
  const stem = path.parse(options.video).name;
  const folder = path.join(project.root, 'labeled-data', stem);
  const edited = findEditedFrames(options.original, options.refined);
  const nothing: ExportRefinedResult = { frames: [], images: [], created: [], skipped: [], folder, machineLabels: '', machineLabelsCsv: '', collectedData: [], addedToConfig: false };
  if (edited.length === 0) return nothing;
  if (!fs.existsSync(options.video)) throw new HerdError('VIDEO_NOT_FOUND', 'the video of the refined table is missing; its frames cannot be exported', { file: options.video });
  const info = await probeVideo(options.video, { ffmpeg: options.ffmpeg, signal: options.signal });
  const frames = edited.filter((f) => f < info.frameCount);
  const skipped = edited.filter((f) => f >= info.frameCount);
  if (frames.length === 0) return { ...nothing, skipped };

  const c = project.config;
  let crop: CropBox | undefined;
  if (c.cropping === true) {
    const box = { x1: Number(c.x1), x2: Number(c.x2), y1: Number(c.y1), y2: Number(c.y2) };
    if (![box.x1, box.x2, box.y1, box.y2].every(Number.isInteger) || box.x1 >= box.x2 || box.y1 >= box.y2) {
      throw new HerdError('CONFIG_INVALID', 'cropping is true but x1, x2, y1, y2 do not make a crop box', { file: project.configPath });
    }
    crop = box;
  }

  const images = frames.map((f) => path.join(folder, frameImageName(f, info.frameCount)));
  const missing = frames.filter((_, i) => !fs.existsSync(images[i]));
  fs.mkdirSync(folder, { recursive: true });
  const created = await writeFramePngs(options.video, info, missing, folder, { crop, ffmpeg: options.ffmpeg, signal: options.signal });

  const multiAnimal = project.multiAnimal;
  const masked: RefinedPoses = {
    poses: maskLowLikelihood(options.refined.poses, frames, pcutoff),
    ...(options.refined.unique ? { unique: maskLowLikelihood(options.refined.unique, frames, pcutoff) } : {}),
  };
  const table: PoseTable = { scorer: options.scorer ?? scorer, multiAnimal, poses: masked.poses, ...(masked.unique ? { unique: masked.unique } : {}) };
  let written;
  try {
    options.signal?.throwIfAborted();
    written = await writeMachineLabels(folder, Number(c.iteration ?? 0), stem, info.frameCount, table, frames);
  } catch (error) {
    for (const file of created) fs.rmSync(file, { force: true });
    throw error;
  }

  // CollectedData_<scorer>: the refined rows (x, y) replace the same images' rows; all other rows stay as they were.
  const columns = labelColumns({
    scorer,
    multiAnimal,
    individuals: multiAnimal ? masked.poses.individuals : [],
    bodyparts: masked.poses.bodyparts,
    uniqueBodyparts: multiAnimal ? (masked.unique?.bodyparts ?? []) : [],
  });
  const rows = new Map<string, Float64Array>();
  for (const f of frames) {
    const values = Float64Array.from(columns, (column) => valueFor(masked, f, column, multiAnimal));
    if (values.every(Number.isNaN)) continue; // nothing above pcutoff: no row, an existing one is kept
    rows.set(normalizeImagePath(`labeled-data/${stem}/${frameImageName(f, info.frameCount)}`), values);
  }
  const existingFile = rows.size > 0 ? findLabelFile(folder, scorer) : undefined;
  const existing = existingFile ? (await readLabels(existingFile, { project, checkImages: false })).table : undefined;
  let collectedData: string[] = [];
  if (rows.size > 0) collectedData = await saveLabels(folder, mergeLabels(existing, scorer, columns, rows, multiAnimal));

  // As DeepLabCut, the video joins the project so that its labels are merged into the training set.
  const known = projectVideos(project).some((entry) => entry.stem === stem);
  if (!known) {
    await addVideos(project.configPath, [options.video], { copyVideos: options.copyVideos, ffmpeg: options.ffmpeg });
  }
  return { frames, images, created, skipped, folder, machineLabels: written.h5, machineLabelsCsv: written.csv, collectedData, addedToConfig: !known };
}
