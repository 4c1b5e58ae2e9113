/**
 * `herd find-outliers` and `herd extract-outlier-frames` (DeepLabCut's `extract_outlier_frames`, dlc-spec §5g):
 * candidate frames from a video's tracked pose table, `numframes2pick` of them chosen (uniformly or by k-means on
 * the frames' pixels), saved as PNGs in `labeled-data/<video>/` with the network's predictions in
 * `machinelabels-iter<N>.h5`, for the user to correct before `herd merge-datasets` starts the next iteration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { silentProgress, type ProgressReporter } from '../common/progress';
import { readPoseTableFile } from '../filter';
import { decodeClusterFeatures } from '../frames/features';
import { miniBatchKMeans, type ClusteringReport } from '../frames/kmeans';
import { writeFramePngs } from '../frames/extract';
import { frameImageName } from '../frames/naming';
import { uniformFrameIndices } from '../frames/select';
import { locateVideoTables, type PoseTableSourceOptions } from '../infer/locate';
import type { PoseTable } from '../io/pose-table';
import { addVideos } from '../project/create';
import { loadProject, type Project } from '../project/load';
import { projectVideos } from '../project/videos';
import { probeVideo } from '../video';
import type { VideoInfo } from '../video/types';
import { findOutliers, type FindOutliersOptions, type OutlierAlgorithm } from './find';
import { writeMachineLabels } from './machine-labels';

export type OutlierExtractionAlgorithm = 'uniform' | 'kmeans';

export interface OutlierSearchOptions extends Omit<FindOutliersOptions, 'unique' | 'numframes2pick' | 'start' | 'stop'>, PoseTableSourceOptions {
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface VideoOutliers {
  video: string;
  /** The pose table searched. */
  table: string;
  scorer: string;
  /** Frames in the table. */
  frames: number;
  algorithm: OutlierAlgorithm;
  /** Frames the algorithm found (all of the table). */
  found: number;
  /** Candidates: found frames within config.yaml's start/stop range. */
  candidates: number[];
  range: { first: number; end: number };
}

export interface OutlierSearchResult {
  configPath: string;
  trackMethod: string;
  numframes2pick: number;
  videos: VideoOutliers[];
}

interface Planned extends VideoOutliers {
  poseTable: PoseTable;
}

function settings(project: Project): { numframes2pick: number; start: number; stop: number } {
  const { numframes2pick, start = 0, stop = 1 } = project.config;
  if (typeof numframes2pick !== 'number' || !Number.isInteger(numframes2pick) || numframes2pick < 1) {
    throw new HerdError('CONFIG_INVALID', `numframes2pick must be a whole number ≥ 1, got ${JSON.stringify(numframes2pick ?? null)}`, { file: project.configPath });
  }
  return { numframes2pick, start, stop };
}

async function plan(project: Project, inputs: string[], options: OutlierSearchOptions): Promise<{ trackMethod: string; numframes2pick: number; planned: Planned[] }> {
  const log = options.log ?? (() => {});
  const { numframes2pick, start, stop } = settings(project);
  const { trackMethod, tables } = locateVideoTables(project, inputs, { ...options, noVideos: 'no videos to search', log });
  const planned: Planned[] = [];
  for (const { video, found: table } of tables) {
    options.signal?.throwIfAborted();
    const poseTable = await readPoseTableFile(table.file);
    const outliers = findOutliers(poseTable.poses, { ...options, unique: poseTable.unique, numframes2pick, start, stop });
    planned.push({
      video,
      table: table.file,
      scorer: poseTable.scorer || table.scorer,
      frames: poseTable.poses.frames,
      algorithm: outliers.algorithm,
      found: outliers.found.length,
      candidates: outliers.candidates,
      range: outliers.range,
      poseTable,
    });
  }
  return { trackMethod, numframes2pick, planned };
}

/** `herd find-outliers`: the candidate outlier frames of each video's tracked pose table; nothing is written. */
export async function findOutlierFrames(configPath: string, inputs: string[], options: OutlierSearchOptions = {}): Promise<OutlierSearchResult> {
  const project = loadProject(configPath);
  const { trackMethod, numframes2pick, planned } = await plan(project, inputs, options);
  return { configPath: project.configPath, trackMethod, numframes2pick, videos: planned.map(({ poseTable: _, ...video }) => video) };
}

export interface PickOptions {
  /** Width of the thumbnails k-means compares (DeepLabCut's cluster_resizewidth, default 30). */
  clusterResizeWidth?: number;
  seed?: number;
  ffmpeg?: string;
  progress?: ProgressReporter;
  task?: string;
  signal?: AbortSignal;
}

/** Evenly spaced picks among the candidates (all of them when there are no more than `count`). */
export function uniformAmong(candidates: readonly number[], count: number): number[] {
  return uniformFrameIndices(0, candidates.length, count).map((position) => candidates[position]);
}

/**
 * `count` frames among the candidates: uniform (evenly spaced in the candidate list) or k-means on the candidates'
 * downsampled grey frames (the frame nearest each cluster centre; frames/kmeans.ts). All candidates when there are
 * no more than `count`.
 */
export async function pickOutlierFrames(
  video: string,
  info: VideoInfo,
  candidates: readonly number[],
  count: number,
  algo: OutlierExtractionAlgorithm,
  options: PickOptions = {},
): Promise<{ frames: number[]; clustering?: ClusteringReport }> {
  const sorted = [...new Set(candidates)].sort((a, b) => a - b);
  if (sorted.length <= count) return { frames: sorted };
  if (algo === 'uniform') return { frames: uniformAmong(sorted, count) };
  const store = await decodeClusterFeatures(video, {
    info,
    first: sorted[0],
    end: sorted[sorted.length - 1] + 1,
    step: 1,
    indices: sorted,
    resizeWidth: options.clusterResizeWidth ?? 30,
    batchSize: Math.max(100, count),
    ffmpeg: options.ffmpeg,
    progress: options.progress,
    task: options.task ?? 'read candidate frames',
    signal: options.signal,
  });
  if (!store) throw new HerdError('CANCELLED', 'cancelled while reading the candidate frames');
  try {
    if (store.count !== sorted.length) {
      throw new HerdError('VIDEO_TRUNCATED', `only ${store.count} of the ${sorted.length} candidate frames could be decoded`, { file: video });
    }
    const result = miniBatchKMeans(store, { k: count, batchSize: 100, seed: options.seed ?? 0, signal: options.signal });
    return { frames: result.picks.map((position) => sorted[position]).sort((a, b) => a - b), clustering: result.report };
  } finally {
    store.dispose();
  }
}

export interface ExtractOutlierFramesOptions extends OutlierSearchOptions, Omit<PickOptions, 'task'> {
  /** uniform or kmeans (default, as DeepLabCut). */
  extractionalgorithm?: OutlierExtractionAlgorithm;
  /** When the video is not in video_sets yet: copy it into videos/ instead of linking it (as add-videos). */
  copyVideos?: boolean;
}

export interface VideoOutlierExtraction extends VideoOutliers {
  status: 'extracted' | 'nothing';
  /** The frames saved (ascending). */
  extracted: number[];
  /** The PNGs written. */
  files: string[];
  /** Candidates whose image was already in labeled-data (left out). */
  alreadyExtracted: number;
  folder: string;
  machineLabels?: string;
  machineLabelsCsv?: string;
  /** True when the video was added to video_sets. */
  addedToConfig: boolean;
  clustering?: ClusteringReport;
  message?: string;
}

export interface ExtractOutlierFramesResult {
  configPath: string;
  trackMethod: string;
  numframes2pick: number;
  iteration: number;
  extractionalgorithm: OutlierExtractionAlgorithm;
  videos: VideoOutlierExtraction[];
}

/**
 * `herd extract-outlier-frames`: per video, the candidates of `findOutlierFrames` (minus frames already in
 * `labeled-data/<video>/`), `numframes2pick` of them picked, saved as `img<index>.png`, their predictions added to
 * `machinelabels-iter<iteration>.h5` (+ `machinelabels.csv`), and the video added to `video_sets` when missing.
 * Frames written for a video are removed again when its machine labels cannot be written.
 */
export async function extractOutlierFrames(configPath: string, inputs: string[], options: ExtractOutlierFramesOptions = {}): Promise<ExtractOutlierFramesResult> {
  const log = options.log ?? (() => {});
  const algo = options.extractionalgorithm ?? 'kmeans';
  if (algo !== 'uniform' && algo !== 'kmeans') throw new HerdError('INVALID_OPTION', `--extractionalgorithm must be uniform or kmeans, got "${algo}"`);
  let project = loadProject(configPath);
  const { trackMethod, numframes2pick, planned } = await plan(project, inputs, options);
  const iteration = Number(project.config.iteration ?? 0);
  const videos: VideoOutlierExtraction[] = [];
  for (const video of planned) {
    options.signal?.throwIfAborted();
    const { poseTable, ...outliers } = video;
    const name = path.basename(video.video);
    const stem = path.parse(video.video).name;
    const folder = path.join(project.root, 'labeled-data', stem);
    const info = await probeVideo(video.video, { ffmpeg: options.ffmpeg, signal: options.signal });
    const notes: string[] = [];
    let candidates = video.candidates;
    if (video.frames !== info.frameCount) notes.push(`the table has ${video.frames} frames, the video ${info.frameCount}`);
    const beyond = candidates.filter((f) => f >= info.frameCount).length;
    if (beyond > 0) {
      candidates = candidates.filter((f) => f < info.frameCount);
      notes.push(`${beyond} candidate frame(s) beyond the video's end left out`);
    }
    const before = candidates.length;
    candidates = candidates.filter((f) => !fs.existsSync(path.join(folder, frameImageName(f, info.frameCount))));
    const alreadyExtracted = before - candidates.length;
    if (alreadyExtracted > 0) notes.push(`${alreadyExtracted} candidate frame(s) already in labeled-data/${stem}, left out`);
    const base = { ...outliers, candidates, folder, alreadyExtracted };
    if (candidates.length === 0) {
      const message = [...notes, `no outlier frames to extract (${video.algorithm} found ${video.found})`].join('; ');
      log(`${name}: ${message}`);
      videos.push({ ...base, status: 'nothing', extracted: [], files: [], addedToConfig: false, message });
      continue;
    }
    const picked = await pickOutlierFrames(video.video, info, candidates, numframes2pick, algo, {
      clusterResizeWidth: options.clusterResizeWidth,
      seed: options.seed,
      ffmpeg: options.ffmpeg,
      progress: options.progress,
      task: `read candidates ${stem}`,
      signal: options.signal,
    });
    fs.mkdirSync(folder, { recursive: true });
    const files = await writeFramePngs(video.video, info, picked.frames, folder, {
      ffmpeg: options.ffmpeg,
      progress: options.progress ?? silentProgress,
      task: `save outlier frames ${stem}`,
      signal: options.signal,
    });
    let written;
    try {
      options.signal?.throwIfAborted();
      written = await writeMachineLabels(folder, iteration, stem, info.frameCount, poseTable, picked.frames);
    } catch (error) {
      // Every frame written here was new (existing images were left out above): take them back.
      for (const file of files) fs.rmSync(file, { force: true });
      throw error;
    }
    // As DeepLabCut, the video joins the project so that its labels are merged into the training set.
    const known = projectVideos(project).some((entry) => entry.stem === stem);
    if (!known) {
      await addVideos(project.configPath, [video.video], { copyVideos: options.copyVideos, ffmpeg: options.ffmpeg });
      project = loadProject(project.configPath);
      notes.push('added to video_sets');
    }
    if (notes.length > 0) log(`${name}: ${notes.join('; ')}`);
    videos.push({
      ...base,
      status: 'extracted',
      extracted: picked.frames,
      files,
      machineLabels: written.h5,
      machineLabelsCsv: written.csv,
      addedToConfig: !known,
      ...(picked.clustering ? { clustering: picked.clustering } : {}),
      ...(notes.length > 0 ? { message: notes.join('; ') } : {}),
    });
  }
  return { configPath: project.configPath, trackMethod, numframes2pick, iteration, extractionalgorithm: algo, videos };
}
