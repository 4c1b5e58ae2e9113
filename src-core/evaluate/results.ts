/**
 * Reading back what `herd evaluate` wrote (nothing here writes): every evaluated shuffle × snapshot of the project's
 * current iteration (the `<scorer>-results.csv` files and `CombinedEvaluation-results.csv`), a snapshot's per body
 * part errors (`<scorer>-keypoint-results.csv`) and, for a gallery, every train and test image with its labels (the
 * shuffle's training-dataset CollectedData, i.e. what was scored), its predictions (`<scorer>.h5`) and its own error,
 * computed with metrics.ts exactly as the evaluation scores (animals matched greedily by OKS; unique parts 1:1).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCsv } from '../common/csv';
import { HerdError } from '../common/errors';
import { loadShuffle } from '../dataset';
import { UNIQUE_INDIVIDUAL } from '../io/dlc-csv';
import { readPandasHdf } from '../io/hdf5-pandas';
import { normalizeImagePath } from '../labels/table';
import { loadProject, type Project } from '../project/load';
import { sampleKeypoints, type TargetSetup } from '../train/data';
import { keypointErrors, poolErrors, uniqueErrors, type Pcutoff } from './metrics';
import { KEYPOINT_ERROR_ROWS, keypointResultsPath, predictionsPath } from './outputs';

/** One evaluated snapshot of one shuffle: a row of the results CSVs. NaN where the CSV cell is empty. */
export interface EvaluationRow {
  shuffle: number;
  /** `%Training dataset` (int(100 × fraction)) and the matching index into config.yaml's TrainingFraction (−1: none). */
  trainPercent: number;
  trainingsetindex: number;
  /** The snapshot's file name (`snapshot-005.safetensors`, `snapshot-best-010.safetensors`). */
  snapshot: string;
  epoch: number;
  trainError: number;
  testError: number;
  /** The p-cutoff as the CSV records it (JSON: a number, a list or a mapping). */
  pcutoff: string;
  trainErrorPcutoff: number;
  testErrorPcutoff: number;
  trainMAP: number;
  testMAP: number;
  trainMAR: number;
  testMAR: number;
  /** The shuffle's evaluation folder, and the snapshot's files in it when they exist. */
  folder: string;
  scorer?: string;
  predictionsFile?: string;
  keypointResultsFile?: string;
}

export interface BodypartErrors {
  bodypart: string;
  unique: boolean;
  train: number;
  test: number;
  trainPcutoff: number;
  testPcutoff: number;
}

export interface EvaluatedImage {
  /** `labeled-data/<video>/<image>` and the file on disk. */
  image: string;
  file: string;
  split: 'train' | 'test';
  /** Labels [individuals × K × 2] and predictions [individuals × K × 3] (NaN = none); unique parts [U × 2] / [U × 3]. */
  gt: Float32Array;
  pred: Float32Array;
  uniqueGt?: Float32Array;
  uniquePred?: Float32Array;
  /** Mean distance of the image's scored keypoints (NaN: none), and of those at or above the p-cutoff. */
  error: number;
  errorPcutoff: number;
  /** The sums behind `error` (so that means over images pool exactly as the results CSV's). */
  errorSum: number;
  support: number;
  /** Per body part distance (K multi-animal parts, then U unique parts; NaN where not scored). */
  perBodypart: number[];
}

export interface SnapshotImages {
  individuals: string[];
  bodyparts: string[];
  uniqueBodyparts: string[];
  /** The p-cutoff of each body part and unique body part, as the evaluation used it. */
  pcutoff: Pcutoff;
  images: EvaluatedImage[];
}

const RESULT_COLUMNS = {
  epoch: 'Training epochs',
  percent: '%Training dataset',
  shuffle: 'Shuffle number',
  snapshot: 'Snapshot',
  trainError: 'Train error(px)',
  testError: 'Test error(px)',
  pcutoff: 'p-cutoff used',
  trainErrorPcutoff: 'Train error with p-cutoff',
  testErrorPcutoff: 'Test error with p-cutoff',
  trainMAP: 'train mAP',
  testMAP: 'test mAP',
  trainMAR: 'train mAR',
  testMAR: 'test mAR',
} as const;

/** `evaluation-results-pytorch/iteration-<N>/` of the project's current iteration. */
export function iterationFolder(project: Project): string {
  return path.join(project.root, 'evaluation-results-pytorch', `iteration-${project.config.iteration}`);
}

/** Every evaluated shuffle × snapshot of the current iteration, by shuffle, then training fraction, then epoch. */
export function listEvaluations(configPath: string): { project: Project; rows: EvaluationRow[] } {
  const project = loadProject(configPath);
  const base = iterationFolder(project);
  const folders = new Map<string, string>();
  const files: string[] = [];
  if (fs.existsSync(base)) {
    for (const name of fs.readdirSync(base).sort()) {
      const folder = path.join(base, name);
      const match = /-trainset(\d+)shuffle(\d+)$/.exec(name);
      if (!match || !fs.statSync(folder).isDirectory()) continue;
      folders.set(`${Number(match[1])}/${Number(match[2])}`, folder);
      const results = fs.readdirSync(folder).filter((f) => f.endsWith('-results.csv') && !f.endsWith('-keypoint-results.csv'));
      // Older files first, so that a snapshot evaluated again keeps its newest numbers.
      files.push(...results.map((f) => path.join(folder, f)).sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs));
    }
    const combined = path.join(base, 'CombinedEvaluation-results.csv');
    if (fs.existsSync(combined)) files.push(combined);
  }
  const fractions = (project.config.TrainingFraction as unknown as number[] | undefined) ?? [];
  const rows = new Map<string, EvaluationRow>();
  for (const file of files) {
    const table = parseCsv(fs.readFileSync(file, 'utf8'));
    const header = table[0] ?? [];
    const at = (name: string) => header.indexOf(name);
    const missing = Object.values(RESULT_COLUMNS).filter((name) => at(name) < 0);
    if (missing.length > 0) throw new HerdError('EVALUATION_RESULTS', `not a results CSV: no column ${missing.map((m) => `"${m}"`).join(', ')}`, { file, line: 1 });
    table.slice(1).forEach((cells, r) => {
      const cell = (key: keyof typeof RESULT_COLUMNS) => cells[at(RESULT_COLUMNS[key])] ?? '';
      const num = (key: keyof typeof RESULT_COLUMNS) => (cell(key).trim() === '' ? Number.NaN : Number(cell(key)));
      const shuffle = num('shuffle');
      const percent = num('percent');
      const snapshot = cell('snapshot');
      if (!Number.isInteger(shuffle) || !Number.isInteger(percent) || snapshot === '') {
        throw new HerdError('EVALUATION_RESULTS', `row ${r + 1}: shuffle "${cell('shuffle')}", training % "${cell('percent')}" or snapshot "${snapshot}" is not usable`, { file, line: r + 2 });
      }
      const folder = folders.get(`${percent}/${shuffle}`) ?? path.dirname(file);
      const row: EvaluationRow = {
        shuffle,
        trainPercent: percent,
        trainingsetindex: fractions.findIndex((f) => Math.round(Number(f) * 100) === percent),
        snapshot,
        epoch: num('epoch'),
        trainError: num('trainError'),
        testError: num('testError'),
        pcutoff: cell('pcutoff'),
        trainErrorPcutoff: num('trainErrorPcutoff'),
        testErrorPcutoff: num('testErrorPcutoff'),
        trainMAP: num('trainMAP'),
        testMAP: num('testMAP'),
        trainMAR: num('trainMAR'),
        testMAR: num('testMAR'),
        folder,
        ...snapshotFiles(folder, snapshot),
      };
      rows.set(`${percent}/${shuffle}/${snapshot}`, row);
    });
  }
  const order = (r: EvaluationRow) => [r.shuffle, r.trainPercent, r.snapshot.includes('best') ? 1 : 0, r.epoch];
  const sorted = [...rows.values()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  });
  return { project, rows: sorted };
}

/** The snapshot's `<scorer>.h5` / `<scorer>-keypoint-results.csv` in its evaluation folder (scorer `…_snapshot_<uid>`). */
function snapshotFiles(folder: string, snapshot: string): Pick<EvaluationRow, 'scorer' | 'predictionsFile' | 'keypointResultsFile'> {
  const match = /^snapshot-(best-)?(\d+)\./.exec(snapshot);
  if (!match || !fs.existsSync(folder)) return {};
  const ending = `_snapshot_${match[1] ?? ''}${Number(match[2])}`;
  const scorer = fs
    .readdirSync(folder)
    .filter((name) => name.endsWith(`${ending}.h5`) || name.endsWith(`${ending}-keypoint-results.csv`))
    .map((name) => name.replace(/(\.h5|-keypoint-results\.csv)$/, ''))[0];
  if (!scorer) return {};
  const predictions = predictionsPath(folder, scorer);
  const keypoints = keypointResultsPath(folder, scorer);
  return { scorer, ...(fs.existsSync(predictions) ? { predictionsFile: predictions } : {}), ...(fs.existsSync(keypoints) ? { keypointResultsFile: keypoints } : {}) };
}

/** `<scorer>-keypoint-results.csv`: one entry per body part column (unique parts are those the project calls unique). */
export function readKeypointResults(file: string, uniqueBodyparts: readonly string[] = []): BodypartErrors[] {
  const table = parseCsv(fs.readFileSync(file, 'utf8'));
  const header = table[0] ?? [];
  if (header[0] !== 'Error Type') throw new HerdError('EVALUATION_RESULTS', `not a keypoint-results CSV: the first column is "${header[0] ?? ''}", expected "Error Type"`, { file, line: 1 });
  const row = (name: string) => {
    const cells = table.find((cells) => cells[0] === name);
    if (!cells) throw new HerdError('EVALUATION_RESULTS', `no row "${name}"`, { file });
    return cells;
  };
  const [train, test, trainCut, testCut] = KEYPOINT_ERROR_ROWS.map(row);
  const value = (cells: string[], i: number) => (cells[i] === undefined || cells[i]!.trim() === '' ? Number.NaN : Number(cells[i]));
  return header.slice(1).map((bodypart, j) => ({
    bodypart,
    unique: uniqueBodyparts.includes(bodypart),
    train: value(train!, j + 1),
    test: value(test!, j + 1),
    trainPcutoff: value(trainCut!, j + 1),
    testPcutoff: value(testCut!, j + 1),
  }));
}

/** A pcutoff as `p-cutoff used` records it (JSON); undefined when it is not one. */
export function parsePcutoff(text: string): Pcutoff | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'number') return value;
    if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value as number[];
    if (value && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'number')) return value as Record<string, number>;
  } catch {
    // not JSON
  }
  return undefined;
}

/**
 * The train and test images of an evaluated snapshot, each with its labels, its predictions from `<scorer>.h5` and
 * its own error (as the evaluation scores it). Images the predictions file lacks are left out.
 */
export async function readSnapshotImages(configPath: string, row: EvaluationRow): Promise<SnapshotImages> {
  if (!row.predictionsFile) {
    throw new HerdError('EVALUATION_PREDICTIONS', `no predictions (<scorer>.h5) for ${row.snapshot} of shuffle ${row.shuffle}; evaluate it again with this version of herd`, { file: row.folder });
  }
  if (row.trainingsetindex < 0) throw new HerdError('EVALUATION_RESULTS', `no TrainingFraction in config.yaml gives ${row.trainPercent} %`, { file: configPath });
  const shuffle = await loadShuffle(configPath, row.shuffle, row.trainingsetindex);
  const project = shuffle.project;
  const individuals = project.multiAnimal ? [...project.individuals] : ['animal'];
  const names = { bodyparts: [...project.bodyparts], uniqueBodyparts: project.multiAnimal ? [...project.uniqueBodyparts] : [] };
  const K = names.bodyparts.length;
  const U = names.uniqueBodyparts.length;
  const pcutoff = parsePcutoff(row.pcutoff) ?? (project.config.pcutoff as Pcutoff | undefined) ?? 0.6;
  const predictions = await readPredictions(row.predictionsFile, individuals, names.bodyparts, names.uniqueBodyparts, project.multiAnimal);
  // sampleKeypoints reads only the names of the setup.
  const setup = { individuals, ...names } as unknown as TargetSetup;
  const images: EvaluatedImage[] = [];
  for (const [split, indices] of [['train', shuffle.trainIndices], ['test', shuffle.testIndices]] as const) {
    for (const index of indices) {
      const image = shuffle.images[index]!.path;
      const predicted = predictions.get(image);
      if (!predicted) continue;
      const { keypoints: gt, unique: uniqueGt } = sampleKeypoints(shuffle.labels, index, setup);
      const multi = keypointErrors([{ gt, pred: predicted.pred }], K, { pcutoff, ...names });
      const unique = U > 0 && uniqueGt && predicted.uniquePred ? uniqueErrors([{ gt: uniqueGt, pred: predicted.uniquePred }], U, { pcutoff, ...names }) : undefined;
      const pooled = unique ? poolErrors(multi, unique) : poolErrors(multi);
      images.push({
        image,
        file: path.join(project.root, ...image.split('/')),
        split,
        gt,
        pred: predicted.pred,
        ...(U > 0 ? { uniqueGt: uniqueGt ?? new Float32Array(2 * U).fill(Number.NaN), uniquePred: predicted.uniquePred } : {}),
        error: pooled.rmse,
        errorPcutoff: pooled.rmsePcutoff,
        errorSum: pooled.errorSum,
        support: pooled.support,
        perBodypart: [...multi.perBodypart, ...(unique?.perBodypart ?? new Array<number>(U).fill(Number.NaN))],
      });
    }
  }
  return { individuals, ...names, pcutoff, images };
}

/** `<scorer>.h5` → per image: predictions [individuals × K × 3] and unique ones [U × 3]. */
async function readPredictions(file: string, individuals: string[], bodyparts: string[], uniqueBodyparts: string[], multiAnimal: boolean) {
  const frame = await readPandasHdf(file, 'df_with_missing');
  const levels = frame.columns.names;
  const level = (name: string) => levels.indexOf(name);
  const [b, c, i] = [level('bodyparts'), level('coords'), level('individuals')];
  if (b < 0 || c < 0) throw new HerdError('EVALUATION_PREDICTIONS', `columns are not scorer/[individuals/]bodyparts/coords (levels: ${levels.join(', ')})`, { file });
  const K = bodyparts.length;
  const U = uniqueBodyparts.length;
  const coordIndex: Record<string, number> = { x: 0, y: 1, likelihood: 2 };
  // Where each column goes: [unique?, offset] into pred or uniquePred.
  const targets = frame.columns.tuples.map((t) => {
    const coord = coordIndex[String(t[c])];
    if (coord === undefined) return undefined;
    const individual = i >= 0 ? String(t[i]) : individuals[0]!;
    if (multiAnimal && individual === UNIQUE_INDIVIDUAL) {
      const u = uniqueBodyparts.indexOf(String(t[b]));
      return u < 0 ? undefined : { unique: true, at: 3 * u + coord };
    }
    const a = individuals.indexOf(individual);
    const k = bodyparts.indexOf(String(t[b]));
    return a < 0 || k < 0 ? undefined : { unique: false, at: (a * K + k) * 3 + coord };
  });
  const width = frame.columns.tuples.length;
  const out = new Map<string, { pred: Float32Array; uniquePred?: Float32Array }>();
  frame.index.tuples.forEach((tuple, r) => {
    const pred = new Float32Array(individuals.length * K * 3).fill(Number.NaN);
    const uniquePred = U > 0 ? new Float32Array(U * 3).fill(Number.NaN) : undefined;
    targets.forEach((target, j) => {
      if (!target) return;
      const v = frame.values[r * width + j]!;
      if (target.unique) uniquePred![target.at] = v;
      else pred[target.at] = v;
    });
    out.set(normalizeImagePath(tuple.map(String)), { pred, ...(uniquePred ? { uniquePred } : {}) });
  });
  return out;
}
