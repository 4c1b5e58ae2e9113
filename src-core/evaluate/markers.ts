// What `herd evaluate --plotting` and the evaluation panel draw on an image: labels "+", predictions at or above their
// body part's p-cutoff ".", the others "x", coloured per body part or per individual. Pure and browser-safe (the
// panel bundles it); plots.ts paints these markers into PNGs.

export type PlottingMode = 'bodypart' | 'individual';
export const PLOTTING_MODES: readonly PlottingMode[] = ['bodypart', 'individual'];

export function isPlottingMode(value: unknown): value is PlottingMode {
  return typeof value === 'string' && (PLOTTING_MODES as readonly string[]).includes(value);
}

/** Matplotlib's marker codes: "+" (plus), "." (point: a filled circle of half the size), "x" (cross). */
export type MarkerShape = '+' | '.' | 'x';

export interface Marker {
  x: number;
  y: number;
  shape: MarkerShape;
  /** Index into the style's colours. */
  color: number;
  /** Which body part: the K multi-animal parts, then the U unique ones. */
  bodypart: number;
}

/** One image's labels and predictions, in the layouts `herd evaluate` scores. */
export interface EvaluationImage {
  /** Labels [individuals × K × 2] (NaN = unlabeled). */
  gt: Float32Array;
  /** Predicted animals [slots × K × 3] (x, y, score; NaN = none). */
  pred: Float32Array;
  /** Unique body parts' labels [U × 2] and predictions [U × 3], if the project has any. */
  uniqueGt?: Float32Array;
  uniquePred?: Float32Array;
}

export interface MarkerLayout {
  mode: PlottingMode;
  /** Body parts (K) and unique body parts (U). */
  bodyparts: number;
  uniqueBodyparts: number;
  /** Labeled individuals (rows of `gt`) and predicted animal slots (rows of `pred`). */
  individuals: number;
  animals: number;
  /** The p-cutoff of each body part (K) and unique body part (U). */
  pcutoffs: ArrayLike<number>;
  uniquePcutoffs: ArrayLike<number>;
}

/** How many colours the mode needs: K + U body parts, or the individuals plus one group for the unique parts. */
export function colorCount(layout: Omit<MarkerLayout, 'pcutoffs' | 'uniquePcutoffs' | 'animals'>): number {
  return layout.mode === 'bodypart' ? layout.bodyparts + layout.uniqueBodyparts : layout.individuals + (layout.uniqueBodyparts > 0 ? 1 : 0);
}

/** The markers of one image, in drawing order: per colour group, labels ("+"), then reliable ("."), then the rest ("x"). */
export function evaluationMarkers(image: EvaluationImage, layout: MarkerLayout): Marker[] {
  const K = layout.bodyparts;
  const U = layout.uniqueBodyparts;
  type Point = { x: number; y: number; score?: number; cutoff: number; bodypart: number };
  const groups: Array<{ gt: Point[]; pred: Point[] }> = Array.from({ length: colorCount(layout) }, () => ({ gt: [], pred: [] }));
  const group = (bodypart: number, individual: number, unique: boolean) =>
    groups[layout.mode === 'bodypart' ? (unique ? K + bodypart : bodypart) : unique ? layout.individuals : individual]!;
  for (let a = 0; a < layout.individuals; a++) {
    for (let k = 0; k < K; k++) {
      group(k, a, false).gt.push({ x: image.gt[(a * K + k) * 2]!, y: image.gt[(a * K + k) * 2 + 1]!, cutoff: layout.pcutoffs[k]!, bodypart: k });
    }
  }
  for (let a = 0; a < layout.animals; a++) {
    for (let k = 0; k < K; k++) {
      const at = (a * K + k) * 3;
      group(k, a, false).pred.push({ x: image.pred[at]!, y: image.pred[at + 1]!, score: image.pred[at + 2]!, cutoff: layout.pcutoffs[k]!, bodypart: k });
    }
  }
  for (let u = 0; u < U; u++) {
    if (image.uniqueGt) group(u, 0, true).gt.push({ x: image.uniqueGt[2 * u]!, y: image.uniqueGt[2 * u + 1]!, cutoff: layout.uniquePcutoffs[u]!, bodypart: K + u });
    if (image.uniquePred) {
      group(u, 0, true).pred.push({ x: image.uniquePred[3 * u]!, y: image.uniquePred[3 * u + 1]!, score: image.uniquePred[3 * u + 2]!, cutoff: layout.uniquePcutoffs[u]!, bodypart: K + u });
    }
  }
  const markers: Marker[] = [];
  const visible = (p: Point) => Number.isFinite(p.x) && Number.isFinite(p.y);
  groups.forEach(({ gt, pred }, color) => {
    for (const p of gt.filter(visible)) markers.push({ x: p.x, y: p.y, shape: '+', color, bodypart: p.bodypart });
    const shown = pred.filter(visible);
    for (const p of shown) if (p.score! >= p.cutoff) markers.push({ x: p.x, y: p.y, shape: '.', color, bodypart: p.bodypart });
    for (const p of shown) if (!(p.score! >= p.cutoff)) markers.push({ x: p.x, y: p.y, shape: 'x', color, bodypart: p.bodypart });
  });
  return markers;
}

