import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { filterPredictions, FILTER_TYPES, type FilteredVideo, type FilterType } from '../../filter';
import type { Command } from '../command';
import { listPositional, numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT, REFINED_OPTION, VIDEOS_ARGUMENT, VIDEOTYPE_OPTION } from '../shared-options';

function describeVideo(v: FilteredVideo): string {
  if (v.status === 'skipped') return `${path.basename(v.video)}: ${v.message ?? 'skipped'}`;
  const filled = v.filled > 0 ? `; ${v.filled} missing points filled` : '';
  return `${path.basename(v.video)}: ${v.output}${v.csv ? ` (+ .csv)` : ''} (${v.frames} frames${filled})`;
}

export const filterCommand: Command = {
  spec: {
    name: 'filter',
    summary: 'Smooth the tracked poses of videos: median, spline, Kalman or ARIMA filter (DeepLabCut filterpredictions).',
    positionals: [CONFIG_ARGUMENT, VIDEOS_ARGUMENT],
    options: {
      filtertype: { type: 'string', value: 'TYPE', description: 'median (scipy medfilt), spline (fills short gaps), kalman (constant-velocity smoother) or arima', default: 'median' },
      windowlength: { type: 'number', value: 'N', description: 'median: window length (odd); spline, kalman, arima: the longest gap filled (0: every gap)', default: 5 },
      'p-bound': { type: 'number', value: 'P', description: 'kalman, arima: points with a lower likelihood are left out of the fit', default: 0.001 },
      ARdegree: { type: 'number', value: 'N', description: "arima: the model's autoregressive degree", default: 3 },
      MAdegree: { type: 'number', value: 'N', description: "arima: the model's moving-average degree", default: 1 },
      alpha: { type: 'number', value: 'A', description: "arima: significance of DeepLabCut's confidence interval (not used for filtering; accepted for scripts)", default: 0.01 },
      'save-as-csv': { type: 'boolean', description: 'also write the filtered .csv (--no-save-as-csv: only the .h5)', default: true },
      destfolder: { type: 'string', value: 'DIR', description: 'where the pose tables are (default: beside each video); the filtered tables go there too' },
      shuffle: { type: 'number', value: 'K', description: 'the shuffle whose poses are filtered', default: 1 },
      trainingsetindex: { type: 'number', value: 'I', description: 'index into TrainingFraction (accepted as DeepLabCut; file names do not depend on it)', default: 0 },
      'track-method': { type: 'string', value: 'NAME', description: "multi-animal: ellipse, box, skeleton or identity (default: config.yaml's default_track_method)" },
      refined: REFINED_OPTION,
      videotype: VIDEOTYPE_OPTION,
      overwrite: { type: 'boolean', description: 'filter again videos that already have a _filtered.h5' },
    },
    details: [
      'Reads <video><scorer>_el.h5 (multi-animal, the tracker\'s suffix) or <video><scorer>.h5 (single-animal) and writes',
      '<that name>_filtered.h5 and .csv beside it (--refined: <…>_refined.h5, saved by the refinement panel, to',
      '<…>_refined_filtered.h5). median: every x and y column through scipy.signal.medfilt (zero-padded ends; missing',
      'points stay missing). spline: gaps of at most --windowlength frames filled by a cubic spline',
      '(likelihood 0.01). kalman: a constant-velocity Kalman smoother per body part, its noise fitted by maximum',
      'likelihood, ignoring points below --p-bound and filling gaps of at most --windowlength frames. arima: per x and y',
      'column an ARMA(--ARdegree, --MAdegree) model fitted by maximum likelihood (DeepLabCut\'s SARIMAX), its one-step',
      'predictions replacing the points (slow: seconds per column of an hour-long video).',
    ].join('\n'),
  },
  async run(args, context) {
    const filtertype = (stringOption(args, 'filtertype') ?? 'median') as FilterType;
    if (!FILTER_TYPES.includes(filtertype)) {
      throw new HerdError('USAGE', `--filtertype must be one of ${FILTER_TYPES.join(', ')} (got "${filtertype}")`);
    }
    const result = await filterPredictions(positional(args, 'config'), listPositional(args, 'videos'), {
      filtertype,
      windowlength: numberOption(args, 'windowlength'),
      pBound: numberOption(args, 'p-bound'),
      arDegree: numberOption(args, 'ARdegree'),
      maDegree: numberOption(args, 'MAdegree'),
      saveAsCsv: args.options['save-as-csv'] !== false,
      destfolder: stringOption(args, 'destfolder'),
      shuffle: numberOption(args, 'shuffle'),
      trainingsetindex: numberOption(args, 'trainingsetindex'),
      trackMethod: stringOption(args, 'track-method'),
      refined: args.options.refined === true,
      videotype: stringOption(args, 'videotype'),
      overwrite: args.options.overwrite === true,
      progress: context.progress,
      log: context.note,
      signal: context.signal,
    });
    const settings =
      result.filtertype === 'median'
        ? `median filter, window ${result.windowlength}`
        : result.filtertype === 'spline'
          ? `spline, gaps up to ${result.windowlength} frames filled`
          : result.filtertype === 'kalman'
            ? `Kalman smoother, p-bound ${result.pBound}, gaps up to ${result.windowlength} frames filled`
            : `ARIMA(${result.arDegree}, 0, ${result.maDegree}), p-bound ${result.pBound}, gaps up to ${result.windowlength} frames filled`;
    const lines = [`${settings} (track method ${result.trackMethod})`, ...result.videos.map(describeVideo)];
    return { text: lines.join('\n'), data: { ...result } };
  },
};
