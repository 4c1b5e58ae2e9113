/**
 * `herd extract-save-all-maps` (DeepLabCut's `extract_save_all_maps`): a snapshot runs on a shuffle's labeled
 * images (full frames, no augmentation, as `herd evaluate` feeds them) and every head map is drawn over its image
 * into `evaluation-results-pytorch/iteration-N/<shuffle folder>/maps/`:
 *
 * - `<image stem>_scmap_<part>.png`: the part's heatmap probability (sigmoid of the logits), colour scale 0 → 1;
 * - `<image stem>_locref_<part>.png`: the location-refinement vector's length (pixels), colour scale 0 → the map's
 *   maximum;
 * - `<image stem>_paf_<a>-<b>.png`: the length of edge a–b's part-affinity field, colour scale 0 → the map's maximum.
 *
 * Body parts are the multi-animal ones followed by the unique ones (which have their own heatmap and locref heads).
 * Maps are upsampled from the output grid to the image with cell (i, j) centred on pixel
 * (j·s + (s−1)/2, i·s + (s−1)/2) (model/decode.ts), bilinearly by default or by nearest cell, and blended over the
 * image by `blendMap`: a value v in [0, 1] takes the colormap's colour at v with opacity `alpha + (1 − alpha)·v`, so
 * 0 leaves the image tinted with the colormap's bottom colour at opacity `alpha` and 1 shows the top colour opaque.
 * The image stem is the image's file name without extension, prefixed with `<video folder>_` when two images of the
 * dataset share a file name.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { encodePng } from '../common/png';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { loadShuffle, type LoadedShuffle } from '../dataset';
import type { HeadArrays } from '../infer/pose-model';
import { colormapColors } from '../labels/colormap';
import { loadSamples } from '../train/data';
import { selectBackend } from '../train/engine/backend';
import { chooseSnapshots, evaluationFolder, openSnapshot } from './snapshot-runner';

export type MapInterpolation = 'bilinear' | 'nearest';
export const MAP_INTERPOLATIONS: readonly MapInterpolation[] = ['bilinear', 'nearest'];

/** A packed RGB24 image (structurally io/png-read's and train/augment's RgbImage). */
export interface MapImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One channel of a head output: `Ho × Wo` values, row-major. */
export interface GridMap {
  values: Float32Array;
  Ho: number;
  Wo: number;
}

export interface BlendOptions {
  /** Pixels per output cell. */
  stride: number;
  /** A colormap of labels/colormap.ts (default 'jet'). */
  colormap?: string;
  /** Opacity of the colour where the value is 0 (default 0.3); it rises linearly to 1 at value 1. */
  alpha?: number;
  interpolation?: MapInterpolation;
  /** The value drawn with the top colour (default 1); values are divided by it and clamped to [0, 1]. */
  scale?: number;
}

export const DEFAULT_MAP_ALPHA = 0.3;

const lutCache = new Map<string, Uint8Array>();

/** The colormap as 256 RGB24 entries, entry i for value i / 255. */
export function colormapLut(name: string): Uint8Array {
  let lut = lutCache.get(name);
  if (!lut) {
    lut = new Uint8Array(256 * 3);
    colormapColors(name, 256).forEach((rgb, i) => rgb.forEach((c, ch) => (lut![3 * i + ch] = Math.round(c * 255))));
    lutCache.set(name, lut);
  }
  return lut;
}

/**
 * The map upsampled to `width × height` pixels: pixel (x, y) reads the grid at ((x − (s−1)/2) / s, (y − (s−1)/2) / s),
 * bilinearly between the four nearest cell centres (clamped at the border) or from the nearest cell.
 */
export function upsampleMap(map: GridMap, width: number, height: number, stride: number, interpolation: MapInterpolation = 'bilinear'): Float32Array {
  const { values, Ho, Wo } = map;
  if (values.length !== Ho * Wo) throw new Error(`upsampleMap: expected ${Ho * Wo} values, got ${values.length}`);
  const out = new Float32Array(width * height);
  const offset = (stride - 1) / 2;
  if (interpolation === 'nearest') {
    for (let y = 0; y < height; y++) {
      const i = Math.min(Ho - 1, Math.floor(y / stride));
      for (let x = 0; x < width; x++) out[y * width + x] = values[i * Wo + Math.min(Wo - 1, Math.floor(x / stride))]!;
    }
    return out;
  }
  // Per column: the two grid columns and the weight of the second (the same for every row).
  const j0 = new Int32Array(width);
  const j1 = new Int32Array(width);
  const wx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const u = Math.min(Wo - 1, Math.max(0, (x - offset) / stride));
    j0[x] = Math.floor(u);
    j1[x] = Math.min(Wo - 1, j0[x]! + 1);
    wx[x] = u - j0[x]!;
  }
  for (let y = 0; y < height; y++) {
    const v = Math.min(Ho - 1, Math.max(0, (y - offset) / stride));
    const i0 = Math.floor(v);
    const i1 = Math.min(Ho - 1, i0 + 1);
    const wy = v - i0;
    for (let x = 0; x < width; x++) {
      const a = values[i0 * Wo + j0[x]!]! * (1 - wx[x]!) + values[i0 * Wo + j1[x]!]! * wx[x]!;
      const b = values[i1 * Wo + j0[x]!]! * (1 - wx[x]!) + values[i1 * Wo + j1[x]!]! * wx[x]!;
      out[y * width + x] = a * (1 - wy) + b * wy;
    }
  }
  return out;
}

/**
 * The map drawn over the image (RGB24 of the image's size): value v (divided by `scale`, clamped to [0, 1]) gives
 * colour c = colormap(v) at opacity a = alpha + (1 − alpha)·v, pixel = (1 − a)·image + a·c, rounded.
 */
export function blendMap(image: MapImage, map: GridMap, options: BlendOptions): Uint8Array {
  const alpha = options.alpha ?? DEFAULT_MAP_ALPHA;
  if (!(alpha >= 0 && alpha <= 1)) throw new HerdError('USAGE', `alpha must be between 0 and 1, got ${alpha}`);
  const scale = options.scale ?? 1;
  const lut = colormapLut(options.colormap ?? 'jet');
  const up = upsampleMap(map, image.width, image.height, options.stride, options.interpolation ?? 'bilinear');
  const out = new Uint8Array(image.width * image.height * 3);
  for (let p = 0; p < up.length; p++) {
    const raw = scale > 0 ? up[p]! / scale : 0;
    const v = raw > 0 ? Math.min(1, raw) : 0; // NaN → 0
    const a = alpha + (1 - alpha) * v;
    const entry = 3 * Math.round(v * 255);
    for (let ch = 0; ch < 3; ch++) out[3 * p + ch] = Math.round((1 - a) * image.data[3 * p + ch]! + a * lut[entry + ch]!);
  }
  return out;
}

/** Channel `c` of frame 0 of an NHWC head output as a grid map, with `transform` applied to each value. */
function channel(array: { data: Float32Array; shape: [number, number, number, number] }, c: number, transform?: (v: number) => number): GridMap {
  const [, Ho, Wo, C] = array.shape;
  const values = new Float32Array(Ho * Wo);
  for (let cell = 0; cell < Ho * Wo; cell++) {
    const v = array.data[cell * C + c]!;
    values[cell] = transform ? transform(v) : v;
  }
  return { values, Ho, Wo };
}

/** The length of the 2-vector in channels c, c+1, times `factor`. */
function magnitude(array: { data: Float32Array; shape: [number, number, number, number] }, c: number, factor = 1): GridMap {
  const [, Ho, Wo, C] = array.shape;
  const values = new Float32Array(Ho * Wo);
  for (let cell = 0; cell < Ho * Wo; cell++) values[cell] = Math.hypot(array.data[cell * C + c]!, array.data[cell * C + c + 1]!) * factor;
  return { values, Ho, Wo };
}

function maxOf(values: Float32Array): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** A body-part name made safe for a file name. */
function fileSafe(name: string): string {
  return name.replace(/[^\w.+=@-]+/g, '_');
}

export interface MapSelection {
  /** Body parts: multi-animal ones, then unique ones; `head` says which head draws them and `channel` where. */
  parts: Array<{ name: string; head: 'multi' | 'unique'; index: number }>;
  /** PAF edges (index into the model's graph) whose two ends are both selected. */
  edges: Array<{ index: number; name: string }>;
}

/** The maps to draw: every body part, or those `parts` names, and the PAF edges between them. */
export function selectMaps(bodyparts: readonly string[], uniqueBodyparts: readonly string[], graph: ReadonlyArray<readonly [number, number]>, parts?: readonly string[]): MapSelection {
  const all = [
    ...bodyparts.map((name, index) => ({ name, head: 'multi' as const, index })),
    ...uniqueBodyparts.map((name, index) => ({ name, head: 'unique' as const, index })),
  ];
  if (parts) {
    const unknown = parts.filter((p) => !all.some((a) => a.name === p));
    if (unknown.length > 0) {
      throw new HerdError('MAPS_UNKNOWN_BODYPART', `unknown body part${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `"${p}"`).join(', ')} (the model has ${all.map((a) => a.name).join(', ')})`);
    }
  }
  const chosen = parts ? all.filter((a) => parts.includes(a.name)) : all;
  const chosenMulti = new Set(chosen.filter((a) => a.head === 'multi').map((a) => a.index));
  const edges = graph.flatMap(([s, t], index) => (chosenMulti.has(s) && chosenMulti.has(t) ? [{ index, name: `${bodyparts[s]}-${bodyparts[t]}` }] : []));
  return { parts: chosen, edges };
}

export interface ExtractMapsOptions {
  shuffle?: number;
  trainingsetindex?: number;
  /** Index into the shuffle's snapshots (−1 = the last; the best snapshot sorts last). */
  snapshot?: number;
  /** Rows of the shuffle's dataset (its `images`) to draw; default: the test images (`all`: train and test). */
  indices?: number[];
  all?: boolean;
  /** Only these body parts (multi-animal or unique), and the PAF edges between them. */
  parts?: string[];
  interpolation?: MapInterpolation;
  colormap?: string;
  alpha?: number;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ExtractMapsResult {
  shuffle: number;
  snapshot: string;
  folder: string;
  /** Dataset rows drawn, in order. */
  indices: number[];
  files: string[];
  interpolation: MapInterpolation;
}

/** `evaluation-results-pytorch/iteration-N/<shuffle folder>/maps/`. */
export function mapsFolder(shuffle: LoadedShuffle): string {
  return path.join(evaluationFolder(shuffle), 'maps');
}

/** The file-name stem of every dataset image: its name, with its video folder when names repeat across videos. */
export function imageStems(imagePaths: readonly string[]): string[] {
  const stemOf = (p: string) => path.posix.parse(p).name;
  const counts = new Map<string, number>();
  for (const p of imagePaths) counts.set(stemOf(p), (counts.get(stemOf(p)) ?? 0) + 1);
  return imagePaths.map((p) => {
    const stem = stemOf(p);
    if (counts.get(stem) === 1) return fileSafe(stem);
    const video = path.posix.basename(path.posix.dirname(p));
    return fileSafe(`${video}_${stem}`);
  });
}

export async function extractSaveAllMaps(configPath: string, options: ExtractMapsOptions = {}): Promise<ExtractMapsResult> {
  const interpolation = options.interpolation ?? 'bilinear';
  if (!MAP_INTERPOLATIONS.includes(interpolation)) throw new HerdError('USAGE', `interpolation must be ${MAP_INTERPOLATIONS.join(' or ')}, got "${String(interpolation)}"`);
  const colormap = options.colormap ?? 'jet';
  colormapLut(colormap); // an unknown colormap fails before the model runs
  const alpha = options.alpha ?? DEFAULT_MAP_ALPHA;
  if (!(alpha >= 0 && alpha <= 1)) throw new HerdError('USAGE', `alpha must be between 0 and 1, got ${alpha}`);
  if (options.indices && options.all) throw new HerdError('USAGE', 'give either indices or all, not both');

  const shuffle = await loadShuffle(configPath, options.shuffle ?? 1, options.trainingsetindex ?? 0);
  const [file] = chooseSnapshots(shuffle, [options.snapshot ?? -1]) as [string];
  const indices = options.indices ?? (options.all ? [...shuffle.trainIndices, ...shuffle.testIndices].sort((a, b) => a - b) : shuffle.testIndices);
  const bad = indices.filter((i) => !Number.isInteger(i) || i < 0 || i >= shuffle.images.length);
  if (bad.length > 0) throw new HerdError('USAGE', `indices ${bad.join(', ')} are outside the dataset's ${shuffle.images.length} images (0–${shuffle.images.length - 1})`);

  await selectBackend({ prefer: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] });
  const runner = openSnapshot(shuffle, file);
  const { info, setup } = runner;
  const selection = selectMaps(info.bodyparts, info.uniqueBodyparts, info.pafGraph, options.parts);
  const folder = mapsFolder(shuffle);
  fs.mkdirSync(folder, { recursive: true });
  const stems = imageStems(shuffle.images.map((image) => image.path));
  const files: string[] = [];
  const counter = new ProgressCounter(options.progress ?? silentProgress, `extract maps (${path.basename(file)})`, indices.length, 'images');
  try {
    for (const index of indices) {
      options.signal?.throwIfAborted();
      const [sample] = await loadSamples(shuffle, [index], setup, { signal: options.signal });
      const heads = runner.run([sample!], 0);
      for (const drawn of drawMaps(sample!.image, heads, selection, { stride: info.stride, locrefStd: info.locrefStd, interpolation, colormap, alpha })) {
        const target = path.join(folder, `${stems[index]}_${drawn.kind}_${fileSafe(drawn.name)}.png`);
        writeFileAtomic(target, encodePng(drawn.rgb, sample!.image.width, sample!.image.height));
        files.push(target);
      }
      counter.add();
    }
  } finally {
    counter.finish();
    runner.dispose();
  }
  options.log?.(`shuffle ${shuffle.shuffle}, ${path.basename(file)}: ${files.length} maps of ${indices.length} images in ${folder}`);
  return { shuffle: shuffle.shuffle, snapshot: file, folder, indices, files, interpolation };
}

export interface DrawnMap {
  kind: 'scmap' | 'locref' | 'paf';
  /** The body part, or `<a>-<b>` for a PAF edge. */
  name: string;
  rgb: Uint8Array;
}

/** Every selected map of frame 0 of `heads`, drawn over `image`. */
export function drawMaps(
  image: MapImage,
  heads: HeadArrays,
  selection: MapSelection,
  options: { stride: number; locrefStd: number; interpolation: MapInterpolation; colormap: string; alpha: number },
): DrawnMap[] {
  const blend = { stride: options.stride, interpolation: options.interpolation, colormap: options.colormap, alpha: options.alpha };
  const out: DrawnMap[] = [];
  for (const part of selection.parts) {
    const heatmap = heads[part.head === 'multi' ? 'heatmap' : 'unique_heatmap'];
    if (!heatmap) throw new HerdError('MODEL_INVALID', `the model has no ${part.head === 'multi' ? 'heatmap' : 'unique_heatmap'} head for "${part.name}"`);
    out.push({ kind: 'scmap', name: part.name, rgb: blendMap(image, channel(heatmap, part.index, sigmoid), { ...blend, scale: 1 }) });
  }
  for (const part of selection.parts) {
    const locref = heads[part.head === 'multi' ? 'locref' : 'unique_locref'];
    if (!locref) throw new HerdError('MODEL_INVALID', `the model has no ${part.head === 'multi' ? 'locref' : 'unique_locref'} head for "${part.name}"`);
    const map = magnitude(locref, 2 * part.index, options.locrefStd);
    out.push({ kind: 'locref', name: part.name, rgb: blendMap(image, map, { ...blend, scale: maxOf(map.values) }) });
  }
  if (selection.edges.length > 0) {
    const paf = heads.paf;
    if (!paf) throw new HerdError('MODEL_INVALID', 'the model has a PAF graph but no paf head');
    for (const edge of selection.edges) {
      const map = magnitude(paf, 2 * edge.index);
      out.push({ kind: 'paf', name: edge.name, rgb: blendMap(image, map, { ...blend, scale: maxOf(map.values) }) });
    }
  }
  return out;
}

