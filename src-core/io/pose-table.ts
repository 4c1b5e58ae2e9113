/**
 * Reading DeepLabCut's analysis tables (`<video><scorer>[_el][_filtered].h5` or their `.csv` twins, dlc-spec §4.4)
 * into a PoseArray: what filtering, plots, labeled videos, outlier search and exports start from. Accepts
 * multi-animal tables (scorer/individuals/bodyparts/coords, unique parts under `single`) and single-animal
 * ones (scorer/bodyparts/coords, read as one individual), written by DeepLabCut (pandas "table" format, key
 * `df_with_missing` or `tracks`) or by Herd (pandas "fixed" format).
 */
import * as fs from 'node:fs';
import { HerdError } from '../common/errors';
import { createPoseArray, poseOffset, type PoseArray } from '../common/pose';
import { parseDlcCsv, UNIQUE_INDIVIDUAL, type DlcColumn } from './dlc-csv';
import { hasHdf5Signature, listHdfKeys, readPandasHdf } from './hdf5-pandas';

export interface PoseTable {
  scorer: string;
  /** False for single-animal tables (three header levels), read as one individual named `SINGLE_ANIMAL_NAME`. */
  multiAnimal: boolean;
  /** [frames, individuals, bodyparts, 3]; frame f is row f of the table (tables are indexed 0..n−1). */
  poses: PoseArray;
  /** Unique body parts (the `single` individual) as [frames, 1, uniqueBodyparts, 3]; absent when there are none. */
  unique?: PoseArray;
}

/** The individual name given to a single-animal table's animal. */
export const SINGLE_ANIMAL_NAME = 'individual1';

interface RawTable {
  scorer: string;
  columns: DlcColumn[];
  /** Frame numbers of the rows. */
  rows: number[];
  values: ArrayLike<number>;
}

async function readH5(file: string): Promise<RawTable> {
  const keys = await listHdfKeys(file);
  // Herd and most of DeepLabCut write `df_with_missing`; DeepLabCut's stitched tracks use `tracks`.
  const key = keys.includes('df_with_missing') ? 'df_with_missing' : keys.includes('tracks') ? 'tracks' : undefined;
  if (!key) throw new HerdError('POSE_TABLE_KEY', `no pose table in this HDF5 file (keys: ${keys.join(', ') || 'none'}; expected df_with_missing or tracks)`, { file });
  const frame = await readPandasHdf(file, key);
  const names = frame.columns.names.map((n) => n ?? '');
  const level = (name: string) => names.indexOf(name);
  const [s, i, b, c] = ['scorer', 'individuals', 'bodyparts', 'coords'].map(level);
  if (s < 0 || b < 0 || c < 0) throw new HerdError('POSE_TABLE_COLUMNS', `columns are not scorer/[individuals/]bodyparts/coords (levels: ${names.join(', ')})`, { file });
  const columns = frame.columns.tuples.map((t) => ({
    ...(i >= 0 ? { individual: String(t[i]) } : {}),
    bodypart: String(t[b]),
    coord: String(t[c]),
  }));
  const rows = frame.index.tuples.map((t, r) => {
    const value = Number(t[t.length - 1]);
    if (!Number.isInteger(value) || value < 0) throw new HerdError('POSE_TABLE_INDEX', `row ${r} has index ${String(t[t.length - 1])}, not a frame number`, { file });
    return value;
  });
  return { scorer: String(frame.columns.tuples[0]?.[s] ?? ''), columns, rows, values: frame.values };
}

function readCsv(file: string): RawTable {
  const table = parseDlcCsv(fs.readFileSync(file, 'utf8'), file);
  const rows = table.index.map((cells, r) => {
    const value = Number(cells[cells.length - 1]);
    if (!Number.isInteger(value) || value < 0) throw new HerdError('POSE_TABLE_INDEX', `row ${r + 1} has index "${cells.join('/')}", not a frame number`, { file, line: r + 1 });
    return value;
  });
  return { scorer: table.scorer, columns: table.columns, rows, values: table.values };
}

/** Reads a pose table (`.h5` or `.csv`, decided by the file's content). */
export async function readPoseTable(file: string): Promise<PoseTable> {
  if (!fs.existsSync(file)) throw new HerdError('POSE_TABLE_NOT_FOUND', 'pose table not found', { file });
  const raw = hasHdf5Signature(file) ? await readH5(file) : readCsv(file);
  const multiAnimal = raw.columns.some((col) => col.individual !== undefined);
  const individuals: string[] = [];
  const bodyparts: string[] = [];
  const uniqueBodyparts: string[] = [];
  const add = (list: string[], name: string) => {
    if (!list.includes(name)) list.push(name);
  };
  for (const col of raw.columns) {
    if (col.individual === UNIQUE_INDIVIDUAL) add(uniqueBodyparts, col.bodypart);
    else {
      add(individuals, col.individual ?? SINGLE_ANIMAL_NAME);
      add(bodyparts, col.bodypart);
    }
  }
  // A loop, not Math.max(...rows): spreading an hour of frames overflows the call stack.
  let frames = 0;
  for (const row of raw.rows) frames = Math.max(frames, row + 1);
  const poses = createPoseArray(frames, individuals, bodyparts);
  const unique = uniqueBodyparts.length > 0 ? createPoseArray(frames, [UNIQUE_INDIVIDUAL], uniqueBodyparts) : undefined;
  const coordIndex: Record<string, number> = { x: 0, y: 1, likelihood: 2 };
  const width = raw.columns.length;
  raw.columns.forEach((col, j) => {
    const coord = coordIndex[col.coord];
    if (coord === undefined) return; // other coordinates (DeepLabCut 3D's z…) are not poses Herd handles
    const isUnique = col.individual === UNIQUE_INDIVIDUAL;
    const target = isUnique ? unique! : poses;
    const ind = isUnique ? 0 : individuals.indexOf(col.individual ?? SINGLE_ANIMAL_NAME);
    const part = (isUnique ? uniqueBodyparts : bodyparts).indexOf(col.bodypart);
    raw.rows.forEach((frame, r) => {
      target.data[poseOffset(target, frame, ind, part) + coord] = raw.values[r * width + j];
    });
  });
  return { scorer: raw.scorer, multiAnimal, poses, ...(unique ? { unique } : {}) };
}
