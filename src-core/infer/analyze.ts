/**
 * `herd analyze` (DeepLabCut's `analyze_videos`): decode → batch → ONNX Runtime → peaks → assembly → files.
 *
 * The stages overlap: ffmpeg decodes in its own process into a bounded queue, ONNX Runtime runs a batch on its
 * threads while this thread post-processes the previous batch and prepares the next. Memory stays flat: only
 * the per-frame results (a few hundred bytes) are kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { concatFloat32 } from '../common/arrays';
import { HerdError, isHerdError } from '../common/errors';
import { createPoseArray, poseOffset } from '../common/pose';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { loadShuffle } from '../dataset';
import type { Peak } from '../model/decode';
import { loadProject, type Project } from '../project/load';
import { collectVideoPaths } from '../project/videos';
import { normalizePixels } from '../train/augment';
import { decodeFrames, probeVideo, type CropBox, type Frame, type VideoInfo } from '../video';
import { framePoses, type FramePoseOptions, type FramePoses } from './frame-poses';
import { DETECTIONS_ENDING } from './locate';
import { scorerName, writeDetections, writePoseTable, type DetectionsContent } from './outputs';
import { loadPoseModel, type HeadArrays, type PoseModel } from './pose-model';

export interface AnalyzeOptions {
  shuffle?: number;
  trainingsetindex?: number;
  /** An ONNX model to use instead of the shuffle's `train/model.onnx`. */
  model?: string;
  videotype?: string;
  batchSize?: number;
  destfolder?: string;
  saveAsCsv?: boolean;
  overwrite?: boolean;
  /** ONNX Runtime threads (default: every core). */
  threads?: number;
  /** `onnx` (default; tfjs when ONNX Runtime is missing) or `tfjs` (the snapshot behind the model, e.g. on a GPU). */
  runtime?: 'onnx' | 'tfjs';
  /** `auto` / `cpu` (default) or `cuda:<n>`: see `LoadPoseModelOptions.device`. */
  device?: string;
  assembly?: FramePoseOptions;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface StageTimes {
  /** Waiting for decoded frames (ffmpeg slower than the rest). */
  decode: number;
  preprocess: number;
  /** Waiting for ONNX Runtime beyond what post-processing overlapped. */
  inference: number;
  postprocess: number;
  write: number;
}

export interface VideoAnalysis {
  video: string;
  status: 'analyzed' | 'skipped' | 'partial';
  frames: number;
  totalFrames: number;
  fps: number;
  seconds: number;
  times: StageTimes;
  detections: string;
  h5?: string;
  csv?: string;
  message?: string;
}

export interface AnalyzeResult {
  scorer: string;
  model: string;
  videos: VideoAnalysis[];
}

export async function analyzeVideos(configPath: string, inputs: string[], options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const project = loadProject(configPath);
  const videos = collectVideoPaths(inputs, options.videotype);
  const shuffle = await loadShuffle(configPath, options.shuffle ?? 1, options.trainingsetindex ?? 0);
  const modelFile = options.model ? path.resolve(options.model) : path.join(shuffle.modelFolder, 'train', 'model.onnx');
  const model = await loadPoseModel(modelFile, { threads: options.threads, runtime: options.runtime, device: options.device, log: options.log });
  try {
    checkModelMatches(model, project, modelFile);
    if (options.assembly?.identityOnly && !model.info.withIdentity) {
      throw new HerdError('USAGE', 'identity-only assembly needs a model with an identity head (config identity: true, then create-training-dataset and train)', { file: modelFile });
    }
    const source = model.info.sourceSnapshot ?? '';
    const epoch = model.info.epoch ?? 0;
    const scorer = scorerName({
      netType: model.info.netType,
      task: project.config.Task,
      date: project.config.date,
      shuffle: shuffle.shuffle,
      snapshotUid: source.startsWith('snapshot-best') ? `best-${epoch}` : String(epoch),
    });
    // The PAF edges to assemble with: pytorch_config's edges_to_keep (set by the data-driven skeleton selection).
    const edges = options.assembly?.edges ?? edgesToKeep(shuffle.pytorchConfig, model.info.pafGraph.length);
    const results: VideoAnalysis[] = [];
    for (const video of videos) {
      options.signal?.throwIfAborted();
      results.push(await analyzeVideo(video, project, model, scorer, { ...options, assembly: { ...options.assembly, edges } }));
    }
    return { scorer, model: modelFile, videos: results };
  } finally {
    await model.close();
  }
}

/** `model.heads.bodypart.predictor.edges_to_keep`, when it is a valid subset of the model's graph. */
export function edgesToKeep(pytorchConfig: Record<string, unknown>, edgeCount: number): number[] | undefined {
  const model = pytorchConfig.model as { heads?: { bodypart?: { predictor?: { edges_to_keep?: unknown } } } } | undefined;
  const kept = model?.heads?.bodypart?.predictor?.edges_to_keep;
  if (!Array.isArray(kept) || kept.length === 0 || kept.length === edgeCount) return undefined;
  return kept.every((e) => Number.isInteger(e) && e >= 0 && e < edgeCount) ? (kept as number[]) : undefined;
}

function checkModelMatches(model: PoseModel, project: Project, file: string): void {
  const expected = project.bodyparts.join(', ');
  if (model.info.bodyparts.join(', ') !== expected) {
    throw new HerdError('MODEL_MISMATCH', `the model predicts body parts ${model.info.bodyparts.join(', ')}, the project has ${expected}; retrain or pick the right model`, { file });
  }
}

function cropOf(project: Project): CropBox | undefined {
  const c = project.config;
  return c.cropping === true ? { x1: c.x1, x2: c.x2, y1: c.y1, y2: c.y2 } : undefined;
}

function outputPaths(video: string, scorer: string, destfolder?: string) {
  const folder = destfolder ? path.resolve(destfolder) : path.dirname(video);
  const prefix = path.join(folder, `${path.parse(video).name}${scorer}`);
  return { folder, detections: `${prefix}${DETECTIONS_ENDING}`, h5: `${prefix}.h5`, csv: `${prefix}.csv` };
}

async function analyzeVideo(video: string, project: Project, model: PoseModel, scorer: string, options: AnalyzeOptions): Promise<VideoAnalysis> {
  const log = options.log ?? (() => {});
  const info = await probeVideo(video);
  const paths = outputPaths(video, scorer, options.destfolder);
  const times: StageTimes = { decode: 0, preprocess: 0, inference: 0, postprocess: 0, write: 0 };
  if (fs.existsSync(paths.detections) && !options.overwrite) {
    log(`${path.basename(video)}: already analyzed (${path.basename(paths.detections)}); --overwrite to redo`);
    return { video, status: 'skipped', frames: 0, totalFrames: info.frameCount, fps: 0, seconds: 0, times, detections: paths.detections };
  }
  fs.mkdirSync(paths.folder, { recursive: true });
  const crop = cropOf(project);
  const width = crop ? crop.x2 - crop.x1 : info.width;
  const height = crop ? crop.y2 - crop.y1 : info.height;
  const trained = model.info.trainingImageSize;
  if (trained && trained !== `${width}x${height}`) {
    // A convolutional network runs at any size, but animals at another scale than in training are found worse.
    log(`note: ${path.basename(video)} is ${width}×${height}${crop ? ' after cropping' : ''}; the model was trained on ${trained.replace('x', '×')} images — if the animals look smaller or larger, expect weaker predictions`);
  }
  const multiple = model.info.inputMultiple;
  const paddedWidth = Math.ceil(width / multiple) * multiple;
  const paddedHeight = Math.ceil(height / multiple) * multiple;
  const batchSize = options.batchSize ?? 4;
  const collector = new PoseCollector(model, crop);
  const counter = new ProgressCounter(options.progress ?? silentProgress, `analyze ${path.basename(video)}`, info.frameCount, 'frames');
  const started = performance.now();
  let stoppedAt: string | undefined;

  let inFlight: { frames: number[]; result: Promise<HeadArrays>; sent: number } | undefined;
  const finishInFlight = async () => {
    if (!inFlight) return;
    const waitStart = performance.now();
    const arrays = await inFlight.result;
    times.inference += performance.now() - waitStart;
    const postStart = performance.now();
    inFlight.frames.forEach((frameIndex, i) => collector.add(frameIndex, framePoses(arrays, i, model.info, options.assembly)));
    times.postprocess += performance.now() - postStart;
    counter.add(inFlight.frames.length);
    inFlight = undefined;
  };
  const submit = async (batch: Frame[]) => {
    const prepStart = performance.now();
    const images = packFrames(batch, paddedHeight, paddedWidth, model.info.normalizeImages, model.inputBuffer(batch.length * paddedHeight * paddedWidth * 3));
    times.preprocess += performance.now() - prepStart;
    // Post-process the previous batch while ONNX Runtime runs this one.
    const next = { frames: batch.map((f) => f.index), result: model.run(images, batch.length, paddedHeight, paddedWidth), sent: performance.now() };
    next.result.catch(() => {}); // awaited in finishInFlight
    await finishInFlight();
    inFlight = next;
  };

  try {
    let batch: Frame[] = [];
    const frames = decodeFrames(video, { info, crop, signal: options.signal, queueFrames: 4 * batchSize });
    let waitStart = performance.now();
    for await (const frame of frames) {
      times.decode += performance.now() - waitStart;
      batch.push(frame);
      if (batch.length === batchSize) {
        await submit(batch);
        batch = [];
      }
      waitStart = performance.now();
    }
    if (batch.length > 0) await submit(batch);
    await finishInFlight();
  } catch (error) {
    if (!(isHerdError(error) && error.code === 'VIDEO_TRUNCATED')) throw error;
    // Keep what decoded: analyse it, say where the video stopped, and mark the output partial.
    await finishInFlight();
    stoppedAt = error.message;
    log(`${path.basename(video)}: ${error.message}; the output covers the ${collector.count} frames that decoded and is marked partial`);
  } finally {
    counter.finish();
  }
  if (options.signal?.aborted) throw new HerdError('CANCELLED', 'analysis cancelled; nothing was written', { file: video });

  const writeStart = performance.now();
  const content = collector.detections({ video, info, scorer, model: model.file, stoppedAt });
  writeDetections(paths.detections, content);
  let h5: string | undefined;
  let csv: string | undefined;
  if (!project.multiAnimal) {
    // Single-animal projects get DeepLabCut's table directly (multi-animal ones after tracking).
    await writePoseTable(paths.h5, collector.singleAnimalPoses(model.info.bodyparts), scorer, { multiAnimal: false, csv: options.saveAsCsv, overwrite: true });
    h5 = paths.h5;
    if (options.saveAsCsv) csv = paths.csv;
  }
  times.write += performance.now() - writeStart;
  const seconds = (performance.now() - started) / 1000;
  for (const key of Object.keys(times) as Array<keyof StageTimes>) times[key] /= 1000;
  return {
    video,
    status: stoppedAt ? 'partial' : 'analyzed',
    frames: collector.count,
    totalFrames: info.frameCount,
    fps: collector.count / seconds,
    seconds,
    times,
    detections: paths.detections,
    h5,
    csv,
    message: stoppedAt,
  };
}

/** Frames as one normalised NHWC batch in `out`, each padded at the bottom/right to the model's input multiple. */
function packFrames(frames: Frame[], height: number, width: number, normalizeImages: boolean, out: Float32Array): Float32Array {
  const options = { normalizeImages, scaleToUnitRange: !normalizeImages };
  const black = new Float32Array(3);
  normalizePixels(new Uint8Array(3), 0, black, 0, 1, options);
  frames.forEach((frame, b) => {
    const base = b * height * width * 3;
    if (frame.width === width) {
      // No padding columns: the frame's rows are contiguous in the batch, one pass does them all.
      normalizePixels(frame.data, 0, out, base, frame.width * frame.height, options);
    } else {
      for (let y = 0; y < frame.height; y++) normalizePixels(frame.data, y * frame.width * 3, out, base + y * width * 3, frame.width, options);
    }
    for (let y = 0; y < height; y++) {
      const row = base + y * width * 3;
      for (let x = y < frame.height ? frame.width : 0; x < width; x++) out.set(black, row + x * 3);
    }
  });
  return out;
}

/** Keeps each frame's assemblies, unique parts and peaks (a few hundred bytes a frame) for the output files. */
class PoseCollector {
  private readonly K: number;
  private readonly U: number;
  private readonly animals: number;
  private readonly assemblies: Float32Array[] = [];
  private readonly scores: Float32Array[] = [];
  private readonly unique: Float32Array[] = [];
  private readonly peaks: number[] = [];
  private readonly peakIdentity: number[] = [];

  constructor(
    private readonly model: PoseModel,
    private readonly crop: CropBox | undefined,
  ) {
    this.K = model.info.bodyparts.length;
    this.U = model.info.uniqueBodyparts.length;
    this.animals = model.info.individuals.length;
  }

  get count(): number {
    return this.assemblies.length;
  }

  /** Coordinates back in the full frame when the config crops. */
  private shift(x: number, y: number): [number, number] {
    return this.crop ? [x + this.crop.x1, y + this.crop.y1] : [x, y];
  }

  /** Frames arrive in order (the decoder numbers them from 0). */
  add(frame: number, poses: FramePoses): void {
    if (frame !== this.count) throw new Error(`frame ${frame} arrived out of order (expected ${this.count})`);
    const assemblies = new Float32Array(this.animals * this.K * 4).fill(NaN);
    const scores = new Float32Array(this.animals).fill(NaN);
    poses.animals.forEach((animal, a) => {
      scores[a] = animal.score;
      for (let k = 0; k < this.K; k++) {
        const [x, y] = this.shift(animal.keypoints[4 * k]!, animal.keypoints[4 * k + 1]!);
        assemblies.set([x, y, animal.keypoints[4 * k + 2]!, animal.keypoints[4 * k + 3]!], (a * this.K + k) * 4);
      }
    });
    const unique = new Float32Array(this.U * 3).fill(NaN);
    poses.unique.forEach((peak, u) => {
      if (!peak) return;
      const [x, y] = this.shift(peak.x, peak.y);
      unique.set([x, y, peak.score], u * 3);
    });
    this.assemblies.push(assemblies);
    this.scores.push(scores);
    this.unique.push(unique);
    poses.peaks.forEach((partPeaks: Peak[], k) =>
      partPeaks.forEach((peak, i) => {
        const [x, y] = this.shift(peak.x, peak.y);
        this.peaks.push(frame, k, x, y, peak.score);
        if (poses.peakIdentity) this.peakIdentity.push(...poses.peakIdentity[k]![i]!);
      }),
    );
  }

  detections(source: { video: string; info: VideoInfo; scorer: string; model: string; stoppedAt?: string }): DetectionsContent {
    const info = this.model.info;
    return {
      assemblies: concatFloat32(this.assemblies),
      assemblyScores: concatFloat32(this.scores),
      unique: this.U > 0 ? concatFloat32(this.unique) : undefined,
      peaks: Float32Array.from(this.peaks),
      peakIdentity: info.withIdentity ? Float32Array.from(this.peakIdentity) : undefined,
      maxAnimals: this.animals,
      metadata: {
        video: source.video,
        fps: source.info.fps,
        frames: this.count,
        totalFrames: source.info.frameCount,
        width: source.info.width,
        height: source.info.height,
        scorer: source.scorer,
        bodyparts: info.bodyparts,
        uniqueBodyparts: info.uniqueBodyparts,
        individuals: info.individuals,
        pafGraph: info.pafGraph,
        model: source.model,
        partial: source.stoppedAt !== undefined,
        stoppedAt: source.stoppedAt,
      },
    };
  }

  /** Single-animal projects: the one assembly per frame as a pose array. */
  singleAnimalPoses(bodyparts: string[]) {
    const poses = createPoseArray(this.count, ['animal'], bodyparts);
    this.assemblies.forEach((assembly, frame) => {
      for (let k = 0; k < this.K; k++) poses.data.set(assembly.subarray(4 * k, 4 * k + 3), poseOffset(poses, frame, 0, k));
    });
    return poses;
  }
}
