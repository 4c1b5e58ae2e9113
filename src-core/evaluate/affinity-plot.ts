/**
 * `herd plot-edge-affinity-distributions` (DeepLabCut's `plot_edge_affinity_distributions`): for every PAF edge, the
 * distribution of the predicted affinities of "within" pairs (both peaks matched to the same labelled animal) and
 * "between" pairs (every other pair), on the shuffle's training images — the very numbers behind the data-driven
 * skeleton's separability (prune-graph.ts). One PNG with a histogram panel per edge (titled with the edge's body
 * parts and its AUC), and the same numbers as CSV so that the figure can be redrawn elsewhere:
 * `evaluation-results-pytorch/iteration-N/<shuffle folder>/<scorer>_affinity_distributions.{png,csv}`.
 *
 * DLC draws kernel density estimates; here each distribution is a 20-bin histogram over [0, 1] normalised as a
 * density (numpy's `density=True`: the bars' area is 1). Values outside [0, 1] are left out, as DLC's AUC does; a
 * value of exactly 1 falls in the last bin.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Edge } from '../assemble';
import { writeFileAtomic } from '../common/atomic';
import { formatCsv } from '../common/csv';
import { drawText, textHeight, textWidth, type Rgb } from '../common/bitmap-font';
import { HerdError } from '../common/errors';
import { encodePng } from '../common/png';
import type { ProgressReporter } from '../common/progress';
import { loadShuffle } from '../dataset';
import type { FramePoseOptions } from '../infer/frame-poses';
import type { RgbImage } from '../io/png-read';
import { selectBackend } from '../train/engine/backend';
import { edgeSeparability, separabilitySamplesForShuffle, type EdgeSeparability, type SeparabilityOptions, type SeparabilitySample } from './prune-graph';
import { chooseSnapshots, evaluationFolder, snapshotScorer } from './snapshot-runner';

/* ----------------------------------------------------------------- histograms */

export const DEFAULT_BINS = 20;

export interface Histogram {
  /** Left edge of every bin: i / bins. */
  binStarts: number[];
  /** Per bin: count / (values in [0, 1] × bin width); all 0 when no value is in range. */
  density: number[];
  /** Values that fell in [0, 1] (the rest are left out). */
  count: number;
}

/** A density histogram of `values` over [0, 1] in `bins` equal bins (numpy's `histogram(density=True)`). */
export function affinityHistogram(values: readonly number[], bins = DEFAULT_BINS): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new HerdError('USAGE', `the number of bins must be a positive whole number, got ${bins}`);
  const counts = new Array<number>(bins).fill(0);
  let count = 0;
  for (const v of values) {
    if (!(v >= 0 && v <= 1)) continue; // also drops NaN
    let i = Math.min(bins - 1, Math.floor(v * bins));
    // Compare with the edges themselves (i / bins) so a value on an edge lands right of it, as numpy's does.
    if (i > 0 && v < i / bins) i--;
    else if (i < bins - 1 && v >= (i + 1) / bins) i++;
    counts[i]!++;
    count++;
  }
  const width = 1 / bins;
  return {
    binStarts: counts.map((_, i) => i / bins),
    density: counts.map((c) => (count > 0 ? c / (count * width) : 0)),
    count,
  };
}

/* ----------------------------------------------------------------- per edge */

export interface AffinityDistribution {
  /** Index into the model's PAF graph. */
  edge: number;
  bodyparts: [string, string];
  /** Separability of the edge (rank AUC of within vs between); NaN when either is empty. */
  auc: number;
  within: Histogram;
  between: Histogram;
}

/** Histograms of every edge's within and between affinities (`separability` from `edgeSeparability`). */
export function affinityDistributions(
  separability: readonly EdgeSeparability[],
  graph: readonly Edge[],
  bodyparts: readonly string[],
  bins = DEFAULT_BINS,
): AffinityDistribution[] {
  return separability.map((s) => {
    const [a, b] = graph[s.edge]!;
    return {
      edge: s.edge,
      bodyparts: [bodyparts[a] ?? `part ${a}`, bodyparts[b] ?? `part ${b}`],
      auc: s.auc,
      within: affinityHistogram(s.within, bins),
      between: affinityHistogram(s.between, bins),
    };
  });
}

/** `edgeSeparability` on per-image samples, then `affinityDistributions`. */
export function affinityDistributionsFromSamples(
  samples: readonly SeparabilitySample[],
  graph: readonly Edge[],
  bodyparts: readonly string[],
  options: SeparabilityOptions & { bins?: number } = {},
): AffinityDistribution[] {
  return affinityDistributions(edgeSeparability(samples, graph, options), graph, bodyparts, options.bins);
}

/* ----------------------------------------------------------------- CSV */

const CSV_COLUMNS = ['edge', 'bodyparts', 'auc', 'bin_start', 'within_density', 'between_density'];


/** Plain decimal text: up to 6 decimals, no trailing zeros; empty for NaN. */
function formatNumber(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toFixed(6))) : '';
}

/** One row per edge and bin: edge, bodyparts (`a-b`), auc, bin_start, within_density, between_density. */
export function affinityDistributionsCsv(distributions: readonly AffinityDistribution[]): string {
  const rows = [CSV_COLUMNS];
  for (const d of distributions) {
    d.within.binStarts.forEach((start, i) => {
      rows.push([String(d.edge), d.bodyparts.join('-'), formatNumber(d.auc), formatNumber(start), formatNumber(d.within.density[i]!), formatNumber(d.between.density[i]!)]);
    });
  }
  return formatCsv(rows);
}

/* ----------------------------------------------------------------- figure */

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
/** matplotlib's C0 (blue) for within-animal pairs, C1 (orange) for between-animal pairs. */
export const WITHIN_COLOR: Rgb = [31, 119, 180];
export const BETWEEN_COLOR: Rgb = [255, 127, 14];
/** Opacity of the bars, so that overlaps show both. */
export const BAR_ALPHA = 0.5;

/** Geometry of the figure, in pixels. */
export const LAYOUT = {
  /** The header (figure title and legend) above the panels. */
  header: 28,
  panelWidth: 250,
  panelHeight: 176,
  /** Plot area inside a panel: its offset from the panel's corner and its size (width = bins × binWidth). */
  plotLeft: 40,
  plotTop: 18,
  binWidth: 10,
  plotHeight: 126,
  /** At most this many panels per row. */
  maxColumns: 4,
} as const;

/** `color` laid over `under` with opacity `alpha`, rounded. */
export function blend(under: Rgb, color: Rgb, alpha: number): Rgb {
  return [0, 1, 2].map((c) => Math.round(under[c]! * (1 - alpha) + color[c]! * alpha)) as unknown as Rgb;
}

/** Panels per row and rows for `edges` panels. */
export function gridShape(edges: number): { columns: number; rows: number } {
  const columns = Math.max(1, Math.min(LAYOUT.maxColumns, Math.ceil(Math.sqrt(edges))));
  return { columns, rows: Math.max(1, Math.ceil(edges / columns)) };
}

/** Top-left corner of panel `index`'s plot area and its size (for drawing and for tests). */
export function plotArea(index: number, edges: number, bins = DEFAULT_BINS): { x: number; y: number; width: number; height: number } {
  const { columns } = gridShape(edges);
  return {
    x: (index % columns) * LAYOUT.panelWidth + LAYOUT.plotLeft,
    y: LAYOUT.header + Math.floor(index / columns) * LAYOUT.panelHeight + LAYOUT.plotTop,
    width: bins * LAYOUT.binWidth,
    height: LAYOUT.plotHeight,
  };
}

function fillRect(image: RgbImage, x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
  const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(image.width, Math.round(x + w)), y1 = Math.min(image.height, Math.round(y + h));
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      const o = (py * image.width + px) * 3;
      for (let c = 0; c < 3; c++) image.data[o + c] = Math.round(image.data[o + c]! * (1 - alpha) + color[c]! * alpha);
    }
  }
}

/** A round upper limit for a density axis: 1, 2, 2.5 or 5 × 10^k at or above `max`. */
export function niceLimit(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max * (1 - 1e-9)) return step * magnitude;
  return 10 * magnitude;
}

function tickLabel(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** Shortens `text` with '..' to at most `chars` characters. */
function fit(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, Math.max(0, chars - 2))}..`;
}

function drawPanel(image: RgbImage, d: AffinityDistribution, index: number, edges: number): void {
  const bins = d.within.density.length;
  const area = plotArea(index, edges, bins);
  const panelX = area.x - LAYOUT.plotLeft;
  const auc = Number.isFinite(d.auc) ? d.auc.toFixed(2) : 'n/a';
  const suffix = ` AUC ${auc}`;
  const maxChars = Math.floor((LAYOUT.panelWidth - 8) / textWidth(' '));
  const title = fit(d.bodyparts.join('-'), maxChars - suffix.length) + suffix;
  drawText(image, panelX + (LAYOUT.panelWidth - textWidth(title)) / 2, area.y - textHeight() - 6, title, BLACK);

  const limit = niceLimit(Math.max(...d.within.density, ...d.between.density));
  const barHeight = (density: number) => Math.round((Math.min(density, limit) / limit) * area.height);
  // Between first, within over it: both half transparent, so an overlap shows as their mix.
  for (const [hist, color] of [[d.between, BETWEEN_COLOR], [d.within, WITHIN_COLOR]] as const) {
    hist.density.forEach((density, i) => {
      const h = barHeight(density);
      if (h > 0) fillRect(image, area.x + i * LAYOUT.binWidth, area.y + area.height - h, LAYOUT.binWidth, h, color, BAR_ALPHA);
    });
  }

  // Axes: left and bottom lines, ticks, labels.
  fillRect(image, area.x - 1, area.y, 1, area.height + 1, BLACK);
  fillRect(image, area.x - 1, area.y + area.height, area.width + 1, 1, BLACK);
  for (const v of [0, 0.5, 1]) {
    const x = area.x + Math.round(v * area.width);
    fillRect(image, x - (v === 1 ? 1 : 0), area.y + area.height + 1, 1, 3, BLACK);
    const label = tickLabel(v);
    drawText(image, Math.min(x - textWidth(label) / 2, area.x + area.width - textWidth(label) + 1), area.y + area.height + 5, label, BLACK);
  }
  drawText(image, area.x + (area.width - textWidth('affinity')) / 2, area.y + area.height + 5 + textHeight(), 'affinity', BLACK);
  for (const v of [0, limit / 2, limit]) {
    const y = area.y + area.height - Math.round((v / limit) * area.height);
    fillRect(image, area.x - 4, y, 3, 1, BLACK);
    const label = tickLabel(v);
    drawText(image, area.x - 6 - textWidth(label), Math.max(area.y - 2, y - 3), label, BLACK);
  }
  // "density", written down the left margin one letter per line.
  const word = 'density';
  const top = area.y + (area.height - word.length * textHeight()) / 2;
  Array.from(word).forEach((char, i) => drawText(image, panelX + 2, top + i * textHeight(), char, BLACK));
}

/** The figure: a header with the legend, then one histogram panel per edge (white background). */
export function renderAffinityDistributions(distributions: readonly AffinityDistribution[], options: { title?: string } = {}): RgbImage {
  const { columns, rows } = gridShape(distributions.length);
  const width = columns * LAYOUT.panelWidth;
  const height = LAYOUT.header + rows * LAYOUT.panelHeight;
  const image: RgbImage = { width, height, data: new Uint8Array(width * height * 3).fill(255) };
  let x = 8;
  for (const [label, color] of [['within animal', WITHIN_COLOR], ['between animals', BETWEEN_COLOR]] as const) {
    fillRect(image, x, 9, 10, 10, color, BAR_ALPHA);
    x += 14;
    drawText(image, x, 10, label, BLACK);
    x += textWidth(label) + 12;
  }
  const title = options.title ?? 'PAF affinities per edge, training images';
  if (x + 12 + textWidth(title) <= width - 8) drawText(image, width - 8 - textWidth(title), 10, title, BLACK);
  if (distributions.length === 0) drawText(image, 8, LAYOUT.header + 8, 'no PAF edges', BLACK);
  distributions.forEach((d, i) => drawPanel(image, d, i, distributions.length));
  return image;
}

/** Writes `<scorer>_affinity_distributions.png` and `.csv` into `folder` (atomically); returns their paths. */
export function writeAffinityDistributions(folder: string, scorer: string, distributions: readonly AffinityDistribution[]): { png: string; csv: string } {
  fs.mkdirSync(folder, { recursive: true });
  const base = path.join(folder, `${scorer}_affinity_distributions`);
  const image = renderAffinityDistributions(distributions);
  writeFileAtomic(`${base}.png`, encodePng(image.data, image.width, image.height));
  writeFileAtomic(`${base}.csv`, affinityDistributionsCsv(distributions));
  return { png: `${base}.png`, csv: `${base}.csv` };
}

/* ----------------------------------------------------------------- from a project */

export interface PlotAffinityOptions {
  shuffle?: number;
  trainingsetindex?: number;
  /** Index into the shuffle's snapshots (−1 = the last; the best snapshot sorts last). */
  snapshot?: number;
  /** Peak settings, as `herd evaluate` takes them. */
  assembly?: FramePoseOptions;
  matchRadius?: number;
  bins?: number;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface AffinityPlotResult {
  shuffle: number;
  snapshot: string;
  scorer: string;
  png: string;
  csv: string;
  /** Training images the affinities come from. */
  images: number;
  distributions: AffinityDistribution[];
}


export async function plotEdgeAffinityDistributions(configPath: string, options: PlotAffinityOptions = {}): Promise<AffinityPlotResult> {
  await selectBackend({ prefer: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] });
  const shuffle = await loadShuffle(configPath, options.shuffle ?? 1, options.trainingsetindex ?? 0);
  const [file] = chooseSnapshots(shuffle, [options.snapshot ?? -1]) as [string];
  const { info, samples } = await separabilitySamplesForShuffle(shuffle, file, {
    assembly: { ...options.assembly, edges: undefined },
    progress: options.progress,
    signal: options.signal,
  });
  const distributions = affinityDistributionsFromSamples(samples, info.pafGraph, info.bodyparts, { matchRadius: options.matchRadius, bins: options.bins });
  const scorer = snapshotScorer(shuffle, info, file);
  const written = writeAffinityDistributions(evaluationFolder(shuffle), scorer, distributions);
  return { shuffle: shuffle.shuffle, snapshot: file, scorer, ...written, images: samples.length, distributions };
}
