import { HerdError } from '../common/errors';
import { UNIQUE_INDIVIDUAL, type DlcColumn, type DlcTable } from '../io/dlc-csv';
import type { PandasFrame } from '../io/hdf5-pandas';

/** One label column: an (individual, body part) pair's x or y. `individual` is absent in single-animal tables. */
export interface LabelColumn {
  individual?: string;
  bodypart: string;
  coord: 'x' | 'y';
}

/**
 * The human labels of one labeled-data folder (`CollectedData_<scorer>`): rows keyed by image path, columns
 * (individual, body part) × (x, y), NaN where a point is not labeled.
 */
export interface LabelTable {
  scorer: string;
  /** Multi-animal tables have an `individuals` column level; single-animal tables do not. */
  multiAnimal: boolean;
  /** Individuals in column order, without `single`. */
  individuals: string[];
  /** Body parts every individual has (multi-animal body parts), in column order. */
  bodyparts: string[];
  /** Body parts under the individual `single` (unique body parts). */
  uniqueBodyparts: string[];
  /** Columns in file order (DeepLabCut's order for tables made here). */
  columns: LabelColumn[];
  /** Row keys: `labeled-data/<video>/<image>` with forward slashes, in row order. Unique. */
  images: string[];
  /** How the file stores the row index: 3 levels (`labeled-data`, video, image) or one path. */
  indexStyle: 'split' | 'path';
  /** Row-major `images.length × columns.length`; NaN = not labeled. */
  values: Float64Array;
}

export interface LabelLayout {
  scorer: string;
  multiAnimal?: boolean;
  individuals?: readonly string[];
  bodyparts: readonly string[];
  uniqueBodyparts?: readonly string[];
}

/** Columns in DeepLabCut's order: individual × body part × (x, y), then `single` × unique body part × (x, y). */
export function labelColumns(layout: LabelLayout): LabelColumn[] {
  const multiAnimal = layout.multiAnimal ?? (layout.individuals?.length ?? 0) > 0;
  const columns: LabelColumn[] = [];
  if (!multiAnimal) {
    for (const bodypart of layout.bodyparts) for (const coord of ['x', 'y'] as const) columns.push({ bodypart, coord });
    return columns;
  }
  for (const individual of layout.individuals ?? []) {
    for (const bodypart of layout.bodyparts) for (const coord of ['x', 'y'] as const) columns.push({ individual, bodypart, coord });
  }
  for (const bodypart of layout.uniqueBodyparts ?? []) {
    for (const coord of ['x', 'y'] as const) columns.push({ individual: UNIQUE_INDIVIDUAL, bodypart, coord });
  }
  return columns;
}

/** An empty table with DeepLabCut's column layout. */
export function createLabelTable(layout: LabelLayout, images: readonly string[] = []): LabelTable {
  const multiAnimal = layout.multiAnimal ?? (layout.individuals?.length ?? 0) > 0;
  const columns = labelColumns({ ...layout, multiAnimal });
  const keys = images.map(normalizeImagePath);
  assertUniqueImages(keys);
  return {
    scorer: layout.scorer,
    multiAnimal,
    individuals: multiAnimal ? [...(layout.individuals ?? [])] : [],
    bodyparts: [...layout.bodyparts],
    uniqueBodyparts: multiAnimal ? [...(layout.uniqueBodyparts ?? [])] : [],
    columns,
    images: keys,
    indexStyle: 'split',
    values: new Float64Array(keys.length * columns.length).fill(Number.NaN),
  };
}

/** `labeled-data\\v\\img.png`, `labeled-data/v/img.png` or index cells → `labeled-data/v/img.png`. */
export function normalizeImagePath(image: string | readonly string[]): string {
  const parts = typeof image === 'string' ? [image] : [...image];
  return parts
    .flatMap((part) => part.split(/[\\/]/))
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** The 3 index cells DeepLabCut writes for an image key (`labeled-data`, video, image). */
export function splitImagePath(image: string): string[] {
  const parts = normalizeImagePath(image).split('/');
  if (parts.length < 3) return parts;
  return [parts.slice(0, -2).join('/'), parts[parts.length - 2], parts[parts.length - 1]];
}

function assertUniqueImages(images: readonly string[]): void {
  const seen = new Set<string>();
  for (const image of images) {
    if (seen.has(image)) throw new HerdError('LABELS_DUPLICATE_IMAGE', `image ${image} appears twice`);
    seen.add(image);
  }
}

function sameColumn(a: LabelColumn, individual: string | undefined, bodypart: string, coord: string): boolean {
  return (a.individual ?? undefined) === individual && a.bodypart === bodypart && a.coord === coord;
}

/** Index of an image's row, or -1. */
export function imageRow(table: LabelTable, image: string): number {
  return table.images.indexOf(normalizeImagePath(image));
}

function columnIndex(table: LabelTable, individual: string | undefined, bodypart: string, coord: 'x' | 'y'): number {
  const column = table.columns.findIndex((c) => sameColumn(c, table.multiAnimal ? individual : undefined, bodypart, coord));
  if (column < 0) {
    const who = table.multiAnimal ? `${individual ?? '?'}/${bodypart}` : bodypart;
    throw new HerdError('LABELS_UNKNOWN_COLUMN', `the labels of ${table.scorer} have no column for ${who}`);
  }
  return column;
}

/** The labeled point (x, y) or undefined when not labeled (either coordinate NaN) or the image has no row. */
export function getPoint(table: LabelTable, image: string, individual: string | undefined, bodypart: string): [number, number] | undefined {
  const row = imageRow(table, image);
  if (row < 0) return undefined;
  const x = table.values[row * table.columns.length + columnIndex(table, individual, bodypart, 'x')];
  const y = table.values[row * table.columns.length + columnIndex(table, individual, bodypart, 'y')];
  return Number.isNaN(x) || Number.isNaN(y) ? undefined : [x, y];
}

/** Adds a row of NaNs for `image` if it has none; returns its row. */
export function addImage(table: LabelTable, image: string): number {
  const key = normalizeImagePath(image);
  const existing = table.images.indexOf(key);
  if (existing >= 0) return existing;
  const values = new Float64Array((table.images.length + 1) * table.columns.length).fill(Number.NaN);
  values.set(table.values);
  table.values = values;
  table.images.push(key);
  return table.images.length - 1;
}

/** Sets (or with NaN, clears) a point; the image's row is created when missing. */
export function setPoint(table: LabelTable, image: string, individual: string | undefined, bodypart: string, x: number, y: number): void {
  const xColumn = columnIndex(table, individual, bodypart, 'x');
  const yColumn = columnIndex(table, individual, bodypart, 'y');
  const row = addImage(table, image);
  table.values[row * table.columns.length + xColumn] = x;
  table.values[row * table.columns.length + yColumn] = y;
}

/** True when every value of the row is NaN (an image without any label). */
export function isEmptyRow(table: LabelTable, row: number): boolean {
  const width = table.columns.length;
  for (let column = 0; column < width; column++) if (!Number.isNaN(table.values[row * width + column])) return false;
  return true;
}

/** A copy without the rows that hold no label at all (what DeepLabCut keeps). */
export function dropEmptyRows(table: LabelTable): LabelTable {
  const keep = table.images.map((_, row) => row).filter((row) => !isEmptyRow(table, row));
  const width = table.columns.length;
  const values = new Float64Array(keep.length * width);
  keep.forEach((row, i) => values.set(table.values.subarray(row * width, (row + 1) * width), i * width));
  return { ...table, images: keep.map((row) => table.images[row]), values };
}

/** Derives individuals / body parts / unique body parts from columns (first-appearance order). */
export function describeColumns(columns: readonly LabelColumn[]): Pick<LabelTable, 'multiAnimal' | 'individuals' | 'bodyparts' | 'uniqueBodyparts'> {
  const multiAnimal = columns.some((column) => column.individual !== undefined);
  const individuals: string[] = [];
  const bodyparts: string[] = [];
  const uniqueBodyparts: string[] = [];
  const add = (list: string[], item: string) => {
    if (!list.includes(item)) list.push(item);
  };
  for (const column of columns) {
    if (!multiAnimal) add(bodyparts, column.bodypart);
    else if (column.individual === UNIQUE_INDIVIDUAL) add(uniqueBodyparts, column.bodypart);
    else {
      add(individuals, column.individual as string);
      add(bodyparts, column.bodypart);
    }
  }
  return { multiAnimal, individuals, bodyparts, uniqueBodyparts };
}

// ---------------------------------------------------------------------------------------------
// Conversions to the file models

/** The DeepLabCut CSV model of a label table (index cells as the table's `indexStyle` says). */
export function toDlcTable(table: LabelTable): DlcTable {
  return {
    scorer: table.scorer,
    columns: table.columns.map((column): DlcColumn => ({ ...column })),
    index: table.images.map((image) => (table.indexStyle === 'split' ? splitImagePath(image) : [image])),
    values: table.values,
  };
}

/** The pandas frame of a label table (column levels scorer / individuals / bodyparts / coords, unnamed index). */
export function toPandasFrame(table: LabelTable): PandasFrame {
  const names = table.multiAnimal ? ['scorer', 'individuals', 'bodyparts', 'coords'] : ['scorer', 'bodyparts', 'coords'];
  return {
    columns: {
      names,
      tuples: table.columns.map((column) =>
        table.multiAnimal ? [table.scorer, column.individual as string, column.bodypart, column.coord] : [table.scorer, column.bodypart, column.coord],
      ),
    },
    index:
      table.indexStyle === 'split'
        ? { names: [null, null, null], tuples: table.images.map(splitImagePath) }
        : { names: [null], tuples: table.images.map((image) => [image]) },
    values: table.values instanceof Float64Array ? table.values : Float64Array.from(table.values),
  };
}
