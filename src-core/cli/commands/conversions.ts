import * as path from 'node:path';
import { convertToMultiAnimal, mergeDatasets, syncLabelsWithConfig } from '../../labels/convert';
import type { Command } from '../command';
import { listOption, numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT } from '../shared-options';

export const convertToMultiAnimalCommand: Command = {
  spec: {
    name: 'convert2-madlc',
    summary: "Convert a single-animal project and its labels to multi-animal (DeepLabCut's convert2_maDLC).",
    positionals: [CONFIG_ARGUMENT],
    options: {
      individuals: { type: 'list', value: 'A,B,…', description: 'individuals of the converted project', default: ['individual1'] },
      forceindividual: { type: 'string', value: 'NAME', description: 'the individual the existing labels belong to (default: the first)' },
      'unique-bodyparts': { type: 'list', value: 'A,B,…', description: 'body parts that become unique body parts (landmarks)' },
    },
  },
  async run(args) {
    const result = await convertToMultiAnimal(positional(args, 'config'), {
      individuals: listOption(args, 'individuals'),
      individual: stringOption(args, 'forceindividual'),
      uniqueBodyparts: listOption(args, 'unique-bodyparts'),
    });
    const lines = [`Labels now belong to "${result.individual}"; rewrote ${result.files.length} label files`, ...result.files.map((f) => `  ${f}`)];
    return { text: lines.join('\n'), data: { ...result } };
  },
};

export const syncLabelsCommand: Command = {
  spec: {
    name: 'sync-labels',
    summary: 'Rewrite label files after body parts or individuals changed in config.yaml, keeping the labels of what remains.',
    positionals: [CONFIG_ARGUMENT],
    options: {
      'drop-removed': { type: 'boolean', description: 'delete the labels of body parts / individuals no longer in the config' },
    },
  },
  async run(args) {
    const result = await syncLabelsWithConfig(positional(args, 'config'), { dropRemoved: args.options['drop-removed'] === true });
    const dropped = result.dropped
      .filter((part) => part.points > 0)
      .map((part) => `  dropped ${path.basename(part.folder)}: ${part.individual ? `${part.individual}/` : ''}${part.bodypart} (${part.points} points)`);
    return { text: [`Rewrote ${result.files.length} label files`, ...dropped].join('\n'), data: { ...result } };
  },
};

export const mergeDatasetsCommand: Command = {
  spec: {
    name: 'merge-datasets',
    summary: 'Start the next active-learning iteration once the refined labels are saved (DeepLabCut merge_datasets).',
    positionals: [CONFIG_ARGUMENT],
    options: { forceiterate: { type: 'number', value: 'N', description: 'set the iteration to N instead of iteration + 1' } },
  },
  async run(args) {
    const result = await mergeDatasets(positional(args, 'config'), { forceIterate: numberOption(args, 'forceiterate') });
    return {
      text: `Iteration ${result.iteration}: ${result.labeledFrames} labeled frames in ${result.folders} folders. Next: herd create-training-dataset`,
      data: { ...result },
    };
  },
};
