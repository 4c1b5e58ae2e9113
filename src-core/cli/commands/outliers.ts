import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import {
  extractOutlierFrames,
  findOutlierFrames,
  OUTLIER_ALGORITHMS,
  type OutlierAlgorithm,
  type OutlierExtractionAlgorithm,
  type OutlierSearchOptions,
  type VideoOutliers,
} from '../../outliers';
import type { Command } from '../command';
import type { OptionSpec, ParsedArgs } from '../args';
import { listOption, listPositional, numberOption, positional, stringOption } from '../command';
import type { CliContext } from '../command';
import { CONFIG_ARGUMENT, COPY_VIDEOS_OPTION, REFINED_OPTION, VIDEOS_ARGUMENT, VIDEOTYPE_OPTION } from '../shared-options';

/** The options both commands take (DeepLabCut's extract_outlier_frames parameters). */
const SEARCH_OPTIONS: Record<string, OptionSpec> = {
  outlieralgorithm: { type: 'string', value: 'NAME', description: 'jump, fitting, uncertain or list', default: 'jump' },
  epsilon: { type: 'number', value: 'PX', description: 'jump: pixels moved between frames; fitting: mean distance from the fit', default: 20 },
  'p-bound': { type: 'number', value: 'P', description: 'uncertain: likelihood below P; fitting: points below P are left out of the fit', default: 0.01 },
  comparisonbodyparts: { type: 'list', value: 'PARTS', description: 'body parts compared (default: all, unique body parts included)' },
  frames2use: { type: 'list', value: 'FRAMES', description: 'list: the frame indices, e.g. 10,20,30' },
  'fit-model': { type: 'string', value: 'NAME', description: "fitting: kalman (constant-velocity filter, fast) or arima (DeepLabCut's ARMA per coordinate)", default: 'kalman' },
  ARdegree: { type: 'number', value: 'N', description: 'fitting with --fit-model arima: the autoregressive degree', default: 3 },
  MAdegree: { type: 'number', value: 'N', description: 'fitting with --fit-model arima: the moving-average degree', default: 1 },
  alpha: { type: 'number', value: 'A', description: "DeepLabCut's confidence level of the fit (not used to pick frames; accepted for scripts)", default: 0.01 },
  shuffle: { type: 'number', value: 'K', description: 'the shuffle whose poses are searched', default: 1 },
  trainingsetindex: { type: 'number', value: 'I', description: 'index into TrainingFraction (accepted as DeepLabCut; file names do not depend on it)', default: 0 },
  'track-method': { type: 'string', value: 'NAME', description: "multi-animal: ellipse, box, skeleton or identity (default: config.yaml's default_track_method)" },
  refined: REFINED_OPTION,
  destfolder: { type: 'string', value: 'DIR', description: 'where the pose tables are (default: beside each video)' },
  videotype: VIDEOTYPE_OPTION,
};

function searchOptions(args: ParsedArgs, context: CliContext): OutlierSearchOptions {
  const algorithm = (stringOption(args, 'outlieralgorithm') ?? 'jump') as OutlierAlgorithm;
  if (!OUTLIER_ALGORITHMS.includes(algorithm)) {
    throw new HerdError('USAGE', `--outlieralgorithm must be one of ${OUTLIER_ALGORITHMS.join(', ')} (got "${algorithm}"; manual picking is the labeling panel's job)`);
  }
  const frames = listOption(args, 'frames2use')?.map((text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw new HerdError('USAGE', `--frames2use takes frame indices (whole numbers ≥ 0), got "${text}"`);
    return value;
  });
  const parts = listOption(args, 'comparisonbodyparts');
  const fitModel = stringOption(args, 'fit-model') ?? 'kalman';
  if (fitModel !== 'kalman' && fitModel !== 'arima') throw new HerdError('USAGE', `--fit-model must be kalman or arima (got "${fitModel}")`);
  return {
    fitModel,
    arDegree: numberOption(args, 'ARdegree'),
    maDegree: numberOption(args, 'MAdegree'),
    outlieralgorithm: algorithm,
    epsilon: numberOption(args, 'epsilon'),
    pBound: numberOption(args, 'p-bound'),
    comparisonbodyparts: !parts || parts.length === 0 || (parts.length === 1 && parts[0] === 'all') ? 'all' : parts,
    ...(frames ? { frames2use: frames } : {}),
    shuffle: numberOption(args, 'shuffle'),
    trainingsetindex: numberOption(args, 'trainingsetindex'),
    trackMethod: stringOption(args, 'track-method'),
    refined: args.options.refined === true,
    destfolder: stringOption(args, 'destfolder'),
    videotype: stringOption(args, 'videotype'),
    log: context.note,
    signal: context.signal,
  };
}

/** `0-4, 9, 12-13`: runs of consecutive frames shortened. */
export function formatFrameList(frames: readonly number[], limit = 40): string {
  const runs: string[] = [];
  for (let i = 0; i < frames.length; ) {
    let j = i;
    while (j + 1 < frames.length && frames[j + 1] === frames[j] + 1) j++;
    runs.push(j > i ? `${frames[i]}-${frames[j]}` : `${frames[i]}`);
    i = j + 1;
  }
  return runs.length > limit ? `${runs.slice(0, limit).join(', ')}, … (${runs.length - limit} more runs)` : runs.join(', ');
}

function describeCandidates(v: VideoOutliers): string {
  const outside = v.found - v.candidates.length;
  return (
    `${path.basename(v.video)}: ${v.candidates.length} candidate frame(s) of ${v.frames} (${v.algorithm}` +
    `${outside > 0 ? `; ${outside} more outside start/stop [${v.range.first}, ${v.range.end})` : ''})` +
    `${v.candidates.length > 0 ? `: ${formatFrameList(v.candidates)}` : ''}`
  );
}

export const findOutliersCommand: Command = {
  spec: {
    name: 'find-outliers',
    summary: 'List the candidate outlier frames of videos (jump, fitting, uncertain, list) without extracting anything.',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: SEARCH_OPTIONS,
    details: [
      "Reads each video's tracked pose table (<video><scorer>_el.h5; <video><scorer>.h5 for single-animal projects;",
      '<…>_refined.h5, saved by the refinement panel, with --refined) and lists the frames extract-outlier-frames would',
      'choose from: jump (a body part moved more than --epsilon pixels since the frame before), fitting (the poses are on',
      "average more than --epsilon pixels from a Kalman filter's prediction, or an ARMA model's with --fit-model arima; at",
      'least 2 × numframes2pick frames), uncertain (a likelihood below --p-bound) or list (--frames2use), within',
      "config.yaml's start/stop.",
    ].join('\n'),
  },
  async run(args, context) {
    const result = await findOutlierFrames(positional(args, 'config'), listPositional(args, 'videos'), searchOptions(args, context));
    const lines = [`track method ${result.trackMethod}; numframes2pick ${result.numframes2pick}`, ...result.videos.map(describeCandidates)];
    return { text: lines.join('\n'), data: { ...result } };
  },
};

export const extractOutlierFramesCommand: Command = {
  spec: {
    name: 'extract-outlier-frames',
    summary: 'Save outlier frames and their predictions to labeled-data for refinement (DeepLabCut extract_outlier_frames).',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: {
      ...SEARCH_OPTIONS,
      extractionalgorithm: { type: 'string', value: 'NAME', description: 'how numframes2pick frames are chosen among the candidates: kmeans or uniform', default: 'kmeans' },
      'cluster-resize-width': { type: 'number', value: 'PX', description: 'width of the thumbnails k-means compares', default: 30 },
      seed: { type: 'number', value: 'N', description: 'seed of k-means (the same picks on every run)', default: 0 },
      'copy-videos': COPY_VIDEOS_OPTION,
    },
    details: [
      'Chooses numframes2pick (config.yaml) frames among the candidates of find-outliers, leaving out frames already in',
      'labeled-data/<video>/, and writes them as img<index>.png there with the predictions in machinelabels-iter<N>.h5',
      '(+ machinelabels.csv). The video is added to video_sets when it is not there yet. Correct the labels, save them',
      'to CollectedData_<scorer>, then run herd merge-datasets to start the next iteration.',
    ].join('\n'),
  },
  async run(args, context) {
    const algo = (stringOption(args, 'extractionalgorithm') ?? 'kmeans') as OutlierExtractionAlgorithm;
    if (algo !== 'kmeans' && algo !== 'uniform') throw new HerdError('USAGE', `--extractionalgorithm must be kmeans or uniform (got "${algo}")`);
    const result = await extractOutlierFrames(positional(args, 'config'), listPositional(args, 'videos'), {
      ...searchOptions(args, context),
      extractionalgorithm: algo,
      clusterResizeWidth: numberOption(args, 'cluster-resize-width'),
      seed: numberOption(args, 'seed'),
      copyVideos: args.options['copy-videos'] === true,
      progress: context.progress,
    });
    const lines = [`iteration ${result.iteration}; ${result.extractionalgorithm} picks of numframes2pick ${result.numframes2pick}; track method ${result.trackMethod}`];
    for (const v of result.videos) {
      const name = path.basename(v.video);
      if (v.status === 'nothing') lines.push(`${name}: ${v.message ?? 'nothing to extract'}`);
      else {
        lines.push(
          `${name}: ${v.extracted.length} frame(s) of ${v.candidates.length} candidates saved in ${v.folder} (${formatFrameList(v.extracted)}); ` +
            `predictions in ${v.machineLabels}${v.addedToConfig ? '; video added to video_sets' : ''}`,
        );
      }
    }
    if (result.videos.some((v) => v.status === 'extracted')) {
      lines.push('Next: correct the labels and save them as CollectedData, then herd merge-datasets.');
    }
    return { text: lines.join('\n'), data: { ...result } };
  },
};
