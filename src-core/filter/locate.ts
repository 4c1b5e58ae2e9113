/**
 * Finding a video's pose table (`<video stem><scorer>[_el|_bx|_sk|_id].h5`, dlc-spec §4.4) the way DeepLabCut's
 * `load_analyzed_data` does: by the video's stem, the shuffle in the scorer and the tracker's suffix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import type { Project } from '../project/load';
import { TRACKER_SUFFIX, type TrackerKind } from '../track/tracklets';

/** DeepLabCut's scorer: `DLC_<net>_<Task><date>shuffle<k>_snapshot_<uid>` (PyTorch) or `..._<iterations>` (TF). */
const SCORER = /^(?:DLC|DeepCut)_.*shuffle(\d+)_(?:detector_[^_]+_)?(?:snapshot_)?(?:best-)?\d+$/;

export const TRACK_METHODS = Object.keys(TRACKER_SUFFIX) as TrackerKind[];

/**
 * The tracker whose output is read (DeepLabCut's `get_track_method`): the one asked for, else config.yaml's
 * `default_track_method`, else `ellipse`, for multi-animal projects; none (`''`) for single-animal ones.
 */
export function resolveTrackMethod(project: Project, asked?: string): TrackerKind | '' {
  if (!project.multiAnimal) {
    if (asked) throw new HerdError('INVALID_OPTION', `--track-method ${asked} is for multi-animal projects; this one is single-animal`, { file: project.configPath });
    return '';
  }
  const method = asked || project.config.default_track_method || 'ellipse';
  if (!(TRACK_METHODS as string[]).includes(method)) {
    throw new HerdError('INVALID_OPTION', `unknown track method "${method}"; expected one of ${TRACK_METHODS.join(', ')}`);
  }
  return method as TrackerKind;
}

/** The file suffix of a track method (`_el` for ellipse; `''` for a single-animal table). */
export function trackSuffix(method: TrackerKind | ''): string {
  return method === '' ? '' : TRACKER_SUFFIX[method];
}

/** The shuffle in a DeepLabCut scorer, or undefined when `scorer` is not one. */
export function scorerShuffle(scorer: string): number | undefined {
  const match = SCORER.exec(scorer);
  return match ? Number(match[1]) : undefined;
}

export interface FoundPoseTable {
  /** The `.h5` (or, without one, the `.csv`). */
  file: string;
  scorer: string;
  /** Other tables of the same shuffle and tracker (older), when there were several snapshots. */
  others: string[];
}

export interface FindPoseTableOptions {
  /** Where to look (default: the video's folder). */
  folder?: string;
  shuffle: number;
  /** `_el`, `_bx`, … or `''` (single-animal). */
  suffix: string;
  /** The filtered table (`…_filtered.h5`) instead of the tracked one. */
  filtered?: boolean;
}

/**
 * The pose table of `video`: `<stem><scorer><suffix>[_filtered].h5` (or `.csv` when there is no `.h5`) in the
 * folder, for a scorer of the shuffle; the newest when several snapshots match. A clear error when there is none.
 */
export function findPoseTable(video: string, options: FindPoseTableOptions): FoundPoseTable {
  const folder = options.folder ?? path.dirname(video);
  const stem = path.parse(video).name;
  const ending = `${options.suffix}${options.filtered ? '_filtered' : ''}`;
  const names = fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => name.startsWith(stem) && !name.startsWith('.')) : [];
  const candidates = new Map<string, string>(); // scorer → file name
  for (const extension of ['.csv', '.h5']) {
    for (const name of names) {
      if (!name.endsWith(`${ending}${extension}`)) continue;
      const scorer = name.slice(stem.length, name.length - ending.length - extension.length);
      if (scorerShuffle(scorer) !== options.shuffle) continue;
      candidates.set(scorer, name); // the .h5 replaces the .csv of the same scorer
    }
  }
  if (candidates.size === 0) {
    const what = options.filtered ? 'filtered pose table' : options.suffix ? `tracked pose table (${options.suffix}.h5)` : 'pose table';
    const tables = names.filter((name) => /\.(h5|csv)$/.test(name) && name.includes('DLC_'));
    const hint = options.filtered
      ? 'run herd filter first'
      : options.suffix
        ? 'track and stitch the video first (herd convert-detections2tracklets, herd stitch-tracklets)'
        : 'run herd analyze on the video first';
    throw new HerdError(
      'POSE_TABLE_NOT_FOUND',
      `no ${what} of shuffle ${options.shuffle} for ${path.basename(video)} in ${folder}` +
        `${tables.length > 0 ? ` (found: ${tables.join(', ')})` : ''}; ${hint}` +
        `${folder !== path.dirname(video) ? ' (with the same --destfolder)' : ''}`,
      { file: video },
    );
  }
  const newestFirst = [...candidates.entries()]
    .map(([scorer, name]) => ({ scorer, name, mtime: fs.statSync(path.join(folder, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name));
  return {
    file: path.join(folder, newestFirst[0].name),
    scorer: newestFirst[0].scorer,
    others: newestFirst.slice(1).map((entry) => path.join(folder, entry.name)),
  };
}
