import { HerdError } from '../../common/errors';
import { DEFAULT_MAP_ALPHA, extractSaveAllMaps, MAP_INTERPOLATIONS, type MapInterpolation } from '../../evaluate/maps';
import { COLORMAPS } from '../../labels/colormap';
import type { Command } from '../command';
import { listOption, numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT } from '../shared-options';

function wholeNumber(value: number | string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^-?\d+$/.test(text.trim())) throw new HerdError('USAGE', `--${option} expects a whole number, got "${text}" (see: herd extract-save-all-maps --help)`);
  return Number(text);
}

function parseInterpolation(text: string | undefined): MapInterpolation | undefined {
  if (text === undefined) return undefined;
  if (!(MAP_INTERPOLATIONS as readonly string[]).includes(text)) {
    throw new HerdError('USAGE', `--interpolation expects ${MAP_INTERPOLATIONS.join(' or ')}, got "${text}" (see: herd extract-save-all-maps --help)`);
  }
  return text as MapInterpolation;
}

export const extractSaveAllMapsCommand: Command = {
  spec: {
    name: 'extract-save-all-maps',
    summary: "Draw a snapshot's heatmaps, location refinement and part-affinity fields over labeled images (DeepLabCut extract_save_all_maps).",
    positionals: [CONFIG_ARGUMENT],
    options: {
      shuffle: { type: 'number', value: 'K', description: 'the shuffle', default: 1 },
      trainingsetindex: { type: 'number', value: 'I', description: 'the entry of TrainingFraction', default: 0 },
      snapshot: { type: 'number', value: 'I', description: 'snapshot index (−1 = last; the best snapshot sorts last)', default: -1 },
      indices: { type: 'list', value: 'I,…', description: "rows of the shuffle's dataset to draw (default: its test images)" },
      all: { type: 'boolean', description: 'draw the train and the test images' },
      parts: { type: 'list', value: 'NAME,…', description: 'only these body parts (and the PAF edges between them)' },
      interpolation: { type: 'string', value: 'bilinear|nearest', description: 'how maps are upsampled to the image', default: 'bilinear' },
      colormap: { type: 'string', value: 'NAME', description: `colour scale (${COLORMAPS.join(', ')})`, default: 'jet' },
      alpha: { type: 'number', value: 'A', description: 'opacity of the colour where a map is 0 (it rises to 1 where the map is at the top of its scale)', default: DEFAULT_MAP_ALPHA },
    },
    details: [
      'Writes into evaluation-results-pytorch/iteration-N/<shuffle>/maps/, per image and body part (unique parts',
      'included): <image>_scmap_<part>.png (heatmap probability, scale 0 → 1), <image>_locref_<part>.png (length of the',
      'location-refinement vector, scale 0 → its maximum) and per PAF edge <image>_paf_<a>-<b>.png (field length, scale',
      '0 → its maximum). <image> is the file name without extension (with <video>_ in front when names repeat).',
    ].join('\n'),
  },
  async run(args, context) {
    const indices = listOption(args, 'indices')?.map((value) => wholeNumber(value, 'indices')!);
    const result = await extractSaveAllMaps(positional(args, 'config'), {
      shuffle: wholeNumber(numberOption(args, 'shuffle'), 'shuffle'),
      trainingsetindex: wholeNumber(numberOption(args, 'trainingsetindex'), 'trainingsetindex'),
      snapshot: wholeNumber(numberOption(args, 'snapshot'), 'snapshot'),
      indices,
      all: args.options.all === true,
      parts: listOption(args, 'parts'),
      interpolation: parseInterpolation(stringOption(args, 'interpolation')),
      colormap: stringOption(args, 'colormap'),
      alpha: numberOption(args, 'alpha'),
      progress: context.progress,
      signal: context.signal,
    });
    const text = `${result.files.length} maps of ${result.indices.length} images (${result.snapshot}, ${result.interpolation} upsampling): ${result.folder}`;
    return { text, data: { ...result } };
  },
};
