/** Reading DeepLabCut pose tables (io/pose-table.ts) beyond what the stage tests cover: long recordings. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { createPoseArray } from '../../src-core/common/pose';
import { writePoseTable } from '../../src-core/infer/outputs';
import { readPoseTable } from '../../src-core/io/pose-table';
import { temporaryFolder } from '../helpers/workspace';

test('a table of over two hours at 30 fps reads back whole, as .h5 and as .csv', async () => {
  const frames = 250_000;
  const poses = createPoseArray(frames, ['mouse1'], ['snout']);
  for (let f = 0; f < frames; f++) poses.data.set([f % 640, 1, 0.9], f * 3);
  const h5 = path.join(temporaryFolder(), 'longDLC_HerdSmall_miceNov26shuffle1_snapshot_5_el.h5');
  await writePoseTable(h5, poses, 'DLC_HerdSmall_miceNov26shuffle1_snapshot_5', { multiAnimal: true, csv: true });
  for (const file of [h5, h5.replace(/\.h5$/, '.csv')]) {
    const table = await readPoseTable(file);
    assert.equal(table.poses.frames, frames, file);
    assert.deepEqual(Array.from(table.poses.data.subarray((frames - 1) * 3, frames * 3)), [(frames - 1) % 640, 1, Math.fround(0.9)]);
  }
});
