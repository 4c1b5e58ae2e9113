import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporarySibling, writeFileAtomic } from '../common/atomic';
import { encodePng } from '../common/png';
import { poseOffset } from '../common/pose';
import { silentProgress, ProgressCounter, type ProgressReporter } from '../common/progress';
import { frameImageName } from '../frames/naming';
import { formatDlcCsv, multiAnimalColumns } from '../io/dlc-csv';
import { createProject } from '../project/create';
import { decodeFrames } from '../video';
import type { SynthOptions } from './options';
import type { SynthScene } from './scene';
import { synthesize } from './write';

export interface SynthProjectOptions {
  synth?: Partial<SynthOptions>;
  workingDirectory: string;
  task?: string;
  scorer?: string;
  /** How many frames get labels in `labeled-data/<video>/` (spread evenly over the video). */
  labeledFrames?: number;
  date?: Date;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface SynthProject {
  configPath: string;
  root: string;
  videoPath: string;
  groundTruthCsvPath: string;
  groundTruthJsonPath: string;
  labeledFolder: string;
  labelsCsvPath: string;
  labeledFrameIndices: number[];
  scene: SynthScene;
}

/** A skeleton that reads like an animal: ears to the snout, then the spine and tail in order. */
export function synthSkeleton(bodyparts: string[]): Array<[string, string]> {
  const ears = bodyparts.filter((name) => name.endsWith('ear'));
  const axis = bodyparts.filter((name) => !ears.includes(name));
  const edges: Array<[string, string]> = [];
  for (const ear of ears) if (axis.length > 0) edges.push([axis[0], ear]);
  for (let i = 1; i < axis.length; i++) edges.push([axis[i - 1], axis[i]]);
  return edges;
}

/** Evenly spread frame indices, as DeepLabCut's uniform extraction picks them. */
export function evenlySpacedFrames(count: number, frames: number): number[] {
  const picks = Math.min(count, frames);
  return Array.from({ length: picks }, (_, i) => Math.floor(((i + 0.5) * frames) / picks));
}

/**
 * `herd synth --project`: a synthetic video inside a new project, with labeled frames extracted from the
 * encoded video (what a labeler would see) and labels for the points a labeler could see (occluded ones left empty).
 * The whole project is removed again if any step fails.
 */
export async function createSynthProject(options: SynthProjectOptions): Promise<SynthProject> {
  const progress = options.progress ?? silentProgress;
  const workingDirectory = path.resolve(options.workingDirectory);
  const staging = temporarySibling(path.join(workingDirectory, 'synth'));
  fs.mkdirSync(staging, { recursive: true });
  let root: string | undefined;
  try {
    const synth = await synthesize(options.synth ?? {}, staging, { progress, signal: options.signal });
    const { scene } = synth;
    const created = await createProject({
      task: options.task ?? 'synth',
      experimenter: options.scorer ?? 'herd',
      videos: [synth.videoPath],
      workingDirectory,
      copyVideos: true,
      individuals: scene.individuals,
      bodyparts: scene.bodyparts,
      uniqueBodyparts: scene.uniqueBodyparts,
      skeleton: synthSkeleton(scene.bodyparts),
      date: options.date,
      signal: options.signal,
    });
    root = created.root;
    const videosFolder = path.join(root, 'videos');
    const videoPath = path.join(videosFolder, path.basename(synth.videoPath));
    const groundTruthCsvPath = path.join(videosFolder, path.basename(synth.groundTruthCsvPath));
    const groundTruthJsonPath = path.join(videosFolder, path.basename(synth.sidecarPath));
    fs.renameSync(synth.groundTruthCsvPath, groundTruthCsvPath);
    fs.renameSync(synth.sidecarPath, groundTruthJsonPath);

    const stem = path.parse(videoPath).name;
    const labeledFolder = path.join(root, 'labeled-data', stem);
    const indices = evenlySpacedFrames(options.labeledFrames ?? 20, scene.frames);
    await extractFrames(videoPath, indices, scene.frames, labeledFolder, progress, options.signal);
    const scorer = options.scorer ?? 'herd';
    const labelsCsvPath = path.join(labeledFolder, `CollectedData_${scorer}.csv`);
    writeFileAtomic(labelsCsvPath, labelsCsv(scene, scorer, stem, indices));
    return {
      configPath: created.configPath,
      root,
      videoPath,
      groundTruthCsvPath,
      groundTruthJsonPath,
      labeledFolder,
      labelsCsvPath,
      labeledFrameIndices: indices,
      scene,
    };
  } catch (error) {
    if (root) fs.rmSync(root, { recursive: true, force: true });
    throw error;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** One pass over the video, saving the chosen frames as PNG. */
async function extractFrames(
  videoPath: string,
  indices: number[],
  frameCount: number,
  folder: string,
  progress: ProgressReporter,
  signal?: AbortSignal,
): Promise<void> {
  const wanted = new Set(indices);
  const end = Math.max(...indices) + 1;
  const counter = new ProgressCounter(progress, 'extract labeled frames', end);
  for await (const frame of decodeFrames(videoPath, { end, signal })) {
    if (wanted.has(frame.index)) {
      writeFileAtomic(path.join(folder, frameImageName(frame.index, frameCount)), encodePng(frame.data, frame.width, frame.height));
    }
    counter.add();
  }
  counter.finish();
}

/** Labels of the chosen frames in CollectedData layout; points hidden under another animal stay empty. */
function labelsCsv(scene: SynthScene, scorer: string, stem: string, indices: number[]): string {
  const columns = multiAnimalColumns(scene.individuals, scene.bodyparts, scene.uniqueBodyparts, ['x', 'y']);
  const values: number[] = [];
  const visibleOrNaN = (pose: typeof scene.poses, frame: number, individual: number, part: number) => {
    const at = poseOffset(pose, frame, individual, part);
    const visible = pose.data[at + 2] > 0;
    values.push(visible ? round2(pose.data[at]) : Number.NaN, visible ? round2(pose.data[at + 1]) : Number.NaN);
  };
  for (const frame of indices) {
    for (let i = 0; i < scene.individuals.length; i++) {
      for (let b = 0; b < scene.bodyparts.length; b++) visibleOrNaN(scene.poses, frame, i, b);
    }
    for (let u = 0; u < scene.uniqueBodyparts.length; u++) visibleOrNaN(scene.unique, frame, 0, u);
  }
  const index = indices.map((frame) => ['labeled-data', stem, frameImageName(frame, scene.frames)]);
  return formatDlcCsv({ scorer, columns, index, values });
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
