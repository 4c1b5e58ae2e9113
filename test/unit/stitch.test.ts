/**
 * Tracklet stitching: synthetic animals cut into fragments at crossings (plus tracker jumps between animals) are
 * rejoined without identity switches; the gap, residual, naming and identity rules on hand-made tracklets; the
 * written tracks read back by pandas; `herd stitch-tracklets`; and the refinement edits.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { stitchTrackletsCommand } from '../../src-core/cli/commands/stitch';
import { HerdError } from '../../src-core/common/errors';
import { createPoseArray, poseOffset, type PoseArray } from '../../src-core/common/pose';
import { silentProgress } from '../../src-core/common/progress';
import { Random } from '../../src-core/common/random';
import { findTrackletsFile } from '../../src-core/infer/locate';
import { readPoseTable } from '../../src-core/io/pose-table';
import { formatConfig, newProjectConfig } from '../../src-core/project/config';
import {
  computeTrackingMetrics, defaultMaxGap, deletePoints, fillGaps, INTERPOLATED_LIKELIHOOD, reassignIndividual,
  removeShortSwaps, removeShortTracklets, stitchTracklets, stitchVideos, swapIndividuals, type StitchPiece,
} from '../../src-core/stitch';
import { simulateScene, type SynthScene } from '../../src-core/synth';
import { writeTracklets, type Tracklet, type TrackletSet } from '../../src-core/track/tracklets';
import { runPandasJobs, skipWithoutPandas, type PandasView } from '../helpers/pandas';
import { temporaryFolder } from '../helpers/workspace';

const isCode = (code: string, pattern?: RegExp) => (e: unknown) => e instanceof HerdError && e.code === code && (!pattern || pattern.test(e.message));

// ---------------------------------------------------------------------------------------------
// Synthetic tracklets

interface SynthTracklets {
  scene: SynthScene;
  set: TrackletSet;
  /** Tracklets made of two animals (the tracker jumped from one to the other far away). */
  swaps: number;
}

/**
 * Ground truth of 3 crossing animals cut into tracklets the way a tracker loses them: every 60–200 frames (1–3
 * frames lost) and, for both animals, whenever two come within 40 px of each other (2 frames lost; once per
 * encounter), fragments at least 15 frames long. Keypoints get 1 px noise, hidden ones are missing. Three pairs of
 * concurrent tracklets of different animals then exchange their tails where the animals are > 200 px apart (a
 * tracker jumping onto another animal), and tracklet ids are shuffled.
 */
function synthTracklets(seed: number, frames = 2000, keypoints = 12): SynthTracklets {
  const scene = simulateScene({ animals: 3, keypoints, frames, seed });
  const A = 3;
  const K = keypoints;
  const gt = scene.poses;
  const random = new Random(seed + 100);
  const centroid = (f: number, a: number) => {
    let x = 0;
    let y = 0;
    for (let k = 0; k < K; k++) {
      const o = poseOffset(gt, f, a, k);
      x += gt.data[o];
      y += gt.data[o + 1];
    }
    return [x / K, y / K];
  };
  const dist = (f: number, a: number, b: number) => {
    const [x1, y1] = centroid(f, a);
    const [x2, y2] = centroid(f, b);
    return Math.hypot(x1 - x2, y1 - y2);
  };
  const cuts: Array<Map<number, number>> = [new Map(), new Map(), new Map()];
  for (let a = 0; a < A; a++) for (let f = random.integer(60, 200); f < frames; f += random.integer(60, 200)) cuts[a].set(f, random.integer(1, 4));
  for (let a = 0; a < A; a++) {
    for (let b = a + 1; b < A; b++) {
      let armed = true;
      for (let f = 1; f < frames; f++) {
        const d = dist(f, a, b);
        if (armed && d < 40) {
          cuts[a].set(f, 2);
          cuts[b].set(f, 2);
          armed = false;
        } else if (d > 80) armed = true;
      }
    }
  }
  type Row = { f: number; a: number };
  const lists: Row[][] = [];
  for (let a = 0; a < A; a++) {
    let current: Row[] = [];
    for (let f = 0; f < frames; f++) {
      const lost = cuts[a].get(f);
      if (lost !== undefined && current.length >= 15) {
        lists.push(current);
        current = [];
        f += lost - 1;
        continue;
      }
      current.push({ f, a });
    }
    if (current.length) lists.push(current);
  }
  let swaps = 0;
  for (let i = 0; i < lists.length && swaps < 3; i++) {
    for (let j = i + 1; j < lists.length && swaps < 3; j++) {
      const p = lists[i];
      const q = lists[j];
      const pure = (l: Row[]) => l[0].a === l[l.length - 1].a;
      if (p[0].a === q[0].a || p.length < 80 || q.length < 80 || !pure(p) || !pure(q)) continue;
      const lo = Math.max(p[0].f, q[0].f) + 30;
      const hi = Math.min(p[p.length - 1].f, q[q.length - 1].f) - 30;
      let t = -1;
      for (let f = lo; f < hi && t < 0; f++) if (dist(f, p[0].a, q[0].a) > 200) t = f;
      if (t < 0) continue;
      const pi = p.findIndex((r) => r.f > t);
      const qi = q.findIndex((r) => r.f > t);
      lists[i] = [...p.slice(0, pi), ...q.slice(qi)];
      lists[j] = [...q.slice(0, qi), ...p.slice(pi)];
      swaps += 1;
    }
  }
  const ids = lists.map((_, i) => i);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = random.integer(0, i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const tracklets: Tracklet[] = lists.map((rows, i) => {
    const data = new Float32Array(rows.length * K * 3);
    rows.forEach((r, n) => {
      for (let k = 0; k < K; k++) {
        const o = poseOffset(gt, r.f, r.a, k);
        const at = (n * K + k) * 3;
        if (gt.data[o + 2] < 0.5) {
          data[at] = data[at + 1] = data[at + 2] = Number.NaN;
          continue;
        }
        data[at] = gt.data[o] + random.gaussian();
        data[at + 1] = gt.data[o + 1] + random.gaussian();
        data[at + 2] = random.uniform(0.6, 1);
      }
    });
    return { id: ids[i], frames: Int32Array.from(rows, (r) => r.f), data, identity: new Int32Array(rows.length).fill(-1) };
  });
  tracklets.sort((a, b) => a.id - b.id);
  return { scene, set: trackletSet(tracklets, scene.bodyparts, scene.individuals, frames), swaps };
}

function trackletSet(tracklets: Tracklet[], bodyparts: string[], individuals: string[], frames: number, uniqueBodyparts: string[] = []): TrackletSet {
  return {
    tracklets,
    metadata: {
      video: 'video.mp4', fps: 30, frames, totalFrames: frames, width: 640, height: 480, scorer: SCORER,
      bodyparts, uniqueBodyparts, individuals, tracker: 'ellipse', settings: {}, partial: false,
    },
  };
}

const SCORER = 'DLC_HerdSmall_stitchNov25shuffle1_snapshot_5';

/**
 * A hand-made tracklet with two body parts: at frame f it sits at (x0 + vx·(f − start), y) with the second part
 * 10 px below; likelihood 0.9.
 */
function line(id: number, start: number, end: number, x0: number, y: number, options: { vx?: number; identity?: number; skip?: number[] } = {}): Tracklet {
  const frames: number[] = [];
  for (let f = start; f <= end; f++) if (!options.skip?.includes(f)) frames.push(f);
  const data = new Float32Array(frames.length * 2 * 3);
  frames.forEach((f, r) => {
    const x = x0 + (options.vx ?? 1) * (f - start);
    data.set([x, y, 0.9, x, y + 10, 0.9], r * 6);
  });
  return { id, frames: Int32Array.from(frames), data, identity: new Int32Array(frames.length).fill(options.identity ?? -1) };
}

const PARTS = ['head', 'tail'];

/** The tracklets of each track, sorted, tracks in order of their smallest tracklet (for order-free checks). */
const sets = (tracks: Array<{ tracklets: number[] }>) => tracks.map((t) => [...t.tracklets].sort((a, b) => a - b)).sort((a, b) => a[0] - b[0]);

/** The x of track `slot` at `frame` (head), NaN when empty. */
const xAt = (poses: PoseArray, frame: number, slot: number) => poses.data[poseOffset(poses, frame, slot, 0)];

// ---------------------------------------------------------------------------------------------

describe('stitchTracklets on synthetic crossings', () => {
  for (const seed of [1, 2, 3]) {
    it(`rejoins the fragments of 3 animals over 2,000 frames without identity switches (seed ${seed})`, () => {
      const { scene, set, swaps } = synthTracklets(seed);
      assert.ok(set.tracklets.length >= 60, `${set.tracklets.length} tracklets`);
      assert.equal(swaps, 3);
      const result = stitchTracklets(set);
      // Each tracker jump is found and cut.
      assert.equal(result.stats.jumpSplits, 2 * swaps);
      assert.equal(result.stats.fallback, false);
      assert.deepEqual(result.poses.individuals, ['mouse1', 'mouse2', 'mouse3']);
      const metrics = computeTrackingMetrics(scene.poses, result.poses, { threshold: 20 });
      assert.equal(metrics.idSwitches, 0);
      assert.equal(metrics.falsePositives, 0);
      // Misses are the frames the "tracker" lost, nothing more.
      const rows = set.tracklets.reduce((sum, t) => sum + t.frames.length, 0);
      assert.equal(metrics.matches, rows);
      assert.ok(metrics.idf1 > 0.97, `IDF1 ${metrics.idf1}`);
    });
  }

  it('with the motion weight, also where centroid distance alone links two crowded animals wrongly (seed 5)', () => {
    for (const seed of [5, 6]) {
      const { scene, set } = synthTracklets(seed);
      if (seed === 5) {
        // DeepLabCut's distance weight: two animals crowded with occluded parts make the wrong cover the cheaper one.
        const plain = computeTrackingMetrics(scene.poses, stitchTracklets(set).poses, { threshold: 20 });
        assert.equal(plain.idSwitches, 2);
      }
      const motion = computeTrackingMetrics(scene.poses, stitchTracklets(set, { weight: 'motion' }).poses, { threshold: 20 });
      assert.equal(motion.idSwitches, 0, `seed ${seed}`);
      assert.equal(motion.falsePositives, 0);
    }
  });
});

describe('stitchTracklets rules', () => {
  const individuals = ['a', 'b'];

  it('links across gaps up to max gap, and computes the default max gap as DeepLabCut does', () => {
    // Two animals at y = 0 and y = 100, each cut once: a gap of 4 frames (animal 1) and 2 frames (animal 2).
    const tracklets = [line(0, 0, 19, 0, 0), line(1, 24, 49, 24, 0), line(2, 0, 29, 0, 100), line(3, 32, 49, 32, 100)];
    const set = trackletSet(tracklets, PARTS, individuals, 50);
    const result = stitchTracklets(set);
    // Smallest positive gaps to a later tracklet: 0 → 1 is 5, 2 → 3 is 3; g = 5, max gap ⌊7.5⌋.
    assert.equal(result.stats.maxGap, 7);
    assert.equal(result.stats.fallback, false);
    assert.deepEqual(result.tracks.map((t) => t.tracklets), [[0, 1], [2, 3]]);
    for (let f = 0; f < 50; f++) {
      if (f >= 20 && f < 24) assert.ok(Number.isNaN(xAt(result.poses, f, 0)));
      else assert.equal(xAt(result.poses, f, 0), f);
    }
    assert.equal(xAt(result.poses, 40, 1), 40);
  });

  it('default max gap = ⌊1.5 · g⌋, g the largest smallest-gap to a later node', () => {
    const piece = (start: number, end: number) => ({ start, end }) as StitchPiece;
    // Smallest positive gaps: [0,9] → 3 (to [12,20]); [12,20] → 10 (to [30,40]); [5,25] → 5; later ones: none.
    assert.equal(defaultMaxGap([piece(0, 9), piece(12, 20), piece(5, 25), piece(30, 40)]), 15);
    assert.equal(defaultMaxGap([piece(0, 9)]), 0);
  });

  it('does not link beyond max gap: the track keeps its hole, the far tracklet is added back where it fits', () => {
    const tracklets = [line(0, 0, 19, 0, 0), line(1, 40, 59, 40, 0), line(2, 0, 59, 0, 100)];
    const set = trackletSet(tracklets, PARTS, individuals, 60);
    const strict = stitchTracklets(set, { maxGap: 5 });
    assert.equal(strict.stats.fallback, true);
    assert.equal(strict.stats.links, 0);
    // The fallback keeps the two chains covering the most frames (2 and 0), then tracklet 1 fits only track 0.
    assert.deepEqual(sets(strict.tracks), [[0, 1], [2]]);
    assert.equal(strict.stats.residualsAdded, 1);
    const loose = stitchTracklets(set, { maxGap: 25 });
    assert.equal(loose.stats.fallback, false);
    assert.equal(loose.stats.links, 1);
    assert.deepEqual(loose.tracks.map((t) => t.tracklets), [[0, 1], [2]]);
  });

  it('splits at missing frames (unless split is off) and at jumps', () => {
    const gappy = line(0, 0, 39, 0, 0, { skip: [10, 11, 25] });
    const other = line(1, 0, 39, 0, 200);
    const set = trackletSet([gappy, other], PARTS, individuals, 40);
    const split = stitchTracklets(set);
    assert.equal(split.stats.gapSplits, 2);
    assert.equal(split.stats.pieces, 4);
    const whole = stitchTracklets(set, { split: false });
    assert.equal(whole.stats.gapSplits, 0);
    assert.equal(whole.stats.pieces, 2);
    // A tracklet that jumps 150 px (body 10 px, speed 1 px/frame) is cut there; with jumpFactor 0 it is not.
    const jumper: Tracklet = line(2, 0, 29, 0, 0);
    for (let r = 15; r < 30; r++) jumper.data[r * 6 + 1] = jumper.data[r * 6 + 4] = 150;
    for (let r = 15; r < 30; r++) jumper.data[r * 6 + 4] += 10;
    const jumps = trackletSet([jumper, line(3, 0, 29, 0, 300)], PARTS, individuals, 30);
    assert.equal(stitchTracklets(jumps).stats.jumpSplits, 1);
    assert.equal(stitchTracklets(jumps, { jumpFactor: 0 }).stats.jumpSplits, 0);
  });

  it('drops rows without a complete point and adds short tracklets back to the one track they fit', () => {
    const empty = line(5, 0, 4, 0, 0);
    empty.data.fill(Number.NaN);
    // Animal 1: 0..19, short residual 20..24 (5 < min length 10), then 25..49.
    const tracklets = [line(0, 0, 19, 0, 0), line(1, 20, 24, 20, 0), line(2, 25, 49, 25, 0), line(3, 0, 49, 0, 100), empty];
    const result = stitchTracklets(trackletSet(tracklets, PARTS, individuals, 50));
    assert.equal(result.stats.droppedRows, 5);
    assert.equal(result.stats.nodes, 3);
    assert.equal(result.stats.residuals, 1);
    assert.equal(result.stats.residualsAdded, 1);
    assert.deepEqual(result.tracks[0].tracklets, [0, 1, 2]);
    for (let f = 0; f < 50; f++) assert.equal(xAt(result.poses, f, 0), f);
  });

  it('puts a residual that fits several tracks where it continues best, and chains residuals first', () => {
    // Two long tracks with the same hole 20..29; residuals 20..23 and 25..28 at y = 100 continue the second animal.
    const tracklets = [
      line(0, 0, 19, 0, 0), line(1, 30, 49, 30, 0), line(2, 0, 19, 0, 100), line(3, 30, 49, 30, 100),
      line(4, 20, 23, 20, 100), line(5, 25, 28, 25, 100),
    ];
    const result = stitchTracklets(trackletSet(tracklets, PARTS, individuals, 50));
    // The two residuals (gap 2) were chained into one, then attached to the y = 100 animal.
    assert.equal(result.stats.residuals, 1);
    assert.deepEqual(result.tracks[1].tracklets, [2, 4, 5, 3]);
    assert.equal(result.poses.data[poseOffset(result.poses, 22, 1, 0) + 1], 100);
    assert.ok(Number.isNaN(xAt(result.poses, 22, 0)));
    const unchained = stitchTracklets(trackletSet(tracklets, PARTS, individuals, 50), { prestitch: false });
    assert.equal(unchained.stats.residuals, 2);
    assert.deepEqual(unchained.tracks[1].tracklets, [2, 4, 5, 3]);
  });

  it('names tracks ind1..indN when their number differs from the individuals, or as asked', () => {
    const tracklets = [line(0, 0, 19, 0, 0), line(1, 0, 19, 0, 100), line(2, 0, 19, 0, 200)];
    const set = trackletSet(tracklets, PARTS, individuals, 20);
    assert.deepEqual(stitchTracklets(set, { nTracks: 3 }).poses.individuals, ['ind1', 'ind2', 'ind3']);
    assert.deepEqual(stitchTracklets(set, { nTracks: 3, animalNames: ['x', 'y', 'z'] }).poses.individuals, ['x', 'y', 'z']);
    // Two tracks for three concurrent animals: the fallback keeps two, the third overlaps both and is dropped.
    const two = stitchTracklets(set);
    assert.deepEqual(two.poses.individuals, ['a', 'b']);
    assert.equal(two.stats.fallback, true);
    assert.equal(two.stats.residualsDropped, 1);
    assert.throws(() => stitchTracklets(set, { nTracks: 4 }), isCode('STITCH_TOO_FEW_TRACKLETS', /only 3 tracklet/));
    assert.throws(() => stitchTracklets(trackletSet([], PARTS, individuals, 20)), isCode('STITCH_EMPTY'));
    assert.throws(() => stitchTracklets(set, { nTracks: 3, animalNames: ['x', 'single', 'z'] }), isCode('USAGE'));
  });

  it('prefers links between tracklets of the same identity (×0.01) and orders tracks by identity', () => {
    // After the gap, the tracklet closer to animal 0's end carries identity 1, and vice versa: identity wins.
    const tracklets = [
      line(0, 0, 19, 0, 0, { identity: 1 }),
      line(1, 0, 19, 0, 50, { identity: 0 }),
      line(2, 22, 40, 22, 45, { identity: 1 }),
      line(3, 22, 40, 22, 5, { identity: 0 }),
    ];
    const set = trackletSet(tracklets, PARTS, individuals, 41);
    const result = stitchTracklets(set);
    // Track of identity 0 first (column "a"), made of tracklets 1 and 3.
    assert.deepEqual(result.tracks.map((t) => [t.identity, ...t.tracklets]), [[0, 1, 3], [1, 0, 2]]);
    // Without identities the distance decides.
    const plain = stitchTracklets(trackletSet(tracklets.map((t) => ({ ...t, identity: t.identity.map(() => -1) })), PARTS, individuals, 41));
    assert.deepEqual(plain.tracks.map((t) => t.tracklets), [[0, 3], [1, 2]]);
    // A custom weight replaces the default (and its identity bonus).
    const custom = stitchTracklets(set, { weight: (a, b) => Math.abs(a.centroids[a.centroids.length - 1] - b.centroids[1]) });
    assert.deepEqual(sets(custom.tracks), [[0, 3], [1, 2]]);
  });

  it('passes the unique body parts through as "single"', () => {
    const set = trackletSet([line(0, 0, 9, 0, 0), line(1, 0, 9, 0, 100)], PARTS, individuals, 10, ['corner']);
    set.unique = new Float32Array(10 * 3).map((_, i) => i);
    const result = stitchTracklets(set, { minLength: 3 });
    assert.deepEqual(result.unique?.individuals, ['single']);
    assert.deepEqual(result.unique?.bodyparts, ['corner']);
    assert.deepEqual(Array.from(result.unique!.data), Array.from(set.unique));
  });
});

// ---------------------------------------------------------------------------------------------

describe('stitchVideos and herd stitch-tracklets', () => {
  const work = temporaryFolder();
  let config: string;
  let video: string;
  let tracklets: string;
  let scene: SynthScene;
  const skip = skipWithoutPandas();

  before(() => {
    const built = synthTracklets(4, 300, 4);
    scene = built.scene;
    const root = path.join(work, 'project');
    fs.mkdirSync(path.join(root, 'videos'), { recursive: true });
    video = path.join(root, 'videos', 'mice.mp4');
    fs.writeFileSync(video, ''); // only its name is used
    const cfg = newProjectConfig({
      task: 'stitch', scorer: 'me', date: new Date('2026-11-25'), projectPath: root, videoSets: { [video]: { crop: '0, 640, 0, 480' } },
      multiAnimal: true, individuals: scene.individuals, bodyparts: scene.bodyparts, uniqueBodyparts: ['corner1'],
    });
    config = path.join(root, 'config.yaml');
    fs.writeFileSync(config, formatConfig(cfg));
    const set = { ...built.set, metadata: { ...built.set.metadata, video, uniqueBodyparts: ['corner1'] } };
    set.unique = new Float32Array(300 * 3).map((_, i) => (i % 3 === 2 ? 1 : 7));
    tracklets = path.join(root, 'videos', `mice${SCORER}_el.tracklets.safetensors`);
    writeTracklets(tracklets, set);
  });

  it('finds the tracklets file of the shuffle and tracker, with clear errors otherwise', () => {
    const folder = path.dirname(video);
    assert.equal(findTrackletsFile(video, { folder, shuffle: 1, tracker: 'ellipse' }).file, tracklets);
    assert.throws(() => findTrackletsFile(video, { folder, shuffle: 2, tracker: 'ellipse' }), isCode('TRACKLETS_NOT_FOUND', /shuffle 2.*other shuffles or trackers/));
    assert.throws(() => findTrackletsFile(video, { folder, shuffle: 1, tracker: 'box' }), isCode('TRACKLETS_NOT_FOUND', /convert-detections2tracklets --track-method box/));
  });

  it('writes <video><scorer>_el.h5 and .csv that pandas reads with DeepLabCut\'s columns', { skip }, async () => {
    const context = { progress: silentProgress, signal: new AbortController().signal, note: () => {} };
    const result = await stitchTrackletsCommand.run({ positionals: { config, videos: [video] }, options: { 'save-as-csv': true, 'min-length': 10 } }, context);
    const h5 = path.join(path.dirname(video), `mice${SCORER}_el.h5`);
    const csv = h5.replace(/\.h5$/, '.csv');
    assert.match(result.text, /3 tracks from ellipse tracklets/);
    assert.ok(fs.existsSync(h5) && fs.existsSync(csv));
    const [fromH5, fromCsv] = runPandasJobs(
      [{ op: 'readHdf', file: h5 }, { op: 'readCsv', file: csv, headerRows: 4, indexWidth: 1 }],
      path.join(work, 'pandas'),
    ) as PandasView[];
    const ours = await readPoseTable(h5);
    for (const view of [fromH5, fromCsv]) {
      assert.deepEqual(view.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
      assert.equal(view.columns.length, (3 * 4 + 1) * 3);
      assert.deepEqual(view.columns.slice(0, 3), [[SCORER, 'mouse1', scene.bodyparts[0], 'x'], [SCORER, 'mouse1', scene.bodyparts[0], 'y'], [SCORER, 'mouse1', scene.bodyparts[0], 'likelihood']]);
      assert.deepEqual(view.columns.at(-1), [SCORER, 'single', 'corner1', 'likelihood']);
      assert.equal(view.index.length, 300);
      // Values agree with what Herd reads back, NaN included.
      for (const frame of [0, 150, 299]) {
        const row = view.values[frame];
        for (let slot = 0; slot < 3; slot++) {
          for (let k = 0; k < 4; k++) {
            for (let c = 0; c < 3; c++) {
              const v = ours.poses.data[poseOffset(ours.poses, frame, slot, k) + c];
              const p = row[(slot * 4 + k) * 3 + c];
              if (Number.isNaN(v)) assert.equal(p, null);
              else assert.ok(Math.abs((p as number) - v) < 1e-3, `frame ${frame}: ${p} vs ${v}`);
            }
          }
        }
        assert.deepEqual(row.slice(-3), [7, 7, 1]);
      }
    }
    // Scored against the ground truth: no identity switch.
    const metrics = computeTrackingMetrics(scene.poses, ours.poses, { threshold: 20 });
    assert.equal(metrics.idSwitches, 0);
  });

  it('refuses to overwrite, and reports too few tracklets for --n-tracks with the file', async () => {
    await assert.rejects(stitchVideos(config, [video], { saveAsCsv: true }), isCode('OUTPUT_EXISTS'));
    await assert.rejects(
      stitchVideos(config, [video], { overwrite: true, nTracks: 500 }),
      (e: unknown) => isCode('STITCH_TOO_FEW_TRACKLETS')(e) && (e as HerdError).location.file === tracklets,
    );
    await assert.rejects(stitchVideos(config, [video], { trackMethod: 'kalman' }), isCode('USAGE', /unknown track method/));
    const context = { progress: silentProgress, signal: new AbortController().signal, note: () => {} };
    await assert.rejects(stitchTrackletsCommand.run({ positionals: { config, videos: [video] }, options: { weight: 'iou' } }, context), isCode('USAGE', /--weight/));
    const two = await stitchVideos(config, [video], { overwrite: true, nTracks: 2 });
    const table = await readPoseTable(two.videos[0].output);
    assert.deepEqual(table.poses.individuals, ['ind1', 'ind2']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('track edits', () => {
  /** 6 frames, 2 individuals, 1 body part: individual 0 at x = f, individual 1 at x = 100 + f. */
  function tracks(): PoseArray {
    const pose = createPoseArray(6, ['a', 'b'], ['head']);
    for (let f = 0; f < 6; f++) {
      pose.data.set([f, 0, 0.9], poseOffset(pose, f, 0, 0));
      pose.data.set([100 + f, 0, 0.8], poseOffset(pose, f, 1, 0));
    }
    return pose;
  }
  const xs = (pose: PoseArray, i: number) => Array.from({ length: pose.frames }, (_, f) => pose.data[poseOffset(pose, f, i, 0)]);

  it('swaps two individuals over a frame range, leaving the input untouched', () => {
    const pose = tracks();
    const swapped = swapIndividuals(pose, 0, 1, { start: 2, end: 3 });
    assert.deepEqual(xs(swapped, 0), [0, 1, 102, 103, 4, 5]);
    assert.deepEqual(xs(swapped, 1), [100, 101, 2, 3, 104, 105]);
    assert.deepEqual(xs(pose, 0), [0, 1, 2, 3, 4, 5]);
    assert.throws(() => swapIndividuals(pose, 0, 2), RangeError);
  });

  it('reassigns a range of one individual to another, and deletes points', () => {
    const pose = deletePoints(tracks(), { range: { start: 4, end: 9 }, individuals: [0] });
    assert.deepEqual(xs(pose, 0), [0, 1, 2, 3, NaN, NaN]);
    const moved = reassignIndividual(pose, 0, 1, { start: 3, end: 5 });
    // Frame 3: b takes a's point; frames 4–5: a has nothing, b keeps its own.
    assert.deepEqual(xs(moved, 0), [0, 1, 2, NaN, NaN, NaN]);
    assert.deepEqual(xs(moved, 1), [100, 101, 102, 3, 104, 105]);
    assert.deepEqual(xs(deletePoints(tracks(), { bodyparts: [0] }), 1), new Array(6).fill(NaN));
  });

  it('fills gaps up to max gap by linear interpolation with likelihood 0.01', () => {
    let pose = deletePoints(tracks(), { range: { start: 1, end: 2 }, individuals: [0] });
    pose = deletePoints(pose, { range: { start: 1, end: 4 }, individuals: [1] });
    const { pose: filled, filled: count } = fillGaps(pose, 2);
    assert.equal(count, 2);
    assert.deepEqual(xs(filled, 0), [0, 1, 2, 3, 4, 5]);
    assert.equal(filled.data[poseOffset(filled, 1, 0, 0) + 2], Math.fround(INTERPOLATED_LIKELIHOOD));
    assert.equal(filled.data[poseOffset(filled, 3, 0, 0) + 2], Math.fround(0.9));
    // Individual 1's gap of 4 frames is longer than 2: left alone. Nothing is filled before the first point.
    assert.deepEqual(xs(filled, 1), [100, NaN, NaN, NaN, NaN, 105]);
    assert.equal(fillGaps(pose, 4).filled, 6);
  });

  it('removes tracklets shorter than min_tracklet_len and swaps shorter than min_swap_len', () => {
    const pose = deletePoints(tracks(), { range: { start: 1, end: 1 }, individuals: [0] });
    // Individual 0's head: runs [0] (1 frame) and [2..5] (4 frames).
    const { pose: pruned, removed } = removeShortTracklets(pose, 2);
    assert.equal(removed, 1);
    assert.deepEqual(xs(pruned, 0), [NaN, NaN, 2, 3, 4, 5]);
    assert.equal(removeShortTracklets(pose, 5).removed, 5);
    // A 1-frame swap at frame 2 and a 3-frame swap over 3..5 (no switch back): only the short one is undone.
    const flicker = swapIndividuals(tracks(), 0, 1, { start: 2, end: 2 });
    const { pose: fixed, swaps } = removeShortSwaps(flicker, 2);
    assert.deepEqual(swaps, [{ a: 0, b: 1, range: { start: 2, end: 2 } }]);
    assert.deepEqual(xs(fixed, 0), [0, 1, 2, 3, 4, 5]);
    const long = swapIndividuals(tracks(), 0, 1, { start: 1, end: 3 });
    assert.deepEqual(removeShortSwaps(long, 3).swaps, []);
    assert.deepEqual(removeShortSwaps(long, 4).swaps, [{ a: 0, b: 1, range: { start: 1, end: 3 } }]);
  });
});
