import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { projectLabelFiles } from '../labels/convert';
import { findLabelFile, readLabels } from '../labels/files';
import { createLabelTable, splitImagePath, type LabelTable } from '../labels/table';
import type { Project } from '../project/load';

export interface MergedLabels {
  /** One table in the project's column order; rows sorted by (video, image); rows without labels dropped. */
  table: LabelTable;
  /** The label files merged, in video_sets order. */
  files: string[];
  warnings: string[];
}

/** The `labeled-data/<stem>` folder names of the videos in `video_sets`, in order (DeepLabCut's `Path(video).stem`). */
export function videoSetStems(project: Project): string[] {
  const stems: string[] = [];
  for (const video of Object.keys(project.config.video_sets ?? {})) {
    const base = video.replace(/\\/g, '/').split('/').pop() ?? video;
    const dot = base.lastIndexOf('.');
    const stem = dot > 0 ? base.slice(0, dot) : base;
    if (!stems.includes(stem)) stems.push(stem);
  }
  return stems;
}

function compareTuples(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * DeepLabCut's `merge_annotateddatasets`: the labels of every video in `video_sets` (`CollectedData_<scorer>.h5`,
 * else `.csv`), checked against the project, in one table sorted by image; images without any label are dropped.
 */
export async function mergeLabels(project: Project, options: { progress?: ProgressReporter } = {}): Promise<MergedLabels> {
  const scorer = project.config.scorer;
  const stems = videoSetStems(project);
  const warnings: string[] = [];
  const sources: Array<{ stem: string; file: string }> = [];
  for (const stem of stems) {
    const file = findLabelFile(path.join(project.root, 'labeled-data', stem), scorer);
    if (file) sources.push({ stem, file });
    else warnings.push(`labeled-data/${stem}: no CollectedData_${scorer}.h5 or .csv (not labeled yet?); skipped`);
  }
  const unlisted = projectLabelFiles(project).filter(({ folder }) => !stems.includes(path.basename(folder)));
  for (const { folder } of unlisted) {
    warnings.push(`labeled-data/${path.basename(folder)} has labels, but its video is not in video_sets; not used (add the video with herd add-videos)`);
  }
  if (sources.length === 0) {
    const hint = unlisted.length > 0 ? `; labels found in ${unlisted.map(({ folder }) => `labeled-data/${path.basename(folder)}`).join(', ')}, whose videos are not in video_sets` : '';
    throw new HerdError('NO_LABELS', `no labels to train on: none of the ${stems.length} videos in video_sets has labeled-data/<video>/CollectedData_${scorer}.h5 or .csv${hint}`, {
      file: project.configPath,
    });
  }

  const merged = createLabelTable({
    scorer,
    multiAnimal: project.multiAnimal,
    individuals: project.individuals,
    bodyparts: project.bodyparts,
    uniqueBodyparts: project.uniqueBodyparts,
  });
  const width = merged.columns.length;
  const columnKey = (individual: string | undefined, bodypart: string, coord: string) => `${individual ?? ''}\u0000${bodypart}\u0000${coord}`;
  const target = new Map(merged.columns.map((column, i) => [columnKey(column.individual, column.bodypart, column.coord), i]));
  const rows: Array<{ image: string; values: Float64Array }> = [];
  const seen = new Set<string>();
  const counter = new ProgressCounter(options.progress ?? silentProgress, 'read labels', sources.length, 'files');
  for (const { file } of sources) {
    const { table } = await readLabels(file, { project });
    let empty = 0;
    const map = table.columns.map((column) => target.get(columnKey(column.individual, column.bodypart, column.coord)) ?? -1);
    table.images.forEach((image, row) => {
      const values = new Float64Array(width).fill(Number.NaN);
      let labeled = false;
      map.forEach((to, from) => {
        const value = table.values[row * table.columns.length + from];
        if (to >= 0 && !Number.isNaN(value)) {
          values[to] = value;
          labeled = true;
        }
      });
      if (!labeled) {
        empty++;
        return;
      }
      if (seen.has(image)) throw new HerdError('LABELS_DUPLICATE_IMAGE', `image ${image} is labeled in two label files`, { file });
      seen.add(image);
      rows.push({ image, values });
    });
    if (empty > 0) warnings.push(`${path.relative(project.root, file)}: ${empty} image${empty === 1 ? '' : 's'} without any label left out`);
    counter.add();
  }
  counter.finish();
  if (rows.length === 0) {
    throw new HerdError('NO_LABELS', `no labeled points in ${sources.map(({ file }) => path.relative(project.root, file)).join(', ')}: label frames first`, {
      file: sources[0].file,
    });
  }
  rows.sort((a, b) => compareTuples(splitImagePath(a.image), splitImagePath(b.image)));
  merged.images = rows.map((row) => row.image);
  merged.values = new Float64Array(rows.length * width);
  rows.forEach((row, i) => merged.values.set(row.values, i * width));
  return { table: merged, files: sources.map(({ file }) => file), warnings };
}

/** True when `file` exists and is a folder. */
export function isFolder(file: string): boolean {
  return fs.existsSync(file) && fs.statSync(file).isDirectory();
}
