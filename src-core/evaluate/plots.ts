/**
 * `herd evaluate --plotting` (DeepLabCut's `evaluate_network(plotting=…)`): every train and test image drawn with its
 * labels and the predictions that were scored, as `make_multianimal_labeled_image` draws them: human labels as "+",
 * predictions scoring at least the body part's p-cutoff as "." (a filled dot) and the others as "x", all `dotsize`
 * points at 100 dpi with `alphavalue` opacity, coloured from `colormap` per body part (`bodypart`: the multi-animal
 * parts, then the unique ones) or per individual (`individual`: labels by individual, predicted animals by their
 * assembly slot, unique body parts as one more group). Per colour group the labels are drawn first, then the
 * predictions. Output: `LabeledImages_<scorer>/<Training|Test>-<video>-<image stem>.png` (DeepLabCut's
 * `"Training-" + video folder + "-" + image name`), the size of the frame.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { encodePng } from '../common/png';
import type { RgbImage } from '../io/png-read';
import { colormapColors, type Rgb } from '../labels/colormap';
import { colorCount, evaluationMarkers, isPlottingMode, PLOTTING_MODES, type EvaluationImage, type Marker, type MarkerLayout, type MarkerShape } from './markers';

export { colorCount, evaluationMarkers, isPlottingMode, PLOTTING_MODES, type EvaluationImage, type Marker, type MarkerLayout, type MarkerShape, type PlottingMode } from './markers';

export interface PlotStyle {
  colors: Rgb[];
  /** Marker size in points (config.yaml `dotsize`). */
  dotsize: number;
  /** Opacity (config.yaml `alphavalue`). */
  alpha: number;
}

/** Figures are saved at 100 dpi with one image pixel per figure pixel, so one point is 100/72 pixels. */
const PX_PER_POINT = 100 / 72;
/** matplotlib's `lines.markeredgewidth` (1 pt): half of it on each side of a stroke. */
const HALF_STROKE = PX_PER_POINT / 2;

/**
 * Whether the pixel whose centre is at offset (dx, dy) from a marker's position is painted. Pixel centres sit at
 * integer coordinates (imshow's convention). Strokes have butt ends, as matplotlib's unfilled markers.
 */
function covers(shape: MarkerShape, size: number, dx: number, dy: number): boolean {
  const half = size / 2;
  if (shape === '+') return (Math.abs(dx) <= half && Math.abs(dy) <= HALF_STROKE) || (Math.abs(dy) <= half && Math.abs(dx) <= HALF_STROKE);
  if (shape === 'x') {
    // The two diagonals of the square ±half, measured in the frame turned by 45°.
    const along = (dx + dy) / Math.SQRT2;
    const across = (dx - dy) / Math.SQRT2;
    const reach = half * Math.SQRT2;
    return (Math.abs(along) <= reach && Math.abs(across) <= HALF_STROKE) || (Math.abs(across) <= reach && Math.abs(along) <= HALF_STROKE);
  }
  // ".": a circle of diameter size / 2, filled, with its 1 pt edge.
  const radius = size / 4 + HALF_STROKE;
  return dx * dx + dy * dy <= radius * radius;
}

/** The row-major indices of the pixels one marker paints (none for a NaN position). */
export function markerPixels(width: number, height: number, marker: Marker, dotsize: number): number[] {
  if (!Number.isFinite(marker.x) || !Number.isFinite(marker.y)) return [];
  const size = dotsize * PX_PER_POINT;
  const reach = Math.ceil(size / 2 + HALF_STROKE) + 1;
  const cx = Math.round(marker.x);
  const cy = Math.round(marker.y);
  const out: number[] = [];
  for (let y = Math.max(0, cy - reach); y <= Math.min(height - 1, cy + reach); y++) {
    for (let x = Math.max(0, cx - reach); x <= Math.min(width - 1, cx + reach); x++) {
      if (covers(marker.shape, size, x - marker.x, y - marker.y)) out.push(y * width + x);
    }
  }
  return out;
}

/** Paints the markers in order onto `image` (in place), each blended once with the style's opacity. */
export function drawMarkers(image: RgbImage, markers: readonly Marker[], style: PlotStyle): void {
  for (const marker of markers) {
    const color = style.colors[marker.color];
    if (!color) throw new Error(`drawMarkers: no colour ${marker.color} (${style.colors.length} colours)`);
    for (const p of markerPixels(image.width, image.height, marker, style.dotsize)) {
      for (let c = 0; c < 3; c++) {
        const at = 3 * p + c;
        image.data[at] = Math.round((1 - style.alpha) * image.data[at]! + style.alpha * 255 * color[c]!);
      }
    }
  }
}

/** The style config.yaml asks for (check-labels reads the same keys, with the same defaults). */
export function plotStyle(config: Record<string, unknown>, colors: number): PlotStyle {
  return {
    colors: colormapColors(typeof config.colormap === 'string' ? config.colormap : 'rainbow', colors),
    dotsize: typeof config.dotsize === 'number' ? config.dotsize : 12,
    alpha: typeof config.alphavalue === 'number' ? config.alphavalue : 0.7,
  };
}

/** `<Training|Test>-<video>-<image stem>.png` for `labeled-data/<video>/<image>`. */
export function plotFileName(imagePath: string, split: 'train' | 'test'): string {
  const parts = imagePath.split(/[\\/]/).filter((part) => part !== '');
  const image = parts[parts.length - 1] ?? 'image';
  const video = parts.length >= 2 ? parts[parts.length - 2]! : 'images';
  return `${split === 'train' ? 'Training' : 'Test'}-${video}-${path.parse(image).name}.png`;
}

/** Draws the evaluated images of one snapshot into `folder`. */
export class EvaluationPlotter {
  private readonly style: PlotStyle;
  written = 0;

  constructor(
    readonly folder: string,
    private readonly layout: MarkerLayout,
    config: Record<string, unknown>,
  ) {
    if (!isPlottingMode(layout.mode)) {
      throw new HerdError('USAGE', `plotting must be ${PLOTTING_MODES.join(' or ')}, got "${String(layout.mode)}"`);
    }
    this.style = plotStyle(config, colorCount(layout));
    fs.mkdirSync(folder, { recursive: true });
  }

  /** Draws `source` (left untouched) with the image's markers and writes it atomically; returns the file. */
  plot(source: RgbImage, imagePath: string, split: 'train' | 'test', data: EvaluationImage): string {
    const image: RgbImage = { width: source.width, height: source.height, data: Uint8Array.from(source.data) };
    drawMarkers(image, evaluationMarkers(data, this.layout), this.style);
    const file = path.join(this.folder, plotFileName(imagePath, split));
    writeFileAtomic(file, encodePng(image.data, image.width, image.height));
    this.written++;
    return file;
  }
}
