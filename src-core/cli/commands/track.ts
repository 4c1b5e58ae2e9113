import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { convertDetectionsToTracklets, isTrackMethod, TRACK_METHODS, type TrackedVideo, type TrackingSettings } from '../../track';
import type { Command } from '../command';
import { listOption, listPositional, numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT, VIDEOS_ARGUMENT, VIDEOTYPE_OPTION } from '../shared-options';

function describeVideo(v: TrackedVideo): string {
  if (v.skipped) return `${path.basename(v.video)}: ${v.output} exists, skipped (--overwrite to track again)`;
  const partial = v.partial ? ` — PARTIAL: ${v.message ?? ''}` : '';
  return `${path.basename(v.video)}: ${v.output} (${v.tracker}; ${v.tracklets} tracklets, ${v.rows} poses over ${v.frames} frames${partial})`;
}

export const convertDetections2trackletsCommand: Command = {
  spec: {
    name: 'convert-detections2tracklets',
    summary: 'Link the animals herd analyze found into tracklets, frame to frame (DeepLabCut convert_detections2tracklets).',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: {
      videotype: VIDEOTYPE_OPTION,
      shuffle: { type: 'number', value: 'K', description: 'the shuffle whose detections are tracked', default: 1 },
      trainingsetindex: { type: 'number', value: 'I', description: "index into config.yaml's TrainingFraction (for the shuffle's inference_cfg.yaml)", default: 0 },
      destfolder: { type: 'string', value: 'DIR', description: 'where herd analyze --destfolder put the detections; the tracklets go there too' },
      'track-method': { type: 'string', value: 'NAME', description: `${TRACK_METHODS.join(' | ')} (default: config.yaml's default_track_method)` },
      'identity-only': { type: 'boolean', description: "one tracklet per individual from the identity head's votes, no motion tracker" },
      overwrite: { type: 'boolean', description: 'track again videos whose tracklets exist' },
      pcutoff: { type: 'number', value: 'P', description: 'keypoints scoring below P are missing for tracking (inference_cfg pcutoff)' },
      'ellipse-match': { type: 'string', value: 'HOW', description: "ellipse tracker: keypoints (default; body parts carried forward at their velocity) or similarity (DeepLabCut's ellipse similarity)" },
      'iou-threshold': { type: 'number', value: 'T', description: 'minimum box IoU / ellipse similarity of a match (inference_cfg iou_threshold)' },
      'max-age': { type: 'number', value: 'N', description: 'frames a tracker survives without a match (inference_cfg max_age)' },
      'min-hits': { type: 'number', value: 'N', description: 'matches in a row before a tracker is reported (inference_cfg min_hits)' },
      boundingboxslack: { type: 'number', value: 'PX', description: 'pixels added around keypoint boxes, box tracker (inference_cfg boundingboxslack)' },
      topktoretain: { type: 'number', value: 'N', description: 'animals per frame; 1 skips tracking (inference_cfg topktoretain)' },
      'ignore-bodyparts': { type: 'list', value: 'A,B', description: 'body parts the tracker does not look at (still written)' },
    },
    details: [
      'Reads <video><scorer>_detections.safetensors (herd analyze; the newest if several snapshots were analysed) and',
      'writes <video><scorer>_<el|bx|sk|id>.tracklets.safetensors beside it, for herd stitch-tracklets. Settings come from',
      "the shuffle's test/inference_cfg.yaml; the options above override them. Existing tracklets are kept unless",
      '--overwrite. A partial detections file (damaged video) gives tracklets of the frames it covers, marked partial.',
    ].join('\n'),
  },
  async run(args, context) {
    const method = stringOption(args, 'track-method');
    if (method !== undefined && !isTrackMethod(method)) {
      throw new HerdError('USAGE', `--track-method must be one of ${TRACK_METHODS.join(', ')}, got "${method}"`);
    }
    const settings: Partial<TrackingSettings> = {
      pcutoff: numberOption(args, 'pcutoff'),
      iouThreshold: numberOption(args, 'iou-threshold'),
      ellipseMatch: stringOption(args, 'ellipse-match') as TrackingSettings['ellipseMatch'] | undefined,
      maxAge: numberOption(args, 'max-age'),
      minHits: numberOption(args, 'min-hits'),
      boundingboxslack: numberOption(args, 'boundingboxslack'),
      topktoretain: numberOption(args, 'topktoretain'),
      ignoreBodyparts: listOption(args, 'ignore-bodyparts'),
    };
    const result = await convertDetectionsToTracklets(positional(args, 'config'), listPositional(args, 'videos'), {
      videotype: stringOption(args, 'videotype'),
      shuffle: numberOption(args, 'shuffle'),
      trainingsetindex: numberOption(args, 'trainingsetindex'),
      destfolder: stringOption(args, 'destfolder'),
      trackMethod: method,
      identityOnly: args.options['identity-only'] === true,
      overwrite: args.options.overwrite === true,
      settings,
      progress: context.progress,
      log: context.note,
      signal: context.signal,
    });
    const s = result.settings;
    const header =
      `settings from ${result.inferenceConfig ?? 'defaults (no inference_cfg.yaml)'}: ${s.identityOnly ? 'identity only' : `${s.method} tracker`}, ` +
      `pcutoff ${s.pcutoff}, iou_threshold ${s.iouThreshold}, max_age ${s.maxAge}, min_hits ${s.minHits}, topktoretain ${s.topktoretain}`;
    return { text: [header, ...result.videos.map(describeVideo)].join('\n'), data: { ...result } };
  },
};
