import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporarySibling } from '../common/atomic';
import { poseOffset, type PoseArray } from '../common/pose';
import { silentProgress, type ProgressReporter } from '../common/progress';
import { frameImageName, uniformFrameIndices, writeFramePngs } from '../frames';
import { UNIQUE_INDIVIDUAL } from '../io/dlc-csv';
import { addImage, createLabelTable, saveLabels, setPoint, type LabelTable } from '../labels';
import { createProject } from '../project/create';
import { probeVideo } from '../video';
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
  labelsH5Path: string;
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
    const indices = uniformFrameIndices(0, scene.frames, options.labeledFrames ?? 20);
    const info = await probeVideo(videoPath);
    await writeFramePngs(videoPath, info, indices, labeledFolder, { progress, task: 'extract labeled frames', signal: options.signal });
    const scorer = options.scorer ?? 'herd';
    const [labelsH5Path, labelsCsvPath] = await saveLabels(labeledFolder, labelTable(scene, scorer, stem, indices), { formats: ['h5', 'csv'] });
    return {
      configPath: created.configPath,
      root,
      videoPath,
      groundTruthCsvPath,
      groundTruthJsonPath,
      labeledFolder,
      labelsCsvPath,
      labelsH5Path,
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

/** Labels of the chosen frames; points hidden under another animal stay empty, as a labeler would leave them. */
function labelTable(scene: SynthScene, scorer: string, stem: string, indices: number[]): LabelTable {
  const table = createLabelTable({
    scorer,
    individuals: scene.individuals,
    bodyparts: scene.bodyparts,
    uniqueBodyparts: scene.uniqueBodyparts,
  });
  const label = (image: string, pose: PoseArray, frame: number, individual: number, part: number, name: string, owner: string) => {
    const at = poseOffset(pose, frame, individual, part);
    if (pose.data[at + 2] > 0) setPoint(table, image, owner, name, round2(pose.data[at]), round2(pose.data[at + 1]));
  };
  for (const frame of indices) {
    const image = `labeled-data/${stem}/${frameImageName(frame, scene.frames)}`;
    addImage(table, image);
    scene.individuals.forEach((individual, i) => scene.bodyparts.forEach((part, b) => label(image, scene.poses, frame, i, b, part, individual)));
    scene.uniqueBodyparts.forEach((part, u) => label(image, scene.unique, frame, 0, u, part, UNIQUE_INDIVIDUAL));
  }
  return table;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
