/**
 * Tracking (`src-core/track/`): the Kalman filters against hand-computed steps, the ellipse / box / skeleton /
 * identity-only trackers on synthetic detections of animals moving in parallel and crossing, max_age / min_hits,
 * the single-animal path, DeepLabCut bug #3493, the tracklets file round trip and `herd convert-detections2tracklets`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { convertDetections2trackletsCommand } from '../../src-core/cli/commands/track';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray } from '../../src-core/common/pose';
import { silentProgress } from '../../src-core/common/progress';
import { modelFolderOf } from '../../src-core/dataset';
import { detectionsPath, writeDetections, type DetectionsContent } from '../../src-core/infer/outputs';
import { loadProject } from '../../src-core/project/load';
import { computeTrackingMetrics, stitchTracklets } from '../../src-core/stitch';
import { simulateScene, synthDetections, type DetectionsScene } from '../../src-core/synth';
import { createSynthProject } from '../../src-core/synth/project';
import {
  convertDetectionsToTracklets,
  ellipseSimilarity,
  fitEllipse,
  kinematicKalmanFilter,
  KinematicFilter,
  readTracklets,
  scoreTracklets,
  trackDetections,
  trackletsPath,
  writeTracklets,
  type TrackletSet,
  type TrackMethod,
} from '../../src-core/track';
import { temporaryFolder } from '../helpers/workspace';

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol;
const isCode = (code: string, pattern?: RegExp) => (e: unknown) => e instanceof HerdError && e.code === code && (!pattern || pattern.test(e.message));

// ---------------------------------------------------------------------------------------------
// Hand-built scenes: animals as six points along a body axis, with ears and hips 12 px to the sides.

const ALONG = [-30, -18, -6, 6, 18, 30];
const ACROSS = [0, 12, -12, 12, -12, 0];
const PARTS = ['tail', 'hip1', 'hip2', 'neck1', 'neck2', 'snout'];

type Motion = (frame: number, animal: number) => { x: number; y: number; heading: number } | null;

function handScene(frames: number, animals: number, motion: Motion, size = 400): DetectionsScene {
  const individuals = Array.from({ length: animals }, (_, i) => `mouse${i + 1}`);
  const poses = createPoseArray(frames, individuals, PARTS);
  for (let f = 0; f < frames; f++) {
    for (let a = 0; a < animals; a++) {
      const m = motion(f, a);
      if (!m) continue;
      const c = Math.cos(m.heading);
      const s = Math.sin(m.heading);
      for (let k = 0; k < PARTS.length; k++) {
        const at = ((f * animals + a) * PARTS.length + k) * 3;
        poses.data[at] = m.x + c * ALONG[k] - s * ACROSS[k];
        poses.data[at + 1] = m.y + s * ALONG[k] + c * ACROSS[k];
        poses.data[at + 2] = 1;
      }
    }
  }
  return { poses, width: size, height: size, fps: 30, individuals, bodyparts: PARTS, uniqueBodyparts: [] };
}

/** Two animals side by side, 70 px apart, moving right. */
const parallel = (frames: number) => handScene(frames, 2, (f, a) => ({ x: 60 + 3 * f, y: 150 + 70 * a, heading: 0 }));

/** Two animals crossing in an X at frame 50 (one heading down-right, one up-right). */
const crossing = (frames: number) =>
  handScene(frames, 2, (f, a) => ({ x: 50 + 3 * f, y: a === 0 ? 50 + 3 * f : 350 - 3 * f, heading: a === 0 ? Math.PI / 4 : -Math.PI / 4 }));

/** Two animals crossing at a shallow angle: their centres and headings nearly meet around frame 50. */
const shallowCrossing = (frames: number) =>
  handScene(frames, 2, (f, a) => ({ x: 50 + 3 * f, y: a === 0 ? 170 + 0.6 * f : 230 - 0.6 * f, heading: a === 0 ? 0.2 : -0.2 }));

/** A fast animal overtaking a slow one on nearly the same line: they lie on each other for ~30 frames. */
const overtaking = (frames: number) =>
  handScene(frames, 2, (f, a) => (a === 0 ? { x: 150 + f, y: 200, heading: 0 } : { x: 40 + 4 * f, y: 190 + 0.2 * f, heading: 0.05 }));

/** The tracklet rows of each tracklet id, as `frame → [K×3]`. */
function rowsOf(set: TrackletSet): Map<number, Map<number, number[]>> {
  const K = set.metadata.bodyparts.length;
  const out = new Map<number, Map<number, number[]>>();
  for (const t of set.tracklets) {
    const rows = new Map<number, number[]>();
    t.frames.forEach((frame, r) => rows.set(frame, Array.from(t.data.subarray(r * K * 3, (r + 1) * K * 3))));
    out.set(t.id, rows);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('Kalman filters', () => {
  it('predict and update as filterpy computes them (hand-computed, dense and per-coordinate)', () => {
    const dense = kinematicKalmanFilter(1);
    const fast = new KinematicFilter(1, { pPosition: 1, pVelocity: 1, qPosition: 1, qVelocity: 1, r: 1 });
    // predict from x = [0, 0], P = Q = R = I: P = F P Fᵀ + Q = [[3, 1], [1, 2]].
    dense.predict();
    fast.predict();
    assert.deepEqual(Array.from(dense.P), [3, 1, 1, 2]);
    assert.deepEqual([fast.pp[0], fast.pv[0], fast.vv[0]], [3, 1, 2]);
    // update z = 3: S = 4, K = [3/4, 1/4], x = [2.25, 0.75], P = [[0.75, 0.25], [0.25, 1.75]].
    dense.update([3]);
    fast.update([3]);
    assert.ok(close(dense.x[0], 2.25) && close(dense.x[1], 0.75), `dense x ${dense.x}`);
    assert.ok(close(fast.position[0], 2.25) && close(fast.velocity[0], 0.75));
    [0.75, 0.25, 0.25, 1.75].forEach((v, i) => assert.ok(close(dense.P[i], v), `dense P ${dense.P}`));
    assert.ok(close(fast.pp[0], 0.75) && close(fast.pv[0], 0.25) && close(fast.vv[0], 1.75));
    // predict again: x = [3, 0.75], P = [[4, 2], [2, 2.75]].
    dense.predict();
    fast.predict();
    assert.ok(close(dense.x[0], 3) && close(fast.position[0], 3));
    [4, 2, 2, 2.75].forEach((v, i) => assert.ok(close(dense.P[i], v)));
    assert.ok(close(fast.pp[0], 4) && close(fast.pv[0], 2) && close(fast.vv[0], 2.75));
  });

  it('the per-coordinate filter equals the dense one with the ellipse tracker scalings and missing measurements', () => {
    const dim = 5;
    const dense = kinematicKalmanFilter(dim);
    const n = 2 * dim;
    // R[2:,2:] *= 10; P[5:,5:] *= 1000; P *= 10; Q[5:,5:] *= 0.01
    for (let i = 2; i < dim; i++) dense.R[i * dim + i] *= 10;
    for (let i = dim; i < n; i++) dense.P[i * n + i] *= 1000;
    for (let i = 0; i < n * n; i++) dense.P[i] *= 10;
    for (let i = dim; i < n; i++) dense.Q[i * n + i] *= 0.01;
    const fast = new KinematicFilter(dim, { pPosition: 10, pVelocity: 10_000, qPosition: 1, qVelocity: 0.01, r: [1, 1, 10, 10, 10] });
    const start = [10, 20, 30, 8, 0.5];
    dense.x.set(start);
    fast.setPosition(start);
    for (let step = 0; step < 30; step++) {
      dense.predict();
      fast.predict();
      const z = start.map((v, i) => v + step * (i + 1) * 0.7 + Math.sin(step * (i + 2)));
      if (step % 4 === 1) z[step % dim] = Number.NaN; // a missing coordinate
      dense.update(z);
      fast.update(z);
      for (let i = 0; i < dim; i++) {
        assert.ok(close(dense.x[i], fast.position[i], 1e-7), `step ${step} position ${i}: ${dense.x[i]} vs ${fast.position[i]}`);
        assert.ok(close(dense.x[dim + i], fast.velocity[i], 1e-7), `step ${step} velocity ${i}`);
        assert.ok(close(dense.P[i * n + i], fast.pp[i], 1e-6), `step ${step} P ${i}`);
        assert.ok(close(dense.P[i * n + dim + i], fast.pv[i], 1e-6));
      }
    }
  });
});

describe('synthetic detections', () => {
  it('are deterministic, jittered by sigma, drop occluded and random keypoints, and shuffle slots', () => {
    const scene = simulateScene({ animals: 3, keypoints: 10, frames: 300, seed: 2 });
    const a = synthDetections(scene, { seed: 5, sigma: 2, dropRate: 0.1 });
    const b = synthDetections(scene, { seed: 5, sigma: 2, dropRate: 0.1 });
    assert.deepEqual(a.content.assemblies, b.content.assemblies);
    assert.notDeepEqual(synthDetections(scene, { seed: 6 }).content.assemblies, a.content.assemblies);
    const { content, truth, slotAnimal } = a;
    const K = 10;
    let detected = 0;
    let droppedVisible = 0;
    let occludedDetected = 0;
    let sq = 0;
    for (let f = 0; f < 300; f++) {
      for (let s = 0; s < 3; s++) {
        const animal = slotAnimal[f * 3 + s]!;
        assert.ok(animal >= 0);
        for (let k = 0; k < K; k++) {
          const d = ((f * 3 + s) * K + k) * 4;
          const t = ((f * 3 + animal) * K + k) * 3;
          const found = Number.isFinite(content.assemblies[d]);
          if (truth.data[t + 2] === 0) {
            if (found) occludedDetected++;
            continue;
          }
          if (!found) {
            droppedVisible++;
            continue;
          }
          detected++;
          sq += (content.assemblies[d]! - truth.data[t]!) ** 2 + (content.assemblies[d + 1]! - truth.data[t + 1]!) ** 2;
          const score = content.assemblies[d + 2]!;
          assert.ok(score >= 0.5 && score <= 0.99);
          assert.equal(content.assemblies[d + 3], -1, 'no identity head');
        }
      }
    }
    assert.equal(occludedDetected, 0, 'occluded keypoints are never detected');
    const rate = droppedVisible / (detected + droppedVisible);
    assert.ok(rate > 0.08 && rate < 0.12, `drop rate ${rate}`);
    const sigma = Math.sqrt(sq / (2 * detected));
    assert.ok(Math.abs(sigma - 2) < 0.1, `jitter σ ${sigma}`);
    assert.equal(content.peaks.length / 5, detected);
    assert.ok(new Set(Array.from({ length: 300 }, (_, f) => slotAnimal[f * 3])).size === 3, 'slot 0 holds every animal at some point');
  });

  it('swap body parts between close animals and add spurious animals on request', () => {
    const { content, truth, slotAnimal } = synthDetections(parallel(50), { seed: 1, sigma: 0, dropRate: 0, swapRate: 1, swapDistance: 100, spuriousRate: 1 });
    const K = PARTS.length;
    assert.equal(content.maxAnimals, 3);
    for (let f = 0; f < 50; f++) {
      let swapped = 0;
      for (let s = 0; s < 3; s++) {
        const animal = slotAnimal[f * 3 + s]!;
        const at = (f * 3 + s) * K * 4;
        if (animal < 0) {
          // The spurious animal: 2–4 keypoints scoring below 0.5.
          const scores = Array.from({ length: K }, (_, k) => content.assemblies[at + 4 * k + 2]!).filter(Number.isFinite);
          assert.ok(scores.length >= 1 && scores.length <= 4 && scores.every((v) => v < 0.5), `${scores}`);
          continue;
        }
        for (let k = 0; k < K; k++) {
          const t = ((f * 2 + animal) * K + k) * 3;
          if (Math.abs(content.assemblies[at + 4 * k]! - truth.data[t]!) > 1e-3 || Math.abs(content.assemblies[at + 4 * k + 1]! - truth.data[t + 1]!) > 1e-3) swapped++;
        }
      }
      assert.equal(swapped, 2, `frame ${f}: one body part swapped between the two animals`);
    }
  });
});

describe('ellipses', () => {
  it('fits the 2-sd error ellipse of at least 3 points, angle mod π', () => {
    const animal = (points: number[][]) => ({ data: Float64Array.from(points.flatMap(([x, y]) => [x, y, 1, -1])), base: 0 });
    const out = new Float64Array(5);
    const keep = [0, 1, 2, 3];
    assert.ok(fitEllipse(animal([[98, 50], [102, 50], [100, 49], [100, 51]]), keep, 2, out));
    // var x = 8/3, var y = 2/3 (ddof 1): width = 4·√(8/3), height = 4·√(2/3), θ = 0.
    assert.ok(close(out[0], 100) && close(out[1], 50));
    assert.ok(close(out[2], 4 * Math.sqrt(8 / 3)) && close(out[3], 4 * Math.sqrt(2 / 3)) && close(out[4], 0), `${out}`);
    const r = Math.SQRT1_2;
    assert.ok(fitEllipse(animal([[-2 * r, 2 * r], [2 * r, -2 * r], [-r, -r], [r, r]]), keep, 2, out));
    assert.ok(close(out[4], (3 * Math.PI) / 4), `angle ${out[4]}`);
    assert.equal(fitEllipse(animal([[0, 0], [1, 1], [NaN, NaN], [NaN, 3]]), keep, 2, out), false, 'two points: no ellipse');
    // Similarity: the same ellipse 1, perpendicular at the same centre 0.8, far away 0.
    const a = [0, 0, 20, 10, 0];
    assert.ok(close(ellipseSimilarity(a, a), 1));
    assert.ok(close(ellipseSimilarity(a, [0, 0, 20, 10, Math.PI / 2]), 0.8));
    assert.equal(ellipseSimilarity(a, [100, 0, 20, 10, 0]), 0);
  });
});

describe('trackers on synthetic detections', () => {
  const methods: TrackMethod[] = ['ellipse', 'box', 'skeleton'];
  for (const method of methods) {
    for (const [name, scene] of [
      ['parallel', parallel(100)],
      ['crossing', crossing(100)],
    ] as const) {
      it(`${method}: keeps both identities of two animals ${name === 'parallel' ? 'moving in parallel' : 'crossing'}`, () => {
        const { content, truth, slotAnimal } = synthDetections(scene, { seed: 7, sigma: 1, dropRate: 0.03 });
        // Slots really are shuffled: slot 0 holds each animal in some frame.
        assert.ok(new Set(Array.from({ length: 100 }, (_, f) => slotAnimal[f * 2])).size === 2);
        // Boxes of thin animals change a lot with one missing keypoint: the box tracker gets DeepLabCut's usual slack.
        const set = trackDetections(content, { method, boundingboxslack: method === 'box' ? 20 : 0 });
        const score = scoreTracklets(set, truth);
        assert.equal(score.tracklets, 2, `tracklets: ${set.tracklets.map((t) => `${t.id}:${t.frames.length}`).join(' ')}`);
        assert.equal(score.idSwitches, 0, 'identity switches');
        assert.equal(score.trackletSwitches, 0);
        assert.equal(score.impureRows, 0);
        assert.equal(score.strayRows, 0);
        assert.equal(score.rows, 200, 'every pose of every frame is in a tracklet');
        assert.deepEqual(new Set(score.majority.values()), new Set([0, 1]));
        assert.equal(set.metadata.tracker, method);
      });
    }
  }

  it('the default (ellipse) tracker follows three simulated mice (touching, occluding) far better than slot order', () => {
    const F = 400;
    const scene = simulateScene({ animals: 3, keypoints: 12, frames: F, seed: 4 });
    const { content, truth, slotAnimal } = synthDetections(scene, { seed: 1 });
    const set = trackDetections(content);
    const score = scoreTracklets(set, truth);
    assert.equal(score.strayRows, 0);
    assert.ok(score.rows >= 0.98 * 3 * F, `rows ${score.rows}`);
    // Slot order as identity would switch in most frames.
    let slotSwitches = 0;
    for (let f = 1; f < F; f++) for (let s = 0; s < 3; s++) if (slotAnimal[f * 3 + s] !== slotAnimal[(f - 1) * 3 + s]) slotSwitches++;
    assert.ok(slotSwitches > 300, `slot switches ${slotSwitches}`);
    // DeepLabCut's ellipse tracker breaks tracklets when occlusion moves an ellipse; stitching joins them later.
    assert.ok(score.idSwitches <= 15, `switches ${score.idSwitches}`);
    assert.ok(score.tracklets <= 12, `tracklets ${score.tracklets}`);
  });

  it('ellipse with identities (withid): the identity bonus keeps tracks, and rows carry the identity vote', () => {
    const { content, truth } = synthDetections(crossing(80), { seed: 11, sigma: 1, dropRate: 0.03, identityAccuracy: 0.9 });
    const set = trackDetections(content, { method: 'ellipse', withId: true });
    const score = scoreTracklets(set, truth);
    assert.equal(score.tracklets, 2);
    assert.equal(score.idSwitches, 0);
    for (const t of set.tracklets) {
      const animal = score.majority.get(t.id);
      // The most frequent of 6 keypoint votes at 90 % accuracy is nearly always right.
      const right = Array.from(t.identity).filter((id) => id === animal).length;
      assert.ok(right >= 0.95 * t.frames.length, `tracklet ${t.id}: ${right} of ${t.frames.length} rows carry identity ${animal}`);
    }
  });

  it('ignored body parts are not tracked but still written; unknown names are refused', () => {
    const { content } = synthDetections(parallel(20), { seed: 4, sigma: 1, dropRate: 0 });
    const set = trackDetections(content, { method: 'skeleton', ignoreBodyparts: ['snout', 'tail'] });
    assert.equal(set.tracklets.length, 2);
    assert.ok(Number.isFinite(set.tracklets[0]!.data[5 * 3]), 'the snout is still in the rows');
    assert.throws(() => trackDetections(content, { ignoreBodyparts: ['wing'] }), isCode('USAGE', /wing/));
    assert.throws(() => trackDetections(content, { ignoreBodyparts: PARTS }), isCode('USAGE', /nothing is left/));
  });

  it('skips spurious low-score keypoints below the p-cutoff and drops animals left without any', () => {
    const scene = parallel(20);
    const { content } = synthDetections(scene, { seed: 3, sigma: 0, dropRate: 0 });
    // Frame 5, slot 0: one keypoint below the cutoff; slot 1: every keypoint below it.
    const K = PARTS.length;
    content.assemblies[((5 * 2 + 0) * K + 2) * 4 + 2] = 0.05;
    for (let k = 0; k < K; k++) content.assemblies[((5 * 2 + 1) * K + k) * 4 + 2] = 0.01;
    const set = trackDetections(content, { method: 'ellipse', pcutoff: 0.1 });
    const rows = [...rowsOf(set).values()].map((r) => r.get(5)).filter((r) => r !== undefined);
    assert.equal(rows.length, 1, 'the all-below-cutoff animal is not in any tracklet at frame 5');
    assert.ok(Number.isNaN(rows[0]![2 * 3]) && Number.isNaN(rows[0]![2 * 3 + 2]), 'the low keypoint is missing');
    assert.ok(Number.isFinite(rows[0]![0]));
  });
});

describe('max_age and min_hits', () => {
  // Animal 0 always there; animal 1 missing in frames 10 and 11.
  const gap = handScene(24, 2, (f, a) => (a === 1 && (f === 10 || f === 11) ? null : { x: 60 + 2 * f, y: 100 + 120 * a, heading: 0 }));

  it('a tracker survives max_age frames without a match; after that the animal gets a new tracklet', () => {
    const { content } = synthDetections(gap, { seed: 2, sigma: 0.5, dropRate: 0 });
    for (const method of ['ellipse', 'box'] as const) {
      const short = trackDetections(content, { method, maxAge: 1 });
      assert.equal(short.tracklets.length, 3, `${method} max_age 1: the animal comes back as a new tracklet`);
      const long = trackDetections(content, { method, maxAge: 2 });
      assert.equal(long.tracklets.length, 2, `${method} max_age 2: the tracker waits for it`);
      const gapped = long.tracklets.find((t) => t.frames.length === 22)!;
      assert.ok(gapped, `${method}: a tracklet of 22 rows`);
      assert.ok(!gapped.frames.includes(10) && !gapped.frames.includes(11), 'no rows while unmatched (box / ellipse)');
    }
  });

  it('the skeleton tracker writes its prediction while it waits, with the prediction likelihood', () => {
    const { content } = synthDetections(gap, { seed: 2, sigma: 0.5, dropRate: 0 });
    const set = trackDetections(content, { method: 'skeleton', maxAge: 2 });
    assert.equal(set.tracklets.length, 2);
    const waiting = set.tracklets.find((t) => t.frames.length === 24 && t.data[2] !== undefined && Math.abs(t.data[1] - 220) < 10)!;
    assert.ok(waiting, 'the lower animal keeps one tracklet over all 24 frames');
    const K = PARTS.length;
    const r = Array.from(waiting.frames).indexOf(10);
    const row = waiting.data.subarray(r * K * 3, (r + 1) * K * 3);
    assert.equal(row[2], 0.5);
    assert.equal(waiting.identity[r], -1);
    // The prediction continues the motion (x ≈ 60 + 2·10 + the tail's −30 offset).
    assert.ok(Math.abs(row[0] - 50) < 4, `predicted tail x ${row[0]}`);
  });

  it('min_hits: a new tracker is reported from its min_hits-th match in a row (all trackers in the first frames)', () => {
    const { content } = synthDetections(gap, { seed: 2, sigma: 0.5, dropRate: 0 });
    const set = trackDetections(content, { method: 'ellipse', maxAge: 1, minHits: 3 });
    const frames = set.tracklets.map((t) => Array.from(t.frames));
    const first = frames.find((f) => f[0] === 0 && f.length === 24);
    assert.ok(first, 'animal 0 from frame 0 (first frames are always reported)');
    const returned = frames.find((f) => f[0] > 11);
    assert.deepEqual(returned?.slice(0, 2), [14, 15], 'the new tracker of animal 1 shows from its third match (frames 12, 13, 14)');
  });
});

describe('identity-only and one animal', () => {
  it('identity-only: tracklet id = the identity the keypoints vote for', () => {
    const { content, truth } = synthDetections(crossing(60), { seed: 5, identityAccuracy: 0.8 });
    const set = trackDetections(content, { identityOnly: true });
    assert.equal(set.metadata.tracker, 'identity');
    const score = scoreTracklets(set, truth);
    assert.deepEqual([...score.majority.entries()].sort(), [
      [0, 0],
      [1, 1],
    ]);
    assert.ok(score.impureRows <= 2, `impure ${score.impureRows}`);
    assert.equal(score.rows, 120);
    // Without an identity head there is nothing to vote with.
    const none = synthDetections(crossing(10), { seed: 5 }).content;
    assert.throws(() => trackDetections(none, { identityOnly: true }), isCode('TRACKING_NO_IDENTITY'));
  });

  it('one individual: no tracking, tracklet 0 holds the best assembly of each frame', () => {
    const scene = handScene(10, 1, (f) => ({ x: 100 + f, y: 100, heading: 0 }));
    const { content, truth } = synthDetections(scene, { seed: 1, spuriousRate: 1 });
    assert.equal(content.maxAnimals, 2, 'a spurious low-score animal in every frame');
    const set = trackDetections(content, { method: 'ellipse' });
    assert.equal(set.tracklets.length, 1);
    assert.equal(set.tracklets[0]!.id, 0);
    assert.equal(set.tracklets[0]!.frames.length, 10);
    assert.equal(scoreTracklets(set, truth).rows, 10, 'the real animal, not the spurious one');
    // topktoretain 1 does the same with several individuals.
    const two = synthDetections(parallel(10), { seed: 1 }).content;
    assert.equal(trackDetections(two, { topktoretain: 1 }).tracklets.length, 1);
  });

  it('one multi-animal body part: the box tracker with at least 40 px of slack', () => {
    const scene = handScene(30, 2, (f, a) => ({ x: 60 + 2 * f, y: 100 + 100 * a, heading: 0 }));
    const { content } = synthDetections(scene, { seed: 1, sigma: 1, dropRate: 0 });
    // Keep only the snout.
    const K = PARTS.length;
    const F = 30;
    const one = new Float32Array(F * 2 * 4);
    for (let i = 0; i < F * 2; i++) one.set(content.assemblies.subarray((i * K + 5) * 4, (i * K + 5) * 4 + 4), i * 4);
    const single: DetectionsContent = { ...content, assemblies: one, metadata: { ...content.metadata, bodyparts: ['snout'] } };
    const notes: string[] = [];
    const set = trackDetections(single, { method: 'ellipse' }, { log: (n) => notes.push(n) });
    assert.equal(set.metadata.tracker, 'box');
    assert.equal(set.metadata.settings.boundingboxslack, 40);
    assert.equal(set.tracklets.length, 2);
    assert.ok(notes.some((n) => /box/.test(n)), notes.join('\n'));
  });
});

describe('identity through close encounters (ellipse tracker matching by body parts)', () => {
  for (const [name, scene] of [
    ['crossing at a shallow angle', shallowCrossing(100)],
    ['overtaking on the same line', overtaking(100)],
  ] as const) {
    it(`two animals ${name}, a quarter of their parts missed, keep their identities in the tracklets and after stitching`, () => {
      let dlcSwitches = 0;
      for (const seed of [1, 2, 3, 4, 5]) {
        const { content, truth } = synthDetections(scene, { seed, sigma: 1, dropRate: 0.25 });
        const set = trackDetections(content);
        assert.equal(set.metadata.settings.ellipseMatch, 'keypoints', 'the default');
        const score = scoreTracklets(set, truth);
        assert.equal(score.trackletSwitches, 0, `seed ${seed}: switches inside tracklets`);
        assert.equal(score.impureRows, 0, `seed ${seed}`);
        const stitched = computeTrackingMetrics(truth, stitchTracklets(set, { nTracks: 2 }).poses);
        assert.equal(stitched.idSwitches, 0, `seed ${seed}: switches after stitching`);
        assert.equal(stitched.falsePositives, 0, `seed ${seed}`);
        // DeepLabCut's matching (centre distance and angle) swaps them inside tracklets on the same detections.
        dlcSwitches += scoreTracklets(trackDetections(content, { ellipseMatch: 'similarity' }), truth).trackletSwitches;
      }
      assert.ok(dlcSwitches >= 10, `DeepLabCut's ellipse matching: ${dlcSwitches} switches inside tracklets`);
    });
  }

  it('three simulated mice over 2,000 frames with detection errors: no switch inside tracklets nor after stitching', () => {
    // The noise of the tracking study (herd bench --tracking): jitter, missed parts, parts swapped between close
    // animals, stray partial animals.
    for (const seed of [1, 2, 3]) {
      const scene = simulateScene({ animals: 3, keypoints: 12, frames: 2000, seed });
      const { content, truth } = synthDetections(scene, { seed, sigma: 2, dropRate: 0.08, swapRate: 0.05, spuriousRate: 0.02 });
      const set = trackDetections(content);
      const score = scoreTracklets(set, truth);
      assert.ok(score.trackletSwitches <= 2, `seed ${seed}: ${score.trackletSwitches} switches inside tracklets`);
      const stitched = computeTrackingMetrics(truth, stitchTracklets(set, { nTracks: 3 }).poses);
      assert.equal(stitched.idSwitches, 0, `seed ${seed}: switches after stitching`);
      assert.ok(stitched.idf1 > 0.99, `seed ${seed}: IDF1 ${stitched.idf1}`);
      assert.ok(stitched.mota > 0.99, `seed ${seed}: MOTA ${stitched.mota}`);
      const dlc = scoreTracklets(trackDetections(content, { ellipseMatch: 'similarity' }), truth);
      assert.ok(dlc.trackletSwitches >= 5, `seed ${seed}: DeepLabCut's matching, ${dlc.trackletSwitches} switches inside tracklets`);
    }
  });

  it('matching: DeepLabCut\'s ellipse similarity on request; unknown values are refused', () => {
    const { content, truth } = synthDetections(crossing(100), { seed: 7, sigma: 1, dropRate: 0.03 });
    const set = trackDetections(content, { ellipseMatch: 'similarity' });
    assert.equal(set.metadata.settings.ellipseMatch, 'similarity');
    assert.equal(scoreTracklets(set, truth).idSwitches, 0);
    assert.throws(() => trackDetections(content, { ellipseMatch: 'centres' as never }), isCode('USAGE', /ellipse matching/));
  });
});

describe('DeepLabCut bug #3493 (pose handed to the wrong tracklet when an ellipse cannot be fitted)', () => {
  it('keeps every pose with its own animal when another animal has too few keypoints for an ellipse', () => {
    // Three animals in fixed slots; in frames 5–7 the animal in slot 0 shows only 2 keypoints (no ellipse).
    const F = 12;
    const K = PARTS.length;
    const scene = handScene(F, 3, (f, a) => ({ x: 80 + 2 * f, y: 80 + 110 * a, heading: 0 }));
    const { content } = synthDetections(scene, { seed: 9, sigma: 0.5, dropRate: 0, shuffleSlots: false });
    for (const f of [5, 6, 7]) {
      for (let k = 2; k < K; k++) content.assemblies[((f * 3 + 0) * K + k) * 4 + 2] = Number.NaN;
    }
    const set = trackDetections(content, { method: 'ellipse', maxAge: 3 });
    const byId = rowsOf(set);
    // The pose each slot holds, after the p-cutoff (NaN where missing).
    const slotPose = (f: number, a: number) =>
      Array.from({ length: K * 3 }, (_, i) => {
        const k = Math.floor(i / 3);
        const at = ((f * 3 + a) * K + k) * 4;
        const score = content.assemblies[at + 2];
        return score >= 0.1 ? content.assemblies[at + (i % 3)] : Number.NaN;
      });
    const same = (a: number[], b: number[]) => a.every((v, i) => (Number.isNaN(v) && Number.isNaN(b[i])) || Math.abs(v - b[i]) < 1e-4);
    assert.equal(set.tracklets.length, 3);
    for (const rows of byId.values()) {
      // Each tracklet holds exactly one slot's poses in every frame it has.
      const first = [...rows.entries()][0]!;
      const slot = [0, 1, 2].find((a) => same(first[1], slotPose(first[0], a)))!;
      assert.notEqual(slot, undefined);
      for (const [f, row] of rows) {
        assert.ok(same(row, slotPose(f, slot)), `tracklet of slot ${slot} holds another animal's pose at frame ${f}`);
      }
      if (slot === 0) {
        assert.deepEqual([5, 6, 7].map((f) => rows.has(f)), [false, false, false], 'the animal without an ellipse is left untracked in those frames');
      } else {
        assert.equal(rows.size, F, `slot ${slot} is tracked in every frame`);
      }
    }
  });
});

describe('tracklets file', () => {
  const work = temporaryFolder();
  it('round-trips through writeTracklets / readTracklets, unique body parts included', () => {
    const scene = simulateScene({ animals: 2, keypoints: 5, frames: 40, seed: 3, uniqueBodyparts: 2 });
    const { content } = synthDetections(scene, { seed: 3, spuriousRate: 0.2 });
    const set = trackDetections(content, { method: 'skeleton', maxAge: 3 });
    const file = trackletsPath(path.join(work, 'videoDLC_x'), 'skeleton');
    assert.ok(file.endsWith('videoDLC_x_sk.tracklets.safetensors'));
    writeTracklets(file, set);
    const back = readTracklets(file);
    assert.deepEqual(back.metadata, JSON.parse(JSON.stringify(set.metadata)));
    assert.equal(back.tracklets.length, set.tracklets.length);
    set.tracklets.forEach((t, i) => {
      const b = back.tracklets[i]!;
      assert.equal(b.id, t.id);
      assert.deepEqual(Array.from(b.frames), Array.from(t.frames));
      assert.deepEqual(Array.from(b.identity), Array.from(t.identity));
      assert.deepEqual(Array.from(b.data), Array.from(t.data));
    });
    assert.deepEqual(Array.from(back.unique!), Array.from(set.unique!));
  });
});

describe('herd convert-detections2tracklets', () => {
  const work = temporaryFolder();
  const SCORER = 'DLC_HerdSmall_synthNov25shuffle1_snapshot_3';
  let config: string;
  let video: string;
  let detections: (frames?: number, partial?: boolean) => DetectionsContent;

  before(async () => {
    const synth = await createSynthProject({
      synth: { frames: 24, width: 256, height: 256, animals: 2, keypoints: 5, seed: 5, noiseSigma: 1 },
      workingDirectory: work,
      labeledFrames: 2,
    });
    config = synth.configPath;
    video = synth.videoPath;
    detections = (frames = 24, partial = false) => {
      const { content } = synthDetections(synth.scene, { seed: 1, scorer: SCORER, video });
      if (frames === 24 && !partial) return content;
      const K = content.metadata.bodyparts.length;
      const A = content.maxAnimals;
      return {
        ...content,
        assemblies: content.assemblies.slice(0, frames * A * K * 4),
        assemblyScores: content.assemblyScores.slice(0, frames * A),
        peaks: new Float32Array(0),
        metadata: { ...content.metadata, frames, partial, ...(partial ? { stoppedAt: 'video is damaged or incomplete' } : {}) },
      };
    };
  });

  const context = (notes: string[] = []) => ({ progress: silentProgress, signal: new AbortController().signal, note: (l: string) => notes.push(l) });

  it('tracks a video, skips it the next time, and tracks again with --overwrite', async () => {
    const file = detectionsPath(video, SCORER);
    writeDetections(file, detections());
    const notes: string[] = [];
    const result = await convertDetections2trackletsCommand.run({ positionals: { config, videos: [video] }, options: { shuffle: 1 } }, context(notes));
    const output = trackletsPath(file.replace(/_detections\.safetensors$/, ''), 'ellipse');
    assert.ok(fs.existsSync(output), result.text);
    assert.ok(notes.some((n) => /inference_cfg/.test(n)), 'says it used the defaults');
    const set = readTracklets(output);
    assert.equal(set.metadata.tracker, 'ellipse');
    assert.equal(set.metadata.scorer, SCORER);
    assert.ok(set.tracklets.length >= 2);
    assert.equal(set.metadata.partial, false);

    const again = await convertDetections2trackletsCommand.run({ positionals: { config, videos: [video] }, options: {} }, context());
    assert.match(again.text, /skipped/);
    const overwritten = await convertDetections2trackletsCommand.run({ positionals: { config, videos: [video] }, options: { overwrite: true, 'track-method': 'box' } }, context());
    assert.doesNotMatch(overwritten.text, /skipped/);
    assert.ok(fs.existsSync(trackletsPath(file.replace(/_detections\.safetensors$/, ''), 'box')));
    fs.rmSync(file);
  });

  it("reads the shuffle's inference_cfg.yaml; options override it", async () => {
    const dest = fs.mkdtempSync(path.join(work, 'dest-'));
    writeDetections(detectionsPath(video, SCORER, dest), detections());
    const project = loadProject(config);
    const cfgFile = path.join(modelFolderOf(project, project.config.TrainingFraction[0]!, 1), 'test', 'inference_cfg.yaml');
    fs.mkdirSync(path.dirname(cfgFile), { recursive: true });
    fs.writeFileSync(cfgFile, 'pcutoff: 0.2\ntopktoretain: 2\nwithid: false\nboundingboxslack: 0\niou_threshold: 0.5\nmax_age: 7\nmin_hits: 1\n');
    try {
      const result = await convertDetectionsToTracklets(config, [video], { destfolder: dest, settings: { minHits: 2 }, trackMethod: 'skeleton' });
      assert.equal(result.inferenceConfig, cfgFile);
      assert.deepEqual([result.settings.pcutoff, result.settings.maxAge, result.settings.minHits, result.settings.iouThreshold], [0.2, 7, 2, 0.5]);
      assert.equal(result.videos[0]!.tracker, 'skeleton');
      assert.equal(readTracklets(result.videos[0]!.output).metadata.settings.maxAge, 7);
    } finally {
      fs.rmSync(path.dirname(path.dirname(cfgFile)), { recursive: true });
    }
  });

  it('carries a partial detections file over to partial tracklets', async () => {
    const dest = fs.mkdtempSync(path.join(work, 'partial-'));
    writeDetections(detectionsPath(video, SCORER, dest), detections(10, true));
    const notes: string[] = [];
    const result = await convertDetections2trackletsCommand.run({ positionals: { config, videos: [video] }, options: { destfolder: dest, 'identity-only': false } }, context(notes));
    assert.match(result.text, /PARTIAL/);
    const tracked = (result.data.videos as Array<{ output: string }>)[0]!;
    const set = readTracklets(tracked.output);
    assert.equal(set.metadata.partial, true);
    assert.equal(set.metadata.frames, 10);
    assert.ok(set.tracklets.every((t) => t.frames.every((f) => f < 10)));
    assert.ok(notes.some((n) => /partial/.test(n)), notes.join('\n'));
  });

  it('says to run herd analyze when there are no detections, and names a corrupt file', async () => {
    const dest = fs.mkdtempSync(path.join(work, 'none-'));
    await assert.rejects(
      convertDetections2trackletsCommand.run({ positionals: { config, videos: [video] }, options: { destfolder: dest } }, context()),
      isCode('DETECTIONS_NOT_FOUND', /herd analyze/),
    );
    fs.writeFileSync(detectionsPath(video, SCORER, dest), 'not a safetensors file');
    await assert.rejects(convertDetectionsToTracklets(config, [video], { destfolder: dest }), isCode('DETECTIONS_INVALID'));
    await assert.rejects(
      convertDetections2trackletsCommand.run({ positionals: { config, videos: [video] }, options: { destfolder: dest, 'track-method': 'kalman' } }, context()),
      isCode('USAGE', /track-method/),
    );
    await assert.rejects(convertDetectionsToTracklets(config, [video], { destfolder: dest, settings: { maxAge: -1 } }), isCode('USAGE', /max_age/));
  });
});
