/**
 * `herd create-training-dataset` (DeepLabCut's `create_training_dataset` / `create_multianimaltraining_dataset`,
 * `create_training_dataset_from_existing_split`, `create_training_model_comparison`; dlc-spec §4.2, §8).
 *
 * Writes, for iteration N of a project:
 * - `training-datasets/iteration-N/UnaugmentedDataSet_<Task><date>/CollectedData_<scorer>.h5` + `.csv`: the labels of
 *   every video in video_sets merged into one table (rows without labels dropped, sorted by image);
 * - beside it, per shuffle, `<Task>_<scorer><pct>shuffle<k>.json` (Herd's split file: image paths and sizes,
 *   train / test indices, fraction, seed, net type) and DeepLabCut's `Documentation_data-<Task>_<pct>shuffle<k>.pickle`
 *   (`(data, trainIndices, testIndices, trainFraction)`, what DeepLabCut's PyTorch loader reads for the split);
 * - `metadata.yaml` (`shuffles: {<Task><date>-trainset<pct>shuffle<k>: {train_fraction, index, split, engine}}`);
 * - `dlc-models-pytorch/iteration-N/<Task><date>-trainset<pct>shuffle<k>/train/pytorch_config.yaml`,
 *   `test/inference_cfg.yaml` (multi-animal projects) and `test/pose_cfg.yaml`.
 *
 * Everything is checked and built in memory first; model folders are staged in temporary folders and renamed
 * into place last, every file is written atomically. An existing shuffle is only replaced with `overwrite`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { temporarySibling, writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { labelFilePath, readLabels, saveLabelsTo } from '../labels/files';
import { UNIQUE_INDIVIDUAL } from '../io/dlc-csv';
import { splitImagePath, type LabelTable } from '../labels/table';
import { YAML_STYLE } from '../project/config';
import { checkConfigData, type ConfigKind } from '../project/config-check';
import { editConfig } from '../project/edit';
import { loadProject, readYamlFile, type Project } from '../project/load';
import { imageSize } from './images';
import { mergeLabels } from './merge';
import {
  buildInferenceConfig,
  buildPytorchConfig,
  buildTestPoseConfig,
  defaultPafGraph,
  formatInferenceConfig,
  formatModelYaml,
  skeletonPafGraph,
  type PafGraph,
} from './model-config';
import { pickleDumps, PickleTuple, type PickleData } from './pickle-write';
import { DEFAULT_HERD_NET_TYPE, findNetType, NET_TYPES, type NetType } from './net-types';
import { checkIndices, roundFraction, shuffleName, splitSeed, splitTrials, trainsetPercent } from './split';

/** DeepLabCut's default `train_settings.seed`, also the default split seed. */
export const DEFAULT_SEED = 42;

export interface DatasetCommonOptions {
  /** Net type (default: config `default_net_type`). */
  netType?: string;
  /** Split seed and `train_settings.seed` (default 42). */
  seed?: number;
  /** PAF graph of multi-animal models: every pair of body parts (DeepLabCut's default) or the config skeleton. */
  pafGraph?: 'complete' | 'skeleton';
  /** `data.train.crop_sampling` width and height (default 448×448, DeepLabCut's PyTorch default). */
  cropSize?: [number, number];
  /** Replace existing shuffles (DeepLabCut asks the user). */
  overwrite?: boolean;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface CreateTrainingDatasetOptions extends DatasetCommonOptions {
  /** Shuffles 1…numShuffles (default 1), unless `shuffles` names them. */
  numShuffles?: number;
  shuffles?: number[];
  /** One entry of `TrainingFraction` (default: all of them). */
  trainingsetindex?: number;
  /** Explicit splits (DeepLabCut's trainIndices / testIndices): one list per shuffle, or one list for every shuffle. */
  trainIndices?: number[][];
  testIndices?: number[][];
}

export interface ShuffleResult {
  shuffle: number;
  /** `<Task><date>-trainset<pct>shuffle<k>`. */
  name: string;
  trainingsetindex: number;
  trainFraction: number;
  trainIndices: number[];
  testIndices: number[];
  netType: string;
  seed: number;
  /** Shuffles with the same train / test images share a split number (metadata.yaml `split`). */
  split: number;
  splitPath: string;
  modelFolder: string;
  pytorchConfigPath: string;
  /** Multi-animal projects only (DeepLabCut writes none for single-animal projects). */
  inferenceConfigPath: string | null;
}

export interface CreateTrainingDatasetResult {
  datasetFolder: string;
  /** The merged labels, `CollectedData_<scorer>.h5` in the dataset folder. */
  labelsPath: string;
  labeledImages: number;
  shuffles: ShuffleResult[];
  warnings: string[];
}

/** One image of a training dataset. */
export interface DatasetImage {
  /** `labeled-data/<video>/<image>`. */
  path: string;
  width: number;
  height: number;
}

/** The per-shuffle JSON file (`<Task>_<scorer><pct>shuffle<k>.json`). */
export interface ShuffleFile {
  format: 'herd-shuffle';
  version: 1;
  task: string;
  date: string;
  scorer: string;
  iteration: number;
  shuffle: number;
  name: string;
  trainingsetindex: number;
  trainFraction: number;
  seed: number;
  netType: string;
  engine: 'pytorch';
  split: number;
  /** The merged label file, relative to this file's folder. */
  labels: string;
  /** Rows of the merged labels, in order; the indices below point into this list. */
  images: DatasetImage[];
  trainIndices: number[];
  testIndices: number[];
  /** The model folder, relative to the project. */
  modelFolder: string;
  created: string;
}

// ---------------------------------------------------------------------------------------------
// Paths

export function datasetFolderOf(project: Project, iteration = project.config.iteration): string {
  return path.join(project.root, 'training-datasets', `iteration-${iteration}`, `UnaugmentedDataSet_${project.config.Task}${project.config.date}`);
}

export function modelFolderOf(project: Project, trainFraction: number, shuffle: number, iteration = project.config.iteration): string {
  return path.join(project.root, 'dlc-models-pytorch', `iteration-${iteration}`, shuffleName(project.config.Task, project.config.date, trainFraction, shuffle));
}

export function splitFileOf(project: Project, trainFraction: number, shuffle: number, iteration = project.config.iteration): string {
  const { Task, scorer } = project.config;
  return path.join(datasetFolderOf(project, iteration), `${Task}_${scorer}${trainsetPercent(trainFraction)}shuffle${shuffle}.json`);
}

/** DeepLabCut's `Documentation_data-<Task>_<pct>shuffle<k>.pickle`, which its PyTorch loader reads for the split. */
export function documentationFileOf(project: Project, trainFraction: number, shuffle: number, iteration = project.config.iteration): string {
  return path.join(datasetFolderOf(project, iteration), `Documentation_data-${project.config.Task}_${trainsetPercent(trainFraction)}shuffle${shuffle}.pickle`);
}

/**
 * The Documentation pickle's `(data, trainIndices, testIndices, trainFraction)`: `data` holds the training images as
 * DeepLabCut's create_training_dataset formats them (`image` tuple, `size` [3, H, W], `joints` [[part, x, y], …]
 * per individual, unique parts under the last individual index; points outside the image dropped; 2 decimals),
 * with lists in place of numpy arrays.
 */
function documentationPickle(merged: LabelTable, images: DatasetImage[], trainIndices: number[], testIndices: number[], trainFraction: number): Buffer {
  const width = merged.columns.length;
  const individuals = merged.multiAnimal ? merged.individuals : [];
  const data = trainIndices.map((row) => {
    const image = images[row];
    const joints = new Map<PickleData, PickleData>();
    for (let c = 0; c + 1 < width; c += 2) {
      const column = merged.columns[c];
      const x = merged.values[row * width + c];
      const y = merged.values[row * width + c + 1];
      if (!(x > 0 && x < image.width && y > 0 && y < image.height)) continue;
      const unique = merged.multiAnimal && column.individual === UNIQUE_INDIVIDUAL;
      const who = !merged.multiAnimal ? 0 : unique ? individuals.length : individuals.indexOf(column.individual as string);
      const part = unique ? merged.bodyparts.length + merged.uniqueBodyparts.indexOf(column.bodypart) : merged.bodyparts.indexOf(column.bodypart);
      const list = (joints.get(who) as PickleData[] | undefined) ?? [];
      list.push([part, Math.round(x * 100) / 100, Math.round(y * 100) / 100]);
      joints.set(who, list);
    }
    return {
      image: new PickleTuple(splitImagePath(image.path)),
      size: [3, image.height, image.width],
      joints: merged.multiAnimal ? joints : ((joints.get(0) as PickleData[] | undefined) ?? []),
    };
  });
  return pickleDumps(new PickleTuple([data, trainIndices, testIndices, trainFraction]));
}

// ---------------------------------------------------------------------------------------------
// Planning

interface PlannedShuffle {
  shuffle: number;
  trainingsetindex: number;
  trainFraction: number;
  trainIndices: number[];
  testIndices: number[];
  netType: NetType;
  seed: number;
}

function resolveNetType(project: Project, name: string | undefined, warnings: string[]): NetType {
  const wanted = name ?? (typeof project.config.default_net_type === 'string' ? project.config.default_net_type : DEFAULT_HERD_NET_TYPE);
  const netType = findNetType(wanted);
  if (!netType) {
    const where = name ? '' : ' (default_net_type in config.yaml; pass --net-type to choose another)';
    throw new HerdError('NET_TYPE_UNKNOWN', `unknown net type "${wanted}"${where}; Herd knows ${NET_TYPES.map((type) => type.name).join(', ')}`, name ? {} : { file: project.configPath });
  }
  if (netType.method !== 'bu') {
    throw new HerdError('NET_TYPE_UNSUPPORTED', `"${netType.name}" is a ${netType.method === 'td' ? 'top-down' : 'conditional top-down'} model; Herd makes bottom-up shuffles only (try ${DEFAULT_HERD_NET_TYPE} or resnet_50)`);
  }
  if (!netType.trainable) warnings.push(`net type ${netType.name} is not trainable by Herd yet; the shuffle is made, but herd train will refuse it`);
  return netType;
}

function trainingFractions(project: Project): number[] {
  const fractions = project.config.TrainingFraction;
  if (!Array.isArray(fractions) || fractions.length === 0) {
    throw new HerdError('CONFIG_INVALID', '`TrainingFraction` must list at least one fraction, e.g. [0.95]', { file: project.configPath });
  }
  return fractions;
}

function fractionAt(project: Project, trainingsetindex: number): number {
  const fractions = trainingFractions(project);
  if (!Number.isInteger(trainingsetindex) || trainingsetindex < 0 || trainingsetindex >= fractions.length) {
    throw new HerdError('USAGE', `--trainingsetindex ${trainingsetindex} is not an index of TrainingFraction ${JSON.stringify(fractions)} (0…${fractions.length - 1})`);
  }
  return fractions[trainingsetindex];
}

function checkShuffleNumbers(shuffles: number[]): void {
  for (const shuffle of shuffles) {
    if (!Number.isInteger(shuffle) || shuffle < 0) throw new HerdError('USAGE', `shuffle numbers are whole numbers ≥ 0, got ${shuffle}`);
  }
  if (new Set(shuffles).size !== shuffles.length) throw new HerdError('USAGE', `shuffle numbers repeat: ${shuffles.join(', ')}`);
}

/** The largest shuffle number used in this iteration (PyTorch and TensorFlow model folders, split files and pickles, metadata.yaml), or 0. */
export function largestShuffle(project: Project): number {
  let largest = 0;
  const take = (name: string) => {
    const match = /shuffle(\d+)(\.(json|pickle|mat))?$/.exec(name);
    if (match) largest = Math.max(largest, Number(match[1]));
  };
  const models = path.dirname(modelFolderOf(project, 1, 1));
  const tensorflowModels = path.join(project.root, 'dlc-models', `iteration-${project.config.iteration}`);
  for (const folder of [models, tensorflowModels, datasetFolderOf(project)]) {
    if (fs.existsSync(folder)) for (const name of fs.readdirSync(folder)) if (!name.startsWith('.herd-tmp-')) take(name);
  }
  for (const name of Object.keys(readMetadata(project).shuffles)) take(name);
  return largest;
}

// ---------------------------------------------------------------------------------------------
// metadata.yaml

interface Metadata {
  shuffles: Record<string, { train_fraction: number; index: number; split: number; engine: string }>;
  [key: string]: unknown;
}

function metadataPath(project: Project): string {
  return path.join(datasetFolderOf(project), 'metadata.yaml');
}

function readMetadata(project: Project): Metadata {
  const file = metadataPath(project);
  if (!fs.existsSync(file)) return { shuffles: {} };
  const data = parse(fs.readFileSync(file, 'utf8')) as Metadata | null;
  return { ...(data ?? {}), shuffles: { ...(data?.shuffles ?? {}) } };
}

// ---------------------------------------------------------------------------------------------
// Writing

function splitSignature(images: readonly string[], trainIndices: readonly number[], testIndices: readonly number[]): string {
  return JSON.stringify([trainIndices.map((i) => images[i]), testIndices.map((i) => images[i])]);
}

/** JSON with one key per line and one image per line (indices on one line each). */
export function formatShuffleFile(data: ShuffleFile): string {
  const lines = Object.entries(data).map(([key, value]) => {
    if (key === 'images') return `  "images": [\n${(value as DatasetImage[]).map((image) => `    ${JSON.stringify(image)}`).join(',\n')}\n  ]`;
    return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

function readShuffleFile(file: string): ShuffleFile {
  let data: ShuffleFile;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8')) as ShuffleFile;
  } catch (error) {
    throw new HerdError('SHUFFLE_INVALID', `cannot read this shuffle's split: ${(error as Error).message}`, { file });
  }
  if (data?.format !== 'herd-shuffle' || !Array.isArray(data.images) || !Array.isArray(data.trainIndices) || !Array.isArray(data.testIndices)) {
    throw new HerdError('SHUFFLE_INVALID', 'not a Herd shuffle file (format "herd-shuffle")', { file });
  }
  return data;
}

/** Existing splits of this dataset folder by signature → split number. */
function existingSplits(folder: string): Map<string, number> {
  const splits = new Map<string, number>();
  if (!fs.existsSync(folder)) return splits;
  for (const name of fs.readdirSync(folder).filter((entry) => entry.endsWith('.json') && !entry.startsWith('.'))) {
    try {
      const file = readShuffleFile(path.join(folder, name));
      const images = file.images.map((image) => image.path);
      splits.set(splitSignature(images, file.trainIndices, file.testIndices), file.split);
    } catch {
      // not a shuffle file
    }
  }
  return splits;
}

function assertValid(kind: ConfigKind, data: Record<string, unknown>, file: string): void {
  const errors = checkConfigData(kind, data).filter((problem) => problem.severity === 'error');
  if (errors.length > 0) {
    throw new HerdError('DATASET_CONFIG_INVALID', `internal error: the generated ${path.basename(file)} is invalid: ${errors.map((error) => error.message).join('; ')}`, { file });
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HerdError('CANCELLED', 'cancelled; nothing was written');
}

interface WriteInput {
  project: Project;
  merged: LabelTable;
  images: DatasetImage[];
  plans: PlannedShuffle[];
  options: DatasetCommonOptions;
  warnings: string[];
  /** Fractions to append to config TrainingFraction (explicit splits with a new fraction). */
  newFractions?: number[];
}

async function writeShuffles(input: WriteInput): Promise<CreateTrainingDatasetResult> {
  const { project, merged, images, plans, options, warnings } = input;
  const datasetFolder = datasetFolderOf(project);
  const metadata = readMetadata(project);

  // Refuse to replace existing shuffles before anything is written.
  const names = new Set<string>();
  for (const plan of plans) {
    const name = shuffleName(project.config.Task, project.config.date, plan.trainFraction, plan.shuffle);
    if (names.has(name)) {
      throw new HerdError('USAGE', `two shuffles would both be ${name} (TrainingFraction entries with the same percentage?)`, { file: project.configPath });
    }
    names.add(name);
    const existing = [modelFolderOf(project, plan.trainFraction, plan.shuffle), splitFileOf(project, plan.trainFraction, plan.shuffle)].find((file) => fs.existsSync(file));
    if (!options.overwrite && (existing || metadata.shuffles[name])) {
      throw new HerdError('SHUFFLE_EXISTS', `shuffle ${plan.shuffle} (${name}) already exists; pass --overwrite to replace it (its snapshots are deleted), or choose other --shuffles`, {
        file: existing ?? metadataPath(project),
      });
    }
  }

  // Build every file in memory and check it.
  const imagePaths = images.map((image) => image.path);
  const splits = existingSplits(datasetFolder);
  let nextSplit = Math.max(0, ...splits.values(), ...Object.values(metadata.shuffles).map((entry) => Number(entry.split) || 0)) + 1;
  const labelsPath = labelFilePath(datasetFolder, project.config.scorer, 'h5');
  const skeletonGraph: PafGraph | undefined = options.pafGraph === 'skeleton' ? skeletonPafGraph(project) : undefined;
  if (project.multiAnimal && skeletonGraph && skeletonGraph.length === 0) {
    throw new HerdError('DATASET_PAF_GRAPH', 'the config skeleton has no edge between two multi-animal body parts; use the default PAF graph', { file: project.configPath });
  }
  const built = plans.map((plan) => {
    const name = shuffleName(project.config.Task, project.config.date, plan.trainFraction, plan.shuffle);
    const modelFolder = modelFolderOf(project, plan.trainFraction, plan.shuffle);
    const pytorchConfigPath = path.join(modelFolder, 'train', 'pytorch_config.yaml');
    const signature = splitSignature(imagePaths, plan.trainIndices, plan.testIndices);
    let split = splits.get(signature);
    if (split === undefined) {
      split = nextSplit++;
      splits.set(signature, split);
    }
    const pytorch = buildPytorchConfig({
      project,
      netType: plan.netType,
      poseConfigPath: pytorchConfigPath,
      seed: plan.seed,
      pafGraph: skeletonGraph ?? defaultPafGraph(project.bodyparts.length, plan.seed),
      cropSize: options.cropSize,
    });
    assertValid('pytorch', pytorch, pytorchConfigPath);
    const inference = project.multiAnimal ? buildInferenceConfig(project) : undefined;
    const inferenceConfigPath = inference ? path.join(modelFolder, 'test', 'inference_cfg.yaml') : null;
    if (inference) assertValid('inference', inference, inferenceConfigPath as string);
    const splitPath = splitFileOf(project, plan.trainFraction, plan.shuffle);
    const splitFile: ShuffleFile = {
      format: 'herd-shuffle',
      version: 1,
      task: project.config.Task,
      date: project.config.date,
      scorer: project.config.scorer,
      iteration: project.config.iteration,
      shuffle: plan.shuffle,
      name,
      trainingsetindex: plan.trainingsetindex,
      trainFraction: plan.trainFraction,
      seed: plan.seed,
      netType: plan.netType.name,
      engine: 'pytorch',
      split,
      labels: path.basename(labelsPath),
      images,
      trainIndices: plan.trainIndices,
      testIndices: plan.testIndices,
      modelFolder: path.relative(project.root, modelFolder).split(path.sep).join('/'),
      created: new Date().toISOString(),
    };
    const header = `Herd ${plan.netType.name} model for ${name} (${project.config.Task}, iteration ${project.config.iteration}); DeepLabCut's pytorch_config.yaml layout`;
    const files: Array<{ relative: string; text: string }> = [
      { relative: 'train/pytorch_config.yaml', text: formatModelYaml(pytorch, header) },
      { relative: 'test/pose_cfg.yaml', text: formatModelYaml(buildTestPoseConfig(project, plan.netType, path.relative(project.root, splitPath).split(path.sep).join('/'))) },
    ];
    if (inference) files.push({ relative: 'test/inference_cfg.yaml', text: formatInferenceConfig(inference) });
    const result: ShuffleResult = {
      shuffle: plan.shuffle,
      name,
      trainingsetindex: plan.trainingsetindex,
      trainFraction: plan.trainFraction,
      trainIndices: plan.trainIndices,
      testIndices: plan.testIndices,
      netType: plan.netType.name,
      seed: plan.seed,
      split,
      splitPath,
      modelFolder,
      pytorchConfigPath,
      inferenceConfigPath,
    };
    return { result, files, splitFile };
  });
  throwIfAborted(options.signal);

  // Stage the model folders (nothing visible changes if this fails).
  const staged: Array<{ temp: string; target: string }> = [];
  try {
    for (const { result, files } of built) {
      fs.mkdirSync(path.dirname(result.modelFolder), { recursive: true });
      const temp = temporarySibling(result.modelFolder);
      staged.push({ temp, target: result.modelFolder });
      for (const { relative, text } of files) {
        const file = path.join(temp, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        writeFileAtomic(file, text);
      }
    }
    throwIfAborted(options.signal);

    // The dataset: merged labels, split files, metadata.yaml.
    fs.mkdirSync(datasetFolder, { recursive: true });
    await saveLabelsTo([labelsPath, labelFilePath(datasetFolder, project.config.scorer, 'csv')], merged);
    for (const { splitFile, result } of built) {
      writeFileAtomic(result.splitPath, formatShuffleFile(splitFile));
      const pickle = documentationPickle(merged, images, result.trainIndices, result.testIndices, result.trainFraction);
      writeFileAtomic(documentationFileOf(project, result.trainFraction, result.shuffle), pickle);
    }
    for (const { result } of built) {
      metadata.shuffles[result.name] = { train_fraction: result.trainFraction, index: result.shuffle, split: result.split, engine: 'pytorch' };
    }
    writeFileAtomic(metadataPath(project), stringify(metadata, YAML_STYLE));

    // Model folders into place (an overwritten one is moved aside first, then deleted).
    for (const { temp, target } of staged) {
      if (fs.existsSync(target)) {
        const old = temporarySibling(target);
        fs.renameSync(target, old);
        fs.renameSync(temp, target);
        fs.rmSync(old, { recursive: true, force: true });
      } else fs.renameSync(temp, target);
    }
  } finally {
    for (const { temp } of staged) fs.rmSync(temp, { recursive: true, force: true });
  }

  if (input.newFractions && input.newFractions.length > 0) {
    editConfig(project.configPath, [{ key: ['TrainingFraction'], value: [...trainingFractions(project), ...input.newFractions] }]);
  }
  return { datasetFolder, labelsPath, labeledImages: merged.images.length, shuffles: built.map(({ result }) => result), warnings };
}

async function gatherData(project: Project, options: DatasetCommonOptions): Promise<{ merged: LabelTable; images: DatasetImage[]; warnings: string[] }> {
  const progress = options.progress ?? silentProgress;
  const { table, warnings } = await mergeLabels(project, { progress });
  throwIfAborted(options.signal);
  const counter = new ProgressCounter(progress, 'read image sizes', table.images.length, 'images');
  const images = table.images.map((image) => {
    const size = imageSize(path.join(project.root, ...image.split('/')));
    counter.add();
    return { path: image, ...size };
  });
  counter.finish();
  return { merged: table, images, warnings: [...project.warnings, ...warnings] };
}

// ---------------------------------------------------------------------------------------------
// The three entry points

/** DeepLabCut's `create_training_dataset` for the PyTorch engine (multi- and single-animal projects). */
export async function createTrainingDataset(configPath: string, options: CreateTrainingDatasetOptions = {}): Promise<CreateTrainingDatasetResult> {
  const project = loadProject(configPath);
  const warnings: string[] = [];
  const netType = resolveNetType(project, options.netType, warnings);
  const seed = options.seed ?? DEFAULT_SEED;
  const numShuffles = options.numShuffles ?? 1;
  if (!Number.isInteger(numShuffles) || numShuffles < 1) throw new HerdError('USAGE', `--num-shuffles must be a whole number ≥ 1, got ${numShuffles}`);
  const shuffles = options.shuffles ?? Array.from({ length: numShuffles }, (_, i) => i + 1);
  checkShuffleNumbers(shuffles);
  const fractions = trainingFractions(project);
  if (options.trainingsetindex !== undefined) fractionAt(project, options.trainingsetindex);

  const data = await gatherData(project, options);
  warnings.unshift(...data.warnings);
  const count = data.merged.images.length;
  const plans: PlannedShuffle[] = [];
  const newFractions: number[] = [];

  if (options.trainIndices || options.testIndices) {
    const train = options.trainIndices ?? [];
    const test = options.testIndices ?? [];
    if (train.length !== test.length) throw new HerdError('USAGE', 'give train and test indices together, one list of each per shuffle');
    if (train.length !== 1 && train.length !== shuffles.length) {
      throw new HerdError('USAGE', `${train.length} lists of train indices for ${shuffles.length} shuffles; give one list, or one per shuffle`);
    }
    shuffles.forEach((shuffle, i) => {
      const trainIndices = [...(train[i] ?? train[0])].sort((a, b) => a - b);
      const testIndices = [...(test[i] ?? test[0])].sort((a, b) => a - b);
      checkIndices(trainIndices, testIndices, count);
      const trainFraction = roundFraction(trainIndices.length / (trainIndices.length + testIndices.length));
      let trainingsetindex = [...fractions, ...newFractions].indexOf(trainFraction);
      if (trainingsetindex < 0) {
        newFractions.push(trainFraction);
        trainingsetindex = fractions.length + newFractions.length - 1;
        warnings.push(`training fraction ${trainFraction} of the explicit split is added to TrainingFraction in config.yaml (as DeepLabCut does)`);
      }
      plans.push({ shuffle, trainingsetindex, trainFraction, trainIndices, testIndices, netType, seed });
    });
  } else {
    const indices = options.trainingsetindex !== undefined ? [options.trainingsetindex] : fractions.map((_, i) => i);
    for (const shuffle of shuffles) {
      for (const trainingsetindex of indices) {
        const trainFraction = fractions[trainingsetindex];
        const split = splitTrials(count, trainFraction, splitSeed(seed, shuffle, trainingsetindex));
        plans.push({ shuffle, trainingsetindex, trainFraction, ...split, netType, seed });
      }
    }
  }
  for (const plan of plans) {
    if (plan.trainIndices.length === 0) {
      throw new HerdError('DATASET_TOO_SMALL', `${count} labeled images × training fraction ${plan.trainFraction} leaves no training image; label more frames`);
    }
  }
  return writeShuffles({ project, merged: data.merged, images: data.images, plans, options, warnings, newFractions });
}

export interface FromExistingSplitOptions extends DatasetCommonOptions {
  /** TrainingFraction index of the source shuffle (default 0). */
  fromTrainsetindex?: number;
  /** New shuffles: the largest existing + 1 … + numShuffles (default 1), unless `shuffles` names them. */
  numShuffles?: number;
  shuffles?: number[];
}

/** Maps a shuffle file's images onto the current merged labels; refuses when images are gone. */
function indicesInCurrentData(file: ShuffleFile, images: readonly string[], where: string): { trainIndices: number[]; testIndices: number[] } {
  const rowOf = new Map(images.map((image, i) => [image, i]));
  const map = (indices: number[]) =>
    indices
      .map((index) => {
        const image = file.images[index]?.path;
        const row = image === undefined ? undefined : rowOf.get(image);
        if (row === undefined) {
          throw new HerdError('DATASET_STALE', `image ${image ?? `#${index}`} of shuffle ${file.shuffle} has no labels any more; the split cannot be reused`, { file: where });
        }
        return row;
      })
      .sort((a, b) => a - b);
  return { trainIndices: map(file.trainIndices), testIndices: map(file.testIndices) };
}

/** DeepLabCut's `create_training_dataset_from_existing_split`: the same train / test images under new shuffle numbers. */
export async function createTrainingDatasetFromExistingSplit(
  configPath: string,
  fromShuffle: number,
  options: FromExistingSplitOptions = {},
): Promise<CreateTrainingDatasetResult> {
  const project = loadProject(configPath);
  const warnings: string[] = [];
  const fromTrainsetindex = options.fromTrainsetindex ?? 0;
  const trainFraction = fractionAt(project, fromTrainsetindex);
  const sourcePath = splitFileOf(project, trainFraction, fromShuffle);
  if (!fs.existsSync(sourcePath)) {
    throw new HerdError('SHUFFLE_NOT_FOUND', `shuffle ${fromShuffle} (training fraction ${trainFraction}) has no split in this iteration; create it first`, { file: sourcePath });
  }
  const source = readShuffleFile(sourcePath);
  const netType = resolveNetType(project, options.netType ?? source.netType, warnings);
  const seed = options.seed ?? source.seed ?? DEFAULT_SEED;
  const numShuffles = options.numShuffles ?? 1;
  const first = largestShuffle(project) + 1;
  const shuffles = options.shuffles ?? Array.from({ length: numShuffles }, (_, i) => first + i);
  checkShuffleNumbers(shuffles);
  const data = await gatherData(project, options);
  warnings.unshift(...data.warnings);
  const split = indicesInCurrentData(source, data.merged.images, sourcePath);
  const plans = shuffles.map((shuffle) => ({ shuffle, trainingsetindex: fromTrainsetindex, trainFraction, ...split, netType, seed }));
  return writeShuffles({ project, merged: data.merged, images: data.images, plans, options, warnings });
}

export interface ModelComparisonOptions extends Omit<DatasetCommonOptions, 'netType'> {
  netTypes: string[];
  /** Splits to make (default 1); each is used by every net type. */
  numShuffles?: number;
  /** TrainingFraction index (default 0). */
  trainingsetindex?: number;
}

export interface ModelComparisonResult extends CreateTrainingDatasetResult {
  /** Per split: the shuffle made for each net type. */
  comparisons: Array<{ split: number; shuffles: Array<{ shuffle: number; netType: string }> }>;
}

/**
 * DeepLabCut's `create_training_model_comparison`: `numShuffles` random splits, each reused by every net type;
 * shuffle numbers continue after the largest existing one, net types varying fastest.
 */
export async function createTrainingModelComparison(configPath: string, options: ModelComparisonOptions): Promise<ModelComparisonResult> {
  const project = loadProject(configPath);
  const warnings: string[] = [];
  if (options.netTypes.length === 0) throw new HerdError('USAGE', 'name the net types to compare, e.g. --net-types herd_small,resnet_50');
  const netTypes = options.netTypes.map((name) => resolveNetType(project, name, warnings));
  const numShuffles = options.numShuffles ?? 1;
  if (!Number.isInteger(numShuffles) || numShuffles < 1) throw new HerdError('USAGE', `--num-shuffles must be a whole number ≥ 1, got ${numShuffles}`);
  const trainingsetindex = options.trainingsetindex ?? 0;
  const trainFraction = fractionAt(project, trainingsetindex);
  const seed = options.seed ?? DEFAULT_SEED;
  const data = await gatherData(project, options);
  warnings.unshift(...data.warnings);
  const first = largestShuffle(project) + 1;
  const plans: PlannedShuffle[] = [];
  for (let k = 0; k < numShuffles; k++) {
    const base = first + k * netTypes.length;
    const split = splitTrials(data.merged.images.length, trainFraction, splitSeed(seed, base, trainingsetindex));
    if (split.trainIndices.length === 0) throw new HerdError('DATASET_TOO_SMALL', `training fraction ${trainFraction} leaves no training image; label more frames`);
    netTypes.forEach((netType, n) => plans.push({ shuffle: base + n, trainingsetindex, trainFraction, ...split, netType, seed }));
  }
  const result = await writeShuffles({ project, merged: data.merged, images: data.images, plans, options, warnings });
  const comparisons = Array.from({ length: numShuffles }, (_, k) => {
    const group = result.shuffles.slice(k * netTypes.length, (k + 1) * netTypes.length);
    return { split: group[0].split, shuffles: group.map((item) => ({ shuffle: item.shuffle, netType: item.netType })) };
  });
  return { ...result, comparisons };
}

// ---------------------------------------------------------------------------------------------
// Loading a shuffle (for training and evaluation)

export interface LoadedShuffle {
  project: Project;
  shuffle: number;
  name: string;
  trainingsetindex: number;
  trainFraction: number;
  seed: number;
  netType: string;
  split: number;
  datasetFolder: string;
  splitPath: string;
  labelsPath: string;
  /** Images of the dataset; train / test indices point into this list and into `labels` rows. */
  images: DatasetImage[];
  trainIndices: number[];
  testIndices: number[];
  /** The merged labels with rows in `images` order. */
  labels: LabelTable;
  modelFolder: string;
  pytorchConfigPath: string;
  pytorchConfig: Record<string, unknown>;
  inferenceConfigPath: string | null;
  inferenceConfig: Record<string, unknown> | null;
}

/** Loads one shuffle: its split, its merged labels (rows in the split's order) and its model configs. */
export async function loadShuffle(configPath: string, shuffle = 1, trainingsetindex = 0): Promise<LoadedShuffle> {
  const project = loadProject(configPath);
  const trainFraction = fractionAt(project, trainingsetindex);
  const splitPath = splitFileOf(project, trainFraction, shuffle);
  if (!fs.existsSync(splitPath)) {
    throw new HerdError('SHUFFLE_NOT_FOUND', `shuffle ${shuffle} (training fraction ${trainFraction}, iteration ${project.config.iteration}) does not exist; run herd create-training-dataset`, {
      file: splitPath,
    });
  }
  const file = readShuffleFile(splitPath);
  const datasetFolder = path.dirname(splitPath);
  const labelsPath = path.join(datasetFolder, file.labels);
  const csvPath = labelsPath.replace(/\.h5$/, '.csv');
  const source = fs.existsSync(labelsPath) ? labelsPath : csvPath;
  const { table } = await readLabels(source, { project, checkImages: false });
  // Rows in the split's order, so indices address both lists.
  const rowOf = new Map(table.images.map((image, i) => [image, i]));
  const width = table.columns.length;
  const values = new Float64Array(file.images.length * width);
  file.images.forEach((image, i) => {
    const row = rowOf.get(image.path);
    if (row === undefined) {
      throw new HerdError('DATASET_STALE', `image ${image.path} of this shuffle is missing from ${path.basename(source)}; recreate the shuffle`, { file: splitPath });
    }
    values.set(table.values.subarray(row * width, (row + 1) * width), i * width);
  });
  const labels: LabelTable = { ...table, images: file.images.map((image) => image.path), values };
  const modelFolder = path.join(project.root, ...file.modelFolder.split('/'));
  const pytorchConfigPath = path.join(modelFolder, 'train', 'pytorch_config.yaml');
  const inferencePath = path.join(modelFolder, 'test', 'inference_cfg.yaml');
  const inferenceConfigPath = fs.existsSync(inferencePath) ? inferencePath : null;
  return {
    project,
    shuffle,
    name: file.name,
    trainingsetindex,
    trainFraction,
    seed: file.seed,
    netType: file.netType,
    split: file.split,
    datasetFolder,
    splitPath,
    labelsPath: source,
    images: file.images,
    trainIndices: file.trainIndices,
    testIndices: file.testIndices,
    labels,
    modelFolder,
    pytorchConfigPath,
    pytorchConfig: readYamlFile(pytorchConfigPath).document.toJS() as Record<string, unknown>,
    inferenceConfigPath,
    inferenceConfig: inferenceConfigPath ? (readYamlFile(inferenceConfigPath).document.toJS() as Record<string, unknown>) : null,
  };
}
