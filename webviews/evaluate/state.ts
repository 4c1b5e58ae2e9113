// Pure logic of the evaluation panel (no DOM): sorting the results table, filtering and sorting the gallery, the
// markers of one image (labels "+", predictions "·" at or above the body part's p-cutoff, "x" below, coloured per
// individual: src-core/evaluate/markers.ts's `evaluationMarkers` in `individual` mode) and the bar chart's scale.
import { evaluationMarkers, type Marker } from '../../src-core/evaluate/markers';
import type { EvaluationBodypartWire, EvaluationImageWire, EvaluationRowWire } from '../shared/messages';

export type RowKey = 'shuffle' | 'trainPercent' | 'snapshot' | 'epoch' | 'trainError' | 'testError' | 'trainErrorPcutoff' | 'testErrorPcutoff' | 'trainMAP' | 'testMAP' | 'trainMAR' | 'testMAR';

export const ROW_COLUMNS: ReadonlyArray<{ key: RowKey; title: string; digits?: number }> = [
  { key: 'shuffle', title: 'Shuffle' },
  { key: 'trainPercent', title: 'Train %' },
  { key: 'snapshot', title: 'Snapshot' },
  { key: 'epoch', title: 'Epochs' },
  { key: 'trainError', title: 'Train error (px)', digits: 2 },
  { key: 'testError', title: 'Test error (px)', digits: 2 },
  { key: 'trainErrorPcutoff', title: 'Train error, p-cutoff', digits: 2 },
  { key: 'testErrorPcutoff', title: 'Test error, p-cutoff', digits: 2 },
  { key: 'trainMAP', title: 'Train mAP', digits: 1 },
  { key: 'testMAP', title: 'Test mAP', digits: 1 },
  { key: 'trainMAR', title: 'Train mAR', digits: 1 },
  { key: 'testMAR', title: 'Test mAR', digits: 1 },
];

export interface RowSort {
  key: RowKey;
  descending: boolean;
}

/** Rows sorted by a column; empty cells (null) last either way, ties keep their order. */
export function sortRows(rows: readonly EvaluationRowWire[], sort: RowSort): EvaluationRowWire[] {
  const sign = sort.descending ? -1 : 1;
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      const x = a.row[sort.key];
      const y = b.row[sort.key];
      if (x === null || y === null) return x === y ? a.i - b.i : x === null ? 1 : -1;
      const order = typeof x === 'string' ? x.localeCompare(String(y)) : x - (y as number);
      return sign * order || a.i - b.i;
    })
    .map(({ row }) => row);
}

/** Clicking a header: the same column flips the direction, another sorts ascending by it. */
export function toggleSort(sort: RowSort, key: RowKey): RowSort {
  return sort.key === key ? { key, descending: !sort.descending } : { key, descending: false };
}

/** The row shown first: the remembered one if it still exists, else the last row with predictions, else the last. */
export function defaultSelection(rows: readonly EvaluationRowWire[], remembered?: string): string | undefined {
  if (remembered && rows.some((r) => r.id === remembered)) return remembered;
  const withPredictions = rows.filter((r) => r.hasPredictions);
  return (withPredictions[withPredictions.length - 1] ?? rows[rows.length - 1])?.id;
}

export interface GalleryFilter {
  split: 'all' | 'train' | 'test';
  /** Images whose error is below this (or have none) are hidden; 0 shows all. */
  minError: number;
  /** −1: all body parts (the image's mean error); else a body part index (K multi-animal parts, then unique parts). */
  bodypart: number;
  sort: 'error-desc' | 'error-asc' | 'name';
}

export const DEFAULT_FILTER: GalleryFilter = { split: 'all', minError: 0, bodypart: -1, sort: 'error-desc' };

/** The error the gallery filters and sorts by: the image's, or one body part's. */
export function imageError(image: EvaluationImageWire, bodypart: number): number | null {
  return bodypart < 0 ? image.error : (image.perBodypart[bodypart] ?? null);
}

export function filterImages(images: readonly EvaluationImageWire[], filter: GalleryFilter): EvaluationImageWire[] {
  const shown = images.filter((image) => {
    if (filter.split !== 'all' && image.split !== filter.split) return false;
    if (filter.minError > 0) {
      const error = imageError(image, filter.bodypart);
      if (error === null || error < filter.minError) return false;
    } else if (filter.bodypart >= 0 && imageError(image, filter.bodypart) === null) return false;
    return true;
  });
  if (filter.sort === 'name') return shown.sort((a, b) => a.image.localeCompare(b.image));
  const sign = filter.sort === 'error-desc' ? -1 : 1;
  return shown
    .map((image, i) => ({ image, i, error: imageError(image, filter.bodypart) }))
    .sort((a, b) => {
      if (a.error === null || b.error === null) return a.error === b.error ? a.i - b.i : a.error === null ? 1 : -1;
      return sign * (a.error - b.error) || a.i - b.i;
    })
    .map(({ image }) => image);
}

export type { Marker } from '../../src-core/evaluate/markers';

export interface MarkerLayout {
  individuals: number;
  bodyparts: number;
  uniqueBodyparts: number;
  /** One per body part then unique body part. */
  pcutoffs: readonly number[];
}

const floats = (values: ReadonlyArray<number | null>) => Float32Array.from(values, (v) => (v === null ? Number.NaN : v));

/** One image's markers, exactly as `herd evaluate --plotting=individual` draws them; `only` keeps one body part. */
export function imageMarkers(image: EvaluationImageWire, layout: MarkerLayout, only = -1): Marker[] {
  const K = layout.bodyparts;
  const markers = evaluationMarkers(
    {
      gt: floats(image.gt),
      pred: floats(image.pred),
      ...(image.uniqueGt ? { uniqueGt: floats(image.uniqueGt) } : {}),
      ...(image.uniquePred ? { uniquePred: floats(image.uniquePred) } : {}),
    },
    {
      mode: 'individual',
      bodyparts: K,
      uniqueBodyparts: layout.uniqueBodyparts,
      individuals: layout.individuals,
      animals: Math.min(layout.individuals, Math.floor(image.pred.length / (3 * Math.max(1, K)))),
      pcutoffs: layout.pcutoffs.slice(0, K),
      uniquePcutoffs: layout.pcutoffs.slice(K),
    },
  );
  return only < 0 ? markers : markers.filter((m) => m.bodypart === only);
}

/** The bar chart's full scale: the largest finite error shown (train and test, with or without the cutoff), ≥ 1 px. */
export function barScale(bodyparts: readonly EvaluationBodypartWire[], pcutoff: boolean): number {
  let max = 1;
  for (const b of bodyparts) for (const v of pcutoff ? [b.trainPcutoff, b.testPcutoff] : [b.train, b.test]) if (v !== null && v > max) max = v;
  return max;
}

export function formatNumber(value: number | null, digits = 2): string {
  return value === null ? '–' : value.toFixed(digits);
}
