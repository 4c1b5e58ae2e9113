import { HerdError } from '../../common/errors';
import {
  createTrainingDataset,
  createTrainingDatasetFromExistingSplit,
  createTrainingModelComparison,
  type CreateTrainingDatasetResult,
  type DatasetCommonOptions,
} from '../../dataset/create';
import { NET_TYPES } from '../../dataset/net-types';
import type { CliContext, Command } from '../command';
import { listOption, numberOption, positional, stringOption } from '../command';
import type { ParsedArgs } from '../args';
import { CONFIG_ARGUMENT } from '../shared-options';

function integers(args: ParsedArgs, name: string, command: string): number[] | undefined {
  const values = listOption(args, name);
  if (!values) return undefined;
  return values.map((value) => {
    if (!/^\d+$/.test(value)) throw new HerdError('USAGE', `--${name} expects whole numbers like 0,1,2, got "${value}" (see: herd ${command} --help)`);
    return Number(value);
  });
}

function cropSize(args: ParsedArgs, command: string): [number, number] | undefined {
  const values = integers(args, 'crop-size', command);
  if (!values) return undefined;
  if (values.length !== 2 || values.some((value) => value < 1)) throw new HerdError('USAGE', `--crop-size expects WIDTH,HEIGHT, e.g. 448,448 (see: herd ${command} --help)`);
  return [values[0], values[1]];
}

function pafGraph(args: ParsedArgs, command: string): 'complete' | 'skeleton' | undefined {
  const value = stringOption(args, 'paf-graph');
  if (value === undefined || value === 'complete' || value === 'skeleton') return value;
  throw new HerdError('USAGE', `--paf-graph is complete or skeleton, got "${value}" (see: herd ${command} --help)`);
}

function commonOptions(args: ParsedArgs, context: CliContext, command: string): DatasetCommonOptions {
  return {
    seed: numberOption(args, 'seed'),
    pafGraph: pafGraph(args, command),
    cropSize: cropSize(args, command),
    overwrite: args.options.overwrite === true,
    progress: context.progress,
    signal: context.signal,
  };
}

const COMMON_SPEC = {
  seed: { type: 'number' as const, value: 'N', description: 'random seed of the splits and train_settings.seed (default 42, as DeepLabCut)' },
  'paf-graph': { type: 'string' as const, value: 'GRAPH', description: 'multi-animal PAF graph: complete (every pair of body parts, DeepLabCut\'s default) or skeleton (config skeleton)' },
  'crop-size': { type: 'list' as const, value: 'W,H', description: 'training crop size (data.train.crop_sampling; default 448,448)' },
  overwrite: { type: 'boolean' as const, description: 'replace shuffles that exist (their model folders and snapshots are deleted)' },
};

function describe(result: CreateTrainingDatasetResult, context: CliContext): string {
  for (const warning of result.warnings) context.note(warning);
  const lines = [`Merged ${result.labeledImages} labeled images into ${result.labelsPath}`];
  for (const shuffle of result.shuffles) {
    lines.push(
      `  shuffle ${shuffle.shuffle} (${shuffle.name}): ${shuffle.netType}, ${shuffle.trainIndices.length} train / ${shuffle.testIndices.length} test images, split ${shuffle.split}`,
      `    ${shuffle.pytorchConfigPath}`,
    );
  }
  lines.push('Next: herd train <config> --shuffle N');
  return lines.join('\n');
}

function resultData(result: CreateTrainingDatasetResult): Record<string, unknown> {
  return { ...result };
}

export const createTrainingDatasetCommand: Command = {
  spec: {
    name: 'create-training-dataset',
    summary: 'Merge the labels, split them into train/test shuffles and write each shuffle\'s pytorch_config.yaml (DeepLabCut create_training_dataset).',
    positionals: [CONFIG_ARGUMENT],
    options: {
      'num-shuffles': { type: 'number', value: 'N', description: 'make shuffles 1…N', default: 1 },
      shuffles: { type: 'list', value: 'K,…', description: 'explicit shuffle numbers (instead of --num-shuffles)' },
      trainingsetindex: { type: 'number', value: 'I', description: 'only this entry of TrainingFraction (default: all of them)' },
      'net-type': { type: 'string', value: 'NAME', description: 'network (default: config default_net_type); see the list below' },
      'from-existing-split': { type: 'number', value: 'K', description: 'reuse the train/test split of shuffle K (with --trainingsetindex as its fraction) for new shuffles' },
      'train-indices': { type: 'list', value: 'I,…', description: 'explicit train rows of the merged labels (with --test-indices)' },
      'test-indices': { type: 'list', value: 'I,…', description: 'explicit test rows of the merged labels' },
      ...COMMON_SPEC,
    },
    details: [
      'Writes training-datasets/iteration-<N>/UnaugmentedDataSet_<Task><date>/ (CollectedData_<scorer>.h5/.csv, one',
      '<Task>_<scorer><pct>shuffle<k>.json split per shuffle, metadata.yaml) and',
      'dlc-models-pytorch/iteration-<N>/<Task><date>-trainset<pct>shuffle<k>/{train/pytorch_config.yaml, test/inference_cfg.yaml}.',
      'Without --shuffles, --from-existing-split makes the next free shuffle numbers (--num-shuffles of them).',
      '',
      'Net types:',
      ...NET_TYPES.map((netType) => `  ${netType.name.padEnd(28)}${netType.trainable ? '' : '(not trainable by Herd yet) '}${netType.description}`),
    ].join('\n'),
  },
  async run(args, context) {
    const config = positional(args, 'config');
    const name = 'create-training-dataset';
    const common = { ...commonOptions(args, context, name), netType: stringOption(args, 'net-type') };
    const shuffles = integers(args, 'shuffles', name);
    const fromShuffle = numberOption(args, 'from-existing-split');
    const train = integers(args, 'train-indices', name);
    const test = integers(args, 'test-indices', name);
    if ((train === undefined) !== (test === undefined)) throw new HerdError('USAGE', `give --train-indices and --test-indices together (see: herd ${name} --help)`);
    let result: CreateTrainingDatasetResult;
    if (fromShuffle !== undefined) {
      if (train) throw new HerdError('USAGE', `--from-existing-split and --train-indices exclude each other (see: herd ${name} --help)`);
      result = await createTrainingDatasetFromExistingSplit(config, fromShuffle, {
        ...common,
        fromTrainsetindex: numberOption(args, 'trainingsetindex'),
        numShuffles: numberOption(args, 'num-shuffles'),
        shuffles,
      });
    } else {
      result = await createTrainingDataset(config, {
        ...common,
        numShuffles: numberOption(args, 'num-shuffles'),
        shuffles,
        trainingsetindex: numberOption(args, 'trainingsetindex'),
        trainIndices: train ? [train] : undefined,
        testIndices: test ? [test] : undefined,
      });
    }
    return { text: describe(result, context), data: resultData(result) };
  },
};

export const createTrainingModelComparisonCommand: Command = {
  spec: {
    name: 'create-training-model-comparison',
    summary: 'Shuffles that compare net types on the same train/test splits (DeepLabCut create_training_model_comparison).',
    positionals: [CONFIG_ARGUMENT],
    options: {
      'net-types': { type: 'list', value: 'A,B,…', description: 'the net types to compare, e.g. herd_small,resnet_50' },
      'num-shuffles': { type: 'number', value: 'N', description: 'random splits to make; each is used by every net type', default: 1 },
      trainingsetindex: { type: 'number', value: 'I', description: 'the entry of TrainingFraction to use', default: 0 },
      ...COMMON_SPEC,
    },
    details: 'Shuffle numbers continue after the largest one of the iteration, the net type varying fastest.',
  },
  async run(args, context) {
    const name = 'create-training-model-comparison';
    const netTypes = listOption(args, 'net-types');
    if (!netTypes || netTypes.length === 0) throw new HerdError('USAGE', `--net-types is required, e.g. --net-types herd_small,resnet_50 (see: herd ${name} --help)`);
    const result = await createTrainingModelComparison(positional(args, 'config'), {
      ...commonOptions(args, context, name),
      netTypes,
      numShuffles: numberOption(args, 'num-shuffles'),
      trainingsetindex: numberOption(args, 'trainingsetindex'),
    });
    const lines = [describe(result, context), '', 'Comparison (same split → same images):'];
    for (const comparison of result.comparisons) {
      lines.push(`  split ${comparison.split}: ${comparison.shuffles.map((item) => `shuffle ${item.shuffle} = ${item.netType}`).join(', ')}`);
    }
    return { text: lines.join('\n'), data: resultData(result) };
  },
};
