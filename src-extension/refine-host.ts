// The tracklet-refinement panel's host side without VS Code (issue 10): opens a tracked table
// (`<video><scorer>_el.h5` or `.csv`) with src-core, decodes video frames on request, and saves the refined table
// beside the original as `<stem>_refined.h5` + `.csv`; it also keeps the panel's edits as they happen, so a panel
// closed with unsaved edits can be saved (the edits replayed through src-core/stitch/edit.ts) or reopened with
// them. refine-panel.ts wires it to a WebviewPanel; tests drive it directly (test/webviews/refine-host.test.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PoseArray } from '../src-core/common/pose';
import { TRACKER_SUFFIX } from '../src-core/infer/locate';
import { writePoseTable } from '../src-core/infer/outputs';
import { readPoseTable, type PoseTable } from '../src-core/io/pose-table';
import { exportRefinedFrames, type ExportRefinedOptions, type ExportRefinedResult } from '../src-core/outliers/export-refined';
import { loadProject } from '../src-core/project/load';
import { applyEdit, type TrackedPoses } from '../src-core/stitch/edit';
import { readFrameRange } from '../src-core/video/decode';
import { probeVideo } from '../src-core/video/probe';
import type { Frame, VideoInfo } from '../src-core/video/types';
import {
  decodeFloat32,
  emptyHistory,
  encodeBytes,
  encodeFloat32,
  parseRefineMessage,
  unsavedEditCount,
  type RefineConfig,
  type RefineHistory,
  type RefineHostToPanel,
  type RefinePanelToHost,
  type WirePoses,
} from '../webviews/shared/messages';
import { panelColors } from './panel-colors';
import { VideoFrameCache } from './video-frames';

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
      if (!/DLC.*_(el|bx|sk|id|ctd|tr)(_filtered)?(_refined)*(_filtered)?\.h5$/.test(name)) continue;
      if (stem !== undefined && !name.startsWith(`${stem}DLC`)) continue;
      tables.push(path.join(folder, name));
    }
  }
  return tables;
}

/** The table a plain "Refine" opens first: the tracker's own `…_<tracker>.h5`, then filtered, then refined ones. */
export function rankTrackedTables(tables: string[], trackMethod: string): string[] {
  const suffix = (TRACKER_SUFFIX as Record<string, string>)[trackMethod] ?? TRACKER_SUFFIX.ellipse;
  const rank = (file: string) => (file.endsWith(`${suffix}.h5`) ? 0 : file.endsWith(`${suffix}_filtered.h5`) ? 1 : /_refined(_filtered)?\.h5$/.test(file) ? 3 : 2);
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
  /** Writes `poses` (and `unique`, else the original's unique body parts, unchanged) with the original's scorer. */
  save(target: string, poses: PoseArray, original: PoseTable, overwrite: boolean, unique?: PoseArray): Promise<string[]>;
  /** Exports the edited frames to the project's training data (default: src-core's `exportRefinedFrames`). */
  exportFrames?(configPath: string, options: ExportRefinedOptions): Promise<ExportRefinedResult>;
}

export const DEFAULT_REFINE_CONFIG: RefineConfig = { skeleton: [], individualColors: [], dotsize: 5, trailLength: 10, jumpThreshold: 40, uniqueColor: '#ff4dff' };

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
      config.individualColors = panelColors(colormap, n);
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
    async save(target, poses, original, overwrite, edited) {
      const unique = edited ?? original.unique;
      const written = await writePoseTable(target, poses, original.scorer, {
        multiAnimal: original.multiAnimal,
        ...(unique ? { uniqueBodyparts: { frames: unique.frames, bodyparts: unique.bodyparts, data: unique.data } } : {}),
        csv: true,
        overwrite,
      });
      return [written.h5, ...(written.csv ? [written.csv] : [])];
    },
    exportFrames: (configPath, exportOptions) => exportRefinedFrames(configPath, { ffmpeg: options.ffmpeg, ...exportOptions }),
  };
}

const wirePoses = (poses: PoseArray): WirePoses => ({ frames: poses.frames, individuals: [...poses.individuals], bodyparts: [...poses.bodyparts], data: encodeFloat32(poses.data) });

/** The panel edits the individuals, body parts and frames it was given; anything else is refused. */
function checkPoses(wire: WirePoses, original: PoseArray | undefined, what: string): PoseArray {
  if (!original) throw new Error(`the table has no ${what}; not saved`);
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (wire.frames !== original.frames || !same(wire.individuals, original.individuals) || !same(wire.bodyparts, original.bodyparts)) {
    throw new Error(`the refined ${what} do not have the frames, individuals and body parts of the table; not saved`);
  }
  const data = decodeFloat32(wire.data);
  if (data.length !== original.data.length) throw new Error(`the refined ${what} hold ${data.length} values, expected ${original.data.length}; not saved`);
  return { frames: wire.frames, individuals: [...wire.individuals], bodyparts: [...wire.bodyparts], data: new Float32Array(data) };
}

/**
 * The host's copy of a panel's edit history, kept from the `refine-edit` / `refine-undo` / `refine-redo` /
 * `refine-history` messages as they come (edits are small: op, range, indices), so that a panel closed with
 * unsaved edits loses nothing: the edits can be replayed on the table as opened (`RefineSession.saveEdits`) or
 * handed to a reopened panel (`RefineInitMessage.restore`).
 */
export class RefineEditLog {
  constructor(private current: RefineHistory = emptyHistory()) {}

  get history(): RefineHistory {
    return this.current;
  }

  /** Edits between the saved state and the panel's (0: nothing to lose). */
  get unsaved(): number {
    return unsavedEditCount(this.current);
  }

  /** Takes in one history message; false for anything else (or an undo/redo with nothing to undo/redo). */
  record(message: RefinePanelToHost): boolean {
    const h = this.current;
    switch (message.type) {
      case 'refine-edit':
        this.current = { applied: [...h.applied, message.entry], undone: [], saved: h.saved };
        return true;
      case 'refine-undo': {
        const last = h.applied[h.applied.length - 1];
        if (!last) return false;
        this.current = { applied: h.applied.slice(0, -1), undone: [last, ...h.undone], saved: h.saved };
        return true;
      }
      case 'refine-redo': {
        const next = h.undone[0];
        if (!next) return false;
        this.current = { applied: [...h.applied, next], undone: h.undone.slice(1), saved: h.saved };
        return true;
      }
      case 'refine-history':
        this.current = message.history;
        return true;
      default:
        return false;
    }
  }

  /** The ids of the applied edits (what a save started now stands for). */
  savePoint(): number[] {
    return this.current.applied.map((e) => e.id);
  }

  markSaved(ids: number[]): void {
    this.current = { ...this.current, saved: [...ids] };
  }
}

/** What saving the replayed edits came to: written, or refused because the refined file exists, or an error. */
export type SaveEditsResult = { type: 'refine-saved'; files: string[] } | { type: 'refine-error'; message: string; exists?: boolean };

/**
 * Edits of refinement panels closed with unsaved edits (VS Code cannot veto closing a webview), by table: kept until
 * they are saved or handed to the table's next panel (`take`, as `RefineSession`'s `restore`).
 */
export class ClosedRefineEdits {
  private readonly byFile = new Map<string, RefineSession>();

  /** A closing panel's session: its edits kept, and the warning to show; undefined when nothing is unsaved. */
  keep(session: RefineSession): string | undefined {
    const count = session.log.unsaved;
    if (count === 0) return undefined;
    this.byFile.set(path.resolve(session.file), session);
    return `${path.basename(session.file)} was closed with ${count} unsaved edit${count === 1 ? '' : 's'}`;
  }

  /** The kept edits of `file` (no longer kept: the caller's panel has them now). */
  take(file: string): RefineHistory | undefined {
    const key = path.resolve(file);
    const session = this.byFile.get(key);
    this.byFile.delete(key);
    return session?.log.history;
  }

  /** Whether `session`'s edits are still the ones kept (not taken by a reopened panel, not saved). */
  holds(session: RefineSession): boolean {
    return this.byFile.get(path.resolve(session.file)) === session;
  }

  /** Forgets `session`'s edits once saved (only if they are still the ones kept). */
  saved(session: RefineSession): void {
    if (this.holds(session)) this.byFile.delete(path.resolve(session.file));
  }
}

/**
 * One open table: answers the panel's messages. `refine-ready` → `refine-init`, `refine-get-frame` →
 * `refine-frame` (decoded through src-core/video, a few frames ahead cached), `refine-save` → `refine-saved` or
 * `refine-error`; edit-history messages go to `log`. Malformed messages are ignored; `refine-dirty` goes to `onDirty`.
 */
export class RefineSession {
  private opened: OpenedTable | undefined;
  private readonly cache = new VideoFrameCache((video, start, end) => this.core.frames(video, start, end));
  /** The panel's edits as they happen (`restore`: a closed panel's, handed to the reopened one in `refine-init`). */
  readonly log: RefineEditLog;

  constructor(
    readonly file: string,
    private readonly core: RefineCore = refineCore(),
    private readonly options: { configPath?: string; video?: string; onDirty?(dirty: boolean): void; restore?: RefineHistory } = {},
  ) {
    this.log = new RefineEditLog(options.restore);
  }

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
            poses: wirePoses(table.poses),
            ...(table.unique ? { unique: wirePoses(table.unique) } : {}),
            config,
            ...(this.log.history.applied.length + this.log.history.undone.length > 0 ? { restore: this.log.history } : {}),
          };
        }
        case 'refine-get-frame': {
          const frame = await this.frame(message.index);
          if (!frame) return { type: 'refine-error', message: this.opened?.video ? `frame ${message.index} could not be decoded` : 'no video for this table', frame: message.index };
          return { type: 'refine-frame', index: message.index, width: frame.width, height: frame.height, rgb: encodeBytes(frame.data) };
        }
        case 'refine-save': {
          // The edits this save stands for, taken before any await: later edits are not in it.
          const ids = this.log.savePoint();
          const opened = await this.table();
          const poses = checkPoses(message.poses, opened.table.poses, 'poses');
          const unique = message.unique ? checkPoses(message.unique, opened.table.unique, 'unique body parts') : undefined;
          return await this.write(poses, unique, message.overwrite, ids);
        }
        case 'refine-export':
          return await this.exportEdited(message.pcutoff);
        case 'refine-dirty':
          this.options.onDirty?.(message.dirty);
          return undefined;
        case 'refine-edit':
        case 'refine-undo':
        case 'refine-redo':
        case 'refine-history':
          this.log.record(message);
          return undefined;
      }
    } catch (error) {
      return { type: 'refine-error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Saves what the panel showed without the panel: the logged edits replayed on the table as opened through
   * src-core/stitch/edit.ts (the very arrays the panel's Save would have sent), written as the Save button does
   * (`<stem>_refined.h5` + `.csv`; an existing one only with `overwrite`). Marks the log saved when written.
   */
  async saveEdits(overwrite: boolean): Promise<SaveEditsResult> {
    const ids = this.log.savePoint();
    try {
      const opened = await this.table();
      const replayed = this.replay(opened.table);
      return await this.write(replayed.poses, replayed.unique, overwrite, ids);
    } catch (error) {
      return { type: 'refine-error', message: `${path.basename(this.file)}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** The log's applied edits replayed on `table` (the table as opened). */
  replay(table: TrackedPoses): TrackedPoses {
    const applied = this.log.history.applied;
    let out: TrackedPoses = table;
    for (const entry of applied) {
      try {
        out = applyEdit(out, entry.edit).table;
      } catch (error) {
        throw new Error(`edit ${entry.id} (${entry.edit.op}) does not fit the table: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return out;
  }

  /**
   * "Export edited frames to labeled-data" (DeepLabCut's `export_to_training_data`): the logged edits replayed on the
   * table as opened give the refined table; the frames where it differs from the opened one go to the project's
   * `labeled-data/<video stem>/` (src-core/outliers/export-refined.ts). Needs the project's config.yaml and the video.
   */
  async exportEdited(pcutoff?: number): Promise<RefineHostToPanel> {
    const configPath = this.options.configPath;
    if (!configPath) return { type: 'refine-error', message: 'no project (config.yaml) is known for this table: open it from a project to export frames to its labeled-data' };
    const opened = await this.table();
    if (!opened.video) return { type: 'refine-error', message: `no video found for ${path.basename(this.file)}: the edited frames cannot be saved as images` };
    const original = { poses: opened.table.poses, ...(opened.table.unique ? { unique: opened.table.unique } : {}) };
    const refined = this.replay(original);
    const exportFrames = this.core.exportFrames ?? exportRefinedFrames;
    const result = await exportFrames(configPath, { video: opened.video.path, original, refined, scorer: opened.table.scorer, ...(pcutoff !== undefined ? { pcutoff } : {}) });
    const images = new Set(result.created);
    return {
      type: 'refine-exported',
      frames: result.frames,
      folder: result.folder,
      files: [...result.images.filter((file) => images.has(file)), ...(result.machineLabels ? [result.machineLabels, result.machineLabelsCsv] : []), ...result.collectedData],
      skipped: result.skipped,
      addedToConfig: result.addedToConfig,
    };
  }

  private async table(): Promise<OpenedTable> {
    return this.opened ?? (this.opened = await this.core.open(this.file, { configPath: this.options.configPath, video: this.options.video }));
  }

  private async write(poses: PoseArray, unique: PoseArray | undefined, overwrite: boolean, ids: number[]): Promise<SaveEditsResult> {
    const opened = await this.table();
    const target = this.target;
    // Never over the table the refinement started from (a `_refined` table may be refined again in place).
    if (path.resolve(target) === path.resolve(this.file) && !path.parse(this.file).name.endsWith('_refined')) throw new Error('the refined table would replace the original; not saved');
    const csvTarget = target.replace(/\.h5$/i, '.csv');
    if (!overwrite && (fs.existsSync(target) || fs.existsSync(csvTarget))) {
      return { type: 'refine-error', message: `${path.basename(target)} exists already; save again to overwrite it`, exists: true };
    }
    const files = await this.core.save(target, poses, opened.table, overwrite, unique);
    this.log.markSaved(ids);
    return { type: 'refine-saved', files };
  }

  private async frame(index: number): Promise<Frame | undefined> {
    // A damaged stretch of video answers undefined: the panel shows the poses without a picture.
    return this.cache.frame(this.opened?.video, index);
  }
}

