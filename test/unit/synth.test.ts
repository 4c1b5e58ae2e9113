import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isHerdError } from '../../src-core/common/errors';
import { poseOffset, type PoseArray } from '../../src-core/common/pose';
import { Random } from '../../src-core/common/random';
import { parseDlcCsv } from '../../src-core/io/dlc-csv';
import {
  MOUSE_BODYPARTS,
  defaultBodyparts,
  groundTruthCsv,
  groundTruthSidecar,
  formatSidecar,
  renderFrame,
  resolveSynthOptions,
  sceneBackground,
  simulateScene,
  synthesize,
  writeSynthVideo,
  type SynthScene,
  type SynthSidecar,
} from '../../src-core/synth';
import { BODY_LENGTH } from '../../src-core/synth/anatomy';
import { decodeFrames, grabFrame, probeVideo } from '../../src-core/video';

/** The default scene (3 mice, 10 keypoints, 300 frames, 640×480), simulated once: it is cheap. */
const defaultScene = simulateScene();

function point(pose: PoseArray, frame: number, individual: number, bodypart: number) {
  const offset = poseOffset(pose, frame, individual, bodypart);
  return { x: pose.data[offset], y: pose.data[offset + 1], visible: pose.data[offset + 2] === 1 };
}

function renderToBuffer(scene: SynthScene, frame: number): Uint8Array {
  const out = new Uint8Array(scene.width * scene.height * 3);
  renderFrame(scene, frame, out);
  return out;
}

/** Whether (x, y) is more than `distance` px from every keypoint of every animal (keypoints are
 * at most 12 px apart along the midline, and the body is at most 12 px wide on each side). */
function farFromAnimals(scene: SynthScene, frame: number, x: number, y: number, distance: number): boolean {
  return scene.individuals.every((_, animal) =>
    scene.bodyparts.every((__, part) => {
      const p = point(scene.poses, frame, animal, part);
      return Math.hypot(p.x - x, p.y - y) > distance;
    }),
  );
}

/** Centroid of an animal's visible keypoints, or undefined when it is hidden entirely. */
function visibleCentroid(scene: SynthScene, frame: number, animal: number) {
  let x = 0;
  let y = 0;
  let count = 0;
  scene.bodyparts.forEach((_, part) => {
    const p = point(scene.poses, frame, animal, part);
    if (!p.visible) return;
    x += p.x;
    y += p.y;
    count++;
  });
  return count > 0 ? { x: x / count, y: y / count } : undefined;
}

/**
 * A deliberately naive tracker, as a baseline the test bed must defeat: each frame's detections are
 * the animals' visible-keypoint centroids with identities stripped, order shuffled and a little
 * noise (what a detector would give), matched greedily to the tracks' last positions, nearest pair
 * first. Returns how often a track ends up on a different true animal than in the frame before.
 */
function naiveTrack(scene: SynthScene, detectionNoise = 1.5, seed = 1): number {
  const random = new Random(seed);
  let tracks: Array<{ x: number; y: number; truth: number }> = [];
  let switches = 0;
  for (let frame = 0; frame < scene.frames; frame++) {
    const detections = scene.individuals.flatMap((_, animal) => {
      const centroid = visibleCentroid(scene, frame, animal);
      if (!centroid) return [];
      const x = centroid.x + detectionNoise * random.gaussian();
      const y = centroid.y + detectionNoise * random.gaussian();
      return [{ x, y, truth: animal }];
    });
    for (let i = detections.length - 1; i > 0; i--) {
      const j = random.integer(0, i + 1);
      [detections[i], detections[j]] = [detections[j], detections[i]];
    }
    if (frame === 0) {
      tracks = detections.map((detection) => ({ ...detection }));
      continue;
    }
    const pairs = tracks.flatMap((track, t) =>
      detections.map((detection, d) => ({ t, d, distance: Math.hypot(track.x - detection.x, track.y - detection.y) })),
    );
    pairs.sort((a, b) => a.distance - b.distance);
    const usedTracks = new Set<number>();
    const usedDetections = new Set<number>();
    for (const { t, d } of pairs) {
      if (usedTracks.has(t) || usedDetections.has(d)) continue;
      usedTracks.add(t);
      usedDetections.add(d);
      if (tracks[t].truth !== detections[d].truth) switches++;
      tracks[t] = { ...detections[d] };
    }
  }
  return switches;
}

describe('synth options', () => {
  it('defaults to 3 mice with 10 keypoints over 300 frames of 640×480 at 30 fps', () => {
    const options = resolveSynthOptions();
    assert.deepEqual(
      { ...options },
      { animals: 3, keypoints: 10, frames: 300, width: 640, height: 480, fps: 30, seed: 0, uniqueBodyparts: 0, noiseSigma: 6 },
    );
    assert.deepEqual(defaultScene.individuals, ['mouse1', 'mouse2', 'mouse3']);
    assert.deepEqual(defaultScene.bodyparts, [...MOUSE_BODYPARTS]);
  });

  it('names other skeleton sizes sensibly', () => {
    assert.deepEqual(defaultBodyparts(4), ['snout', 'leftear', 'rightear', 'tailbase']);
    assert.deepEqual(defaultBodyparts(1), ['snout']);
    assert.deepEqual(defaultBodyparts(12).slice(3, 10), ['neck', 'spine1', 'spine2', 'spine3', 'spine4', 'spine5', 'tailbase']);
    for (let count = 1; count <= 40; count++) assert.equal(new Set(defaultBodyparts(count)).size, count);
  });

  it('rejects options it cannot honour', () => {
    for (const bad of [{ animals: 0 }, { frames: 1.5 }, { width: 50 }, { noiseSigma: -1 }, { fps: Number.NaN }]) {
      assert.throws(
        () => resolveSynthOptions(bad),
        (error: unknown) => isHerdError(error) && error.code === 'INVALID_SYNTH_OPTION',
        JSON.stringify(bad),
      );
    }
  });
});

describe('synth simulation', () => {
  it('is deterministic: same seed, same poses and frames; another seed, others', () => {
    const options = { frames: 40, width: 320, height: 240, seed: 7, uniqueBodyparts: 2 };
    const first = simulateScene(options);
    const again = simulateScene(options);
    const other = simulateScene({ ...options, seed: 8 });
    assert.deepEqual(again.poses.data, first.poses.data);
    assert.deepEqual(again.unique.data, first.unique.data);
    assert.notDeepEqual(other.poses.data, first.poses.data);
    for (const frame of [0, 39]) {
      assert.ok(Buffer.from(renderToBuffer(again, frame)).equals(renderToBuffer(first, frame)), `frame ${frame}`);
      assert.ok(!Buffer.from(renderToBuffer(other, frame)).equals(renderToBuffer(first, frame)));
    }
  });

  it('keeps every keypoint inside the frame, also in a small crowded arena', () => {
    const crowded = simulateScene({ animals: 6, width: 256, height: 192, frames: 200, seed: 3, keypoints: 14 });
    for (const scene of [defaultScene, crowded]) {
      const { data } = scene.poses;
      for (let i = 0; i < data.length; i += 3) {
        assert.ok(data[i] >= 0 && data[i] <= scene.width - 1 && data[i + 1] >= 0 && data[i + 1] <= scene.height - 1);
      }
    }
  });

  it('keeps the spine near its rest length while the body bends', () => {
    const spine = ['neck', 'spine1', 'spine2', 'spine3', 'tailbase'].map((name) => defaultScene.bodyparts.indexOf(name));
    let shortest = Infinity;
    let longest = 0;
    for (let frame = 0; frame < defaultScene.frames; frame++) {
      defaultScene.individuals.forEach((_, animal) => {
        const rest = 12 * defaultScene.shapes.scales[animal]; // spine points are 12 px apart along the midline
        for (let i = 1; i < spine.length; i++) {
          const a = point(defaultScene.poses, frame, animal, spine[i - 1]);
          const b = point(defaultScene.poses, frame, animal, spine[i]);
          const ratio = Math.hypot(a.x - b.x, a.y - b.y) / rest;
          shortest = Math.min(shortest, ratio);
          longest = Math.max(longest, ratio);
        }
      });
    }
    assert.ok(longest <= 1.001, `a spine segment stretched to ${longest.toFixed(3)} of its length`);
    assert.ok(shortest >= 0.75, `a spine segment folded to ${shortest.toFixed(3)} of its length`);
  });

  it('brings animals into contact and hides some keypoints under others', () => {
    const { poses, frames, individuals } = defaultScene;
    let closest = Infinity;
    for (let frame = 0; frame < frames; frame++) {
      const centres = individuals.map((_, animal) => {
        const points = defaultScene.bodyparts.map((__, part) => point(poses, frame, animal, part));
        return { x: points.reduce((s, p) => s + p.x, 0) / points.length, y: points.reduce((s, p) => s + p.y, 0) / points.length };
      });
      for (let a = 0; a < centres.length; a++) {
        for (let b = a + 1; b < centres.length; b++) {
          closest = Math.min(closest, Math.hypot(centres[a].x - centres[b].x, centres[a].y - centres[b].y));
        }
      }
    }
    assert.ok(closest < BODY_LENGTH, `closest centroids ${closest.toFixed(1)} px apart`);
    let hidden = 0;
    for (let i = 2; i < poses.data.length; i += 3) if (poses.data[i] === 0) hidden++;
    const total = poses.data.length / 3;
    assert.ok(hidden > 0, 'some keypoints are occluded');
    assert.ok(hidden < total * 0.3, `${hidden} of ${total} keypoints hidden: too crowded to be useful`);
    // The animal drawn on top is never hidden.
    const top = defaultScene.drawOrder.at(-1) as number;
    for (let frame = 0; frame < frames; frame++) {
      defaultScene.bodyparts.forEach((_, part) => assert.ok(point(poses, frame, top, part).visible));
    }
  });

  it('defeats a naive nearest-centroid tracker (identity switches in close encounters)', (t) => {
    const switches = naiveTrack(defaultScene);
    t.diagnostic(`naive tracker identity switches over ${defaultScene.frames} frames: ${switches}`);
    assert.ok(switches >= 1, 'the default scene should make a naive tracker swap identities');
  });
});

describe('synth rendering', () => {
  const scene = simulateScene({ frames: 60, seed: 2, noiseSigma: 0, uniqueBodyparts: 4 });
  const background = sceneBackground(scene);
  const spine2 = scene.bodyparts.indexOf('spine2');

  /** Summed absolute RGB difference from the background at pixel (x, y). */
  function differenceAt(frame: Uint8Array, x: number, y: number): number {
    const o = (Math.round(y) * scene.width + Math.round(x)) * 3;
    return Math.abs(frame[o] - background[o]) + Math.abs(frame[o + 1] - background[o + 1]) + Math.abs(frame[o + 2] - background[o + 2]);
  }

  it('draws each animal where its pose says, and leaves the floor alone elsewhere', () => {
    for (const frameIndex of [0, 30, 59]) {
      const frame = renderToBuffer(scene, frameIndex);
      scene.individuals.forEach((_, animal) => {
        const p = point(scene.poses, frameIndex, animal, spine2);
        if (p.visible) assert.ok(differenceAt(frame, p.x, p.y) > 90, `animal ${animal} at frame ${frameIndex}`);
      });
      // Farther than a body width from every keypoint, the frame is the background.
      let checked = 0;
      for (let y = 0; y < scene.height; y += 17) {
        for (let x = 0; x < scene.width; x += 17) {
          if (!farFromAnimals(scene, frameIndex, x, y, 30)) continue;
          assert.equal(differenceAt(frame, x, y), 0, `(${x}, ${y}) of frame ${frameIndex}`);
          checked++;
        }
      }
      assert.ok(checked > 500);
    }
  });

  it('paints the landmarks as dark-ringed markers at their positions', () => {
    scene.uniqueBodyparts.forEach((_, part) => {
      const p = point(scene.unique, 0, 0, part);
      const o = (Math.round(p.y) * scene.width + Math.round(p.x)) * 3;
      assert.ok(background[o] < 60, `landmark ${part} has a dark centre`);
    });
  });

  it('adds sensor noise with the requested spread', () => {
    const noisy = simulateScene({ frames: 2, seed: 2, noiseSigma: 6 });
    const clean = sceneBackground(noisy);
    const frame = renderToBuffer(noisy, 1);
    let sum = 0;
    let sumSquares = 0;
    let count = 0;
    for (let y = 0; y < noisy.height; y += 3) {
      for (let x = 0; x < noisy.width; x += 3) {
        if (!farFromAnimals(noisy, 1, x, y, 30)) continue;
        const o = (y * noisy.width + x) * 3;
        if (clean[o] < 40 || clean[o] > 215) continue; // clipping would shrink the spread
        const difference = frame[o] - clean[o];
        sum += difference;
        sumSquares += difference * difference;
        count++;
      }
    }
    const mean = sum / count;
    const spread = Math.sqrt(sumSquares / count - mean * mean);
    assert.ok(Math.abs(mean) < 0.2, `noise mean ${mean}`);
    assert.ok(Math.abs(spread - 6) < 0.4, `noise spread ${spread}`);
  });

  it('rejects a wrong buffer size or frame index', () => {
    assert.throws(() => renderFrame(scene, 0, new Uint8Array(10)), (e: unknown) => isHerdError(e) && e.code === 'FRAME_SIZE_MISMATCH');
    const out = new Uint8Array(scene.width * scene.height * 3);
    assert.throws(() => renderFrame(scene, 60, out), (e: unknown) => isHerdError(e) && e.code === 'FRAME_OUT_OF_RANGE');
  });
});

describe('synth ground truth', () => {
  const scene = simulateScene({ frames: 50, width: 320, height: 240, seed: 4, uniqueBodyparts: 2 });

  it('writes a DeepLabCut multi-animal CSV that parses back to the poses', () => {
    const table = parseDlcCsv(groundTruthCsv(scene, 'synth'), 'synth_groundtruth.csv');
    assert.equal(table.scorer, 'synth');
    assert.equal(table.index.length, scene.frames);
    assert.deepEqual(table.index.slice(0, 3), [['0'], ['1'], ['2']]);
    const width = (scene.individuals.length * scene.bodyparts.length + scene.uniqueBodyparts.length) * 2;
    assert.equal(table.columns.length, width);
    assert.deepEqual(table.columns[0], { individual: 'mouse1', bodypart: 'snout', coord: 'x' });
    assert.deepEqual(table.columns.at(-1), { individual: 'single', bodypart: 'corner2', coord: 'y' });
    table.columns.forEach((column, c) => {
      const pose = column.individual === 'single' ? scene.unique : scene.poses;
      const individual = column.individual === 'single' ? 0 : scene.individuals.indexOf(column.individual as string);
      const part = pose.bodyparts.indexOf(column.bodypart);
      const axis = column.coord === 'x' ? 0 : 1;
      for (let frame = 0; frame < scene.frames; frame++) {
        const truth = pose.data[poseOffset(pose, frame, individual, part) + axis];
        assert.ok(Math.abs(table.values[frame * width + c] - truth) <= 0.0051, `${column.bodypart} frame ${frame}`);
      }
    });
  });

  it('writes a sidecar with the visibility of every point and the options', () => {
    const sidecar = JSON.parse(formatSidecar(groundTruthSidecar(scene, 'synth'))) as SynthSidecar;
    assert.deepEqual(sidecar.options, scene.options);
    assert.equal(sidecar.visibility.length, scene.frames);
    for (let frame = 0; frame < scene.frames; frame++) {
      scene.individuals.forEach((_, animal) => {
        scene.bodyparts.forEach((__, part) => {
          assert.equal(sidecar.visibility[frame][animal][part] === 1, point(scene.poses, frame, animal, part).visible);
        });
      });
      assert.equal(sidecar.uniqueVisibility[frame].length, 2);
    }
  });
});

describe('synthesize (video + ground truth files)', () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-synth-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes an mp4 with one frame per ground-truth row', async () => {
    const options = { frames: 45, width: 320, height: 240, seed: 5, uniqueBodyparts: 1 };
    const result = await synthesize(options, dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['synth.mp4', 'synth_groundtruth.csv', 'synth_groundtruth.json']);
    const info = await probeVideo(result.videoPath);
    assert.equal(info.frameCount, 45);
    assert.equal(info.width, 320);
    assert.equal(info.height, 240);
    assert.equal(info.fps, 30);
    const table = parseDlcCsv(fs.readFileSync(result.groundTruthCsvPath, 'utf8'), result.groundTruthCsvPath);
    assert.equal(table.index.length, info.frameCount);
    const sidecar = JSON.parse(fs.readFileSync(result.sidecarPath, 'utf8')) as SynthSidecar;
    assert.equal(sidecar.frames, 45);

    // The decoded video shows the rendered frame (up to compression loss).
    const decoded = await grabFrame(result.videoPath, 20);
    const rendered = renderToBuffer(result.scene, 20);
    let error = 0;
    for (let i = 0; i < rendered.length; i++) error += Math.abs(decoded.data[i] - rendered[i]);
    assert.ok(error / rendered.length < 6, `mean absolute difference ${(error / rendered.length).toFixed(2)}`);
  });

  it('decodes back to exactly the rendered frames when written losslessly (checksums)', async () => {
    const scene = simulateScene({ frames: 24, width: 256, height: 192, seed: 9 });
    const videoPath = path.join(dir, 'lossless.mkv');
    await writeSynthVideo(scene, videoPath, { codec: 'ffv1' });
    const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    const decoded: string[] = [];
    for await (const frame of decodeFrames(videoPath)) decoded.push(sha(frame.data));
    const rendered = Array.from({ length: scene.frames }, (_, frame) => sha(renderToBuffer(scene, frame)));
    assert.deepEqual(decoded, rendered);
  });

  it('refuses to overwrite unless asked', async () => {
    const options = { frames: 3, width: 192, height: 192, seed: 1 };
    await assert.rejects(synthesize(options, dir), (error: unknown) => isHerdError(error) && error.code === 'FILE_EXISTS');
    const result = await synthesize(options, dir, { overwrite: true, name: 'synth' });
    assert.equal((await probeVideo(result.videoPath)).frameCount, 3);
  });
});
