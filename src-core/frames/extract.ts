import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { encodePng } from '../common/png';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { errorAt, loadProject, readYamlFile, type Project } from '../project/load';
import { projectVideos, type ProjectVideo } from '../project/videos';
import { probeVideo } from '../video';
import type { CropBox, VideoInfo } from '../video/types';
import { decodeClusterFeatures } from './features';
import { decodeSelectedFrames } from './grab';
import { miniBatchKMeans, type ClusteringReport } from './kmeans';
import { existingFrameImages, frameImageName } from './naming';
import { extractionRange, uniformFrameIndices } from './select';

export type ExtractionMode = 'automatic' | 'manual';
export type ExtractionAlgorithm = 'uniform' | 'kmeans';

/** DeepLabCut's `extract_frames` parameters (dlc-spec §5f), with Herd's additions. */
export interface ExtractFramesOptions {
  /** "automatic" (default) picks frames by `algo`; "manual" takes the frame indices in `frames`. */
  mode?: ExtractionMode;
  /** Automatic mode: "kmeans" (default, as DeepLabCut) or "uniform". */
  algo?: ExtractionAlgorithm;
  /** Crop each frame to its video's `crop` in `video_sets` (DeepLabCut's crop=True). */
  crop?: boolean;
  /** Only these videos: paths (as in video_sets or where they are), file names or stems. Default: all of video_sets. */
  videos?: string[];
  /** Manual mode: the frame indices to save, for every selected video. */
  frames?: number[];
  /** Width of the frames k-means compares (DeepLabCut's cluster_resizewidth, default 30). */
  clusterResizeWidth?: number;
  /** Cluster every n-th frame (DeepLabCut's cluster_step, default 1). */
  clusterStep?: number;
  /** Frames per k-means mini-batch (default 100, as DeepLabCut). */
  clusterBatchSize?: number;
  /** Seed of k-means (default 0: the same picks on every run). */
  seed?: number;
  /** Automatic mode: extract even into folders that already hold frames (adds to them). Default false: such videos are skipped. */
  force?: boolean;
  ffmpeg?: string;
  progress?: ProgressReporter;
  signal?: AbortSignal;
  /** Things worth telling the user (skipped videos, short videos); also collected in the result. */
  note?: (message: string) => void;
}

export interface VideoExtraction {
  /** The video file read (after repairing paths of moved projects). */
  video: string;
  /** Its key in video_sets. */
  configuredPath: string;
  stem: string;
  /** labeled-data/<stem>/ */
  folder: string;
  frameCount: number;
  status: 'extracted' | 'skipped';
  /** Frames saved, ascending (empty when skipped). */
  indices: number[];
  files: string[];
  crop?: CropBox;
  /** k-means only: how the clustering went. */
  clustering?: ClusteringReport;
}

export interface ExtractFramesResult {
  configPath: string;
  mode: ExtractionMode;
  algo: ExtractionAlgorithm;
  videos: VideoExtraction[];
  notes: string[];
}

interface AutomaticSettings {
  numframes2pick: number;
  start: number;
  stop: number;
}

interface PlannedVideo {
  entry: ProjectVideo;
  video: string;
  info: VideoInfo;
  folder: string;
  crop?: CropBox;
}

/**
 * DeepLabCut's `extract_frames`: save frames of a project's videos as `labeled-data/<video>/img<index>.png`
 * for labeling. Automatic mode picks `numframes2pick` frames between `start` and `stop` (config.yaml) by
 * k-means on downsampled frames or uniformly in time; manual mode saves the frames it is given.
 *
 * Every PNG is written atomically; when cancelled (signal) or failing part-way, the frames this call
 * wrote for the video in progress are removed again, so a folder holds only frames of finished runs.
 */
export async function extractFrames(config: string, options: ExtractFramesOptions = {}): Promise<ExtractFramesResult> {
  const project = loadProject(config);
  const mode = options.mode ?? 'automatic';
  const algo = options.algo ?? 'kmeans';
  checkOptions(mode, algo, options);
  const settings = mode === 'automatic' ? automaticSettings(project) : undefined;
  const notes: string[] = [];
  const note = (message: string) => {
    notes.push(message);
    options.note?.(message);
  };
  for (const warning of project.warnings) note(warning);

  // Probe every selected video (and check manual indices) before writing anything.
  const planned: PlannedVideo[] = [];
  for (const entry of selectVideos(project, options.videos)) {
    const video = entry.path ?? entry.configuredPath;
    const info = await probeVideo(video, { ffmpeg: options.ffmpeg, signal: options.signal });
    if (mode === 'manual') checkManualFrames(video, info, options.frames ?? []);
    const crop = options.crop ? (entry.crop ?? undefined) : undefined;
    if (options.crop && !entry.crop) note(`${entry.stem}: no crop in video_sets, so its frames are not cropped`);
    planned.push({ entry, video, info, folder: path.join(project.root, 'labeled-data', entry.stem), crop });
  }

  const videos: VideoExtraction[] = [];
  for (const plan of planned) {
    options.signal?.throwIfAborted();
    const base = {
      video: plan.video,
      configuredPath: plan.entry.configuredPath,
      stem: plan.entry.stem,
      folder: plan.folder,
      frameCount: plan.info.frameCount,
      crop: plan.crop,
    };
    const existing = existingFrameImages(plan.folder);
    if (mode === 'automatic' && existing.length > 0 && !options.force) {
      note(
        `${plan.entry.stem}: labeled-data/${plan.entry.stem} already holds ${existing.length} extracted frame(s); ` +
          'skipped (use --force to add frames to it)',
      );
      videos.push({ ...base, status: 'skipped', indices: [], files: [] });
      continue;
    }
    let indices: number[];
    let clustering: ClusteringReport | undefined;
    if (mode === 'manual') {
      indices = [...new Set(options.frames ?? [])].sort((a, b) => a - b);
    } else {
      const chosen = await chooseFrames(plan, algo, settings!, options, note);
      if (!chosen) break; // aborted
      ({ indices, clustering } = chosen);
    }
    fs.mkdirSync(plan.folder, { recursive: true });
    const files = await writeFramePngs(plan.video, plan.info, indices, plan.folder, {
      crop: plan.crop,
      ffmpeg: options.ffmpeg,
      progress: options.progress,
      task: `save frames ${plan.entry.stem}`,
      signal: options.signal,
    });
    videos.push({ ...base, status: 'extracted', indices, files, clustering });
  }
  options.signal?.throwIfAborted();
  return { configPath: project.configPath, mode, algo, videos, notes };
}

function checkOptions(mode: string, algo: string, options: ExtractFramesOptions): void {
  if (mode !== 'automatic' && mode !== 'manual') throw invalidOption(`mode must be "automatic" or "manual", got "${mode}"`);
  if (algo !== 'uniform' && algo !== 'kmeans') throw invalidOption(`algo must be "uniform" or "kmeans", got "${algo}"`);
  const positiveInteger = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw invalidOption(`${name} must be a whole number ≥ 1, got ${value}`);
  };
  positiveInteger('cluster-resize-width', options.clusterResizeWidth);
  positiveInteger('cluster-step', options.clusterStep);
  positiveInteger('cluster-batch-size', options.clusterBatchSize);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw invalidOption(`seed must be a whole number, got ${options.seed}`);
  if (mode === 'manual') {
    const frames = options.frames ?? [];
    if (frames.length === 0) throw invalidOption('manual mode needs the frame indices to save (--frames 10,20,30)');
    const bad = frames.find((frame) => !Number.isInteger(frame) || frame < 0);
    if (bad !== undefined) throw invalidOption(`frame indices must be whole numbers ≥ 0, got ${bad}`);
  } else if (options.frames !== undefined && options.frames.length > 0) {
    throw invalidOption('frame indices (--frames) are for --mode manual');
  }
}

function invalidOption(message: string): HerdError {
  return new HerdError('INVALID_OPTION', message);
}

/** numframes2pick, start and stop, with errors pointing into config.yaml (loadProject already checked start < stop). */
function automaticSettings(project: Project): AutomaticSettings {
  const { numframes2pick, start = 0, stop = 1 } = project.config;
  if (typeof numframes2pick !== 'number' || !Number.isInteger(numframes2pick) || numframes2pick < 1) {
    const yaml = readYamlFile(project.configPath);
    throw errorAt(yaml, ['numframes2pick'], 'CONFIG_INVALID', `\`numframes2pick\` must be a whole number ≥ 1, got ${JSON.stringify(numframes2pick ?? null)}`);
  }
  if (!(start < stop)) {
    const yaml = readYamlFile(project.configPath);
    throw errorAt(yaml, ['start'], 'CONFIG_INVALID', '`start` must be smaller than `stop`');
  }
  return { numframes2pick, start, stop };
}

/** The videos of video_sets named in `wanted` (path, file name or stem), or all of them. */
function selectVideos(project: Project, wanted: string[] | undefined): ProjectVideo[] {
  const all = projectVideos(project);
  if (all.length === 0) throw new HerdError('NO_VIDEOS', 'video_sets lists no videos; add some with add-videos', { file: project.configPath });
  if (!wanted || wanted.length === 0) return all;
  return wanted.map((name) => {
    const resolved = path.resolve(name);
    const match = all.find(
      (entry) =>
        entry.configuredPath === name ||
        path.resolve(entry.configuredPath) === resolved ||
        (entry.path !== undefined && path.resolve(entry.path) === resolved) ||
        path.basename(entry.configuredPath) === name ||
        entry.stem === name,
    );
    if (!match) {
      throw new HerdError(
        'VIDEO_NOT_IN_PROJECT',
        `"${name}" is not in video_sets; the project's videos are ${all.map((entry) => entry.stem).join(', ')}`,
        { file: project.configPath },
      );
    }
    return match;
  });
}

function checkManualFrames(video: string, info: VideoInfo, frames: number[]): void {
  const outside = frames.find((frame) => frame >= info.frameCount);
  if (outside !== undefined) {
    throw new HerdError(
      'FRAME_OUT_OF_RANGE',
      `frame ${outside} is not in ${path.basename(video)}, which has ${info.frameCount} frames (indices 0 to ${info.frameCount - 1})`,
      { file: video },
    );
  }
}

async function chooseFrames(
  plan: PlannedVideo,
  algo: ExtractionAlgorithm,
  settings: AutomaticSettings,
  options: ExtractFramesOptions,
  note: (message: string) => void,
): Promise<{ indices: number[]; clustering?: ClusteringReport } | undefined> {
  const { first, end } = extractionRange(plan.info.frameCount, settings.start, settings.stop);
  const stem = plan.entry.stem;
  if (algo === 'uniform') {
    if (end - first < settings.numframes2pick) {
      note(`${stem}: only ${end - first} frames between start and stop, fewer than numframes2pick (${settings.numframes2pick}); taking all of them`);
    }
    return { indices: uniformFrameIndices(first, end, settings.numframes2pick) };
  }
  const step = options.clusterStep ?? 1;
  const candidates = Math.ceil((end - first) / step);
  if (candidates <= settings.numframes2pick) {
    note(
      `${stem}: only ${candidates} frames to choose from between start and stop${step > 1 ? ` (every ${step}th)` : ''}, ` +
        `not more than numframes2pick (${settings.numframes2pick}); taking all of them`,
    );
    return { indices: Array.from({ length: candidates }, (_, i) => first + i * step) };
  }
  const batchSize = options.clusterBatchSize ?? 100;
  const store = await decodeClusterFeatures(plan.video, {
    info: plan.info,
    first,
    end,
    step,
    crop: plan.crop,
    resizeWidth: options.clusterResizeWidth ?? 30,
    batchSize: Math.max(batchSize, settings.numframes2pick),
    ffmpeg: options.ffmpeg,
    progress: options.progress,
    task: `read frames ${stem}`,
    signal: options.signal,
  });
  if (!store) return undefined;
  try {
    const progress = options.progress ?? silentProgress;
    const task = `cluster ${stem}`;
    const result = miniBatchKMeans(store, {
      k: settings.numframes2pick,
      batchSize,
      seed: options.seed ?? 0,
      signal: options.signal,
      // No total: early stopping usually ends long before the step limit.
      onStep: (done) => progress.update({ task, done, unit: 'steps' }),
    });
    progress.finish(task);
    const { report } = result;
    note(
      `${stem}: k-means with ${report.k} clusters on ${report.frames} frames (${report.dim} px each) ` +
        `${report.converged ? `converged after ${report.steps} steps (${report.stoppedBy})` : `stopped after ${report.steps} steps without converging`}` +
        `${report.emptyClusters > 0 ? `; ${report.emptyClusters} empty cluster(s) filled with outlying frames` : ''}`,
    );
    return { indices: result.picks.map((position) => first + position * step), clustering: report };
  } finally {
    store.dispose();
  }
}

export interface WriteFramesOptions {
  crop?: CropBox;
  ffmpeg?: string;
  progress?: ProgressReporter;
  task?: string;
  signal?: AbortSignal;
}

/**
 * One decoding pass up to the last wanted frame at full resolution (cropped if asked), saving the
 * wanted frames as DeepLabCut names them. Each PNG is written atomically; on failure or abort the
 * files this call created are removed. Returns the files, in index order.
 */
export async function writeFramePngs(
  video: string,
  info: VideoInfo,
  indices: number[],
  folder: string,
  options: WriteFramesOptions = {},
): Promise<string[]> {
  const wanted = [...new Set(indices)].sort((a, b) => a - b);
  if (wanted.length === 0) return [];
  const created: string[] = [];
  const files: string[] = [];
  const counter = new ProgressCounter(options.progress ?? silentProgress, options.task ?? 'save frames', wanted.length);
  try {
    for await (const frame of decodeSelectedFrames(video, info, wanted, { crop: options.crop, signal: options.signal, ffmpeg: options.ffmpeg })) {
      const file = path.join(folder, frameImageName(frame.index, info.frameCount));
      const existed = fs.existsSync(file);
      writeFileAtomic(file, encodePng(frame.data, frame.width, frame.height));
      if (!existed) created.push(file);
      files.push(file);
      counter.add();
    }
    options.signal?.throwIfAborted();
    if (files.length < wanted.length) {
      throw new HerdError('VIDEO_TRUNCATED', `frame ${wanted[files.length]} could not be decoded`, { file: video });
    }
    return files;
  } catch (error) {
    for (const file of created) fs.rmSync(file, { force: true });
    throw error;
  } finally {
    counter.finish();
  }
}
