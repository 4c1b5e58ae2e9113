import * as path from 'node:path';
import { createVideoWithAllDetections, type RenderedVideo } from '../../render';
import type { Command } from '../command';
import { listPositional, numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT, VIDEOS_ARGUMENT, VIDEOTYPE_OPTION } from '../shared-options';

function describeVideo(v: RenderedVideo): string {
  const frames = v.partial ? `${v.frames} of ${v.totalFrames} frames — PARTIAL: ${v.message ?? ''}` : `${v.frames} frames`;
  return `${path.basename(v.video)}: ${v.output} (${frames}; ${v.drawn} detections drawn, ${v.belowCutoff} below the p-cutoff)`;
}

export const createVideoWithAllDetectionsCommand: Command = {
  spec: {
    name: 'create-video-with-all-detections',
    summary: 'Draw every body-part detection of herd analyze, before assembly, on the video (DeepLabCut create_video_with_all_detections).',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: {
      videotype: VIDEOTYPE_OPTION,
      shuffle: { type: 'number', value: 'K', description: 'the shuffle whose detections are drawn', default: 1 },
      destfolder: { type: 'string', value: 'DIR', description: 'where herd analyze --destfolder put the detections (default: beside each video)' },
      pcutoff: { type: 'number', value: 'P', description: "draw detections scoring at least P (default: config.yaml's pcutoff)" },
      codec: { type: 'string', value: 'NAME', description: 'ffmpeg encoder (default libx264 where available, else mpeg4)' },
      overwrite: { type: 'boolean', description: 'render again videos that already exist' },
    },
    details: [
      'Reads <video><scorer>_detections.safetensors (herd analyze; the newest if several snapshots were analysed) and',
      'writes <video><scorer>_full.mp4 beside it: each detection as a disc of radius dotsize, coloured per body part',
      "with config.yaml's colormap. A partial detections file (damaged video) gives a video of the frames it covers.",
    ].join('\n'),
  },
  async run(args, context) {
    const result = await createVideoWithAllDetections(positional(args, 'config'), listPositional(args, 'videos'), {
      videotype: stringOption(args, 'videotype'),
      shuffle: numberOption(args, 'shuffle'),
      destfolder: stringOption(args, 'destfolder'),
      pcutoff: numberOption(args, 'pcutoff'),
      codec: stringOption(args, 'codec'),
      overwrite: args.options.overwrite === true,
      progress: context.progress,
      log: context.note,
      signal: context.signal,
    });
    const lines = [`p-cutoff ${result.pcutoff}, dot size ${result.dotsize}, colormap ${result.colormap}`, ...result.videos.map(describeVideo)];
    return { text: lines.join('\n'), data: { ...result } };
  },
};
