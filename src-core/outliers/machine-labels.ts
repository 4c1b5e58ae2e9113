/**
 * `labeled-data/<video>/machinelabels-iter<N>.h5` (+ `machinelabels.csv`, DeepLabCut's names): the network's
 * predictions for the outlier frames, in the label-table layout (rows `labeled-data/<video>/img<index>.png`, 3-level
 * index; columns scorer / individuals / bodyparts / coords with x, y and likelihood), for the user to correct into
 * `CollectedData_<scorer>`. The user's CollectedData file is never touched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { poseOffset, type PoseArray } from '../common/pose';
import { formatDlcCsv, multiAnimalColumns, type DlcColumn } from '../io/dlc-csv';
import { readPandasHdf, writePandasHdfAtomic, type PandasFrame } from '../io/hdf5-pandas';
import type { PoseTable } from '../io/pose-table';
import { frameImageName } from '../frames/naming';
import { normalizeImagePath, splitImagePath } from '../labels/table';

const COORDS = ['x', 'y', 'likelihood'];

export function machineLabelsPath(folder: string, iteration: number): string {
  return path.join(folder, `machinelabels-iter${iteration}.h5`);
}

/** DeepLabCut writes the CSV twin without the iteration in its name. */
export function machineLabelsCsvPath(folder: string): string {
  return path.join(folder, 'machinelabels.csv');
}

function tableColumns(table: PoseTable): DlcColumn[] {
  const { poses, unique } = table;
  return table.multiAnimal
    ? multiAnimalColumns(poses.individuals, poses.bodyparts, unique?.bodyparts ?? [], COORDS)
    : poses.bodyparts.flatMap((bodypart) => COORDS.map((coord) => ({ bodypart, coord })));
}

function rowValues(table: PoseTable, frame: number, width: number): Float64Array {
  const row = new Float64Array(width);
  const copy = (poses: PoseArray, offset: number) => {
    const perFrame = poses.individuals.length * poses.bodyparts.length * 3;
    const start = poseOffset(poses, frame, 0, 0);
    for (let k = 0; k < perFrame; k++) row[offset + k] = poses.data[start + k];
    return offset + perFrame;
  };
  const next = copy(table.poses, 0);
  if (table.unique && table.multiAnimal) copy(table.unique, next);
  return row;
}

const columnKey = (tuple: Array<string | number>) => tuple.slice(1).map(String).join('\u0000');

export interface MachineLabelsWritten {
  h5: string;
  csv: string;
  /** Rows in the file (earlier rows of this iteration kept). */
  rows: number;
  /** Rows added by this call. */
  added: number;
}

/**
 * Writes the predictions of `frames` (table rows) as machine labels for `labeled-data/<stem>/`, images named as
 * DeepLabCut names extracted frames of a `frameCount`-frame video. An existing file of the same iteration keeps its
 * rows (DeepLabCut: concatenated, duplicates dropped keeping the first); it must have the same columns.
 */
export async function writeMachineLabels(
  folder: string,
  iteration: number,
  stem: string,
  frameCount: number,
  table: PoseTable,
  frames: number[],
): Promise<MachineLabelsWritten> {
  const h5 = machineLabelsPath(folder, iteration);
  const csv = machineLabelsCsvPath(folder);
  const columns = tableColumns(table);
  const width = columns.length;
  const tuples = columns.map((c) => (c.individual === undefined ? [table.scorer, c.bodypart, c.coord] : [table.scorer, c.individual, c.bodypart, c.coord]));
  const rows: Array<{ image: string; values: Float64Array }> = [];
  if (fs.existsSync(h5)) {
    const existing = await readPandasHdf(h5, 'df_with_missing');
    const same =
      existing.columns.tuples.length === width && existing.columns.tuples.every((tuple, i) => columnKey(tuple) === columnKey(tuples[i]));
    if (!same) {
      throw new HerdError(
        'MACHINE_LABELS_MISMATCH',
        'this file holds machine labels with other columns (another project layout); refine and remove it before extracting more outlier frames',
        { file: h5 },
      );
    }
    existing.index.tuples.forEach((index, r) => {
      rows.push({ image: normalizeImagePath(index.map(String)), values: existing.values.slice(r * width, (r + 1) * width) });
    });
  }
  const seen = new Set(rows.map((row) => row.image));
  let added = 0;
  for (const frame of [...frames].sort((a, b) => a - b)) {
    const image = `labeled-data/${stem}/${frameImageName(frame, frameCount)}`;
    if (seen.has(image)) continue;
    seen.add(image);
    rows.push({ image, values: rowValues(table, frame, width) });
    added++;
  }
  const values = new Float64Array(rows.length * width);
  rows.forEach((row, r) => values.set(row.values, r * width));
  const frame: PandasFrame = {
    columns: { names: table.multiAnimal ? ['scorer', 'individuals', 'bodyparts', 'coords'] : ['scorer', 'bodyparts', 'coords'], tuples },
    index: { names: [null, null, null], tuples: rows.map((row) => splitImagePath(row.image)) },
    values,
  };
  const text = formatDlcCsv({ scorer: table.scorer, columns, index: rows.map((row) => splitImagePath(row.image)), values });
  fs.mkdirSync(folder, { recursive: true });
  await writePandasHdfAtomic(h5, frame, 'df_with_missing');
  writeFileAtomic(csv, text);
  return { h5, csv, rows: rows.length, added };
}
