import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { evaluateNetwork, type SnapshotEvaluation } from '../../evaluate/evaluate';
import type { Pcutoff } from '../../evaluate/metrics';
import { isPlottingMode, PLOTTING_MODES, type PlottingMode } from '../../evaluate/plots';
import type { Command } from '../command';
import { listOption, numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT } from '../shared-options';

function integerList(values: string[] | undefined, option: string): number[] | undefined {
  if (!values) return undefined;
  return values.map((value) => {
    if (!/^-?\d+$/.test(value)) throw new HerdError('USAGE', `--${option} expects whole numbers, got "${value}" (see: herd evaluate --help)`);
    return Number(value);
  });
}

/** `0.6`, `0.5,0.6,0.7,0.6` (per body part) or `{"snout": 0.8}` (a mapping, other parts 0.6). */
function parsePcutoff(text: string | undefined): Pcutoff | undefined {
  if (text === undefined) return undefined;
  const fail = () => new HerdError('USAGE', `--pcutoff expects a number, a comma-separated list or a JSON mapping, got "${text}"`);
  if (text.trim().startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, number>;
    } catch {
      throw fail();
    }
  }
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw fail();
  return values.length === 1 ? values[0]! : values;
}

function parsePlotting(text: string | undefined): PlottingMode | undefined {
  if (text === undefined) return undefined;
  if (!isPlottingMode(text)) throw new HerdError('USAGE', `--plotting expects ${PLOTTING_MODES.join(' or ')}, got "${text}" (see: herd evaluate --help)`);
  return text;
}

function describe(e: SnapshotEvaluation, bodyparts: boolean, names: string[]): string[] {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
  const lines = [
    `shuffle ${e.shuffle}, ${path.basename(e.snapshot)} (epoch ${e.epoch}): train ${f(e.train.rmse)} px / test ${f(e.test.rmse)} px; ` +
      `with p-cutoff ${JSON.stringify(e.pcutoff)}: train ${f(e.train.rmsePcutoff)} / test ${f(e.test.rmsePcutoff)} px; ` +
      `mAP train ${f(e.train.mAP)} / test ${f(e.test.mAP)}, mAR test ${f(e.test.mAR)}`,
  ];
  if (bodyparts) lines.push(...names.map((name, k) => `  ${name.padEnd(16)} train ${f(e.train.perBodypart[k]!)} px, test ${f(e.test.perBodypart[k]!)} px`));
  return lines;
}

export const evaluateCommand: Command = {
  spec: {
    name: 'evaluate',
    summary: 'Score snapshots on the train and test images (DeepLabCut evaluate_network): pixel errors, OKS mAP/mAR.',
    positionals: [CONFIG_ARGUMENT],
    options: {
      shuffles: { type: 'list', value: 'K,…', description: 'shuffles to evaluate', default: ['1'] },
      trainingsetindex: { type: 'number', value: 'I', description: 'the entry of TrainingFraction', default: 0 },
      snapshots: { type: 'string', value: 'all|I,…', description: 'snapshot indices (−1 = last; the best snapshot sorts last) or all', default: '-1' },
      pcutoff: { type: 'string', value: 'P', description: 'p-cutoff: a number, one per body part (a,b,…), or a JSON mapping (default: config pcutoff)' },
      'show-errors': { type: 'boolean', description: 'print the error of every body part' },
      'select-paf-graph': { type: 'boolean', description: "then choose the PAF edges by test mAP (DeepLabCut's data-driven skeleton) and save them as edges_to_keep in pytorch_config.yaml" },
      plotting: { type: 'string', value: 'bodypart|individual', description: 'also draw every train/test image with labels (+) and predictions (. at or above the p-cutoff, x below), coloured per body part or individual' },
    },
    details: [
      'Errors are DeepLabCut\'s "RMSE": predicted animals (assembled from the detections exactly as herd analyze does)',
      'matched to the labeled ones by OKS, then the mean Euclidean distance in pixels over labeled keypoints. mAP/mAR: OKS',
      'σ = 0.1, thresholds 0.50:0.05:0.95. Results: evaluation-results-pytorch/iteration-N/<shuffle>/<scorer>-results.csv',
      'and the iteration\'s CombinedEvaluation-results.csv; per snapshot also <scorer>.h5 (every image\'s predictions, as',
      'DeepLabCut writes it) and <scorer>-keypoint-results.csv (errors per body part). --plotting draws the images into',
      '<shuffle>/LabeledImages_<scorer>/<Training|Test>-<video>-<image>.png (config.yaml colormap, dotsize, alphavalue).',
    ].join('\n'),
  },
  async run(args, context) {
    const snapshotsText = stringOption(args, 'snapshots') ?? '-1';
    const plotting = parsePlotting(stringOption(args, 'plotting'));
    const result = await evaluateNetwork(positional(args, 'config'), {
      shuffles: integerList(listOption(args, 'shuffles'), 'shuffles'),
      trainingsetindex: numberOption(args, 'trainingsetindex'),
      snapshots: snapshotsText === 'all' ? 'all' : integerList(snapshotsText.split(','), 'snapshots'),
      pcutoff: parsePcutoff(stringOption(args, 'pcutoff')),
      plotting,
      selectPafGraph: args.options['select-paf-graph'] === true,
      progress: context.progress,
      signal: context.signal,
    });
    const showErrors = args.options['show-errors'] === true;
    const lines = result.evaluations.flatMap((e) => describe(e, showErrors, e.bodyparts));
    lines.push(...result.files.map((file) => `results: ${file}`));
    for (const e of result.evaluations) lines.push(`predictions: ${e.predictionsFile}`, `per body part: ${e.keypointResultsFile}`);
    for (const e of result.evaluations) if (e.plots) lines.push(`labeled images (${e.plots.images}): ${e.plots.folder}`);
    for (const g of result.pafGraphs) {
      const tried = g.scores.map((s) => `${s.edges} edges: mAP ${s.mAP.toFixed(1)}`).join('; ');
      lines.push(`shuffle ${g.shuffle}: PAF graph of ${g.edges.length} of ${g.graphSize} edges saved as edges_to_keep (${tried})`);
    }
    return { text: lines.join('\n'), data: { ...result } };
  },
};
