import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import type { CropBox } from '../video/types';
import type { Project } from './load';

/** Extensions tried when a folder is given without `--videotype` (DeepLabCut's usual ones). */
export const VIDEO_EXTENSIONS = ['.mp4', '.avi', '.mov', '.mkv', '.mpeg', '.mpg', '.m4v'];

function normaliseExtension(videotype: string): string {
  return videotype.startsWith('.') ? videotype.toLowerCase() : `.${videotype.toLowerCase()}`;
}

/**
 * Expand files and folders into video files, as DeepLabCut's `collect_video_paths` does: a folder
 * contributes its videos of `videotype` (or any known video extension), a file is taken as given.
 */
/** Videos rendered from an analysis (labeled, all-detections, tracklets videos: `<video><scorer>…_labeled.mp4`…) are not
 *  recordings; DeepLabCut leaves them out of folders of videos too. */
export function isRenderedVideo(file: string): boolean {
  return /(DLC|DeepCut)_.*_(full|labeled|tracklets)$/.test(path.parse(file).name);
}

/** The videos named by `inputs`: files as given, and the videos in folders (not the videos Herd rendered there). */
export function collectVideoPaths(inputs: string[], videotype?: string): string[] {
  const extensions = videotype ? [normaliseExtension(videotype)] : VIDEO_EXTENSIONS;
  const videos: string[] = [];
  for (const input of inputs) {
    const absolute = path.resolve(input);
    if (!fs.existsSync(absolute)) throw new HerdError('VIDEO_NOT_FOUND', 'no such video file or folder', { file: absolute });
    if (fs.statSync(absolute).isDirectory()) {
      const found = fs
        .readdirSync(absolute)
        .filter((name) => extensions.includes(path.extname(name).toLowerCase()) && !name.startsWith('.') && !isRenderedVideo(name))
        .sort()
        .map((name) => path.join(absolute, name));
      if (found.length === 0) {
        throw new HerdError('NO_VIDEOS', `no ${extensions.join('/')} videos in this folder`, { file: absolute });
      }
      videos.push(...found);
    } else {
      videos.push(absolute);
    }
  }
  return videos;
}

/** `crop: "x1, x2, y1, y2"` as DeepLabCut writes it in `video_sets`. */
export function formatCrop(crop: CropBox): string {
  return `${crop.x1}, ${crop.x2}, ${crop.y1}, ${crop.y2}`;
}

export function parseCrop(text: unknown): CropBox | undefined {
  if (typeof text !== 'string' && !Array.isArray(text)) return undefined;
  const parts = (Array.isArray(text) ? text : text.split(',')).map((part) => Number(String(part).trim()));
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part))) return undefined;
  const [x1, x2, y1, y2] = parts;
  return { x1, x2, y1, y2 };
}

export interface ProjectVideo {
  /** The key in `video_sets`. */
  configuredPath: string;
  /** Where the file really is: the configured path, or the project's `videos/` copy after a move; undefined if neither exists. */
  path: string | undefined;
  crop: CropBox | undefined;
  /** The stem that names `labeled-data/<stem>/`. */
  stem: string;
}

/** The videos of a project, with paths repaired for projects that were moved (DeepLabCut does the same). */
export function projectVideos(project: Project): ProjectVideo[] {
  const sets = project.config.video_sets ?? {};
  return Object.entries(sets).map(([configuredPath, settings]) => {
    const inVideosFolder = path.join(project.root, 'videos', path.basename(configuredPath));
    const resolved = [configuredPath, inVideosFolder].find((candidate) => fs.existsSync(candidate));
    return {
      configuredPath,
      path: resolved,
      crop: parseCrop(settings?.crop),
      stem: path.parse(configuredPath).name,
    };
  });
}
