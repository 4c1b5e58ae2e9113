/**
 * `herd export-poses`: tracked pose tables (`<video><scorer>_el[_filtered].h5` or `.csv`) exported to NWB
 * (ndx-pose, `nwb.ts`) or SLEAP's analysis HDF5 (`sleap-analysis.ts`), beside the table:
 * `<table stem>.nwb` / `<table stem>.analysis.h5`.
 *
 * The table is found like DeepLabCut finds its outputs: in `destfolder` (default: the video's folder), a name
 * starting with `<video stem>DLC_`, whose scorer names the shuffle, ending with the tracker's suffix (`_el`,
 * `_bx`, `_sk`, `_id`; none for single-animal projects), then `_filtered` when asked; the `.h5` is preferred over the `.csv`, the newest when
 * several snapshots match. Every output is checked before anything is written, so a refused run writes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { loadProject, type Project } from '../project/load';
import { collectVideoPaths } from '../project/videos';
import { TRACKER_SUFFIX, type TrackerKind } from '../track/tracklets';
import { probeVideo } from '../video';
import { assertWritable } from './h5-write';
import { writeNwbPoses } from './nwb';
import { readPoseTable } from './pose-table';
import { writeSleapAnalysis } from './sleap-analysis';

/** Written as the `version` of NWB's `source_software` (keep in step with the CLI's `--version`). */
export const HERD_VERSION = '0.1.0';

export type ExportFormat = 'nwb' | 'sleap-analysis';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['nwb', 'sleap-analysis'];

export interface ExportPosesOptions {
  format: ExportFormat;
  /** The shuffle whose tables are exported (default 1). */
  shuffle?: number;
  /** Tracker whose table is exported (default: config.yaml's `default_track_method`, else ellipse); multi-animal only. */
  trackMethod?: TrackerKind;
  /** Export the `_filtered` table (herd filter-predictions). */
  filtered?: boolean;
  /** Where the tables are (herd analyze --destfolder); the exports go there too. Default: beside each video. */
  destfolder?: string;
  videotype?: string;
  /** Replace existing exports (default: refuse before writing anything). */
  overwrite?: boolean;
  log?: (line: string) => void;
}

export interface ExportedPoses {
  video: string;
  table: string;
  output: string;
  scorer: string;
  frames: number;
  individuals: string[];
  bodyparts: string[];
  /** Unique body parts in the table; in NWB as `PoseEstimation_single`, left out of SLEAP files. */
  uniqueBodyparts: string[];
  /** Skeleton edges written. */
  edges: number;
}

export interface ExportPosesResult {
  format: ExportFormat;
  exports: ExportedPoses[];
  warnings: string[];
}

const TRACKERS = Object.keys(TRACKER_SUFFIX) as TrackerKind[];

/** The output of a table: `<table stem>.nwb` or `<table stem>.analysis.h5`. */
export function exportPath(table: string, format: ExportFormat): string {
  const stem = table.replace(/\.(h5|csv)$/i, '');
  return format === 'nwb' ? `${stem}.nwb` : `${stem}.analysis.h5`;
}

function scorerShuffle(scorer: string): number | undefined {
  const match = /shuffle(\d+)_(?:detector_[^_]+_)?(?:snapshot_)?[^_]+$/.exec(scorer);
  return match ? Number(match[1]) : undefined;
}

export interface FoundTable {
  file: string;
  scorer: string;
}

/**
 * The pose table of `video` in `folder` for `shuffle`: `<stem>DLC_…<suffix>[_filtered].h5|.csv` (`suffix` `_el`,
 * `_bx`, `_sk`, `_id`, or `''` for single-animal projects). A clear error when there is none.
 */
export function findPoseTable(video: string, folder: string, shuffle: number, suffix: string, filtered: boolean): FoundTable {
  const stem = path.parse(video).name;
  const ending = `${suffix}${filtered ? '_filtered' : ''}`;
  const names = fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => name.startsWith(`${stem}DLC_`) && !name.startsWith('.')) : [];
  const candidates = names.flatMap((name) => {
    const match = /\.(h5|csv)$/i.exec(name);
    if (!match) return [];
    const base = name.slice(0, -match[0].length);
    if (!base.endsWith(ending)) return [];
    const scorer = base.slice(stem.length, base.length - ending.length);
    if (scorerShuffle(scorer) !== shuffle) return [];
    const file = path.join(folder, name);
    return [{ file, scorer, h5: match[1].toLowerCase() === 'h5', mtime: fs.statSync(file).mtimeMs }];
  });
  if (candidates.length === 0) {
    const hint = filtered
      ? 'run herd filter-predictions first, or leave out --filtered'
      : 'analyse (and, for several animals, track) the video first, or check --shuffle, --track-method and --destfolder';
    throw new HerdError('POSE_TABLE_NOT_FOUND', `no ${stem}DLC_…shuffle${shuffle}_…${ending}.h5/.csv table for ${path.basename(video)} in ${folder}; ${hint}`, { file: video });
  }
  // Newest scorer (snapshot) first; for that scorer, the .h5 over its .csv twin.
  candidates.sort((a, b) => b.mtime - a.mtime || b.file.localeCompare(a.file));
  const newest = candidates[0].scorer;
  const chosen = candidates.filter((c) => c.scorer === newest).sort((a, b) => Number(b.h5) - Number(a.h5))[0];
  return { file: chosen.file, scorer: chosen.scorer };
}

/** The table suffix: the tracker's (`_el`…) for multi-animal projects, none for single-animal ones. */
function tableSuffix(project: Project, requested?: string): string {
  if (!project.multiAnimal) {
    if (requested) throw new HerdError('USAGE', `--track-method ${requested} is for multi-animal projects; this one is single-animal`, { file: project.configPath });
    return '';
  }
  const method = requested ?? project.config.default_track_method ?? 'ellipse';
  if (!TRACKERS.includes(method as TrackerKind)) {
    throw new HerdError('USAGE', `--track-method is ${TRACKERS.join(', ')}, got "${method}"`);
  }
  return TRACKER_SUFFIX[method as TrackerKind];
}

/**
 * Exports the tracked poses of `videos` (files or folders) of the project at `configPath`. Writes one file per
 * video, atomically; refuses (before writing any) when an output exists and `overwrite` is not set.
 */
export async function exportPoses(configPath: string, videos: string[], options: ExportPosesOptions): Promise<ExportPosesResult> {
  if (!EXPORT_FORMATS.includes(options.format)) {
    throw new HerdError('USAGE', `--format is ${EXPORT_FORMATS.join(' or ')}, got "${String(options.format)}"`);
  }
  const project = loadProject(configPath);
  const suffix = tableSuffix(project, options.trackMethod);
  const shuffle = options.shuffle ?? 1;
  const log = options.log ?? (() => undefined);
  const warnings: string[] = [];
  const videoPaths = collectVideoPaths(videos, options.videotype);
  const jobs = videoPaths.map((video) => {
    const folder = options.destfolder ? path.resolve(options.destfolder) : path.dirname(video);
    const table = findPoseTable(video, folder, shuffle, suffix, options.filtered === true);
    return { video, table, output: exportPath(table.file, options.format) };
  });
  for (const job of jobs) assertWritable(job.output, { overwrite: options.overwrite });
  const outputs = new Set<string>();
  for (const job of jobs) {
    if (outputs.has(job.output)) throw new HerdError('USAGE', 'the same video was given twice', { file: job.video });
    outputs.add(job.output);
  }
  const skeleton = project.config.skeleton ?? [];
  const exports: ExportedPoses[] = [];
  for (const job of jobs) {
    const table = await readPoseTable(job.table.file);
    const info = await probeVideo(job.video);
    const { poses, unique } = table;
    if (poses.frames > info.frameCount && info.frameCount > 0) {
      const message = `${path.basename(job.table.file)} has ${poses.frames} rows but ${path.basename(job.video)} ${info.frameCount} frames`;
      warnings.push(message);
      log(`warning: ${message}`);
    }
    let edges: number;
    if (options.format === 'nwb') {
      const written = await writeNwbPoses(
        job.output,
        poses,
        {
          scorer: table.scorer || job.table.scorer,
          video: job.video,
          fps: info.fps,
          width: info.width,
          height: info.height,
          skeleton,
          ...(unique ? { unique } : {}),
          identifier: path.basename(job.output, '.nwb'),
          sessionDescription: `${project.config.Task}: poses of ${path.basename(job.video)} tracked by Herd`,
          ...(typeof project.config.scorer === 'string' && project.config.scorer ? { experimenter: project.config.scorer } : {}),
          softwareVersion: HERD_VERSION,
        },
        { overwrite: options.overwrite },
      );
      edges = written.edges.length;
    } else {
      if (unique) {
        const message = `${path.basename(job.table.file)}: unique body parts (${unique.bodyparts.join(', ')}) have no place in a SLEAP analysis file and were left out`;
        warnings.push(message);
        log(`warning: ${message}`);
      }
      const written = await writeSleapAnalysis(
        job.output,
        poses,
        {
          video: job.video,
          skeleton,
          labelsPath: job.table.file,
          provenance: { scorer: table.scorer || job.table.scorer, pose_table: job.table.file, fps: info.fps, herd_version: HERD_VERSION },
        },
        { overwrite: options.overwrite },
      );
      edges = written.edges.length;
    }
    exports.push({
      video: job.video,
      table: job.table.file,
      output: job.output,
      scorer: table.scorer || job.table.scorer,
      frames: poses.frames,
      individuals: poses.individuals,
      bodyparts: poses.bodyparts,
      uniqueBodyparts: unique?.bodyparts ?? [],
      edges,
    });
  }
  return { format: options.format, exports, warnings };
}
