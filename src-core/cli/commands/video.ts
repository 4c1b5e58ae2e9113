import * as path from 'node:path';
import { collectVideoPaths } from '../../project/videos';
import { probeVideo } from '../../video';
import type { Command } from '../command';
import { listPositional, stringOption } from '../command';

export const probeCommand: Command = {
  spec: {
    name: 'probe',
    summary: 'Show the resolution, frame count, frame rate, duration and codec of videos.',
    positionals: [{ name: 'videos...', description: 'video files or folders of videos' }],
    options: { videotype: { type: 'string', value: 'EXT', description: 'video extension to pick from folders, e.g. .mp4' } },
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
