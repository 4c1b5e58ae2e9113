/**
 * Reading, checking and saving `labeled-data/<video>/CollectedData_<scorer>.{csv,h5}` exactly in DeepLabCut's
 * layout (dlc-spec §4.1). CSV goes through `io/dlc-csv.ts`, HDF5 through `io/hdf5-pandas.ts` (written in
 * pandas' "fixed" format, as DeepLabCut does for labels; both "fixed" and "table" are read).
 *
 * Decisions:
 * - Rows are keyed by image path (`labeled-data/<video>/<img>`), never by position.
 * - Rows without any label (all NaN) are reported as warnings when read and dropped when saved, as DeepLabCut
 *   ignores them (its labeling GUI and `dropna(how="all")` before building training sets).
 * - Every other problem is a HerdError naming the file, the row (CSV line, or row number + image) and the
 *   column; nothing on disk is touched when reading or when a save is refused.
 * - Saving never replaces a different scorer's file: the target must be `CollectedData_<table.scorer>` and an
 *   existing file there must carry the same scorer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { formatDlcCsv, parseDlcCsv, UNIQUE_INDIVIDUAL } from '../io/dlc-csv';
import { readPandasHdf, writePandasHdfAtomic } from '../io/hdf5-pandas';
import type { Project } from '../project/load';
import { describeColumns, dropEmptyRows, isEmptyRow, normalizeImagePath, toDlcTable, toPandasFrame, type LabelColumn, type LabelTable } from './table';

export interface LabelIssue {
  code: string;
  message: string;
  file: string;
  /** CSV line (1-based) when the file is a CSV. */
  line?: number;
  column?: number;
}

export interface ReadLabelsOptions {
  /** Check body parts, individuals and the scorer against this project's config, and image paths against its folder. */
  project?: Project;
  /** Folder image paths are relative to; defaults to the project root, or the folder above `labeled-data`. */
  root?: string;
  /** Check that every labeled image exists (default: true when a root is known). */
  checkImages?: boolean;
}

export interface ReadLabelsResult {
  table: LabelTable;
  warnings: LabelIssue[];
}

/** Where in the source file a row / column lives, for error messages. */
interface Place {
  file: string;
  csv?: { text: string; headerRows: number; indexWidth: number };
}

function csvCellColumn(text: string, line: number, cell: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return 1;
    start = next + 1;
  }
  let column = 1;
  let quoted = false;
  for (let i = start, seen = 0; i < text.length && text[i] !== '\n'; i++, column++) {
    if (seen === cell) return column;
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      seen++;
      if (seen === cell) return column + 1;
    }
  }
  return 1;
}

function columnLabel(column: LabelColumn): string {
  return column.individual !== undefined ? `(${column.individual}, ${column.bodypart}, ${column.coord})` : `(${column.bodypart}, ${column.coord})`;
}

/** An error at a data row (0-based) and optional column (0-based) of the table read from `place`. */
function rowError(place: Place, code: string, message: string, row: number, image: string, column?: number, columns?: LabelColumn[]): HerdError {
  if (place.csv) {
    const line = place.csv.headerRows + row + 1;
    const cell = column === undefined ? 0 : place.csv.indexWidth + column;
    return new HerdError(code, message, { file: place.file, line, column: csvCellColumn(place.csv.text, line, cell) });
  }
  const where = `row ${row + 1} (${image})${column !== undefined && columns ? `, column ${columnLabel(columns[column])}` : ''}`;
  return new HerdError(code, `${where}: ${message}`, { file: place.file });
}

/** An error at a header cell: `level` is the column level name, `column` the 0-based data column. */
function headerError(place: Place, code: string, message: string, level: string, column: number, columns: LabelColumn[], multiAnimal: boolean): HerdError {
  if (place.csv) {
    const levels = multiAnimal ? ['scorer', 'individuals', 'bodyparts', 'coords'] : ['scorer', 'bodyparts', 'coords'];
    const line = levels.indexOf(level) + 1;
    return new HerdError(code, message, { file: place.file, line, column: csvCellColumn(place.csv.text, line, place.csv.indexWidth + column) });
  }
  return new HerdError(code, `column ${column + 1} ${columnLabel(columns[column])}, level "${level}": ${message}`, { file: place.file });
}

/** The scorer a `CollectedData_<scorer>.{csv,h5}` name promises, or undefined for other names. */
export function scorerFromFileName(file: string): string | undefined {
  const match = /^CollectedData_(.+)\.(csv|h5)$/.exec(path.basename(file));
  return match?.[1];
}

/** The label file DeepLabCut reads in a labeled-data folder: the `.h5`, else the `.csv`; undefined when neither exists. */
export function findLabelFile(folder: string, scorer: string): string | undefined {
  return [labelFilePath(folder, scorer, 'h5'), labelFilePath(folder, scorer, 'csv')].find((file) => fs.existsSync(file));
}

/**
 * Removes temporary siblings (`.herd-tmp-<hex>-<name>`) of `target` left by writers that were killed mid-save,
 * once they are older than `olderThanMs` (a running writer's temp file is never that old).
 */
export function removeStaleTemporaries(target: string, olderThanMs = 60 * 60 * 1000): string[] {
  const folder = path.dirname(target);
  const pattern = new RegExp(`^\\.herd-tmp-[0-9a-f]{8}-${path.basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const file = path.join(folder, name);
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > olderThanMs) {
        fs.rmSync(file, { force: true });
        removed.push(file);
      }
    } catch {
      // raced with another cleaner; nothing to do
    }
  }
  return removed;
}

/** `labeled-data/<video>/CollectedData_<scorer>.<ext>` for a folder and scorer. */
export function labelFilePath(folder: string, scorer: string, extension: 'csv' | 'h5'): string {
  return path.join(folder, `CollectedData_${scorer}.${extension}`);
}

function defaultRoot(file: string): string | undefined {
  const folder = path.dirname(path.resolve(file));
  const parent = path.dirname(folder);
  return path.basename(parent) === 'labeled-data' ? path.dirname(parent) : undefined;
}

interface RawLabels {
  scorer: string;
  columns: Array<{ individual?: string; bodypart: string; coord: string }>;
  index: string[][];
  values: Float64Array;
  place: Place;
}

async function readRaw(file: string): Promise<RawLabels> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new HerdError(code === 'ENOENT' ? 'LABELS_NOT_FOUND' : 'LABELS_READ', code === 'ENOENT' ? 'no such file' : `cannot read: ${(error as Error).message}`, { file });
    }
    const dlc = parseDlcCsv(text, file);
    const multiAnimal = dlc.columns.some((column) => column.individual !== undefined);
    // Index width from the header: the empty cells after the level name (data rows may be absent).
    const firstLine = text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0].split(',');
    let indexWidth = 1;
    while (indexWidth < firstLine.length && firstLine[indexWidth] === '') indexWidth++;
    return {
      scorer: dlc.scorer,
      columns: dlc.columns,
      index: dlc.index,
      values: Float64Array.from(dlc.values),
      place: { file, csv: { text, headerRows: multiAnimal ? 4 : 3, indexWidth } },
    };
  }
  if (extension === '.h5' || extension === '.hdf5') {
    const frame = await readPandasHdf(file, 'df_with_missing');
    const names = frame.columns.names;
    const place: Place = { file };
    const expected4 = ['scorer', 'individuals', 'bodyparts', 'coords'];
    const expected3 = ['scorer', 'bodyparts', 'coords'];
    const multiAnimal = names.length === 4;
    const expected = multiAnimal ? expected4 : expected3;
    // Unnamed levels (old files) are accepted when their number fits; named ones must be DeepLabCut's.
    const unnamed = names.every((name) => name === null) && (names.length === 3 || names.length === 4);
    if (!unnamed && (names.length !== expected.length || names.some((name, i) => name !== expected[i]))) {
      throw new HerdError('LABELS_HEADER', `column levels are [${names.join(', ')}], expected [${expected4.join(', ')}] or [${expected3.join(', ')}]`, { file });
    }
    const columns = frame.columns.tuples.map((tuple) =>
      multiAnimal
        ? { individual: String(tuple[1]), bodypart: String(tuple[2]), coord: String(tuple[3]) }
        : { bodypart: String(tuple[1]), coord: String(tuple[2]) },
    );
    const scorers = new Set(frame.columns.tuples.map((tuple) => String(tuple[0])));
    if (scorers.size > 1) throw new HerdError('LABELS_HEADER', `mixed scorers ${[...scorers].join(', ')}`, { file });
    return {
      scorer: [...scorers][0] ?? '',
      columns,
      index: frame.index.tuples.map((tuple) => tuple.map(String)),
      values: frame.values,
      place,
    };
  }
  throw new HerdError('LABELS_FORMAT', 'label files are CollectedData_<scorer>.csv or .h5', { file });
}

/** Reads and checks a label file. Problems are HerdErrors naming the file, row and column; empty rows are warnings. */
export async function readLabels(file: string, options: ReadLabelsOptions = {}): Promise<ReadLabelsResult> {
  const raw = await readRaw(file);
  const { place } = raw;
  const warnings: LabelIssue[] = [];
  const multiAnimal = raw.columns.some((column) => column.individual !== undefined);

  // Header: scorer matches the file name and the project, coords are x / y, no duplicate columns.
  const named = scorerFromFileName(file);
  if (named !== undefined && named !== raw.scorer) {
    throw headerError(place, 'LABELS_SCORER', `this file is named for scorer "${named}" but its labels are by "${raw.scorer}"`, 'scorer', 0, raw.columns as LabelColumn[], multiAnimal);
  }
  if (options.project && raw.scorer !== options.project.config.scorer) {
    throw headerError(
      place,
      'LABELS_SCORER',
      `labels by scorer "${raw.scorer}", but the project's scorer is "${options.project.config.scorer}" (a label file from another scorer)`,
      'scorer',
      0,
      raw.columns as LabelColumn[],
      multiAnimal,
    );
  }
  const seenColumns = new Set<string>();
  raw.columns.forEach((column, i) => {
    if (column.coord !== 'x' && column.coord !== 'y') {
      throw headerError(place, 'LABELS_HEADER', `coords must be "x" or "y" in a label file, found "${column.coord}"`, 'coords', i, raw.columns as LabelColumn[], multiAnimal);
    }
    const key = `${column.individual ?? ''}\u0000${column.bodypart}\u0000${column.coord}`;
    if (seenColumns.has(key)) {
      throw headerError(place, 'LABELS_HEADER', `column ${columnLabel(column as LabelColumn)} appears twice`, 'bodyparts', i, raw.columns as LabelColumn[], multiAnimal);
    }
    seenColumns.add(key);
  });
  const columns = raw.columns as LabelColumn[];

  // Against the project: individuals and body parts must be known.
  const project = options.project;
  if (project) {
    if (project.multiAnimal !== multiAnimal) {
      throw headerError(
        place,
        'LABELS_HEADER',
        project.multiAnimal ? 'single-animal labels (no individuals row) in a multi-animal project' : 'multi-animal labels (with an individuals row) in a single-animal project',
        'scorer',
        0,
        columns,
        multiAnimal,
      );
    }
    columns.forEach((column, i) => {
      if (!multiAnimal) {
        if (!project.bodyparts.includes(column.bodypart)) {
          throw headerError(place, 'LABELS_UNKNOWN_BODYPART', `unknown body part "${column.bodypart}" (config bodyparts: ${project.bodyparts.join(', ')})`, 'bodyparts', i, columns, multiAnimal);
        }
        return;
      }
      if (column.individual === UNIQUE_INDIVIDUAL) {
        if (!project.uniqueBodyparts.includes(column.bodypart)) {
          throw headerError(place, 'LABELS_UNKNOWN_BODYPART', `unknown unique body part "${column.bodypart}" (config uniquebodyparts: ${project.uniqueBodyparts.join(', ') || 'none'})`, 'bodyparts', i, columns, multiAnimal);
        }
        return;
      }
      if (!project.individuals.includes(column.individual as string)) {
        throw headerError(place, 'LABELS_UNKNOWN_INDIVIDUAL', `unknown individual "${column.individual}" (config individuals: ${project.individuals.join(', ')})`, 'individuals', i, columns, multiAnimal);
      }
      if (!project.bodyparts.includes(column.bodypart)) {
        throw headerError(place, 'LABELS_UNKNOWN_BODYPART', `unknown body part "${column.bodypart}" (config multianimalbodyparts: ${project.bodyparts.join(', ')})`, 'bodyparts', i, columns, multiAnimal);
      }
    });
  }

  // Rows: index shape, unique images, images exist, empty rows.
  const indexWidth = raw.index[0]?.length ?? place.csv?.indexWidth ?? 3;
  const images: string[] = [];
  const firstRow = new Map<string, number>();
  const root = options.root ?? project?.root ?? defaultRoot(file);
  const checkImages = options.checkImages ?? root !== undefined;
  raw.index.forEach((cells, row) => {
    const image = normalizeImagePath(cells);
    if (indexWidth !== 1 && indexWidth !== 3) {
      throw rowError(place, 'LABELS_INDEX', `the row index has ${indexWidth} levels; expected 3 (labeled-data, video, image) or 1 (a path)`, row, image);
    }
    if (image.split('/').length < 3 || !image.startsWith('labeled-data/')) {
      throw rowError(place, 'LABELS_INDEX', `image "${cells.join('/')}" is not of the form labeled-data/<video>/<image>`, row, image);
    }
    const previous = firstRow.get(image);
    if (previous !== undefined) {
      throw rowError(place, 'LABELS_DUPLICATE_IMAGE', `image ${image} is labeled twice (also in data row ${previous + 1})`, row, image);
    }
    firstRow.set(image, row);
    if (checkImages && root !== undefined && !fs.existsSync(path.join(root, ...image.split('/')))) {
      throw rowError(place, 'LABELS_IMAGE_MISSING', `image ${image} does not exist under ${root}`, row, image);
    }
    images.push(image);
  });
  const described = describeColumns(columns);
  const table: LabelTable = {
    scorer: raw.scorer,
    ...described,
    columns,
    images,
    indexStyle: indexWidth === 1 ? 'path' : 'split',
    values: raw.values,
  };
  table.images.forEach((image, row) => {
    if (isEmptyRow(table, row)) {
      const error = rowError(place, 'LABELS_EMPTY_ROW', `image ${image} has no labels; DeepLabCut ignores such rows and Herd drops it when saving`, row, image);
      warnings.push({ code: error.code, message: error.message, file, line: error.location.line, column: error.location.column });
    }
  });
  return { table, warnings };
}

/** Reads only the scorer of an existing label file (to refuse overwriting another scorer's labels). */
async function existingScorer(file: string): Promise<string | undefined> {
  if (!fs.existsSync(file)) return undefined;
  try {
    if (file.endsWith('.csv')) {
      // The first header row is enough: `scorer,<empty index cells>,<scorer>,…`.
      const fd = fs.openSync(file, 'r');
      const head = Buffer.alloc(64 * 1024);
      const length = fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      const text = head.subarray(0, length).toString('utf8');
      const newline = text.indexOf('\n');
      if (newline > 0 && !text.slice(0, newline).includes('"')) {
        const cells = text.slice(0, newline).replace(/\r$/, '').split(',');
        const scorer = cells.slice(1).find((cell) => cell !== '');
        if (cells[0] === 'scorer' && scorer !== undefined) return scorer;
      }
    }
    return (await readRaw(file)).scorer;
  } catch {
    return undefined; // an unreadable file is replaced by the atomic write (its name already matches the scorer)
  }
}

export interface SaveLabelsOptions {
  /** Which files to write; DeepLabCut writes both. */
  formats?: Array<'h5' | 'csv'>;
  /** Keep rows without labels (default false: dropped, as DeepLabCut does). */
  keepEmptyRows?: boolean;
}

/**
 * Saves a label table as `CollectedData_<scorer>.h5` and `.csv` in `folder` (a `labeled-data/<video>` folder),
 * each written atomically. Refuses to replace a file of another scorer. Returns the files written.
 */
export async function saveLabels(folder: string, table: LabelTable, options: SaveLabelsOptions = {}): Promise<string[]> {
  const formats = options.formats ?? ['h5', 'csv'];
  const targets = formats.map((format) => labelFilePath(folder, table.scorer, format));
  return saveLabelsTo(targets, table, options);
}

/** Saves to explicit `CollectedData_<scorer>.{h5,csv}` paths (the name must match the table's scorer). */
export async function saveLabelsTo(targets: string[], table: LabelTable, options: SaveLabelsOptions = {}): Promise<string[]> {
  if (!table.scorer) throw new HerdError('LABELS_SCORER', 'labels need a scorer');
  for (const target of targets) {
    const named = scorerFromFileName(target);
    if (named === undefined) throw new HerdError('LABELS_FORMAT', 'label files are named CollectedData_<scorer>.csv or .h5', { file: target });
    if (named !== table.scorer) {
      throw new HerdError('LABELS_SCORER', `refusing to save labels of scorer "${table.scorer}" as ${path.basename(target)}, which belongs to scorer "${named}"`, { file: target });
    }
    const existing = await existingScorer(target);
    if (existing !== undefined && existing !== table.scorer) {
      throw new HerdError('LABELS_SCORER', `refusing to overwrite labels of scorer "${existing}" with labels of scorer "${table.scorer}"`, { file: target });
    }
  }
  const seen = new Set<string>();
  for (const image of table.images) {
    if (seen.has(image)) throw new HerdError('LABELS_DUPLICATE_IMAGE', `image ${image} appears twice`, { file: targets[0] });
    seen.add(image);
  }
  if (table.values.length !== table.images.length * table.columns.length) {
    throw new HerdError('LABELS_SHAPE', `expected ${table.images.length}×${table.columns.length} values, got ${table.values.length}`, { file: targets[0] });
  }
  const toWrite = options.keepEmptyRows ? table : dropEmptyRows(table);
  if (toWrite.images.length === 0 && targets.some((target) => target.endsWith('.h5'))) {
    throw new HerdError('LABELS_EMPTY', 'no labeled image to save (rows without any label are dropped); nothing was written', { file: targets[0] });
  }
  for (const target of targets) fs.mkdirSync(path.dirname(target), { recursive: true });
  // Format everything first, so a bad table fails before any file changes.
  const csv = formatDlcCsv(toDlcTable(toWrite));
  const frame = toPandasFrame(toWrite);
  for (const target of targets) {
    if (target.endsWith('.h5')) await writePandasHdfAtomic(target, frame, 'df_with_missing');
    else writeFileAtomic(target, csv);
    removeStaleTemporaries(target);
  }
  return targets;
}
