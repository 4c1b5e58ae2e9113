/**
 * Finding a video's analysis outputs, the one home for it (DeepLabCut's `load_analyzed_data` / `find_analyzed_data`
 * and `get_track_method`). Every output of a video is `<video stem><scorer><ending>` in the video's folder or in
 * `--destfolder`, where the scorer (`DLC_Resnet50_openfieldOct30shuffle1_snapshot_200`, see `outputs.scorerName`)
 * names the shuffle, and the ending says what the file is:
 * - `_detections.safetensors` — Herd's detections (`herd analyze`);
 * - `<_el|_bx|_sk|_id>.tracklets.safetensors` — Herd's tracklets (`herd convert-detections2tracklets`);
 * - `[<_el|_bx|_sk|_id|_tr|_ctd>][_filtered].h5` or `.csv` — DeepLabCut's pose tables (`herd analyze` for
 *   single-animal projects, `herd stitch-tracklets` for multi-animal ones, `herd filter`); `…_refined.h5` the table
 *   saved by VS Code's refinement panel beside the tracked one (DeepLabCut overwrites the tracked table instead), and
 *   `…_refined_filtered.h5` that table filtered (`--refined` on the commands that read tables).
 *
 * The rules, the same for every caller:
 * - a file belongs to the video when its name is the video's stem followed by a DeepLabCut scorer (`DLC_…` or the
 *   old `DeepCut_…`) of the shuffle asked for, then the ending, exactly; so `<stem><scorer>.h5` never claims
 *   `<stem><scorer>_el.h5`, `…_filtered.h5` or `…analysis.h5`, nor another video whose stem starts the same;
 * - of several scorers (snapshots) the newest file wins (by modification time, then by name), the rest are
 *   `others` so the caller can say which it took; hidden files (`.herd-tmp-…`) are never taken.
 * - when a caller gives several endings for one scorer, the first that exists wins: pose tables prefer the `.h5`
 *   over its `.csv` twin (deliberate: the `.h5` is DeepLabCut's primary output, the `.csv` an optional copy).
 *
 * The tracker of a multi-animal project: the one asked for, else config.yaml's `default_track_method`, else
 * `ellipse`; none (suffix `''`) for single-animal projects. Deliberate differences between callers, set by options:
 * which trackers are accepted (`convert-detections2tracklets` runs box/ellipse/skeleton; tracklets exist for Herd's
 * four trackers; labeled videos and trajectory plots also draw DeepLabCut's transformer/ctd tables), whether a
 * tracker asked for a single-animal project is refused (filter, outliers, export) or ignored as DeepLabCut's
 * `get_track_method` does (labeled videos, trajectory plots, whose VS Code steps always pass one), and the error
 * code (`USAGE`, exit code 2, or `INVALID_OPTION` where a command reports every bad option so: filter, outliers).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import type { Project } from '../project/load';
import { collectVideoPaths } from '../project/videos';

/* ----------------------------------------------------------------- trackers and their suffixes */

/** Herd's trackers: the kinds of tracklets `herd convert-detections2tracklets` writes. */
export type TrackerKind = 'box' | 'ellipse' | 'skeleton' | 'identity';

/** DeepLabCut's file suffix of each tracker (trackingutils.TRACK_METHODS); `_id` is Herd's for identity-only. */
export const TRACKER_SUFFIX: Readonly<Record<TrackerKind, string>> = {
  box: '_bx',
  ellipse: '_el',
  skeleton: '_sk',
  identity: '_id',
};

export const TRACKER_KINDS = Object.keys(TRACKER_SUFFIX) as TrackerKind[];

/** A tracker whose tables Herd reads: its own, and DeepLabCut's transformer and CTD trackers (which Herd does not run). */
export type DlcTrackMethod = TrackerKind | 'transformer' | 'ctd';

/** The file suffix of every tracker whose tables Herd reads. */
export const TRACK_METHOD_SUFFIX: Readonly<Record<DlcTrackMethod, string>> = { ...TRACKER_SUFFIX, transformer: '_tr', ctd: '_ctd' };

export const ALL_TRACK_METHODS = Object.keys(TRACK_METHOD_SUFFIX) as DlcTrackMethod[];

export interface ResolvedTrackMethod<M extends string = DlcTrackMethod> {
  /** The tracker; undefined for a single-animal project. */
  kind: M | undefined;
  /** Its file suffix (`_el`, …); `''` for a single-animal project. */
  suffix: string;
}

export interface ResolveTrackMethodOptions<M extends string> {
  /** The trackers this caller accepts (default: Herd's four, `TRACKER_KINDS`). */
  accept?: readonly M[];
  /**
   * A tracker asked for a single-animal project: `refuse` (an error, default) or `ignore` (DeepLabCut's
   * `get_track_method`). Without one asked, a single-animal project has no tracker either way.
   */
  singleAnimal?: 'refuse' | 'ignore';
  /** The code of the errors (default `USAGE`). */
  errorCode?: string;
}

/**
 * The tracker whose outputs are read or written (DeepLabCut's `get_track_method`): `asked` (case aside), else
 * config.yaml's `default_track_method`, else `ellipse`, for multi-animal projects; none for single-animal ones.
 */
export function resolveTrackMethod<M extends string = TrackerKind>(
  project: Pick<Project, 'multiAnimal' | 'config' | 'configPath'>,
  asked?: string,
  options: ResolveTrackMethodOptions<M> = {},
): ResolvedTrackMethod<M> {
  const code = options.errorCode ?? 'USAGE';
  if (!project.multiAnimal) {
    if (asked && options.singleAnimal !== 'ignore') {
      throw new HerdError(code, `--track-method ${asked} is for multi-animal projects; this one is single-animal`, { file: project.configPath });
    }
    return { kind: undefined, suffix: '' };
  }
  const configured = typeof project.config.default_track_method === 'string' ? project.config.default_track_method : '';
  const method = (asked || configured || 'ellipse').toLowerCase();
  const accept = (options.accept ?? TRACKER_KINDS) as readonly string[];
  if (!accept.includes(method)) {
    const list = accept.join(', ');
    if (asked) throw new HerdError(code, `unknown track method "${asked}"; --track-method is one of ${list}`);
    throw new HerdError(code, `unknown track method "${configured}" (config.yaml's default_track_method); use one of ${list}`, { file: project.configPath });
  }
  return { kind: method as M, suffix: TRACK_METHOD_SUFFIX[method as DlcTrackMethod] };
}

/* ----------------------------------------------------------------- scorers and files */

/** DeepLabCut's scorer: `DLC_<net>_<Task><date>shuffle<k>_[detector_<uid>_]snapshot_<uid>` (PyTorch) or `…shuffle<k>_<iterations>` (TF). */
// No second `DLC_` inside: `v.mp4` must not claim `vDLC_…_labeledDLC_…` (the outputs of another video, `v…_labeled.mp4`).
const SCORER = /^(?:DLC|DeepCut)_(?:(?!DLC_|DeepCut_).)*shuffle(\d+)_(?:detector_[^_]+_)?(?:snapshot_)?(?:best-)?\d+$/;

/** The shuffle a DeepLabCut scorer names (`…shuffle3_snapshot_200` → 3), or undefined when `scorer` is not one. */
export function scorerShuffle(scorer: string): number | undefined {
  const match = SCORER.exec(scorer);
  return match ? Number(match[1]) : undefined;
}

/** Where a video's analysis outputs are: `destfolder` (resolved) when given, else the video's folder. */
export function analysisFolder(video: string, destfolder?: string): string {
  return destfolder ? path.resolve(destfolder) : path.dirname(video);
}

export const DETECTIONS_ENDING = '_detections.safetensors';
export const TRACKLETS_EXTENSION = '.tracklets.safetensors';

export interface FindAnalysisOutputOptions {
  /** Where to look (default: the video's folder). */
  folder?: string;
  shuffle: number;
  /** What follows the scorer, preferred first: of one scorer's files, the first ending present is taken. */
  endings: readonly string[];
}

export interface FoundAnalysisOutput {
  file: string;
  scorer: string;
  /** The same output of other scorers of the shuffle (older snapshots), newest first. */
  others: string[];
}

function visibleNames(folder: string): string[] {
  return fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => !name.startsWith('.')) : [];
}

/** The newest `<video stem><scorer of the shuffle><ending>` in the folder, or undefined when there is none. */
export function findAnalysisOutput(video: string, options: FindAnalysisOutputOptions): FoundAnalysisOutput | undefined {
  const folder = options.folder ?? path.dirname(video);
  const stem = path.parse(video).name;
  const names = visibleNames(folder).filter((name) => name.startsWith(stem));
  const byScorer = new Map<string, string>(); // scorer → its file of the most preferred ending
  for (const ending of options.endings) {
    for (const name of names) {
      if (!name.endsWith(ending) || name.length <= stem.length + ending.length) continue;
      const scorer = name.slice(stem.length, name.length - ending.length);
      if (scorerShuffle(scorer) !== options.shuffle || byScorer.has(scorer)) continue;
      byScorer.set(scorer, name);
    }
  }
  if (byScorer.size === 0) return undefined;
  const newestFirst = [...byScorer.entries()]
    .map(([scorer, name]) => ({ scorer, name, mtime: fs.statSync(path.join(folder, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name));
  return {
    file: path.join(folder, newestFirst[0]!.name),
    scorer: newestFirst[0]!.scorer,
    others: newestFirst.slice(1).map((entry) => path.join(folder, entry.name)),
  };
}

/** The video's analysis outputs in `folder` of any shuffle ending with one of `endings`: what an error lists. */
function outputNames(video: string, folder: string, endings: readonly string[]): string[] {
  const stem = path.parse(video).name;
  return visibleNames(folder).filter((name) => /^(?:DLC|DeepCut)_/.test(name.slice(stem.length)) && name.startsWith(stem) && endings.some((e) => name.endsWith(e)));
}

function sameDestfolder(video: string, folder: string): string {
  return folder !== path.dirname(video) ? ' (with the same --destfolder)' : '';
}

/* ----------------------------------------------------------------- the outputs */

export interface FindDetectionsOptions {
  folder?: string;
  shuffle: number;
}

/** The detections file `<stem><scorer>_detections.safetensors` of `video` (herd analyze), or a clear error. */
export function findDetectionsFile(video: string, options: FindDetectionsOptions): FoundAnalysisOutput {
  const folder = options.folder ?? path.dirname(video);
  const found = findAnalysisOutput(video, { folder, shuffle: options.shuffle, endings: [DETECTIONS_ENDING] });
  if (found) return found;
  const names = outputNames(video, folder, [DETECTIONS_ENDING]);
  throw new HerdError(
    'DETECTIONS_NOT_FOUND',
    `no detections of shuffle ${options.shuffle} for ${path.basename(video)} in ${folder}` +
      `${names.length > 0 ? ` (there are detections of other shuffles: ${names.join(', ')})` : ''}; ` +
      `run herd analyze on the video first${sameDestfolder(video, folder)}`,
    { file: video },
  );
}

export interface FindTrackletsOptions {
  folder?: string;
  shuffle: number;
  tracker: TrackerKind;
}

/** The tracklets file `<stem><scorer><_el|_bx|_sk|_id>.tracklets.safetensors` of `video`, or a clear error. */
export function findTrackletsFile(video: string, options: FindTrackletsOptions): FoundAnalysisOutput {
  const folder = options.folder ?? path.dirname(video);
  const { shuffle, tracker } = options;
  const found = findAnalysisOutput(video, { folder, shuffle, endings: [`${TRACKER_SUFFIX[tracker]}${TRACKLETS_EXTENSION}`] });
  if (found) return found;
  const names = outputNames(video, folder, [TRACKLETS_EXTENSION]);
  throw new HerdError(
    'TRACKLETS_NOT_FOUND',
    `no ${tracker} tracklets of shuffle ${shuffle} for ${path.basename(video)} in ${folder}` +
      `${names.length > 0 ? ` (there are tracklets of other shuffles or trackers: ${names.join(', ')})` : ''}; ` +
      `run herd convert-detections2tracklets --track-method ${tracker} first${sameDestfolder(video, folder)}`,
    { file: video },
  );
}

export interface FindPoseTableOptions {
  folder?: string;
  shuffle: number;
  /** The tracker's suffix (`_el`, … see `resolveTrackMethod`), `''` for a single-animal table. */
  suffix: string;
  /** The filtered table (`…_filtered.h5`, herd filter) instead of the tracked one. */
  filtered?: boolean;
  /**
   * The table saved by the refinement panel (`…_refined.h5`, VS Code's Herd: Refine Tracklets) instead of the tracked
   * one; with `filtered`, the filtered refined table `…_refined_filtered.h5` (herd filter --refined), else the refined
   * filtered one `…_filtered_refined.h5` (a filtered table refined in the panel).
   */
  refined?: boolean;
}

/** What follows the scorer in the name of a pose table, the preferred first (each `.h5`, then its `.csv`). */
export function poseTableEndings(suffix: string, options: { filtered?: boolean; refined?: boolean } = {}): string[] {
  const { filtered, refined } = options;
  const stems = refined
    ? filtered
      ? [`${suffix}_refined_filtered`, `${suffix}_filtered_refined`]
      : [`${suffix}_refined`]
    : [`${suffix}${filtered ? '_filtered' : ''}`];
  return stems.flatMap((stem) => [`${stem}.h5`, `${stem}.csv`]);
}

/**
 * The pose table `<stem><scorer><suffix>[_refined][_filtered].h5` of `video` (or its `.csv` when there is no `.h5`;
 * see `poseTableEndings`), or a clear error that lists the tables there are and says what to run.
 */
export function findPoseTable(video: string, options: FindPoseTableOptions): FoundAnalysisOutput {
  const folder = options.folder ?? path.dirname(video);
  const { shuffle, suffix, filtered, refined } = options;
  const endings = poseTableEndings(suffix, { filtered, refined });
  const found = findAnalysisOutput(video, { folder, shuffle, endings });
  if (found) return found;
  const method = ALL_TRACK_METHODS.find((m) => TRACK_METHOD_SUFFIX[m] === suffix);
  const what = `${refined ? 'refined ' : ''}${filtered ? 'filtered ' : ''}${suffix ? `${method ?? suffix} tracks` : 'poses'}`;
  const tables = outputNames(video, folder, ['.h5', '.csv']);
  const hint = refined
    ? filtered
      ? 'run herd filter --refined first (on a table refined in VS Code, Herd: Refine Tracklets, and saved), or leave out --refined'
      : 'refine the tracks in VS Code (Herd: Refine Tracklets) and save, or leave out --refined'
    : filtered
      ? 'run herd filter first, or leave out --filtered'
      : suffix
        ? 'track and stitch the video first (herd convert-detections2tracklets, herd stitch-tracklets), or check --track-method'
        : 'run herd analyze on the video first';
  const stem = path.parse(video).name;
  const expected = endings
    .filter((ending) => ending.endsWith('.h5'))
    .map((ending) => `${stem}DLC_…shuffle${shuffle}_…${ending.slice(0, -'.h5'.length)}.h5 or .csv`)
    .join(' or ');
  throw new HerdError(
    'POSE_TABLE_NOT_FOUND',
    `no ${what} of shuffle ${shuffle} for ${path.basename(video)} in ${folder}: expected ${expected}` +
      `${tables.length > 0 ? `, found: ${tables.join(', ')}` : ''}; ${hint}${sameDestfolder(video, folder)}`,
    { file: video },
  );
}

/* ----------------------------------------------------------------- every video's table, before any work */

/** The options of a stage that reads each video's tracked (or single-animal) pose table. */
export interface PoseTableSourceOptions {
  shuffle?: number;
  /** Accepted as DeepLabCut's; the scorer in the file names does not depend on the training fraction. */
  trainingsetindex?: number;
  /** ellipse (default from config.yaml's default_track_method), box, skeleton or identity; multi-animal only. */
  trackMethod?: string;
  /** The table saved by the refinement panel (`<…>_refined.h5`) instead of the tracked one. */
  refined?: boolean;
  videotype?: string;
  /** Where the pose tables are (default: beside each video). */
  destfolder?: string;
}

/**
 * The pose table of every video (folders expand to their videos), found before the stage does any work so a missing
 * one fails first; where a shuffle has tables of several snapshots, the newest is taken and `log` says so.
 */
export function locateVideoTables(
  project: Project,
  inputs: string[],
  options: PoseTableSourceOptions & { noVideos: string; log?: (line: string) => void },
): { trackMethod: string; tables: Array<{ video: string; found: FoundAnalysisOutput }> } {
  const shuffle = options.shuffle ?? 1;
  if (!Number.isInteger(shuffle) || shuffle < 0) throw new HerdError('INVALID_OPTION', `--shuffle must be a whole number, got ${shuffle}`);
  const { kind: trackMethod, suffix } = resolveTrackMethod(project, options.trackMethod, { errorCode: 'INVALID_OPTION', singleAnimal: 'ignore' });
  const videos = collectVideoPaths(inputs, options.videotype);
  if (videos.length === 0) throw new HerdError('NO_VIDEOS', options.noVideos);
  const tables = videos.map((video) => {
    const found = findPoseTable(video, { folder: analysisFolder(video, options.destfolder), shuffle, suffix, refined: options.refined === true });
    if (found.others.length > 0) {
      options.log?.(`${path.basename(video)}: ${found.others.length + 1} tables of shuffle ${shuffle}; using the newest, ${path.basename(found.file)}`);
    }
    return { video, found };
  });
  return { trackMethod: trackMethod ?? 'none', tables };
}
