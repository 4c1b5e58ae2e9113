/**
 * `herd evaluate` (DeepLabCut's `evaluate_network`): every chosen snapshot of a shuffle predicts the train and
 * test images (full frames, no augmentation), its detections are assembled into animals exactly as `herd analyze`
 * does, and the poses are scored against the labels: DeepLabCut's "RMSE" (a mean pixel distance after matching
 * animals by OKS), the same above the p-cutoff, and OKS mAP / mAR (metrics.ts). With `plotting`, the images are also
 * drawn with their labels and the very predictions that were scored (plots.ts). Per snapshot, those predictions go to
 * `<scorer>.h5` and the per body part errors to `<scorer>-keypoint-results.csv` (outputs.ts); results.ts reads it all back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { formatCsv, parseCsvLine } from '../common/csv';
import { HerdError } from '../common/errors';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { loadShuffle, type LoadedShuffle } from '../dataset';
import { framePoses, type FramePoseOptions } from '../infer/frame-poses';
import { edgesToKeep } from '../infer/analyze';
import { editYamlFile } from '../project/edit';
import { loadSamples, type LabeledSample } from '../train/data';
import { selectBackend } from '../train/engine/backend';
import { keypointErrors, meanAveragePrecision, poolErrors, resolvePcutoffs, uniqueErrors, type EvalImage, type Pcutoff } from './metrics';
import { EvaluationPlotter, isPlottingMode, PLOTTING_MODES, type PlottingMode } from './plots';
import { selectPafGraphForShuffle } from './prune-graph';
import { chooseSnapshots, evaluationFolder, openSnapshot, snapshotScorer, type SnapshotRunner } from './snapshot-runner';
import { writeKeypointResults, writePredictions, type PredictedImage } from './outputs';

export interface EvaluateOptions {
  shuffles?: number[];
  trainingsetindex?: number;
  /** Which snapshots: 'all', or indices into the sorted list (−1 = the last; the best snapshot sorts last). */
  snapshots?: 'all' | number[];
  /** Overrides config.yaml's pcutoff: a number, one per body part, or a mapping. */
  pcutoff?: Pcutoff;
  assembly?: FramePoseOptions;
  /** After scoring, choose the PAF edges by test mAP (DeepLabCut's data-driven skeleton) and save edges_to_keep. */
  selectPafGraph?: boolean;
  /**
   * Draw every train and test image with its labels and predictions (DeepLabCut's `plotting`), coloured per body
   * part or per individual, into `evaluation-results-pytorch/iteration-N/<shuffle>/LabeledImages_<scorer>/`.
   */
  plotting?: PlottingMode;
  /** Called with every scored image's predictions (exactly what is scored and plotted). */
  onPredictions?: (image: ScoredImage) => void;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ScoredImage {
  snapshot: string;
  split: 'train' | 'test';
  /** `labeled-data/<video>/<image>`. */
  imagePath: string;
  /** Labels [individuals × K × 2] and predicted animals [slots × K × 3] (x, y, score; NaN = none). */
  gt: Float32Array;
  pred: Float32Array;
  /** Unique body parts: labels [U × 2] and predictions [U × 3]. */
  uniqueGt?: Float32Array;
  uniquePred?: Float32Array;
}

export interface SplitScores {
  images: number;
  rmse: number;
  rmsePcutoff: number;
  mAP: number;
  mAR: number;
  perBodypart: number[];
  /** Per body part errors above the p-cutoff; then the unique body parts' errors (empty without unique parts). */
  perBodypartPcutoff: number[];
  uniquePerBodypart: number[];
  uniquePerBodypartPcutoff: number[];
}

export interface SnapshotEvaluation {
  shuffle: number;
  trainFraction: number;
  /** The p-cutoff the `…with p-cutoff` errors used. */
  pcutoff: Pcutoff;
  snapshot: string;
  epoch: number;
  scorer: string;
  bodyparts: string[];
  train: SplitScores;
  test: SplitScores;
  /** With `plotting`: the `LabeledImages_<scorer>` folder and how many images were drawn into it. */
  plots?: { folder: string; images: number };
  /** `<scorer>.h5` (every scored image's predictions) and `<scorer>-keypoint-results.csv` (outputs.ts). */
  predictionsFile: string;
  keypointResultsFile: string;
}

export interface EvaluateResult {
  evaluations: SnapshotEvaluation[];
  /** The per-shuffle results files and the iteration's combined file. */
  files: string[];
  /** With `plotting`: the `LabeledImages_<scorer>` folder of each evaluated snapshot. */
  plotFolders: string[];
  /** With `selectPafGraph`: the PAF edges chosen per shuffle. */
  pafGraphs: PafGraphChoice[];
}

export async function evaluateNetwork(configPath: string, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  if (options.plotting !== undefined && !isPlottingMode(options.plotting)) {
    throw new HerdError('USAGE', `plotting must be ${PLOTTING_MODES.join(' or ')}, got "${String(options.plotting)}"`);
  }
  await selectBackend({ prefer: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] });
  const evaluations: SnapshotEvaluation[] = [];
  const files: string[] = [];
  const selections: PafGraphChoice[] = [];
  for (const shuffleNumber of options.shuffles ?? [1]) {
    const shuffle = await loadShuffle(configPath, shuffleNumber, options.trainingsetindex ?? 0);
    const snapshots = chooseSnapshots(shuffle, options.snapshots ?? [-1]);
    const rows: SnapshotEvaluation[] = [];
    for (const file of snapshots) {
      options.signal?.throwIfAborted();
      const evaluation = await evaluateSnapshot(shuffle, file, options);
      options.log?.(
        `shuffle ${shuffleNumber}, ${path.basename(file)}: test error ${evaluation.test.rmse.toFixed(2)} px (${evaluation.test.rmsePcutoff.toFixed(2)} px above p-cutoff), ` +
          `train ${evaluation.train.rmse.toFixed(2)} px; test mAP ${evaluation.test.mAP.toFixed(1)}, mAR ${evaluation.test.mAR.toFixed(1)}`,
      );
      rows.push(evaluation);
    }
    files.push(writeShuffleResults(shuffle, rows));
    evaluations.push(...rows);
    if (options.selectPafGraph) selections.push(await choosePafGraph(shuffle, rows[rows.length - 1]!.snapshot, options));
  }
  const project = (await loadShuffle(configPath, (options.shuffles ?? [1])[0]!, options.trainingsetindex ?? 0)).project;
  files.push(writeCombinedResults(path.join(project.root, 'evaluation-results-pytorch', `iteration-${project.config.iteration}`), evaluations));
  const plotFolders = evaluations.flatMap((e) => (e.plots ? [e.plots.folder] : []));
  return { evaluations, files, plotFolders, pafGraphs: selections };
}

export interface PafGraphChoice {
  shuffle: number;
  snapshot: string;
  /** Edge indices into the model's PAF graph, written as `edges_to_keep`. */
  edges: number[];
  graphSize: number;
  scores: Array<{ edges: number; mAP: number }>;
}

/**
 * DeepLabCut's data-driven skeleton (prune_paf_graph.py): the candidate PAF graph with the best test mAP becomes
 * `model.heads.bodypart.predictor.edges_to_keep` in pytorch_config.yaml, which analysis and evaluation then use.
 */
async function choosePafGraph(shuffle: LoadedShuffle, snapshot: string, options: EvaluateOptions): Promise<PafGraphChoice> {
  const selection = await selectPafGraphForShuffle(shuffle, snapshot, { assembly: { ...options.assembly, edges: undefined }, progress: options.progress, signal: options.signal, log: options.log });
  editYamlFile(shuffle.pytorchConfigPath, [{ key: ['model', 'heads', 'bodypart', 'predictor', 'edges_to_keep'], value: selection.best }]);
  options.log?.(`shuffle ${shuffle.shuffle}: kept ${selection.best.length} of ${selection.graph.length} PAF edges (edges_to_keep in ${path.basename(shuffle.pytorchConfigPath)})`);
  return {
    shuffle: shuffle.shuffle,
    snapshot,
    edges: selection.best,
    graphSize: selection.graph.length,
    scores: selection.scores.map((s) => ({ edges: s.edges.length, mAP: s.mAP })),
  };
}

async function evaluateSnapshot(shuffle: LoadedShuffle, file: string, options: EvaluateOptions): Promise<SnapshotEvaluation> {
  const runner = openSnapshot(shuffle, file);
  const { info, setup } = runner;
  const pcutoff = options.pcutoff ?? (shuffle.project.config.pcutoff as Pcutoff | undefined) ?? 0.6;
  // Assemble as `herd analyze` will: with pytorch_config's edges_to_keep when it names a subset of the graph.
  options = { ...options, assembly: { ...options.assembly, edges: options.assembly?.edges ?? edgesToKeep(shuffle.pytorchConfig, info.pafGraph.length) } };
  const epoch = info.epoch ?? 0;
  const scorer = snapshotScorer(shuffle, info, file);
  try {
    const names = { bodyparts: info.bodyparts, uniqueBodyparts: info.uniqueBodyparts };
    const plotter = options.plotting
      ? new EvaluationPlotter(path.join(evaluationFolder(shuffle), `LabeledImages_${scorer}`), {
          mode: options.plotting,
          bodyparts: info.bodyparts.length,
          uniqueBodyparts: info.uniqueBodyparts.length,
          individuals: info.individuals.length,
          animals: info.individuals.length,
          pcutoffs: resolvePcutoffs(pcutoff, 'multi', info.bodyparts.length, names),
          uniquePcutoffs: resolvePcutoffs(pcutoff, 'unique', info.uniqueBodyparts.length, names),
        }, shuffle.project.config as unknown as Record<string, unknown>)
      : undefined;
    const predicted: PredictedImage[] = [];
    const score = async (indices: number[], split: 'train' | 'test') => {
      const samples = await loadSamples(shuffle, indices, setup, { signal: options.signal });
      const onImage: OnImage = (sample, image) => {
        plotter?.plot(sample.image, sample.imagePath, split, image);
        predicted.push({ split, imagePath: sample.imagePath, pred: image.pred, uniquePred: image.uniquePred });
        options.onPredictions?.({ snapshot: file, split, imagePath: sample.imagePath, ...image });
      };
      const task = `evaluate ${path.basename(file)} (${split}${plotter ? ', plotting' : ''})`;
      return scoreSplit(runner, samples, pcutoff, options, task, onImage);
    };
    const train = await score(shuffle.trainIndices, 'train');
    const test = await score(shuffle.testIndices, 'test');
    const folder = evaluationFolder(shuffle);
    const project = shuffle.project;
    const individuals = project.multiAnimal ? info.individuals : info.individuals.slice(0, 1);
    const predictionsFile = await writePredictions(folder, { scorer, multiAnimal: project.multiAnimal, individuals, bodyparts: info.bodyparts, uniqueBodyparts: info.uniqueBodyparts }, predicted);
    const parts = (s: SplitScores) => ({ perBodypart: [...s.perBodypart, ...s.uniquePerBodypart], perBodypartPcutoff: [...s.perBodypartPcutoff, ...s.uniquePerBodypartPcutoff] });
    const keypointResultsFile = writeKeypointResults(folder, scorer, [...info.bodyparts, ...info.uniqueBodyparts], parts(train), parts(test));
    return {
      shuffle: shuffle.shuffle,
      trainFraction: shuffle.trainFraction,
      pcutoff,
      snapshot: file,
      epoch,
      bodyparts: info.bodyparts,
      scorer,
      train,
      test,
      ...(plotter ? { plots: { folder: plotter.folder, images: plotter.written } } : {}),
      predictionsFile,
      keypointResultsFile,
    };
  } finally {
    runner.dispose();
  }
}

/** Receives each scored image with its predictions, before the split's scores are computed. */
type OnImage = (sample: LabeledSample, image: { gt: Float32Array; pred: Float32Array; uniqueGt?: Float32Array; uniquePred?: Float32Array }) => void;

function scoreSplit(
  runner: SnapshotRunner,
  samples: readonly LabeledSample[],
  pcutoff: Pcutoff,
  options: EvaluateOptions,
  task: string,
  onImage?: OnImage,
): SplitScores {
  const { info } = runner;
  const K = info.bodyparts.length;
  const U = info.uniqueBodyparts.length;
  const maxAnimals = info.individuals.length;
  const images: EvalImage[] = [];
  const uniqueImages: EvalImage[] = [];
  const counter = new ProgressCounter(options.progress ?? silentProgress, task, samples.length, 'images');
  try {
    samples.forEach((sample, i) => {
      options.signal?.throwIfAborted();
      const poses = framePoses(runner.run(samples, i), 0, info, options.assembly);
      const pred = new Float32Array(maxAnimals * K * 3).fill(NaN);
      poses.animals.forEach((animal, a) => {
        for (let k = 0; k < K; k++) pred.set(animal.keypoints.subarray(4 * k, 4 * k + 3), (a * K + k) * 3);
      });
      images.push({ gt: sample.keypoints, pred });
      let uniquePred: Float32Array | undefined;
      if (U > 0) {
        uniquePred = new Float32Array(U * 3).fill(NaN);
        poses.unique.forEach((peak, u) => peak && uniquePred!.set([peak.x, peak.y, peak.score], 3 * u));
        if (sample.uniqueKeypoints) uniqueImages.push({ gt: sample.uniqueKeypoints, pred: uniquePred });
      }
      onImage?.(sample, { gt: sample.keypoints, pred, uniqueGt: sample.uniqueKeypoints, uniquePred });
      counter.add();
    });
  } finally {
    counter.finish();
  }
  const names = { bodyparts: info.bodyparts, uniqueBodyparts: info.uniqueBodyparts };
  const errors = keypointErrors(images, K, { pcutoff, ...names });
  const unique = U > 0 ? uniqueErrors(uniqueImages, U, { pcutoff, ...names }) : undefined;
  const pooled = unique ? poolErrors(errors, unique) : errors;
  const { mAP, mAR } = meanAveragePrecision(images, K);
  return {
    images: samples.length,
    rmse: pooled.rmse,
    rmsePcutoff: pooled.rmsePcutoff,
    mAP,
    mAR,
    perBodypart: errors.perBodypart,
    perBodypartPcutoff: errors.perBodypartPcutoff,
    uniquePerBodypart: unique?.perBodypart ?? [],
    uniquePerBodypartPcutoff: unique?.perBodypartPcutoff ?? [],
  };
}

const COLUMNS = ['Training epochs', '%Training dataset', 'Shuffle number', 'Snapshot', 'Train error(px)', 'Test error(px)', 'p-cutoff used', 'Train error with p-cutoff', 'Test error with p-cutoff', 'train mAP', 'test mAP', 'train mAR', 'test mAR'];

function resultRow(e: SnapshotEvaluation): string[] {
  const n = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '');
  return [
    String(e.epoch),
    String(Math.round(e.trainFraction * 100)),
    String(e.shuffle),
    path.basename(e.snapshot),
    n(e.train.rmse),
    n(e.test.rmse),
    JSON.stringify(e.pcutoff),
    n(e.train.rmsePcutoff),
    n(e.test.rmsePcutoff),
    n(e.train.mAP),
    n(e.test.mAP),
    n(e.train.mAR),
    n(e.test.mAR),
  ];
}

/** `evaluation-results-pytorch/iteration-N/<shuffle folder>/<scorer>-results.csv`, one row per snapshot. */
function writeShuffleResults(shuffle: LoadedShuffle, rows: SnapshotEvaluation[]): string {
  const folder = evaluationFolder(shuffle);
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `${rows[rows.length - 1]!.scorer}-results.csv`);
  writeFileAtomic(file, formatCsv([COLUMNS, ...rows.map(resultRow)]));
  return file;
}

/** `CombinedEvaluation-results.csv` of the iteration: one row per evaluated snapshot, replaced when re-evaluated. */
function writeCombinedResults(folder: string, evaluations: SnapshotEvaluation[]): string {
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, 'CombinedEvaluation-results.csv');
  const rows = new Map<string, string[]>();
  if (fs.existsSync(file)) {
    for (const line of fs.readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const cells = parseCsvLine(line);
      rows.set(`${cells[2]}/${cells[3]}`, cells);
    }
  }
  for (const e of evaluations) rows.set(`${e.shuffle}/${path.basename(e.snapshot)}`, resultRow(e));
  writeFileAtomic(file, formatCsv([COLUMNS, ...rows.values()]));
  return file;
}
