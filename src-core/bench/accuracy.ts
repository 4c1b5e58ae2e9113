/**
 * `herd bench --accuracy`: how well the default CPU network learns in a fixed time on this machine, on a
 * synthetic project (ground truth we control) and on DeepLabCut's real openfield example. Not a test: it runs
 * for minutes and prints the test error as it falls with the epochs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Random } from '../common/random';
import { silentProgress, type ProgressReporter } from '../common/progress';
import { createTrainingDataset, loadShuffle } from '../dataset';
import { readLabels, saveLabels } from '../labels';
import { editConfig } from '../project/edit';
import { createSynthProject } from '../synth/project';
import { trainNetwork, type TrainResult } from '../train/trainer';

export interface AccuracyBenchOptions {
  /** `synth`, or the folder of a DeepLabCut project (e.g. ../shared/data/openfield-Pranav-2018-10-30). */
  dataset: string;
  minutes: number;
  /** Synthetic projects: labeled frames and the label noise (px, Gaussian σ) added to them. */
  labeledFrames?: number;
  labelNoise?: number;
  seed?: number;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface AccuracyBenchResult {
  dataset: string;
  configPath: string;
  trainImages: number;
  testImages: number;
  minutes: number;
  train: TrainResult;
  /** Test error (px) after each evaluated epoch, from learning_stats.csv. */
  curve: Array<{ epoch: number; rmse: number; loss: number; imagesPerSecond: number }>;
}

export async function runAccuracyBench(options: AccuracyBenchOptions): Promise<AccuracyBenchResult> {
  const log = options.log ?? (() => {});
  const progress = options.progress ?? silentProgress;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-accuracy-'));
  let configPath: string;
  if (options.dataset === 'synth') {
    const project = await createSynthProject({
      workingDirectory: folder,
      synth: { animals: 3, frames: Math.max(300, 2 * (options.labeledFrames ?? 150)), seed: options.seed ?? 1 },
      labeledFrames: options.labeledFrames ?? 150,
      progress,
      signal: options.signal,
    });
    configPath = project.configPath;
    if (options.labelNoise) await addLabelNoise(project.labelsH5Path, options.labelNoise, options.seed ?? 1);
  } else {
    const copy = path.join(folder, path.basename(path.resolve(options.dataset)));
    fs.cpSync(path.resolve(options.dataset), copy, { recursive: true });
    configPath = path.join(copy, 'config.yaml');
    adoptLabeledFolders(configPath);
  }
  await createTrainingDataset(configPath, { netType: 'herd_small', trainingsetindex: 0, seed: options.seed ?? 42 });
  const shuffle = await loadShuffle(configPath, 1, 0);
  // Fit the epochs and the learning-rate drops (DeepLabCut's LRListScheduler, ÷10 at 75 % and 90 %) to the
  // time budget, from a calibration of the step rate: a schedule that never decays would not show the model at
  // its best.
  // Two epochs, timed by the second one's own rate (the first one includes warm-up).
  const calibration = await trainNetwork(configPath, { epochs: 2, evalInterval: 1000, exportOnnx: false, signal: options.signal });
  const rate = readStats(calibration.learningStats).at(-1)!.imagesPerSecond;
  const perEpoch = shuffle.trainIndices.length / Math.max(0.1, rate);
  const epochs = Math.max(2, Math.floor((options.minutes * 60) / perEpoch));
  log(`calibration: ${rate.toFixed(1)} img/s → ${epochs} epochs of ${shuffle.trainIndices.length} images in ${options.minutes} min`);
  // Start afresh: only the calibration's snapshots and stats go, pytorch_config.yaml stays.
  for (const name of fs.readdirSync(path.dirname(shuffle.pytorchConfigPath))) {
    if (name !== 'pytorch_config.yaml') fs.rmSync(path.join(path.dirname(shuffle.pytorchConfigPath), name), { force: true });
  }
  const train = await trainNetwork(configPath, {
    epochs,
    evalInterval: Math.max(1, Math.round(epochs / 10)),
    saveEpochs: epochs,
    schedule: { milestones: [Math.round(epochs * 0.75), Math.round(epochs * 0.9)], rates: [1e-4, 1e-5] },
    timeLimitSeconds: options.minutes * 60 * 1.1,
    progress,
    log,
    signal: options.signal,
  });
  return {
    dataset: options.dataset,
    configPath,
    trainImages: shuffle.trainIndices.length,
    testImages: shuffle.testIndices.length,
    minutes: options.minutes,
    train,
    curve: readStats(train.learningStats).filter((row) => Number.isFinite(row.rmse)),
  };
}

/**
 * Points `video_sets` at the project's labeled-data folders, as DeepLabCut's `load_demo_data` does for its
 * examples (openfield ships with a placeholder there), and `project_path` at the copy.
 */
function adoptLabeledFolders(configPath: string): void {
  const root = path.dirname(configPath);
  const folders = fs.readdirSync(path.join(root, 'labeled-data')).filter((name) => !name.endsWith('_labeled'));
  const videoSets = Object.fromEntries(folders.map((stem) => [path.join(root, 'videos', `${stem}.mp4`), { crop: '0, 640, 0, 480' }]));
  editConfig(configPath, [
    { key: ['video_sets'], value: videoSets },
    { key: ['project_path'], value: root },
  ]);
}

async function addLabelNoise(labelsH5: string, sigma: number, seed: number): Promise<void> {
  const { table } = await readLabels(labelsH5, { checkImages: false });
  const random = new Random(seed * 7 + 3);
  for (let i = 0; i < table.values.length; i++) if (Number.isFinite(table.values[i])) table.values[i]! += sigma * random.gaussian();
  await saveLabels(path.dirname(labelsH5), table);
}

/** The rows of a learning_stats.csv that matter here. */
function readStats(statsFile: string): Array<{ epoch: number; rmse: number; loss: number; imagesPerSecond: number }> {
  const [header, ...rows] = fs.readFileSync(statsFile, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  const at = (cells: string[], name: string) => (cells[columns.indexOf(name)] === '' ? NaN : Number(cells[columns.indexOf(name)]));
  return rows
    .map((row) => row.split(','))
    .map((cells) => ({
      epoch: at(cells, 'epoch'),
      rmse: at(cells, 'metrics/test.rmse'),
      loss: at(cells, 'losses/train.total_loss'),
      imagesPerSecond: at(cells, 'images_per_second'),
    }));
}

export function formatAccuracyBench(result: AccuracyBenchResult): string {
  const lines = [
    `accuracy bench: ${result.dataset}, herd_small, ${result.trainImages} train / ${result.testImages} test images, budget ${result.minutes} min`,
    `${result.train.backend}; ${result.train.imagesPerSecond.toFixed(1)} img/s; ${result.train.epochsDone} epochs`,
    '| epoch | test error (px) | train loss |',
    '|---:|---:|---:|',
    ...result.curve.map((p) => `| ${p.epoch} | ${p.rmse.toFixed(2)} | ${p.loss.toFixed(5)} |`),
  ];
  const m = result.train.metrics;
  if (m) lines.push(`final: ${m.rmse.toFixed(2)} px mean error, ${m.missed} of ${m.labeled} labeled test points undetected, ${m.falsePositives} extra detections`);
  return lines.join('\n');
}
