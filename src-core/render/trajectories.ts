/**
 * `herd plot-trajectories` (DeepLabCut's `plot_trajectories` / `PlottingResults`): four figures per individual of an
 * analysis table, in `<video folder or destfolder>/plot-poses/<video stem>/`, named as DeepLabCut names them,
 * `<figure><_filtered if filtered><individual>.<png|svg>` (no individual in single-animal projects; Herd's refined
 * tables, `refined`, add `_refined` before it: `trajectory_refined_filteredmouse1.png`):
 * - `trajectory` — y against x per body part (image coordinates: y grows downwards), positions with likelihood
 *   below the p-cutoff left out; dots as DeepLabCut draws them, joined by faint lines between consecutive frames;
 * - `plot` — x (dashed) and y (solid) against the frame index;
 * - `plot-likelihood` — likelihood against the frame index, with the p-cutoff as a grey dashed line;
 * - `hist` — step histograms (100 bins) of the frame-to-frame steps |Δx| and |Δy| of every body part.
 *   DeepLabCut bins the signed Δ over [0, max] (so steps to the left or up fall out); Herd bins their size.
 * Colours: config.yaml's `colormap` over the plotted body parts (multi-animal, then unique), `alphavalue` opacity;
 * a legend of body-part names stands where DeepLabCut puts its colour bar. Sizes are DeepLabCut's figure sizes at
 * `resolution` dpi (trajectory 8×6 in, plot and plot-likelihood 10×3 in, hist 6.4×4.8 in). Labels use the bitmap font
 * (PNG) or SVG text. `showfigures` has no meaning on a command line (no windows are opened).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { drawText, textHeight, textWidth } from '../common/bitmap-font';
import { HerdError } from '../common/errors';
import { encodePng } from '../common/png';
import { poseOffset, type PoseArray } from '../common/pose';
import { ALL_TRACK_METHODS, analysisFolder, findPoseTable, resolveTrackMethod } from '../infer/locate';
import { UNIQUE_INDIVIDUAL } from '../io/dlc-csv';
import type { RgbImage } from '../io/png-read';
import { readPoseTable } from '../io/pose-table';
import { loadProject } from '../project/load';
import { collectVideoPaths } from '../project/videos';
import { drawDisc, partColors } from './all-detections';
import { selectNames } from './labeled-video';
import { drawLine, fillRect, segmentLength, type Color } from './raster';

export type TrajectoryFormat = 'png' | 'svg';

export interface PlotTrajectoriesOptions {
  videotype?: string;
  /** Pick tables of this shuffle (default 1). */
  shuffle?: number;
  filtered?: boolean;
  /** Plot the table saved by the refinement panel, `<…>_refined.h5` (with `filtered`, `<…>_refined_filtered.h5`). */
  refined?: boolean;
  displayedbodyparts?: string[] | 'all';
  displayedindividuals?: string[] | 'all';
  /** No-op: a command line opens no windows. Accepted for DeepLabCut compatibility. */
  showfigures?: boolean;
  /** Where the analysis outputs are (default: beside each video); the plots go to `<destfolder>/plot-poses/<video>/`. */
  destfolder?: string;
  /** DeepLabCut's `imagetype` (`.png` or `.svg`). */
  format?: TrajectoryFormat;
  /** Dots per inch (default 100). */
  resolution?: number;
  /** Line width in points (default 1). */
  linewidth?: number;
  trackMethod?: string;
  /** Default config.yaml's pcutoff. */
  pcutoff?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface PlottedVideo {
  video: string;
  table: string;
  folder: string;
  files: string[];
}

export interface PlotTrajectoriesResult {
  pcutoff: number;
  format: TrajectoryFormat;
  videos: PlottedVideo[];
}

/* ----------------------------------------------------------------- canvases */

type Align = 'left' | 'center' | 'right';

/** What the figures draw with; a raster (PNG) and an SVG implementation. Coordinates are pixels, y down. */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  /** Text cell height in pixels. */
  readonly lineHeight: number;
  textWidth(text: string): number;
  rect(x: number, y: number, w: number, h: number, color: Color, alpha?: number): void;
  /** A polyline; NaN points break it. */
  path(xs: ArrayLike<number>, ys: ArrayLike<number>, color: Color, options?: { alpha?: number; width?: number; dash?: readonly [number, number] }): void;
  dots(xs: ArrayLike<number>, ys: ArrayLike<number>, radius: number, color: Color, alpha?: number): void;
  /** Text with its top at y. */
  text(x: number, y: number, text: string, color: Color, align?: Align): void;
}

export class RasterCanvas implements Canvas {
  readonly image: RgbImage;
  readonly lineHeight: number;
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly fontScale: number,
  ) {
    this.image = { width, height, data: new Uint8Array(width * height * 3).fill(255) };
    this.lineHeight = textHeight(fontScale);
  }
  textWidth(text: string): number {
    return textWidth(text, this.fontScale);
  }
  rect(x: number, y: number, w: number, h: number, color: Color, alpha = 1): void {
    fillRect(this.image, x, y, w, h, color, alpha);
  }
  path(xs: ArrayLike<number>, ys: ArrayLike<number>, color: Color, options: { alpha?: number; width?: number; dash?: readonly [number, number] } = {}): void {
    const thickness = Math.max(1, Math.round(options.width ?? 1));
    let dashOffset = 0;
    for (let i = 1; i < xs.length; i++) {
      const [x0, y0, x1, y1] = [xs[i - 1]!, ys[i - 1]!, xs[i]!, ys[i]!];
      if (![x0, y0, x1, y1].every(Number.isFinite)) continue;
      const offset = dashOffset;
      dashOffset += segmentLength(x0, y0, x1, y1);
      // Thicker lines: parallel one-pixel lines across the direction of travel.
      const length = Math.hypot(x1 - x0, y1 - y0) || 1;
      const nx = -(y1 - y0) / length, ny = (x1 - x0) / length;
      for (let t = 0; t < thickness; t++) {
        const o = t - (thickness - 1) / 2;
        drawLine(this.image, x0 + nx * o, y0 + ny * o, x1 + nx * o, y1 + ny * o, color, options.alpha ?? 1, options.dash, offset);
      }
    }
  }
  dots(xs: ArrayLike<number>, ys: ArrayLike<number>, radius: number, color: Color, alpha = 1): void {
    for (let i = 0; i < xs.length; i++) drawDisc(this.image.data, this.width, this.height, xs[i]!, ys[i]!, radius, color, alpha);
  }
  text(x: number, y: number, text: string, color: Color, align: Align = 'left'): void {
    const w = this.textWidth(text);
    drawText(this.image, align === 'left' ? x : align === 'center' ? x - w / 2 : x - w, y, text, color, this.fontScale);
  }
  encode(): Buffer {
    return encodePng(this.image.data, this.width, this.height);
  }
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const hex = (c: Color) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
const num = (v: number) => String(Math.round(v * 100) / 100);

export class SvgCanvas implements Canvas {
  private readonly parts: string[] = [];
  readonly lineHeight: number;
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly fontSize: number,
  ) {
    this.lineHeight = Math.round(fontSize * 1.3);
    this.rect(0, 0, width, height, [255, 255, 255]);
  }
  textWidth(text: string): number {
    return Array.from(text).length * this.fontSize * 0.6; // monospace advance
  }
  rect(x: number, y: number, w: number, h: number, color: Color, alpha = 1): void {
    this.parts.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${hex(color)}"${alpha < 1 ? ` fill-opacity="${num(alpha)}"` : ''}/>`);
  }
  path(xs: ArrayLike<number>, ys: ArrayLike<number>, color: Color, options: { alpha?: number; width?: number; dash?: readonly [number, number] } = {}): void {
    let d = '';
    let open = false;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!, y = ys[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        open = false;
        continue;
      }
      // A point alone (NaN on both sides) draws nothing, as in the raster canvas.
      const next = i + 1 < xs.length && Number.isFinite(xs[i + 1]!) && Number.isFinite(ys[i + 1]!);
      if (!open && !next) continue;
      d += `${open ? 'L' : 'M'}${num(x)} ${num(y)}`;
      open = true;
    }
    if (!d) return;
    const dash = options.dash ? ` stroke-dasharray="${options.dash.join(' ')}"` : '';
    const alpha = (options.alpha ?? 1) < 1 ? ` stroke-opacity="${num(options.alpha!)}"` : '';
    this.parts.push(`<path d="${d}" fill="none" stroke="${hex(color)}" stroke-width="${num(options.width ?? 1)}"${alpha}${dash}/>`);
  }
  dots(xs: ArrayLike<number>, ys: ArrayLike<number>, radius: number, color: Color, alpha = 1): void {
    const circles: string[] = [];
    for (let i = 0; i < xs.length; i++) {
      if (Number.isFinite(xs[i]!) && Number.isFinite(ys[i]!)) circles.push(`<circle cx="${num(xs[i]!)}" cy="${num(ys[i]!)}" r="${num(radius)}"/>`);
    }
    if (circles.length > 0) this.parts.push(`<g fill="${hex(color)}"${alpha < 1 ? ` fill-opacity="${num(alpha)}"` : ''}>${circles.join('')}</g>`);
  }
  text(x: number, y: number, text: string, color: Color, align: Align = 'left'): void {
    const anchor = align === 'left' ? 'start' : align === 'center' ? 'middle' : 'end';
    this.parts.push(
      `<text x="${num(x)}" y="${num(y + this.fontSize)}" font-family="monospace" font-size="${num(this.fontSize)}" fill="${hex(color)}" text-anchor="${anchor}">${xmlEscape(text)}</text>`,
    );
  }
  encode(): string {
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">`,
      ...this.parts,
      '</svg>',
      '',
    ].join('\n');
  }
}

/* ----------------------------------------------------------------- axes */

const BLACK: Color = [0, 0, 0];
const GREY: Color = [128, 128, 128];

/** About `count` round tick values covering [min, max] (steps of 1, 2, 2.5 or 5 × 10^k). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max <= min) return [min];
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function tickLabel(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** A data range widened by 5 % on each side (matplotlib's margins), never empty. */
function paddedRange(values: Iterable<number>, fallback: [number, number]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return fallback;
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** One plot area with its data ranges; maps data to pixels. */
export class Axes {
  constructor(
    readonly canvas: Canvas,
    readonly left: number,
    readonly top: number,
    readonly width: number,
    readonly height: number,
    readonly xRange: [number, number],
    readonly yRange: [number, number],
    /** Image coordinates: y grows downwards (matplotlib's invert_yaxis). */
    readonly yDown = false,
  ) {}

  px(x: number): number {
    return this.left + ((x - this.xRange[0]) / (this.xRange[1] - this.xRange[0])) * this.width;
  }

  py(y: number): number {
    const t = (y - this.yRange[0]) / (this.yRange[1] - this.yRange[0]);
    return this.yDown ? this.top + t * this.height : this.top + this.height - t * this.height;
  }

  /** The frame, tick marks and labels, and the axis titles (y's above the plot, horizontal). */
  draw(xLabel: string, yLabel: string): void {
    const c = this.canvas;
    const { left, top, width, height } = this;
    const tick = Math.max(3, Math.round(c.lineHeight / 2));
    c.rect(left - 1, top, 1, height + 1, BLACK);
    c.rect(left + width, top, 1, height + 1, BLACK);
    c.rect(left - 1, top - 1, width + 2, 1, BLACK);
    c.rect(left - 1, top + height, width + 2, 1, BLACK);
    for (const v of niceTicks(this.xRange[0], this.xRange[1], Math.max(2, Math.floor(width / (c.textWidth('00000') * 2))))) {
      const x = Math.round(this.px(v));
      c.rect(x, top + height + 1, 1, tick, BLACK);
      c.text(x, top + height + tick + 3, tickLabel(v), BLACK, 'center');
    }
    for (const v of niceTicks(this.yRange[0], this.yRange[1], Math.max(2, Math.floor(height / (c.lineHeight * 3))))) {
      const y = Math.round(this.py(v));
      c.rect(left - 1 - tick, y, tick, 1, BLACK);
      c.text(left - tick - 4, y - c.lineHeight / 2 + 1, tickLabel(v), BLACK, 'right');
    }
    c.text(left + width / 2, top + height + tick + 6 + c.lineHeight, xLabel, BLACK, 'center');
    c.text(left - 4, top - c.lineHeight - 6, yLabel, BLACK, 'left');
  }
}

/* ----------------------------------------------------------------- the figures */

export interface Series {
  name: string;
  color: Color;
  /** Per frame; NaN where missing. */
  x: Float64Array;
  y: Float64Array;
  likelihood: Float64Array;
}

export interface FigureStyle {
  /** Dots per inch. */
  resolution: number;
  /** Points. */
  linewidth: number;
  alpha: number;
  pcutoff: number;
  format: TrajectoryFormat;
}

export type FigureKind = 'trajectory' | 'plot' | 'plot-likelihood' | 'hist';
export const FIGURE_KINDS: readonly FigureKind[] = ['trajectory', 'plot', 'plot-likelihood', 'hist'];

/** DeepLabCut's figure sizes, in inches. */
const FIGURE_INCHES: Readonly<Record<FigureKind, [number, number]>> = {
  trajectory: [8, 6],
  plot: [10, 3],
  'plot-likelihood': [10, 3],
  hist: [6.4, 4.8],
};

function makeCanvas(kind: FigureKind, style: FigureStyle): RasterCanvas | SvgCanvas {
  const scale = style.resolution / 100;
  const [w, h] = FIGURE_INCHES[kind];
  const width = Math.max(64, Math.round(w * style.resolution));
  const height = Math.max(48, Math.round(h * style.resolution));
  return style.format === 'svg' ? new SvgCanvas(width, height, 10 * scale) : new RasterCanvas(width, height, Math.max(1, Math.round(scale)));
}

/** The plot area inside a canvas: room for tick labels on the left and below, the legend on the right. */
function plotBox(canvas: Canvas, series: readonly Series[]): { left: number; top: number; width: number; height: number } {
  const lh = canvas.lineHeight;
  const legend = Math.max(0, ...series.map((s) => canvas.textWidth(s.name))) + lh * 2 + 16;
  const left = canvas.textWidth('-00000') + lh + 8;
  const top = lh * 2 + 10;
  const bottom = lh * 3 + 14;
  return { left, top, width: Math.max(16, canvas.width - left - legend - 8), height: Math.max(16, canvas.height - top - bottom) };
}

function drawLegend(canvas: Canvas, series: readonly Series[], box: { left: number; top: number; width: number }): void {
  const lh = canvas.lineHeight;
  const x = box.left + box.width + 14;
  series.forEach((s, i) => {
    const y = box.top + i * (lh + 4);
    canvas.rect(x, y + 1, lh - 2, lh - 2, s.color);
    canvas.text(x + lh + 4, y, s.name, BLACK);
  });
}

/** Positions below the cutoff become NaN (matplotlib's masked arrays). */
function reliable(s: Series, pcutoff: number): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(s.x.length), y = new Float64Array(s.y.length);
  for (let f = 0; f < x.length; f++) {
    const ok = s.likelihood[f]! >= pcutoff;
    x[f] = ok ? s.x[f]! : NaN;
    y[f] = ok ? s.y[f]! : NaN;
  }
  return { x, y };
}

/** Draws one figure of one individual's body parts; returns the canvas and its axes (data → pixel mapping). */
export function renderFigure(kind: FigureKind, series: readonly Series[], style: FigureStyle): { canvas: RasterCanvas | SvgCanvas; axes: Axes } {
  const canvas = makeCanvas(kind, style);
  let axes: Axes;
  const box = plotBox(canvas, series);
  const lineWidth = (style.linewidth * style.resolution) / 72;
  const frames = Math.max(1, ...series.map((s) => s.x.length));
  const masked = series.map((s) => reliable(s, style.pcutoff));
  const frameAxis: [number, number] = [0, Math.max(1, frames - 1)];
  if (kind === 'trajectory') {
    axes = new Axes(canvas, box.left, box.top, box.width, box.height, paddedRange(each(masked.map((m) => m.x)), [0, 1]), paddedRange(each(masked.map((m) => m.y)), [0, 1]), true);
    const dot = Math.max(1.5, (3 * style.resolution) / 72);
    series.forEach((s, i) => {
      const xs = Array.from(masked[i]!.x, (v) => axes.px(v));
      const ys = Array.from(masked[i]!.y, (v) => axes.py(v));
      canvas.path(xs, ys, s.color, { alpha: style.alpha * 0.4, width: lineWidth });
      canvas.dots(xs, ys, dot, s.color, style.alpha);
    });
    axes.draw('X position in pixels', 'Y position in pixels');
  } else if (kind === 'plot') {
    const values = each(masked.flatMap((m) => [m.x, m.y]));
    axes = new Axes(canvas, box.left, box.top, box.width, box.height, frameAxis, paddedRange(values, [0, 1]));
    series.forEach((s, i) => {
      const fx = Array.from({ length: s.x.length }, (_, f) => axes.px(f));
      canvas.path(fx, Array.from(masked[i]!.x, (v) => axes.py(v)), s.color, { alpha: style.alpha, width: lineWidth, dash: [6, 4] });
      canvas.path(fx, Array.from(masked[i]!.y, (v) => axes.py(v)), s.color, { alpha: style.alpha, width: lineWidth });
    });
    axes.draw('Frame Index', 'X-(dashed) and Y- (solid) position in pixels');
  } else if (kind === 'plot-likelihood') {
    const top = Math.max(1, maxOf(each(series.map((s) => s.likelihood))));
    axes = new Axes(canvas, box.left, box.top, box.width, box.height, frameAxis, [0, top * 1.05]);
    canvas.path([axes.px(frameAxis[0]), axes.px(frameAxis[1])], [axes.py(style.pcutoff), axes.py(style.pcutoff)], GREY, { dash: [4, 4] });
    series.forEach((s) => {
      const fx = Array.from({ length: s.x.length }, (_, f) => axes.px(f));
      canvas.path(fx, Array.from(s.likelihood, (v) => axes.py(v)), s.color, { alpha: style.alpha, width: lineWidth });
    });
    axes.draw('Frame Index', 'Likelihood (use to set pcutoff)');
  } else {
    const steps = masked.map((m) => ({ dx: absSteps(m.x), dy: absSteps(m.y) }));
    const maxStep = Math.max(1, maxOf(each(steps.flatMap((s) => [s.dx, s.dy]))));
    const BINS = 100;
    const hists = steps.map((s) => [histogram(s.dx, maxStep, BINS), histogram(s.dy, maxStep, BINS)]);
    const maxCount = Math.max(1, maxOf(each(hists.flat())));
    axes = new Axes(canvas, box.left, box.top, box.width, box.height, [0, maxStep], [0, maxCount * 1.05]);
    series.forEach((s, i) => {
      for (const counts of hists[i]!) {
        // A step outline (histtype="step"): across each bin at its height, up and down at the edges.
        const xs: number[] = [axes.px(0)], ys: number[] = [axes.py(0)];
        counts.forEach((count, b) => {
          const x0 = axes.px((b * maxStep) / BINS), x1 = axes.px(((b + 1) * maxStep) / BINS);
          xs.push(x0, x1);
          ys.push(axes.py(count), axes.py(count));
        });
        xs.push(axes.px(maxStep));
        ys.push(axes.py(0));
        canvas.path(xs, ys, s.color, { width: lineWidth });
      }
    });
    axes.draw('|DeltaX| and |DeltaY| (pixels per frame)', 'Count');
  }
  drawLegend(canvas, series, box);
  return { canvas, axes };
}

/** Every value of several arrays, in turn. */
function* each(arrays: ReadonlyArray<ArrayLike<number>>): Generator<number> {
  for (const a of arrays) for (let i = 0; i < a.length; i++) yield a[i]!;
}

/** The largest finite value (−Infinity when none); no spreading, so long videos do not overflow the stack. */
function maxOf(values: Iterable<number>): number {
  let max = -Infinity;
  for (const v of values) if (Number.isFinite(v) && v > max) max = v;
  return max;
}

/** |v[f+1] − v[f]| where both are known. */
function absSteps(values: Float64Array): number[] {
  const out: number[] = [];
  for (let f = 1; f < values.length; f++) {
    const d = values[f]! - values[f - 1]!;
    if (Number.isFinite(d)) out.push(Math.abs(d));
  }
  return out;
}

/** Counts in `bins` equal bins over [0, max]; max itself falls in the last bin. */
function histogram(values: readonly number[], max: number, bins: number): Uint32Array {
  const counts = new Uint32Array(bins);
  for (const v of values) if (v >= 0 && v <= max) counts[Math.min(bins - 1, Math.floor((v / max) * bins))]! += 1;
  return counts;
}

/** The series of one individual of a PoseArray (its body parts among `parts`), coloured by `colorOf(part name)`. */
function seriesOf(poses: PoseArray, individual: number, parts: Set<string>, colorOf: (name: string) => Color): Series[] {
  const out: Series[] = [];
  poses.bodyparts.forEach((name, k) => {
    if (!parts.has(name)) return;
    const x = new Float64Array(poses.frames), y = new Float64Array(poses.frames), likelihood = new Float64Array(poses.frames);
    for (let f = 0; f < poses.frames; f++) {
      const at = poseOffset(poses, f, individual, k);
      x[f] = poses.data[at]!;
      y[f] = poses.data[at + 1]!;
      likelihood[f] = poses.data[at + 2]!;
    }
    out.push({ name, color: colorOf(name), x, y, likelihood });
  });
  return out;
}

/** Writes the four figures of one individual into `folder`; returns the files. */
export function writeFigures(folder: string, series: readonly Series[], style: FigureStyle, nameSuffix: string): string[] {
  return FIGURE_KINDS.map((kind) => {
    const { canvas } = renderFigure(kind, series, style);
    const file = path.join(folder, `${kind}${nameSuffix}.${style.format}`);
    writeFileAtomic(file, canvas.encode());
    return file;
  });
}

/* ----------------------------------------------------------------- the command */

export async function plotTrajectories(configPath: string, inputs: string[], options: PlotTrajectoriesOptions = {}): Promise<PlotTrajectoriesResult> {
  const log = options.log ?? (() => {});
  const project = loadProject(configPath);
  const config = project.config;
  const pcutoff = options.pcutoff ?? config.pcutoff ?? 0.6;
  if (!Number.isFinite(pcutoff)) throw new HerdError('USAGE', `pcutoff must be a number, got ${pcutoff}`);
  const format = options.format ?? 'png';
  if (format !== 'png' && format !== 'svg') throw new HerdError('USAGE', `format must be png or svg, got "${String(format)}"`);
  const resolution = options.resolution ?? 100;
  if (!(resolution >= 10 && resolution <= 1200)) throw new HerdError('USAGE', `resolution must be between 10 and 1200 dpi, got ${resolution}`);
  const linewidth = options.linewidth ?? 1;
  if (!(linewidth > 0)) throw new HerdError('USAGE', `linewidth must be positive, got ${linewidth}`);
  const alpha = Number(config.alphavalue ?? 0.7);
  const colormap = config.colormap ?? 'rainbow';
  partColors(colormap, 1);
  const filtered = options.filtered ?? false;
  const refined = options.refined ?? false;
  const shuffle = options.shuffle ?? 1;
  const { suffix } = resolveTrackMethod(project, options.trackMethod, { accept: ALL_TRACK_METHODS, singleAnimal: 'ignore' });
  const style: FigureStyle = { resolution, linewidth, alpha: alpha >= 0 && alpha <= 1 ? alpha : 0.7, pcutoff, format };

  const videos = collectVideoPaths(inputs, options.videotype);
  const plans = videos.map((video) => {
    const folder = analysisFolder(video, options.destfolder);
    const found = findPoseTable(video, { folder, shuffle, suffix, filtered, refined });
    if (found.others.length > 0) log(`${path.basename(video)}: using the newest table, ${path.basename(found.file)}`);
    return { video, folder, table: found.file };
  });

  const results: PlottedVideo[] = [];
  for (const plan of plans) {
    options.signal?.throwIfAborted();
    const table = await readPoseTable(plan.table);
    const { poses, unique } = table;
    const allParts = [...poses.bodyparts, ...(unique?.bodyparts ?? [])];
    const parts = selectNames('body part', options.displayedbodyparts, allParts);
    const individuals = selectNames('individual', options.displayedindividuals, [...poses.individuals, ...(unique ? [UNIQUE_INDIVIDUAL] : [])]);
    // One colour per plotted body part, over all of them (as DeepLabCut's colour bar).
    const plotted = allParts.filter((n) => parts.has(n));
    const colors = partColors(colormap, Math.max(1, plotted.length));
    const colorOf = (name: string) => colors[plotted.indexOf(name)]!;
    const folder = path.join(plan.folder, 'plot-poses', path.parse(plan.video).name);
    fs.mkdirSync(folder, { recursive: true });
    const files: string[] = [];
    const filteredSuffix = `${refined ? '_refined' : ''}${filtered ? '_filtered' : ''}`;
    const named = project.multiAnimal || table.multiAnimal;
    poses.individuals.forEach((name, i) => {
      if (!individuals.has(name)) return;
      const series = seriesOf(poses, i, parts, colorOf);
      if (series.length > 0) files.push(...writeFigures(folder, series, style, `${filteredSuffix}${named ? name : ''}`));
    });
    if (unique && individuals.has(UNIQUE_INDIVIDUAL)) {
      const series = seriesOf(unique, 0, parts, colorOf);
      if (series.length > 0) files.push(...writeFigures(folder, series, style, `${filteredSuffix}${UNIQUE_INDIVIDUAL}`));
    }
    if (files.length === 0) log(`${path.basename(plan.video)}: nothing to plot with the chosen body parts and individuals`);
    results.push({ video: plan.video, table: plan.table, folder, files });
  }
  return { pcutoff, format, videos: results };
}
