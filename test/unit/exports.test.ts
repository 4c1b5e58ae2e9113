/**
 * Pose exports: NWB (ndx-pose) and SLEAP analysis HDF5, written from known poses and read back with h5py
 * (/usr/bin/python3), including the transpositions movement and SLEAP apply when they load an analysis file;
 * `readSleapAnalysis` round trips and reads a file laid out by h5py the way SLEAP writes it; `herd export-poses`
 * finds the tracked table of a real project and refuses to overwrite.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { formatHelp } from '../../src-core/cli/args';
import { exportPosesCommand } from '../../src-core/cli/commands/export';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import { silentProgress } from '../../src-core/common/progress';
import { analysisPrefix, writePoseTable } from '../../src-core/infer/outputs';
import { findPoseTable } from '../../src-core/infer/locate';
import { exportPath, exportPoses } from '../../src-core/io/export';
import { isoDateTime, writeNwbPoses } from '../../src-core/io/nwb';
import { readSleapAnalysis, writeSleapAnalysis } from '../../src-core/io/sleap-analysis';
import { createProject } from '../../src-core/project/create';
import { PYTHON, runPython } from '../helpers/pandas';
import { makeTestVideo, temporaryFolder } from '../helpers/workspace';

const h5pyMissing = spawnSync(PYTHON, ['-c', 'import h5py, numpy'], { encoding: 'utf8' }).status !== 0;
const skipH5py = h5pyMissing ? `skipped: ${PYTHON} cannot import h5py (apt install python3-h5py)` : false;

const SCORER = 'DLC_HerdSmall_expNov26shuffle1_snapshot_5';
const FRAMES = 10;
const INDIVIDUALS = ['mouse1', 'mouse2'];
const BODYPARTS = ['snout', 'tail', 'tailbase'];
const SKELETON: Array<[string, string]> = [
  ['snout', 'tail'],
  ['tail', 'tailbase'],
  ['snout', 'nowhere'],
];

/** Known poses: x = 10f + 3i + p + 0.25, y = 100 + f − i·p, likelihood = 0.5 + 0.01(f+i+p); mouse2 absent in frame 3, mouse1's tail in frame 5. */
function knownPoses(): PoseArray {
  const poses = createPoseArray(FRAMES, INDIVIDUALS, BODYPARTS);
  for (let f = 0; f < FRAMES; f++) {
    for (let i = 0; i < INDIVIDUALS.length; i++) {
      for (let p = 0; p < BODYPARTS.length; p++) {
        if ((f === 3 && i === 1) || (f === 5 && i === 0 && p === 1)) continue;
        const at = poseOffset(poses, f, i, p);
        poses.data[at] = 10 * f + 3 * i + p + 0.25;
        poses.data[at + 1] = 100 + f - i * p;
        poses.data[at + 2] = 0.5 + 0.01 * (f + i + p);
      }
    }
  }
  return poses;
}

function uniquePoses(): PoseArray {
  const unique = createPoseArray(FRAMES, ['single'], ['corner']);
  for (let f = 0; f < FRAMES; f++) unique.data.set([5, 6 + f, 0.9], f * 3);
  return unique;
}

/** Value at (frame, individual, bodypart, coord) as Python's JSON gives it (NaN → null). */
function expected(poses: PoseArray, f: number, i: number, p: number, c: number): number | null {
  const v = poses.data[poseOffset(poses, f, i, p) + c];
  return Number.isNaN(v) ? null : v;
}

/** Every object of an HDF5 file as h5py sees it: kind, dtype, shape, attributes, value (NaN → null, bytes decoded), soft links. */
interface H5Node {
  kind: 'group' | 'dataset' | 'softlink';
  dtype?: string;
  shape?: number[];
  attrs: Record<string, unknown>;
  value?: unknown;
  target?: string;
}

const DUMP = `
import json, sys, math
import h5py, numpy as np
def conv(x):
    if isinstance(x, np.ndarray): return conv(x.tolist())
    if isinstance(x, (list, tuple)): return [conv(i) for i in x]
    if isinstance(x, bytes): return x.decode('utf-8')
    if isinstance(x, np.generic): x = x.item()
    if isinstance(x, float) and math.isnan(x): return None
    return x
out = {}
def walk(g, prefix):
    for name in g:
        link = g.get(name, getlink=True)
        p = prefix + '/' + name
        if isinstance(link, h5py.SoftLink):
            out[p] = {'kind': 'softlink', 'target': link.path, 'attrs': {}}
            continue
        obj = g[name]
        attrs = {k: conv(v) for k, v in obj.attrs.items()}
        if isinstance(obj, h5py.Group):
            out[p] = {'kind': 'group', 'attrs': attrs}
            walk(obj, p)
        else:
            out[p] = {'kind': 'dataset', 'dtype': str(obj.dtype), 'shape': list(obj.shape), 'attrs': attrs, 'value': conv(obj[()])}
with h5py.File(sys.argv[1], 'r') as f:
    out['/'] = {'kind': 'group', 'attrs': {k: conv(v) for k, v in f.attrs.items()}}
    walk(f, '')
print(json.dumps(out))
`;

function dump(file: string): Record<string, H5Node> {
  return runPython<Record<string, H5Node>>(DUMP, file);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const work = temporaryFolder('herd-exports-');

describe('NWB export (ndx-pose)', { skip: skipH5py }, () => {
  const poses = knownPoses();
  const file = path.join(work, 'direct.nwb');
  let nodes: Record<string, H5Node>;
  const created = new Date(Date.UTC(2026, 10, 26, 1, 2, 3, 456));

  before(async () => {
    const result = await writeNwbPoses(file, poses, {
      scorer: SCORER,
      video: '/data/mice.mp4',
      fps: 30,
      width: 640,
      height: 480,
      skeleton: SKELETON,
      unique: uniquePoses(),
      identifier: 'mice-session',
      softwareVersion: '0.1.0',
      createdAt: created,
    });
    assert.deepEqual(result.poseEstimations, ['PoseEstimation_mouse1', 'PoseEstimation_mouse2', 'PoseEstimation_single']);
    assert.deepEqual(result.edges, [[0, 1], [1, 2]]);
    nodes = dump(file);
  });

  it('has the NWB file root: attributes, required datasets and groups', () => {
    const root = nodes['/'].attrs;
    assert.equal(root.namespace, 'core');
    assert.equal(root.neurodata_type, 'NWBFile');
    assert.equal(root.nwb_version, '2.7.0');
    assert.match(String(root.object_id), UUID);
    assert.deepEqual(nodes['/file_create_date'].value, ['2026-11-26T01:02:03.456000+00:00']);
    assert.equal(nodes['/file_create_date'].dtype, 'object');
    assert.equal(nodes['/identifier'].value, 'mice-session');
    assert.equal(nodes['/session_start_time'].value, isoDateTime(created));
    assert.equal(nodes['/timestamps_reference_time'].value, isoDateTime(created));
    assert.match(String(nodes['/session_description'].value), /mice\.mp4/);
    for (const group of ['/acquisition', '/analysis', '/general', '/processing', '/stimulus/presentation', '/stimulus/templates']) {
      assert.equal(nodes[group]?.kind, 'group', group);
    }
    const behavior = nodes['/processing/behavior'].attrs;
    assert.deepEqual([behavior.namespace, behavior.neurodata_type], ['core', 'ProcessingModule']);
    assert.equal(behavior.description, 'processed behavioral data');
  });

  it('writes one PoseEstimation per individual with its metadata and a link to the Skeleton', () => {
    const ids = new Set<string>();
    for (const individual of [...INDIVIDUALS, 'single']) {
      const base = `/processing/behavior/PoseEstimation_${individual}`;
      const attrs = nodes[base].attrs;
      assert.deepEqual([attrs.namespace, attrs.neurodata_type], ['ndx-pose', 'PoseEstimation']);
      assert.match(String(attrs.object_id), UUID);
      ids.add(String(attrs.object_id));
      assert.deepEqual(nodes[`${base}/original_videos`].value, ['/data/mice.mp4']);
      assert.deepEqual(nodes[`${base}/dimensions`].value, [[640, 480]]);
      assert.equal(nodes[`${base}/dimensions`].dtype, 'uint16');
      assert.equal(nodes[`${base}/scorer`].value, SCORER);
      assert.equal(nodes[`${base}/source_software`].value, 'Herd');
      assert.equal(nodes[`${base}/source_software`].attrs.version, '0.1.0');
      assert.equal(typeof nodes[`${base}/description`].value, 'string');
    }
    assert.equal(ids.size, 3, 'object ids are unique');
    assert.deepEqual(nodes['/processing/behavior/PoseEstimation_mouse1/skeleton'], { kind: 'softlink', target: '/processing/behavior/Skeletons/skeleton', attrs: {} });
    assert.equal(nodes['/processing/behavior/PoseEstimation_single/unique_bodyparts'].target, '/processing/behavior/Skeletons/unique_bodyparts');
    const skeletons = nodes['/processing/behavior/Skeletons'].attrs;
    assert.deepEqual([skeletons.namespace, skeletons.neurodata_type], ['ndx-pose', 'Skeletons']);
    const skeleton = '/processing/behavior/Skeletons/skeleton';
    assert.deepEqual([nodes[skeleton].attrs.namespace, nodes[skeleton].attrs.neurodata_type], ['ndx-pose', 'Skeleton']);
    assert.deepEqual(nodes[`${skeleton}/nodes`].value, BODYPARTS);
    assert.deepEqual(nodes[`${skeleton}/edges`].value, [[0, 1], [1, 2]]);
    assert.equal(nodes[`${skeleton}/edges`].dtype, 'uint8');
    assert.deepEqual(nodes['/processing/behavior/Skeletons/unique_bodyparts/nodes'].value, ['corner']);
    assert.equal(nodes['/processing/behavior/Skeletons/unique_bodyparts/edges'], undefined, 'no edges, no dataset');
  });

  it('stores each body part as a PoseEstimationSeries: data [frames, 2] in pixels, confidence, rate', () => {
    INDIVIDUALS.forEach((individual, i) => {
      BODYPARTS.forEach((bodypart, p) => {
        const base = `/processing/behavior/PoseEstimation_${individual}/${bodypart}`;
        const attrs = nodes[base].attrs;
        assert.deepEqual([attrs.namespace, attrs.neurodata_type], ['ndx-pose', 'PoseEstimationSeries']);
        assert.equal(typeof attrs.description, 'string');
        assert.equal(attrs.comments, 'no comments');
        const data = nodes[`${base}/data`];
        assert.equal(data.dtype, 'float32');
        assert.deepEqual(data.shape, [FRAMES, 2]);
        assert.equal(data.attrs.unit, 'pixels');
        assert.equal(data.attrs.conversion, 1);
        assert.equal(data.attrs.resolution, -1);
        const confidence = nodes[`${base}/confidence`];
        assert.deepEqual(confidence.shape, [FRAMES]);
        assert.equal(typeof confidence.attrs.definition, 'string');
        const values = data.value as Array<[number | null, number | null]>;
        for (let f = 0; f < FRAMES; f++) {
          assert.deepEqual(values[f], [expected(poses, f, i, p, 0), expected(poses, f, i, p, 1)], `${base} frame ${f}`);
          const want = expected(poses, f, i, p, 2);
          const got = (confidence.value as Array<number | null>)[f];
          if (want === null) assert.equal(got, null);
          else assert.ok(Math.abs((got as number) - Math.fround(want)) < 1e-7, `${base} confidence ${f}`);
        }
        assert.equal(nodes[`${base}/starting_time`].value, 0);
        assert.equal(nodes[`${base}/starting_time`].attrs.rate, 30);
        assert.equal(nodes[`${base}/starting_time`].attrs.unit, 'seconds');
        assert.match(String(nodes[`${base}/reference_frame`].value), /top-left/);
      });
    });
    assert.deepEqual((nodes['/processing/behavior/PoseEstimation_mouse2/snout/data'].value as unknown[])[3], [null, null], 'absent animal is NaN');
    assert.deepEqual((nodes['/processing/behavior/PoseEstimation_mouse1/tail/data'].value as unknown[])[5], [null, null], 'missing part is NaN');
    assert.deepEqual((nodes['/processing/behavior/PoseEstimation_single/corner/data'].value as unknown[])[4], [5, 10]);
  });

  it('refuses to replace an existing file unless asked, and leaves no temporary file', async () => {
    const before = fs.readFileSync(file);
    await assert.rejects(
      writeNwbPoses(file, poses, { scorer: SCORER, video: 'x.mp4', fps: 30, width: 64, height: 48 }),
      (error: unknown) => error instanceof HerdError && error.code === 'OUTPUT_EXISTS',
    );
    assert.ok(fs.readFileSync(file).equals(before));
    await writeNwbPoses(file, poses, { scorer: SCORER, video: 'x.mp4', fps: 30, width: 64, height: 48 }, { overwrite: true });
    assert.equal(dump(file)['/processing/behavior/PoseEstimation_mouse1/original_videos'].value?.toString(), 'x.mp4');
    assert.deepEqual(fs.readdirSync(work).filter((name) => name.startsWith('.herd-tmp')), []);
  });

  it('refuses a frame rate it cannot write', async () => {
    await assert.rejects(
      writeNwbPoses(path.join(work, 'nofps.nwb'), poses, { scorer: SCORER, video: 'x.mp4', fps: 0, width: 64, height: 48 }),
      (error: unknown) => error instanceof HerdError && error.code === 'EXPORT_FPS',
    );
    assert.equal(fs.existsSync(path.join(work, 'nofps.nwb')), false);
  });
});

/** What movement's `_load_from_sleap_analysis_file` and SLEAP's `SleapAnalysisAdaptor.read` compute from the file. */
const SLEAP_VIEW = `
import json, sys, math
import h5py, numpy as np
def conv(x):
    if isinstance(x, np.ndarray): return conv(x.tolist())
    if isinstance(x, (list, tuple)): return [conv(i) for i in x]
    if isinstance(x, bytes): return x.decode('utf-8')
    if isinstance(x, float) and math.isnan(x): return None
    return x
with h5py.File(sys.argv[1], 'r') as f:
    shapes = {k: list(f[k].shape) for k in f.keys()}
    dtypes = {k: str(f[k].dtype) for k in f.keys()}
    position = f['tracks'][:].transpose((3, 0, 2, 1))        # movement: (frames, tracks, keypoints, space)
    confidence = f['point_scores'][:].transpose((2, 0, 1))   # movement: (frames, tracks, keypoints)
    sleap_tracks = f['tracks'][:].T                          # SLEAP: frames * nodes * 2 * tracks
    out = {
        'keys': sorted(f.keys()),
        'shapes': shapes,
        'dtypes': dtypes,
        'compression': f['tracks'].compression,
        'movement_position': conv(position),
        'movement_confidence': conv(confidence),
        'individuals': [n.decode() for n in f['track_names'][:]],
        'keypoints': [n.decode() for n in f['node_names'][:]],
        'sleap_tracks_shape': list(sleap_tracks.shape),
        'sleap_nodes': [n.decode() for n in f['node_names'][:].T],
        'occupancy': conv(f['track_occupancy'][:]),
        'instance_scores': conv(f['instance_scores'][:]),
        'tracking_scores': conv(f['tracking_scores'][:]),
        'edge_inds': conv(f['edge_inds'][:]),
        'edge_names': conv(f['edge_names'][:]),
        'video_path': conv(f['video_path'][()]),
        'video_ind': int(f['video_ind'][()]),
        'labels_path': conv(f['labels_path'][()]),
        'provenance': json.loads(conv(f['provenance'][()])),
    }
print(json.dumps(out))
`;

interface SleapView {
  keys: string[];
  shapes: Record<string, number[]>;
  dtypes: Record<string, string>;
  compression: string | null;
  movement_position: Array<Array<Array<Array<number | null>>>>;
  movement_confidence: Array<Array<Array<number | null>>>;
  individuals: string[];
  keypoints: string[];
  sleap_tracks_shape: number[];
  sleap_nodes: string[];
  occupancy: number[][];
  instance_scores: Array<Array<number | null>>;
  tracking_scores: Array<Array<number | null>>;
  edge_inds: number[][];
  edge_names: string[][];
  video_path: string;
  video_ind: number;
  labels_path: string;
  provenance: Record<string, unknown>;
}

function assertSamePoses(actual: PoseArray, wanted: PoseArray, tolerance = 0): void {
  assert.equal(actual.frames, wanted.frames);
  assert.deepEqual(actual.individuals, wanted.individuals);
  assert.deepEqual(actual.bodyparts, wanted.bodyparts);
  for (let k = 0; k < wanted.data.length; k++) {
    const a = actual.data[k];
    const b = wanted.data[k];
    if (Number.isNaN(b)) assert.ok(Number.isNaN(a), `value ${k}: expected NaN, got ${a}`);
    else assert.ok(Math.abs(a - b) <= tolerance, `value ${k}: expected ${b}, got ${a}`);
  }
}

describe('SLEAP analysis export', { skip: skipH5py }, () => {
  const poses = knownPoses();
  const file = path.join(work, 'direct.analysis.h5');
  let view: SleapView;

  before(async () => {
    const result = await writeSleapAnalysis(file, poses, {
      video: '/data/mice.mp4',
      skeleton: SKELETON,
      labelsPath: '/data/micetable_el.h5',
      provenance: { scorer: SCORER },
    });
    assert.deepEqual([result.frames, result.tracks, result.nodes], [FRAMES, 2, 3]);
    view = runPython<SleapView>(SLEAP_VIEW, file);
  });

  it("has SLEAP's datasets with its transposed on-disk shapes", () => {
    assert.deepEqual(view.keys, [
      'edge_inds', 'edge_names', 'instance_scores', 'labels_path', 'node_names', 'point_scores', 'provenance',
      'track_names', 'track_occupancy', 'tracking_scores', 'tracks', 'video_ind', 'video_path',
    ]);
    assert.deepEqual(view.shapes.tracks, [2, 2, 3, FRAMES]);
    assert.deepEqual(view.shapes.track_occupancy, [FRAMES, 2]);
    assert.deepEqual(view.shapes.point_scores, [2, 3, FRAMES]);
    assert.deepEqual(view.shapes.instance_scores, [2, FRAMES]);
    assert.deepEqual(view.shapes.tracking_scores, [2, FRAMES]);
    assert.deepEqual(view.shapes.track_names, [2]);
    assert.deepEqual(view.shapes.node_names, [3]);
    assert.deepEqual(view.shapes.edge_inds, [2, 2]);
    assert.deepEqual(view.shapes.video_ind, []);
    assert.equal(view.dtypes.tracks, 'float64');
    assert.equal(view.dtypes.track_occupancy, 'uint8');
    assert.equal(view.dtypes.edge_inds, 'int64');
    assert.match(view.dtypes.node_names, /^\|S\d+$/);
    assert.equal(view.compression, 'gzip');
    // SLEAP's reader: tracks.T is frames × nodes × 2 × tracks, names decoded from bytes.
    assert.deepEqual(view.sleap_tracks_shape, [FRAMES, 3, 2, 2]);
    assert.deepEqual(view.sleap_nodes, BODYPARTS);
  });

  it('reads as movement does: positions and confidences per frame, track and keypoint', () => {
    assert.deepEqual(view.individuals, INDIVIDUALS);
    assert.deepEqual(view.keypoints, BODYPARTS);
    for (let f = 0; f < FRAMES; f++) {
      for (let i = 0; i < 2; i++) {
        for (let p = 0; p < 3; p++) {
          assert.deepEqual(view.movement_position[f][i][p], [expected(poses, f, i, p, 0), expected(poses, f, i, p, 1)], `position ${f} ${i} ${p}`);
          const want = expected(poses, f, i, p, 2);
          const got = view.movement_confidence[f][i][p];
          if (want === null) assert.equal(got, null);
          else assert.ok(Math.abs((got as number) - Math.fround(want)) < 1e-7);
        }
      }
    }
    assert.deepEqual(view.movement_position[3][1], [[null, null], [null, null], [null, null]]);
  });

  it('marks occupancy, instance scores, the skeleton and the source', () => {
    for (let f = 0; f < FRAMES; f++) assert.deepEqual(view.occupancy[f], [1, f === 3 ? 0 : 1]);
    assert.equal(view.instance_scores[1][3], null);
    const mean = (0.5 + 0.01 * (2 + 1 + 0) + 0.5 + 0.01 * (2 + 1 + 1) + 0.5 + 0.01 * (2 + 1 + 2)) / 3;
    assert.ok(Math.abs((view.instance_scores[1][2] as number) - mean) < 1e-6);
    assert.ok(view.tracking_scores.flat().every((v) => v === null));
    assert.deepEqual(view.edge_inds, [[0, 1], [1, 2]]);
    assert.deepEqual(view.edge_names, [['snout', 'tail'], ['tail', 'tailbase']]);
    assert.equal(view.video_path, '/data/mice.mp4');
    assert.equal(view.video_ind, 0);
    assert.equal(view.labels_path, '/data/micetable_el.h5');
    assert.equal(view.provenance.software, 'Herd');
    assert.equal(view.provenance.scorer, SCORER);
  });

  it('round trips through readSleapAnalysis', async () => {
    const back = await readSleapAnalysis(file);
    assertSamePoses(back.poses, poses, 1e-6);
    assert.deepEqual(back.edges, [[0, 1], [1, 2]]);
    assert.equal(back.videoPath, '/data/mice.mp4');
    assert.equal(back.occupancy[3 * 2 + 1], 0);
    assert.equal(back.occupancy[3 * 2], 1);
  });

  it('reads a file laid out by h5py as SLEAP writes it (np.string_ names, np.transpose, gzip)', async () => {
    const sleapFile = path.join(work, 'sleap-written.analysis.h5');
    runPython(
      `
import json, sys
import h5py, numpy as np
F, N, T = 4, 2, 2
locations = np.full((F, N, 2, T), np.nan)
scores = np.full((F, N, T), np.nan)
occupancy = np.zeros((T, F), dtype=np.uint8)
for f in range(F):
    for t in range(T):
        if f == 2 and t == 1: continue
        occupancy[t, f] = 1
        for n in range(N):
            locations[f, n, :, t] = [f * 10 + n + 0.5, t * 100 + n]
            scores[f, n, t] = 0.25 * (n + 1)
data = dict(
    track_names=[np.string_('track_0'), np.string_('fly\\u00e9'.encode('utf-8'))],
    node_names=[np.string_('head'), np.string_('thorax')],
    edge_names=[(np.string_('head'), np.string_('thorax'))],
    edge_inds=[(0, 1)],
    tracks=locations, track_occupancy=occupancy, point_scores=scores,
    instance_scores=np.full((F, T), 0.9), tracking_scores=np.full((F, T), 0.8),
    labels_path='None', video_path='flies.mp4', video_ind=0, provenance=json.dumps({}),
)
with h5py.File(sys.argv[1], 'w') as f:
    for key, val in data.items():
        if isinstance(val, np.ndarray):
            f.create_dataset(key, data=np.transpose(val), compression='gzip', compression_opts=9)
        else:
            f.create_dataset(key, data=val)
print('null')
`,
      sleapFile,
    );
    const back = await readSleapAnalysis(sleapFile);
    assert.deepEqual(back.poses.individuals, ['track_0', 'flyé']);
    assert.deepEqual(back.poses.bodyparts, ['head', 'thorax']);
    assert.equal(back.poses.frames, 4);
    const at = poseOffset(back.poses, 3, 1, 1);
    assert.deepEqual(Array.from(back.poses.data.subarray(at, at + 3)), [31.5, 101, 0.5]);
    const gone = poseOffset(back.poses, 2, 1, 0);
    assert.ok(Number.isNaN(back.poses.data[gone]) && Number.isNaN(back.poses.data[gone + 2]));
    assert.deepEqual(back.edges, [[0, 1]]);
    assert.equal(back.instanceScores[0], 0.9);
    assert.equal(back.trackingScores[0], 0.8);
    assert.equal(back.occupancy[2 * 2 + 1], 0);
    assert.equal(back.videoPath, 'flies.mp4');
  });

  it('refuses a missing or foreign file clearly', async () => {
    await assert.rejects(readSleapAnalysis(path.join(work, 'nope.analysis.h5')), (e: unknown) => e instanceof HerdError && e.code === 'SLEAP_ANALYSIS_NOT_FOUND');
    await assert.rejects(readSleapAnalysis(path.join(work, 'direct.nwb')), (e: unknown) => e instanceof HerdError && e.code === 'SLEAP_ANALYSIS_FORMAT');
  });
});

describe('herd export-poses', { skip: skipH5py }, () => {
  let config: string;
  let video: string;
  let table: string;
  const poses = knownPoses();
  const context = () => {
    const notes: string[] = [];
    return { notes, context: { progress: silentProgress, signal: new AbortController().signal, note: (line: string) => notes.push(line) } };
  };

  before(async () => {
    const source = makeTestVideo(path.join(work, 'mice.mp4'), { width: 64, height: 48, frames: FRAMES, fps: 10 });
    const created = await createProject({
      task: 'exp',
      experimenter: 'me',
      videos: [source],
      workingDirectory: work,
      copyVideos: true,
      individuals: INDIVIDUALS,
      bodyparts: BODYPARTS,
      uniqueBodyparts: ['corner'],
      skeleton: [['snout', 'tail'], ['tail', 'tailbase']],
    });
    config = created.configPath;
    video = path.join(created.root, 'videos', 'mice.mp4');
    table = `${analysisPrefix(video, SCORER)}_el.h5`;
    const unique = uniquePoses();
    await writePoseTable(table, poses, SCORER, { multiAnimal: true, csv: true, uniqueBodyparts: { frames: FRAMES, bodyparts: unique.bodyparts, data: unique.data } });
  });

  it('finds the tracked table of the shuffle and tracker', () => {
    const found = findPoseTable(video, { folder: path.dirname(video), shuffle: 1, suffix: '_el' });
    assert.equal(found.file, table);
    assert.equal(found.scorer, SCORER);
    assert.throws(() => findPoseTable(video, { folder: path.dirname(video), shuffle: 2, suffix: '_el' }), (e: unknown) => e instanceof HerdError && e.code === 'POSE_TABLE_NOT_FOUND');
    assert.throws(() => findPoseTable(video, { folder: path.dirname(video), shuffle: 1, suffix: '_bx' }), /_bx/);
    // A single-animal table has no tracker suffix; tracked, filtered or exported files are not taken for one.
    assert.throws(() => findPoseTable(video, { folder: path.dirname(video), shuffle: 1, suffix: '' }), (e: unknown) => e instanceof HerdError && e.code === 'POSE_TABLE_NOT_FOUND');
    const plain = path.join(work, 'plain');
    fs.mkdirSync(plain);
    fs.copyFileSync(table, path.join(plain, `mice${SCORER}.h5`));
    fs.copyFileSync(table, path.join(plain, `mice${SCORER}_el_filtered.h5`));
    assert.equal(findPoseTable(video, { folder: plain, shuffle: 1, suffix: '' }).file, path.join(plain, `mice${SCORER}.h5`));
    assert.equal(findPoseTable(video, { folder: plain, shuffle: 1, suffix: '_el', filtered: true }).file, path.join(plain, `mice${SCORER}_el_filtered.h5`));
    assert.equal(exportPath(table, 'nwb'), table.replace(/\.h5$/, '.nwb'));
    assert.equal(exportPath(table, 'sleap-analysis'), table.replace(/\.h5$/, '.analysis.h5'));
  });

  it('exports NWB beside the table, with the video size, fps, skeleton and unique parts', async () => {
    const { context: ctx } = context();
    const result = await exportPosesCommand.run({ positionals: { config, videos: [video] }, options: { format: 'nwb', shuffle: 1 } }, ctx);
    const output = table.replace(/\.h5$/, '.nwb');
    assert.match(result.text, /exported 1 table/);
    assert.ok(result.text.includes(output));
    const nodes = dump(output);
    assert.equal(nodes['/identifier'].value, path.basename(output, '.nwb'));
    assert.deepEqual(nodes['/general/experimenter'].value, ['me']);
    const base = '/processing/behavior/PoseEstimation_mouse2';
    assert.deepEqual(nodes[`${base}/dimensions`].value, [[64, 48]]);
    assert.deepEqual(nodes[`${base}/original_videos`].value, [video]);
    assert.equal(nodes[`${base}/snout/starting_time`].attrs.rate, 10);
    assert.deepEqual((nodes[`${base}/tailbase/data`].value as unknown[])[7], [expected(poses, 7, 1, 2, 0), expected(poses, 7, 1, 2, 1)]);
    assert.deepEqual(nodes['/processing/behavior/Skeletons/skeleton/edges'].value, [[0, 1], [1, 2]]);
    assert.deepEqual(nodes['/processing/behavior/Skeletons/unique_bodyparts/nodes'].value, ['corner']);
  });

  it('exports a SLEAP analysis file that round trips, leaving the unique parts out with a warning', async () => {
    const { context: ctx, notes } = context();
    const result = await exportPosesCommand.run({ positionals: { config, videos: [path.dirname(video)] }, options: { format: 'sleap-analysis', 'track-method': 'ellipse' } }, ctx);
    const output = table.replace(/\.h5$/, '.analysis.h5');
    assert.deepEqual((result.data.exports as Array<{ output: string }>).map((e) => e.output), [output]);
    assert.ok(notes.some((n) => /unique body parts \(corner\)/.test(n)), notes.join('\n'));
    const back = await readSleapAnalysis(output);
    assertSamePoses(back.poses, poses, 1e-6);
    assert.equal(back.videoPath, video);
  });

  it('never overwrites without --overwrite, and writes nothing when refusing', async () => {
    const output = table.replace(/\.h5$/, '.nwb');
    const before = fs.readFileSync(output);
    const { context: ctx } = context();
    await assert.rejects(
      exportPosesCommand.run({ positionals: { config, videos: [video] }, options: { format: 'nwb', shuffle: 1 } }, ctx),
      (e: unknown) => e instanceof HerdError && e.code === 'OUTPUT_EXISTS' && e.location.file === output,
    );
    assert.ok(fs.readFileSync(output).equals(before));
    await exportPosesCommand.run({ positionals: { config, videos: [video] }, options: { format: 'nwb', shuffle: 1, overwrite: true } }, ctx);
    assert.ok(!fs.readFileSync(output).equals(before), 'rewritten (new object ids)');
    assert.deepEqual(fs.readdirSync(path.dirname(video)).filter((name) => name.startsWith('.herd-tmp')), []);
  });

  it('explains a missing table, a bad format and a bad tracker', async () => {
    const { context: ctx } = context();
    await assert.rejects(
      exportPosesCommand.run({ positionals: { config, videos: [video] }, options: { format: 'nwb', filtered: true } }, ctx),
      (e: unknown) => e instanceof HerdError && e.code === 'POSE_TABLE_NOT_FOUND' && /herd filter\b/.test(e.message),
    );
    await assert.rejects(exportPosesCommand.run({ positionals: { config, videos: [video] }, options: { format: 'csv' } }, ctx), /--format is nwb or sleap-analysis/);
    await assert.rejects(exportPosesCommand.run({ positionals: { config, videos: [video] }, options: {} }, ctx), /--format is required/);
    await assert.rejects(exportPoses(config, [video], { format: 'nwb', trackMethod: 'kalman' as never }), /--track-method/);
    await assert.rejects(exportPoses(config, [path.join(work, 'absent.mp4')], { format: 'nwb' }), (e: unknown) => e instanceof HerdError && e.code === 'VIDEO_NOT_FOUND');
  });

  it('reads the CSV twin when there is no .h5', async () => {
    const folder = path.join(work, 'csv-only');
    fs.mkdirSync(folder);
    fs.copyFileSync(table.replace(/\.h5$/, '.csv'), path.join(folder, path.basename(table).replace(/\.h5$/, '.csv')));
    const result = await exportPoses(config, [video], { format: 'sleap-analysis', destfolder: folder });
    const output = path.join(folder, path.basename(table).replace(/\.h5$/, '.analysis.h5'));
    assert.equal(result.exports[0].output, output);
    assert.equal(result.exports[0].table, path.join(folder, path.basename(table).replace(/\.h5$/, '.csv')));
    assertSamePoses((await readSleapAnalysis(output)).poses, poses, 1e-4);
  });

  it('--refined exports the table saved by the refinement panel (<…>_el_refined.analysis.h5)', async () => {
    const folder = path.join(work, 'refined');
    fs.mkdirSync(folder);
    fs.copyFileSync(table, path.join(folder, path.basename(table)));
    // The panel's save: the two animals exchanged over frames 3–6.
    const refined: PoseArray = { ...poses, data: poses.data.slice() };
    const stride = BODYPARTS.length * 3;
    for (let f = 3; f <= 6; f++) {
      refined.data.set(poses.data.subarray(poseOffset(poses, f, 1, 0), poseOffset(poses, f, 1, 0) + stride), poseOffset(refined, f, 0, 0));
      refined.data.set(poses.data.subarray(poseOffset(poses, f, 0, 0), poseOffset(poses, f, 0, 0) + stride), poseOffset(refined, f, 1, 0));
    }
    const refinedTable = path.join(folder, path.basename(table).replace(/\.h5$/, '_refined.h5'));
    await assert.rejects(
      exportPosesCommand.run({ positionals: { config, videos: [video] }, options: { format: 'sleap-analysis', destfolder: folder, refined: true } }, context().context),
      (e: unknown) => e instanceof HerdError && e.code === 'POSE_TABLE_NOT_FOUND' && /Herd: Refine Tracklets/.test(e.message),
    );
    await writePoseTable(refinedTable, refined, SCORER, { multiAnimal: true });
    const result = await exportPosesCommand.run({ positionals: { config, videos: [video] }, options: { format: 'sleap-analysis', destfolder: folder, refined: true } }, context().context);
    const exported = (result.data.exports as Array<{ output: string; table: string }>)[0]!;
    assert.equal(exported.table, refinedTable);
    assert.equal(exported.output, refinedTable.replace(/\.h5$/, '.analysis.h5'));
    const back = (await readSleapAnalysis(exported.output)).poses;
    assertSamePoses(back, refined, 1e-6);
    assert.notDeepEqual(Array.from(back.data.subarray(poseOffset(back, 4, 0, 0), poseOffset(back, 4, 0, 0) + 2)), Array.from(poses.data.subarray(poseOffset(poses, 4, 0, 0), poseOffset(poses, 4, 0, 0) + 2)));
    assert.match(formatHelp(exportPosesCommand.spec), /--refined +use the table saved by the refinement panel/);
  });
});
