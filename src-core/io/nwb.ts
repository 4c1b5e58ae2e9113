/**
 * Tracked poses as an NWB 2.x file with the ndx-pose extension (schema 0.2.0), written through h5wasm.
 *
 * Layout (F frames, one PoseEstimation per individual; every typed object carries `neurodata_type`,
 * `namespace` — `core` or `ndx-pose` — and a UUID4 `object_id`):
 * ```
 * /                                      NWBFile: nwb_version 2.7.0
 *   file_create_date [1], identifier, session_description, session_start_time, timestamps_reference_time
 *   acquisition/ analysis/ general/ (experimenter [1]) stimulus/{presentation,templates}/
 *   processing/behavior/                 ProcessingModule (description)
 *     Skeletons/                         Skeletons
 *       skeleton/                        Skeleton: nodes [K] (text), edges [E, 2] (uint8, or uint16 past 255 nodes)
 *       unique_bodyparts/                Skeleton of the unique body parts (only when the table has them)
 *     PoseEstimation_<individual>/       PoseEstimation: description, original_videos [1], dimensions [1, 2]
 *                                        (width, height), scorer, source_software ("Herd", attr version),
 *                                        `skeleton` → soft link to the Skeleton (how HDMF stores the untyped link)
 *       <bodypart>/                      PoseEstimationSeries: data [F, 2] float32 pixels (NaN = missing),
 *                                        confidence [F] float32 (the likelihood), reference_frame,
 *                                        starting_time 0.0 (attrs rate = fps, unit seconds), description, comments
 *     PoseEstimation_single/             the unique body parts, when present
 * ```
 * Facts followed: ndx-pose 0.2 moved `nodes`/`edges` from PoseEstimation into a Skeleton held by a Skeletons
 * container in the same processing module; DLC2NWB writes one PoseEstimation per animal; movement's
 * `load_poses.from_nwb_file(file, pose_estimation_key=...)` reads one PoseEstimation (series name = keypoint,
 * `rate` or the timestamps give the fps). Series are named by body part so that `Skeleton.nodes` names them.
 *
 * Not written: the cached schema (`/specifications`). pynwb then uses the schemas installed with it, so a reader
 * must `import ndx_pose` (ndx-pose ≥ 0.2) before `NWBHDF5IO(...).read()`. `dimensions` is uint16 (the 0.2.0
 * schema says uint8, a minimum precision that cannot hold video sizes; later ndx-pose releases use uint16).
 */
import { randomUUID } from 'node:crypto';
import { HerdError } from '../common/errors';
import type { PoseArray } from '../common/pose';
import { attr, group, numeric, textArray, textScalar, writeHdf5Atomic, type AtomicWriteOptions, type H5Dataset, type H5Group } from './h5-write';

/** The NWB core schema version the file declares. */
export const NWB_VERSION = '2.7.0';
/** The ndx-pose schema whose layout is written. */
export const NDX_POSE_VERSION = '0.2.0';

export interface NwbPoseInfo {
  /** DeepLabCut scorer of the table (`DLC_Resnet50_…shuffle1_snapshot_200`). */
  scorer: string;
  /** The analysed video (stored in `original_videos`). */
  video: string;
  fps: number;
  width: number;
  height: number;
  /** Skeleton edges as pairs of body-part names (config.yaml's `skeleton`); pairs naming unknown parts are dropped. */
  skeleton?: Array<[string, string]>;
  /** Unique body parts ([frames, 1, U, 3]), exported as `PoseEstimation_single`. */
  unique?: PoseArray;
  /** File identifier (default: a UUID). movement names the individual after it. */
  identifier?: string;
  sessionDescription?: string;
  /** `/general/experimenter` (DLC2NWB writes config.yaml's `scorer` there). */
  experimenter?: string;
  /** Default: now. NWB requires one; Herd does not know when the video was recorded. */
  sessionStartTime?: Date;
  /** Written as the `version` attribute of `source_software`. */
  softwareVersion?: string;
  /** Default: now. */
  createdAt?: Date;
}

export interface NwbExport {
  file: string;
  /** PoseEstimation group names, in file order. */
  poseEstimations: string[];
  frames: number;
  /** Skeleton edges written (index pairs into the body parts). */
  edges: Array<[number, number]>;
}

const CONFIDENCE_DEFINITION = "Likelihood of the body part at this position: the part's score map peak (DeepLabCut's likelihood).";
const REFERENCE_FRAME = '(0, 0) is the top-left corner of the video frame; x grows to the right and y downwards, in pixels, with pixel centres at integer coordinates.';

/** UTC with microseconds and an explicit offset, as pynwb writes ISO 8601 datetimes. */
export function isoDateTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

function typed(target: H5Group | H5Dataset, namespace: 'core' | 'ndx-pose', type: string): void {
  attr(target, 'namespace', namespace);
  attr(target, 'neurodata_type', type);
  attr(target, 'object_id', randomUUID());
}

/** Index pairs of `skeleton` edges whose both ends are in `bodyparts`. */
export function skeletonEdges(bodyparts: string[], skeleton: Array<[string, string]> = []): Array<[number, number]> {
  const edges: Array<[number, number]> = [];
  const seen = new Set<string>();
  for (const [a, b] of skeleton) {
    const i = bodyparts.indexOf(a);
    const j = bodyparts.indexOf(b);
    if (i < 0 || j < 0 || i === j) continue;
    const key = `${Math.min(i, j)}-${Math.max(i, j)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push([i, j]);
  }
  return edges;
}

function writeSkeleton(parent: H5Group, name: string, nodes: string[], edges: Array<[number, number]>): string {
  const skeleton = group(parent, name);
  typed(skeleton, 'ndx-pose', 'Skeleton');
  textArray(skeleton, 'nodes', nodes);
  if (edges.length > 0) {
    const wide = nodes.length > 255;
    const flat = edges.flat();
    numeric(skeleton, 'edges', wide ? Uint16Array.from(flat) : Uint8Array.from(flat), [edges.length, 2], wide ? 'uint16' : 'uint8');
  }
  return skeleton.path;
}

interface EstimationInput {
  name: string;
  individual: number;
  poses: PoseArray;
  skeletonPath: string;
  skeletonName: string;
}

function writePoseEstimation(behavior: H5Group, input: EstimationInput, info: NwbPoseInfo): void {
  const { poses, individual } = input;
  const who = poses.individuals[individual];
  const estimation = group(behavior, input.name);
  typed(estimation, 'ndx-pose', 'PoseEstimation');
  textScalar(estimation, 'description', `2D positions of ${poses.bodyparts.join(', ')} of ${who}, estimated and tracked with Herd (scorer ${info.scorer}).`);
  textArray(estimation, 'original_videos', [info.video]);
  numeric(estimation, 'dimensions', Uint16Array.from([info.width, info.height]), [1, 2], 'uint16');
  textScalar(estimation, 'scorer', info.scorer);
  const software = textScalar(estimation, 'source_software', 'Herd');
  if (info.softwareVersion) attr(software, 'version', info.softwareVersion);
  estimation.create_soft_link(input.skeletonPath, input.skeletonName);
  const F = poses.frames;
  const K = poses.bodyparts.length;
  const stride = poses.individuals.length * K * 3;
  poses.bodyparts.forEach((bodypart, part) => {
    const xy = new Float32Array(F * 2);
    const confidence = new Float32Array(F);
    for (let frame = 0; frame < F; frame++) {
      const at = frame * stride + (individual * K + part) * 3;
      xy[frame * 2] = poses.data[at];
      xy[frame * 2 + 1] = poses.data[at + 1];
      confidence[frame] = poses.data[at + 2];
    }
    const series = group(estimation, bodypart);
    typed(series, 'ndx-pose', 'PoseEstimationSeries');
    attr(series, 'description', `Position of ${bodypart} of ${who}.`);
    attr(series, 'comments', 'no comments');
    const data = numeric(series, 'data', xy, [F, 2], 'float32', { gzip: true });
    attr(data, 'unit', 'pixels');
    attr(data, 'conversion', 1, 'float32');
    attr(data, 'offset', 0, 'float32');
    attr(data, 'resolution', -1, 'float32');
    const conf = numeric(series, 'confidence', confidence, [F], 'float32', { gzip: true });
    attr(conf, 'definition', CONFIDENCE_DEFINITION);
    textScalar(series, 'reference_frame', REFERENCE_FRAME);
    const start = numeric(series, 'starting_time', Float64Array.from([0]), [], 'float64');
    attr(start, 'rate', info.fps, 'float32');
    attr(start, 'unit', 'seconds');
  });
}

/**
 * Writes `poses` ([frames, individuals, bodyparts, 3]) as an NWB file with one ndx-pose PoseEstimation per
 * individual (plus `PoseEstimation_single` for `info.unique`). Atomic; refuses an existing file unless
 * `options.overwrite`.
 */
export async function writeNwbPoses(file: string, poses: PoseArray, info: NwbPoseInfo, options: AtomicWriteOptions = {}): Promise<NwbExport> {
  if (poses.frames < 1) throw new HerdError('EXPORT_EMPTY', 'the pose table has no frames', { file });
  if (poses.individuals.length < 1 || poses.bodyparts.length < 1) throw new HerdError('EXPORT_EMPTY', 'the pose table has no individuals or no body parts', { file });
  if (!(info.fps > 0) || !Number.isFinite(info.fps)) throw new HerdError('EXPORT_FPS', `the video's frame rate (${info.fps}) is not a positive number`, { file });
  const unique = info.unique && info.unique.bodyparts.length > 0 ? info.unique : undefined;
  if (unique && unique.frames !== poses.frames) throw new HerdError('EXPORT_SHAPE', `unique body parts cover ${unique.frames} frames, the animals ${poses.frames}`, { file });
  const names = poses.individuals.map((individual) => `PoseEstimation_${individual}`);
  if (unique) names.push(`PoseEstimation_${unique.individuals[0] ?? 'single'}`);
  if (new Set(names).size !== names.length) throw new HerdError('EXPORT_NAMES', `individual names collide: ${names.join(', ')}`, { file });
  const edges = skeletonEdges(poses.bodyparts, info.skeleton);
  const created = info.createdAt ?? new Date();
  const start = info.sessionStartTime ?? created;
  await writeHdf5Atomic(
    file,
    (root) => {
      typed(root, 'core', 'NWBFile');
      attr(root, 'nwb_version', NWB_VERSION);
      textArray(root, 'file_create_date', [isoDateTime(created)]);
      textScalar(root, 'identifier', info.identifier ?? randomUUID());
      textScalar(root, 'session_description', info.sessionDescription ?? `Poses tracked by Herd in ${info.video}`);
      textScalar(root, 'session_start_time', isoDateTime(start));
      textScalar(root, 'timestamps_reference_time', isoDateTime(start));
      group(root, 'acquisition');
      group(root, 'analysis');
      const general = group(root, 'general');
      if (info.experimenter) textArray(general, 'experimenter', [info.experimenter]);
      const stimulus = group(root, 'stimulus');
      group(stimulus, 'presentation');
      group(stimulus, 'templates');
      const processing = group(root, 'processing');
      const behavior = group(processing, 'behavior');
      typed(behavior, 'core', 'ProcessingModule');
      attr(behavior, 'description', 'processed behavioral data');
      const skeletons = group(behavior, 'Skeletons');
      typed(skeletons, 'ndx-pose', 'Skeletons');
      const skeletonPath = writeSkeleton(skeletons, 'skeleton', poses.bodyparts, edges);
      poses.individuals.forEach((_, individual) => {
        writePoseEstimation(behavior, { name: names[individual], individual, poses, skeletonPath, skeletonName: 'skeleton' }, info);
      });
      if (unique) {
        const uniquePath = writeSkeleton(skeletons, 'unique_bodyparts', unique.bodyparts, skeletonEdges(unique.bodyparts, info.skeleton));
        writePoseEstimation(behavior, { name: names[names.length - 1], individual: 0, poses: unique, skeletonPath: uniquePath, skeletonName: 'unique_bodyparts' }, info);
      }
    },
    options,
  );
  return { file, poseEstimations: names, frames: poses.frames, edges };
}
