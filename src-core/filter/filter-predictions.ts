/**
 * `herd filter` (DeepLabCut's `filterpredictions`, dlc-spec §5d): smooths a video's tracked pose table
 * (`<video><scorer>_el.h5` for multi-animal projects, `<video><scorer>.h5` for single-animal ones) and writes
 * `<table stem>_filtered.h5` (+ `.csv`) beside it. With `refined`, the table saved by VS Code's refinement panel,
 * `<…>_el_refined.h5`, giving `<…>_el_refined_filtered.h5`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import type { PoseArray } from '../common/pose';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { hasHdf5Signature } from '../io/hdf5-pandas';
import { readPoseTable, type PoseTable } from '../io/pose-table';
import { locateVideoTables, type PoseTableSourceOptions } from '../infer/locate';
import { writePoseTable } from '../infer/outputs';
import { loadProject } from '../project/load';
import { arimaFilterPoses, kalmanFilterPoses, medianFilterPoses, splineFilterPoses } from './pose-filters';
import type { KalmanNoise } from './series';

export type FilterType = 'median' | 'spline' | 'kalman' | 'arima';
export const FILTER_TYPES: FilterType[] = ['median', 'spline', 'kalman', 'arima'];

export interface FilterSettings {
  /** median (default, as DeepLabCut), spline, kalman (Herd's) or arima (DeepLabCut's ARMA fit). */
  filtertype?: FilterType;
  /** median: the window (odd); spline and kalman: the longest gap filled. Default 5. */
  windowlength?: number;
  /** kalman, arima: points with a lower likelihood are treated as missing. Default 0.001. */
  pBound?: number;
  /** arima: the model's AR and MA degrees (DeepLabCut's ARdegree, MAdegree; default 3 and 1). */
  arDegree?: number;
  maDegree?: number;
  /** kalman: fixed noise instead of the per-trajectory maximum-likelihood fit. */
  noise?: KalmanNoise;
}

/** One filter on a PoseArray (the library entry point for other stages). */
export function filterPoses(poses: PoseArray, settings: FilterSettings = {}): PoseArray {
  const type = settings.filtertype ?? 'median';
  const windowlength = settings.windowlength ?? 5;
  switch (type) {
    case 'median':
      return medianFilterPoses(poses, windowlength);
    case 'spline':
      return splineFilterPoses(poses, windowlength);
    case 'kalman':
      return kalmanFilterPoses(poses, { pBound: settings.pBound, maxGap: windowlength, noise: settings.noise });
    case 'arima':
      return arimaFilterPoses(poses, { pBound: settings.pBound, arDegree: settings.arDegree, maDegree: settings.maDegree, maxGap: windowlength });
    default:
      throw new HerdError('INVALID_OPTION', `unknown filter type "${String(type)}"; expected ${FILTER_TYPES.join(', ')}`);
  }
}

/** The filtered table of a pose table: every part, unique body parts included. */
export function filterPoseTable(table: PoseTable, settings: FilterSettings = {}): PoseTable {
  return {
    ...table,
    poses: filterPoses(table.poses, settings),
    ...(table.unique ? { unique: filterPoses(table.unique, settings) } : {}),
  };
}

/** Reads a pose table, turning a damaged file into a clear error. */
export async function readPoseTableFile(file: string): Promise<PoseTable> {
  if (file.toLowerCase().endsWith('.h5') && fs.existsSync(file) && !hasHdf5Signature(file)) {
    throw new HerdError('HDF5_CORRUPT', 'not an HDF5 file (bad signature: truncated or damaged?); analyse or track the video again', { file });
  }
  return readPoseTable(file);
}

/** `<table>.h5` → `<table>_filtered.h5` (DeepLabCut's `filepath.replace(".h5", "_filtered.h5")`). */
export function filteredTablePath(table: string): string {
  return table.replace(/\.(h5|csv)$/i, '') + '_filtered.h5';
}

/** `refined`: the refinement panel's `<…>_refined.h5` becomes `<…>_refined_filtered.h5`; `destfolder`: the filtered
 *  tables go there too. */
export interface FilterPredictionsOptions extends FilterSettings, PoseTableSourceOptions {
  /** Also write the `.csv` (default true, as DeepLabCut). */
  saveAsCsv?: boolean;
  /** Filter again videos already filtered (default: skip them, as DeepLabCut). */
  overwrite?: boolean;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface FilteredVideo {
  video: string;
  /** The table read. */
  input: string;
  scorer: string;
  status: 'filtered' | 'skipped';
  /** The filtered `.h5` (and `.csv`). */
  output: string;
  csv?: string;
  frames: number;
  /** Points that were missing and got filled (spline, kalman). */
  filled: number;
  message?: string;
}

export interface FilterPredictionsResult {
  filtertype: FilterType;
  windowlength: number;
  pBound: number;
  arDegree: number;
  maDegree: number;
  trackMethod: string;
  videos: FilteredVideo[];
}

function countFilled(before: PoseArray, after: PoseArray): number {
  let filled = 0;
  for (let i = 0; i < before.data.length; i += 3) if (Number.isNaN(before.data[i]) && !Number.isNaN(after.data[i])) filled++;
  return filled;
}

/** Filters the pose table of each video (files or folders of videos). */
export async function filterPredictions(configPath: string, inputs: string[], options: FilterPredictionsOptions = {}): Promise<FilterPredictionsResult> {
  const log = options.log ?? (() => {});
  const project = loadProject(configPath);
  const filtertype = options.filtertype ?? 'median';
  const windowlength = options.windowlength ?? 5;
  const pBound = options.pBound ?? 0.001;
  if (!FILTER_TYPES.includes(filtertype)) {
    throw new HerdError('INVALID_OPTION', `unknown --filtertype "${filtertype}"; expected ${FILTER_TYPES.join(', ')}`);
  }
  const arDegree = options.arDegree ?? 3;
  const maDegree = options.maDegree ?? 1;
  if (filtertype === 'arima' && (!Number.isInteger(arDegree) || arDegree < 0 || !Number.isInteger(maDegree) || maDegree < 0 || arDegree + maDegree === 0)) {
    throw new HerdError('INVALID_OPTION', `--ARdegree and --MAdegree must be whole numbers ≥ 0, not both 0 (got ${arDegree}, ${maDegree})`);
  }
  if (!Number.isInteger(windowlength) || windowlength < (filtertype === 'median' ? 1 : 0)) {
    throw new HerdError('INVALID_OPTION', `--windowlength must be a whole number ≥ ${filtertype === 'median' ? 1 : 0}, got ${windowlength}`);
  }
  if (filtertype === 'median' && windowlength % 2 !== 1) {
    throw new HerdError('INVALID_OPTION', `--windowlength must be odd for the median filter (scipy's medfilt), got ${windowlength}`);
  }
  if (!(pBound >= 0 && pBound <= 1)) throw new HerdError('INVALID_OPTION', `--p-bound must be between 0 and 1, got ${pBound}`);
  const { trackMethod, tables } = locateVideoTables(project, inputs, { ...options, noVideos: 'no videos to filter', log });
  const plans = tables.map(({ video, found }) => ({ video, found, output: filteredTablePath(found.file) }));

  const saveAsCsv = options.saveAsCsv ?? true;
  const results: FilteredVideo[] = [];
  const counter = new ProgressCounter(options.progress ?? silentProgress, `filter (${filtertype})`, plans.length, 'videos');
  try {
    for (const { video, found, output } of plans) {
      options.signal?.throwIfAborted();
      if (fs.existsSync(output) && !options.overwrite) {
        const message = `already filtered (${path.basename(output)}); skipped (pass --overwrite to filter again)`;
        log(`${path.basename(video)}: ${message}`);
        results.push({ video, input: found.file, scorer: found.scorer, status: 'skipped', output, frames: 0, filled: 0, message });
        counter.add();
        continue;
      }
      const table = await readPoseTableFile(found.file);
      const filtered = filterPoseTable(table, { filtertype, windowlength, pBound, arDegree, maDegree, noise: options.noise });
      options.signal?.throwIfAborted();
      const written = await writePoseTable(output, filtered.poses, table.scorer || found.scorer, {
        multiAnimal: table.multiAnimal,
        uniqueBodyparts: filtered.unique,
        csv: saveAsCsv,
        overwrite: true,
      });
      const filled = countFilled(table.poses, filtered.poses) + (table.unique && filtered.unique ? countFilled(table.unique, filtered.unique) : 0);
      results.push({
        video,
        input: found.file,
        scorer: table.scorer || found.scorer,
        status: 'filtered',
        output: written.h5,
        ...(written.csv ? { csv: written.csv } : {}),
        frames: table.poses.frames,
        filled,
      });
      counter.add();
    }
  } finally {
    counter.finish();
  }
  return { filtertype, windowlength, pBound, arDegree, maDegree, trackMethod, videos: results };
}
