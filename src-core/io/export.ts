/**
 * `herd export-poses`: tracked pose tables (`<video><scorer>_el[_refined][_filtered].h5` or `.csv`) exported to NWB
 * (ndx-pose, `nwb.ts`) or SLEAP's analysis HDF5 (`sleap-analysis.ts`), beside the table:
 * `<table stem>.nwb` / `<table stem>.analysis.h5`.
 *
 * The table is found as every analysis output is (`infer/locate.ts`): in `destfolder` (default: the video's folder),
 * `<video stem><scorer of the shuffle><tracker suffix>[_refined][_filtered].h5` (or its `.csv`), the newest when several
 * snapshots match. Every output is checked before anything is written, so a refused run writes nothing.
 */
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { HERD_VERSION } from '../common/version';
import { analysisFolder, findPoseTable, resolveTrackMethod, type TrackerKind } from '../infer/locate';
import { loadProject } from '../project/load';
import { collectVideoPaths } from '../project/videos';
import { probeVideo } from '../video';
import { assertWritable } from './h5-write';
import { writeNwbPoses } from './nwb';
import { readPoseTable } from './pose-table';
import { writeSleapAnalysis } from './sleap-analysis';

export type ExportFormat = 'nwb' | 'sleap-analysis';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['nwb', 'sleap-analysis'];

export interface ExportPosesOptions {
  format: ExportFormat;
  /** The shuffle whose tables are exported (default 1). */
  shuffle?: number;
  /** Tracker whose table is exported (default: config.yaml's `default_track_method`, else ellipse); multi-animal only. */
  trackMethod?: TrackerKind;
  /** Export the `_filtered` table (herd filter). */
  filtered?: boolean;
  /** Export the table saved by the refinement panel (`_refined`, with `filtered` `_refined_filtered`). */
  refined?: boolean;
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

/** The output of a table: `<table stem>.nwb` or `<table stem>.analysis.h5`. */
export function exportPath(table: string, format: ExportFormat): string {
  const stem = table.replace(/\.(h5|csv)$/i, '');
  return format === 'nwb' ? `${stem}.nwb` : `${stem}.analysis.h5`;
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
  const { suffix } = resolveTrackMethod(project, options.trackMethod, { singleAnimal: 'ignore' });
  const shuffle = options.shuffle ?? 1;
  const log = options.log ?? (() => undefined);
  const warnings: string[] = [];
  const videoPaths = collectVideoPaths(videos, options.videotype);
  const jobs = videoPaths.map((video) => {
    const table = findPoseTable(video, { folder: analysisFolder(video, options.destfolder), shuffle, suffix, filtered: options.filtered === true, refined: options.refined === true });
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
