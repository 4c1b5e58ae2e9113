/**
 * `check_labels`: draws each labeled frame with its labels into `labeled-data/<video>_labeled/`, as DeepLabCut's
 * `make_labeled_images_from_dataframe` does: marker "+" of `dotsize` points at 100 dpi, `alphavalue` opacity,
 * colours from `colormap` resampled to the number of body parts (or individuals with `visualizeIndividuals`),
 * skeleton edges in `skeleton_color` (1.5 pt lines); output `<image stem>_<bodypart|individual>.png`, the same
 * size as the frame.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { encodePng } from '../common/png';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import type { RgbImage } from '../io/png-read';
import type { Project } from '../project/load';
import { readImageFile } from '../video';
import { colormapColors, namedColor, type Rgb } from './colormap';
import { findLabelFile, readLabels } from './files';
import type { LabelTable } from './table';

export interface CheckLabelsOptions {
  /** Colour by individual instead of by body part (multi-animal only; DeepLabCut's default is true). */
  visualizeIndividuals?: boolean;
  drawSkeleton?: boolean;
  /** Only these labeled-data folders (video stems); default all that have labels. */
  videos?: string[];
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface CheckLabelsResult {
  folders: string[];
  images: number;
  warnings: string[];
}

const DPI = 100;
const POINTS = DPI / 72;

/** Pixels (row-major indices) within `radius` of the segment (x0, y0)–(x1, y1); pixel centres at integers. */
function segmentPixels(width: number, height: number, x0: number, y0: number, x1: number, y1: number, radius: number, into: Set<number>): void {
  const minX = Math.max(0, Math.floor(Math.min(x0, x1) - radius));
  const maxX = Math.min(width - 1, Math.ceil(Math.max(x0, x1) + radius));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1) - radius));
  const maxY = Math.min(height - 1, Math.ceil(Math.max(y0, y1) + radius));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const length2 = dx * dx + dy * dy;
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / length2));
      const px = x0 + t * dx - x;
      const py = y0 + t * dy - y;
      if (px * px + py * py <= radius * radius) into.add(y * width + x);
    }
  }
}

function blend(image: RgbImage, pixels: Set<number>, color: Rgb, alpha: number): void {
  for (const p of pixels) {
    for (let c = 0; c < 3; c++) {
      const at = p * 3 + c;
      image.data[at] = Math.round((1 - alpha) * image.data[at] + alpha * color[c] * 255);
    }
  }
}

/** The colour index of each (x, y) column pair, as make_labeled_images_from_dataframe maps them. */
export function labelColorIndex(table: LabelTable, by: 'bodypart' | 'individual'): { indices: number[]; count: number } {
  const pairs = table.columns.filter((column) => column.coord === 'x');
  const names: string[] = [];
  const key = (column: (typeof pairs)[number]) => (by === 'bodypart' ? column.bodypart : (column.individual as string));
  for (const column of pairs) if (!names.includes(key(column))) names.push(key(column));
  return { indices: pairs.map((column) => names.indexOf(key(column))), count: names.length };
}

/** Draws the labels of one row onto `image` (in place). */
export function drawLabels(
  image: RgbImage,
  table: LabelTable,
  row: number,
  style: { colors: Rgb[]; colorIndex: number[]; dotsize: number; alpha: number; skeleton: Array<[string, string]>; skeletonColor: Rgb },
): void {
  const width = table.columns.length;
  const points: Array<{ individual?: string; bodypart: string; x: number; y: number }> = [];
  for (let column = 0; column < width; column++) {
    const c = table.columns[column];
    if (c.coord !== 'x') continue;
    const yColumn = table.columns.findIndex((o) => o.coord === 'y' && o.bodypart === c.bodypart && o.individual === c.individual);
    points.push({ individual: c.individual, bodypart: c.bodypart, x: table.values[row * width + column], y: yColumn < 0 ? Number.NaN : table.values[row * width + yColumn] });
  }
  // Markers "+" of `dotsize` points, 1 pt strokes.
  const half = (style.dotsize * POINTS) / 2;
  const stroke = POINTS / 2; // markeredgewidth 1 pt
  points.forEach((p, i) => {
    if (!Number.isFinite(p.x + p.y)) return;
    const plus = new Set<number>();
    segmentPixels(image.width, image.height, p.x - half, p.y, p.x + half, p.y, stroke, plus);
    segmentPixels(image.width, image.height, p.x, p.y - half, p.x, p.y + half, stroke, plus);
    blend(image, plus, style.colors[style.colorIndex[i]], style.alpha);
  });
  // Then the skeleton, over the markers as in DeepLabCut (its LineCollection is added after the markers):
  // edges between labeled body parts of the same individual.
  const lines = new Set<number>();
  for (const [a, b] of style.skeleton) {
    for (const p of points) {
      if (p.bodypart !== a || !Number.isFinite(p.x + p.y)) continue;
      const q = points.find((o) => o.bodypart === b && o.individual === p.individual && Number.isFinite(o.x + o.y));
      if (q) segmentPixels(image.width, image.height, p.x, p.y, q.x, q.y, (1.5 * POINTS) / 2, lines);
    }
  }
  blend(image, lines, style.skeletonColor, style.alpha);
}

/** Draws every labeled image of the project (or of `options.videos`) into `labeled-data/<video>_labeled/`. */
export async function checkLabels(project: Project, options: CheckLabelsOptions = {}): Promise<CheckLabelsResult> {
  const labeledData = path.join(project.root, 'labeled-data');
  if (!fs.existsSync(labeledData)) throw new HerdError('LABELS_NO_DATA', 'the project has no labeled-data folder', { file: labeledData });
  const scorer = project.config.scorer;
  const candidates = (options.videos ?? fs.readdirSync(labeledData).filter((name) => !name.endsWith('_labeled')).sort())
    .map((video) => path.join(labeledData, video))
    .filter((folder) => fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory());
  const warnings: string[] = [];
  const jobs: Array<{ folder: string; table: LabelTable }> = [];
  for (const folder of candidates) {
    const file = findLabelFile(folder, scorer);
    if (!file) {
      warnings.push(`${folder}: no CollectedData_${scorer}.h5 or .csv, skipped`);
      continue;
    }
    const read = await readLabels(file, { project });
    warnings.push(...read.warnings.map((warning) => `${warning.file}${warning.line ? `:${warning.line}` : ''}: ${warning.message}`));
    jobs.push({ folder, table: read.table });
  }
  const by = options.visualizeIndividuals !== false && project.multiAnimal ? 'individual' : 'bodypart';
  const config = project.config;
  const skeleton = options.drawSkeleton === false ? [] : ((Array.isArray(config.skeleton) ? config.skeleton : []) as Array<[string, string]>);
  const skeletonColor = namedColor(typeof config.skeleton_color === 'string' ? config.skeleton_color : 'black');
  const total = jobs.reduce((sum, job) => sum + job.table.images.length, 0);
  const counter = new ProgressCounter(options.progress ?? silentProgress, 'check labels', total, 'images');
  let images = 0;
  try {
    for (const { folder, table } of jobs) {
      const { indices, count } = labelColorIndex(table, by);
      const colors = colormapColors(typeof config.colormap === 'string' ? config.colormap : 'rainbow', count);
      const style = {
        colors, colorIndex: indices, skeleton, skeletonColor,
        dotsize: typeof config.dotsize === 'number' ? config.dotsize : 12,
        alpha: typeof config.alphavalue === 'number' ? config.alphavalue : 0.7,
      };
      const outFolder = `${folder}_labeled`;
      fs.mkdirSync(outFolder, { recursive: true });
      for (let row = 0; row < table.images.length; row++) {
        if (options.signal?.aborted) throw new HerdError('CANCELLED', 'cancelled');
        const source = path.join(project.root, ...table.images[row].split('/'));
        const image = await readImageFile(source, options.signal);
        drawLabels(image, table, row, style);
        const name = path.basename(source).replace(/\.png$/i, `_${by}.png`);
        writeFileAtomic(path.join(outFolder, name === path.basename(source) ? `${name}_${by}.png` : name), encodePng(image.data, image.width, image.height));
        images++;
        counter.add();
      }
    }
  } finally {
    counter.finish();
  }
  return { folders: jobs.map((job) => `${job.folder}_labeled`), images, warnings };
}
