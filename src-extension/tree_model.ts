/**
 * The "Herd project" tree as plain data, built from a folder-listing function: videos, labeled-data folders,
 * training datasets and shuffles, models and snapshots, evaluation results, analyzed videos and their outputs.
 * Pure (no `vscode` import) so it is unit-tested on fixture folders or on an in-memory listing.
 *
 * Layout read (DeepLabCut 3, PyTorch engine; the TensorFlow folder names are read too):
 *   videos/<video>                                               + video_sets in config.yaml
 *   labeled-data/<stem>/img*.png, CollectedData_<scorer>.csv       (<stem>_labeled/ = check-labels output)
 *   training-datasets/iteration-<i>/UnaugmentedDataSet_<Task><date>/<Task>_<scorer><pct>shuffle<n>.pickle
 *   dlc-models-pytorch/iteration-<i>/<Task><date>-trainset<pct>shuffle<n>/train/snapshot-*.pt
 *   evaluation-results-pytorch/iteration-<i>/<Task><date>-trainset<pct>shuffle<n>/*
 *   <video folder>/<stem>DLC_*.{h5,csv,pickle}, <stem>DLC_*_labeled.mp4, plot-poses/<stem>/
 */
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface FolderEntry {
  name: string;
  isDirectory: boolean;
}

/** What the model reads from disk; `list` answers [] for a missing folder, `readText` undefined for a missing file. */
export interface ProjectFs {
  list(folder: string): Promise<FolderEntry[]>;
  readText(file: string): Promise<string | undefined>;
}

export interface VideoFacts {
  width: number;
  height: number;
  frameCount: number;
}

export type NodeKind =
  | 'section'
  | 'video'
  | 'missingVideo'
  | 'labeledFolder'
  | 'checkedLabels'
  | 'iteration'
  | 'dataset'
  | 'shuffle'
  | 'model'
  | 'snapshot'
  | 'evaluation'
  | 'analyzedVideo'
  | 'output'
  /** A table the refinement panel saved (`…_refined[_filtered].h5`): the pose-table steps can read it (--refined). */
  | 'refinedTable'
  | 'file'
  | 'message';

export type SectionId = 'videos' | 'labeled' | 'datasets' | 'models' | 'evaluation' | 'analyzed';

export interface TreeNode {
  kind: NodeKind;
  /** Unique in the tree (paths, prefixed by kind). */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** The file or folder the node stands for. */
  path?: string;
  children?: TreeNode[];
  /** Sections only. */
  section?: SectionId;
  /** Shuffle number (shuffles, models, evaluation results). */
  shuffle?: number;
}

export interface ProjectSummary {
  configPath: string;
  root: string;
  task: string;
  scorer: string;
  iteration: number;
  /** Configured video paths (keys of video_sets), in order. */
  videoSets: string[];
}

/** Task, scorer, iteration and video_sets from config.yaml's text; undefined when it is not a project config. */
export function summarizeConfig(configPath: string, text: string): ProjectSummary | undefined {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const config = data as Record<string, unknown>;
  if (!('Task' in config) || !('scorer' in config) || !('video_sets' in config)) return undefined;
  const sets = config.video_sets && typeof config.video_sets === 'object' ? Object.keys(config.video_sets as object) : [];
  return {
    configPath,
    root: path.dirname(configPath),
    task: String(config.Task ?? ''),
    scorer: String(config.scorer ?? ''),
    iteration: typeof config.iteration === 'number' ? config.iteration : 0,
    videoSets: sets,
  };
}

const VIDEO_EXTENSIONS = new Set(['.mp4', '.avi', '.mov', '.mkv', '.mpeg', '.mpg', '.m4v']);
const HEADER_FIRST_CELLS = new Set(['scorer', 'individuals', 'bodyparts', 'coords']);

/**
 * Rows of a CollectedData CSV (DeepLabCut's 3 or 4 header rows, then one row per image) that hold at least one
 * coordinate: the labeled frames.
 */
export function countLabeledRows(csv: string): { rows: number; labeled: number } {
  let rows = 0;
  let labeled = 0;
  for (const line of csv.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (HEADER_FIRST_CELLS.has(cells[0]!.trim())) continue;
    rows++;
    // Path columns: 1 (labeled-data/v/img.png) or 3 (labeled-data, v, img.png); coordinates are numbers.
    const firstValue = cells[0]!.startsWith('labeled-data') && cells.length > 3 && !cells[1]!.includes('.') && cells[2]!.endsWith('.png') ? 3 : 1;
    if (cells.slice(firstValue).some((cell) => cell.trim() !== '' && Number.isFinite(Number(cell)))) labeled++;
  }
  return { rows, labeled };
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, undefined, { numeric: true });

async function listSorted(fs: ProjectFs, folder: string): Promise<FolderEntry[]> {
  return (await fs.list(folder)).slice().sort(byName);
}

function message(id: string, text: string): TreeNode {
  return { kind: 'message', id: `message:${id}`, label: text };
}

// Section ids carry the project's config path, so switching projects never reuses the other project's nodes.
function section(project: ProjectSummary, sectionId: SectionId, label: string, children: TreeNode[], empty: string): TreeNode {
  return {
    kind: 'section',
    id: `section:${sectionId}:${project.configPath}`,
    label,
    section: sectionId,
    description: children.length > 0 ? String(children.length) : undefined,
    children: children.length > 0 ? children : [message(`${sectionId}:${project.configPath}`, empty)],
  };
}

export interface TreeOptions {
  /** Resolution and frame count of a video (cached by the caller); undefined when it cannot be read. */
  probe?: (file: string) => Promise<VideoFacts | undefined>;
}

/** The whole tree: one node per section, in workflow order. */
export async function buildProjectTree(summary: ProjectSummary, fs: ProjectFs, options: TreeOptions = {}): Promise<TreeNode[]> {
  const videos = await videoNodes(summary, fs, options);
  const [labeled, datasets, models, evaluation, analyzed] = await Promise.all([
    labeledNodes(summary, fs),
    datasetNodes(summary, fs),
    modelNodes(summary, fs),
    evaluationNodes(summary, fs),
    analyzedNodes(summary, fs, videos),
  ]);
  return [
    section(summary, 'videos', 'Videos', videos, 'no videos: run Herd: Add Videos…'),
    section(summary, 'labeled', 'Labeled data', labeled, 'no labeled data yet: run Herd: Extract Frames'),
    section(summary, 'datasets', 'Training datasets', datasets, 'none yet: run Herd: Create Training Dataset'),
    section(summary, 'models', 'Models', models, 'none yet: run Herd: Train Network'),
    section(summary, 'evaluation', 'Evaluation results', evaluation, 'none yet: run Herd: Evaluate Network'),
    section(summary, 'analyzed', 'Analyzed videos', analyzed, 'none yet: run Herd: Analyze Videos'),
  ];
}

async function exists(fs: ProjectFs, file: string): Promise<boolean> {
  const entries = await fs.list(path.dirname(file));
  return entries.some((entry) => entry.name === path.basename(file));
}

/** Where a configured video is: its path, or the project's videos/ copy (as DeepLabCut repairs moved projects). */
async function resolveVideo(summary: ProjectSummary, configured: string, fs: ProjectFs): Promise<string | undefined> {
  const absolute = path.isAbsolute(configured) ? configured : path.join(summary.root, configured);
  if (await exists(fs, absolute)) return absolute;
  const inVideos = path.join(summary.root, 'videos', path.basename(configured));
  return (await exists(fs, inVideos)) ? inVideos : undefined;
}

export function describeVideo(facts: VideoFacts | undefined): string | undefined {
  return facts ? `${facts.width}×${facts.height}, ${facts.frameCount} frames` : undefined;
}

async function videoNodes(summary: ProjectSummary, fs: ProjectFs, options: TreeOptions): Promise<TreeNode[]> {
  const nodes: TreeNode[] = [];
  const seen = new Set<string>();
  for (const configured of summary.videoSets) {
    const file = await resolveVideo(summary, configured, fs);
    if (!file) {
      nodes.push({ kind: 'missingVideo', id: `video:${configured}`, label: path.basename(configured), description: 'missing', tooltip: `${configured} (listed in video_sets) is not on disk` });
      continue;
    }
    seen.add(path.basename(file));
    nodes.push({ kind: 'video', id: `video:${file}`, label: path.basename(file), path: file, tooltip: file });
  }
  // Videos in videos/ that video_sets does not list (e.g. copied by hand).
  for (const entry of await listSorted(fs, path.join(summary.root, 'videos'))) {
    if (entry.isDirectory || seen.has(entry.name) || !VIDEO_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) continue;
    if (/DLC_.*_labeled\.\w+$/.test(entry.name) || /_labeled\.\w+$/.test(entry.name)) continue; // outputs, not inputs
    const file = path.join(summary.root, 'videos', entry.name);
    nodes.push({ kind: 'video', id: `video:${file}`, label: entry.name, path: file, description: 'not in video_sets', tooltip: file });
  }
  if (options.probe) {
    await Promise.all(
      nodes.map(async (node) => {
        if (node.kind !== 'video' || !node.path) return;
        const facts = await options.probe!(node.path).catch(() => undefined);
        const text = describeVideo(facts);
        if (text) node.description = node.description ? `${text} · ${node.description}` : text;
      }),
    );
  }
  return nodes;
}

async function labeledNodes(summary: ProjectSummary, fs: ProjectFs): Promise<TreeNode[]> {
  const base = path.join(summary.root, 'labeled-data');
  const nodes: TreeNode[] = [];
  for (const entry of await listSorted(fs, base)) {
    if (!entry.isDirectory) continue;
    const folder = path.join(base, entry.name);
    const files = await listSorted(fs, folder);
    const images = files.filter((file) => !file.isDirectory && /\.png$/i.test(file.name)).length;
    if (entry.name.endsWith('_labeled')) {
      nodes.push({ kind: 'checkedLabels', id: `labeled:${folder}`, label: entry.name, path: folder, description: `${images} checked images`, tooltip: folder });
      continue;
    }
    const csv = files.find((file) => /^CollectedData_.*\.csv$/.test(file.name));
    const counted = csv ? countLabeledRows((await fs.readText(path.join(folder, csv.name))) ?? '') : undefined;
    const labeled = counted?.labeled ?? 0;
    nodes.push({
      kind: 'labeledFolder',
      id: `labeled:${folder}`,
      label: entry.name,
      path: folder,
      description: `${labeled}/${images} frames labeled`,
      tooltip: `${folder}\n${images} frames (img*.png), ${labeled} labeled${csv ? ` in ${csv.name}` : ' (no CollectedData file yet)'}`,
    });
  }
  return nodes;
}

/** Iteration folders (iteration-0, iteration-1, …) under `base`, newest last. */
async function iterations(fs: ProjectFs, base: string): Promise<Array<{ name: string; folder: string }>> {
  return (await listSorted(fs, base)).filter((entry) => entry.isDirectory && /^iteration-\d+$/.test(entry.name)).map((entry) => ({ name: entry.name, folder: path.join(base, entry.name) }));
}

/** `trainset95shuffle1` → { fraction: 95, shuffle: 1 }. */
export function parseTrainsetShuffle(name: string): { fraction?: number; shuffle?: number } {
  const match = /(?:trainset)?(\d+)shuffle(\d+)/.exec(name);
  return match ? { fraction: Number(match[1]), shuffle: Number(match[2]) } : {};
}

async function datasetNodes(summary: ProjectSummary, fs: ProjectFs): Promise<TreeNode[]> {
  const base = path.join(summary.root, 'training-datasets');
  const nodes: TreeNode[] = [];
  for (const iteration of await iterations(fs, base)) {
    const children: TreeNode[] = [];
    for (const dataset of await listSorted(fs, iteration.folder)) {
      if (!dataset.isDirectory) continue;
      const folder = path.join(iteration.folder, dataset.name);
      const shuffles = new Map<number, TreeNode>();
      for (const file of await listSorted(fs, folder)) {
        if (file.isDirectory || file.name.startsWith('Documentation_')) continue;
        const { fraction, shuffle } = parseTrainsetShuffle(file.name);
        if (shuffle === undefined || shuffles.has(shuffle)) continue;
        shuffles.set(shuffle, {
          kind: 'shuffle',
          id: `shuffle:${folder}:${shuffle}`,
          label: `shuffle ${shuffle}`,
          description: fraction !== undefined ? `${fraction}% train` : undefined,
          path: path.join(folder, file.name),
          shuffle,
        });
      }
      const list = [...shuffles.values()].sort((a, b) => a.shuffle! - b.shuffle!);
      children.push({ kind: 'dataset', id: `dataset:${folder}`, label: dataset.name, path: folder, description: `${list.length} shuffle${list.length === 1 ? '' : 's'}`, children: list });
    }
    nodes.push({ kind: 'iteration', id: `datasets:${iteration.folder}`, label: iteration.name, path: iteration.folder, children });
  }
  return nodes;
}

const MODEL_FOLDERS = ['dlc-models-pytorch', 'dlc-models'];

async function modelNodes(summary: ProjectSummary, fs: ProjectFs): Promise<TreeNode[]> {
  const nodes: TreeNode[] = [];
  for (const modelFolder of MODEL_FOLDERS) {
    for (const iteration of await iterations(fs, path.join(summary.root, modelFolder))) {
      const children: TreeNode[] = [];
      for (const model of await listSorted(fs, iteration.folder)) {
        if (!model.isDirectory) continue;
        const folder = path.join(iteration.folder, model.name);
        const { fraction, shuffle } = parseTrainsetShuffle(model.name);
        const train = path.join(folder, 'train');
        const snapshots = (await listSorted(fs, train))
          .filter((file) => !file.isDirectory && /^(snapshot-.*\.(pt|index|onnx|safetensors)|model\.onnx)$/.test(file.name))
          .map<TreeNode>((file) => ({ kind: 'snapshot', id: `snapshot:${train}/${file.name}`, label: file.name, path: path.join(train, file.name), shuffle }));
        children.push({
          kind: 'model',
          id: `model:${folder}`,
          label: shuffle !== undefined ? `shuffle ${shuffle}` : model.name,
          description: `${fraction !== undefined ? `${fraction}% train · ` : ''}${snapshots.length} snapshot${snapshots.length === 1 ? '' : 's'}`,
          tooltip: folder,
          path: folder,
          shuffle,
          children: snapshots,
        });
      }
      const engine = modelFolder === 'dlc-models' ? ' (TensorFlow)' : '';
      nodes.push({ kind: 'iteration', id: `models:${iteration.folder}`, label: `${iteration.name}${engine}`, path: iteration.folder, children });
    }
  }
  return nodes;
}

async function evaluationNodes(summary: ProjectSummary, fs: ProjectFs): Promise<TreeNode[]> {
  const nodes: TreeNode[] = [];
  for (const base of ['evaluation-results-pytorch', 'evaluation-results']) {
    for (const iteration of await iterations(fs, path.join(summary.root, base))) {
      const children: TreeNode[] = [];
      for (const result of await listSorted(fs, iteration.folder)) {
        const folder = path.join(iteration.folder, result.name);
        if (!result.isDirectory) {
          children.push({ kind: 'file', id: `file:${folder}`, label: result.name, path: folder });
          continue;
        }
        const { shuffle } = parseTrainsetShuffle(result.name);
        const files = (await listSorted(fs, folder)).map<TreeNode>((file) => ({
          kind: 'file',
          id: `file:${folder}/${file.name}`,
          label: file.name,
          path: path.join(folder, file.name),
        }));
        children.push({ kind: 'evaluation', id: `evaluation:${folder}`, label: shuffle !== undefined ? `shuffle ${shuffle}` : result.name, description: result.name, path: folder, shuffle, children: files });
      }
      nodes.push({ kind: 'iteration', id: `evaluation:${iteration.folder}`, label: iteration.name, path: iteration.folder, children });
    }
  }
  return nodes;
}

/** What kind of output a file next to a video is, from DeepLabCut's names (and Herd's detections file). */
export function describeOutput(name: string): string {
  if (/_labeled\.\w+$/.test(name)) return 'labeled video';
  if (/_tracklets\.\w+$/.test(name)) return 'tracklets video';
  if (/_full\.(mp4|avi|mov)$/.test(name)) return 'all-detections video';
  if (name.endsWith('_full.pickle') || name.endsWith('_detections.safetensors')) return 'detections';
  if (name.endsWith('.tracklets.safetensors')) return 'tracklets';
  if (name.endsWith('.nwb')) return 'NWB export';
  if (name.endsWith('.analysis.h5')) return 'SLEAP analysis export';
  if (name.endsWith('_assemblies.pickle')) return 'assemblies';
  if (name.endsWith('_meta.pickle')) return 'metadata';
  if (/\.pickle$/.test(name)) return 'tracklets';
  const refined = /(_el|_bx|_sk|_id|_ctd|_tr)(_filtered)?_refined(_filtered)?\.(h5|csv)$/.exec(name);
  if (refined) return `${refined[3] ? 'filtered ' : ''}refined tracks (${refined[1]!.slice(1)})`;
  const method = /(_el|_bx|_sk|_id|_ctd|_tr)(_filtered)?\.(h5|csv)$/.exec(name);
  if (method) return `${method[2] ? 'filtered ' : ''}tracks (${method[1]!.slice(1)})`;
  if (/_filtered\.(h5|csv)$/.test(name)) return 'filtered predictions';
  if (/\.(h5|csv)$/.test(name)) return 'predictions';
  return '';
}

/** What `herd <step> --refined` reads (`--filtered` too for `_refined_filtered`). */
export const REFINED_TABLE = /_refined(_filtered)?\.(h5|csv)$/;

async function analyzedNodes(summary: ProjectSummary, fs: ProjectFs, videos: TreeNode[]): Promise<TreeNode[]> {
  const folders = new Set<string>([path.join(summary.root, 'videos')]);
  for (const video of videos) if (video.path) folders.add(path.dirname(video.path));
  const nodes: TreeNode[] = [];
  for (const folder of folders) {
    const entries = await listSorted(fs, folder);
    const videoFiles = entries.filter((entry) => !entry.isDirectory && VIDEO_EXTENSIONS.has(path.extname(entry.name).toLowerCase()) && !entry.name.includes('DLC'));
    const plotFolder = path.join(folder, 'plot-poses');
    const plots = new Set((await fs.list(plotFolder)).filter((entry) => entry.isDirectory).map((entry) => entry.name));
    for (const video of videoFiles) {
      const stem = path.parse(video.name).name;
      const outputs = entries
        .filter((entry) => !entry.isDirectory && entry.name.startsWith(`${stem}DLC`))
        .map<TreeNode>((entry) => ({
          kind: REFINED_TABLE.test(entry.name) ? 'refinedTable' : 'output',
          id: `output:${folder}/${entry.name}`,
          label: entry.name,
          description: describeOutput(entry.name),
          path: path.join(folder, entry.name),
        }));
      if (plots.has(stem)) outputs.push({ kind: 'output', id: `output:${plotFolder}/${stem}`, label: `plot-poses/${stem}`, description: 'plots', path: path.join(plotFolder, stem) });
      if (outputs.length === 0) continue;
      nodes.push({ kind: 'analyzedVideo', id: `analyzed:${folder}/${stem}`, label: stem, description: `${outputs.length} output${outputs.length === 1 ? '' : 's'}`, path: path.join(folder, video.name), tooltip: path.join(folder, video.name), children: outputs });
    }
  }
  return nodes;
}
