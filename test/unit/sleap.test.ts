import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { HerdError } from '../../src-core/common/errors';
import { readSlp } from '../../src-core/io/sleap';
import { getPoint, readLabels } from '../../src-core/labels';
import { importSleap } from '../../src-core/labels/sleap-import';
import { loadProject } from '../../src-core/project/load';
import { canWriteSlp, writeSlpFixture, type SlpFixture } from '../helpers/sleap-fixture';
import { makeTestVideo, temporaryFolder } from '../helpers/workspace';

const skip = canWriteSlp() ? false : 'needs /usr/bin/python3 with h5py (apt python3-h5py) to write SLEAP fixtures';

const FIXTURE: SlpFixture = {
  nodes: ['head', 'left ear', 'right ear', 'tail'],
  edges: [[0, 1], [0, 2], [0, 3]],
  symmetries: [[1, 2]],
  videos: [{ filename: 'arena.mp4', frames: 40, height: 48, width: 64 }],
  tracks: ['female', 'male'],
  frames: [
    {
      video: 0,
      frameIndex: 5,
      instances: [
        { predicted: true, track: 0, score: 0.8, points: [[10, 11], [12, 13], [14, 15], [16, 17]] },
        { track: 0, fromPredicted: 0, points: [[10.5, 11.5], [12, 13], null, [16, 17]] },
        { track: 1, points: [[30, 31], [32, 33], [34, 35], [36, 37]] },
      ],
    },
    { video: 0, frameIndex: 20, instances: [{ track: -1, points: [[1, 2], null, null, [3, 4]] }] },
  ],
};

test('readSlp reads skeleton, symmetries, tracks, videos and user/predicted instances', { skip }, async () => {
  const file = path.join(temporaryFolder(), 'labels.slp');
  writeSlpFixture(file, FIXTURE);
  const labels = await readSlp(file);
  assert.deepEqual(labels.nodes, ['head', 'left ear', 'right ear', 'tail']);
  assert.deepEqual(labels.edges, [[0, 1], [0, 2], [0, 3]]);
  assert.deepEqual(labels.symmetries, [[1, 2]]);
  assert.deepEqual(labels.tracks, ['female', 'male']);
  assert.deepEqual(labels.videos, [{ filename: 'arena.mp4', frames: 40, height: 48, width: 64, fps: 30, embeddedGroup: undefined }]);
  assert.equal(labels.frames.length, 2);
  const [first, second] = labels.frames;
  assert.equal(first.frameIndex, 5);
  assert.deepEqual(first.instances.map((i) => [i.kind, i.track, i.fromPredicted]), [['predicted', 0, -1], ['user', 0, 0], ['user', 1, -1]]);
  assert.deepEqual([...first.instances[1].points], [10.5, 11.5, 12, 13, NaN, NaN, 16, 17]);
  assert.ok(Math.abs(first.instances[0].pointScores[0] - 0.9) < 1e-9);
  assert.deepEqual([...second.instances[0].points], [1, 2, NaN, NaN, NaN, NaN, 3, 4]);
});

test('readSlp shifts pre-1.1 coordinates from pixel corners to pixel centres', { skip }, async () => {
  const file = path.join(temporaryFolder(), 'old.slp');
  writeSlpFixture(file, { ...FIXTURE, formatId: 1.0 });
  const labels = await readSlp(file);
  assert.deepEqual([...labels.frames[0].instances[2].points.subarray(0, 2)], [29.5, 30.5]);
});

test('readSlp names the file when it is not a SLEAP file', async () => {
  const folder = temporaryFolder();
  const notHdf5 = path.join(folder, 'notes.slp');
  fs.writeFileSync(notHdf5, 'hello');
  await assert.rejects(readSlp(notHdf5), (error: HerdError) => error.code === 'SLEAP_FORMAT' && error.location.file === notHdf5);
  await assert.rejects(readSlp(path.join(folder, 'missing.slp')), (error: HerdError) => error.code === 'FILE_NOT_FOUND');
});

test('import-sleap makes a project: nodes → body parts, edges → skeleton, tracks → individuals, frames extracted', { skip }, async () => {
  const work = temporaryFolder();
  makeTestVideo(path.join(work, 'arena.mp4'), { width: 64, height: 48, frames: 40 });
  const slp = path.join(work, 'labels.slp');
  const fixture: SlpFixture = {
    ...FIXTURE,
    frames: [...FIXTURE.frames, { video: 0, frameIndex: 30, instances: [{ predicted: true, track: 1, points: [[5, 6], [7, 8], [9, 10], [11, 12]] }] }],
  };
  writeSlpFixture(slp, fixture);
  const out = path.join(work, 'projects');
  fs.mkdirSync(out);
  const imported = await importSleap(slp, { experimenter: 'kim', workingDirectory: out, date: new Date('2026-11-05T00:00:00Z') });
  assert.deepEqual(imported.bodyparts, ['head', 'left_ear', 'right_ear', 'tail']);
  assert.deepEqual(imported.renamed, { 'left ear': 'left_ear', 'right ear': 'right_ear' });
  assert.deepEqual(imported.individuals, ['female', 'male', 'individual1']);
  assert.equal(imported.labeledFrames, 3, 'frame 30 has only a prediction, so it has no user labels');

  const project = loadProject(imported.configPath);
  assert.deepEqual(project.config.skeleton, [['head', 'left_ear'], ['head', 'right_ear'], ['head', 'tail']]);
  const folder = path.join(imported.root, 'labeled-data', 'arena');
  assert.deepEqual(fs.readdirSync(folder).sort(), ['CollectedData_kim.csv', 'CollectedData_kim.h5', 'img05.png', 'img20.png', 'img30.png']);
  const { table } = await readLabels(path.join(folder, 'CollectedData_kim.h5'));
  assert.deepEqual(table.images, ['labeled-data/arena/img05.png', 'labeled-data/arena/img20.png'], 'frame 30 has no labels and is dropped');
  assert.deepEqual(getPoint(table, 'labeled-data/arena/img05.png', 'female', 'head'), [10.5, 11.5], 'the user correction wins over its prediction');
  assert.equal(getPoint(table, 'labeled-data/arena/img05.png', 'female', 'right_ear'), undefined);
  assert.deepEqual(getPoint(table, 'labeled-data/arena/img05.png', 'male', 'tail'), [36, 37]);
  assert.deepEqual(getPoint(table, 'labeled-data/arena/img20.png', 'individual1', 'tail'), [3, 4]);

  const withPredictions = await importSleap(slp, { experimenter: 'kim', task: 'pred', workingDirectory: out, includePredicted: true });
  const predicted = await readLabels(path.join(withPredictions.root, 'labeled-data/arena/CollectedData_kim.h5'));
  assert.deepEqual(getPoint(predicted.table, 'labeled-data/arena/img30.png', 'male', 'head'), [5, 6]);
});

test('import-sleap stops with the missing video named and leaves no project', { skip }, async () => {
  const work = temporaryFolder();
  const slp = path.join(work, 'labels.slp');
  writeSlpFixture(slp, FIXTURE);
  await assert.rejects(importSleap(slp, { experimenter: 'kim', workingDirectory: work }), (error: HerdError) => {
    assert.equal(error.code, 'VIDEO_NOT_FOUND');
    assert.match(error.message, /arena\.mp4/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(work), ['labels.slp']);
});
