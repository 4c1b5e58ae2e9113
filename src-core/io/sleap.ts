/**
 * Reading SLEAP's `.slp` labels files (HDF5). Format facts relied on (sleap-io's format notes):
 * - `/metadata` group: attribute `format_id` (float) and attribute `json` (a JSON string) whose
 *   `nodes` list names the nodes and whose `skeletons[k].links` are edges `{source, target, type}`
 *   between node indices; type 1 is a skeleton edge, type 2 a symmetry (written once in full as
 *   `{"py/reduce": [{"py/type": "sleap.skeleton.EdgeType"}, {"py/tuple": [1]}]}`, later as `{"py/id": n}`).
 * - `/videos_json` and `/tracks_json`: one JSON string per video (`{filename, backend: {shape:
 *   [frames, height, width, channels], fps, ...}}`) and per track (`[spawned_on, name]`).
 * - `/frames` (frame_id, video, frame_idx, instance_id_start, instance_id_end), `/instances`
 *   (instance_id, instance_type 0 = user / 1 = predicted, frame_id, skeleton, track (-1 = none),
 *   from_predicted, score, point_id_start, point_id_end, ...) and `/points` (x, y, visible, complete) /
 *   `/pred_points` (x, y, visible, complete, score): compound datasets; index ranges are half-open.
 * - Coordinates have the pixel centre at 0 from format 1.1 on (as DeepLabCut's); older files put the
 *   pixel corner at 0 and are shifted by -0.5 here.
 * - Files with embedded images (`.pkg.slp`) keep a video's frames in `/video{N}/video` (PNG/JPEG
 *   bytes per frame) with `/video{N}/frame_numbers`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { hasHdf5Signature, loadH5wasm } from './hdf5-pandas';

type H5Module = typeof import('h5wasm');
type H5File = InstanceType<H5Module['File']>;
type H5Dataset = InstanceType<H5Module['Dataset']>;

export interface SleapVideo {
  filename: string;
  frames?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Group holding embedded frames (`video0`), when the file carries its images. */
  embeddedGroup?: string;
}

export interface SleapInstance {
  kind: 'user' | 'predicted';
  /** Index into `tracks`, or -1 for an untracked instance. */
  track: number;
  score: number;
  /** x, y per node; NaN where the point is missing or not visible. */
  points: Float64Array;
  /** Per-node scores of predicted instances (NaN for user instances). */
  pointScores: Float64Array;
  /** The predicted instance a user instance was corrected from (index into the frame's instances), or -1. */
  fromPredicted: number;
}

export interface SleapFrame {
  video: number;
  frameIndex: number;
  instances: SleapInstance[];
}

export interface SleapLabels {
  file: string;
  formatId: number;
  nodes: string[];
  edges: Array<[number, number]>;
  symmetries: Array<[number, number]>;
  videos: SleapVideo[];
  tracks: string[];
  frames: SleapFrame[];
}

function slpError(file: string, message: string): HerdError {
  return new HerdError('SLEAP_FORMAT', message, { file });
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return String(value);
}

function parseJson(file: string, where: string, value: unknown): unknown {
  try {
    return JSON.parse(text(value));
  } catch {
    throw slpError(file, `${where} is not valid JSON`);
  }
}

function dataset(file: H5File, name: string, fileName: string, required = true): H5Dataset | undefined {
  const entry = file.get(name);
  if (!entry) {
    if (required) throw slpError(fileName, `no "${name}" dataset: not a SLEAP labels file`);
    return undefined;
  }
  return entry as H5Dataset;
}

/** Rows of a compound dataset as arrays of numbers (64-bit integers arrive as BigInt). */
function rows(set: H5Dataset | undefined): number[][] {
  if (!set || (set.shape ?? [0])[0] === 0) return [];
  const value = set.value as unknown as unknown[][];
  return value.map((row) => row.map((cell) => (typeof cell === 'bigint' ? Number(cell) : cell === null ? Number.NaN : Number(cell))));
}

function fieldIndex(set: H5Dataset | undefined, name: string, fileName: string): number {
  // h5wasm describes a compound type as a list of [field name, type] pairs.
  const members = set?.dtype as unknown as Array<[string, string]> | undefined;
  const index = Array.isArray(members) ? members.findIndex((member) => member[0] === name) : -1;
  if (index < 0) throw slpError(fileName, `dataset "${set?.path}" has no field "${name}"`);
  return index;
}

/** Field accessor for a compound dataset, by name rather than position (old files have fewer fields). */
function fields<K extends string>(set: H5Dataset | undefined, names: readonly K[], fileName: string): Record<K, number> {
  const result = {} as Record<K, number>;
  if (!set || (set.shape ?? [0])[0] === 0) return result;
  for (const name of names) result[name] = fieldIndex(set, name, fileName);
  return result;
}

function edgeType(type: unknown, seen: Map<number, number>): number {
  // The first edge of each type is written in full; later ones refer to it by a py/id counter.
  const reduce = (type as { 'py/reduce'?: Array<{ 'py/tuple'?: number[] }> })?.['py/reduce'];
  if (reduce) {
    const value = reduce[1]?.['py/tuple']?.[0] ?? 1;
    seen.set(seen.size + 1, value);
    return value;
  }
  const id = (type as { 'py/id'?: number })?.['py/id'];
  return id !== undefined ? (seen.get(id) ?? 1) : 1;
}

function readVideos(file: H5File, fileName: string): SleapVideo[] {
  const set = dataset(file, 'videos_json', fileName, false);
  const entries = set ? (set.value as unknown as unknown[]) : [];
  return entries.map((entry, index) => {
    const video = parseJson(fileName, `videos_json[${index}]`, entry) as {
      filename?: string;
      backend?: { shape?: number[]; fps?: number; filename?: string; dataset?: string };
      source_video?: { filename?: string };
    };
    const shape = video.backend?.shape;
    const embedded = video.backend?.dataset ? video.backend.dataset.split('/')[0] : undefined;
    return {
      filename: video.source_video?.filename ?? video.backend?.filename ?? video.filename ?? `video${index}`,
      frames: shape?.[0],
      height: shape?.[1],
      width: shape?.[2],
      fps: video.backend?.fps,
      embeddedGroup: embedded && file.get(embedded) ? embedded : undefined,
    };
  });
}

/** Read a `.slp` file's skeleton, videos, tracks and labeled frames (user and predicted instances). */
export async function readSlp(slpPath: string): Promise<SleapLabels> {
  const fileName = path.resolve(slpPath);
  if (!fs.existsSync(fileName)) throw new HerdError('FILE_NOT_FOUND', 'no such SLEAP file', { file: fileName });
  if (!hasHdf5Signature(fileName)) throw slpError(fileName, 'not an HDF5 file (a SLEAP .slp file is HDF5)');
  const { lib } = await loadH5wasm();
  const file = new lib.File(fileName, 'r');
  try {
    const metadata = file.get('metadata') as InstanceType<H5Module['Group']> | undefined;
    if (!metadata?.attrs?.json) throw slpError(fileName, 'no /metadata json attribute: not a SLEAP labels file');
    const formatId = Number(metadata.attrs.format_id?.value ?? 1.0);
    const meta = parseJson(fileName, '/metadata json', metadata.attrs.json.value) as {
      nodes?: Array<{ name: string }>;
      skeletons?: Array<{ links?: Array<{ source: number; target: number; type?: unknown }>; nodes?: Array<{ id: number }> }>;
    };
    const nodes = (meta.nodes ?? []).map((node) => node.name);
    const skeleton = meta.skeletons?.[0];
    if (!skeleton) throw slpError(fileName, 'the file defines no skeleton');
    if ((meta.skeletons?.length ?? 0) > 1) throw slpError(fileName, 'files with several skeletons are not supported; keep one skeleton');
    // Skeleton node ids index the global node list; the skeleton's own order defines the body parts.
    const order = (skeleton.nodes ?? nodes.map((_, id) => ({ id }))).map((node) => node.id);
    const names = order.map((id) => nodes[id]);
    const position = new Map(order.map((id, i) => [id, i]));
    const edges: Array<[number, number]> = [];
    const symmetries: Array<[number, number]> = [];
    const seenTypes = new Map<number, number>();
    for (const link of skeleton.links ?? []) {
      const pair: [number, number] = [position.get(link.source) ?? -1, position.get(link.target) ?? -1];
      if (pair[0] < 0 || pair[1] < 0) throw slpError(fileName, `a skeleton edge refers to unknown node ids ${link.source}-${link.target}`);
      (edgeType(link.type, seenTypes) === 2 ? symmetries : edges).push(pair);
    }

    const tracksSet = dataset(file, 'tracks_json', fileName, false);
    const tracks = (tracksSet ? (tracksSet.value as unknown as unknown[]) : []).map((entry, i) => {
      const track = parseJson(fileName, `tracks_json[${i}]`, entry) as [number, string];
      return String(track[1]);
    });

    const framesSet = dataset(file, 'frames', fileName);
    const instancesSet = dataset(file, 'instances', fileName);
    const pointsSet = dataset(file, 'points', fileName, false);
    const predictedSet = dataset(file, 'pred_points', fileName, false);
    const f = fields(framesSet, ['video', 'frame_idx', 'instance_id_start', 'instance_id_end'] as const, fileName);
    const n = fields(instancesSet, ['instance_id', 'instance_type', 'track', 'from_predicted', 'score', 'point_id_start', 'point_id_end'] as const, fileName);
    const p = fields(pointsSet, ['x', 'y', 'visible'] as const, fileName);
    const q = fields(predictedSet, ['x', 'y', 'visible', 'score'] as const, fileName);
    const frameRows = rows(framesSet);
    const instanceRows = rows(instancesSet);
    const userPoints = rows(pointsSet);
    const predictedPoints = rows(predictedSet);
    const offset = formatId < 1.1 ? -0.5 : 0;

    const readInstance = (row: number[]): SleapInstance & { id: number } => {
      const predicted = row[n.instance_type] === 1;
      const source = predicted ? predictedPoints : userPoints;
      const fieldsOf = predicted ? q : p;
      const start = row[n.point_id_start];
      const end = row[n.point_id_end];
      if (end - start !== names.length || end > source.length) {
        throw slpError(fileName, `instance ${row[n.instance_id]} has ${end - start} points, the skeleton ${names.length}`);
      }
      const points = new Float64Array(names.length * 2).fill(Number.NaN);
      const pointScores = new Float64Array(names.length).fill(Number.NaN);
      for (let k = 0; k < names.length; k++) {
        const point = source[start + k];
        if (!point[fieldsOf.visible] || !Number.isFinite(point[fieldsOf.x]) || !Number.isFinite(point[fieldsOf.y])) continue;
        points[2 * k] = point[fieldsOf.x] + offset;
        points[2 * k + 1] = point[fieldsOf.y] + offset;
        if (predicted) pointScores[k] = point[q.score];
      }
      return {
        id: row[n.instance_id],
        kind: predicted ? 'predicted' : 'user',
        track: row[n.track],
        score: row[n.score],
        points,
        pointScores,
        fromPredicted: row[n.from_predicted],
      };
    };

    const videos = readVideos(file, fileName);
    // Old files with embedded images number videos after their `video{N}` groups instead of 0, 1, 2...
    const videoPosition = (id: number) => {
      if (id < videos.length) return id;
      const byGroup = videos.findIndex((video) => video.embeddedGroup === `video${id}`);
      if (byGroup < 0) throw slpError(fileName, `a labeled frame refers to video ${id}, which the file does not list`);
      return byGroup;
    };
    const frames: SleapFrame[] = frameRows.map((row) => {
      const read = instanceRows.slice(row[f.instance_id_start], row[f.instance_id_end]).map(readInstance);
      const ids = read.map((instance) => instance.id);
      const instances = read.map(({ id: _id, ...instance }) => ({ ...instance, fromPredicted: instance.fromPredicted >= 0 ? ids.indexOf(instance.fromPredicted) : -1 }));
      return { video: videoPosition(row[f.video]), frameIndex: row[f.frame_idx], instances };
    });
    return { file: fileName, formatId, nodes: names, edges, symmetries, videos, tracks, frames };
  } finally {
    file.close();
  }
}
