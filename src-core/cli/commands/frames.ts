import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { extractFrames, type ExtractionAlgorithm, type ExtractionMode } from '../../frames/extract';
import type { Command } from '../command';
import { CONFIG_ARGUMENT } from '../shared-options';
import { listOption, numberOption, positional, stringOption } from '../command';

function frameList(values: string[] | undefined): number[] | undefined {
  if (!values) return undefined;
  return values.map((value) => {
    const frame = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(frame)) {
      throw new HerdError('USAGE', `--frames expects frame indices like 10,20,30, got "${value}" (see: herd extract-frames --help)`);
    }
    return frame;
  });
}

export const extractFramesCommand: Command = {
  spec: {
    name: 'extract-frames',
    summary: 'Save frames of the project videos to labeled-data/<video>/img<index>.png for labeling (k-means, uniform or chosen).',
    positionals: [CONFIG_ARGUMENT],
    options: {
      mode: { type: 'string', value: 'MODE', description: 'automatic (pick numframes2pick frames) or manual (the --frames given)', default: 'automatic' },
      algo: { type: 'string', value: 'ALGO', description: 'automatic mode: kmeans (visually different frames) or uniform (evenly spaced in time)', default: 'kmeans' },
      crop: { type: 'boolean', description: "crop frames to each video's crop in video_sets" },
      videos: { type: 'list', value: 'V,…', description: 'only these videos (paths, file names or stems from video_sets; default all)' },
      frames: { type: 'list', value: 'N,…', description: 'manual mode: frame indices to save, e.g. 10,20,30' },
      'cluster-resize-width': { type: 'number', value: 'PX', description: 'kmeans: width of the downsampled frames compared', default: 30 },
      'cluster-step': { type: 'number', value: 'N', description: 'kmeans: cluster every N-th frame', default: 1 },
      'cluster-batch-size': { type: 'number', value: 'N', description: 'kmeans: frames per mini-batch', default: 100 },
      seed: { type: 'number', description: 'kmeans: random seed; the same seed picks the same frames', default: 0 },
      force: { type: 'boolean', description: 'also extract for videos whose labeled-data folder already holds frames (adds to them)' },
    },
    details: [
      'Automatic mode uses numframes2pick, start and stop from config.yaml. Videos whose labeled-data folder already',
      'holds img*.png frames are skipped unless --force. kmeans keeps, for each cluster, the frame nearest its centre',
      '(DeepLabCut picks a random member), so the choice is repeatable.',
      '',
      'Examples:',
      '  herd extract-frames config.yaml',
      '  herd extract-frames config.yaml --algo uniform --videos mouse1 --crop',
      '  herd extract-frames config.yaml --mode manual --frames 10,20,30 --videos mouse1.mp4',
    ].join('\n'),
  },
  async run(args, context) {
    const mode = stringOption(args, 'mode') ?? 'automatic';
    const algo = stringOption(args, 'algo') ?? 'kmeans';
    if (mode !== 'automatic' && mode !== 'manual') throw new HerdError('USAGE', `--mode is automatic or manual, got "${mode}" (see: herd extract-frames --help)`);
    if (algo !== 'kmeans' && algo !== 'uniform') throw new HerdError('USAGE', `--algo is kmeans or uniform, got "${algo}" (see: herd extract-frames --help)`);
    const result = await extractFrames(positional(args, 'config'), {
      mode: mode as ExtractionMode,
      algo: algo as ExtractionAlgorithm,
      crop: args.options.crop === true,
      videos: listOption(args, 'videos'),
      frames: frameList(listOption(args, 'frames')),
      clusterResizeWidth: numberOption(args, 'cluster-resize-width'),
      clusterStep: numberOption(args, 'cluster-step'),
      clusterBatchSize: numberOption(args, 'cluster-batch-size'),
      seed: numberOption(args, 'seed'),
      force: args.options.force === true,
      progress: context.progress,
      signal: context.signal,
      note: context.note,
    });
    const lines = result.videos.map((video) =>
      video.status === 'skipped'
        ? `${video.stem}: skipped (frames already extracted)`
        : `${video.stem}: ${video.indices.length} frames → ${path.relative(process.cwd(), video.folder) || video.folder}`,
    );
    return { text: lines.join('\n'), data: { ...result } };
  },
};
