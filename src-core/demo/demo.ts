import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { silentProgress, type ProgressReporter } from '../common/progress';
import { createTrainingDataset } from '../dataset';
import { evaluateNetwork } from '../evaluate/evaluate';
import { filterPredictions } from '../filter/filter-predictions';
import { extractFrames } from '../frames/extract';
import { analyzeVideos } from '../infer/analyze';
import { exportPoses } from '../io/export';
import { checkLabels } from '../labels/check';
import { findOutlierFrames } from '../outliers/extract';
import { createProject } from '../project/create';
import { editConfig } from '../project/edit';
import { loadProject } from '../project/load';
import { projectVideos } from '../project/videos';
import { createVideoWithAllDetections } from '../render';
import { createLabeledVideo } from '../render/labeled-video';
import { plotTrajectories } from '../render/trajectories';
import { stitchVideos, type StitchVideosResult } from '../stitch/stitch-videos';
import { evaluateTracking } from '../stitch/tracking-metrics';
import { createSynthProject } from '../synth/project';
import { convertDetectionsToTracklets } from '../track/convert';
import { trainNetwork } from '../train/trainer';
import { probeVideo } from '../video';

/** A file the demo leaves in its folder, so a rerun knows the folder is its own to replace. */
const MARKER = '.herd-demo';

export interface DemoOptions {
  directory: string;
  frames?: number;
  labeledFrames?: number;
  /** Epochs of the demo's training run (default 10: seconds, to show the stage, not a usable model). */
  trainEpochs?: number;
  progress?: ProgressReporter;
  /** Notes of the stages (warnings such as a stitching fallback); default: none. */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface DemoStep {
  stage: string;
  summary: string;
  outputs: Record<string, string>;
  /** Wall-clock seconds the step took. */
  seconds?: number;
}

export interface DemoResult {
  directory: string;
  configPath: string;
  steps: DemoStep[];
  /** Wall-clock seconds of the whole demo. */
  seconds?: number;
}

/** The demo's steps, each stamped with the time since the previous one was added (each step's work runs just before). */
class StepList {
  readonly steps: DemoStep[] = [];
  private last = performance.now();

  add(step: DemoStep): void {
    const now = performance.now();
    this.steps.push({ ...step, seconds: (now - this.last) / 1000 });
    this.last = now;
  }
}

function prepareFolder(directory: string): void {
  if (fs.existsSync(directory)) {
    if (!fs.existsSync(path.join(directory, MARKER))) {
      throw new HerdError('DEMO_FOLDER_IN_USE', 'this folder exists and was not made by `herd demo`; choose another with --dir', {
        file: directory,
      });
    }
    fs.rmSync(directory, { recursive: true, force: true });
  }
  fs.mkdirSync(directory, { recursive: true });
  fs.writeFileSync(path.join(directory, MARKER), 'Made by `herd demo`; the next demo run replaces this folder.\n');
}

/**
 * The main job on a built-in synthetic project, every stage in DeepLabCut's order: synthetic labeled project, frame
 * extraction, label check, training dataset, a brief training run, evaluation, analysis, then tracking, stitching,
 * tracking accuracy against the ground truth, filtering, labeled video, plots, exports and the outlier search.
 * Each step reads the previous steps' outputs; a new stage adds its step here.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const progress = options.progress ?? silentProgress;
  const directory = path.resolve(options.directory);
  const log = options.log ?? (() => {});
  const signal = options.signal;
  prepareFolder(directory);
  const started = performance.now();
  const steps = new StepList();

  const synth = await createSynthProject({
    synth: { frames: options.frames ?? 300, uniqueBodyparts: 2, seed: 0 },
    workingDirectory: directory,
    task: 'demo',
    scorer: 'herd',
    labeledFrames: options.labeledFrames ?? 20,
    progress,
    signal,
  });
  const { scene } = synth;
  steps.add({
    stage: 'synth project',
    summary: `${scene.individuals.length} animals × ${scene.bodyparts.length} body parts (+${scene.uniqueBodyparts.length} unique), ${scene.frames} frames at ${scene.width}×${scene.height}; ${synth.labeledFrameIndices.length} labeled frames`,
    outputs: {
      project: synth.root,
      config: synth.configPath,
      video: synth.videoPath,
      'ground truth (DeepLabCut CSV)': synth.groundTruthCsvPath,
      'labeled frames': synth.labeledFolder,
      'labels (h5 + csv)': synth.labelsH5Path,
    },
  });

  // Open the project the way every later stage will, and check the video against the ground truth.
  const project = loadProject(synth.configPath);
  const [video] = projectVideos(project);
  if (!video.path) throw new HerdError('DEMO_FAILED', 'the demo video is missing from its project', { file: video.configuredPath });
  const info = await probeVideo(video.path);
  if (info.frameCount !== scene.frames) {
    throw new HerdError('DEMO_FAILED', `the video has ${info.frameCount} frames, the ground truth ${scene.frames}`, { file: video.path });
  }
  steps.add({
    stage: 'open project',
    summary: `${project.config.Task} by ${project.config.scorer}: ${project.individuals.join(', ')}; video ${info.width}×${info.height}, ${info.frameCount} frames, ${info.fps} fps, ${info.codec}`,
    outputs: {},
  });

  steps.add(await extractFramesStep(synth.configPath, video.path, directory, progress, signal));

  const labelsChecked = await checkLabels(project, { progress, signal });
  steps.add({
    stage: 'check labels',
    summary: `labels drawn on ${labelsChecked.images} frames`,
    outputs: { 'labeled images': labelsChecked.folders[0] ?? '' },
  });

  const dataset = await createTrainingDataset(synth.configPath, { netType: 'herd_small', progress, signal });
  const [shuffle] = dataset.shuffles;
  steps.add({
    stage: 'create training dataset',
    summary: `shuffle ${shuffle.shuffle}: ${shuffle.trainIndices.length} train / ${shuffle.testIndices.length} test images (fraction ${shuffle.trainFraction}), net type ${shuffle.netType}`,
    outputs: {
      'training labels': dataset.labelsPath,
      'pytorch_config.yaml': shuffle.pytorchConfigPath,
      ...(shuffle.inferenceConfigPath ? { 'inference_cfg.yaml': shuffle.inferenceConfigPath } : {}),
    },
  });

  const trained = await trainNetwork(synth.configPath, { epochs: options.trainEpochs ?? 10, evalInterval: 5, saveEpochs: 5, progress, signal });
  if (trained.interrupted) throw new HerdError('CANCELLED', 'training interrupted');
  const error = trained.metrics ? `; test error ${trained.metrics.rmse.toFixed(1)} px (a real model trains for far longer: herd bench --accuracy)` : '';
  steps.add({
    stage: 'train',
    summary: `herd_small, ${trained.epochsDone} epochs, ${trained.backend.replace('backend: ', '')}, ${trained.imagesPerSecond.toFixed(1)} img/s, final loss ${trained.finalLoss.toFixed(4)}${error}`,
    outputs: {
      ...(trained.best ? { 'best snapshot': trained.best } : {}),
      ...(trained.onnx ? { 'ONNX model': trained.onnx } : {}),
      'learning stats': trained.learningStats,
    },
  });

  const evaluation = await evaluateNetwork(synth.configPath, { progress, signal });
  const scores = evaluation.evaluations[0]!;
  steps.add({
    stage: 'evaluate',
    summary: `${path.basename(scores.snapshot)}: train error ${scores.train.rmse.toFixed(1)} px, test error ${scores.test.rmse.toFixed(1)} px, test mAP ${scores.test.mAP.toFixed(1)}`,
    outputs: { results: evaluation.files[0]! },
  });

  const analysis = await analyzeVideos(synth.configPath, [synth.videoPath], { progress, signal });
  const [analyzed] = analysis.videos;
  steps.add({
    stage: 'analyze',
    summary: `${analyzed!.frames} frames at ${analyzed!.fps.toFixed(1)} fps (ONNX Runtime), animals assembled from part-affinity fields`,
    outputs: { detections: analyzed!.detections },
  });

  const rendered = await createVideoWithAllDetections(synth.configPath, [synth.videoPath], { progress, signal });
  const [video0] = rendered.videos;
  steps.add({
    stage: 'video with all detections',
    summary: `${video0!.drawn} detections at or above p-cutoff ${rendered.pcutoff} drawn on ${video0!.frames} frames`,
    outputs: { video: video0!.output },
  });

  await trackingSteps(steps, {
    configPath: synth.configPath,
    videoPath: synth.videoPath,
    groundTruthCsv: synth.groundTruthCsvPath,
    trainedEpochs: trained.epochsDone,
    labeledFrames: synth.labeledFrameIndices.length,
    progress,
    log,
    signal,
  });
  return { directory, configPath: synth.configPath, steps: steps.steps, seconds: (performance.now() - started) / 1000 };
}

interface TrackingInputs {
  configPath: string;
  videoPath: string;
  groundTruthCsv: string;
  trainedEpochs: number;
  labeledFrames: number;
  progress: ProgressReporter;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
}

const TRACKER = 'ellipse';

/** A ratio such as MOTA or IDF1 with 3 decimals ("n/a" when undefined). */
function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : 'n/a';
}

/** `3-5, 9, 12` with at most `limit` runs of consecutive frames. */
function frameRuns(frames: readonly number[], limit = 12): string {
  const runs: string[] = [];
  for (let i = 0; i < frames.length; ) {
    let j = i;
    while (j + 1 < frames.length && frames[j + 1] === frames[j]! + 1) j++;
    runs.push(j > i ? `${frames[i]}-${frames[j]}` : `${frames[i]}`);
    i = j + 1;
  }
  return runs.length > limit ? `${runs.slice(0, limit).join(', ')}, … (${runs.length - limit} more runs)` : runs.join(', ');
}

/**
 * After analysis, DeepLabCut's multi-animal pipeline: tracklets (ellipse tracker, the shuffle's inference_cfg.yaml),
 * stitching into one track per animal, tracking accuracy against the synthetic ground truth, median filter,
 * labeled video, trajectory plots, exports (NWB, SLEAP), and the outlier search that starts refinement.
 */
async function trackingSteps(steps: StepList, input: TrackingInputs): Promise<void> {
  const { configPath, progress, log, signal } = input;
  const videos = [input.videoPath];

  const tracked = await convertDetectionsToTracklets(configPath, videos, { trackMethod: TRACKER, progress, log, signal });
  const tracklets = tracked.videos[0]!;
  const t = tracked.settings;
  steps.add({
    stage: 'tracklets',
    summary:
      `${tracklets.tracklets} tracklets (${tracklets.rows} animal-frames over ${tracklets.frames} frames) by the ${tracklets.tracker} tracker ` +
      `with ${tracked.inferenceConfig ? "the shuffle's inference_cfg.yaml" : 'default settings'} (similarity ≥ ${t.iouThreshold}, max_age ${t.maxAge}, min_hits ${t.minHits}, pcutoff ${t.pcutoff})`,
    outputs: { tracklets: tracklets.output },
  });

  let stitched: StitchVideosResult;
  try {
    stitched = await stitchVideos(configPath, videos, { trackMethod: TRACKER, saveAsCsv: true, progress, log, signal });
  } catch (error) {
    // A model trained for too few epochs (--epochs) may find too few animals to make a track of each.
    if (error instanceof HerdError && (error.code === 'STITCH_EMPTY' || error.code === 'STITCH_TOO_FEW_TRACKLETS')) {
      throw new HerdError(
        'DEMO_FAILED',
        `the demo model (${input.trainedEpochs} epochs) found too few animals to stitch a track for each (${error.message}); run the demo with more --epochs`,
        error.location,
        { cause: error },
      );
    }
    throw error;
  }
  const tracks = stitched.videos[0]!;
  const s = tracks.stats;
  steps.add({
    stage: 'stitch tracklets',
    summary:
      `${s.tracklets} tracklets → ${s.pieces} pieces → ${stitched.nTracks} tracks (${tracks.tracks.map((track) => `${track.name} ${track.frames}`).join(', ')} frames); ` +
      `${s.links} link${s.links === 1 ? '' : 's'} over gaps ≤ ${s.maxGap} frames, ${s.residualsAdded} short pieces added back` +
      (s.fallback ? '; no exact cover, kept the tracks covering the most frames' : '') +
      (s.residualsDropped > 0 ? `; ${s.residualsDropped} left out` : ''),
    outputs: { 'tracks (h5)': tracks.output, ...(tracks.csv ? { 'tracks (csv)': tracks.csv } : {}) },
  });

  signal?.throwIfAborted();
  const perFrameCsv = path.join(path.dirname(tracks.output), `${path.parse(input.videoPath).name}_tracking-per-frame.csv`);
  const m = await evaluateTracking(tracks.output, input.groundTruthCsv, { perFrameCsv, overwrite: true });
  steps.add({
    stage: 'tracking accuracy',
    summary:
      `MOTA ${ratio(m.mota)}, IDF1 ${ratio(m.idf1)}, ${m.idSwitches} identity switches against the ground truth ` +
      `(${m.misses} misses, ${m.falsePositives} false positives of ${m.groundTruth} animal-frames; match within ${m.threshold.toFixed(0)} px). ` +
      `The demo model is trained only briefly (${input.trainedEpochs} epochs on ${input.labeledFrames} labeled frames), so expect low scores; ` +
      'a model trained for longer (herd bench --accuracy) tracks far better',
    outputs: { 'ground truth': input.groundTruthCsv, 'per-frame results': perFrameCsv },
  });

  const filtered = await filterPredictions(configPath, videos, { filtertype: 'median', windowlength: 5, trackMethod: TRACKER, progress, log, signal });
  const table = filtered.videos[0]!;
  steps.add({
    stage: 'filter',
    summary: `${filtered.filtertype} filter over ${filtered.windowlength} frames on every body part of the ${stitched.nTracks} tracks (${table.frames} frames)`,
    outputs: { 'filtered (h5)': table.output, ...(table.csv ? { 'filtered (csv)': table.csv } : {}) },
  });

  const labeled = await createLabeledVideo(configPath, videos, {
    filtered: true,
    colorBy: 'individual',
    drawSkeleton: true,
    trackMethod: TRACKER,
    // DeepLabCut's default fourcc (mpeg4): a third of libx264's encoding time on two cores.
    codec: 'mp4v',
    // The synthetic animals are ~60 px long: config.yaml's dotsize (12) would hide the skeleton under the dots.
    dotsize: 5,
    progress,
    log,
    signal,
  });
  const video = labeled.videos[0]!;
  steps.add({
    stage: 'labeled video',
    summary:
      `filtered tracks drawn on ${video.frames} frames, one color per animal, with the skeleton (dots of ${labeled.dotsize} px): ` +
      `${video.drawn} points above p-cutoff ${labeled.pcutoff}${video.fps ? ` (${video.fps.toFixed(0)} frames/s)` : ''}`,
    outputs: { video: video.output },
  });

  const plotted = await plotTrajectories(configPath, videos, { filtered: true, trackMethod: TRACKER, log, signal });
  const plots = plotted.videos[0]!;
  steps.add({
    stage: 'plot trajectories',
    summary: `${plots.files.length} figures of the filtered tracks: trajectory, x and y over time, likelihood and step histogram per animal (and the unique body parts)`,
    outputs: { figures: plots.folder },
  });

  signal?.throwIfAborted();
  const nwb = await exportPoses(configPath, videos, { format: 'nwb', filtered: true, trackMethod: TRACKER, overwrite: true, log });
  signal?.throwIfAborted();
  // Its one expected warning (SLEAP files have no place for unique body parts) is said in the summary instead.
  const sleap = await exportPoses(configPath, videos, { format: 'sleap-analysis', filtered: true, trackMethod: TRACKER, overwrite: true });
  const exported = nwb.exports[0]!;
  sleap.warnings.filter((warning) => !/unique body parts/.test(warning)).forEach((warning) => log(`warning: ${warning}`));
  const uniqueParts = exported.uniqueBodyparts.length;
  steps.add({
    stage: 'export poses',
    summary:
      `filtered tracks of ${exported.individuals.length} animals × ${exported.bodyparts.length} body parts, ${exported.frames} frames, ` +
      `as NWB (ndx-pose, for pynwb and movement${uniqueParts > 0 ? `; with the ${uniqueParts} unique body parts` : ''}) ` +
      `and SLEAP's analysis HDF5 (SLEAP and movement${uniqueParts > 0 ? '; it has no place for unique body parts' : ''})`,
    outputs: { NWB: exported.output, 'SLEAP analysis': sleap.exports[0]!.output },
  });

  const epsilon = 20;
  const outliers = await findOutlierFrames(configPath, videos, { outlieralgorithm: 'jump', epsilon, trackMethod: TRACKER, log, signal });
  const found = outliers.videos[0]!;
  steps.add({
    stage: 'find outliers',
    summary:
      `${found.candidates.length} of ${found.frames} frames have a body part moving more than ${epsilon} px from the frame before` +
      (found.candidates.length > 0 ? ` (${frameRuns(found.candidates)})` : '') +
      (found.candidates.length > found.frames / 2 ? ", most of them: the briefly trained model's points jitter" : '') +
      `; herd extract-outlier-frames would pick ${outliers.numframes2pick} of them to correct (nothing written here)`,
    outputs: {},
  });
}

/**
 * extract-frames as DeepLabCut users meet it: the labeled project already has frames for its video, so
 * automatic extraction skips it (no --force); a fresh project on the same video then gets 8 frames by k-means.
 */
async function extractFramesStep(
  configPath: string,
  videoPath: string,
  directory: string,
  progress: ProgressReporter,
  signal: AbortSignal | undefined,
): Promise<DemoStep> {
  const skipped = await extractFrames(configPath, { algo: 'kmeans', progress, signal });
  const fresh = await createProject({ task: 'demo-extract', experimenter: 'herd', videos: [videoPath], workingDirectory: directory, signal });
  editConfig(fresh.configPath, [{ key: ['numframes2pick'], value: 8 }]);
  const extracted = await extractFrames(fresh.configPath, { algo: 'kmeans', seed: 0, progress, signal });
  const [video] = extracted.videos;
  const report = video.clustering;
  const clustering = report ? ` (${report.steps} mini-batch steps, ${report.converged ? 'converged' : 'not converged'})` : '';
  return {
    stage: 'extract frames',
    summary:
      `labeled project skipped (${skipped.videos.filter((v) => v.status === 'skipped').length} video already has frames; --force adds more); ` +
      `new project: k-means picked frames ${video.indices.join(', ')}${clustering}`,
    outputs: { 'new project': fresh.configPath, 'extracted frames': video.folder },
  };
}

/** Paths under the current folder are shown relative to it, others in full. */
function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

export function formatDemo(result: DemoResult): string {
  const lines = [`Herd demo in ${result.directory}`];
  for (const [i, step] of result.steps.entries()) {
    const time = step.seconds !== undefined ? ` (${step.seconds.toFixed(1)} s)` : '';
    lines.push('', `${i + 1}. ${step.stage}${time}: ${step.summary}`);
    for (const [name, file] of Object.entries(step.outputs)) lines.push(`   ${name}: ${shortPath(file)}`);
  }
  const total = result.seconds !== undefined ? ` in ${result.seconds.toFixed(0)} s` : '';
  lines.push(
    '',
    `Every stage ran${total}. Next with your own videos: label, train for longer, then correct the outlier frames ` +
      '(herd extract-outlier-frames, then herd merge-datasets) and train the next iteration.',
  );
  return lines.join('\n');
}
