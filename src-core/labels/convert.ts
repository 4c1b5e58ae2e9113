import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { editConfig, type ConfigEdits } from '../project/edit';
import { loadProject, type Project } from '../project/load';
import { findLabelFile, readLabels, saveLabels } from './files';
import { createLabelTable, type LabelLayout, type LabelTable } from './table';

/** A label file of the project, read, and the table it becomes. */
interface PlannedRewrite {
  folder: string;
  after: LabelTable;
  dropped: DroppedPart[];
}

export interface DroppedPart {
  folder: string;
  individual?: string;
  bodypart: string;
  /** How many labeled points the dropped column held. */
  points: number;
}

/** The `labeled-data/<video>/CollectedData_<scorer>` files of a project (the .h5 is DeepLabCut's source of truth). */
export function projectLabelFiles(project: Project): Array<{ folder: string; file: string }> {
  const labeledData = path.join(project.root, 'labeled-data');
  if (!fs.existsSync(labeledData)) return [];
  const found: Array<{ folder: string; file: string }> = [];
  for (const name of fs.readdirSync(labeledData).sort()) {
    const folder = path.join(labeledData, name);
    if (name.endsWith('_labeled') || !fs.statSync(folder).isDirectory()) continue;
    const file = findLabelFile(folder, project.config.scorer);
    if (file) found.push({ folder, file });
  }
  return found;
}

/**
 * Lays a table out in new columns, copying every point whose (individual, body part) still exists.
 * `placeOf` says where an old column's points go (default: the same individual and body part).
 */
export function relayoutLabels(
  table: LabelTable,
  layout: LabelLayout,
  placeOf: (individual: string | undefined, bodypart: string) => { individual?: string; bodypart: string } | undefined = (individual, bodypart) => ({
    individual,
    bodypart,
  }),
  folder = '',
): { table: LabelTable; dropped: DroppedPart[] } {
  const result = createLabelTable(layout, table.images);
  result.indexStyle = table.indexStyle;
  const target = new Map(result.columns.map((column, index) => [`${column.individual ?? ''}\u0000${column.bodypart}\u0000${column.coord}`, index]));
  const dropped = new Map<string, DroppedPart>();
  const oldWidth = table.columns.length;
  const newWidth = result.columns.length;
  table.columns.forEach((column, oldIndex) => {
    const place = placeOf(column.individual, column.bodypart);
    const newIndex = place && target.get(`${place.individual ?? ''}\u0000${place.bodypart}\u0000${column.coord}`);
    let labeled = 0;
    for (let row = 0; row < table.images.length; row++) {
      const value = table.values[row * oldWidth + oldIndex];
      if (Number.isNaN(value)) continue;
      if (newIndex === undefined) labeled++;
      else result.values[row * newWidth + newIndex] = value;
    }
    if (newIndex === undefined && column.coord === 'x') {
      const key = `${column.individual ?? ''}\u0000${column.bodypart}`;
      dropped.set(key, { folder, individual: column.individual, bodypart: column.bodypart, points: labeled });
    }
  });
  return { table: result, dropped: [...dropped.values()] };
}

function projectLayout(project: Project): LabelLayout {
  return {
    scorer: project.config.scorer,
    multiAnimal: project.multiAnimal,
    individuals: project.individuals,
    bodyparts: project.bodyparts,
    uniqueBodyparts: project.uniqueBodyparts,
  };
}

async function writePlanned(plans: PlannedRewrite[]): Promise<string[]> {
  const written: string[] = [];
  for (const plan of plans) written.push(...(await saveLabels(plan.folder, plan.after, { keepEmptyRows: true })));
  return written;
}

export interface SyncLabelsResult {
  files: string[];
  dropped: DroppedPart[];
}

/**
 * After body parts or individuals were added to or removed from config.yaml, rewrite every label file in
 * the new layout, keeping the labels of the parts that remain. Labels of removed parts are only dropped with
 * `dropRemoved`; otherwise they are listed in an error and nothing is written.
 */
export async function syncLabelsWithConfig(configPath: string, options: { dropRemoved?: boolean } = {}): Promise<SyncLabelsResult> {
  const project = loadProject(configPath);
  const layout = projectLayout(project);
  const plans: PlannedRewrite[] = [];
  for (const { folder, file } of projectLabelFiles(project)) {
    const { table } = await readLabels(file);
    const { table: after, dropped } = relayoutLabels(table, layout, undefined, folder);
    plans.push({ folder, after, dropped });
  }
  const dropped = plans.flatMap((plan) => plan.dropped.filter((part) => part.points > 0));
  if (dropped.length > 0 && !options.dropRemoved) {
    const list = dropped
      .map((part) => `${path.basename(part.folder)}: ${part.individual ? `${part.individual}/` : ''}${part.bodypart} (${part.points} labeled points)`)
      .join('; ');
    throw new HerdError(
      'LABELS_WOULD_BE_LOST',
      `these labels are for body parts or individuals no longer in config.yaml: ${list}. Put them back in the config, or pass --drop-removed to delete them`,
      { file: project.configPath },
    );
  }
  return { files: await writePlanned(plans), dropped };
}

export interface ConvertToMultiAnimalOptions {
  /** Individuals of the converted project (default: one, `individual1`); ignored if the config is already multi-animal. */
  individuals?: string[];
  /** Which individual the existing single-animal labels belong to (default: the first). */
  individual?: string;
  /** Body parts that become unique body parts (landmarks), labeled once per frame under `single`. */
  uniqueBodyparts?: string[];
}

/** Turns a single-animal config.yaml into a multi-animal one, keeping its comments. */
function convertConfig(project: Project, options: ConvertToMultiAnimalOptions): void {
  const individuals = options.individuals ?? ['individual1'];
  const unique = options.uniqueBodyparts ?? [];
  const unknown = unique.filter((part) => !project.bodyparts.includes(part));
  if (unknown.length > 0) throw new HerdError('USAGE', `unique body parts ${unknown.join(', ')} are not body parts of this project`, { file: project.configPath });
  const edits: ConfigEdits = [
    { key: ['multianimalproject'], value: true },
    { key: ['bodyparts'], value: 'MULTI!' },
    { key: ['individuals'], value: individuals },
    { key: ['uniquebodyparts'], value: unique },
    { key: ['multianimalbodyparts'], value: project.bodyparts.filter((part) => !unique.includes(part)) },
  ];
  if (project.config.default_track_method === undefined) edits.push({ key: ['default_track_method'], value: 'ellipse' });
  editConfig(project.configPath, edits);
}

/**
 * DeepLabCut's conversion of single-animal labels to a multi-animal project (`convert2_maDLC`). A single-animal
 * config.yaml first gets `multianimalproject: true`, `bodyparts: MULTI!`, the individuals and the multi-animal /
 * unique body parts (a config already edited by hand, as DeepLabCut's guide does it, is taken as it is). Then every
 * single-animal label file gains the `individuals` level: the labels go under one individual, unique parts under
 * `single`. Running it again finishes a conversion that was interrupted.
 */
export async function convertToMultiAnimal(configPath: string, options: ConvertToMultiAnimalOptions = {}): Promise<{ files: string[]; individual: string }> {
  let project = loadProject(configPath);
  if (!project.multiAnimal) {
    convertConfig(project, options);
    project = loadProject(configPath);
  }
  const individual = options.individual ?? project.individuals[0];
  if (!project.individuals.includes(individual)) {
    throw new HerdError('USAGE', `--individual ${individual} is not one of the individuals (${project.individuals.join(', ')})`, { file: project.configPath });
  }
  const layout = projectLayout(project);
  const plans: PlannedRewrite[] = [];
  for (const { folder, file } of projectLabelFiles(project)) {
    const { table } = await readLabels(file);
    if (table.multiAnimal) continue;
    const placeOf = (_: string | undefined, bodypart: string) => ({
      individual: project.uniqueBodyparts.includes(bodypart) ? 'single' : individual,
      bodypart,
    });
    const { table: after, dropped } = relayoutLabels(table, layout, placeOf, folder);
    const lost = dropped.filter((part) => part.points > 0);
    if (lost.length > 0) {
      throw new HerdError('LABELS_WOULD_BE_LOST', `labels of ${lost.map((part) => part.bodypart).join(', ')} have no place in the multi-animal config`, { file });
    }
    plans.push({ folder, after, dropped });
  }
  return { files: await writePlanned(plans), individual };
}

/**
 * DeepLabCut's `merge_datasets`: once the frames of the current iteration are labeled (outlier frames refined and
 * merged into CollectedData), start the next iteration: `iteration` + 1 in config.yaml and its training-datasets folder.
 */
export async function mergeDatasets(configPath: string, options: { forceIterate?: number } = {}): Promise<{ iteration: number; labeledFrames: number; folders: number }> {
  const project = loadProject(configPath);
  const files = projectLabelFiles(project);
  if (files.length === 0) {
    throw new HerdError('NO_LABELS', `no CollectedData_${project.config.scorer} files in labeled-data/; label frames first`, { file: project.configPath });
  }
  for (const { folder, file } of files) {
    const machine = path.join(folder, `machinelabels-iter${project.config.iteration}.h5`);
    if (fs.existsSync(machine) && fs.statSync(machine).mtimeMs > fs.statSync(file).mtimeMs) {
      throw new HerdError('NOT_REFINED', `machine labels in ${path.basename(folder)} are newer than the labels: refine and save them first`, { file: machine });
    }
  }
  let labeledFrames = 0;
  for (const { file } of files) labeledFrames += (await readLabels(file)).table.images.length;
  const iteration = options.forceIterate ?? project.config.iteration + 1;
  editConfig(project.configPath, [{ key: ['iteration'], value: iteration }]);
  fs.mkdirSync(path.join(project.root, 'training-datasets', `iteration-${iteration}`), { recursive: true });
  return { iteration, labeledFrames, folders: files.length };
}
