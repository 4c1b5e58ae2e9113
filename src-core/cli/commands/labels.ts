import { checkLabels } from '../../labels/check';
import { loadProject } from '../../project/load';
import type { Command } from '../command';
import { CONFIG_ARGUMENT } from '../shared-options';
import { listOption, positional } from '../command';

export const checkLabelsCommand: Command = {
  spec: {
    name: 'check-labels',
    summary: 'Draw the labels on every labeled frame into labeled-data/<video>_labeled/ to check them by eye.',
    positionals: [CONFIG_ARGUMENT],
    options: {
      visualizeindividuals: {
        type: 'boolean',
        default: true,
        description: 'colour by individual (multi-animal projects); --no-visualizeindividuals colours by body part',
      },
      'draw-skeleton': { type: 'boolean', default: true, description: 'draw the config skeleton between labeled body parts' },
      videos: { type: 'list', value: 'A,B,…', description: 'only these labeled-data folders (video names)' },
    },
    details: 'Uses the config keys dotsize, alphavalue, colormap (rainbow, jet, viridis, gray), skeleton and skeleton_color.',
  },
  async run(args, context) {
    const project = loadProject(positional(args, 'config'));
    for (const warning of project.warnings) context.note(warning);
    const result = await checkLabels(project, {
      visualizeIndividuals: args.options.visualizeindividuals !== false,
      drawSkeleton: args.options['draw-skeleton'] !== false,
      videos: listOption(args, 'videos'),
      progress: context.progress,
      signal: context.signal,
    });
    for (const warning of result.warnings) context.note(warning);
    const lines = result.folders.map((folder) => `Wrote ${folder}`);
    return { text: [...lines, `${result.images} labeled images drawn.`].join('\n'), data: { ...result } };
  },
};
