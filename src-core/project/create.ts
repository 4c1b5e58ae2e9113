import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporarySibling, writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { probeVideo } from '../video';
import type { VideoInfo } from '../video/types';
import { formatConfig, isoDay, newProjectConfig } from './config';
import { editConfig } from './edit';
import { loadProject } from './load';
import { collectVideoPaths, formatCrop, projectVideos } from './videos';

export interface CreateProjectOptions {
  /** DeepLabCut's `project`: the task name. */
  task: string;
  /** DeepLabCut's `experimenter`: the scorer whose labels the project collects. */
  experimenter: string;
  /** Video files or folders of videos. */
  videos: string[];
  workingDirectory?: string;
  /** Copy videos into the project instead of symlinking them. */
  copyVideos?: boolean;
  /** Default true: Herd is made for multi-animal projects. */
  multiAnimal?: boolean;
  individuals?: string[];
  videotype?: string;
  /** Herd extras so a project can start with its real body parts. */
  bodyparts?: string[];
  uniqueBodyparts?: string[];
  skeleton?: Array<[string, string]>;
  date?: Date;
  ffmpeg?: string;
  signal?: AbortSignal;
}

export interface CreatedProject {
  configPath: string;
  root: string;
  videos: VideoInfo[];
}

const NAME_PATTERN = /^[^/\\\0]+$/;

function checkName(kind: string, name: string): void {
  if (!name || !NAME_PATTERN.test(name) || name === '.' || name === '..') {
    throw new HerdError('USAGE', `${kind} "${name}" cannot be used in a folder name`);
  }
}

/** Probe every video before anything is created, so a bad video leaves no half-made project. */
async function probeAll(videoPaths: string[], ffmpeg?: string): Promise<VideoInfo[]> {
  const stems = new Map<string, string>();
  const infos: VideoInfo[] = [];
  for (const video of videoPaths) {
    const stem = path.parse(video).name;
    const clash = stems.get(stem);
    if (clash) {
      throw new HerdError('VIDEO_NAME_CLASH', `two videos share the name "${stem}" (${clash}); labeled-data/${stem} would mix them`, {
        file: video,
      });
    }
    stems.set(stem, video);
    infos.push(await probeVideo(video, { ffmpeg }));
  }
  return infos;
}

/** Symlink a video into the project (copy when asked, or when the file system refuses links). */
function placeVideo(source: string, destination: string, copy: boolean): void {
  if (!copy) {
    try {
      fs.symlinkSync(source, destination);
      return;
    } catch {
      // Some file systems (FAT, network shares) have no symlinks: copy as DeepLabCut does.
    }
  }
  fs.copyFileSync(source, destination);
}

/**
 * DeepLabCut's `create_new_project`: `<Task>-<scorer>-<YYYY-MM-DD>/` with `videos/`, `labeled-data/<video>/`,
 * `training-datasets/`, `dlc-models-pytorch/` and a `config.yaml` with every key DeepLabCut writes.
 * The project is assembled in a temporary folder and renamed into place, so a failure leaves nothing behind.
 */
export async function createProject(options: CreateProjectOptions): Promise<CreatedProject> {
  checkName('task', options.task);
  checkName('experimenter', options.experimenter);
  const date = options.date ?? new Date();
  const workingDirectory = path.resolve(options.workingDirectory ?? '.');
  const root = path.join(workingDirectory, `${options.task}-${options.experimenter}-${isoDay(date)}`);
  if (fs.existsSync(root)) {
    throw new HerdError('PROJECT_EXISTS', 'a project with this name and date already exists; nothing was created', { file: root });
  }
  if (!fs.existsSync(workingDirectory)) {
    throw new HerdError('NO_WORKING_DIRECTORY', 'working directory does not exist', { file: workingDirectory });
  }
  const videoPaths = collectVideoPaths(options.videos, options.videotype);
  if (videoPaths.length === 0) throw new HerdError('NO_VIDEOS', 'a project needs at least one video');
  const infos = await probeAll(videoPaths, options.ffmpeg);

  const staging = temporarySibling(root);
  try {
    for (const folder of ['videos', 'labeled-data', 'training-datasets', 'dlc-models-pytorch']) {
      fs.mkdirSync(path.join(staging, folder), { recursive: true });
    }
    const videoSets: Record<string, { crop: string }> = {};
    for (const info of infos) {
      options.signal?.throwIfAborted();
      const name = path.basename(info.path);
      placeVideo(info.path, path.join(staging, 'videos', name), options.copyVideos ?? false);
      fs.mkdirSync(path.join(staging, 'labeled-data', path.parse(name).name));
      videoSets[path.join(root, 'videos', name)] = { crop: formatCrop({ x1: 0, x2: info.width, y1: 0, y2: info.height }) };
    }
    const config = newProjectConfig({
      task: options.task,
      scorer: options.experimenter,
      date,
      projectPath: root,
      videoSets,
      multiAnimal: options.multiAnimal ?? true,
      individuals: options.individuals,
      bodyparts: options.bodyparts,
      uniqueBodyparts: options.uniqueBodyparts,
      skeleton: options.skeleton,
    });
    writeFileAtomic(path.join(staging, 'config.yaml'), formatConfig(config));
    fs.renameSync(staging, root);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return { configPath: path.join(root, 'config.yaml'), root, videos: infos };
}

export interface AddVideosOptions {
  copyVideos?: boolean;
  videotype?: string;
  ffmpeg?: string;
}

export interface AddedVideos {
  added: VideoInfo[];
  /** Videos already in the project, left as they were. */
  skipped: string[];
}

/**
 * DeepLabCut's `add_new_videos`: link or copy videos into `videos/`, create their `labeled-data` folders and
 * add them to `video_sets` with the full-frame crop, keeping the config's comments. Bad videos stop it before any change.
 */
export async function addVideos(configPath: string, videos: string[], options: AddVideosOptions = {}): Promise<AddedVideos> {
  const project = loadProject(configPath);
  const known = new Set(projectVideos(project).map((video) => path.basename(video.configuredPath)));
  const candidates = collectVideoPaths(videos, options.videotype);
  const skipped = candidates.filter((video) => known.has(path.basename(video)));
  const fresh = candidates.filter((video) => !known.has(path.basename(video)));
  const infos = await probeAll(fresh, options.ffmpeg);
  const placed: string[] = [];
  const madeFolders: string[] = [];
  try {
    const edits = [];
    for (const info of infos) {
      const name = path.basename(info.path);
      const destination = path.join(project.root, 'videos', name);
      if (path.resolve(info.path) !== destination) {
        if (fs.existsSync(destination)) {
          throw new HerdError('FILE_EXISTS', 'a different file with this name is already in the project', { file: destination });
        }
        fs.mkdirSync(path.dirname(destination), { recursive: true });
        placeVideo(info.path, destination, options.copyVideos ?? false);
        placed.push(destination);
      }
      const labeledFolder = path.join(project.root, 'labeled-data', path.parse(name).name);
      if (!fs.existsSync(labeledFolder)) {
        fs.mkdirSync(labeledFolder, { recursive: true });
        madeFolders.push(labeledFolder);
      }
      const crop = formatCrop({ x1: 0, x2: info.width, y1: 0, y2: info.height });
      edits.push({ key: ['video_sets', destination], value: { crop } });
    }
    if (edits.length > 0) editConfig(project.configPath, edits);
  } catch (error) {
    for (const file of placed) fs.rmSync(file, { force: true });
    for (const folder of madeFolders) fs.rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return { added: infos, skipped };
}
