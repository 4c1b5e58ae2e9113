/**
 * What video analysis leaves on disk: DeepLabCut's scorer string, Herd's detections file (everything the network
 * found, before tracking) and DeepLabCut's pose table (`<video><scorer>.h5` + optional `.csv`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import type { PoseArray } from '../common/pose';
import { decodeHerdFile, encodeSafetensors, type HerdFileKind, type HerdFileReader, type NamedTensor } from '../common/safetensors';
import { formatDlcCsv, multiAnimalColumns, type DlcColumn } from '../io/dlc-csv';
import { writePandasHdfAtomic, type PandasFrame } from '../io/hdf5-pandas';
import { DETECTIONS_ENDING } from './locate';

// ---------------------------------------------------------------------------------------------
// Scorer and file names

export interface ScorerParts {
  /** Herd / DeepLabCut net type, e.g. `resnet_50`, `herd_small`. */
  netType: string;
  /** The project's Task. */
  task: string;
  /** The project's date, e.g. `Oct30`. */
  date: string;
  shuffle: number;
  /** Epoch (`200`) or `best-200`. */
  snapshotUid: number | string;
  /** Top-down models only: the detector snapshot's uid. */
  detectorUid?: number | string;
}

/** `resnet_50` → `Resnet50`, like DeepLabCut's `"".join(p.capitalize() for p in net_type.split("_"))`. */
function netName(netType: string): string {
  return netType
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('');
}

/** DeepLabCut's PyTorch scorer: `DLC_Resnet50_openfieldOct30shuffle1_snapshot_200` (spec §4.3). */
export function scorerName(parts: ScorerParts): string {
  const detector = parts.detectorUid === undefined ? '' : `_detector_${parts.detectorUid}`;
  return `DLC_${netName(parts.netType)}_${parts.task}${parts.date}shuffle${parts.shuffle}${detector}_snapshot_${parts.snapshotUid}`;
}

/** `<destFolder or the video's folder>/<video stem><scorer>`, the prefix of every analysis output. */
export function analysisPrefix(video: string, scorer: string, destFolder?: string): string {
  const stem = path.basename(video, path.extname(video));
  return path.join(destFolder ?? path.dirname(video), `${stem}${scorer}`);
}

export function detectionsPath(video: string, scorer: string, destFolder?: string): string {
  return `${analysisPrefix(video, scorer, destFolder)}${DETECTIONS_ENDING}`;
}

// ---------------------------------------------------------------------------------------------
// Detections file

/**
 * Herd's detections file `<video stem><scorer>_detections.safetensors`: one video's network output after
 * assembly, enough to re-track without re-running the network. A safetensors file (float32 only; see
 * `common/safetensors.ts`), so numpy users can read it with `safetensors.numpy.load_file`.
 *
 * Tensors (F = analysed frames, A = max animals, K = bodyparts, U = unique bodyparts, N = peaks, I = individuals):
 * - `assemblies` [F, A, K, 4]: assembled animals, per keypoint x, y (pixels in the full frame), score, identity
 *   (index into `individuals`, −1 when the model has no identity head). NaN where a slot or keypoint is empty.
 * - `assembly_scores` [F, A]: each assembly's score (mean link affinity); NaN for empty slots.
 * - `unique` [F, U, 3]: x, y, score of the unique body parts (NaN when not found); only when U > 0.
 * - `peaks` [N, 5]: every detected peak before assembly: frame, bodypart index, x, y, score.
 * - `peak_identity` [N, I]: per-peak identity scores; only with an identity head.
 *
 * `__metadata__` (safetensors allows only strings; numbers, booleans and lists are JSON):
 * `format` (`herd-detections-1`; readers refuse other versions), `video` (path), `fps`, `frames` (analysed = F),
 * `total_frames` (the video's), `width`, `height`, `scorer`, `bodyparts`, `unique_bodyparts`, `individuals`
 * (JSON string lists), `paf_graph` (JSON list of [bodypart, bodypart] index pairs), `model` (model file),
 * `partial` (`true` when the video stopped early, e.g. a damaged file) and `stopped_at` (why it stopped; empty
 * when complete).
 */
export const DETECTIONS_FORMAT = 'herd-detections-1';

/** What every per-video analysis file (detections, tracklets) records of the video and the analysis. */
export interface AnalysisMetadata {
  video: string;
  fps: number;
  /** Frames analysed (the first dimension of every per-frame tensor). */
  frames: number;
  totalFrames: number;
  width: number;
  height: number;
  scorer: string;
  bodyparts: string[];
  uniqueBodyparts: string[];
  individuals: string[];
  partial: boolean;
  /** Why the analysis stopped early (absent when complete). */
  stoppedAt?: string;
}

/** `AnalysisMetadata` as safetensors `__metadata__` entries (strings; numbers and lists as JSON). */
export function analysisMetadataEntries(m: AnalysisMetadata): Record<string, string> {
  const json = JSON.stringify;
  return {
    video: m.video,
    fps: json(m.fps),
    frames: json(m.frames),
    total_frames: json(m.totalFrames),
    width: json(m.width),
    height: json(m.height),
    scorer: m.scorer,
    bodyparts: json(m.bodyparts),
    unique_bodyparts: json(m.uniqueBodyparts),
    individuals: json(m.individuals),
    partial: json(m.partial),
    stopped_at: m.stoppedAt ?? '',
  };
}

/** The inverse of `analysisMetadataEntries`, through a checked reader. */
export function readAnalysisMetadata(file: Pick<HerdFileReader, 'text' | 'field'>): AnalysisMetadata {
  const stoppedAt = file.text('stopped_at');
  return {
    video: file.text('video'),
    fps: file.field('fps'),
    frames: file.field('frames'),
    totalFrames: file.field('total_frames'),
    width: file.field('width'),
    height: file.field('height'),
    scorer: file.text('scorer'),
    bodyparts: file.field('bodyparts'),
    uniqueBodyparts: file.field('unique_bodyparts'),
    individuals: file.field('individuals'),
    partial: file.field('partial'),
    ...(stoppedAt ? { stoppedAt } : {}),
  };
}

export interface DetectionsMetadata extends AnalysisMetadata {
  pafGraph: Array<[number, number]>;
  /** The model file that produced the detections. */
  model: string;
}

export interface DetectionsContent {
  /** [frames, maxAnimals, bodyparts, 4]: x, y, score, identity. */
  assemblies: Float32Array;
  /** [frames, maxAnimals]. */
  assemblyScores: Float32Array;
  /** [frames, uniqueBodyparts, 3]; only with unique body parts. */
  unique?: Float32Array;
  /** [N, 5]: frame, bodypart, x, y, score. */
  peaks: Float32Array;
  /** [N, individuals], only with an identity head. */
  peakIdentity?: Float32Array;
  /** Assembly slots per frame; when absent, derived from `assemblies` (or `individuals` for zero frames). */
  maxAnimals?: number;
  metadata: DetectionsMetadata;
}

function maxAnimalsOf(content: DetectionsContent): number {
  const { frames, bodyparts, individuals } = content.metadata;
  if (content.maxAnimals !== undefined) return content.maxAnimals;
  const perAnimal = frames * bodyparts.length * 4;
  return perAnimal > 0 ? content.assemblies.length / perAnimal : individuals.length;
}

export function encodeDetections(content: DetectionsContent): Buffer {
  const m = content.metadata;
  const F = m.frames;
  const A = maxAnimalsOf(content);
  const N = content.peaks.length / 5;
  const tensors: NamedTensor[] = [
    { name: 'assemblies', shape: [F, A, m.bodyparts.length, 4], values: content.assemblies },
    { name: 'assembly_scores', shape: [F, A], values: content.assemblyScores },
  ];
  if (m.uniqueBodyparts.length > 0) {
    tensors.push({ name: 'unique', shape: [F, m.uniqueBodyparts.length, 3], values: content.unique ?? new Float32Array(0) });
  }
  tensors.push({ name: 'peaks', shape: [N, 5], values: content.peaks });
  if (content.peakIdentity) tensors.push({ name: 'peak_identity', shape: [N, m.individuals.length], values: content.peakIdentity });
  for (const t of tensors) {
    // A caller's bug: say which array is wrong rather than write a file no one can read.
    if (!t.shape.every(Number.isInteger) || t.values.length !== t.shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`detections: ${t.name} has ${t.values.length} values, expected shape [${t.shape.join(', ')}]`);
    }
  }
  return encodeSafetensors(tensors, {
    format: DETECTIONS_FORMAT,
    ...analysisMetadataEntries(m),
    paf_graph: JSON.stringify(m.pafGraph),
    model: m.model,
  });
}

/** Writes atomically: an interrupted analysis never leaves a half-written detections file. */
export function writeDetections(file: string, content: DetectionsContent): void {
  writeFileAtomic(file, encodeDetections(content));
}

const DETECTIONS_KIND: HerdFileKind = { format: DETECTIONS_FORMAT, noun: 'detections', code: 'DETECTIONS', remedy: 'analyse the video again with this version' };

export function decodeDetections(bytes: Buffer, file: string): DetectionsContent & { maxAnimals: number } {
  const reader = decodeHerdFile(bytes, file, DETECTIONS_KIND);
  const { tensor, has } = reader;
  const common = readAnalysisMetadata(reader);
  const { frames, bodyparts, uniqueBodyparts, individuals } = common;
  // null: a free dimension (animal slots, peak count); the others must agree with the metadata.
  const assemblies = tensor('assemblies', [frames, null, bodyparts.length, 4]);
  const maxAnimals = assemblies.shape[1];
  const peaks = tensor('peaks', [null, 5]);
  return {
    assemblies: assemblies.values,
    assemblyScores: tensor('assembly_scores', [frames, maxAnimals]).values,
    unique: uniqueBodyparts.length > 0 ? tensor('unique', [frames, uniqueBodyparts.length, 3]).values : undefined,
    peaks: peaks.values,
    peakIdentity: has('peak_identity') ? tensor('peak_identity', [peaks.shape[0], individuals.length]).values : undefined,
    maxAnimals,
    metadata: { ...common, pafGraph: reader.field('paf_graph'), model: reader.text('model') },
  };
}

export function readDetections(file: string): DetectionsContent & { maxAnimals: number } {
  if (!fs.existsSync(file)) throw new HerdError('DETECTIONS_NOT_FOUND', 'detections file not found', { file });
  return decodeDetections(fs.readFileSync(file), file);
}

// ---------------------------------------------------------------------------------------------
// Pose table (DeepLabCut's `<video><scorer>.h5`)

/** Poses of the unique body parts: like a PoseArray with one individual, data [frames, bodyparts, 3]. */
export type UniquePoses = Pick<PoseArray, 'frames' | 'bodyparts' | 'data'>;

export interface PoseTableOptions {
  /** Multi-animal columns (`scorer/individuals/bodyparts/coords`) or single-animal (`scorer/bodyparts/coords`). */
  multiAnimal: boolean;
  /** Unique body parts, written under the individual `single` (multi-animal only). */
  uniqueBodyparts?: UniquePoses;
  /** Also write DeepLabCut's CSV beside the `.h5` (same name, `.csv`). */
  csv?: boolean;
  overwrite?: boolean;
}

const COORDS = ['x', 'y', 'likelihood'];

/**
 * Writes DeepLabCut's analysis table (spec §4.4) under the key `df_with_missing`: rows = frames 0..n−1, columns
 * x, y, likelihood per (individual,) bodypart, NaN where missing. Written in pandas' *fixed* HDF5 format, the one
 * Herd's writer supports; DeepLabCut writes `format="table"`, but `pd.read_hdf` and DeepLabCut's readers open
 * both. Both files are written atomically, and nothing is written if either exists (unless `overwrite`).
 */
export async function writePoseTable(h5File: string, poses: PoseArray, scorer: string, options: PoseTableOptions): Promise<{ h5: string; csv?: string }> {
  const csvFile = options.csv ? h5File.replace(/\.h5$/i, '') + '.csv' : undefined;
  if (!options.overwrite) {
    for (const file of [h5File, csvFile]) {
      if (file && fs.existsSync(file)) throw new HerdError('OUTPUT_EXISTS', 'the file already exists; pass overwrite to replace it', { file });
    }
  }
  const unique = options.uniqueBodyparts;
  if (!options.multiAnimal && (poses.individuals.length !== 1 || (unique && unique.bodyparts.length > 0))) {
    throw new HerdError('POSE_TABLE_SHAPE', 'a single-animal table holds exactly one individual and no unique body parts', { file: h5File });
  }
  if (unique && (unique.frames !== poses.frames || unique.data.length !== unique.frames * unique.bodyparts.length * 3)) {
    throw new HerdError('POSE_TABLE_SHAPE', `unique body parts need [${poses.frames}, ${unique.bodyparts.length}, 3] values`, { file: h5File });
  }
  const columns: DlcColumn[] = options.multiAnimal
    ? multiAnimalColumns(poses.individuals, poses.bodyparts, unique?.bodyparts ?? [], COORDS)
    : poses.bodyparts.flatMap((bodypart) => COORDS.map((coord) => ({ bodypart, coord })));
  // A PoseArray frame is already individuals × bodyparts × coords, the column order; the unique parts follow it.
  const perFrame = poses.individuals.length * poses.bodyparts.length * 3;
  const uniquePerFrame = unique ? unique.bodyparts.length * 3 : 0;
  const values = new Float64Array(poses.frames * columns.length);
  for (let frame = 0; frame < poses.frames; frame++) {
    const row = values.subarray(frame * columns.length, (frame + 1) * columns.length);
    row.set(poses.data.subarray(frame * perFrame, (frame + 1) * perFrame));
    if (unique) row.set(unique.data.subarray(frame * uniquePerFrame, (frame + 1) * uniquePerFrame), perFrame);
  }
  const frameNumbers = Array.from({ length: poses.frames }, (_, i) => i);
  const frame: PandasFrame = {
    columns: {
      names: options.multiAnimal ? ['scorer', 'individuals', 'bodyparts', 'coords'] : ['scorer', 'bodyparts', 'coords'],
      tuples: columns.map((c) => (c.individual === undefined ? [scorer, c.bodypart, c.coord] : [scorer, c.individual, c.bodypart, c.coord])),
    },
    index: { names: [null], tuples: frameNumbers.map((i) => [i]) },
    values,
  };
  await writePandasHdfAtomic(h5File, frame);
  if (csvFile) {
    writeFileAtomic(csvFile, formatDlcCsv({ scorer, columns, index: frameNumbers.map((i) => [String(i)]), values }));
  }
  return { h5: h5File, csv: csvFile };
}
