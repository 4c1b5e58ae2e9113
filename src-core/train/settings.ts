/**
 * What a training run needs from a shuffle's `pytorch_config.yaml` (DeepLabCut's keys), with the command line's
 * overrides applied. Missing keys take DeepLabCut's defaults; wrong types are errors naming the key.
 */
import { HerdError } from '../common/errors';
import type { LoadedShuffle } from '../dataset';
import type { TargetSetup } from './data';

export interface LrSchedule {
  /** Epochs at which the learning rate changes… */
  milestones: number[];
  /** …to these values (DeepLabCut's LRListScheduler keeps one list per parameter group; the first is used). */
  rates: number[];
}

export interface TrainSettings {
  netType: string;
  epochs: number;
  batchSize: number;
  seed: number;
  displayIters: number;
  learningRate: number;
  schedule: LrSchedule;
  saveEpochs: number;
  maxSnapshots: number;
  saveOptimizerState: boolean;
  evalInterval: number;
  /** Snapshot to continue from (`resume_training_from`), resolved to an absolute path by the caller. */
  resumeFrom?: string;
  device: string;
  targets: TargetSetup;
}

export interface TrainOverrides {
  epochs?: number;
  batchSize?: number;
  saveEpochs?: number;
  maxSnapshots?: number;
  displayIters?: number;
  device?: string;
  resumeFrom?: string;
  evalInterval?: number;
  /** Replaces the config's LRListScheduler (benchmarks fit it to a time budget). */
  schedule?: LrSchedule;
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The learning rate of `epoch` (0-based count of finished epochs), as LRListScheduler steps it. */
export function learningRateAt(settings: Pick<TrainSettings, 'learningRate' | 'schedule'>, epoch: number): number {
  let rate = settings.learningRate;
  settings.schedule.milestones.forEach((milestone, i) => {
    if (epoch >= milestone) rate = settings.schedule.rates[i] ?? rate;
  });
  return rate;
}

export function readTrainSettings(shuffle: LoadedShuffle, overrides: TrainOverrides = {}): TrainSettings {
  const config = shuffle.pytorchConfig;
  const file = shuffle.pytorchConfigPath;
  const section = (value: unknown, key: string): Mapping => {
    if (value === undefined || value === null) return {};
    if (!isMapping(value)) throw new HerdError('INVALID_OPTION', `${key}: expected a mapping`, { file });
    return value;
  };
  const number = (value: unknown, key: string, fallback: number, check: (n: number) => boolean = (n) => n > 0): number => {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
      throw new HerdError('INVALID_OPTION', `${key}: expected a positive number, got ${JSON.stringify(value)}`, { file });
    }
    return value;
  };
  const trainSettings = section(config.train_settings, 'train_settings');
  const runner = section(config.runner, 'runner');
  const optimizer = section(runner.optimizer, 'runner.optimizer');
  const scheduler = section(runner.scheduler, 'runner.scheduler');
  const snapshots = section(runner.snapshots, 'runner.snapshots');
  const metadata = section(config.metadata, 'metadata');
  const model = section(config.model, 'model');
  const heads = section(model.heads, 'model.heads');
  const bodypartHead = section(heads.bodypart, 'model.heads.bodypart');
  const predictor = section(bodypartHead.predictor, 'model.heads.bodypart.predictor');

  const learningRate = number(section(optimizer.params, 'runner.optimizer.params').lr, 'runner.optimizer.params.lr', 1e-3);
  const schedulerParams = section(scheduler.params, 'runner.scheduler.params');
  const milestones = Array.isArray(schedulerParams.milestones) ? (schedulerParams.milestones as number[]) : [];
  const rates = Array.isArray(schedulerParams.lr_list) ? (schedulerParams.lr_list as unknown[]).map((r) => (Array.isArray(r) ? Number(r[0]) : Number(r))) : [];

  // Target generators: HeatmapPlateauGenerator / HeatmapGaussianGenerator and PartAffinityFieldGenerator.
  const generator = section(bodypartHead.target_generator, 'model.heads.bodypart.target_generator');
  const generators = Array.isArray(generator.generators) ? (generator.generators as Mapping[]) : [generator];
  const heatmapGenerator = generators.find((g) => isMapping(g) && String(g.type).startsWith('Heatmap')) ?? {};
  const pafGenerator = generators.find((g) => isMapping(g) && g.type === 'PartAffinityFieldGenerator') ?? {};

  const stringList = (value: unknown, key: string, fallback: readonly string[]): string[] => {
    if (value === undefined || value === null) return [...fallback];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new HerdError('INVALID_OPTION', `${key}: expected a list of names`, { file });
    return value as string[];
  };
  const project = shuffle.project;
  const bodyparts = stringList(metadata.bodyparts, 'metadata.bodyparts', project.bodyparts);
  const uniqueBodyparts = stringList(metadata.unique_bodyparts, 'metadata.unique_bodyparts', project.uniqueBodyparts);
  const individuals = stringList(metadata.individuals, 'metadata.individuals', project.multiAnimal ? project.individuals : ['animal']);
  const edges = Array.isArray(predictor.graph) ? (predictor.graph as Array<[number, number]>) : [];
  for (const [i, edge] of edges.entries()) {
    if (!Array.isArray(edge) || edge.length !== 2 || !edge.every((v) => Number.isInteger(v) && v >= 0 && v < bodyparts.length)) {
      throw new HerdError('INVALID_OPTION', `model.heads.bodypart.predictor.graph[${i}]: expected a pair of body-part indices below ${bodyparts.length}`, { file });
    }
  }
  const resume = overrides.resumeFrom ?? (typeof config.resume_training_from === 'string' ? config.resume_training_from : typeof runner.resume_training_from === 'string' ? runner.resume_training_from : undefined);

  return {
    netType: typeof config.net_type === 'string' ? config.net_type : shuffle.netType,
    epochs: overrides.epochs ?? number(trainSettings.epochs, 'train_settings.epochs', 200),
    batchSize: overrides.batchSize ?? number(trainSettings.batch_size, 'train_settings.batch_size', 8),
    seed: number(trainSettings.seed, 'train_settings.seed', 42, (n) => Number.isInteger(n) && n >= 0),
    displayIters: overrides.displayIters ?? number(trainSettings.display_iters, 'train_settings.display_iters', 500),
    learningRate,
    schedule: overrides.schedule ?? { milestones, rates },
    saveEpochs: overrides.saveEpochs ?? number(snapshots.save_epochs, 'runner.snapshots.save_epochs', 25),
    maxSnapshots: overrides.maxSnapshots ?? number(snapshots.max_snapshots, 'runner.snapshots.max_snapshots', 5),
    saveOptimizerState: snapshots.save_optimizer_state === true,
    evalInterval: overrides.evalInterval ?? number(runner.eval_interval, 'runner.eval_interval', 10),
    resumeFrom: resume,
    device: overrides.device ?? (typeof config.device === 'string' ? config.device : 'auto'),
    targets: {
      bodyparts,
      uniqueBodyparts,
      individuals,
      edges,
      withIdentity: metadata.with_identity === true,
      stride: 8,
      locrefStd: number(heatmapGenerator.locref_std, 'locref_std', 7.2801),
      posDistThresh: number(heatmapGenerator.pos_dist_thresh, 'pos_dist_thresh', 17),
      pafWidth: number(pafGenerator.width, 'width', 20),
    },
  };
}
