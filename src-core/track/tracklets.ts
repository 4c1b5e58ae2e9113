/**
 * Tracklets: the output of `herd convert-detections2tracklets` and the input of `herd stitch-tracklets`.
 *
 * A tracklet is one tracker's life: the poses it was matched to, frame by frame (frames increase but may skip,
 * when a tracker survived a few frames without a match). DeepLabCut keeps them in `<prefix>_el.pickle` (a dict of
 * dicts of numpy arrays, dlc-spec §4.4); Herd keeps the same content in `<prefix>_el.tracklets.safetensors`
 * (suffix `_bx` box, `_el` ellipse, `_sk` skeleton, `_id` identity-only), readable from Python with
 * `safetensors.numpy.load_file` and without unpickling anything.
 *
 * Tensors (R = tracklet rows over all tracklets, K = body parts, U = unique body parts, F = analysed frames):
 * - `rows` [R, K, 3]: x, y, likelihood per body part (NaN where the part was not detected).
 * - `row_frame` [R]: the frame of each row; `row_tracklet` [R]: the tracklet id of each row; rows are grouped by
 *   tracklet (ids increasing) and ordered by frame within one.
 * - `row_identity` [R]: the identity (index into `individuals`) predicted for the row, −1 without an identity head.
 * - `unique` [F, U, 3]: the unique body parts per frame (only when U > 0), passed through untouched.
 * Integers are stored as float32, exact below 2^24 (16.7 million frames).
 *
 * `__metadata__`: `format` (`herd-tracklets-1`), `video`, `fps`, `frames` (analysed), `total_frames`, `width`,
 * `height`, `scorer`, `bodyparts`, `unique_bodyparts`, `individuals`, `tracker` (box|ellipse|skeleton|identity),
 * `settings` (JSON of the tracker settings used), `partial`, `stopped_at` — as in the detections file.
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { decodeHerdFile, encodeSafetensors, type HerdFileKind, type NamedTensor } from '../common/safetensors';
import { TRACKER_SUFFIX, TRACKLETS_EXTENSION, type TrackerKind } from '../infer/locate';
import { analysisMetadataEntries, readAnalysisMetadata, type AnalysisMetadata } from '../infer/outputs';

// The trackers and their file suffixes live with the other analysis-output names (infer/locate.ts).
export { TRACKER_SUFFIX, type TrackerKind };

export const TRACKLETS_FORMAT = 'herd-tracklets-1';

export interface Tracklet {
  id: number;
  /** Frame of each row, strictly increasing. */
  frames: Int32Array;
  /** [rows, bodyparts, 3]: x, y, likelihood; NaN where missing. */
  data: Float32Array;
  /** Predicted identity of each row (index into `individuals`), −1 when the model has none. */
  identity: Int32Array;
}

export interface TrackletsMetadata extends AnalysisMetadata {
  tracker: TrackerKind;
  /** The tracker settings used (for the record; not read back by Herd). */
  settings: Record<string, unknown>;
}

export interface TrackletSet {
  tracklets: Tracklet[];
  /** [frames, uniqueBodyparts, 3], only with unique body parts. */
  unique?: Float32Array;
  metadata: TrackletsMetadata;
}

/** The tracklets file of an analysis prefix (`<video><scorer>`, see `infer/outputs.analysisPrefix`). */
export function trackletsPath(prefix: string, tracker: TrackerKind): string {
  return `${prefix}${TRACKER_SUFFIX[tracker]}${TRACKLETS_EXTENSION}`;
}

export function encodeTracklets(set: TrackletSet): Buffer {
  const m = set.metadata;
  const K = m.bodyparts.length;
  const tracklets = [...set.tracklets].sort((a, b) => a.id - b.id);
  const R = tracklets.reduce((sum, t) => sum + t.frames.length, 0);
  const rows = new Float32Array(R * K * 3);
  const rowFrame = new Float32Array(R);
  const rowTracklet = new Float32Array(R);
  const rowIdentity = new Float32Array(R);
  let r = 0;
  for (const t of tracklets) {
    const n = t.frames.length;
    if (t.data.length !== n * K * 3 || t.identity.length !== n) {
      throw new Error(`tracklets: tracklet ${t.id} has ${n} frames but ${t.data.length / 3} points and ${t.identity.length} identities`);
    }
    for (let i = 1; i < n; i++) {
      if (t.frames[i] <= t.frames[i - 1]) throw new Error(`tracklets: tracklet ${t.id} frames do not increase at row ${i}`);
    }
    rows.set(t.data, r * K * 3);
    for (let i = 0; i < n; i++, r++) {
      rowFrame[r] = t.frames[i];
      rowTracklet[r] = t.id;
      rowIdentity[r] = t.identity[i];
    }
  }
  const tensors: NamedTensor[] = [
    { name: 'rows', shape: [R, K, 3], values: rows },
    { name: 'row_frame', shape: [R], values: rowFrame },
    { name: 'row_tracklet', shape: [R], values: rowTracklet },
    { name: 'row_identity', shape: [R], values: rowIdentity },
  ];
  if (m.uniqueBodyparts.length > 0) {
    tensors.push({ name: 'unique', shape: [m.frames, m.uniqueBodyparts.length, 3], values: set.unique ?? new Float32Array(m.frames * m.uniqueBodyparts.length * 3).fill(Number.NaN) });
  }
  return encodeSafetensors(tensors, {
    format: TRACKLETS_FORMAT,
    ...analysisMetadataEntries(m),
    tracker: m.tracker,
    settings: JSON.stringify(m.settings),
  });
}

/** Writes atomically; refuses to replace an existing file unless `overwrite`. */
export function writeTracklets(file: string, set: TrackletSet, overwrite = false): void {
  writeFileAtomic(file, encodeTracklets(set), { overwrite });
}

const TRACKLETS_KIND: HerdFileKind = { format: TRACKLETS_FORMAT, noun: 'tracklets', code: 'TRACKLETS', remedy: 'track the video again' };

export function decodeTracklets(bytes: Buffer, file: string): TrackletSet {
  const reader = decodeHerdFile(bytes, file, TRACKLETS_KIND);
  const { text, field, invalid: bad } = reader;
  const tensor = (name: string, shape: Array<number | null>) => reader.tensor(name, shape).values;
  const common = readAnalysisMetadata(reader);
  const { frames, bodyparts, uniqueBodyparts } = common;
  const tracker = text('tracker') as TrackerKind;
  if (!(tracker in TRACKER_SUFFIX)) throw bad(`unknown tracker "${tracker}"`);
  const K = bodyparts.length;
  const rows = tensor('rows', [null, K, 3]);
  const R = rows.length / (K * 3 || 1);
  const rowFrame = tensor('row_frame', [R]);
  const rowTracklet = tensor('row_tracklet', [R]);
  const rowIdentity = tensor('row_identity', [R]);

  const tracklets: Tracklet[] = [];
  for (let start = 0; start < R; ) {
    const id = rowTracklet[start];
    let end = start + 1;
    while (end < R && rowTracklet[end] === id) end++;
    if (tracklets.length > 0 && id <= tracklets[tracklets.length - 1].id) throw bad(`tracklet rows are not grouped by increasing id at row ${start}`);
    const framesOf = Int32Array.from(rowFrame.subarray(start, end));
    for (let i = 1; i < framesOf.length; i++) {
      if (framesOf[i] <= framesOf[i - 1]) throw bad(`tracklet ${id}: frames do not increase at row ${start + i}`);
    }
    tracklets.push({
      id,
      frames: framesOf,
      data: rows.slice(start * K * 3, end * K * 3),
      identity: Int32Array.from(rowIdentity.subarray(start, end)),
    });
    start = end;
  }
  return {
    tracklets,
    unique: uniqueBodyparts.length > 0 ? tensor('unique', [frames, uniqueBodyparts.length, 3]) : undefined,
    metadata: { ...common, tracker, settings: field('settings') },
  };
}

export function readTracklets(file: string): TrackletSet {
  if (!fs.existsSync(file)) throw new HerdError('TRACKLETS_NOT_FOUND', 'tracklets file not found; run herd convert-detections2tracklets first', { file });
  return decodeTracklets(fs.readFileSync(file), file);
}
