// Single-point edits and edits as data (src-core/stitch/edit.ts): what the refinement panel applies and what the
// host replays when a panel is closed with unsaved edits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import {
  applyEdit,
  deletePoint,
  deletePoints,
  fillGaps,
  MOVED_LIKELIHOOD,
  movePoint,
  parsePoseEdit,
  removeShortSwaps,
  swapIndividuals,
  type PoseEdit,
} from '../../src-core/stitch/edit';

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

function table(frames = 6): { poses: PoseArray; unique: PoseArray } {
  const poses = createPoseArray(frames, ['a', 'b'], ['nose', 'tail']);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < 2; i++) {
      if (i === 1 && f === 2) continue; // a one-frame gap
      poses.data.set([10 * f + i, 5 + 40 * i, 0.8, 10 * f + i + 3, 9 + 40 * i, 0.6], poseOffset(poses, f, i, 0));
    }
  }
  const unique = createPoseArray(frames, ['single'], ['corner']);
  for (let f = 0; f < frames; f++) if (f !== 3) unique.data.set([99.5, 1.25, 0.9], poseOffset(unique, f, 0, 0));
  return { poses, unique };
}

describe('stitch edits: single points', () => {
  it('movePoint puts one point at (x, y) with likelihood 1 (DeepLabCut’s refine GUI) and leaves the input alone', () => {
    const { poses } = table();
    const before = poses.data.slice();
    const moved = movePoint(poses, 4, 1, 1, 12.75, 33.5);
    assert.equal(MOVED_LIKELIHOOD, 1);
    const o = poseOffset(moved, 4, 1, 1);
    assert.deepEqual([moved.data[o], moved.data[o + 1], moved.data[o + 2]], [12.75, 33.5, 1]);
    assert.ok(same(poses.data, before), 'input unchanged');
    moved.data[o] = poses.data[o];
    moved.data[o + 1] = poses.data[o + 1];
    moved.data[o + 2] = poses.data[o + 2];
    assert.ok(same(moved.data, before), 'nothing else changed');
    // A missing point can be placed too (a drag is only offered on shown points, but the function is general).
    const placed = movePoint(poses, 2, 1, 0, 1, 2);
    assert.equal(placed.data[poseOffset(placed, 2, 1, 0) + 2], 1);
  });

  it('deletePoint sets x, y and likelihood of one point to NaN', () => {
    const { poses } = table();
    const out = deletePoint(poses, 3, 0, 1);
    const o = poseOffset(out, 3, 0, 1);
    assert.ok([0, 1, 2].every((c) => Number.isNaN(out.data[o + c])));
    assert.ok(same(out.data, deletePoints(poses, { range: { start: 3, end: 3 }, individuals: [0], bodyparts: [1] }).data), 'the same as a one-point selection');
  });

  it('out-of-range frames, individuals, body parts and coordinates are refused', () => {
    const { poses } = table();
    assert.throws(() => movePoint(poses, 6, 0, 0, 1, 1), /frame 6/);
    assert.throws(() => movePoint(poses, 0, 2, 0, 1, 1), /individual 2/);
    assert.throws(() => deletePoint(poses, 0, 0, 2), /body part 2/);
    assert.throws(() => movePoint(poses, 0, 0, 0, Number.NaN, 1), /finite/);
    assert.throws(() => deletePoint(poses, 1.5, 0, 0), /frame 1.5/);
  });
});

describe('stitch edits as data (applyEdit)', () => {
  it('each op gives what its function gives; arrays it does not touch are the same objects', () => {
    const t = table();
    const swap = applyEdit(t, { op: 'swap', a: 0, b: 1, range: { start: 1, end: 3 } });
    assert.ok(same(swap.table.poses.data, swapIndividuals(t.poses, 0, 1, { start: 1, end: 3 }).data));
    assert.equal(swap.table.unique, t.unique, 'a swap leaves the unique parts');
    const fill = applyEdit(t, { op: 'fill-gaps', maxGap: 1 });
    assert.ok(same(fill.table.poses.data, fillGaps(t.poses, 1).pose.data));
    assert.equal(fill.changed, 2 + 1, 'two animal points and the unique corner');
    assert.ok(Number.isFinite(fill.table.unique!.data[poseOffset(t.unique, 3, 0, 0)]));
    const none = applyEdit(t, { op: 'short-swaps', minSwapLength: 2 });
    assert.equal(none.changed, removeShortSwaps(t.poses, 2).swaps.length);
    const tracklets = applyEdit(t, { op: 'short-tracklets', minTrackletLength: 3 });
    assert.ok(Number.isNaN(tracklets.table.poses.data[poseOffset(t.poses, 0, 1, 0)]), 'b’s first two frames are a short tracklet');
    assert.ok(Number.isNaN(tracklets.table.unique!.data[poseOffset(t.unique, 4, 0, 0)]), 'the corner’s 2-frame run after its gap goes too');
    assert.ok(Number.isFinite(tracklets.table.unique!.data[poseOffset(t.unique, 0, 0, 0)]), 'its 3-frame run stays');
    const moveU = applyEdit(t, { op: 'move-point', frame: 0, individual: 0, bodypart: 0, x: 5, y: 6, unique: true });
    assert.equal(moveU.table.poses, t.poses);
    assert.deepEqual(Array.from(moveU.table.unique!.data.subarray(0, 3)), [5, 6, 1]);
    const delU = applyEdit(t, { op: 'delete-point', frame: 1, individual: 0, bodypart: 0, unique: true });
    assert.ok(Number.isNaN(delU.table.unique!.data[poseOffset(t.unique, 1, 0, 0)]));
    const everyone = applyEdit(t, { op: 'delete-range', range: { start: 0, end: 1 }, unique: true });
    assert.ok(Number.isNaN(everyone.table.poses.data[0]) && Number.isNaN(everyone.table.unique!.data[0]));
    const onlyUnique = applyEdit(t, { op: 'delete-range', range: { start: 0, end: 1 }, individuals: [], unique: true });
    assert.equal(onlyUnique.table.poses, t.poses);
    assert.throws(() => applyEdit({ poses: t.poses }, { op: 'delete-point', frame: 0, individual: 0, bodypart: 0, unique: true }), /no unique body parts/);
  });

  it('replaying the same edits gives the same arrays bit for bit', () => {
    const edits: PoseEdit[] = [
      { op: 'swap', a: 0, b: 1, range: { start: 2, end: 5 } },
      { op: 'move-point', frame: 1, individual: 1, bodypart: 0, x: 1 / 3, y: 2 / 7 },
      { op: 'fill-gaps', maxGap: 2 },
      { op: 'delete-point', frame: 0, individual: 0, bodypart: 0, unique: true },
    ];
    const run = () => edits.reduce((t, e) => applyEdit(t, e).table, table() as { poses: PoseArray; unique?: PoseArray });
    const a = run();
    const b = run();
    assert.ok(same(a.poses.data, b.poses.data) && same(a.unique!.data, b.unique!.data));
    assert.equal(a.poses.data[poseOffset(a.poses, 1, 1, 0)], Math.fround(1 / 3));
  });

  it('parsePoseEdit keeps well-formed edits (through JSON) and refuses the rest', () => {
    const good: PoseEdit[] = [
      { op: 'swap', a: 0, b: 1, range: { start: 2, end: 5 } },
      { op: 'delete-range', range: { start: 0, end: 0 }, individuals: [1], unique: true },
      { op: 'delete-range', range: { start: 0, end: 3 } },
      { op: 'fill-gaps', maxGap: 5 },
      { op: 'short-swaps', minSwapLength: 3 },
      { op: 'short-tracklets', minTrackletLength: 4 },
      { op: 'move-point', frame: 3, individual: 0, bodypart: 1, x: 12.5, y: 0.25 },
      { op: 'delete-point', frame: 3, individual: 0, bodypart: 1, unique: true },
    ];
    for (const e of good) assert.deepEqual(parsePoseEdit(JSON.parse(JSON.stringify(e))), e);
    for (const bad of [null, 'swap', { op: 'swap', a: 0, b: 1 }, { op: 'swap', a: -1, b: 1, range: { start: 0, end: 1 } }, { op: 'swap', a: 0, b: 1, range: { start: 3, end: 1 } },
      { op: 'move-point', frame: 0, individual: 0, bodypart: 0, x: '1', y: 2 }, { op: 'move-point', frame: 0, individual: 0, bodypart: 0, x: null, y: 2 },
      { op: 'delete-range', range: { start: 0, end: 1 }, individuals: [0.5] }, { op: 'fill-gaps', maxGap: -1 }, { op: 'explode' }]) {
      assert.equal(parsePoseEdit(bad), undefined, JSON.stringify(bad));
    }
  });
});
