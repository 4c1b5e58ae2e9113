import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { plotEdgeAffinityDistributions } from '../../evaluate/affinity-plot';
import type { Command } from '../command';
import { numberOption, positional } from '../command';
import { CONFIG_ARGUMENT } from '../shared-options';

function wholeNumber(value: number | undefined, option: string): number | undefined {
  if (value !== undefined && !Number.isInteger(value)) {
    throw new HerdError('USAGE', `--${option} expects a whole number, got ${value} (see: herd plot-edge-affinity-distributions --help)`);
  }
  return value;
}

export const plotEdgeAffinityDistributionsCommand: Command = {
  spec: {
    name: 'plot-edge-affinity-distributions',
    summary: "Histograms of each PAF edge's affinities within vs between animals on the training images (DeepLabCut plot_edge_affinity_distributions).",
    positionals: [CONFIG_ARGUMENT],
    options: {
      shuffle: { type: 'number', value: 'K', description: 'the shuffle', default: 1 },
      trainingsetindex: { type: 'number', value: 'I', description: 'the entry of TrainingFraction', default: 0 },
      snapshot: { type: 'number', value: 'I', description: 'snapshot index (−1 = last; the best snapshot sorts last)', default: -1 },
    },
    details: [
      'The snapshot predicts the shuffle\'s training images; every PAF edge\'s affinities are split into pairs of peaks',
      'matched to the same labeled animal ("within") and all other pairs ("between"), as the data-driven skeleton of',
      'herd evaluate --select-paf-graph does; the AUC of within vs between is the edge\'s separability. One panel per edge:',
      '20-bin density histograms over affinity 0..1. Writes evaluation-results-pytorch/iteration-N/<shuffle>/',
      '<scorer>_affinity_distributions.png and .csv (edge, bodyparts, auc, bin_start, within_density, between_density).',
    ].join('\n'),
  },
  async run(args, context) {
    const result = await plotEdgeAffinityDistributions(positional(args, 'config'), {
      shuffle: wholeNumber(numberOption(args, 'shuffle'), 'shuffle'),
      trainingsetindex: wholeNumber(numberOption(args, 'trainingsetindex'), 'trainingsetindex'),
      snapshot: wholeNumber(numberOption(args, 'snapshot'), 'snapshot'),
      progress: context.progress,
      signal: context.signal,
    });
    const auc = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
    const lines = [
      `shuffle ${result.shuffle}, ${path.basename(result.snapshot)}: affinities of ${result.distributions.length} PAF edges on ${result.images} training images`,
      ...result.distributions.map((d) => `  ${d.bodyparts.join('-').padEnd(28)} AUC ${auc(d.auc)} (within ${d.within.count}, between ${d.between.count} pairs)`),
      `figure: ${result.png}`,
      `data: ${result.csv}`,
    ];
    return { text: lines.join('\n'), data: { ...result } };
  },
};
