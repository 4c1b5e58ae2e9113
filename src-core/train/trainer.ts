/**
 * `herd train`: trains a shuffle's network (DeepLabCut's `train_network`). Snapshots, `learning_stats.csv`, the
 * best snapshot by the test metric, resume, Ctrl+C → a snapshot of where it stopped, and the ONNX export of the
 * final model live here; the network, its targets, loss and data come from the modules beside it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { silentProgress, type ProgressReporter } from '../common/progress';
import { Random } from '../common/random';
import { loadShuffle, type LoadedShuffle } from '../dataset';
import { architectureOf, buildModelGraph } from '../model/architectures';
import type { ModelGraph } from '../model/graph';
import { exportOnnx } from '../model/onnx-export';
import { loadPretrainedWeights } from '../model/pretrained';
import { readSnapshot, writeSnapshot } from '../model/snapshot';
import { createTfModel, disposeTfModel, readParameterValues, runTfModel, tfModelFromValues, type TfModel } from '../model/tfjs-model';
import { Augmenter, readPytorchConfigAugmentation } from './augment';
import { loadSamples, makeBatch, type LabeledSample } from './data';
import { selectBackend, type BackendChoice, type BackendKind } from './engine/backend';
import { evaluateDetections, type DetectionMetrics } from './evaluate-detections';
import { poseLoss, targetTensors } from './loss';
import { ParallelSteps } from './parallel';
import { learningRateAt, readTrainSettings, type TrainOverrides, type TrainSettings } from './settings';

export interface TrainOptions extends TrainOverrides {
  shuffle?: number;
  trainingsetindex?: number;
  /** ImageNet weights for the backbone: a Keras HDF5 file or its URL. */
  pretrained?: string;
  /**
   * Threads sharing each step on the WebAssembly backend (default: the machine's cores, at most 4); native
   * TensorFlow backends use their own threads and ignore it.
   */
  threads?: number;
  /** Stop after the first epoch that ends past this many seconds of training (benchmarks use it). */
  timeLimitSeconds?: number;
  /** Write `model.onnx` at the end (default true). */
  exportOnnx?: boolean;
  progress?: ProgressReporter;
  /** Lines for the user (backend, display_iters summaries, evaluations, snapshots). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface TrainResult {
  modelFolder: string;
  backend: string;
  epochsDone: number;
  interrupted: boolean;
  snapshots: string[];
  best?: string;
  onnx?: string;
  finalLoss: number;
  imagesPerSecond: number;
  metrics?: DetectionMetrics;
  learningStats: string;
}

/** Backends to try for `device` (DeepLabCut's `auto`, `cpu`, `cuda:0`…). */
export function backendsForDevice(device: string): BackendKind[] {
  if (device === 'auto') return ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
  if (device === 'cpu') return ['tfjs-node', 'wasm', 'cpu'];
  if (/^(cuda|gpu)(:\d+)?$/.test(device)) return ['tfjs-node-gpu'];
  throw new HerdError('INVALID_OPTION', `device must be auto, cpu or cuda:<n>, not ${JSON.stringify(device)}`);
}

export function snapshotName(epoch: number, best = false): string {
  return `snapshot-${best ? 'best-' : ''}${String(epoch).padStart(3, '0')}.safetensors`;
}

const STATS_COLUMNS = [
  'epoch',
  'step',
  'losses/train.total_loss',
  'losses/train.heatmap',
  'losses/train.locref',
  'losses/train.paf',
  'losses/train.unique_heatmap',
  'losses/train.identity',
  'metrics/test.rmse',
  'metrics/test.rmse_pcutoff',
  'metrics/test.missed',
  'learning_rate',
  'images_per_second',
];

export async function trainNetwork(configPath: string, options: TrainOptions = {}): Promise<TrainResult> {
  const progress = options.progress ?? silentProgress;
  const log = options.log ?? (() => {});
  const shuffle = await loadShuffle(configPath, options.shuffle ?? 1, options.trainingsetindex ?? 0);
  const settings = readTrainSettings(shuffle, options);
  const architecture = architectureOf(settings.netType);
  if (shuffle.trainIndices.length === 0) throw new HerdError('DATASET_EMPTY', 'the shuffle has no training images', { file: shuffle.splitPath });

  const backend = await chooseBackend(settings.device);
  log(backend.description);
  if (architecture.target === 'gpu' && backend.kind !== 'tfjs-node-gpu') {
    log(`note: ${settings.netType} is meant for a GPU; on this backend it trains slowly (herd_small is the CPU network)`);
  }

  const augmentation = readPytorchConfigAugmentation(shuffle.pytorchConfig, { file: shuffle.pytorchConfigPath });
  for (const warning of augmentation.warnings) log(`note: ${warning}`);
  if (augmentation.unsupported.length > 0) log(`note: data.train keys Herd does not apply: ${augmentation.unsupported.join(', ')}`);
  checkCropSize(augmentation.options.crop, 16, shuffle.pytorchConfigPath);

  const setup = settings.targets;
  const trainSamples = await loadSamples(shuffle, shuffle.trainIndices, setup, { progress, signal: options.signal, task: 'load training images' });
  const testSamples = await loadSamples(shuffle, shuffle.testIndices, setup, { progress, signal: options.signal, task: 'load test images' });

  const trainFolder = path.join(shuffle.modelFolder, 'train');
  fs.mkdirSync(trainFolder, { recursive: true });
  const graph = buildModelGraph(settings.netType, {
    bodyparts: setup.bodyparts.length,
    edges: setup.edges.length,
    uniqueBodyparts: setup.uniqueBodyparts.length,
    identities: setup.withIdentity ? setup.individuals.length : 0,
  });
  const start = await initialModel(graph, settings, shuffle, options, log);
  const model = start.model;
  const optimizer = tf.train.adam(settings.learningRate);
  if (start.optimizerState) {
    await optimizer.setWeights(start.optimizerState);
    log('optimizer state restored from the snapshot');
  }
  const augmenter = new Augmenter(augmentation.options, settings.seed);
  const normalizeImages = augmentation.options.normalizeImages;

  const statsPath = path.join(trainFolder, 'learning_stats.csv');
  const stats = new StatsFile(statsPath, start.epoch > 0);
  const snapshotBase = { shuffle, settings, backend, graph, normalizeImages };
  const kept: string[] = existingSnapshots(trainFolder).filter((f) => !path.basename(f).startsWith('snapshot-best'));
  let best: { file: string; value: number } | undefined;
  let metrics: DetectionMetrics | undefined;
  let epoch = start.epoch;
  let step = start.step;
  let lastLoss = NaN;
  let imagesPerSecond = 0;
  const stepsPerEpoch = Math.ceil(trainSamples.length / settings.batchSize);
  const totalSteps = (settings.epochs - start.epoch) * stepsPerEpoch;
  let stepsDone = 0;
  const task = `train ${settings.netType}`;
  const runStarted = performance.now();
  let interrupted = false;

  const save = (file: string, epochDone: number, extra: Record<string, string> = {}) => {
    writeSnapshot(file, {
      graph,
      values: readParameterValues(model),
      extra: settings.saveOptimizerState || extra.interrupted ? optimizerExtra(optimizer, model) : undefined,
      metadata: snapshotMetadata(snapshotBase, epochDone, step, extra),
    });
  };

  const threads = backend.kind === 'wasm' ? Math.max(1, Math.min(options.threads ?? Math.min(4, os.availableParallelism()), settings.batchSize)) : 1;
  const pool = threads > 1 ? await startThreads(model, threads, log) : undefined;
  if (pool) log(`training steps shared by ${pool.threads} threads (one WebAssembly backend each)`);
  try {
    let finalEpoch = settings.epochs;
    while (epoch < finalEpoch) {
      const rate = learningRateAt(settings, epoch);
      setLearningRate(optimizer, rate);
      const order = shuffled(trainSamples.length, settings.seed * 1000003 + epoch);
      const sums: Record<string, number> = {};
      let counted = 0;
      const epochStarted = performance.now();
      for (let first = 0; first < order.length; first += settings.batchSize) {
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
        const indices = order.slice(first, first + settings.batchSize);
        const batch = makeBatch(trainSamples, indices, setup, { augmenter, epoch, inputMultiple: graph.inputMultiple, normalizeImages });
        const losses = pool ? await pool.step(model, optimizer, batch) : trainStep(model, optimizer, batch);
        if (!Number.isFinite(losses.total!)) throw new HerdError('TRAINING_DIVERGED', `the loss became ${losses.total} (learning rate too high?); earlier snapshots are intact`);
        step += 1;
        stepsDone += 1;
        counted += 1;
        for (const [name, value] of Object.entries(losses)) sums[name] = (sums[name] ?? 0) + value;
        lastLoss = losses.total!;
        imagesPerSecond = (counted * settings.batchSize) / ((performance.now() - epochStarted) / 1000);
        progress.update({ task, done: stepsDone, total: totalSteps, unit: 'steps', detail: `epoch ${epoch + 1}/${settings.epochs}  loss ${lastLoss.toFixed(4)}  ${imagesPerSecond.toFixed(1)} img/s` });
        if (step % settings.displayIters === 0) log(`step ${step} (epoch ${epoch + 1}): loss ${lastLoss.toFixed(5)}, lr ${rate}, ${imagesPerSecond.toFixed(1)} img/s`);
      }
      if (interrupted) break;
      epoch += 1;
      const means = Object.fromEntries(Object.entries(sums).map(([name, sum]) => [name, sum / Math.max(1, counted)]));
      if (options.timeLimitSeconds !== undefined && (performance.now() - runStarted) / 1000 > options.timeLimitSeconds) finalEpoch = epoch;
      const evaluate = testSamples.length > 0 && (epoch % settings.evalInterval === 0 || epoch === finalEpoch);
      if (evaluate) {
        metrics = evaluateDetections(model, testSamples, setup, { inputMultiple: graph.inputMultiple, normalizeImages, pcutoff: pcutoffOf(shuffle) });
        log(`epoch ${epoch}: test error ${metrics.rmse.toFixed(2)} px (${metrics.rmsePcutoff.toFixed(2)} px above p-cutoff), ${metrics.missed} of ${metrics.labeled} labeled points undetected`);
      }
      stats.append({
        epoch,
        step,
        'losses/train.total_loss': means.total,
        'losses/train.heatmap': means.heatmap,
        'losses/train.locref': means.locref,
        'losses/train.paf': means.paf,
        'losses/train.unique_heatmap': means.unique_heatmap,
        'losses/train.identity': means.identity,
        'metrics/test.rmse': evaluate ? metrics?.rmse : undefined,
        'metrics/test.rmse_pcutoff': evaluate ? metrics?.rmsePcutoff : undefined,
        'metrics/test.missed': evaluate ? metrics?.missed : undefined,
        learning_rate: rate,
        images_per_second: imagesPerSecond,
      });
      if (evaluate && metrics && Number.isFinite(metrics.rmse) && (!best || metrics.rmse < best.value)) {
        // The best snapshot by the test detection error, measured every eval_interval epochs (DeepLabCut ranks by
        // test mAP, which needs assembled animals: `herd evaluate` reports it for any snapshot).
        best = { file: path.join(trainFolder, snapshotName(epoch, true)), value: metrics.rmse };
        for (const old of existingSnapshots(trainFolder).filter((f) => path.basename(f).startsWith('snapshot-best'))) fs.rmSync(old, { force: true });
        save(best.file, epoch, { test_rmse: String(metrics.rmse) });
      }
      if (epoch % settings.saveEpochs === 0 || epoch === finalEpoch) {
        const file = path.join(trainFolder, snapshotName(epoch));
        save(file, epoch);
        kept.push(file);
        while (kept.length > settings.maxSnapshots) fs.rmSync(kept.shift()!, { force: true });
        log(`saved ${path.relative(shuffle.project.root, file)}`);
      }
    }
  } finally {
    progress.finish(task);
    await pool?.close();
  }

  const result: TrainResult = {
    modelFolder: shuffle.modelFolder,
    backend: backend.description,
    epochsDone: epoch,
    interrupted,
    snapshots: [],
    best: best?.file,
    finalLoss: lastLoss,
    imagesPerSecond: stepsDone > 0 ? (stepsDone * settings.batchSize) / ((performance.now() - runStarted) / 1000) : 0,
    metrics,
    learningStats: statsPath,
  };
  if (interrupted) {
    // Where it stopped, with the optimizer state, so `--resume` continues this epoch's schedule.
    const file = path.join(trainFolder, snapshotName(epoch).replace('.safetensors', `-step${step}.safetensors`));
    save(file, epoch, { interrupted: 'true' });
    kept.push(file);
    log(`interrupted: saved ${path.relative(shuffle.project.root, file)}; continue with --resume ${path.relative(process.cwd(), file)}`);
  } else if (options.exportOnnx !== false) {
    const source = best?.file ?? kept[kept.length - 1];
    if (source) result.onnx = writeOnnx(source, path.join(trainFolder, 'model.onnx'), shuffle);
    if (result.onnx) log(`exported ${path.relative(shuffle.project.root, result.onnx)} (from ${path.basename(source!)})`);
  }
  result.snapshots = existingSnapshots(trainFolder);
  disposeTfModel(model);
  optimizer.dispose();
  return result;
}

/** Helper threads for the steps, or none (one thread trains as well, slower) when they cannot start. */
async function startThreads(model: TfModel, threads: number, log: (line: string) => void): Promise<ParallelSteps | undefined> {
  try {
    return await ParallelSteps.start(model, threads);
  } catch (error) {
    log(`note: training on one thread: the helper threads did not start (${(error as Error).message})`);
    return undefined;
  }
}

async function chooseBackend(device: string): Promise<BackendChoice> {
  const prefer = backendsForDevice(device);
  try {
    return await selectBackend({ prefer });
  } catch (error) {
    throw new HerdError('DEVICE_UNAVAILABLE', `no backend for device ${device}: ${(error as Error).message}`);
  }
}

function checkCropSize(crop: { width: number; height: number } | undefined, multiple: number, file: string): void {
  if (!crop) return;
  if (crop.width % multiple !== 0 || crop.height % multiple !== 0) {
    throw new HerdError('INVALID_OPTION', `data.train.crop_sampling: width and height must be multiples of ${multiple} for this network (got ${crop.width}×${crop.height})`, { file });
  }
}

interface StartingPoint {
  model: TfModel;
  epoch: number;
  step: number;
  optimizerState?: NamedTensor[];
}

async function initialModel(graph: ModelGraph, settings: TrainSettings, shuffle: LoadedShuffle, options: TrainOptions, log: (line: string) => void): Promise<StartingPoint> {
  if (settings.resumeFrom) {
    const file = path.resolve(path.dirname(shuffle.pytorchConfigPath), settings.resumeFrom);
    const snapshot = readSnapshot(file);
    if (JSON.stringify(snapshot.graph) !== JSON.stringify(graph)) {
      throw new HerdError('SNAPSHOT_MISMATCH', `this snapshot is a different network (${snapshot.graph.netType}, other heads) than the shuffle's ${graph.netType}`, { file });
    }
    const epoch = Number(snapshot.metadata.epoch ?? 0);
    log(`resuming from ${path.basename(file)} (epoch ${epoch})`);
    const model = tfModelFromValues(graph, snapshot.values);
    return { model, epoch, step: Number(snapshot.metadata.step ?? 0), optimizerState: optimizerWeights(snapshot.extra, model) };
  }
  const model = createTfModel(graph, settings.seed);
  if (options.pretrained) {
    const weights = await loadPretrainedWeights(options.pretrained, graph, { onProgress: undefined });
    for (const [name, value] of weights.values) model.params.get(name)!.assign(tf.tensor(value, model.params.get(name)!.shape));
    log(`pretrained weights: ${weights.loaded.length} tensors loaded, ${weights.missing.length} trained from scratch (heads), ${weights.unused.length} unused`);
  }
  return { model, epoch: 0, step: 0 };
}

/** One optimisation step in this thread; returns the loss values. */
export function trainStep(model: TfModel, optimizer: tf.AdamOptimizer, batch: ReturnType<typeof makeBatch>): Record<string, number> {
  const kept: Record<string, tf.Scalar> = {};
  const cost = optimizer.minimize(
    () => {
      const x = tf.tensor4d(batch.images, [batch.size, batch.height, batch.width, 3]);
      const outputs = runTfModel(model, x, true);
      const { total, parts } = poseLoss(outputs, targetTensors(batch.targets, outputs));
      for (const [name, value] of Object.entries(parts)) kept[name] = tf.keep(value);
      return total;
    },
    true,
    model.trainable,
  )!;
  const values: Record<string, number> = { total: cost.dataSync()[0]! };
  cost.dispose();
  for (const [name, value] of Object.entries(kept)) {
    values[name] = value.dataSync()[0]!;
    value.dispose();
  }
  return values;
}

function setLearningRate(optimizer: tf.AdamOptimizer, rate: number): void {
  // tfjs reads the field at every step; it has no setter.
  (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

/** What Adam's getWeights / setWeights exchange. */
type NamedTensor = { name: string; tensor: tf.Tensor };

interface AdamState {
  iterations_?: number;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable }>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable }>;
}

/**
 * Adam's state as snapshot tensors named by parameter (`optimizer/m/<param>`, `optimizer/v/<param>`): its
 * moment lists follow the order of the trainable variables. Read synchronously (`getWeights` is async).
 */
function optimizerExtra(optimizer: tf.AdamOptimizer, model: TfModel): Map<string, { shape: number[]; values: Float32Array }> {
  const state = optimizer as unknown as AdamState;
  const names = model.specs.filter((spec) => spec.trainable).map((spec) => spec.name);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  out.set('optimizer/iter', { shape: [], values: new Float32Array([state.iterations_ ?? 0]) });
  for (const [slot, moments] of [['m', state.accumulatedFirstMoment], ['v', state.accumulatedSecondMoment]] as const) {
    moments.forEach(({ variable }, i) => out.set(`optimizer/${slot}/${names[i]}`, { shape: variable.shape, values: variable.dataSync() as Float32Array }));
  }
  return out;
}

/** The snapshot's optimizer tensors in the order `setWeights` wants: step count, first moments, second moments. */
function optimizerWeights(extra: ReadonlyMap<string, { shape: number[]; values: Float32Array }>, model: TfModel): NamedTensor[] | undefined {
  const iter = extra.get('optimizer/iter');
  if (!iter) return undefined;
  const weights: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(iter.values[0]!) }];
  const trainable = model.specs.filter((spec) => spec.trainable);
  for (const slot of ['m', 'v']) {
    trainable.forEach((spec, i) => {
      const saved = extra.get(`optimizer/${slot}/${spec.name}`);
      if (!saved) throw new Error(`optimizer state for ${spec.name} is missing`);
      weights.push({ name: `${model.trainable[i]!.name}/${slot}`, tensor: tf.tensor(saved.values, saved.shape) });
    });
  }
  return weights;
}

interface SnapshotContext {
  shuffle: LoadedShuffle;
  settings: TrainSettings;
  backend: BackendChoice;
  graph: ModelGraph;
  normalizeImages: boolean;
}

/** What inference needs besides the weights (also copied into model.onnx's metadata). */
function snapshotMetadata(base: SnapshotContext, epoch: number, step: number, extra: Record<string, string>): Record<string, string> {
  const { shuffle, settings } = base;
  return {
    net_type: settings.netType,
    epoch: String(epoch),
    step: String(step),
    bodyparts: JSON.stringify(settings.targets.bodyparts),
    unique_bodyparts: JSON.stringify(settings.targets.uniqueBodyparts),
    individuals: JSON.stringify(settings.targets.individuals),
    paf_graph: JSON.stringify(settings.targets.edges),
    with_identity: String(settings.targets.withIdentity),
    stride: String(settings.targets.stride),
    locref_std: String(settings.targets.locrefStd),
    pos_dist_thresh: String(settings.targets.posDistThresh),
    input_multiple: String(base.graph.inputMultiple),
    training_image_size: commonImageSize(shuffle),
    normalize_images: String(base.normalizeImages),
    shuffle: String(shuffle.shuffle),
    task: shuffle.project.config.Task,
    backend: base.backend.kind,
    created: new Date().toISOString(),
    ...extra,
  };
}

/** The most common `WxH` of the shuffle's images (analysis warns about videos of another size). */
function commonImageSize(shuffle: LoadedShuffle): string {
  const counts = new Map<string, number>();
  for (const image of shuffle.images) counts.set(`${image.width}x${image.height}`, (counts.get(`${image.width}x${image.height}`) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

function writeOnnx(snapshotFile: string, target: string, shuffle: LoadedShuffle): string {
  const snapshot = readSnapshot(snapshotFile);
  const bytes = exportOnnx(snapshot.graph, snapshot.values, {
    metadata: { ...snapshot.metadata, source_snapshot: path.basename(snapshotFile), project: shuffle.project.config.Task },
  });
  writeFileAtomic(target, bytes);
  return target;
}

function existingSnapshots(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => /^snapshot-.*\.safetensors$/.test(name))
    .sort()
    .map((name) => path.join(folder, name));
}

function shuffled(count: number, seed: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  const random = new Random(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = random.integer(0, i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function pcutoffOf(shuffle: LoadedShuffle): number {
  const value = shuffle.project.config.pcutoff;
  return typeof value === 'number' ? value : 0.6;
}

/** `learning_stats.csv`, one row per epoch, appended (and flushed) as training goes. */
class StatsFile {
  constructor(
    private readonly file: string,
    append: boolean,
  ) {
    if (!append || !fs.existsSync(file)) writeFileAtomic(file, STATS_COLUMNS.join(',') + '\n');
  }

  append(row: Record<string, number | undefined>): void {
    const cells = STATS_COLUMNS.map((column) => {
      const value = row[column];
      return value === undefined || !Number.isFinite(value) ? '' : String(Number(value.toPrecision(7)));
    });
    fs.appendFileSync(this.file, cells.join(',') + '\n');
  }
}

export type { LabeledSample };
