import * as path from 'node:path';
import { collectVideoPaths } from '../../project/videos';
import { probeVideo } from '../../video';
import type { Command } from '../command';
import { listPositional, stringOption } from '../command';
import { VIDEOS_ARGUMENT, VIDEOTYPE_OPTION } from '../shared-options';

export const probeCommand: Command = {
  spec: {
    name: 'probe',
    summary: 'Show the resolution, frame count, frame rate, duration and codec of videos.',
    positionals: [VIDEOS_ARGUMENT],
    options: { videotype: VIDEOTYPE_OPTION },
  },
  async run(args) {
    const videos = [];
    for (const video of collectVideoPaths(listPositional(args, 'videos'), stringOption(args, 'videotype'))) {
      videos.push(await probeVideo(video));
    }
    const lines = videos.map(
      (v) => `${path.basename(v.path)}  ${v.width}×${v.height}  ${v.frameCount} frames  ${v.fps} fps  ${v.duration.toFixed(2)} s  ${v.codec}`,
    );
    return { text: lines.join('\n'), data: { videos } };
  },
};
