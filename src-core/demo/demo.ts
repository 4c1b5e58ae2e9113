import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { silentProgress, type ProgressReporter } from '../common/progress';
import { extractFrames } from '../frames/extract';
import { analyzeVideos } from '../infer/analyze';
import { createTrainingDataset } from '../dataset';
import { evaluateNetwork } from '../evaluate/evaluate';
import { checkLabels } from '../labels/check';
import { createProject } from '../project/create';
import { editConfig } from '../project/edit';
import { loadProject } from '../project/load';
import { projectVideos } from '../project/videos';
import { createVideoWithAllDetections } from '../render';
import { createSynthProject } from '../synth/project';
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
  signal?: AbortSignal;
}

export interface DemoStep {
  stage: string;
  summary: string;
  outputs: Record<string, string>;
}

export interface DemoResult {
  directory: string;
  configPath: string;
  steps: DemoStep[];
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
 * The main job on a built-in synthetic project, running every stage that exists so far.
 * Each later stage adds its step here, reading the previous step's outputs.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const progress = options.progress ?? silentProgress;
  const directory = path.resolve(options.directory);
  prepareFolder(directory);
  const steps: DemoStep[] = [];

  const synth = await createSynthProject({
    synth: { frames: options.frames ?? 300, uniqueBodyparts: 2, seed: 0 },
    workingDirectory: directory,
    task: 'demo',
    scorer: 'herd',
    labeledFrames: options.labeledFrames ?? 20,
    progress,
    signal: options.signal,
  });
  const { scene } = synth;
  steps.push({
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
  steps.push({
    stage: 'open project',
    summary: `${project.config.Task} by ${project.config.scorer}: ${project.individuals.join(', ')}; video ${info.width}×${info.height}, ${info.frameCount} frames, ${info.fps} fps, ${info.codec}`,
    outputs: {},
  });

  steps.push(await extractFramesStep(synth.configPath, video.path, directory, progress, options.signal));

  const labelsChecked = await checkLabels(project, { progress, signal: options.signal });
  steps.push({
    stage: 'check labels',
    summary: `labels drawn on ${labelsChecked.images} frames`,
    outputs: { 'labeled images': labelsChecked.folders[0] ?? '' },
  });

  const dataset = await createTrainingDataset(synth.configPath, { netType: 'herd_small', progress, signal: options.signal });
  const [shuffle] = dataset.shuffles;
  steps.push({
    stage: 'create training dataset',
    summary: `shuffle ${shuffle.shuffle}: ${shuffle.trainIndices.length} train / ${shuffle.testIndices.length} test images (fraction ${shuffle.trainFraction}), net type ${shuffle.netType}`,
    outputs: {
      'training labels': dataset.labelsPath,
      'pytorch_config.yaml': shuffle.pytorchConfigPath,
      ...(shuffle.inferenceConfigPath ? { 'inference_cfg.yaml': shuffle.inferenceConfigPath } : {}),
    },
  });

  const trained = await trainNetwork(synth.configPath, { epochs: options.trainEpochs ?? 10, evalInterval: 5, saveEpochs: 5, progress, signal: options.signal });
  if (trained.interrupted) throw new HerdError('CANCELLED', 'training interrupted');
  const error = trained.metrics ? `; test error ${trained.metrics.rmse.toFixed(1)} px (a real model trains for far longer: herd bench --accuracy)` : '';
  steps.push({
    stage: 'train',
    summary: `herd_small, ${trained.epochsDone} epochs, ${trained.backend.replace('backend: ', '')}, ${trained.imagesPerSecond.toFixed(1)} img/s, final loss ${trained.finalLoss.toFixed(4)}${error}`,
    outputs: {
      ...(trained.best ? { 'best snapshot': trained.best } : {}),
      ...(trained.onnx ? { 'ONNX model': trained.onnx } : {}),
      'learning stats': trained.learningStats,
    },
  });

  const evaluation = await evaluateNetwork(synth.configPath, { progress, signal: options.signal });
  const scores = evaluation.evaluations[0]!;
  steps.push({
    stage: 'evaluate',
    summary: `${path.basename(scores.snapshot)}: train error ${scores.train.rmse.toFixed(1)} px, test error ${scores.test.rmse.toFixed(1)} px, test mAP ${scores.test.mAP.toFixed(1)}`,
    outputs: { results: evaluation.files[0]! },
  });

  const analysis = await analyzeVideos(synth.configPath, [synth.videoPath], { progress, signal: options.signal });
  const [analyzed] = analysis.videos;
  steps.push({
    stage: 'analyze',
    summary: `${analyzed!.frames} frames at ${analyzed!.fps.toFixed(1)} fps (ONNX Runtime), animals assembled from part-affinity fields`,
    outputs: { detections: analyzed!.detections },
  });

  const rendered = await createVideoWithAllDetections(synth.configPath, [synth.videoPath], { progress, signal: options.signal });
  const [video0] = rendered.videos;
  steps.push({
    stage: 'video with all detections',
    summary: `${video0!.drawn} detections at or above p-cutoff ${rendered.pcutoff} drawn on ${video0!.frames} frames`,
    outputs: { video: video0!.output },
  });
  return { directory, configPath: synth.configPath, steps };
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
    lines.push('', `${i + 1}. ${step.stage}: ${step.summary}`);
    for (const [name, file] of Object.entries(step.outputs)) lines.push(`   ${name}: ${shortPath(file)}`);
  }
  lines.push('', 'Stages still to come: tracking, stitching, filtering, plots, labeled videos.');
  return lines.join('\n');
}
