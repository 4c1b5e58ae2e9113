// The frame grabber's host side without VS Code (issue 9): one video of a project, its frames decoded for the
// scrubber (video-frames.ts, through src-core/video), "grab frame" through src-core's extractFrames in manual mode
// (so the PNG is exactly what `herd extract-frames --mode manual --frames N` writes), the labeled-data folder's
// frames with their near-duplicate groups (src-core/frames/duplicates.ts), and deleting frames — the rows of labeled
// ones removed from every CollectedData_<scorer> file first (src-core/labels, atomic writes), only once the panel
// confirmed. grabber-panel.ts wires it to a WebviewPanel; tests drive it directly (test/webviews/grabber-host.test.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../src-core/common/errors';
import { DEFAULT_DUPLICATE_THRESHOLD, findNearDuplicates, imageThumbnail, type FrameThumbnail } from '../src-core/frames/duplicates';
import { extractFrames } from '../src-core/frames/extract';
import { frameImageName } from '../src-core/frames/naming';
import { readLabels, saveLabelsTo, scorerFromFileName } from '../src-core/labels/files';
import { isEmptyRow, type LabelTable } from '../src-core/labels/table';
import { loadProject } from '../src-core/project/load';
import { projectVideos } from '../src-core/project/videos';
import { readFrameRange } from '../src-core/video/decode';
import { probeVideo } from '../src-core/video/probe';
import type { VideoInfo } from '../src-core/video/types';
import { encodeBytes, parseGrabberMessage, type GrabberFrame, type GrabberHostToPanel } from '../webviews/shared/messages';
import { VideoFrameCache, type FrameRangeReader } from './video-frames';

/** Images the grid shows (what the labeling panel shows too). */
const IMAGE = /\.(png|jpe?g)$/i;
const FRAME_IMAGE = /^img(\d+)\.png$/;

export interface GrabberOptions {
  /** The project's config.yaml; default: `config.yaml` above the video's folder (`<project>/videos/<video>`). */
  configPath?: string;
  ffmpeg?: string;
  /** The webview URI of a file in the labeled-data folder (asWebviewUri). */
  toUri(file: string): string;
  /** Removes a file — to the OS trash where the host can (the panel passes vscode.workspace.fs.delete with useTrash). */
  remove(file: string): Promise<void>;
  /**
   * Why frames of `folder` may not be deleted now, if so: an open labeling panel would save the deleted rows back.
   */
  deleteBlockedBy?(folder: string): string | undefined;
  /** Called after a grab added a frame to `folder` (an open labeling panel shows it). */
  onFrameAdded?(folder: string): void;
  /** Frames [start, end) of the video; default src-core's readFrameRange. */
  frames?: FrameRangeReader;
}

/** Where a project video's frames go: `labeled-data/<stem>` of its video_sets entry. */
export interface GrabberPlace {
  configPath: string;
  /** The video's key in video_sets (what extractFrames is told). */
  configuredPath: string;
  stem: string;
  folder: string;
}

/** The video's entry in the project's video_sets, or a HerdError saying it is not there. */
export function grabberPlace(configPath: string, video: string): GrabberPlace {
  const project = loadProject(configPath);
  const resolved = path.resolve(video);
  const entries = projectVideos(project);
  const entry = entries.find((e) => (e.path !== undefined && path.resolve(e.path) === resolved) || path.resolve(project.root, e.configuredPath) === resolved);
  if (!entry) {
    throw new HerdError(
      'VIDEO_NOT_IN_PROJECT',
      `${path.basename(video)} is not in the project's video_sets, so frames cannot be extracted from it; add it with Herd: Add Videos… first`,
      { file: project.configPath },
    );
  }
  return { configPath: project.configPath, configuredPath: entry.configuredPath, stem: entry.stem, folder: path.join(project.root, 'labeled-data', entry.stem) };
}

/** The config.yaml a video belongs to by the project layout (`<project>/videos/<video>`), if there is one. */
export function configBeside(video: string): string | undefined {
  const candidate = path.resolve(path.dirname(video), '..', 'config.yaml');
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** The label files of a labeled-data folder: every `CollectedData_<scorer>.h5` / `.csv`, by name. */
export function labelFiles(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => scorerFromFileName(name) !== undefined)
    .sort()
    .map((name) => path.join(folder, name));
}

/** Row numbers of a table whose image is `labeled-data/<folder name>/<name>`, by name. */
function rowsByName(table: LabelTable, folder: string): Map<string, number> {
  const rows = new Map<string, number>();
  const stem = path.basename(folder);
  table.images.forEach((image, row) => {
    const parts = image.split('/');
    if (parts.length === 3 && parts[0] === 'labeled-data' && parts[1] === stem) rows.set(parts[2], row);
  });
  return rows;
}

function withoutRows(table: LabelTable, drop: Set<number>): LabelTable {
  const keep = table.images.map((_, row) => row).filter((row) => !drop.has(row));
  const width = table.columns.length;
  const values = new Float64Array(keep.length * width);
  keep.forEach((row, i) => values.set(table.values.subarray(row * width, (row + 1) * width), i * width));
  return { ...table, images: keep.map((row) => table.images[row]), values };
}

/** Names of the folder's images that have at least one label in some label file. Unreadable label files are skipped here (deleting reads them strictly). */
export async function labeledNames(folder: string): Promise<Set<string>> {
  const labeled = new Set<string>();
  for (const file of labelFiles(folder)) {
    try {
      const { table } = await readLabels(file, { checkImages: false });
      for (const [name, row] of rowsByName(table, folder)) if (!isEmptyRow(table, row)) labeled.add(name);
    } catch {
      // shown unlabeled; a delete reads the file again and stops on its error
    }
  }
  return labeled;
}

/** The folder's images in name order, with their frame index and whether they are labeled. */
export async function folderFrames(folder: string, toUri: (file: string) => string): Promise<GrabberFrame[]> {
  if (!fs.existsSync(folder)) return [];
  const labeled = await labeledNames(folder);
  return fs
    .readdirSync(folder)
    .filter((name) => IMAGE.test(name) && !name.startsWith('.'))
    .sort()
    .map((name) => {
      const match = FRAME_IMAGE.exec(name);
      return { name, ...(match ? { index: Number(match[1]) } : {}), src: toUri(path.join(folder, name)), labeled: labeled.has(name) };
    });
}

export interface DeleteResult {
  deleted: string[];
  labelFiles: string[];
}

/**
 * Deletes images of a labeled-data folder consistently: every CollectedData_<scorer> file (.h5 and .csv, each read
 * and rewritten on its own, atomically, other rows exactly as they were) first loses the rows of those images — a
 * file left without rows is removed — and only then are the images removed. Labeled images (a row with a label)
 * need `confirmLabeled`; without it a HerdError LABELED_FRAMES lists them and nothing changes. Any unreadable label
 * file stops the delete before anything changes.
 */
export async function deleteFrames(folder: string, names: string[], options: { confirmLabeled: boolean; remove(file: string): Promise<void> }): Promise<DeleteResult> {
  for (const name of names) {
    if (name !== path.basename(name) || name.includes('\\') || name === '..' || !IMAGE.test(name)) throw new HerdError('INVALID_OPTION', `"${name}" is not an image name of ${path.basename(folder)}`);
    if (!fs.existsSync(path.join(folder, name))) throw new HerdError('FRAME_NOT_FOUND', `${name} is not in ${folder} (deleted already?)`, { file: path.join(folder, name) });
  }
  const wanted = new Set(names);
  const edits: Array<{ file: string; table: LabelTable; drop: Set<number> }> = [];
  const labeled = new Set<string>();
  for (const file of labelFiles(folder)) {
    const { table } = await readLabels(file, { checkImages: false });
    const drop = new Set<number>();
    for (const [name, row] of rowsByName(table, folder)) {
      if (!wanted.has(name)) continue;
      drop.add(row);
      if (!isEmptyRow(table, row)) labeled.add(name);
    }
    if (drop.size > 0) edits.push({ file, table, drop });
  }
  if (labeled.size > 0 && !options.confirmLabeled) {
    const list = [...labeled].sort();
    throw new HerdError('LABELED_FRAMES', `${list.join(', ')} ${list.length === 1 ? 'has' : 'have'} labels; confirm to delete ${list.length === 1 ? 'it' : 'them'} with ${list.length === 1 ? 'its' : 'their'} labels`, { file: folder });
  }
  const changed: string[] = [];
  for (const { file, table, drop } of edits) {
    const rest = withoutRows(table, drop);
    if (rest.images.length === 0) await options.remove(file);
    else await saveLabelsTo([file], rest, { keepEmptyRows: true });
    changed.push(file);
  }
  const deleted: string[] = [];
  for (const name of [...wanted].sort()) {
    const file = path.join(folder, name);
    await options.remove(file);
    deleted.push(file);
  }
  return { deleted, labelFiles: changed };
}

/**
 * One video's grabber: answers the panel's messages. `grabber-ready` → `grabber-init`; `grabber-get-frame` →
 * `grabber-frame` (a few frames ahead cached); `grabber-grab` → `grabber-grabbed` (an existing frame is refused,
 * never overwritten); `grabber-find-duplicates` → `grabber-duplicates`; `grabber-delete` → `grabber-deleted`.
 * Failures are `grabber-error`; malformed messages are ignored.
 */
export class GrabberSession {
  private info: VideoInfo | undefined;
  private place: GrabberPlace | undefined;
  private placeError: string | undefined;
  private readonly cache: VideoFrameCache;
  private readonly thumbnails = new Map<string, { stamp: string; thumbnail: FrameThumbnail }>();

  constructor(
    readonly video: string,
    private readonly options: GrabberOptions,
  ) {
    const ffmpeg = options.ffmpeg;
    this.cache = new VideoFrameCache(options.frames ?? ((info, start, end) => readFrameRange(info.path, start, end, { ffmpeg, info })));
  }

  /** The labeled-data folder (known after `grabber-ready`; undefined when the video is not in video_sets). */
  get folder(): string | undefined {
    return this.place?.folder;
  }

  async handle(raw: unknown): Promise<GrabberHostToPanel | undefined> {
    const message = parseGrabberMessage(raw);
    if (!message) return undefined;
    try {
      switch (message.type) {
        case 'grabber-ready': {
          const info = await this.open();
          return {
            type: 'grabber-init',
            video: this.video,
            width: info.width,
            height: info.height,
            fps: info.fps,
            frameCount: info.frameCount,
            ...(this.place ? { folder: this.place.folder } : { grabDisabled: this.placeError ?? 'the video is not in a project' }),
            frames: await this.frames(),
            threshold: DEFAULT_DUPLICATE_THRESHOLD,
          };
        }
        case 'grabber-get-frame': {
          const frame = await this.cache.frame(this.info ?? (await this.open()), message.index);
          if (!frame) return { type: 'grabber-error', message: `frame ${message.index} could not be decoded`, frame: message.index };
          return { type: 'grabber-frame', index: message.index, width: frame.width, height: frame.height, rgb: encodeBytes(frame.data) };
        }
        case 'grabber-grab': {
          const file = await this.grab(message.index);
          this.options.onFrameAdded?.(path.dirname(file));
          return { type: 'grabber-grabbed', index: message.index, file, frames: await this.frames() };
        }
        case 'grabber-find-duplicates':
          return { type: 'grabber-duplicates', threshold: message.threshold, groups: await this.duplicates(message.threshold) };
        case 'grabber-delete': {
          const folder = this.requirePlace().folder;
          const blocked = this.options.deleteBlockedBy?.(folder);
          if (blocked) return { type: 'grabber-error', message: blocked };
          try {
            const result = await deleteFrames(folder, message.names, { confirmLabeled: message.confirmLabeled, remove: this.options.remove });
            return { type: 'grabber-deleted', deleted: result.deleted, labelFiles: result.labelFiles, frames: await this.frames() };
          } catch (error) {
            if (error instanceof HerdError && error.code === 'LABELED_FRAMES') {
              const labeled = await labeledNames(folder);
              return { type: 'grabber-error', message: error.message, labeled: message.names.filter((name) => labeled.has(name)).sort() };
            }
            throw error;
          } finally {
            for (const name of message.names) this.thumbnails.delete(name);
          }
        }
      }
    } catch (error) {
      return { type: 'grabber-error', message: error instanceof HerdError ? error.describe() : error instanceof Error ? error.message : String(error) };
    }
  }

  private async open(): Promise<VideoInfo> {
    this.info = await probeVideo(this.video, { ffmpeg: this.options.ffmpeg });
    this.cache.clear();
    const configPath = this.options.configPath ?? configBeside(this.video);
    this.place = undefined;
    this.placeError = undefined;
    if (!configPath) this.placeError = `${path.basename(this.video)} is not in a project folder (no config.yaml above it)`;
    else {
      try {
        this.place = grabberPlace(configPath, this.video);
      } catch (error) {
        this.placeError = error instanceof Error ? error.message : String(error);
      }
    }
    return this.info;
  }

  private requirePlace(): GrabberPlace {
    if (!this.place) throw new Error(this.placeError ?? 'the panel is not ready yet');
    return this.place;
  }

  private async frames(): Promise<GrabberFrame[]> {
    return this.place ? folderFrames(this.place.folder, this.options.toUri) : [];
  }

  /** Saves frame `index` through extractFrames (manual mode); refuses a frame that is already extracted. */
  private async grab(index: number): Promise<string> {
    const place = this.requirePlace();
    const info = this.info ?? (await this.open());
    const file = path.join(place.folder, frameImageName(index, info.frameCount));
    if (fs.existsSync(file)) throw new HerdError('FRAME_EXISTS', `frame ${index} is already extracted as ${path.basename(file)}; not overwritten`, { file });
    const result = await extractFrames(place.configPath, { mode: 'manual', frames: [index], videos: [place.configuredPath], ffmpeg: this.options.ffmpeg });
    const written = result.videos[0]?.files[0];
    if (!written) throw new Error(`frame ${index} was not saved`);
    return written;
  }

  private async duplicates(threshold: number): Promise<string[][]> {
    const folder = this.requirePlace().folder;
    const names = fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => IMAGE.test(name) && !name.startsWith('.')).sort() : [];
    const frames: Array<{ name: string; thumbnail: FrameThumbnail }> = [];
    for (const name of names) {
      const file = path.join(folder, name);
      const stat = fs.statSync(file);
      const stamp = `${stat.size}:${stat.mtimeMs}`;
      let entry = this.thumbnails.get(name);
      if (!entry || entry.stamp !== stamp) {
        entry = { stamp, thumbnail: await imageThumbnail(file) };
        this.thumbnails.set(name, entry);
      }
      frames.push({ name, thumbnail: entry.thumbnail });
    }
    for (const name of [...this.thumbnails.keys()]) if (!names.includes(name)) this.thumbnails.delete(name);
    return findNearDuplicates(frames, threshold).groups;
  }
}
