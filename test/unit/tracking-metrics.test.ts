/**
 * Tracking metrics (CLEAR-MOT and IDF1) on tiny examples computed by hand, and `herd evaluate-tracking` on a
 * synthetic ground truth against tracks with a known identity swap.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { evaluateTrackingCommand } from '../../src-core/cli/commands/stitch';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import { silentProgress } from '../../src-core/common/progress';
import { writePoseTable } from '../../src-core/infer/outputs';
import { computeTrackingMetrics, swapIndividuals } from '../../src-core/stitch';
import { groundTruthCsv, simulateScene } from '../../src-core/synth';
import { temporaryFolder } from '../helpers/workspace';

/** One body part per animal; `points[i][f]` = [x, y] or null (absent). */
function poses(names: string[], points: Array<Array<[number, number] | null>>): PoseArray {
  const frames = points[0].length;
  const pose = createPoseArray(frames, names, ['head']);
  points.forEach((track, i) => track.forEach((p, f) => {
    if (p) pose.data.set([p[0], p[1], 1], poseOffset(pose, f, i, 0));
  }));
  return pose;
}

describe('computeTrackingMetrics', () => {
  it('counts a swap of two tracks as two identity switches; IDF1 halves', () => {
    const A: Array<[number, number]> = [[0, 0], [1, 0], [2, 0], [3, 0]];
    const B: Array<[number, number]> = [[100, 0], [101, 0], [102, 0], [103, 0]];
    const truth = poses(['A', 'B'], [A, B]);
    const predicted = poses(['p1', 'p2'], [[A[0], A[1], B[2], B[3]], [B[0], B[1], A[2], A[3]]]);
    const m = computeTrackingMetrics(truth, predicted, { threshold: 10 });
    assert.equal(m.groundTruth, 8);
    assert.equal(m.matches, 8);
    assert.equal(m.misses, 0);
    assert.equal(m.falsePositives, 0);
    assert.equal(m.idSwitches, 2);
    assert.equal(m.perFrame[2].idSwitches, 2);
    assert.equal(m.mota, 0.75);
    assert.equal(m.motp, 0);
    assert.deepEqual([m.idtp, m.idfp, m.idfn], [4, 4, 4]);
    assert.equal(m.idf1, 0.5);
    assert.equal(m.idp, 0.5);
  });

  it('keeps last frame\'s pairs while within the threshold, counts misses and false positives', () => {
    // A at x = 0, B at x = 6. q starts next to A, drifts to B at frame 2, vanishes at 3, returns at 4; p sits at 4;
    // r appears far away at frame 4.
    const truth = poses(['A', 'B'], [new Array(5).fill([0, 0]), new Array(5).fill([6, 0])]);
    const predicted = poses(['p', 'q', 'r'], [
      new Array(5).fill([4, 0]),
      [[1, 0], [1, 0], [5, 0], null, [1, 0]],
      [null, null, null, null, [300, 0]],
    ]);
    const m = computeTrackingMetrics(truth, predicted, { threshold: 10 });
    // Frame 0: Hungarian picks A–q (1) + B–p (2). Frame 2 keeps A–q (5) and B–p (2) although A–p + B–q is cheaper.
    assert.deepEqual(m.perFrame[2].matches.map((x) => [x.groundTruth, x.predicted, x.distance]), [[0, 1, 5], [1, 0, 2]]);
    assert.deepEqual(m.perFrame.map((r) => [r.misses, r.falsePositives, r.idSwitches]), [[0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 0, 0], [0, 1, 0]]);
    assert.deepEqual([m.groundTruth, m.predicted, m.matches, m.misses, m.falsePositives, m.idSwitches], [10, 10, 9, 1, 1, 0]);
    assert.equal(m.mota, 0.8);
    assert.equal(m.motp, 2);
    // IDF1: A–q and B–p agree on 4 + 5 frames (A–p + B–q too): IDTP 9 of 10 on each side.
    assert.deepEqual([m.idtp, m.idfp, m.idfn], [9, 1, 1]);
    assert.equal(m.idf1, 0.9);
    assert.equal(m.identities.length, 2);
  });

  it('uses the threshold: a prediction beyond it is a miss plus a false positive', () => {
    const truth = poses(['A'], [[[0, 0], [0, 0]]]);
    const predicted = poses(['p'], [[[3, 4], [30, 40]]]);
    const m = computeTrackingMetrics(truth, predicted, { threshold: 5 });
    assert.deepEqual([m.matches, m.misses, m.falsePositives], [1, 1, 1]);
    assert.equal(m.mota, 0);
    assert.equal(m.motp, 5);
    const centroid = computeTrackingMetrics(truth, predicted, { threshold: 100, distance: 'centroid' });
    assert.equal(centroid.matches, 2);
    assert.throws(() => computeTrackingMetrics(truth, { ...predicted, bodyparts: ['tail'] }), (e: unknown) => e instanceof HerdError && e.code === 'TRACKING_BODYPARTS');
  });
});

describe('herd evaluate-tracking', () => {
  const work = temporaryFolder();

  it('scores tracks with a 100-frame swap against herd synth\'s ground truth CSV', async () => {
    const scene = simulateScene({ animals: 3, keypoints: 4, frames: 300, seed: 5 });
    const truthCsv = path.join(work, 'synth_groundtruth.csv');
    fs.writeFileSync(truthCsv, groundTruthCsv(scene, 'synth'));
    const tracks = swapIndividuals(scene.poses, 0, 1, { start: 100, end: 199 });
    const h5 = path.join(work, 'tracks.h5');
    await writePoseTable(h5, tracks, 'DLC_X', { multiAnimal: true });
    const perFrame = path.join(work, 'per-frame.csv');
    const context = { progress: silentProgress, signal: new AbortController().signal, note: () => {} };
    const result = await evaluateTrackingCommand.run({ positionals: { tracks: h5, groundtruth: truthCsv }, options: { threshold: 5, 'per-frame': perFrame } }, context);
    const data = result.data as { idSwitches: number; mota: number; misses: number; idf1: number; matches: number };
    assert.equal(data.idSwitches, 4);
    assert.equal(data.misses, 0);
    assert.equal(data.matches, 900);
    assert.equal(data.mota, 1 - 4 / 900);
    // mouse1 and mouse2 each agree with their own track on 200 of 300 frames.
    assert.equal(data.idf1, (2 * 700) / (2 * 700 + 200 + 200));
    assert.match(result.text, /identity switches 4/);
    const lines = fs.readFileSync(perFrame, 'utf8').trim().split('\n');
    assert.equal(lines.length, 301);
    assert.equal(lines[0], 'frame,ground_truth,predicted,matches,misses,false_positives,id_switches,pairs');
    assert.equal(lines[101], '100,3,3,3,0,0,2,mouse1=mouse2 mouse2=mouse1 mouse3=mouse3');
    await assert.rejects(
      evaluateTrackingCommand.run({ positionals: { tracks: h5, groundtruth: truthCsv }, options: { 'per-frame': perFrame } }, context),
      (e: unknown) => e instanceof HerdError && e.code === 'OUTPUT_EXISTS',
    );
  });
});
