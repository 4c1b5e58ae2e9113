import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { analyzeVideos, type VideoAnalysis } from '../../infer/analyze';
import { loadProject } from '../../project/load';
import { stitchVideos, tracksPath } from '../../stitch';
import { convertDetectionsToTracklets, type TrackMethod } from '../../track';
import type { Command } from '../command';
import { listPositional, numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT, deviceOption, VIDEOS_ARGUMENT, VIDEOTYPE_OPTION } from '../shared-options';

function describeVideo(v: VideoAnalysis): string[] {
  const name = path.basename(v.video);
  if (v.status === 'skipped') return [`${name}: skipped, already analyzed (--overwrite to redo)`];
  const t = v.times;
  return [
    `${name}: ${v.frames}${v.status === 'partial' ? ` of ${v.totalFrames}` : ''} frames in ${v.seconds.toFixed(1)} s (${v.fps.toFixed(1)} fps)${v.status === 'partial' ? ` — PARTIAL: ${v.message}` : ''}`,
    `  time waiting for decode ${t.decode.toFixed(2)} s, preprocess ${t.preprocess.toFixed(2)} s, inference ${t.inference.toFixed(2)} s (beyond the overlap), peaks + assembly ${t.postprocess.toFixed(2)} s, writing ${t.write.toFixed(2)} s`,
    `  detections: ${v.detections}`,
    ...(v.h5 ? [`  poses: ${v.h5}${v.csv ? ` and ${path.basename(v.csv)}` : ''}`] : []),
  ];
}

function runtimeOption(value: string | undefined): 'onnx' | 'tfjs' | undefined {
  if (value === undefined || value === 'onnx' || value === 'tfjs') return value;
  throw new HerdError('USAGE', `--runtime is onnx or tfjs, got "${value}"`);
}

export const analyzeCommand: Command = {
  spec: {
    name: 'analyze',
    summary: 'Analyze videos with a trained shuffle (DeepLabCut analyze_videos): body-part detections assembled into animals.',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: {
      videotype: VIDEOTYPE_OPTION,
      shuffle: { type: 'number', value: 'K', description: 'the trained shuffle', default: 1 },
      trainingsetindex: { type: 'number', value: 'I', description: 'the entry of TrainingFraction', default: 0 },
      model: { type: 'string', value: 'FILE', description: "an ONNX model instead of the shuffle's train/model.onnx (herd export-model makes one from any snapshot)" },
      'batch-size': { type: 'number', value: 'N', description: 'frames per inference batch', default: 4 },
      threads: { type: 'number', value: 'N', description: 'ONNX Runtime threads (default: every core)' },
      device: { type: 'string', value: 'D', description: "auto or cpu (ONNX Runtime on the CPU), or cuda:<n> (ONNX Runtime's CUDA provider where installed; tfjs-node-gpu with --runtime tfjs); default HERD_DEVICE, else auto" },
      runtime: { type: 'string', value: 'R', description: 'onnx (ONNX Runtime; tfjs if it is not installed) or tfjs (the snapshot behind the model, with tfjs-node-gpu where installed)', default: 'onnx' },
      destfolder: { type: 'string', value: 'DIR', description: 'where the outputs go (default: beside each video)' },
      'save-as-csv': { type: 'boolean', description: 'also write the pose table as CSV (single-animal projects)' },
      overwrite: { type: 'boolean', description: 'analyze again videos that have outputs' },
      'identity-only': { type: 'boolean', description: "group body parts into animals by the identity head's prediction instead of part-affinity fields (models trained with identity: true)" },
      'track-method': { type: 'string', value: 'METHOD', description: 'tracker for --auto-track: box, skeleton or ellipse (config default_track_method)' },
      'auto-track': { type: 'boolean', description: 'multi-animal projects: then track (convert-detections2tracklets) and stitch (stitch-tracklets) each video, as DeepLabCut auto_track; on by default, --no-auto-track to stop after the detections', default: true },
      'n-tracks': { type: 'number', value: 'N', description: 'with --auto-track: animals to stitch per video (default: the individuals in config.yaml)' },
    },
    details: [
      'Writes <video><scorer>_detections.safetensors beside each video (every frame\'s assembled animals, unique body',
      'parts and unassembled peaks; see README) and, for single-animal projects, DeepLabCut\'s <video><scorer>.h5.',
      'Multi-animal projects are then tracked and stitched (unless --no-auto-track): <video><scorer>_el.tracklets.safetensors',
      'and the final <video><scorer>_el.h5 (key df_with_missing; _bx/_sk for other trackers, .csv with --save-as-csv).',
      'Cropping follows config.yaml (cropping, x1, x2, y1, y2); coordinates are in the full frame.',
    ].join('\n'),
  },
  async run(args, context) {
    const trackMethod = stringOption(args, 'track-method');
    if (trackMethod !== undefined && !['box', 'skeleton', 'ellipse'].includes(trackMethod)) {
      throw new HerdError('USAGE', `--track-method is box, skeleton or ellipse, got "${trackMethod}"`);
    }
    // Check what auto-track will need before the long analysis, not after it.
    const nTracks = numberOption(args, 'n-tracks');
    if (nTracks !== undefined && !(Number.isInteger(nTracks) && nTracks >= 1)) throw new HerdError('USAGE', `--n-tracks must be a whole number ≥ 1, got ${nTracks}`);
    const result = await analyzeVideos(positional(args, 'config'), listPositional(args, 'videos'), {
      videotype: stringOption(args, 'videotype'),
      shuffle: numberOption(args, 'shuffle'),
      trainingsetindex: numberOption(args, 'trainingsetindex'),
      model: stringOption(args, 'model'),
      batchSize: numberOption(args, 'batch-size'),
      threads: numberOption(args, 'threads'),
      runtime: runtimeOption(stringOption(args, 'runtime')),
      device: deviceOption(stringOption(args, 'device')),
      destfolder: stringOption(args, 'destfolder'),
      saveAsCsv: args.options['save-as-csv'] === true,
      overwrite: args.options.overwrite === true,
      assembly: args.options['identity-only'] === true ? { identityOnly: true } : undefined,
      progress: context.progress,
      log: context.note,
      signal: context.signal,
    });
    const lines = [`Scorer ${result.scorer} (model ${result.model})`, ...result.videos.flatMap(describeVideo)];
    const config = positional(args, 'config');
    if (args.options['auto-track'] === true && loadProject(config).multiAnimal) {
      const videos = result.videos.map((v) => v.video);
      const common = {
        shuffle: numberOption(args, 'shuffle'),
        destfolder: stringOption(args, 'destfolder'),
        overwrite: args.options.overwrite === true,
        progress: context.progress,
        log: context.note,
        signal: context.signal,
      };
      const tracked = await convertDetectionsToTracklets(config, videos, {
        ...common,
        trainingsetindex: numberOption(args, 'trainingsetindex'),
        trackMethod: trackMethod as TrackMethod | undefined,
        identityOnly: args.options['identity-only'] === true,
      });
      lines.push(...tracked.videos.map((v) => `${path.basename(v.video)}: ${v.skipped ? 'tracklets exist' : `${v.tracklets} tracklets`} → ${v.output}`));
      for (const v of tracked.videos) {
        // One video at a time, so tracks that exist (a re-run without --overwrite) only skip that video.
        const tracks = tracksPath(v.output);
        if (fs.existsSync(tracks) && !common.overwrite) {
          lines.push(`${path.basename(v.video)}: tracks exist (${tracks}; --overwrite to redo)`);
          continue;
        }
        const stitched = await stitchVideos(config, [v.video], {
          ...common,
          trackMethod: v.tracker,
          nTracks,
          saveAsCsv: args.options['save-as-csv'] === true,
        });
        lines.push(...stitched.videos.map((s) => `${path.basename(s.video)}: ${s.tracks.length} tracks → ${s.output}${s.csv ? ` and ${path.basename(s.csv)}` : ''}`));
      }
    }
    return { text: lines.join('\n'), data: { ...result } };
  },
};
