// The tracklet-refinement panel's host side without VS Code (issue 10): opens a tracked table
// (`<video><scorer>_el.h5` or `.csv`) with src-core, decodes video frames on request, and saves the refined table
// beside the original as `<stem>_refined.h5` + `.csv`. refine-panel.ts wires it to a WebviewPanel; tests drive it
// directly (test/webviews/refine-host.test.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PoseArray } from '../src-core/common/pose';
import { TRACKER_SUFFIX } from '../src-core/infer/locate';
import { writePoseTable } from '../src-core/infer/outputs';
import { readPoseTable, type PoseTable } from '../src-core/io/pose-table';
import { colormapColors } from '../src-core/labels/colormap';
import { loadProject } from '../src-core/project/load';
import { readFrameRange } from '../src-core/video/decode';
import { probeVideo } from '../src-core/video/probe';
import type { Frame, VideoInfo } from '../src-core/video/types';
import {
  decodeFloat32,
  encodeBytes,
  encodeFloat32,
  parseRefineMessage,
  type RefineConfig,
  type RefineHostToPanel,
  type WirePoses,
} from '../webviews/shared/messages';
import { cssColor } from './labeling-host';

const VIDEO_EXTENSIONS = ['.mp4', '.avi', '.mov', '.mkv', '.m4v', '.mpeg', '.mpg', '.webm'];

/**
 * Where the refined table goes: `<folder>/<stem>_refined.h5` for a table `<folder>/<stem>.h5` (or `.csv`); a table
 * that is already `…_refined` is refined in place (saving over it needs the overwrite flag, as any existing file).
 */
export function refinedPath(table: string): string {
  const parsed = path.parse(table);
  const stem = parsed.name.endsWith('_refined') ? parsed.name : `${parsed.name}_refined`;
  return path.join(parsed.dir, `${stem}.h5`);
}

/**
 * The video a table was made from: `<video><scorer>…` in the same folder (DeepLabCut's naming), else in the
 * project's `videos/` folder when a config is given.
 */
export function findVideo(table: string, scorer: string, configPath?: string): string | undefined {
  const name = path.basename(table);
  const at = scorer ? name.indexOf(scorer) : -1;
  const stem = at > 0 ? name.slice(0, at) : name.replace(/DLC.*$/, '');
  if (!stem) return undefined;
  const folders = [path.dirname(table)];
  if (configPath) folders.push(path.join(path.dirname(configPath), 'videos'));
  for (const folder of folders) {
    for (const ext of VIDEO_EXTENSIONS) {
      for (const candidate of [stem + ext, stem + ext.toUpperCase()]) {
        const file = path.join(folder, candidate);
        if (fs.existsSync(file)) return file;
      }
    }
  }
  return undefined;
}

/** Tracked tables (`<video>DLC…_el.h5` and the other trackers', filtered or refined too) in `folders`, by name; only `<stem>DLC…` when a video stem is given. */
export function findTrackedTables(folders: Iterable<string>, stem?: string): string[] {
  const tables: string[] = [];
  for (const folder of new Set(folders)) {
    if (!fs.existsSync(folder)) continue;
    for (const name of fs.readdirSync(folder).sort()) {
      if (!/DLC.*_(el|bx|sk|id|ctd|tr)(_filtered)?(_refined)*\.h5$/.test(name)) continue;
      if (stem !== undefined && !name.startsWith(`${stem}DLC`)) continue;
      tables.push(path.join(folder, name));
    }
  }
  return tables;
}

/** The table a plain "Refine" opens first: the tracker's own `…_<tracker>.h5`, then filtered, then refined ones. */
export function rankTrackedTables(tables: string[], trackMethod: string): string[] {
  const suffix = (TRACKER_SUFFIX as Record<string, string>)[trackMethod] ?? TRACKER_SUFFIX.ellipse;
  const rank = (file: string) => (file.endsWith(`${suffix}.h5`) ? 0 : file.endsWith(`${suffix}_filtered.h5`) ? 1 : /_refined\.h5$/.test(file) ? 3 : 2);
  return [...tables].sort((a, b) => rank(a) - rank(b));
}

export interface OpenedTable {
  table: PoseTable;
  video?: VideoInfo;
  config: RefineConfig;
}

/** What the panel needs from src-core. */
export interface RefineCore {
  open(file: string, options: { configPath?: string; video?: string }): Promise<OpenedTable>;
  /** Frames [start, end) of a video. */
  frames(video: VideoInfo, start: number, end: number): Promise<Frame[]>;
  save(target: string, poses: PoseArray, original: PoseTable, overwrite: boolean): Promise<string[]>;
}

export const DEFAULT_REFINE_CONFIG: RefineConfig = { skeleton: [], individualColors: [], dotsize: 5, trailLength: 10, jumpThreshold: 40 };

/** src-core behind the panel. */
export function refineCore(options: { ffmpeg?: string } = {}): RefineCore {
  return {
    async open(file, { configPath, video }) {
      const table = await readPoseTable(file);
      const n = table.poses.individuals.length;
      let colormap = 'rainbow';
      const config: RefineConfig = { ...DEFAULT_REFINE_CONFIG };
      if (configPath && fs.existsSync(configPath)) {
        try {
          const project = loadProject(configPath);
          const c = project.config;
          if (typeof c.colormap === 'string') colormap = c.colormap;
          if (Array.isArray(c.skeleton)) {
            config.skeleton = (c.skeleton as unknown[])
              .filter((pair): pair is unknown[] => Array.isArray(pair) && pair.length === 2)
              .map((pair) => [String(pair[0]), String(pair[1])] as [string, string])
              .filter(([a, b]) => table.poses.bodyparts.includes(a) && table.poses.bodyparts.includes(b));
          }
          if (typeof c.dotsize === 'number' && c.dotsize > 0) config.dotsize = Math.min(12, c.dotsize);
        } catch {
          // a broken config only costs the skeleton and colours
        }
      }
      try {
        config.individualColors = colormapColors(colormap, Math.max(n, 1)).slice(0, n).map(cssColor);
      } catch {
        config.individualColors = colormapColors('rainbow', Math.max(n, 1)).slice(0, n).map(cssColor);
      }
      const videoFile = video ?? findVideo(file, table.scorer, configPath);
      let info: VideoInfo | undefined;
      if (videoFile) {
        try {
          info = await probeVideo(videoFile, { ffmpeg: options.ffmpeg });
        } catch {
          info = undefined; // the table is still worth refining without its video
        }
      }
      return { table, ...(info ? { video: info } : {}), config };
    },
    frames: (video, start, end) => readFrameRange(video.path, start, end, { ffmpeg: options.ffmpeg, info: video }),
    async save(target, poses, original, overwrite) {
      const written = await writePoseTable(target, poses, original.scorer, {
        multiAnimal: original.multiAnimal,
        ...(original.unique ? { uniqueBodyparts: { frames: original.unique.frames, bodyparts: original.unique.bodyparts, data: original.unique.data } } : {}),
        csv: true,
        overwrite,
      });
      return [written.h5, ...(written.csv ? [written.csv] : [])];
    },
  };
}

/** Decoded frames kept around (each is width × height × 3 bytes). */
const FRAME_CACHE = 24;
/** Frames decoded per request: ffmpeg's start-up and seek dominate one frame, so a short run around it costs little more. */
const DECODE_AHEAD = 8;

/**
 * One open table: answers the panel's messages. `refine-ready` → `refine-init`, `refine-get-frame` →
 * `refine-frame` (decoded through src-core/video, a few frames ahead cached), `refine-save` → `refine-saved` or
 * `refine-error`. Malformed messages are ignored; `refine-dirty` goes to `onDirty`.
 */
export class RefineSession {
  private opened: OpenedTable | undefined;
  private readonly cache = new Map<number, Frame>();

  constructor(
    readonly file: string,
    private readonly core: RefineCore = refineCore(),
    private readonly options: { configPath?: string; video?: string; onDirty?(dirty: boolean): void } = {},
  ) {}

  get target(): string {
    return refinedPath(this.file);
  }

  async handle(raw: unknown): Promise<RefineHostToPanel | undefined> {
    const message = parseRefineMessage(raw);
    if (!message) return undefined;
    try {
      switch (message.type) {
        case 'refine-ready': {
          this.opened = await this.core.open(this.file, { configPath: this.options.configPath, video: this.options.video });
          this.cache.clear();
          const { table, video, config } = this.opened;
          return {
            type: 'refine-init',
            file: this.file,
            target: this.target,
            targetExists: fs.existsSync(this.target),
            ...(video ? { video: { path: video.path, width: video.width, height: video.height, fps: video.fps } } : {}),
            scorer: table.scorer,
            poses: { frames: table.poses.frames, individuals: [...table.poses.individuals], bodyparts: [...table.poses.bodyparts], data: encodeFloat32(table.poses.data) },
            config,
          };
        }
        case 'refine-get-frame': {
          const frame = await this.frame(message.index);
          if (!frame) return { type: 'refine-error', message: this.opened?.video ? `frame ${message.index} could not be decoded` : 'no video for this table', frame: message.index };
          return { type: 'refine-frame', index: message.index, width: frame.width, height: frame.height, rgb: encodeBytes(frame.data) };
        }
        case 'refine-save': {
          const opened = this.opened ?? (this.opened = await this.core.open(this.file, { configPath: this.options.configPath, video: this.options.video }));
          const poses = this.checkPoses(message.poses, opened.table.poses);
          const target = this.target;
          // Never over the table the refinement started from (a `_refined` table may be refined again in place).
          if (path.resolve(target) === path.resolve(this.file) && !path.parse(this.file).name.endsWith('_refined')) throw new Error('the refined table would replace the original; not saved');
          const csvTarget = target.replace(/\.h5$/i, '.csv');
          if (!message.overwrite && (fs.existsSync(target) || fs.existsSync(csvTarget))) {
            return { type: 'refine-error', message: `${path.basename(target)} exists already; save again to overwrite it`, exists: true };
          }
          return { type: 'refine-saved', files: await this.core.save(target, poses, opened.table, message.overwrite) };
        }
        case 'refine-dirty':
          this.options.onDirty?.(message.dirty);
          return undefined;
      }
    } catch (error) {
      return { type: 'refine-error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The panel edits the individuals, body parts and frames it was given; anything else is refused. */
  private checkPoses(wire: WirePoses, original: PoseArray): PoseArray {
    const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    if (wire.frames !== original.frames || !same(wire.individuals, original.individuals) || !same(wire.bodyparts, original.bodyparts)) {
      throw new Error('the refined poses do not have the frames, individuals and body parts of the table; not saved');
    }
    const data = decodeFloat32(wire.data);
    if (data.length !== original.data.length) throw new Error(`the refined poses hold ${data.length} values, expected ${original.data.length}; not saved`);
    return { frames: wire.frames, individuals: [...wire.individuals], bodyparts: [...wire.bodyparts], data: new Float32Array(data) };
  }

  private async frame(index: number): Promise<Frame | undefined> {
    const cached = this.cache.get(index);
    if (cached) {
      this.cache.delete(index);
      this.cache.set(index, cached);
      return cached;
    }
    const video = this.opened?.video;
    if (!video) return undefined;
    if (index >= video.frameCount && video.frameCount > 0) return undefined;
    try {
      return await this.decode(video, index);
    } catch {
      return undefined; // a damaged stretch of video: the panel shows the poses without a picture
    }
  }

  private async decode(video: VideoInfo, index: number): Promise<Frame | undefined> {
    // Stepping backwards (the next frame is cached): the run ends at `index`; otherwise it starts there.
    const last = video.frameCount > 0 ? video.frameCount : Number.MAX_SAFE_INTEGER;
    const backwards = this.cache.has(index + 1);
    const start = backwards ? Math.max(0, index - DECODE_AHEAD + 1) : index;
    const end = Math.min(backwards ? index + 1 : index + DECODE_AHEAD, last);
    const frames = await this.core.frames(video, start, end);
    for (const f of frames) {
      this.cache.set(f.index, f);
      while (this.cache.size > FRAME_CACHE) this.cache.delete(this.cache.keys().next().value as number);
    }
    return frames.find((f) => f.index === index);
  }
}

