/**
 * `herd convert-detections2tracklets` (DeepLabCut's `convert_detections2tracklets`): each video's detections file
 * (`herd analyze`) → its tracklets file `<video stem><scorer>_<el|bx|sk|id>.tracklets.safetensors` beside it.
 *
 * Settings: the shuffle's `test/inference_cfg.yaml` (pcutoff, topktoretain, withid, boundingboxslack, iou_threshold,
 * max_age, min_hits), then the caller's overrides. Without that file (no training dataset for the shuffle) Herd
 * uses the values create-training-dataset would write and says so; DeepLabCut writes such a file first.
 * The tracker: `trackMethod`, else config.yaml's `default_track_method`, else ellipse.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { silentProgress, type ProgressReporter } from '../common/progress';
import { buildInferenceConfig, modelFolderOf } from '../dataset';
import { analysisFolder, DETECTIONS_ENDING, findDetectionsFile, resolveTrackMethod } from '../infer/locate';
import { readDetections } from '../infer/outputs';
import { loadProject, readYamlFile, type Project } from '../project/load';
import { collectVideoPaths } from '../project/videos';
import { resolveTrackingSettings, settingsFromInferenceConfig, TRACK_METHODS, type TrackingSettings, type TrackMethod } from './settings';
import { effectiveTracking, trackDetections } from './track';
import { trackletsPath, writeTracklets, type TrackerKind } from './tracklets';

export interface ConvertOptions {
  videotype?: string;
  /** Default 1. */
  shuffle?: number;
  /** Index into config.yaml's TrainingFraction (default 0). */
  trainingsetindex?: number;
  /** Where `herd analyze --destfolder` put the detections; the tracklets go there too (default: beside each video). */
  destfolder?: string;
  trackMethod?: TrackMethod;
  identityOnly?: boolean;
  /** Track again videos whose tracklets exist (default: skip them). */
  overwrite?: boolean;
  /** Overrides of inference_cfg.yaml's tracking keys. */
  settings?: Partial<TrackingSettings>;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface TrackedVideo {
  video: string;
  detections: string;
  output: string;
  scorer: string;
  tracker: TrackerKind;
  /** True when the tracklets existed and were left as they were (no `overwrite`). */
  skipped: boolean;
  frames: number;
  tracklets: number;
  rows: number;
  /** The detections file was partial (damaged video), so are the tracklets. */
  partial: boolean;
  message?: string;
}

export interface ConvertResult {
  /** inference_cfg.yaml read, or null when the defaults were used. */
  inferenceConfig: string | null;
  settings: TrackingSettings;
  videos: TrackedVideo[];
}

/** The shuffle's inference_cfg.yaml (path and content), or null when the shuffle has none. */
function readInferenceConfig(project: Project, shuffle: number, trainingsetindex: number): { file: string | null; config: Record<string, unknown> } {
  const fractions = project.config.TrainingFraction;
  if (!Array.isArray(fractions) || !Number.isInteger(trainingsetindex) || trainingsetindex < 0 || trainingsetindex >= fractions.length) {
    throw new HerdError('USAGE', `--trainingsetindex ${trainingsetindex} is not an index of TrainingFraction ${JSON.stringify(fractions)}`);
  }
  const file = path.join(modelFolderOf(project, fractions[trainingsetindex], shuffle), 'test', 'inference_cfg.yaml');
  if (!fs.existsSync(file)) return { file: null, config: buildInferenceConfig(project) };
  const parsed = readYamlFile(file).document.toJS() as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HerdError('CONFIG_INVALID', 'inference_cfg.yaml is not a mapping of keys to values', { file });
  }
  return { file, config: parsed as Record<string, unknown> };
}

/** Tracks the detections of each video into tracklets. */
export async function convertDetectionsToTracklets(configPath: string, inputs: string[], options: ConvertOptions = {}): Promise<ConvertResult> {
  const log = options.log ?? (() => {});
  const progress = options.progress ?? silentProgress;
  const project = loadProject(configPath);
  if (!project.multiAnimal) {
    throw new HerdError('USAGE', 'tracking is for multi-animal projects; a single-animal project gets its poses from herd analyze directly', { file: project.configPath });
  }
  const shuffle = options.shuffle ?? 1;
  if (!Number.isInteger(shuffle) || shuffle < 0) throw new HerdError('USAGE', `--shuffle must be a whole number, got ${shuffle}`);
  // Herd runs these three; identity-only tracking is `identityOnly`, not a track method.
  const method = resolveTrackMethod(project, options.trackMethod, { accept: TRACK_METHODS }).kind!;
  const inference = readInferenceConfig(project, shuffle, options.trainingsetindex ?? 0);
  if (!inference.file) log(`shuffle ${shuffle} has no inference_cfg.yaml; tracking with the defaults create-training-dataset writes`);
  const requested: Partial<TrackingSettings> = {
    ...settingsFromInferenceConfig(inference.config),
    ...stripUndefined(options.settings ?? {}),
    method,
    identityOnly: options.identityOnly ?? false,
  };
  // Checked once up front, so a bad value fails before any video is read.
  const settings = resolveTrackingSettings(requested, project.individuals.length);

  const videos = collectVideoPaths(inputs, options.videotype);
  const plans = videos.map((video) => {
    const found = findDetectionsFile(video, { folder: analysisFolder(video, options.destfolder), shuffle });
    if (found.others.length > 0) {
      log(`${path.basename(video)}: ${found.others.length + 1} detections files of shuffle ${shuffle}; using the newest, ${path.basename(found.file)}`);
    }
    return { video, found };
  });

  const results: TrackedVideo[] = [];
  for (const { video, found } of plans) {
    if (options.signal?.aborted) throw new HerdError('CANCELLED', 'tracking cancelled');
    const name = path.basename(video);
    const prefix = found.file.slice(0, -DETECTIONS_ENDING.length);
    const content = readDetections(found.file);
    const effective = effectiveTracking(content.metadata, requested);
    const output = trackletsPath(prefix, effective.tracker);
    if (fs.existsSync(output) && !options.overwrite) {
      log(`${name}: tracklets already exist (${path.basename(output)}); pass --overwrite to track again`);
      results.push({ video, detections: found.file, output, scorer: found.scorer, tracker: effective.tracker, skipped: true, frames: content.metadata.frames, tracklets: 0, rows: 0, partial: content.metadata.partial });
      continue;
    }
    const task = `track ${name}`;
    let set;
    try {
      set = trackDetections(content, requested, { progress, task, signal: options.signal, log: (line) => log(`${name}: ${line}`) });
    } finally {
      progress.finish(task);
    }
    writeTracklets(output, set, options.overwrite);
    const notes: string[] = [];
    if (content.metadata.partial) notes.push(`the detections file is partial (${content.metadata.stoppedAt ?? 'analysis stopped early'}); the tracklets cover its ${content.metadata.frames} frames`);
    notes.forEach((note) => log(`${name}: ${note}`));
    results.push({
      video,
      detections: found.file,
      output,
      scorer: found.scorer,
      tracker: effective.tracker,
      skipped: false,
      frames: content.metadata.frames,
      tracklets: set.tracklets.length,
      rows: set.tracklets.reduce((sum, t) => sum + t.frames.length, 0),
      partial: content.metadata.partial,
      ...(notes.length > 0 ? { message: notes.join('; ') } : {}),
    });
  }
  return { inferenceConfig: inference.file, settings, videos: results };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
