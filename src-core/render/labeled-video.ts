/**
 * `herd create-labeled-video` (DeepLabCut's `create_labeled_video`, dlc-spec §4.4 and §8): the poses of an analysis
 * table (`<video><scorer>[_el|_bx|_sk][_refined][_filtered].h5` or `.csv`) drawn on the video they came from, and — with
 * `tracklets` — the raw tracklets of `herd convert-detections2tracklets`, before stitching, one colour per tracklet.
 *
 * Drawing follows DeepLabCut's fast mode (`CreateVideo`): every point whose likelihood is above the p-cutoff as a
 * filled disc of radius `dotsize` (`skimage.draw.disk`), coloured from `colormap` per body part (`color_by:
 * bodypart`; multi-animal parts, then unique parts) or per individual (`individual`; the individuals, then `single`
 * for the unique parts), with `(cmap(linspace(0, 1, n)) * 255).astype(uint8)` colours. The skeleton
 * (`draw_skeleton`) is drawn under the points, per animal, between parts that are both above the cutoff, as
 * anti-aliased lines in `skeleton_color`. `trailpoints` = n also draws the points of the n − 1 previous frames.
 *
 * Herd has one renderer, streaming (decode → draw → encode, with the next frame drawn while ffmpeg takes the last).
 * DeepLabCut's slow mode (`fastmode=False`, matplotlib) differs only in looks: it lays the points on with
 * `alphavalue` opacity. `fastmode: false` does just that here (discs blended with `alphavalue`), at full speed.
 *
 * Names (next to the table: beside the video, or in `destfolder`):
 * - multi-animal: `<table stem>{_id|_bp}_p<int(100·pcutoff)>_labeled.mp4`, e.g. `miceDLC_…_el_bp_p60_labeled.mp4`
 *   (the table stem carries the tracker suffix, `_refined` and `_filtered`: `miceDLC_…_el_refined_filtered_bp_p60_labeled.mp4`);
 * - single animal: `<video><scorer>_labeled.mp4`, filtered `<video><scorer>filtered_labeled.mp4`, refined
 *   `<video><scorer>_refined_labeled.mp4`, refined and filtered `<video><scorer>_refinedfiltered_labeled.mp4`;
 * - tracklets: `<video><scorer><tracker suffix>_tracklets.mp4` (Herd's; DeepLabCut has no such video);
 * - `save_frames`: the drawn frames also as PNGs in `<video name without .mp4>_frames/img<frame>.png`.
 *
 * Coordinates are full-frame pixels (what `herd analyze` writes, also when config.yaml crops); `displaycropped`
 * shows only config.yaml's crop box (x1, x2, y1, y2) and shifts the points into it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { temporarySibling } from '../common/atomic';
import { drawText } from '../common/bitmap-font';
import { HerdError, isHerdError } from '../common/errors';
import { encodePng } from '../common/png';
import { createPoseArray, poseOffset, type PoseArray } from '../common/pose';
import { silentProgress, type ProgressReporter } from '../common/progress';
import { frameImageName } from '../frames/naming';
import { ALL_TRACK_METHODS, analysisFolder, findPoseTable, findTrackletsFile, resolveTrackMethod, TRACKER_KINDS, type FoundAnalysisOutput, type TrackerKind } from '../infer/locate';
import { UNIQUE_INDIVIDUAL } from '../io/dlc-csv';
import { readPoseTable, type PoseTable } from '../io/pose-table';
import { namedColor } from '../labels/colormap';
import { loadProject } from '../project/load';
import { collectVideoPaths } from '../project/videos';
import { readTracklets, type TrackletSet } from '../track/tracklets';
import { decodeFrames, defaultCodec, openEncoder, probeVideo, type CropBox, type Frame, type VideoEncoder, type VideoInfo } from '../video';
import { drawDisc, partColors } from './all-detections';
import { drawLine, type Color } from './raster';

export type ColorBy = 'bodypart' | 'individual';

export interface LabeledVideoOptions {
  videotype?: string;
  /** Pick tables of this shuffle (the `shuffle<k>` in the scorer; default 1). */
  shuffle?: number;
  /** Draw `<…>_filtered.h5` (herd filter) instead of the unfiltered table. */
  filtered?: boolean;
  /** Draw the table saved by the refinement panel, `<…>_refined.h5` (with `filtered`, `<…>_refined_filtered.h5`). */
  refined?: boolean;
  /** DeepLabCut's fast mode (default true): opaque discs. False: discs laid on with `alphavalue` (the slow mode's look). */
  fastmode?: boolean;
  /** Also write every drawn frame as a PNG (into `<output>_frames/`). */
  saveFrames?: boolean;
  /** Draw on black instead of the video. */
  keypointsOnly?: boolean;
  /** Only these frames (0-based), in order: the video (and the PNGs) hold just them. */
  frames2plot?: number[];
  /** Body parts to draw (multi-animal and unique names; default all). */
  displayedbodyparts?: string[] | 'all';
  /** Individuals to draw (`single` = the unique body parts; default all). */
  displayedindividuals?: string[] | 'all';
  /** ffmpeg encoder, or DeepLabCut's OpenCV fourcc (`mp4v` → mpeg4, `avc1`/`h264` → libx264, `mjpg` → mjpeg). */
  codec?: string;
  /** Frame rate written into the output (default: the video's); all frames are kept. */
  outputframerate?: number;
  /** Where the analysis outputs are (default: beside each video); the labeled video goes there too. */
  destfolder?: string;
  drawSkeleton?: boolean;
  /** Skeleton edges (default config.yaml's `skeleton`). */
  skeleton?: Array<[string, string]>;
  /** Skeleton colour, a name or #rrggbb (default config.yaml's `skeleton_color`). */
  skeletonColor?: string;
  /** Also draw the points of the previous `trailpoints − 1` frames. */
  trailpoints?: number;
  /** Show only config.yaml's crop box (when `cropping` is true). */
  displaycropped?: boolean;
  colorBy?: ColorBy;
  /** box | ellipse | skeleton | transformer | ctd | identity (default config.yaml's default_track_method, else ellipse). */
  trackMethod?: string;
  /** Points with likelihood at or below this are not drawn (default config.yaml's pcutoff). */
  pcutoff?: number;
  dotsize?: number;
  colormap?: string;
  alphavalue?: number;
  /** Render videos that already exist again (default: skip them). */
  overwrite?: boolean;
  /** Draw the raw tracklets (`<prefix><tracker>.tracklets.safetensors`) instead of the table, coloured per tracklet. */
  tracklets?: boolean;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface LabeledVideo {
  video: string;
  /** The pose table or tracklets file drawn. */
  source: string;
  output: string;
  status: 'rendered' | 'skipped';
  scorer: string;
  /** Frames written to the output. */
  frames: number;
  /** The video's frames. */
  totalFrames: number;
  /** Points drawn over all frames (trail points not counted). */
  drawn: number;
  /** True when the video stopped early (damaged or truncated): the output has the frames that decoded. */
  partial: boolean;
  /** The folder of PNGs (`saveFrames`). */
  framesFolder?: string;
  /** Rendering speed, frames per second (decode + draw + encode). */
  fps?: number;
  message?: string;
}

export interface LabeledVideoResult {
  pcutoff: number;
  dotsize: number;
  colormap: string;
  colorBy: ColorBy;
  trackMethod?: string;
  videos: LabeledVideo[];
}

/* ----------------------------------------------------------------- names and files */

/** `<table stem>{_id|_bp}_p<int(100·pcutoff)>_labeled.mp4` (multi-animal) or `<video><scorer>[filtered]_labeled.mp4`. */
export function labeledVideoPath(table: string, options: { multiAnimal: boolean; colorBy: ColorBy; pcutoff: number; filtered: boolean }): string {
  const folder = path.dirname(table);
  const stem = path.parse(table).name;
  if (options.multiAnimal) {
    // Python's int(100 * pcutoff): the same double product, truncated.
    return path.join(folder, `${stem}${options.colorBy === 'individual' ? '_id' : '_bp'}_p${Math.trunc(100 * options.pcutoff)}_labeled.mp4`);
  }
  // A filtered table refined in the panel (`…_filtered_refined`) keeps its stem.
  const base = options.filtered && stem.endsWith('_filtered') ? `${stem.slice(0, -'_filtered'.length)}filtered` : stem;
  return path.join(folder, `${base}_labeled.mp4`);
}

/** `<prefix><tracker suffix>_tracklets.mp4` for `<prefix><tracker suffix>.tracklets.safetensors`. */
export function trackletsVideoPath(trackletsFile: string): string {
  return trackletsFile.replace(/\.tracklets\.safetensors$/, '') + '_tracklets.mp4';
}

/** DeepLabCut passes OpenCV fourccs; ffmpeg names its encoders. */
const FOURCC_ENCODER: Readonly<Record<string, string>> = {
  mp4v: 'mpeg4',
  divx: 'mpeg4',
  xvid: 'mpeg4',
  avc1: 'libx264',
  h264: 'libx264',
  x264: 'libx264',
  mjpg: 'mjpeg',
};

export function encoderForCodec(codec: string | undefined): string | undefined {
  if (!codec) return undefined;
  return FOURCC_ENCODER[codec.toLowerCase()] ?? codec;
}

/* ----------------------------------------------------------------- drawing */

/** What one frame's drawing needs from a source of poses. */
export interface PoseLayer {
  /** Body parts drawn (indices into each animal's K body parts). */
  parts: readonly number[];
  /** Skeleton edges between body parts (indices), drawn when both ends are above the cutoff. */
  edges: ReadonlyArray<readonly [number, number]>;
  /** Calls `visit` for each animal present at `frame`: its key, and where its K × (x, y, likelihood) start. */
  animals(frame: number, visit: (animal: number, data: ArrayLike<number>, offset: number) => void): void;
  color(animal: number, part: number): Color;
  /** A text drawn beside the animal (tracklet ids). */
  label?(animal: number): string | undefined;
}

export interface PaintStyle {
  pcutoff: number;
  dotsize: number;
  /** Disc opacity (1 = DeepLabCut's fast mode). */
  alpha: number;
  trailpoints: number;
  keypointsOnly: boolean;
  /** Skeleton colour; undefined = no skeleton. */
  skeletonColor?: Color;
  /** Subtracted from every coordinate (the crop box's corner when showing a crop). */
  offsetX: number;
  offsetY: number;
}

/** Draws the layers' poses on frames in place; counts the points drawn. */
export class LabelPainter {
  drawn = 0;

  constructor(
    private readonly layers: readonly PoseLayer[],
    private readonly style: PaintStyle,
  ) {}

  paint(frame: Frame): void {
    const { data, width, height, index } = frame;
    const s = this.style;
    if (s.keypointsOnly) data.fill(0);
    const image = { width, height, data };
    const ox = s.offsetX, oy = s.offsetY;
    const above = (values: ArrayLike<number>, at: number) => values[at + 2]! > s.pcutoff && Number.isFinite(values[at]!) && Number.isFinite(values[at + 1]!);
    for (const layer of this.layers) {
      if (s.skeletonColor && layer.edges.length > 0) {
        const color = s.skeletonColor;
        layer.animals(index, (_animal, values, offset) => {
          for (const [a, b] of layer.edges) {
            const pa = offset + a * 3, pb = offset + b * 3;
            if (!above(values, pa) || !above(values, pb)) continue;
            drawLine(image, values[pa]! - ox, values[pa + 1]! - oy, values[pb]! - ox, values[pb + 1]! - oy, color);
          }
        });
      }
      // Trails first (oldest first), so the current frame's points lie on top.
      for (let k = Math.min(s.trailpoints, index + 1) - 1; k >= 1; k--) {
        layer.animals(index - k, (animal, values, offset) => {
          for (const part of layer.parts) {
            const at = offset + part * 3;
            if (above(values, at)) drawDisc(data, width, height, values[at]! - ox, values[at + 1]! - oy, s.dotsize, layer.color(animal, part), s.alpha);
          }
        });
      }
      layer.animals(index, (animal, values, offset) => {
        let labelX = NaN, labelY = NaN;
        for (const part of layer.parts) {
          const at = offset + part * 3;
          if (!above(values, at)) continue;
          const x = values[at]! - ox, y = values[at + 1]! - oy;
          drawDisc(data, width, height, x, y, s.dotsize, layer.color(animal, part), s.alpha);
          this.drawn += 1;
          if (Number.isNaN(labelX)) [labelX, labelY] = [x, y];
        }
        const text = layer.label?.(animal);
        if (text && Number.isFinite(labelX)) drawText(image, labelX + s.dotsize + 2, labelY - 4, text, layer.color(animal, layer.parts[0] ?? 0));
      });
    }
  }
}

/** A layer over a PoseArray: the displayed individuals and body parts; colours from `color`. */
export function poseArrayLayer(
  poses: PoseArray,
  individuals: readonly number[],
  parts: readonly number[],
  edges: ReadonlyArray<readonly [number, number]>,
  color: (individual: number, part: number) => Color,
): PoseLayer {
  return {
    parts,
    edges,
    color,
    animals(frame, visit) {
      if (frame < 0 || frame >= poses.frames) return;
      for (const i of individuals) visit(i, poses.data, poseOffset(poses, frame, i, 0));
    },
  };
}

/* ----------------------------------------------------------------- the frame loop */

/** Where drawn frames go: the encoder, and PNGs when asked. */
export type FrameSink = (frame: Frame) => Promise<void>;

/**
 * The streaming loop shared by the labeled videos and the benchmark: each frame is drawn (`paint`, skipped when
 * undefined) and handed to `sink`; the next frame is drawn while the sink still takes the last. Returns the frames
 * handed over. Frames must be distinct buffers (the decoder's are).
 */
export async function renderLabeledFrames(
  frames: AsyncIterable<Frame> | Iterable<Frame>,
  paint: ((frame: Frame) => void) | undefined,
  sink: FrameSink,
  options: { signal?: AbortSignal; onFrame?: () => void } = {},
): Promise<number> {
  let pending: Promise<void> | undefined;
  let count = 0;
  try {
    for await (const frame of frames) {
      options.signal?.throwIfAborted();
      paint?.(frame);
      await pending;
      pending = sink(frame);
      pending.catch(() => {}); // awaited on the next turn or below
      count += 1;
      options.onFrame?.();
    }
  } finally {
    // Whatever ends the loop, the last write has settled before the caller closes or aborts the encoder.
    await pending?.catch(() => {});
  }
  await pending;
  return count;
}

/** Progress in frames with the rendering speed as its detail. */
class RateProgress {
  private done = 0;
  private readonly started = performance.now();
  constructor(
    private readonly reporter: ProgressReporter,
    private readonly task: string,
    private readonly total: number,
  ) {
    reporter.update({ task, done: 0, total, unit: 'frames' });
  }

  get fps(): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  add(): void {
    this.done += 1;
    this.reporter.update({ task: this.task, done: this.done, total: this.total, unit: 'frames', detail: `${this.fps.toFixed(1)} fps` });
  }

  finish(): void {
    this.reporter.finish(this.task);
  }
}

/* ----------------------------------------------------------------- one video */

interface RenderSettings {
  pcutoff: number;
  dotsize: number;
  alpha: number;
  colormap: string;
  colorBy: ColorBy;
  trailpoints: number;
  keypointsOnly: boolean;
  skeletonColor?: Color;
  crop?: CropBox;
  frames2plot?: number[];
  codec?: string;
  outputframerate?: number;
  saveFrames: boolean;
  overwrite: boolean;
  progress: ProgressReporter;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** Decodes, draws and encodes one video; the output appears only when complete (or partial, said clearly). */
async function renderOne(
  video: string,
  info: VideoInfo,
  output: string,
  layers: PoseLayer[],
  settings: RenderSettings,
  poseFrames: number,
): Promise<Omit<LabeledVideo, 'source' | 'scorer' | 'status'>> {
  const name = path.basename(video);
  const notes: string[] = [];
  const note = (text: string) => {
    notes.push(text);
    settings.log(`${name}: ${text}`);
  };
  if (poseFrames !== info.frameCount) {
    note(
      poseFrames < info.frameCount
        ? `the poses cover ${poseFrames} of the video's ${info.frameCount} frames; later frames are shown without labels`
        : `the poses have ${poseFrames} frames, the video ${info.frameCount}; the extra poses are not shown`,
    );
  }
  const crop = settings.crop;
  const width = crop ? crop.x2 - crop.x1 : info.width;
  const height = crop ? crop.y2 - crop.y1 : info.height;
  const painter = new LabelPainter(layers, {
    pcutoff: settings.pcutoff,
    dotsize: settings.dotsize,
    alpha: settings.alpha,
    trailpoints: settings.trailpoints,
    keypointsOnly: settings.keypointsOnly,
    skeletonColor: settings.skeletonColor,
    offsetX: crop?.x1 ?? 0,
    offsetY: crop?.y1 ?? 0,
  });

  const selected = settings.frames2plot;
  const start = selected ? selected[0]! : 0;
  const end = selected ? selected[selected.length - 1]! + 1 : info.frameCount;
  const wanted = selected ? new Set(selected) : undefined;
  const total = selected ? selected.length : info.frameCount;

  const framesFolder = settings.saveFrames ? output.replace(/\.[^.]+$/, '') + '_frames' : undefined;
  // PNGs go to a temporary sibling folder that replaces the frames folder only when the video is done: a cancelled or
  // failed run leaves the earlier frames as they were and no half set.
  const framesTemp = framesFolder ? temporarySibling(framesFolder) : undefined;
  if (framesTemp) fs.mkdirSync(framesTemp);

  const encoder: VideoEncoder = await openEncoder({
    path: output,
    width,
    height,
    fps: settings.outputframerate ?? info.fps,
    codec: settings.codec,
    overwrite: settings.overwrite,
  });
  const progress = new RateProgress(settings.progress, `label ${name}`, total);
  let partial = false;
  const sink: FrameSink = async (frame) => {
    await encoder.write(frame.data);
    if (framesTemp) fs.writeFileSync(path.join(framesTemp, frameImageName(frame.index, info.frameCount)), encodePng(frame.data, frame.width, frame.height));
  };
  async function* frames(): AsyncGenerator<Frame> {
    for await (const frame of decodeFrames(video, { info, crop, start, end, signal: settings.signal })) {
      if (!wanted || wanted.has(frame.index)) yield frame;
    }
  }
  try {
    try {
      await renderLabeledFrames(frames(), (frame) => painter.paint(frame), sink, { signal: settings.signal, onFrame: () => progress.add() });
    } catch (error) {
      if (!(isHerdError(error) && error.code === 'VIDEO_TRUNCATED')) throw error;
      // Keep what decoded, as herd analyze does, and say where the video stopped.
      partial = true;
      note(`PARTIAL: ${error.message}; the labeled video has the ${encoder.framesWritten} frames that decoded`);
    }
    if (settings.signal?.aborted) throw new HerdError('CANCELLED', 'rendering cancelled; the labeled video was not written', { file: output });
    await encoder.close();
    if (framesFolder && framesTemp) {
      fs.rmSync(framesFolder, { recursive: true, force: true });
      fs.renameSync(framesTemp, framesFolder);
    }
  } catch (error) {
    await encoder.abort();
    if (framesTemp) fs.rmSync(framesTemp, { recursive: true, force: true });
    if (settings.signal?.aborted && !(isHerdError(error) && error.code === 'CANCELLED')) {
      throw new HerdError('CANCELLED', 'rendering cancelled; the labeled video was not written', { file: output });
    }
    throw error;
  } finally {
    progress.finish();
  }
  return {
    video,
    output,
    frames: encoder.framesWritten,
    totalFrames: info.frameCount,
    drawn: painter.drawn,
    partial,
    fps: Number(progress.fps.toFixed(2)),
    ...(framesFolder ? { framesFolder } : {}),
    ...(notes.length > 0 ? { message: notes.join('; ') } : {}),
  };
}

/* ----------------------------------------------------------------- selection */

/** The names asked for (all of `available` for undefined / "all"); an unknown name is a usage error listing the known ones. */
export function selectNames(kind: string, asked: string[] | 'all' | undefined, available: readonly string[]): Set<string> {
  if (asked === undefined || asked === 'all' || (asked.length === 1 && asked[0] === 'all')) return new Set(available);
  const unknown = asked.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    throw new HerdError('USAGE', `unknown ${kind} ${unknown.map((n) => `"${n}"`).join(', ')} (the table has ${available.join(', ') || 'none'})`);
  }
  return new Set(asked);
}

/** Edges (by name) as index pairs into `bodyparts`; edges naming other parts are left out. */
function skeletonEdges(edges: ReadonlyArray<readonly [string, string]> | undefined, bodyparts: readonly string[], shown: Set<string>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const edge of edges ?? []) {
    if (!Array.isArray(edge) || edge.length !== 2) continue;
    const [a, b] = edge.map((n) => bodyparts.indexOf(String(n)));
    if (a! < 0 || b! < 0 || !shown.has(bodyparts[a!]!) || !shown.has(bodyparts[b!]!)) continue;
    out.push([a!, b!]);
  }
  return out;
}

/** The layers that draw a pose table: the animals, then the unique body parts (as individual `single`). */
export function tableLayers(
  table: Pick<PoseTable, 'poses' | 'unique'>,
  settings: { colormap: string; colorBy: ColorBy; displayedbodyparts?: string[] | 'all'; displayedindividuals?: string[] | 'all'; skeleton?: ReadonlyArray<readonly [string, string]> },
): PoseLayer[] {
  const { poses, unique } = table;
  const K = poses.bodyparts.length;
  const U = unique?.bodyparts.length ?? 0;
  const I = poses.individuals.length;
  const parts = selectNames('body part', settings.displayedbodyparts, [...poses.bodyparts, ...(unique?.bodyparts ?? [])]);
  const individuals = selectNames('individual', settings.displayedindividuals, [...poses.individuals, ...(U > 0 ? [UNIQUE_INDIVIDUAL] : [])]);
  const colors = partColors(settings.colormap, settings.colorBy === 'bodypart' ? K + U : I + (U > 0 ? 1 : 0));
  const layers: PoseLayer[] = [];
  const shownIndividuals = poses.individuals.map((n, i) => (individuals.has(n) ? i : -1)).filter((i) => i >= 0);
  const shownParts = poses.bodyparts.map((n, k) => (parts.has(n) ? k : -1)).filter((k) => k >= 0);
  if (shownIndividuals.length > 0 && shownParts.length > 0) {
    layers.push(
      poseArrayLayer(poses, shownIndividuals, shownParts, skeletonEdges(settings.skeleton, poses.bodyparts, parts), (i, k) =>
        settings.colorBy === 'bodypart' ? colors[k]! : colors[i]!,
      ),
    );
  }
  if (unique && individuals.has(UNIQUE_INDIVIDUAL)) {
    const shownUnique = unique.bodyparts.map((n, u) => (parts.has(n) ? u : -1)).filter((u) => u >= 0);
    if (shownUnique.length > 0) {
      layers.push(poseArrayLayer(unique, [0], shownUnique, [], (_i, u) => (settings.colorBy === 'bodypart' ? colors[K + u]! : colors[I]!)));
    }
  }
  return layers;
}

/**
 * A layer drawing tracklets: one colour per tracklet from `colormap` (spread so that tracklets with neighbouring ids
 * get far-apart colours), each animal labelled with its tracklet id.
 */
export function trackletLayer(set: TrackletSet, colormap: string, parts?: Set<string>): PoseLayer {
  const K = set.metadata.bodyparts.length;
  let frames = set.metadata.frames;
  for (const t of set.tracklets) if (t.frames.length > 0) frames = Math.max(frames, t.frames[t.frames.length - 1]! + 1);
  // Per frame, the (tracklet, row) pairs present: a sparse index, since most tracklets are short.
  const starts = new Int32Array(frames + 1);
  for (const t of set.tracklets) for (const f of t.frames) if (f >= 0 && f < frames) starts[f + 1]! += 1;
  for (let f = 0; f < frames; f++) starts[f + 1]! += starts[f]!;
  const fill = starts.slice(0, frames);
  const entries = new Int32Array(starts[frames]! * 2);
  set.tracklets.forEach((t, ti) => {
    t.frames.forEach((f, row) => {
      if (f < 0 || f >= frames) return;
      const at = fill[f]!++;
      entries[at * 2] = ti;
      entries[at * 2 + 1] = row;
    });
  });
  const colors = partColors(colormap, Math.max(1, set.tracklets.length));
  // Neighbouring ids get far-apart colours: step through the colormap by a stride coprime with the count.
  const n = set.tracklets.length;
  let stride = Math.max(1, Math.round(n * 0.382));
  while (n > 1 && gcd(stride, n) !== 1) stride += 1;
  const shown = set.metadata.bodyparts.map((name, k) => (!parts || parts.has(name) ? k : -1)).filter((k) => k >= 0);
  return {
    parts: shown,
    edges: [],
    animals(frame, visit) {
      if (frame < 0 || frame >= frames) return;
      for (let e = starts[frame]!; e < starts[frame + 1]!; e++) {
        const ti = entries[e * 2]!;
        visit(ti, set.tracklets[ti]!.data, entries[e * 2 + 1]! * K * 3);
      }
    },
    color: (ti) => colors[(ti * stride) % Math.max(1, n)]!,
    label: (ti) => String(set.tracklets[ti]!.id),
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/* ----------------------------------------------------------------- the command */

interface Plan {
  video: string;
  source: FoundAnalysisOutput;
  output: string;
}

function checkFrames2plot(frames: number[] | undefined): number[] | undefined {
  if (frames === undefined) return undefined;
  const bad = frames.filter((f) => !Number.isInteger(f) || f < 0);
  if (bad.length > 0) throw new HerdError('USAGE', `Frames2plot must be frame numbers (0, 1, …), got ${bad.join(', ')}`);
  const sorted = [...new Set(frames)].sort((a, b) => a - b);
  if (sorted.length === 0) throw new HerdError('USAGE', 'Frames2plot is empty: give at least one frame');
  return sorted;
}

/** Draws the analysis poses (or raw tracklets) of each video into a labeled video. */
export async function createLabeledVideo(configPath: string, inputs: string[], options: LabeledVideoOptions = {}): Promise<LabeledVideoResult> {
  const log = options.log ?? (() => {});
  const project = loadProject(configPath);
  const config = project.config;
  const pcutoff = options.pcutoff ?? config.pcutoff ?? 0.6;
  if (!(pcutoff >= 0 && pcutoff <= 1)) throw new HerdError('USAGE', `pcutoff is a likelihood between 0 and 1, got ${pcutoff}`);
  const dotsize = Number(options.dotsize ?? config.dotsize ?? 12);
  if (!(dotsize > 0)) throw new HerdError('CONFIG_INVALID', `dotsize must be a positive number, got ${dotsize}`, { file: project.configPath });
  const alphavalue = Number(options.alphavalue ?? config.alphavalue ?? 0.7);
  if (!(alphavalue >= 0 && alphavalue <= 1)) throw new HerdError('CONFIG_INVALID', `alphavalue must be between 0 and 1, got ${alphavalue}`, { file: project.configPath });
  const colormap = options.colormap ?? config.colormap ?? 'rainbow';
  partColors(colormap, 1); // an unknown colormap fails here, before any work
  const colorBy: ColorBy = options.colorBy ?? 'bodypart';
  if (colorBy !== 'bodypart' && colorBy !== 'individual') throw new HerdError('USAGE', `color_by must be bodypart or individual, got "${String(colorBy)}"`);
  const trailpoints = options.trailpoints ?? 0;
  if (!Number.isInteger(trailpoints) || trailpoints < 0) throw new HerdError('USAGE', `trailpoints must be a whole number ≥ 0, got ${trailpoints}`);
  if (options.outputframerate !== undefined && !(options.outputframerate > 0)) {
    throw new HerdError('USAGE', `outputframerate must be a positive number, got ${options.outputframerate}`);
  }
  const frames2plot = checkFrames2plot(options.frames2plot);
  const shuffle = options.shuffle ?? 1;
  const filtered = options.filtered ?? false;
  const skeletonColor: Color | undefined = options.drawSkeleton
    ? (namedColor(options.skeletonColor ?? config.skeleton_color ?? 'black').map((c) => Math.round(c * 255)) as unknown as Color)
    : undefined;
  let crop: CropBox | undefined;
  if (options.displaycropped) {
    if (config.cropping === true) crop = { x1: config.x1, x2: config.x2, y1: config.y1, y2: config.y2 };
    else log('displaycropped: config.yaml does not crop (cropping: false); showing the whole frame');
  }
  if (options.tracklets && options.refined) {
    throw new HerdError('USAGE', '--refined draws the table saved by the refinement panel; --tracklets draws the raw tracklets: give one of them');
  }
  if (options.tracklets && !project.multiAnimal) {
    throw new HerdError('USAGE', 'raw tracklets are for multi-animal projects; this one is single-animal', { file: project.configPath });
  }
  // Tables of DeepLabCut's own trackers are drawn too; tracklets only come from Herd's. A single-animal project has no tracker.
  const track = resolveTrackMethod(project, options.trackMethod, { accept: options.tracklets ? TRACKER_KINDS : ALL_TRACK_METHODS, singleAnimal: 'ignore' });

  const videos = collectVideoPaths(inputs, options.videotype);

  // Find every input and name every output before rendering anything.
  const plans: Plan[] = videos.map((video) => {
    const folder = analysisFolder(video, options.destfolder);
    const source = options.tracklets
      ? findTrackletsFile(video, { folder, shuffle, tracker: track.kind as TrackerKind })
      : findPoseTable(video, { folder, shuffle, suffix: track.suffix, filtered, refined: options.refined === true });
    if (source.others.length > 0) {
      log(`${path.basename(video)}: ${source.others.length + 1} candidate files; using the newest, ${path.basename(source.file)} (others: ${source.others.map((f) => path.basename(f)).join(', ')})`);
    }
    const output = options.tracklets
      ? trackletsVideoPath(source.file)
      : labeledVideoPath(source.file, { multiAnimal: project.multiAnimal, colorBy, pcutoff, filtered });
    return { video, source, output };
  });
  if (new Set(plans.map((p) => p.output)).size !== plans.length) {
    throw new HerdError('USAGE', 'two of the videos would be rendered to the same file; give each video once');
  }

  const settings: RenderSettings = {
    pcutoff,
    dotsize,
    alpha: options.fastmode === false ? alphavalue : 1,
    colormap,
    colorBy,
    trailpoints,
    keypointsOnly: options.keypointsOnly ?? false,
    skeletonColor,
    crop,
    frames2plot,
    codec: encoderForCodec(options.codec),
    outputframerate: options.outputframerate,
    saveFrames: options.saveFrames ?? false,
    overwrite: options.overwrite ?? false,
    progress: options.progress ?? silentProgress,
    log,
    signal: options.signal,
  };
  const results: LabeledVideo[] = [];
  for (const plan of plans) {
    options.signal?.throwIfAborted();
    const base = { source: plan.source.file, scorer: plan.source.scorer };
    if (fs.existsSync(plan.output) && !options.overwrite) {
      log(`${path.basename(plan.video)}: ${path.basename(plan.output)} already exists; skipped (--overwrite to render it again)`);
      results.push({ ...base, video: plan.video, output: plan.output, status: 'skipped', frames: 0, totalFrames: 0, drawn: 0, partial: false });
      continue;
    }
    const info = await probeVideo(plan.video);
    if (crop && (crop.x2 > info.width || crop.y2 > info.height || crop.x1 < 0 || crop.y1 < 0 || crop.x1 >= crop.x2 || crop.y1 >= crop.y2)) {
      throw new HerdError('CONFIG_INVALID', `the crop box x1..x2 = ${crop.x1}..${crop.x2}, y1..y2 = ${crop.y1}..${crop.y2} does not fit the ${info.width}×${info.height} video`, { file: project.configPath });
    }
    if (frames2plot && frames2plot[frames2plot.length - 1]! >= info.frameCount) {
      throw new HerdError('USAGE', `Frames2plot asks for frame ${frames2plot[frames2plot.length - 1]}, but ${path.basename(plan.video)} has ${info.frameCount} frames (0–${info.frameCount - 1})`);
    }
    let layers: PoseLayer[];
    let poseFrames: number;
    if (options.tracklets) {
      const set = readTracklets(plan.source.file);
      const parts = selectNames('body part', options.displayedbodyparts, set.metadata.bodyparts);
      layers = [trackletLayer(set, colormap, parts)];
      if (set.unique && set.metadata.uniqueBodyparts.length > 0) {
        const unique = createPoseArray(set.metadata.frames, [UNIQUE_INDIVIDUAL], set.metadata.uniqueBodyparts);
        unique.data.set(set.unique);
        layers.push(poseArrayLayer(unique, [0], unique.bodyparts.map((_, u) => u), [], () => [255, 255, 255]));
      }
      poseFrames = set.metadata.frames;
      if (set.metadata.partial) log(`${path.basename(plan.video)}: the tracklets file is partial (${set.metadata.stoppedAt ?? 'tracking stopped early'})`);
    } else {
      const table = await readPoseTable(plan.source.file);
      layers = tableLayers(table, {
        colormap,
        colorBy,
        displayedbodyparts: options.displayedbodyparts,
        displayedindividuals: options.displayedindividuals,
        skeleton: options.skeleton ?? config.skeleton,
      });
      poseFrames = table.poses.frames;
    }
    const rendered = await renderOne(plan.video, info, plan.output, layers, settings, poseFrames);
    results.push({ ...base, ...rendered, status: 'rendered' });
  }
  return { pcutoff, dotsize, colormap, colorBy, ...(track.kind ? { trackMethod: track.kind } : {}), videos: results };
}

/* ----------------------------------------------------------------- benchmark */

export interface LabeledVideoBenchOptions {
  width?: number;
  height?: number;
  frames?: number;
  individuals?: number;
  bodyparts?: number;
  dotsize?: number;
  /** ffmpeg encoder (default the video module's). */
  codec?: string;
  /** Alternating encode-only / render rounds; the best of each is reported (default 2). */
  rounds?: number;
  /** Where the throw-away videos are written (default the system's temporary folder; removed afterwards). */
  folder?: string;
  signal?: AbortSignal;
}

export interface LabeledVideoBench {
  frames: number;
  width: number;
  height: number;
  codec: string;
  /** Frames per second drawing the poses (skeleton on) and encoding. */
  renderFps: number;
  /** Frames per second encoding the same frames without drawing. */
  encodeOnlyFps: number;
  /** renderFps / encodeOnlyFps (1 = drawing costs nothing). */
  ratio: number;
}

/**
 * Measures, in one run, the labeled-video loop (`renderLabeledFrames` with a `LabelPainter`: discs, skeleton, a
 * 3-frame trail) against ffmpeg encoding the very same frames without drawing. Frames are synthetic (a few base
 * images cycled, copied per frame in both runs), so decoding is not part of either number. Only `renderLabeledFrames`
 * and the painter differ between the two; a ratio near 1 means the labeled video runs at ffmpeg's encoding speed.
 */
export async function benchLabeledVideo(options: LabeledVideoBenchOptions = {}): Promise<LabeledVideoBench> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const count = options.frames ?? 300;
  const I = options.individuals ?? 3;
  const K = options.bodyparts ?? 10;
  const TRAIL = 3;
  // The scene repeats every PERIOD frames (textures every 6), so the encode-only pass can cycle through frames drawn
  // beforehand: both passes then hand ffmpeg byte-identical frames (drawn frames take x264 longer to encode than
  // undrawn ones, so encoding the undrawn video would not be the same work).
  const PERIOD = 30;
  const bases = Array.from({ length: 6 }, (_, b) => {
    const rgb = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const at = (y * width + x) * 3;
        rgb[at] = (x + 3 * b) & 255;
        rgb[at + 1] = (y * 2 + 5 * b) & 255;
        rgb[at + 2] = ((x ^ y) + 7 * b) & 255;
      }
    }
    return rgb;
  });
  const poseFrames = Math.max(count, 2 * PERIOD);
  const poses = createPoseArray(poseFrames, Array.from({ length: I }, (_, i) => `animal${i}`), Array.from({ length: K }, (_, k) => `part${k}`));
  for (let f = 0; f < poseFrames; f++) {
    const phase = ((f % PERIOD) / PERIOD) * 2 * Math.PI;
    for (let i = 0; i < I; i++) {
      const cx = width * (0.2 + 0.6 * ((i + 0.5) / I)) + 20 * Math.sin(phase + i);
      const cy = height * 0.5 + 40 * Math.cos(phase + i);
      for (let k = 0; k < K; k++) {
        const at = poseOffset(poses, f, i, k);
        poses.data[at] = cx + 6 * k;
        poses.data[at + 1] = cy + 3 * k;
        poses.data[at + 2] = k === K - 1 && (f % PERIOD) % 7 === 0 ? 0.1 : 0.95;
      }
    }
  }
  const edges = Array.from({ length: K - 1 }, (_, k) => [k, k + 1] as const);
  const colors = partColors('rainbow', K);
  const painter = new LabelPainter(
    [poseArrayLayer(poses, poses.individuals.map((_, i) => i), poses.bodyparts.map((_, k) => k), edges, (_i, k) => colors[k]!)],
    { pcutoff: 0.6, dotsize: options.dotsize ?? 8, alpha: 1, trailpoints: TRAIL, keypointsOnly: false, skeletonColor: [255, 255, 255], offsetX: 0, offsetY: 0 },
  );
  // Frame PERIOD + j looks like every later frame j (mod PERIOD): its trail is complete.
  const drawn = Array.from({ length: PERIOD }, (_, j) => {
    const frame: Frame = { index: PERIOD + j, width, height, data: bases[j % bases.length]!.slice() };
    painter.paint(frame);
    return frame.data;
  });
  function* source(painted: boolean): Generator<Frame> {
    for (let f = 0; f < count; f++) {
      yield { index: f, width, height, data: (painted ? drawn[f % PERIOD]! : bases[f % bases.length]!).slice() };
    }
  }
  const folder = fs.mkdtempSync(path.join(options.folder ?? os.tmpdir(), 'herd-bench-labeled-'));
  const timeRun = async (name: string, paint: ((frame: Frame) => void) | undefined) => {
    const encoder = await openEncoder({ path: path.join(folder, `${name}.mp4`), width, height, fps: 30, codec: options.codec });
    const started = performance.now();
    try {
      await renderLabeledFrames(source(paint === undefined), paint, (frame) => encoder.write(frame.data), { signal: options.signal });
      await encoder.close();
    } catch (error) {
      await encoder.abort();
      throw error;
    }
    return count / ((performance.now() - started) / 1000);
  };
  try {
    const codec = options.codec ?? defaultCodec();
    // Alternating rounds, best of each: ffmpeg's speed drifts (start-up, other load) more than drawing costs.
    let encodeOnlyFps = 0;
    let renderFps = 0;
    for (let round = 0; round < (options.rounds ?? 2); round++) {
      encodeOnlyFps = Math.max(encodeOnlyFps, await timeRun(`encode-only-${round}`, undefined));
      renderFps = Math.max(renderFps, await timeRun(`render-${round}`, (frame) => painter.paint(frame)));
    }
    return { frames: count, width, height, codec, renderFps, encodeOnlyFps, ratio: renderFps / encodeOnlyFps };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
