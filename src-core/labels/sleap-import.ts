import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import type { ProgressReporter } from '../common/progress';
import { frameImageName, writeFramePngs } from '../frames';
import { readSlp, type SleapInstance, type SleapLabels } from '../io/sleap';
import { createProject } from '../project/create';
import { saveLabels } from './files';
import { addImage, createLabelTable, setPoint } from './table';

export interface ImportSleapOptions {
  experimenter: string;
  /** Task name of the new project (default: the .slp file's name). */
  task?: string;
  workingDirectory?: string;
  /** Also import predicted instances that no user instance replaced (default: user instances only). */
  includePredicted?: boolean;
  /** Where to look for the videos when the paths stored in the .slp do not exist here. */
  videoFolder?: string;
  copyVideos?: boolean;
  date?: Date;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface ImportedSleap {
  configPath: string;
  root: string;
  individuals: string[];
  bodyparts: string[];
  labeledFrames: number;
  /** Names that had to change to be valid DeepLabCut names (spaces → underscores). */
  renamed: Record<string, string>;
}

/** DeepLabCut names cannot hold spaces (they end up in column headers and file names). */
function dlcName(name: string): string {
  return name.trim().replace(/\s+/g, '_');
}

/** The instances a frame contributes: user ones, plus predictions nobody corrected when asked for. */
function chosenInstances(instances: SleapInstance[], includePredicted: boolean): SleapInstance[] {
  const corrected = new Set(instances.filter((i) => i.kind === 'user' && i.fromPredicted >= 0).map((i) => i.fromPredicted));
  return instances.filter((instance, index) => instance.kind === 'user' || (includePredicted && !corrected.has(index)));
}

/**
 * Tracks become individuals; untracked instances (or a second instance on one track) fill extra
 * slots `individual1…` so that every labeled animal keeps its points.
 */
function assignIndividuals(labels: SleapLabels, includePredicted: boolean) {
  const trackNames = labels.tracks.map(dlcName);
  let extraSlots = 0;
  const perFrame = labels.frames.map((frame) => {
    const used = new Set<number>();
    let extra = 0;
    const slots = chosenInstances(frame.instances, includePredicted).map((instance) => {
      if (instance.track >= 0 && instance.track < trackNames.length && !used.has(instance.track)) {
        used.add(instance.track);
        return { instance, slot: instance.track };
      }
      return { instance, slot: trackNames.length + extra++ };
    });
    extraSlots = Math.max(extraSlots, extra);
    return slots;
  });
  const taken = new Set(trackNames);
  const extras: string[] = [];
  for (let k = 1; extras.length < extraSlots; k++) if (!taken.has(`individual${k}`)) extras.push(`individual${k}`);
  const individuals = [...trackNames, ...extras];
  return { individuals: individuals.length > 0 ? individuals : ['individual1'], perFrame };
}

function resolveVideo(stored: string, slpPath: string, videoFolder?: string): string | undefined {
  const base = path.basename(stored.replace(/\\/g, '/'));
  const candidates = [stored, path.resolve(path.dirname(slpPath), stored), path.join(path.dirname(slpPath), base)];
  if (videoFolder) candidates.push(path.join(videoFolder, base));
  return candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

/**
 * SLEAP labels → a new Herd/DeepLabCut project: nodes become body parts, skeleton edges the skeleton,
 * tracks the individuals; labeled frames are extracted from the videos into `labeled-data/<video>/`
 * with their points in `CollectedData_<experimenter>.h5/.csv`. Nothing is left behind on failure.
 */
export async function importSleap(slpPath: string, options: ImportSleapOptions): Promise<ImportedSleap> {
  const labels = await readSlp(slpPath);
  const includePredicted = options.includePredicted ?? false;
  const renamed: Record<string, string> = {};
  const bodyparts = labels.nodes.map((node) => {
    const name = dlcName(node);
    if (name !== node) renamed[node] = name;
    return name;
  });
  for (const track of labels.tracks) if (dlcName(track) !== track) renamed[track] = dlcName(track);
  if (new Set(bodyparts).size !== bodyparts.length) {
    throw new HerdError('SLEAP_FORMAT', 'two skeleton nodes have the same name once spaces become underscores', { file: labels.file });
  }
  const { individuals, perFrame } = assignIndividuals(labels, includePredicted);

  const usedVideos = [...new Set(labels.frames.map((frame) => frame.video))].sort((a, b) => a - b);
  if (usedVideos.length === 0) throw new HerdError('SLEAP_EMPTY', 'the file has no labeled frames', { file: labels.file });
  const videoFiles = usedVideos.map((index) => {
    const stored = labels.videos[index]?.filename ?? `video ${index}`;
    const found = resolveVideo(stored, labels.file, options.videoFolder);
    if (!found) {
      const embedded = labels.videos[index]?.embeddedGroup ? ' (its embedded images are not imported yet; export the .slp with its source video)' : '';
      throw new HerdError('VIDEO_NOT_FOUND', `video "${stored}" of this SLEAP file was not found next to it or in --video-folder${embedded}`, { file: labels.file });
    }
    return found;
  });

  const created = await createProject({
    task: options.task ?? path.parse(slpPath).name,
    experimenter: options.experimenter,
    videos: videoFiles,
    workingDirectory: options.workingDirectory,
    copyVideos: options.copyVideos,
    individuals,
    bodyparts,
    skeleton: labels.edges.map(([a, b]) => [bodyparts[a], bodyparts[b]] as [string, string]),
    date: options.date,
    signal: options.signal,
  });
  try {
    let labeledFrames = 0;
    for (const [position, videoIndex] of usedVideos.entries()) {
      const info = created.videos[position];
      const stem = path.parse(info.path).name;
      const folder = path.join(created.root, 'labeled-data', stem);
      const frames = labels.frames.map((frame, i) => ({ frame, slots: perFrame[i] })).filter(({ frame }) => frame.video === videoIndex);
      const outside = frames.find(({ frame }) => frame.frameIndex >= info.frameCount);
      if (outside) {
        throw new HerdError('SLEAP_FORMAT', `frame ${outside.frame.frameIndex} is beyond the ${info.frameCount} frames of ${info.path}`, { file: labels.file });
      }
      const videoInProject = path.join(created.root, 'videos', path.basename(info.path));
      await writeFramePngs(videoInProject, info, frames.map(({ frame }) => frame.frameIndex), folder, {
        progress: options.progress,
        task: `extract labeled frames of ${stem}`,
        signal: options.signal,
      });
      const table = createLabelTable({ scorer: options.experimenter, individuals, bodyparts });
      for (const { frame, slots } of frames) {
        const image = `labeled-data/${stem}/${frameImageName(frame.frameIndex, info.frameCount)}`;
        addImage(table, image);
        for (const { instance, slot } of slots) {
          for (let k = 0; k < bodyparts.length; k++) {
            const x = instance.points[2 * k];
            const y = instance.points[2 * k + 1];
            if (Number.isFinite(x) && Number.isFinite(y)) setPoint(table, image, individuals[slot], bodyparts[k], x, y);
          }
        }
      }
      await saveLabels(folder, table);
      labeledFrames += frames.length;
    }
    return { configPath: created.configPath, root: created.root, individuals, bodyparts, labeledFrames, renamed };
  } catch (error) {
    fs.rmSync(created.root, { recursive: true, force: true });
    throw error;
  }
}
