import * as path from 'node:path';
import { addVideos, createProject } from '../../project/create';
import { editConfig, parseEditArgument } from '../../project/edit';
import { loadProject } from '../../project/load';
import type { Command } from '../command';
import { listOption, listPositional, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT, COPY_VIDEOS_OPTION, VIDEOS_ARGUMENT, VIDEOTYPE_OPTION, WORKING_DIRECTORY_OPTION } from '../shared-options';

export const createProjectCommand: Command = {
  spec: {
    name: 'create-project',
    summary: "Create a project folder <project>-<experimenter>-<YYYY-MM-DD> with DeepLabCut's layout and config.yaml.",
    positionals: [
      { name: 'project', description: 'task name (config `Task`)' },
      { name: 'experimenter', description: 'scorer name (config `scorer`)' },
      VIDEOS_ARGUMENT,
    ],
    options: {
      'working-directory': WORKING_DIRECTORY_OPTION,
      'copy-videos': COPY_VIDEOS_OPTION,
      multianimal: { type: 'boolean', description: 'multi-animal project (--no-multianimal for one animal)', default: true },
      individuals: { type: 'list', value: 'A,B,…', description: 'names of the animals (default individual1..3)' },
      bodyparts: { type: 'list', value: 'A,B,…', description: 'body parts (default bodypart1..3; edit later with edit-config)' },
      'unique-bodyparts': { type: 'list', value: 'A,B,…', description: 'body parts that occur once per frame (e.g. landmarks)' },
      videotype: VIDEOTYPE_OPTION,
    },
    details: 'Example: herd create-project openfield ana videos/ --individuals mouse1,mouse2 --copy-videos',
  },
  async run(args, context) {
    const created = await createProject({
      task: positional(args, 'project'),
      experimenter: positional(args, 'experimenter'),
      videos: listPositional(args, 'videos'),
      workingDirectory: stringOption(args, 'working-directory'),
      copyVideos: args.options['copy-videos'] === true,
      multiAnimal: args.options.multianimal !== false,
      individuals: listOption(args, 'individuals'),
      bodyparts: listOption(args, 'bodyparts'),
      uniqueBodyparts: listOption(args, 'unique-bodyparts'),
      videotype: stringOption(args, 'videotype'),
      signal: context.signal,
    });
    const videoLines = created.videos.map((v) => `  ${path.basename(v.path)}  ${v.width}×${v.height}, ${v.frameCount} frames, ${v.fps} fps`);
    return {
      text: [`Created project ${created.root}`, ...videoLines, `Config: ${created.configPath}`].join('\n'),
      data: { configPath: created.configPath, root: created.root, videos: created.videos },
    };
  },
};

export const addVideosCommand: Command = {
  spec: {
    name: 'add-videos',
    summary: 'Add videos to a project: link or copy them into videos/ and add them to video_sets.',
    positionals: [
      CONFIG_ARGUMENT,
      VIDEOS_ARGUMENT,
    ],
    options: {
      'copy-videos': COPY_VIDEOS_OPTION,
      videotype: VIDEOTYPE_OPTION,
    },
  },
  async run(args, context) {
    const result = await addVideos(positional(args, 'config'), listPositional(args, 'videos'), {
      copyVideos: args.options['copy-videos'] === true,
      videotype: stringOption(args, 'videotype'),
    });
    for (const skipped of result.skipped) context.note(`already in the project, skipped: ${skipped}`);
    const lines = result.added.map((v) => `Added ${v.path} (${v.width}×${v.height}, ${v.frameCount} frames)`);
    return { text: lines.join('\n') || 'No new videos.', data: { added: result.added, skipped: result.skipped } };
  },
};

export const editConfigCommand: Command = {
  spec: {
    name: 'edit-config',
    summary: 'Set keys in config.yaml, keeping its comments and key order; the result is checked before it is written.',
    positionals: [
      CONFIG_ARGUMENT,
      { name: 'edits...', description: 'key=value pairs; values are YAML (0.5, true, [a, b]); nested keys with dots' },
    ],
    options: {},
    details: "Example: herd edit-config config.yaml 'individuals=[mouse1, mouse2]' numframes2pick=40 pcutoff=0.4",
  },
  async run(args) {
    const configPath = positional(args, 'config');
    const edits = listPositional(args, 'edits').map(parseEditArgument);
    editConfig(configPath, edits);
    const project = loadProject(configPath);
    const summary = edits.map((e) => `${e.key.join('.')} = ${JSON.stringify(e.value)}`);
    return { text: [`Updated ${project.configPath}`, ...summary.map((s) => `  ${s}`)].join('\n'), data: { configPath: project.configPath, edits } };
  },
};
