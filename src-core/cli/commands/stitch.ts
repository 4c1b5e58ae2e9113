import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { evaluateTracking, stitchVideos, type StitchedVideo } from '../../stitch';
import type { Command } from '../command';
import { listOption, listPositional, numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT, VIDEOS_ARGUMENT, VIDEOTYPE_OPTION } from '../shared-options';

function describeVideo(v: StitchedVideo): string {
  const s = v.stats;
  const tracks = v.tracks.map((t) => `${t.name} ${t.frames} frames`).join(', ');
  const notes = [
    `${s.tracklets} tracklets → ${s.pieces} pieces (${s.gapSplits} gap and ${s.jumpSplits} jump splits), ${s.nodes} linked, ${s.residuals} short`,
    `max gap ${s.maxGap}`,
    ...(s.fallback ? ['FALLBACK: no exact cover'] : []),
    ...(s.residualsDropped > 0 ? [`${s.residualsDropped} short tracklets left out`] : []),
  ];
  return `${path.basename(v.video)}: ${v.output}${v.csv ? ` (+ .csv)` : ''}\n  ${tracks}\n  ${notes.join('; ')}`;
}

function weightOption(value: string | undefined): 'distance' | 'motion' | undefined {
  if (value === undefined || value === 'distance' || value === 'motion') return value;
  throw new HerdError('USAGE', `--weight must be distance or motion, got "${value}"`);
}

export const stitchTrackletsCommand: Command = {
  spec: {
    name: 'stitch-tracklets',
    summary: 'Stitch tracklets into one track per animal (DeepLabCut stitch_tracklets) and write <video><scorer>_el.h5.',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: {
      videotype: VIDEOTYPE_OPTION,
      shuffle: { type: 'number', value: 'K', description: 'the shuffle whose tracklets are stitched', default: 1 },
      'track-method': { type: 'string', value: 'METHOD', description: "tracker of the tracklets: box, ellipse, skeleton or identity (config default_track_method)" },
      destfolder: { type: 'string', value: 'DIR', description: 'where the tracklets are (default: beside each video); the tracks are written there' },
      'n-tracks': { type: 'number', value: 'N', description: "number of tracks (animals) to build (default: the config's individuals)" },
      'animal-names': { type: 'list', value: 'A,B,...', description: 'names of the tracks (default: individuals, or ind1..indN)' },
      'min-length': { type: 'number', value: 'N', description: 'tracklets shorter than N frames are added back after linking (at least 3)', default: 10 },
      'max-gap': { type: 'number', value: 'N', description: 'longest gap (frames) a link may bridge (default: 1.5 × the largest typical gap)' },
      split: { type: 'boolean', description: 'split tracklets at missing frames and at jumps (--no-split: keep them whole)', default: true },
      'jump-factor': { type: 'number', value: 'F', description: 'split where an animal moves more than F × its median speed and half its body size in one frame (0: never)', default: 8 },
      weight: { type: 'string', value: 'KIND', description: 'link cost: distance (DeepLabCut: end-to-start centroid distance) or motion (extrapolated at each side\'s speed)', default: 'distance' },
      prestitch: { type: 'boolean', description: 'chain short tracklets a few frames apart before adding them back', default: true },
      'save-as-csv': { type: 'boolean', description: 'also write the tracks as CSV' },
      overwrite: { type: 'boolean', description: 'stitch again videos whose tracks exist' },
    },
    details: [
      'Reads <video><scorer><_el|_bx|_sk|_id>.tracklets.safetensors (herd convert-detections2tracklets) and writes',
      '<video><scorer>_el.h5 (pandas key df_with_missing; DeepLabCut columns scorer/individuals/bodyparts/coords).',
      'Every tracklet long enough is covered by exactly one of the N tracks, choosing the links (gap ≤ max gap) with',
      'the smallest total distance between where one tracklet ends and the next starts (a minimum-cost flow).',
    ].join('\n'),
  },
  async run(args, context) {
    const result = await stitchVideos(positional(args, 'config'), listPositional(args, 'videos'), {
      videotype: stringOption(args, 'videotype'),
      shuffle: numberOption(args, 'shuffle'),
      trackMethod: stringOption(args, 'track-method'),
      destfolder: stringOption(args, 'destfolder'),
      nTracks: numberOption(args, 'n-tracks'),
      animalNames: listOption(args, 'animal-names'),
      minLength: numberOption(args, 'min-length'),
      maxGap: numberOption(args, 'max-gap'),
      split: args.options.split !== false,
      jumpFactor: numberOption(args, 'jump-factor'),
      weight: weightOption(stringOption(args, 'weight')),
      prestitch: args.options.prestitch !== false,
      saveAsCsv: args.options['save-as-csv'] === true,
      overwrite: args.options.overwrite === true,
      progress: context.progress,
      log: context.note,
      signal: context.signal,
    });
    const lines = [`${result.nTracks} tracks from ${result.trackMethod} tracklets`, ...result.videos.map(describeVideo)];
    return { text: lines.join('\n'), data: { ...result } };
  },
};

const fmt = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export const evaluateTrackingCommand: Command = {
  spec: {
    name: 'evaluate-tracking',
    summary: 'Score tracks against ground truth: MOTA, identity switches, IDF1 (CLEAR-MOT and ID measures).',
    positionals: [
      { name: 'tracks', description: 'predicted tracks: a pose table (.h5 or .csv), e.g. <video><scorer>_el.h5' },
      { name: 'groundtruth', description: 'ground-truth tracks: a pose table, e.g. herd synth\'s <name>_groundtruth.csv' },
    ],
    options: {
      threshold: { type: 'number', value: 'PX', description: 'largest distance for a prediction to count as the animal (default: half the median animal size)' },
      distance: { type: 'string', value: 'KIND', description: 'keypoints (mean over shared body parts) or centroid', default: 'keypoints' },
      pcutoff: { type: 'number', value: 'P', description: 'ignore predicted points below this likelihood', default: 0 },
      'per-frame': { type: 'string', value: 'FILE', description: 'write per-frame results as CSV' },
      overwrite: { type: 'boolean', description: 'replace the per-frame CSV if it exists' },
    },
    details: [
      'Per frame, predictions are matched to ground-truth animals within the threshold (keeping last frame\'s pairs,',
      'then the Hungarian algorithm). MOTA = 1 − (misses + false positives + identity switches) / ground truth.',
      'IDF1 pairs each ground-truth animal with one predicted track over the whole video.',
    ].join('\n'),
  },
  async run(args) {
    const distance = stringOption(args, 'distance') ?? 'keypoints';
    if (distance !== 'keypoints' && distance !== 'centroid') throw new HerdError('USAGE', `--distance must be keypoints or centroid, got "${distance}"`);
    const result = await evaluateTracking(positional(args, 'tracks'), positional(args, 'groundtruth'), {
      threshold: numberOption(args, 'threshold'),
      distance,
      pcutoff: numberOption(args, 'pcutoff'),
      perFrameCsv: stringOption(args, 'per-frame'),
      overwrite: args.options.overwrite === true,
    });
    const lines = [
      `MOTA ${fmt(result.mota)}  IDF1 ${fmt(result.idf1)}  identity switches ${result.idSwitches}`,
      `misses ${result.misses}, false positives ${result.falsePositives}, matches ${result.matches} of ${result.groundTruth} ground-truth animal-frames over ${result.frames} frames`,
      `MOTP ${fmt(result.motp, 2)} px (threshold ${fmt(result.threshold, 1)} px, ${result.distance} distance); IDP ${fmt(result.idp)}, IDR ${fmt(result.idr)}`,
      ...result.identities.map((p) => `  ${p.groundTruth} ↔ ${p.predicted ?? '(none)'}: ${p.frames} frames`),
      ...(result.perFrameCsv ? [`per-frame results: ${result.perFrameCsv}`] : []),
    ];
    const { perFrame, ...summary } = result;
    return { text: lines.join('\n'), data: { ...summary, perFrameCount: perFrame.length } };
  },
};
