/**
 * Analysis outputs: the safetensors codec, Herd's detections file, DeepLabCut's scorer string and pose table
 * (read back by real pandas when Debian's python3-pandas + tables are installed).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray, poseOffset } from '../../src-core/common/pose';
import { decodeSafetensors, encodeSafetensors } from '../../src-core/common/safetensors';
import {
  DETECTIONS_FORMAT, detectionsPath, encodeDetections, readDetections, scorerName, writeDetections, writePoseTable, type DetectionsContent,
} from '../../src-core/infer/outputs';
import { readPandasHdf } from '../../src-core/io/hdf5-pandas';
import { runPandasJobs, skipWithoutPandas, type PandasView } from '../helpers/pandas';
import { temporaryFolder } from '../helpers/workspace';

const skip = skipWithoutPandas();

const isCode = (code: string, pattern?: RegExp) => (e: unknown) =>
  e instanceof HerdError && e.code === code && (!pattern || pattern.test(e.message)) && e.location.file !== undefined;

describe('safetensors codec', () => {
  const tensors = [
    { name: 'a', shape: [2, 3], values: Float32Array.from([1, -2, 3.5, Number.NaN, Infinity, 0]) },
    { name: 'empty', shape: [0, 5], values: new Float32Array(0) },
    { name: 'b', shape: [1], values: Float32Array.from([7]) },
  ];
  const bytes = encodeSafetensors(tensors, { note: 'héllo', n: '3' });

  it('round-trips tensors and metadata; the header is padded so data starts 8-aligned', () => {
    assert.equal((8 + Number(bytes.readBigUInt64LE(0))) % 8, 0);
    const decoded = decodeSafetensors(bytes, 'x.safetensors');
    assert.deepEqual(decoded.metadata, { note: 'héllo', n: '3' });
    assert.deepEqual([...decoded.tensors.keys()], ['a', 'empty', 'b']);
    for (const t of tensors) {
      assert.deepEqual(decoded.tensors.get(t.name)!.shape, t.shape);
      assert.deepEqual(Array.from(decoded.tensors.get(t.name)!.values), Array.from(t.values));
    }
  });

  it('names the file in clear errors for truncated, non-JSON and non-F32 content', () => {
    const invalid = (reason: RegExp) => isCode('SAFETENSORS_INVALID', reason);
    assert.throws(() => decodeSafetensors(bytes.subarray(0, 5), 'f'), invalid(/shorter than a safetensors header/));
    assert.throws(() => decodeSafetensors(bytes.subarray(0, 20), 'f'), invalid(/header runs past the end/));
    assert.throws(() => decodeSafetensors(bytes.subarray(0, bytes.length - 2), 'f'), invalid(/tensor b runs past the end/));
    const notJson = Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{{{{{{{{')]);
    assert.throws(() => decodeSafetensors(notJson, 'f'), invalid(/not JSON/));
    const header = Buffer.from(JSON.stringify({ w: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }).padEnd(48));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(header.length));
    assert.throws(() => decodeSafetensors(Buffer.concat([length, header, Buffer.alloc(2)]), 'f'), invalid(/BF16, only F32/));
  });
});

describe('scorerName', () => {
  it("matches DeepLabCut's PyTorch scorer strings", () => {
    const base = { task: 'openfield', date: 'Oct30', shuffle: 1 };
    assert.equal(scorerName({ ...base, netType: 'resnet_50', snapshotUid: 200 }), 'DLC_Resnet50_openfieldOct30shuffle1_snapshot_200');
    assert.equal(scorerName({ ...base, netType: 'herd_small', snapshotUid: 12 }), 'DLC_HerdSmall_openfieldOct30shuffle1_snapshot_12');
    assert.equal(scorerName({ ...base, netType: 'dlcrnet_stride32_ms5', shuffle: 3, snapshotUid: 'best-200' }), 'DLC_DlcrnetStride32Ms5_openfieldOct30shuffle3_snapshot_best-200');
    assert.equal(
      scorerName({ ...base, netType: 'top_down_resnet_50', snapshotUid: 'best-5', detectorUid: 'best-10' }),
      'DLC_TopDownResnet50_openfieldOct30shuffle1_detector_best-10_snapshot_best-5',
    );
  });

  it('names the detections file after the video stem and scorer', () => {
    assert.equal(detectionsPath('/v/m3v1.mp4', 'DLC_X'), path.join('/v', 'm3v1DLC_X_detections.safetensors'));
    assert.equal(detectionsPath('/v/m3v1.mp4', 'DLC_X', '/out'), path.join('/out', 'm3v1DLC_X_detections.safetensors'));
  });
});

function sampleDetections(): DetectionsContent {
  const frames = 3;
  const maxAnimals = 2;
  const K = 2;
  const assemblies = new Float32Array(frames * maxAnimals * K * 4).fill(Number.NaN);
  const assemblyScores = new Float32Array(frames * maxAnimals).fill(Number.NaN);
  // Frame 0: both animals; frame 1: one animal with one missing keypoint; frame 2: nobody.
  assemblies.set([10.25, 20.5, 0.9, 0, 11, 21, 0.8, 0, 30, 40, 0.7, 1, 31.125, 41, 0.6, 1], 0);
  assemblies.set([12, 22, 0.95, 1, Number.NaN, Number.NaN, Number.NaN, Number.NaN], 16);
  assemblyScores.set([0.9, 0.75, 0.5]);
  return {
    assemblies,
    assemblyScores,
    unique: Float32Array.from([5, 6, 0.99, Number.NaN, Number.NaN, Number.NaN, 5.5, 6.5, 0.3]),
    peaks: Float32Array.from([0, 0, 10.25, 20.5, 0.9, 0, 1, 11, 21, 0.8, 2, 1, 99, 98, 0.02]),
    peakIdentity: Float32Array.from([0.9, 0.1, 0.7, 0.3, 0.5, 0.5]),
    metadata: {
      video: '/data/vidéo 1.mp4', fps: 29.97, frames, totalFrames: 10, width: 640, height: 480,
      scorer: 'DLC_HerdSmall_miceNov11shuffle1_snapshot_5', bodyparts: ['nose', 'tail'], uniqueBodyparts: ['corner'],
      individuals: ['m1', 'm2'], pafGraph: [[0, 1]], model: '/p/model.onnx', partial: true, stoppedAt: 'decoding failed at frame 3',
    },
  };
}

function assertSameDetections(actual: DetectionsContent, expected: DetectionsContent): void {
  for (const key of ['assemblies', 'assemblyScores', 'unique', 'peaks', 'peakIdentity'] as const) {
    // deepEqual on plain arrays uses Object.is: NaN equals NaN, every other value must be exact.
    assert.deepEqual(actual[key] && Array.from(actual[key]), expected[key] && Array.from(expected[key]), key);
  }
  assert.equal(actual.maxAnimals, 2);
  assert.deepEqual(actual.metadata, expected.metadata);
}

describe('detections file', () => {
  const dir = temporaryFolder();

  it('round-trips exactly (NaN included), with and without unique parts and identity', () => {
    const full = sampleDetections();
    const file = path.join(dir, 'full_detections.safetensors');
    writeDetections(file, full);
    assertSameDetections(readDetections(file), full);
    const { stoppedAt: _, ...complete } = full.metadata;
    const plain: DetectionsContent = {
      assemblies: full.assemblies.map((v, i) => (i % 4 === 3 && !Number.isNaN(v) ? -1 : v)),
      assemblyScores: full.assemblyScores,
      peaks: full.peaks,
      metadata: { ...complete, uniqueBodyparts: [], partial: false },
    };
    const plainFile = path.join(dir, 'plain_detections.safetensors');
    writeDetections(plainFile, plain);
    assertSameDetections(readDetections(plainFile), plain);
    const stored = decodeSafetensors(fs.readFileSync(plainFile), plainFile);
    assert.deepEqual([...stored.tensors.keys()], ['assemblies', 'assembly_scores', 'peaks']);
    assert.deepEqual(stored.tensors.get('assemblies')!.shape, [3, 2, 2, 4]);
    assert.equal(stored.metadata.stopped_at, '');
  });

  it('refuses another format version, a truncated file, a foreign safetensors file and a missing file', () => {
    const bytes = encodeDetections(sampleDetections());
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = bytes.toString('utf8', 8, 8 + headerLength).replace(DETECTIONS_FORMAT, 'herd-detections-9');
    const future = Buffer.concat([bytes.subarray(0, 8), Buffer.from(header), bytes.subarray(8 + headerLength)]);
    const futureFile = path.join(dir, 'future.safetensors');
    fs.writeFileSync(futureFile, future);
    assert.throws(() => readDetections(futureFile), isCode('DETECTIONS_VERSION', /herd-detections-9 .* herd-detections-1/));
    const truncated = path.join(dir, 'truncated.safetensors');
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 10));
    assert.throws(() => readDetections(truncated), isCode('DETECTIONS_INVALID', /runs past the end of the file/));
    const foreign = path.join(dir, 'foreign.safetensors');
    fs.writeFileSync(foreign, encodeSafetensors([{ name: 'w', shape: [1], values: new Float32Array(1) }], {}));
    assert.throws(() => readDetections(foreign), isCode('DETECTIONS_INVALID', /without Herd's detections/));
    assert.throws(() => readDetections(path.join(dir, 'absent.safetensors')), isCode('DETECTIONS_NOT_FOUND'));
  });
});

describe('pose table', () => {
  const dir = temporaryFolder();
  const scorer = 'DLC_HerdSmall_miceNov11shuffle1_snapshot_5';

  /** Two mice, two body parts, four frames; a gap (NaN) and a fully missing animal in frame 2. */
  function multiPoses() {
    const poses = createPoseArray(4, ['mouse1', 'mouse2'], ['nose', 'tail']);
    for (let f = 0; f < 4; f++) {
      for (let i = 0; i < 2; i++) {
        for (let b = 0; b < 2; b++) {
          if ((f === 2 && i === 1) || (f === 1 && i === 0 && b === 1)) continue;
          poses.data.set([f * 100 + i * 10 + b + 0.5, f * 100 + i * 10 + b + 0.25, 0.1 * (f + 1)], poseOffset(poses, f, i, b));
        }
      }
    }
    const unique = createPoseArray(4, ['single'], ['corner']);
    unique.data.set([1, 2, 0.5, Number.NaN, Number.NaN, Number.NaN, 3, 4, 0.75, 5, 6, 1]);
    return { poses, unique };
  }

  /** Rows as pandas sees them (null = NaN), from the float32 inputs. */
  const expectedRows = (data: Float32Array, perFrame: number, unique?: Float32Array, uniquePerFrame = 0) =>
    Array.from({ length: data.length / perFrame }, (_, f) =>
      [...data.subarray(f * perFrame, (f + 1) * perFrame), ...(unique?.subarray(f * uniquePerFrame, (f + 1) * uniquePerFrame) ?? [])].map((v) =>
        Number.isNaN(v) ? null : v,
      ),
    );

  it('multi-animal: pandas reads the H5 and the CSV with individuals + single, frame index and NaN', { skip }, async () => {
    const { poses, unique } = multiPoses();
    const h5 = path.join(dir, `m3v1${scorer}.h5`);
    const written = await writePoseTable(h5, poses, scorer, { multiAnimal: true, uniqueBodyparts: unique, csv: true });
    assert.equal(written.csv, path.join(dir, `m3v1${scorer}.csv`));
    const [fromH5, fromCsv] = runPandasJobs(
      [{ op: 'readHdf', file: h5 }, { op: 'readCsv', file: written.csv!, headerRows: 4, indexWidth: 1 }],
      path.join(dir, 'multi'),
    ) as PandasView[];
    const columns: string[][] = [];
    for (const individual of ['mouse1', 'mouse2']) {
      for (const bodypart of ['nose', 'tail']) for (const coord of ['x', 'y', 'likelihood']) columns.push([scorer, individual, bodypart, coord]);
    }
    for (const coord of ['x', 'y', 'likelihood']) columns.push([scorer, 'single', 'corner', coord]);
    const rows = expectedRows(poses.data, 12, unique.data, 3);
    for (const view of [fromH5, fromCsv]) {
      assert.deepEqual(view.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
      assert.deepEqual(view.columns, columns);
      assert.deepEqual(view.values, rows);
    }
    assert.deepEqual(fromCsv.index, [[0], [1], [2], [3]]);
    // Our own reader agrees with pandas.
    const ours = await readPandasHdf(h5);
    assert.deepEqual(ours.columns.tuples, columns);
  });

  it('single-animal: scorer/bodyparts/coords, read back by pandas', { skip }, async () => {
    const poses = createPoseArray(3, ['animal'], ['snout', 'tailbase']);
    poses.data.set([1.5, 2.5, 0.9, 3, 4, 0.8, Number.NaN, Number.NaN, Number.NaN, 5, 6, 0.05, 7, 8, 1, 9, 10, 0]);
    const h5 = path.join(dir, `single${scorer}.h5`);
    const { csv } = await writePoseTable(h5, poses, scorer, { multiAnimal: false, csv: true });
    const [fromH5, fromCsv] = runPandasJobs(
      [{ op: 'readHdf', file: h5 }, { op: 'readCsv', file: csv!, headerRows: 3, indexWidth: 1 }],
      path.join(dir, 'single'),
    ) as PandasView[];
    const columns = ['snout', 'tailbase'].flatMap((b) => ['x', 'y', 'likelihood'].map((c) => [scorer, b, c]));
    for (const view of [fromH5, fromCsv]) {
      assert.deepEqual(view.columnNames, ['scorer', 'bodyparts', 'coords']);
      assert.deepEqual(view.columns, columns);
      assert.deepEqual(view.values, expectedRows(poses.data, 6));
    }
    assert.deepEqual(fromCsv.index, [[0], [1], [2]]);
  });

  it(
    'the H5 index is integer frame numbers, as in DeepLabCut',
    { skip },
    async () => {
      const { poses } = multiPoses();
      const h5 = path.join(dir, 'index.h5');
      await writePoseTable(h5, poses, scorer, { multiAnimal: true });
      const [view] = runPandasJobs([{ op: 'readHdf', file: h5 }], path.join(dir, 'index')) as PandasView[];
      assert.deepEqual(view.index, [[0], [1], [2], [3]]);
    },
  );

  it('refuses to overwrite the H5 or the CSV unless asked, and writes nothing then', async () => {
    const { poses } = multiPoses();
    const h5 = path.join(dir, 'exists.h5');
    const csv = path.join(dir, 'exists.csv');
    fs.writeFileSync(csv, 'keep me');
    await assert.rejects(writePoseTable(h5, poses, scorer, { multiAnimal: true, csv: true }), isCode('OUTPUT_EXISTS'));
    assert.equal(fs.existsSync(h5), false);
    assert.equal(fs.readFileSync(csv, 'utf8'), 'keep me');
    await writePoseTable(h5, poses, scorer, { multiAnimal: true, csv: true, overwrite: true });
    await assert.rejects(writePoseTable(h5, poses, scorer, { multiAnimal: true }), isCode('OUTPUT_EXISTS'));
    assert.match(fs.readFileSync(csv, 'utf8'), /^scorer,/);
    assert.deepEqual(fs.readdirSync(dir).filter((name) => name.startsWith('.herd-tmp')), []);
  });

  it('refuses a single-animal table with several individuals', async () => {
    const { poses } = multiPoses();
    await assert.rejects(writePoseTable(path.join(dir, 'bad.h5'), poses, scorer, { multiAnimal: false }), isCode('POSE_TABLE_SHAPE'));
  });
});
