import { importSleap } from '../../labels/sleap-import';
import type { Command } from '../command';
import { positional, stringOption } from '../command';
import { COPY_VIDEOS_OPTION, WORKING_DIRECTORY_OPTION } from '../shared-options';

export const importSleapCommand: Command = {
  spec: {
    name: 'import-sleap',
    summary: 'Make a project from SLEAP labels (.slp): nodes → body parts, edges → skeleton, tracks → individuals.',
    positionals: [
      { name: 'slp', description: 'the SLEAP labels file' },
      { name: 'experimenter', description: 'scorer of the imported labels (config `scorer`)' },
    ],
    options: {
      project: { type: 'string', value: 'NAME', description: 'task name of the new project (default: the .slp file name)' },
      'working-directory': WORKING_DIRECTORY_OPTION,
      'include-predicted': { type: 'boolean', description: 'also import predicted instances nobody corrected' },
      'video-folder': { type: 'string', value: 'DIR', description: 'where the videos are, if not at the paths stored in the .slp' },
      'copy-videos': COPY_VIDEOS_OPTION,
    },
    details: 'Labeled frames are extracted from the videos into labeled-data/<video>/ with CollectedData_<experimenter>.h5/.csv.',
  },
  async run(args, context) {
    const imported = await importSleap(positional(args, 'slp'), {
      experimenter: positional(args, 'experimenter'),
      task: stringOption(args, 'project'),
      workingDirectory: stringOption(args, 'working-directory'),
      includePredicted: args.options['include-predicted'] === true,
      videoFolder: stringOption(args, 'video-folder'),
      copyVideos: args.options['copy-videos'] === true,
      progress: context.progress,
      signal: context.signal,
    });
    for (const [from, to] of Object.entries(imported.renamed)) context.note(`renamed "${from}" to "${to}" (DeepLabCut names have no spaces)`);
    return {
      text: [
        `Created project ${imported.root} from SLEAP labels`,
        `  individuals: ${imported.individuals.join(', ')}`,
        `  body parts:  ${imported.bodyparts.join(', ')}`,
        `  labeled frames: ${imported.labeledFrames}`,
        `Config: ${imported.configPath}`,
      ].join('\n'),
      data: { ...imported },
    };
  },
};
