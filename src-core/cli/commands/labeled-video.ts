import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { createLabeledVideo, type ColorBy, type LabeledVideo } from '../../render/labeled-video';
import { plotTrajectories, type TrajectoryFormat } from '../../render/trajectories';
import type { Command } from '../command';
import { listOption, listPositional, numberOption, positional, stringOption } from '../command';
import type { ParsedArgs } from '../args';
import { CONFIG_ARGUMENT, REFINED_OPTION, VIDEOS_ARGUMENT, VIDEOTYPE_OPTION } from '../shared-options';

function describeVideo(v: LabeledVideo): string {
  if (v.status === 'skipped') return `${path.basename(v.video)}: ${v.output} exists, skipped (--overwrite to render again)`;
  const frames = v.partial ? `${v.frames} of ${v.totalFrames} frames — PARTIAL: ${v.message ?? ''}` : `${v.frames} frames`;
  const extra = [v.fps !== undefined ? `${v.fps} fps` : '', v.framesFolder ? `PNGs in ${v.framesFolder}` : ''].filter(Boolean).join(', ');
  return `${path.basename(v.video)}: ${v.output} (${frames}; ${v.drawn} points drawn${extra ? `; ${extra}` : ''})`;
}

/** `--displayedbodyparts all` (the default) or a list. */
function namesOption(args: ParsedArgs, name: string): string[] | 'all' | undefined {
  const list = listOption(args, name);
  if (!list || list.length === 0 || (list.length === 1 && list[0] === 'all')) return undefined;
  return list;
}

function frameList(args: ParsedArgs): number[] | undefined {
  const list = listOption(args, 'frames2plot');
  if (!list) return undefined;
  return list.map((item) => {
    const value = Number(item);
    if (!Number.isInteger(value) || value < 0) throw new HerdError('USAGE', `--frames2plot takes frame numbers (0, 1, …), got "${item}" (see: herd create-labeled-video --help)`);
    return value;
  });
}

const TRACK_METHOD_OPTION = {
  type: 'string' as const,
  value: 'METHOD',
  description: "tracker whose tracks are drawn: box, ellipse, skeleton, transformer, ctd, identity (default config.yaml's default_track_method)",
};

export const createLabeledVideoCommand: Command = {
  spec: {
    name: 'create-labeled-video',
    summary: 'Draw the analysed poses (or, with --tracklets, the raw tracklets) on the video (DeepLabCut create_labeled_video).',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: {
      videotype: VIDEOTYPE_OPTION,
      shuffle: { type: 'number', value: 'K', description: 'the shuffle whose poses are drawn', default: 1 },
      filtered: { type: 'boolean', description: 'draw the filtered poses (<…>_filtered.h5 from herd filter)' },
      refined: REFINED_OPTION,
      tracklets: { type: 'boolean', description: 'draw the raw tracklets, before stitching, one colour and id per tracklet' },
      'track-method': TRACK_METHOD_OPTION,
      fastmode: { type: 'boolean', description: 'opaque points (DeepLabCut fast mode); --no-fastmode lays them on with alphavalue', default: true },
      'save-frames': { type: 'boolean', description: 'also write every drawn frame as a PNG (<output>_frames/img<frame>.png)' },
      'keypoints-only': { type: 'boolean', description: 'draw the points on black instead of the video' },
      frames2plot: { type: 'list', value: 'F,…', description: 'only these frames (0-based): the video and PNGs hold just them' },
      displayedbodyparts: { type: 'list', value: 'A,B,…', description: 'body parts to draw (default all)' },
      displayedindividuals: { type: 'list', value: 'A,B,…', description: 'individuals to draw, "single" for the unique body parts (default all)' },
      'color-by': { type: 'string', value: 'bodypart|individual', description: 'one colour per body part or per individual', default: 'bodypart' },
      'draw-skeleton': { type: 'boolean', description: "draw config.yaml's skeleton between points above the p-cutoff" },
      'skeleton-color': { type: 'string', value: 'COLOR', description: "skeleton colour, a name or #rrggbb (default config.yaml's skeleton_color)" },
      trailpoints: { type: 'number', value: 'N', description: 'also draw the points of the N−1 previous frames', default: 0 },
      displaycropped: { type: 'boolean', description: "show only config.yaml's crop box (x1, x2, y1, y2) when cropping is on" },
      pcutoff: { type: 'number', value: 'P', description: "draw points with likelihood above P (default: config.yaml's pcutoff)" },
      codec: { type: 'string', value: 'NAME', description: 'ffmpeg encoder or OpenCV fourcc (mp4v → mpeg4; default libx264 where available)' },
      outputframerate: { type: 'number', value: 'FPS', description: "frame rate of the output (default the video's; all frames are kept)" },
      destfolder: { type: 'string', value: 'DIR', description: 'where the analysis outputs are (default: beside each video); the video goes there too' },
      overwrite: { type: 'boolean', description: 'render again videos that already exist (default: skip them)' },
    },
    details: [
      'Multi-animal: reads <video><scorer><tracker>[_refined][_filtered].h5 (or .csv) and writes',
      '<table stem>_bp_p<100·pcutoff>_labeled.mp4 (_id_ with --color-by individual); single animal:',
      '<video><scorer>[_refined][filtered]_labeled.mp4. --tracklets reads <video><scorer><tracker>.tracklets.safetensors',
      '(herd convert-detections2tracklets) and writes <video><scorer><tracker>_tracklets.mp4.',
      'Points are discs of radius dotsize coloured with colormap (config.yaml). A damaged video gives a labeled',
      'video of the frames that decoded, marked PARTIAL.',
    ].join('\n'),
  },
  async run(args, context) {
    const colorBy = stringOption(args, 'color-by') ?? 'bodypart';
    if (colorBy !== 'bodypart' && colorBy !== 'individual') {
      throw new HerdError('USAGE', `--color-by must be bodypart or individual, got "${colorBy}" (see: herd create-labeled-video --help)`);
    }
    const result = await createLabeledVideo(positional(args, 'config'), listPositional(args, 'videos'), {
      videotype: stringOption(args, 'videotype'),
      shuffle: numberOption(args, 'shuffle'),
      filtered: args.options.filtered === true,
      refined: args.options.refined === true,
      tracklets: args.options.tracklets === true,
      trackMethod: stringOption(args, 'track-method'),
      fastmode: args.options.fastmode !== false,
      saveFrames: args.options['save-frames'] === true,
      keypointsOnly: args.options['keypoints-only'] === true,
      frames2plot: frameList(args),
      displayedbodyparts: namesOption(args, 'displayedbodyparts'),
      displayedindividuals: namesOption(args, 'displayedindividuals'),
      colorBy: colorBy as ColorBy,
      drawSkeleton: args.options['draw-skeleton'] === true,
      skeletonColor: stringOption(args, 'skeleton-color'),
      trailpoints: numberOption(args, 'trailpoints'),
      displaycropped: args.options.displaycropped === true,
      pcutoff: numberOption(args, 'pcutoff'),
      codec: stringOption(args, 'codec'),
      outputframerate: numberOption(args, 'outputframerate'),
      destfolder: stringOption(args, 'destfolder'),
      overwrite: args.options.overwrite === true,
      progress: context.progress,
      log: context.note,
      signal: context.signal,
    });
    const lines = [
      `p-cutoff ${result.pcutoff}, dot size ${result.dotsize}, colormap ${result.colormap}, colour by ${result.colorBy}` +
        (result.trackMethod ? `, tracker ${result.trackMethod}` : ''),
      ...result.videos.map(describeVideo),
    ];
    return { text: lines.join('\n'), data: { ...result } };
  },
};

export const plotTrajectoriesCommand: Command = {
  spec: {
    name: 'plot-trajectories',
    summary: 'Plot the analysed poses of each video: trajectories, x and y over time, likelihoods, step histograms (DeepLabCut plot_trajectories).',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: {
      videotype: VIDEOTYPE_OPTION,
      shuffle: { type: 'number', value: 'K', description: 'the shuffle whose poses are plotted', default: 1 },
      filtered: { type: 'boolean', description: 'plot the filtered poses (<…>_filtered.h5 from herd filter)' },
      refined: REFINED_OPTION,
      'track-method': TRACK_METHOD_OPTION,
      displayedbodyparts: { type: 'list', value: 'A,B,…', description: 'body parts to plot (default all)' },
      displayedindividuals: { type: 'list', value: 'A,B,…', description: 'individuals to plot, "single" for the unique body parts (default all)' },
      pcutoff: { type: 'number', value: 'P', description: "positions with likelihood below P are left out (default: config.yaml's pcutoff)" },
      resolution: { type: 'number', value: 'DPI', description: 'figure resolution (DeepLabCut dpi; 100 = 800×600 for the trajectory plot)', default: 100 },
      linewidth: { type: 'number', value: 'PX', description: 'line width of the line plots and histograms, in points', default: 1 },
      format: { type: 'string', value: 'png|svg', description: 'figure format (DeepLabCut imagetype)', default: 'png' },
      destfolder: { type: 'string', value: 'DIR', description: 'where the analysis outputs are (default: beside each video); plots go to DIR/plot-poses/<video>/' },
      showfigures: { type: 'boolean', description: 'accepted for DeepLabCut compatibility; a command line shows no windows (open the files)' },
    },
    details: [
      'Writes <video folder>/plot-poses/<video>/{trajectory,plot,plot-likelihood,hist}[_refined][_filtered]<individual>.png',
      '(no individual name for single-animal projects), one set per individual; "single" holds the unique body parts.',
    ].join('\n'),
  },
  async run(args, context) {
    const format = stringOption(args, 'format') ?? 'png';
    if (format !== 'png' && format !== 'svg') throw new HerdError('USAGE', `--format must be png or svg, got "${format}" (see: herd plot-trajectories --help)`);
    if (args.options.showfigures === true) context.note('--showfigures: the command line opens no windows; open the written files instead');
    const result = await plotTrajectories(positional(args, 'config'), listPositional(args, 'videos'), {
      videotype: stringOption(args, 'videotype'),
      shuffle: numberOption(args, 'shuffle'),
      filtered: args.options.filtered === true,
      refined: args.options.refined === true,
      trackMethod: stringOption(args, 'track-method'),
      displayedbodyparts: namesOption(args, 'displayedbodyparts'),
      displayedindividuals: namesOption(args, 'displayedindividuals'),
      pcutoff: numberOption(args, 'pcutoff'),
      resolution: numberOption(args, 'resolution'),
      linewidth: numberOption(args, 'linewidth'),
      format: format as TrajectoryFormat,
      destfolder: stringOption(args, 'destfolder'),
      log: context.note,
      signal: context.signal,
    });
    const lines = result.videos.map((v) => `${path.basename(v.video)}: ${v.files.length} figures in ${v.folder} (from ${path.basename(v.table)})`);
    return { text: lines.join('\n'), data: { ...result } };
  },
};
