/**
 * SLEAP's analysis HDF5 (`*.analysis.h5`, what `sleap-convert --format analysis` and "Export Analysis HDF5…"
 * write, from `sleap/info/write_tracking_h5.py`), written and read through h5wasm.
 *
 * SLEAP builds its arrays in MATLAB's order and stores every numpy array transposed (`np.transpose`, all axes
 * reversed), so on disk, with T tracks, N nodes, F frames, E edges:
 * - `tracks` float64 [T, 2, N, F] (x, y; NaN = missing), gzip — in memory `f["tracks"][:].T` is [F, N, 2, T];
 *   movement reads `.transpose((3, 0, 2, 1))` → [F, T, N, 2];
 * - `track_occupancy` uint8 [F, T] (1 where the track has an instance in the frame);
 * - `point_scores` float64 [T, N, F] (movement: `.transpose((2, 0, 1))` → [F, T, N]);
 * - `instance_scores`, `tracking_scores` float64 [T, F];
 * - `track_names` [T], `node_names` [N]: fixed-length byte strings (`np.string_`), read with `.decode()`;
 * - `edge_names` [E, 2] byte strings and `edge_inds` [E, 2] int64: lists in SLEAP, so not transposed;
 * - scalars: `labels_path`, `video_path`, `provenance` (JSON) as variable-length strings, `video_ind` int64.
 * Frames start at 0 (SLEAP's `all_frames=True`, the default of its exporters).
 *
 * From a DeepLabCut-style table: point scores are the likelihoods; an instance is present (occupancy 1) where
 * any body part has a position; its instance score is the mean likelihood of its present parts (DeepLabCut has
 * no instance score; SLEAP's is the model's); tracking scores are NaN (the stitcher keeps none). Unlike SLEAP,
 * tracks that are never occupied are kept, so track i is always individual i. Unique body parts (DeepLabCut's
 * `single`) have no place in SLEAP's one-skeleton layout and are left out by the caller.
 */
import * as fs from 'node:fs';
import { HerdError } from '../common/errors';
import { createPoseArray, type PoseArray } from '../common/pose';
import { attr, bytesArray, numeric, textScalar, writeHdf5Atomic, type AtomicWriteOptions } from './h5-write';
import { hasHdf5Signature, loadH5wasm } from './hdf5-pandas';
import { skeletonEdges } from './nwb';

export interface SleapAnalysisInfo {
  /** The video the poses belong to (`video_path`). */
  video: string;
  /** Skeleton edges as pairs of body-part names; pairs naming unknown parts are dropped. */
  skeleton?: Array<[string, string]>;
  /** `labels_path`: SLEAP stores the .slp it exported from; Herd stores the pose table. */
  labelsPath?: string;
  /** Extra provenance merged into the `provenance` JSON. */
  provenance?: Record<string, unknown>;
}

export interface SleapAnalysisExport {
  file: string;
  frames: number;
  tracks: number;
  nodes: number;
  edges: Array<[number, number]>;
}

export interface SleapAnalysis {
  /** [frames, tracks, nodes, 3]: x, y, point score (NaN where the file has none). */
  poses: PoseArray;
  /** [frames, tracks] track occupancy. */
  occupancy: Uint8Array;
  /** [frames, tracks]. */
  instanceScores: Float64Array;
  trackingScores: Float64Array;
  edges: Array<[number, number]>;
  videoPath?: string;
  labelsPath?: string;
  provenance?: string;
}

/**
 * Writes `poses` ([frames, individuals, bodyparts, 3]) as a SLEAP analysis file: one track per individual, one node
 * per body part. Atomic; refuses an existing file unless `options.overwrite`.
 */
export async function writeSleapAnalysis(file: string, poses: PoseArray, info: SleapAnalysisInfo, options: AtomicWriteOptions = {}): Promise<SleapAnalysisExport> {
  const F = poses.frames;
  const T = poses.individuals.length;
  const N = poses.bodyparts.length;
  if (F < 1) throw new HerdError('EXPORT_EMPTY', 'the pose table has no frames', { file });
  if (T < 1 || N < 1) throw new HerdError('EXPORT_EMPTY', 'the pose table has no individuals or no body parts', { file });
  const tracks = new Float64Array(T * 2 * N * F);
  const pointScores = new Float64Array(T * N * F);
  const occupancy = new Uint8Array(F * T);
  const instanceScores = new Float64Array(T * F).fill(Number.NaN);
  const trackingScores = new Float64Array(T * F).fill(Number.NaN);
  for (let f = 0; f < F; f++) {
    for (let t = 0; t < T; t++) {
      let present = 0;
      let scoreSum = 0;
      let scored = 0;
      for (let n = 0; n < N; n++) {
        const at = ((f * T + t) * N + n) * 3;
        const x = poses.data[at];
        const y = poses.data[at + 1];
        const score = poses.data[at + 2];
        // On disk [T, 2, N, F]: frame varies fastest.
        tracks[((t * 2 + 0) * N + n) * F + f] = x;
        tracks[((t * 2 + 1) * N + n) * F + f] = y;
        pointScores[(t * N + n) * F + f] = score;
        if (!Number.isNaN(x) && !Number.isNaN(y)) {
          present++;
          if (!Number.isNaN(score)) {
            scoreSum += score;
            scored++;
          }
        }
      }
      if (present > 0) {
        occupancy[f * T + t] = 1;
        if (scored > 0) instanceScores[t * F + f] = scoreSum / scored;
      }
    }
  }
  const edges = skeletonEdges(poses.bodyparts, info.skeleton);
  const provenance = { software: 'Herd', ...(info.provenance ?? {}) };
  await writeHdf5Atomic(
    file,
    (root) => {
      // The order of SLEAP's data_dict (h5py lists them alphabetically anyway).
      bytesArray(root, 'track_names', poses.individuals);
      bytesArray(root, 'node_names', poses.bodyparts);
      if (edges.length > 0) {
        bytesArray(root, 'edge_names', edges.flatMap(([a, b]) => [poses.bodyparts[a], poses.bodyparts[b]]), [edges.length, 2]);
        numeric(root, 'edge_inds', BigInt64Array.from(edges.flat().map(BigInt)), [edges.length, 2], 'int64');
      } else {
        // h5py writes an empty list as a float64 array of shape (0,).
        numeric(root, 'edge_names', new Float64Array(0), [0], 'float64');
        numeric(root, 'edge_inds', new Float64Array(0), [0], 'float64');
      }
      numeric(root, 'tracks', tracks, [T, 2, N, F], 'float64', { gzip: true });
      numeric(root, 'track_occupancy', occupancy, [F, T], 'uint8', { gzip: true });
      numeric(root, 'point_scores', pointScores, [T, N, F], 'float64', { gzip: true });
      numeric(root, 'instance_scores', instanceScores, [T, F], 'float64', { gzip: true });
      numeric(root, 'tracking_scores', trackingScores, [T, F], 'float64', { gzip: true });
      textScalar(root, 'labels_path', info.labelsPath ?? 'None');
      textScalar(root, 'video_path', info.video);
      numeric(root, 'video_ind', BigInt64Array.from([0n]), [], 'int64');
      textScalar(root, 'provenance', JSON.stringify(provenance));
      // Not in SLEAP's files; harmless to its readers and says who wrote this one.
      attr(root, 'writer', 'Herd');
    },
    options,
  );
  return { file, frames: F, tracks: T, nodes: N, edges };
}

// ---------------------------------------------------------------------------------------------
// Reading

type Loaded = Awaited<ReturnType<typeof loadH5wasm>>;
type H5File = InstanceType<Loaded['lib']['File']>;

const H5T_STRING = 3;
const utf8 = new TextDecoder('utf-8');

/** Strings of a dataset, decoded from the raw bytes (h5wasm reads ASCII-flagged strings as windows-1252). */
function readStrings(h5: H5File, module: Loaded['module'], name: string): string[] {
  const metadata = module.get_dataset_metadata(h5.file_id, `/${name}`);
  if (metadata.type !== H5T_STRING) throw new Error(`${name} is not a string dataset`);
  const count = (metadata.shape ?? []).reduce((a, b) => a * b, 1);
  if (metadata.vlen) {
    const value = (h5.get(name) as { value: unknown }).value;
    return (Array.isArray(value) ? value : [value]).map(String);
  }
  const size = metadata.size;
  const ptr = module._malloc(Math.max(1, size * count));
  try {
    module.get_dataset_data(h5.file_id, `/${name}`, null, null, null, BigInt(ptr));
    const bytes = module.HEAPU8.slice(ptr, ptr + size * count);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      let cell = bytes.subarray(i * size, (i + 1) * size);
      const nul = cell.indexOf(0);
      if (nul >= 0) cell = cell.subarray(0, nul);
      let end = cell.length;
      while (end > 0 && cell[end - 1] === 0x20 && metadata.strpad === 2) end--;
      out.push(utf8.decode(cell.subarray(0, end)));
    }
    return out;
  } finally {
    module._free(ptr);
  }
}

function numbers(h5: H5File, name: string): { shape: number[]; values: Float64Array } {
  const dataset = h5.get(name) as { shape: number[] | null; value: unknown } | null;
  if (!dataset || !('shape' in dataset)) throw new Error(`no dataset ${name}`);
  const value = dataset.value;
  const shape = dataset.shape ?? [];
  if (typeof value === 'number' || typeof value === 'bigint') return { shape, values: Float64Array.from([Number(value)]) };
  if (value instanceof Float64Array) return { shape, values: value };
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return { shape, values: Float64Array.from(value, Number) };
  if (ArrayBuffer.isView(value)) return { shape, values: Float64Array.from(value as unknown as ArrayLike<number>) };
  throw new Error(`${name} is not numeric`);
}

function scalarText(h5: H5File, module: Loaded['module'], name: string): string | undefined {
  if (!h5.keys().includes(name)) return undefined;
  return readStrings(h5, module, name)[0];
}

/**
 * Reads a SLEAP analysis file (SLEAP's or Herd's) back into a PoseArray [frames, tracks, nodes, 3] with the point
 * scores as the third coordinate. Files without `point_scores` (older SLEAP) get NaN scores; files without names
 * get SLEAP's defaults (`track_<i>`, `node <i>`).
 */
export async function readSleapAnalysis(file: string): Promise<SleapAnalysis> {
  const loaded = await loadH5wasm();
  const { lib, module } = loaded;
  if (!fs.existsSync(file)) throw new HerdError('SLEAP_ANALYSIS_NOT_FOUND', 'no such file', { file });
  if (!hasHdf5Signature(file)) throw new HerdError('SLEAP_ANALYSIS_FORMAT', 'not an HDF5 file', { file });
  const h5 = new lib.File(file, 'r');
  try {
    const keys = h5.keys();
    if (!keys.includes('tracks')) throw new HerdError('SLEAP_ANALYSIS_FORMAT', `not a SLEAP analysis file (no "tracks" dataset; found ${keys.join(', ')})`, { file });
    const tracks = numbers(h5, 'tracks');
    if (tracks.shape.length !== 4 || tracks.shape[1] !== 2) {
      throw new HerdError('SLEAP_ANALYSIS_FORMAT', `"tracks" has shape [${tracks.shape.join(', ')}], expected [tracks, 2, nodes, frames]`, { file });
    }
    const [T, , N, F] = tracks.shape;
    const trackNames = keys.includes('track_names') ? readStrings(h5, module, 'track_names') : [];
    const nodeNames = keys.includes('node_names') ? readStrings(h5, module, 'node_names') : [];
    const individuals = trackNames.length === T ? trackNames : Array.from({ length: T }, (_, i) => `track_${i}`);
    const bodyparts = nodeNames.length === N ? nodeNames : Array.from({ length: N }, (_, i) => `node ${i}`);
    const scores = keys.includes('point_scores') ? numbers(h5, 'point_scores') : undefined;
    if (scores && scores.values.length !== T * N * F) throw new HerdError('SLEAP_ANALYSIS_FORMAT', `"point_scores" has shape [${scores.shape.join(', ')}], expected [${T}, ${N}, ${F}]`, { file });
    const poses = createPoseArray(F, individuals, bodyparts);
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        for (let f = 0; f < F; f++) {
          const at = ((f * T + t) * N + n) * 3;
          poses.data[at] = tracks.values[((t * 2) * N + n) * F + f];
          poses.data[at + 1] = tracks.values[((t * 2 + 1) * N + n) * F + f];
          poses.data[at + 2] = scores ? scores.values[(t * N + n) * F + f] : Number.NaN;
        }
      }
    }
    const perFrame = (name: string): Float64Array => {
      const out = new Float64Array(F * T).fill(Number.NaN);
      if (!keys.includes(name)) return out;
      const { values } = numbers(h5, name);
      if (values.length !== T * F) return out;
      for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) out[f * T + t] = values[t * F + f];
      return out;
    };
    const occupancy = new Uint8Array(F * T);
    if (keys.includes('track_occupancy')) {
      const { values } = numbers(h5, 'track_occupancy');
      if (values.length === F * T) values.forEach((v, i) => (occupancy[i] = v ? 1 : 0));
    }
    const edges: Array<[number, number]> = [];
    if (keys.includes('edge_inds')) {
      const { shape, values } = numbers(h5, 'edge_inds');
      if (shape.length === 2 && shape[1] === 2) for (let e = 0; e < shape[0]; e++) edges.push([values[2 * e], values[2 * e + 1]]);
    }
    return {
      poses,
      occupancy,
      instanceScores: perFrame('instance_scores'),
      trackingScores: perFrame('tracking_scores'),
      edges,
      videoPath: scalarText(h5, module, 'video_path'),
      labelsPath: scalarText(h5, module, 'labels_path'),
      provenance: scalarText(h5, module, 'provenance'),
    };
  } catch (error) {
    if (error instanceof HerdError) throw error;
    throw new HerdError('SLEAP_ANALYSIS_FORMAT', `cannot read the SLEAP analysis file: ${(error as Error).message}`, { file }, { cause: error });
  } finally {
    h5.close();
  }
}
