import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { isHerdError } from '../../src-core/common/errors';
import { Random } from '../../src-core/common/random';
import {
  applyPlan,
  applyToPoint,
  augmentSample,
  Augmenter,
  brightnessContrast,
  centredPadding,
  chain,
  compose,
  convolve,
  defaultAugmentOptions,
  flipPermutation,
  gaussianNoise,
  geometryMatrix,
  identityGeometry,
  imageToTensor,
  invert,
  motionBlurKernel,
  planAugmentation,
  readAugmentConfig,
  readPytorchConfigAugmentation,
  rotateScaleAbout,
  sampleCrop,
  sampleSeed,
  symmetricPairsByName,
  warpAffine,
  type AugmentOptions,
  type AugmentPlan,
  type CropOptions,
  type GeometryParams,
  type PoseSample,
  type RgbImage,
} from '../../src-core/train/augment';
import { SHARED_DATA } from '../helpers/workspace';

// ---------------------------------------------------------------------------------------------------------
// Helpers: dots at known integer positions, and the brightness-weighted centroids of what a warp makes of them.

const BODYPARTS = ['snout', 'leftear', 'rightear', 'tailbase'];

/** Black image with a 3×3 dot of value `colour(k)` (R = 255, G/B identify the dot) centred on every point. */
function dotImage(width: number, height: number, points: Array<[number, number]>): RgbImage {
  const data = new Uint8Array(width * height * 3);
  points.forEach(([x, y], k) => {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const o = ((y + dy) * width + (x + dx)) * 3;
        data[o] = 255;
        data[o + 1] = 40 + 4 * k;
        data[o + 2] = 200;
      }
    }
  });
  return { width, height, data };
}

/** Dots on a grid with spacing ≥ 30 px, all at integer positions, at least 12 px from the border. */
function dotGrid(width: number, height: number, step = 37): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let y = 12; y <= height - 13; y += step) for (let x = 15; x <= width - 13; x += step) points.push([x, y]);
  return points;
}

interface Blob {
  x: number;
  y: number;
  mass: number;
  /** Mean G/R of the blob: identifies which source dot it is (bilinear interpolation keeps the ratio). */
  greenRatio: number;
}

/** 8-connected components of pixels with R > 0 and their R-weighted centroids. */
function blobs(image: RgbImage): Blob[] {
  const { width, height, data } = image;
  const seen = new Uint8Array(width * height);
  const out: Blob[] = [];
  for (let start = 0; start < width * height; start++) {
    if (seen[start] || data[start * 3] === 0) continue;
    const stack = [start];
    seen[start] = 1;
    let mass = 0;
    let sx = 0;
    let sy = 0;
    let green = 0;
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      const r = data[p * 3];
      mass += r;
      sx += r * x;
      sy += r * y;
      green += data[p * 3 + 1];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (!seen[q] && data[q * 3] > 0) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    out.push({ x: sx / mass, y: sy / mass, mass, greenRatio: green / (mass || 1) });
  }
  return out;
}

function sampleOf(image: RgbImage, points: Array<[number, number]>, bodyparts = 1): PoseSample {
  const keypoints = new Float32Array(points.length * 2);
  points.forEach(([x, y], k) => {
    keypoints[2 * k] = x;
    keypoints[2 * k + 1] = y;
  });
  return { image, keypoints, animals: points.length / bodyparts, bodyparts };
}

function planFor(geometry: GeometryParams, width: number, height: number): AugmentPlan {
  return { geometry, ...geometryMatrix(geometry, width, height) };
}

const GEOMETRY_ONLY = { dropOutside: true, fill: 0 } as const;

/**
 * Every finite output keypoint well inside the output (margin px from the border and the valid canvas) lies
 * within `tolerance` of a blob's centroid, every blob well inside has a keypoint within `tolerance`, and the
 * keypoints that were dropped are the ones the matrix sends outside. Returns the worst distance.
 */
function checkKeypointsOnDots(sample: PoseSample, plan: AugmentPlan, tolerance: number, margin = 4): number {
  const result = applyPlan(sample, plan, GEOMETRY_ONLY);
  const found = blobs(result.image);
  const { width, height, valid } = plan;
  const interior = (x: number, y: number) =>
    x >= Math.max(0, valid.x0) + margin &&
    y >= Math.max(0, valid.y0) + margin &&
    x <= Math.min(width, valid.x1) - 1 - margin &&
    y <= Math.min(height, valid.y1) - 1 - margin;
  let worst = 0;
  let checked = 0;
  for (let k = 0; k < result.keypoints.length; k += 2) {
    const x = result.keypoints[k];
    const y = result.keypoints[k + 1];
    const [ex, ey] = applyToPoint(plan.matrix, sample.keypoints[k], sample.keypoints[k + 1]);
    const inside = ex >= Math.max(0, valid.x0) && ey >= Math.max(0, valid.y0) && ex < Math.min(width, valid.x1) && ey < Math.min(height, valid.y1);
    if (!plan.geometry.flip) assert.equal(Number.isFinite(x), inside, `keypoint ${k / 2} visibility`);
    if (!Number.isFinite(x) || !interior(x, y)) continue;
    let best = Infinity;
    for (const blob of found) best = Math.min(best, Math.hypot(blob.x - x, blob.y - y));
    assert.ok(best <= tolerance, `keypoint ${k / 2} at (${x.toFixed(3)}, ${y.toFixed(3)}) is ${best.toFixed(3)} px from the nearest dot`);
    worst = Math.max(worst, best);
    checked++;
  }
  for (const blob of found) {
    if (!interior(blob.x, blob.y)) continue;
    let best = Infinity;
    for (let k = 0; k < result.keypoints.length; k += 2) {
      if (Number.isFinite(result.keypoints[k])) best = Math.min(best, Math.hypot(result.keypoints[k] - blob.x, result.keypoints[k + 1] - blob.y));
    }
    assert.ok(best <= tolerance, `dot at (${blob.x.toFixed(2)}, ${blob.y.toFixed(2)}) has no keypoint (nearest ${best.toFixed(3)} px)`);
  }
  assert.ok(checked >= 3, `only ${checked} keypoints could be checked`);
  return worst;
}

// ---------------------------------------------------------------------------------------------------------

describe('augment: matrices', () => {
  it('composes and inverts affine maps', () => {
    const a = rotateScaleAbout(23, 1.3, 50, 40);
    const b = chain(a, [1, 0, 7, 0, 1, -3]);
    const back = compose(invert(b), b);
    [1, 0, 0, 0, 1, 0].forEach((value, k) => assert.ok(Math.abs(back[k] - value) < 1e-12));
    const [x, y] = applyToPoint(rotateScaleAbout(90, 1, 0, 0), 1, 0);
    assert.deepEqual([x, y], [0, -1]); // counter-clockwise as displayed (y down): +x turns to −y
  });
});

describe('augment: keypoints follow every geometric transform exactly', () => {
  const W = 201;
  const H = 151;
  const points = dotGrid(W, H);
  const sample = sampleOf(dotImage(W, H, points), points);
  const geometry = (changes: Partial<GeometryParams>): GeometryParams => ({ ...identityGeometry(W, H), ...changes });

  it('identity copies the image and keeps the keypoints', () => {
    const plan = planFor(geometry({}), W, H);
    const result = applyPlan(sample, plan, GEOMETRY_ONLY);
    assert.deepEqual(result.image.data, sample.image.data);
    assert.deepEqual(result.keypoints, sample.keypoints);
  });

  it('horizontal flip: x → W − 1 − x, pixel-exact', () => {
    const plan = planFor(geometry({ flip: true }), W, H);
    const result = applyPlan(sample, plan, GEOMETRY_ONLY);
    for (let k = 0; k < points.length; k++) assert.equal(result.keypoints[2 * k], W - 1 - points[k][0]);
    assert.ok(checkKeypointsOnDots(sample, plan, 0.05) < 1e-9);
  });

  for (const degrees of [90, 180, 270, -90]) {
    it(`rotation by ${degrees}° about the centre is pixel-exact`, () => {
      const plan = planFor(geometry({ rotation: degrees }), W, H);
      assert.ok(checkKeypointsOnDots(sample, plan, 0.05) < 1e-6);
      // Independent check of the formula for +90°: (x, y) → (cx + (y − cy), cy − (x − cx)).
      if (degrees === 90) {
        const [x, y] = applyToPoint(plan.matrix, 15, 12);
        assert.deepEqual([x, y], [100 + (12 - 75), 75 - (15 - 100)]);
      }
    });
  }

  it('rotation by 90° with centres half a pixel apart (even × odd size) still lands on the dots', () => {
    const w = 200;
    const h = 151;
    const pts = dotGrid(w, h);
    const s = sampleOf(dotImage(w, h, pts), pts);
    const plan = planFor({ ...identityGeometry(w, h), rotation: 90 }, w, h);
    assert.ok(checkKeypointsOnDots(s, plan, 0.05) < 0.05);
  });

  for (const degrees of [7, 17, 45, -33.3, 123.4]) {
    it(`rotation by ${degrees}°`, () => {
      assert.ok(checkKeypointsOnDots(sample, planFor(geometry({ rotation: degrees }), W, H), 0.15) < 0.15);
    });
  }

  for (const scale of [0.5, 0.77, 1.25, 2]) {
    it(`scale ×${scale}`, () => {
      checkKeypointsOnDots(sample, planFor(geometry({ scale }), W, H), scale < 1 ? 0.3 : 0.15);
    });
  }

  it('integer translation is pixel-exact', () => {
    const plan = planFor(geometry({ translate: [7, -5] }), W, H);
    assert.ok(checkKeypointsOnDots(sample, plan, 0.05) < 1e-9);
    assert.deepEqual(Array.from(applyPlan(sample, plan, GEOMETRY_ONLY).keypoints.slice(0, 2)), [points[0][0] + 7, points[0][1] - 5]);
  });

  it('crop at odd offsets is pixel-exact and drops keypoints outside it', () => {
    const [cx, cy, cw, ch] = [37, 51, 101, 81];
    const crop = { x: cx, y: cy, width: cw, height: ch, method: 'uniform' as const };
    const plan = planFor(geometry({ crop }), W, H);
    const result = applyPlan(sample, plan, GEOMETRY_ONLY);
    assert.equal(result.image.width, cw);
    assert.equal(result.image.height, ch);
    let dropped = 0;
    for (let k = 0; k < points.length; k++) {
      const [x, y] = points[k];
      const inside = x >= cx && x < cx + cw && y >= cy && y < cy + ch;
      assert.equal(Number.isFinite(result.keypoints[2 * k]), inside);
      if (inside) assert.deepEqual([result.keypoints[2 * k], result.keypoints[2 * k + 1]], [x - cx, y - cy]);
      else dropped++;
    }
    assert.ok(dropped > 0);
    // Every output pixel is the source pixel at (+cx, +cy).
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        for (let c = 0; c < 3; c++) assert.equal(result.image.data[(y * cw + x) * 3 + c], sample.image.data[((y + cy) * W + x + cx) * 3 + c]);
      }
    }
    assert.ok(checkKeypointsOnDots(sample, plan, 0.05) < 1e-9);
  });

  it('dropOutside: false keeps keypoints outside the crop, mapped by the same matrix', () => {
    const plan = planFor(geometry({ crop: { x: 37, y: 51, width: 91, height: 63, method: 'uniform' } }), W, H);
    const result = applyPlan(sample, plan, { dropOutside: false, fill: 0 });
    for (let k = 0; k < points.length; k++) assert.deepEqual([result.keypoints[2 * k], result.keypoints[2 * k + 1]], [points[k][0] - 37, points[k][1] - 51]);
  });

  it('flip + rotation + scale + translation + padding + crop at odd offsets, composed', () => {
    const pad = centredPadding(W, H, 260, 180);
    const crop = { x: 33, y: 17, width: 199, height: 141, method: 'uniform' as const };
    const plan = planFor(geometry({ flip: true, rotation: 23, scale: 0.8, translate: [5, -3], pad, crop }), W, H);
    checkKeypointsOnDots(sample, plan, 0.15);
    const plan2 = planFor(geometry({ flip: false, rotation: -61, scale: 1.2, translate: [-4, 6], pad, crop }), W, H);
    checkKeypointsOnDots(sample, plan2, 0.15);
  });

  it('random plans drawn from the default options (geometry only) keep keypoints on their dots', () => {
    const big = 520;
    const bigH = 440;
    const pts = dotGrid(big, bigH, 41);
    const s = sampleOf(dotImage(big, bigH, pts), pts);
    const options: AugmentOptions = { ...defaultAugmentOptions(), affine: { p: 1, rotation: 180, scaling: [0.5, 1.25], translation: 20 }, hflip: { p: 0.5 } };
    delete options.motionBlur;
    delete options.gaussianNoise;
    let worst = 0;
    for (let index = 0; index < 12; index++) {
      const plan = planAugmentation(s, options, new Random(sampleSeed(7, 0, index)));
      worst = Math.max(worst, checkKeypointsOnDots(s, plan, 0.35));
    }
    assert.ok(worst < 0.35);
  });
});

describe('augment: horizontal flip swaps symmetric pairs', () => {
  it('finds left/right pairs by name', () => {
    const names = ['snout', 'leftear', 'rightear', 'tailbase', 'paw_left', 'paw_right', 'hipL', 'hipR', 'Left_eye', 'Right_eye', 'tail', 'knee_l', 'knee_r', 'L_hand', 'R_hand', 'leftonly'];
    assert.deepEqual(symmetricPairsByName(names), [[1, 2], [4, 5], [6, 7], [8, 9], [11, 12], [13, 14]]);
    assert.deepEqual(symmetricPairsByName(['tail', 'ear', 'fooL']), []);
    assert.deepEqual(Array.from(flipPermutation(4, [[1, 2]])), [0, 2, 1, 3]);
    assert.throws(() => flipPermutation(3, [[1, 3]]));
  });

  it('after mirroring, the left ear label sits on the mirrored right-ear dot and vice versa', () => {
    const W = 120;
    const H = 90;
    // Two animals × [snout, leftear, rightear, tailbase]
    const points: Array<[number, number]> = [[20, 20], [30, 15], [30, 27], [50, 20], [70, 60], [80, 55], [80, 67], [100, 60]];
    const sample = sampleOf(dotImage(W, H, points), points, 4);
    const symmetries = symmetricPairsByName(BODYPARTS);
    const plan = planFor({ ...identityGeometry(W, H), flip: true }, W, H);
    const result = applyPlan(sample, plan, { dropOutside: true, fill: 0, hflip: { p: 1, symmetries } });
    const found = blobs(result.image);
    for (let animal = 0; animal < 2; animal++) {
      for (let part = 0; part < 4; part++) {
        const k = animal * 4 + part;
        const source = animal * 4 + [0, 2, 1, 3][part];
        assert.deepEqual([result.keypoints[2 * k], result.keypoints[2 * k + 1]], [W - 1 - points[source][0], points[source][1]]);
        const blob = found.find((b) => Math.hypot(b.x - result.keypoints[2 * k], b.y - result.keypoints[2 * k + 1]) < 0.05)!;
        // The dot under the label is the source dot of the partner (its colour code).
        assert.ok(Math.abs(blob.greenRatio - (40 + 4 * source) / 255) < 0.01);
      }
    }
    // Without symmetries nothing is swapped.
    const plain = applyPlan(sample, plan, GEOMETRY_ONLY);
    assert.equal(plain.keypoints[2], W - 1 - points[1][0]);
  });

  it('unique keypoints use their own pairs', () => {
    const W = 64;
    const sample: PoseSample = { ...sampleOf(dotImage(W, W, []), [[10, 10]]), uniqueKeypoints: new Float32Array([5, 6, 40, 41]) };
    const plan = planFor({ ...identityGeometry(W, W), flip: true }, W, W);
    const result = applyPlan(sample, plan, { dropOutside: true, fill: 0, hflip: { p: 1, uniqueSymmetries: [[0, 1]] } });
    assert.deepEqual(Array.from(result.uniqueKeypoints!), [W - 1 - 40, 41, W - 1 - 5, 6]);
  });
});

describe('augment: seeded determinism', () => {
  const W = 480;
  const H = 360;
  const rng = new Random(3);
  const image: RgbImage = { width: W, height: H, data: new Uint8Array(W * H * 3).map(() => rng.integer(0, 256)) };
  const keypoints = new Float32Array(3 * 4 * 2).map((_, k) => (k % 2 === 0 ? rng.uniform(50, W - 50) : rng.uniform(50, H - 50)));
  keypoints[6] = keypoints[7] = Number.NaN;
  const sample: PoseSample = { image, keypoints, animals: 3, bodyparts: 4 };
  const options: AugmentOptions = { ...defaultAugmentOptions(), hflip: { p: 0.5, symmetries: [[1, 2]] }, brightnessContrast: { p: 0.5, brightness: 0.2, contrast: 0.2 } };
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

  it('the same (seed, epoch, index) gives identical bytes and keypoints, in any order', () => {
    const a = new Augmenter(options, 42);
    const b = new Augmenter(options, 42);
    const first = [0, 1, 2].map((index) => a.augment(sample, 5, index));
    const second = [2, 1, 0].map((index) => b.augment(sample, 5, index)).reverse();
    for (let k = 0; k < 3; k++) {
      assert.ok(Buffer.from(first[k].image.data).equals(Buffer.from(second[k].image.data)));
      assert.ok(bytes(first[k].keypoints).equals(bytes(second[k].keypoints)));
      assert.equal(first[k].image.width, 400);
      assert.equal(first[k].image.height, 400);
    }
  });

  it('another epoch, index or seed gives another augmentation', () => {
    const a = new Augmenter(options, 42);
    const base = a.augment(sample, 5, 0);
    for (const other of [a.augment(sample, 6, 0), a.augment(sample, 5, 1), new Augmenter(options, 43).augment(sample, 5, 0)]) {
      assert.ok(!Buffer.from(base.image.data).equals(Buffer.from(other.image.data)));
    }
    assert.notEqual(sampleSeed(42, 5, 0), sampleSeed(42, 0, 5));
    assert.notEqual(sampleSeed(42, 1, 0), sampleSeed(43, 0, 0));
  });

  it('the input is not modified', () => {
    const copy = Buffer.from(image.data);
    const kcopy = Buffer.from(bytes(keypoints));
    new Augmenter(options, 1).augment(sample, 0, 0);
    assert.ok(copy.equals(Buffer.from(image.data)));
    assert.ok(kcopy.equals(bytes(keypoints)));
  });
});

describe('augment: sampling of the random parameters', () => {
  it('each transform fires with its probability, within its ranges', () => {
    const W = 300;
    const H = 200;
    const sample: PoseSample = { image: { width: W, height: H, data: new Uint8Array(W * H * 3) }, keypoints: new Float32Array([100, 100, 150, 120]), animals: 1, bodyparts: 2 };
    const options: AugmentOptions = {
      dropOutside: true, fill: 0, normalizeImages: false, scaleToUnitRange: false,
      hflip: { p: 0.3 },
      affine: { p: 0.6, rotation: 30, scaling: [0.5, 1.25], translation: 4 },
      brightnessContrast: { p: 0.2, brightness: 0.1, contrast: 0.3 },
      motionBlur: { p: 0.5, maxKernel: 7 },
      gaussianNoise: { p: 0.5, sigma: 12.75 },
    };
    const n = 3000;
    const fired = { flip: 0, affine: 0, bc: 0, blur: 0, noise: 0 };
    const lengths = new Set<number>();
    for (let index = 0; index < n; index++) {
      const plan = planAugmentation(sample, options, new Random(sampleSeed(9, 0, index)));
      const g = plan.geometry;
      if (g.flip) fired.flip++;
      if (g.scale !== 1 || g.rotation !== 0 || g.translate[0] !== 0 || g.translate[1] !== 0) {
        fired.affine++;
        assert.ok(g.scale >= 0.5 && g.scale <= 1.25 && Math.abs(g.rotation) <= 30);
        assert.ok(g.translate.every((t) => Number.isInteger(t) && Math.abs(t) <= 4));
      }
      if (plan.brightnessContrast) {
        fired.bc++;
        assert.ok(Math.abs(plan.brightnessContrast.alpha - 1) <= 0.3 && Math.abs(plan.brightnessContrast.beta) <= 0.1);
      }
      if (plan.motionBlur) {
        fired.blur++;
        lengths.add(plan.motionBlur.length);
      }
      if (plan.gaussianNoise) {
        fired.noise++;
        assert.ok(plan.gaussianNoise.sigma >= 0 && plan.gaussianNoise.sigma <= 12.75);
      }
      assert.equal(plan.width, W);
    }
    const share = (k: keyof typeof fired, p: number) => assert.ok(Math.abs(fired[k] / n - p) < 0.04, `${k}: ${fired[k] / n} vs ${p}`);
    share('flip', 0.3);
    share('affine', 0.6);
    share('bc', 0.2);
    share('blur', 0.5);
    share('noise', 0.5);
    assert.deepEqual([...lengths].sort(), [3, 5, 7]);
  });

  it('unique keypoints are transformed and cropped with the others', () => {
    const W = 500;
    const H = 400;
    const points: Array<[number, number]> = [[100, 100], [300, 250]];
    const unique: Array<[number, number]> = [[200, 60], [450, 350]];
    const image = dotImage(W, H, [...points, ...unique]);
    const sample: PoseSample = { ...sampleOf(image, points), uniqueKeypoints: new Float32Array(unique.flat()) };
    const options: AugmentOptions = { ...defaultAugmentOptions(), crop: { width: 200, height: 200, maxShift: 0.1, method: 'keypoints', placement: 'centred' } };
    delete options.motionBlur;
    delete options.gaussianNoise;
    for (let index = 0; index < 20; index++) {
      const result = new Augmenter(options, 5).augment(sample, 0, index);
      const plan = result.plan;
      for (let k = 0; k < 2; k++) {
        const [x, y] = applyToPoint(plan.matrix, unique[k][0], unique[k][1]);
        const inside = x >= 0 && y >= 0 && x < 200 && y < 200;
        if (inside) assert.deepEqual([result.uniqueKeypoints![2 * k], result.uniqueKeypoints![2 * k + 1]], [Math.fround(x), Math.fround(y)]);
        else assert.ok(Number.isNaN(result.uniqueKeypoints![2 * k]));
      }
    }
  });
});

describe('augment: crop sampling', () => {
  const crop = (method: CropOptions['method'], extra: Partial<CropOptions> = {}): CropOptions => ({ width: 100, height: 80, maxShift: 0.4, method, placement: 'centred', ...extra });

  it('keypoints mode always keeps at least one keypoint in the crop, also after affine transforms', () => {
    const W = 640;
    const H = 480;
    const rng = new Random(11);
    const options: AugmentOptions = { dropOutside: true, fill: 0, normalizeImages: false, scaleToUnitRange: false, crop: crop('keypoints'), affine: { p: 0.5, rotation: 30, scaling: [0.5, 1.25], translation: 10 } };
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + rng.integer(0, 6);
      // Near the edges too, and some missing.
      const keypoints = new Float32Array(n * 2).map((_, k) => (k % 2 === 0 ? rng.uniform(0, W - 0.01) : rng.uniform(0, H - 0.01)));
      if (n > 1) keypoints[0] = keypoints[1] = Number.NaN;
      const sample: PoseSample = { image: { width: W, height: H, data: new Uint8Array(W * H * 3) }, keypoints, animals: 1, bodyparts: n };
      const plan = planAugmentation(sample, options, new Random(sampleSeed(1, trial, 0)));
      const result = applyPlan(sample, plan, options);
      // The affine may push every keypoint out of the canvas; then DeepLabCut (and Herd) fall back to uniform.
      if (plan.geometry.crop!.method === 'uniform') continue;
      assert.ok(result.keypoints.some(Number.isFinite), `trial ${trial}: no keypoint in the crop`);
      assert.ok(Number.isFinite(result.keypoints[2 * plan.geometry.crop!.keypoint!]));
    }
  });

  it('hybrid picks uniform and density about half the time each; density favours crowded keypoints', () => {
    const W = 800;
    const H = 600;
    // A crowd of 10 keypoints within 20 px, and 2 isolated ones.
    const points: number[] = [];
    for (let k = 0; k < 10; k++) points.push(600 + 2 * k, 450 + k);
    points.push(50, 60, 300, 100);
    const counts = { uniform: 0, density: 0, crowd: 0, keypointsCrowd: 0 };
    const n = 4000;
    const rng = new Random(5);
    let uniformX = 0;
    for (let trial = 0; trial < n; trial++) {
      const w = sampleCrop(rng, W, H, points, crop('hybrid'));
      counts[w.method as 'uniform' | 'density']++;
      if (w.method === 'density' && w.keypoint! < 10) counts.crowd++;
      if (w.method === 'uniform') uniformX += w.x;
      const k = sampleCrop(rng, W, H, points, crop('keypoints'));
      if (k.keypoint! < 10) counts.keypointsCrowd++;
      assert.ok(w.x >= 0 && w.y >= 0 && w.x + 100 <= W && w.y + 80 <= H);
    }
    assert.ok(Math.abs(counts.uniform / n - 0.5) < 0.04, `uniform share ${counts.uniform / n}`);
    // density: weights 10 each for the crowd, 1 for the others → 100/102; keypoints: 10/12.
    assert.ok(Math.abs(counts.crowd / counts.density - 100 / 102) < 0.02, `density crowd share ${counts.crowd / counts.density}`);
    assert.ok(Math.abs(counts.keypointsCrowd / n - 10 / 12) < 0.03, `keypoints crowd share ${counts.keypointsCrowd / n}`);
    assert.ok(Math.abs(uniformX / counts.uniform - (W - 100) / 2) < 25, 'uniform crops are spread over the image');
  });

  it('no labeled keypoint → uniform; shifts stay within max_shift of the keypoint', () => {
    const rng = new Random(9);
    assert.equal(sampleCrop(rng, 500, 400, [Number.NaN, Number.NaN], crop('density')).method, 'uniform');
    for (let trial = 0; trial < 300; trial++) {
      const w = sampleCrop(rng, 1000, 1000, [500, 400], crop('keypoints', { maxShift: 0.1 }));
      const centreX = w.x + (100 - 1) / 2;
      const centreY = w.y + (80 - 1) / 2;
      assert.ok(Math.abs(centreX - 500) <= 0.1 * 100 + 0.5 && Math.abs(centreY - 400) <= 0.1 * 80 + 0.5);
    }
  });

  it("placement 'dlc' reproduces DeepLabCut's RandomCrop start arithmetic", () => {
    const rng = new Random(4);
    const copy = new Random(4);
    const w = sampleCrop(rng, 640, 480, [320, 100], crop('keypoints', { placement: 'dlc', maxShift: 0.1 }));
    const u = copy.next();
    const v = copy.next();
    assert.equal(w.x, Math.floor((640 - 100 + 1) * ((320 + 0.1 * u * 100) / 640)));
    assert.equal(w.y, Math.floor((480 - 80 + 1) * ((100 + 0.1 * v * 80) / 480)));
  });

  it('images smaller than the crop are padded (centred, fill 0)', () => {
    const W = 150;
    const H = 100;
    const points: Array<[number, number]> = [[20, 30], [120, 70]];
    const image = dotImage(W, H, points);
    image.data.fill(9, 0, 3); // top-left pixel, to find the image in the canvas
    const sample = sampleOf(image, points);
    const options: AugmentOptions = { dropOutside: true, fill: 0, normalizeImages: false, scaleToUnitRange: false, crop: { width: 400, height: 400, maxShift: 0.1, method: 'hybrid', placement: 'centred' } };
    const result = augmentSample(sample, options, new Random(1));
    assert.equal(result.image.width, 400);
    assert.equal(result.image.height, 400);
    assert.deepEqual(centredPadding(W, H, 400, 400), { left: 125, top: 150, width: 400, height: 400 });
    assert.equal(result.image.data[(150 * 400 + 125) * 3], 9);
    assert.deepEqual(Array.from(result.keypoints), [145, 180, 245, 220]);
    let nonzero = 0;
    for (let k = 0; k < result.image.data.length; k += 3) if (result.image.data[k] !== 0) nonzero++;
    assert.equal(nonzero, 2 * 9 + 1);
    // Wider than the crop but less tall: padded vertically only, cropped horizontally.
    const wide = augmentSample(sampleOf(dotImage(600, 100, [[300, 50]]), [[300, 50]]), { ...options, crop: { ...options.crop!, method: 'keypoints' } }, new Random(2));
    assert.equal(wide.image.height, 400);
    assert.equal(wide.keypoints[1], 50 + 150);
  });
});

describe('augment: photometric operations', () => {
  const W = 64;
  const H = 48;
  const points: Array<[number, number]> = [[20, 20], [40, 30]];
  const sample = sampleOf(dotImage(W, H, points), points);

  it('leave keypoints untouched', () => {
    const geometry = identityGeometry(W, H);
    const plain = applyPlan(sample, planFor(geometry, W, H), GEOMETRY_ONLY);
    const plan: AugmentPlan = { ...planFor(geometry, W, H), brightnessContrast: { alpha: 1.2, beta: 0.1 }, motionBlur: { length: 7, degrees: 33 }, gaussianNoise: { sigma: 12.75, seed: 3 } };
    const noisy = applyPlan(sample, plan, GEOMETRY_ONLY);
    assert.deepEqual(noisy.keypoints, plain.keypoints);
    assert.ok(!Buffer.from(noisy.image.data).equals(Buffer.from(plain.image.data)));
  });

  it('clamp to [0, 255] instead of wrapping', () => {
    const white: RgbImage = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(250) };
    const black: RgbImage = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(5) };
    assert.ok(brightnessContrast(white, 1.2, 0.2).data.every((v) => v === 255));
    assert.ok(brightnessContrast(black, 0.8, -0.2).data.every((v) => v === 0));
    const noisyWhite = gaussianNoise(white, 30, new Random(1)).data;
    const noisyBlack = gaussianNoise(black, 30, new Random(1)).data;
    assert.ok(noisyWhite.every((v) => v >= 100), 'bright pixels must not wrap to dark');
    assert.ok(noisyWhite.some((v) => v === 255));
    assert.ok(noisyBlack.every((v) => v <= 155), 'dark pixels must not wrap to bright');
    assert.ok(noisyBlack.some((v) => v === 0));
    // Noise has about the requested spread.
    const grey: RgbImage = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(128) };
    const values = gaussianNoise(grey, 10, new Random(2)).data;
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(mean - 128) < 0.5 && Math.abs(sd - 10) < 0.5, `mean ${mean}, sd ${sd}`);
  });

  it('motion blur: a centred line kernel (sum 1, no shift) that keeps dots where they were', () => {
    for (const [length, degrees] of [[3, 0], [5, 45], [7, 33], [7, 90], [7, 151]] as const) {
      const taps = motionBlurKernel(length, degrees);
      const sum = taps.reduce((s, t) => s + t.weight, 0);
      const mx = taps.reduce((s, t) => s + t.weight * t.dx, 0);
      const my = taps.reduce((s, t) => s + t.weight * t.dy, 0);
      assert.ok(Math.abs(sum - 1) < 1e-9 && Math.abs(mx) < 1e-9 && Math.abs(my) < 1e-9);
      const blurred = convolve(sample.image, taps);
      for (const blob of blobs(blurred)) {
        const nearest = Math.min(...points.map(([x, y]) => Math.hypot(blob.x - x, blob.y - y)));
        assert.ok(nearest < 0.05, `blob moved by ${nearest}`);
      }
    }
    // A constant image stays constant.
    const grey: RgbImage = { width: 20, height: 10, data: new Uint8Array(600).fill(77) };
    assert.ok(convolve(grey, motionBlurKernel(7, 20)).data.every((v) => v === 77));
  });

  it('network input: ImageNet normalisation or unit range', () => {
    const image: RgbImage = { width: 1, height: 1, data: new Uint8Array([255, 0, 128]) };
    const n = imageToTensor(image, { normalizeImages: true, scaleToUnitRange: false });
    assert.ok(Math.abs(n[0] - (1 - 0.485) / 0.229) < 1e-5 && Math.abs(n[1] - (0 - 0.456) / 0.224) < 1e-5);
    assert.deepEqual(Array.from(imageToTensor(image, { normalizeImages: false, scaleToUnitRange: true })), [1, 0, 128 / 255].map(Math.fround));
  });
});

describe('augment: pytorch_config.yaml data.train reader', () => {
  const fixture = parse(fs.readFileSync(path.join(SHARED_DATA, 'dlc-config-fixtures/pytorch/base_aug_default.yaml'), 'utf8'));

  it("reads DeepLabCut's aug_default.yaml", () => {
    const { options, unsupported, unknown, warnings } = readAugmentConfig(fixture.train);
    assert.deepEqual(options, {
      dropOutside: true,
      fill: 0,
      normalizeImages: true,
      scaleToUnitRange: false,
      affine: { p: 0.5, rotation: 30, scaling: [0.5, 1.25], translation: 0 },
      crop: { width: 448, height: 448, maxShift: 0.1, method: 'hybrid', placement: 'centred' },
      gaussianNoise: { p: 0.5, sigma: 12.75 },
      motionBlur: { p: 0.5, maxKernel: 7 },
    });
    assert.deepEqual([unsupported, unknown, warnings], [[], [], []]);
    // The same through a whole pytorch_config.yaml.
    assert.deepEqual(readPytorchConfigAugmentation({ data: fixture }).options, options);
  });

  it('applies DeepLabCut defaults for omitted sub-keys and reads hflip, noise and extras', () => {
    const { options, unsupported, unknown, warnings } = readAugmentConfig(
      { affine: { rotation: 10 }, crop_sampling: { method: 'density' }, hflip: true, gaussian_noise: true, grayscale: true, brightness_contrast: { p: 0.3 }, mystery: 1, covering: false },
      { bodyparts: BODYPARTS },
    );
    assert.deepEqual(options.affine, { p: 0.9, rotation: 10, scaling: [1, 1], translation: 0 });
    assert.deepEqual(options.crop, { width: 400, height: 400, maxShift: 0.1, method: 'density', placement: 'centred' });
    assert.deepEqual(options.hflip, { p: 0.5, symmetries: [[1, 2]] });
    assert.deepEqual(options.gaussianNoise, { p: 0.5, sigma: 12.75 });
    assert.deepEqual(options.brightnessContrast, { p: 0.3, brightness: 0.2, contrast: 0.2 });
    assert.equal(options.motionBlur, undefined);
    assert.equal(options.normalizeImages, false);
    assert.deepEqual(unsupported, ['grayscale']);
    assert.deepEqual(unknown, ['mystery']);
    assert.equal(warnings.length, 1);
    assert.deepEqual(readAugmentConfig({ hflip: { p: 0.25, symmetries: [[1, 2]] } }).options.hflip, { p: 0.25, symmetries: [[1, 2]] });
    assert.deepEqual(readAugmentConfig({ hflip: 0.3 }).options.hflip, { p: 0.3, symmetries: undefined });
    assert.deepEqual(readAugmentConfig({ crop_sampling: { max_shift: 0.9 } }).options.crop?.maxShift, 0.4);
    assert.deepEqual(readAugmentConfig(undefined).options, { dropOutside: true, fill: 0, normalizeImages: false, scaleToUnitRange: false });
    const meta = readPytorchConfigAugmentation({ metadata: { bodyparts: BODYPARTS, unique_bodyparts: ['leftcorner', 'rightcorner'] }, data: { train: { hflip: 0.5 } } });
    assert.deepEqual(meta.options.hflip, { p: 0.5, symmetries: [[1, 2]], uniqueSymmetries: [[0, 1]] });
  });

  it('rejects malformed values with the key in the message', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ affine: { scaling: [1.5, 0.5] } }, /data\.train\.affine\.scaling/],
      [{ affine: { p: 2 } }, /data\.train\.affine\.p/],
      [{ crop_sampling: { method: 'random' } }, /crop_sampling\.method.*uniform, keypoints, density, hybrid/],
      [{ crop_sampling: { width: 0 } }, /crop_sampling\.width/],
      [{ hflip: { symmetries: [[0, 9]] } }, /hflip\.symmetries/],
      [[1, 2], /data\.train/],
    ];
    for (const [train, message] of bad) {
      assert.throws(() => readAugmentConfig(train, { bodyparts: BODYPARTS }), (error: unknown) => isHerdError(error) && message.test(error.message));
    }
  });

  it('default options follow DeepLabCut (hybrid 400×400 crop) and run end to end', () => {
    const options = defaultAugmentOptions();
    assert.deepEqual(options.crop, { width: 400, height: 400, maxShift: 0.1, method: 'hybrid', placement: 'centred' });
    const image = dotImage(640, 480, [[320, 240]]);
    const result = new Augmenter(options, 0).augment(sampleOf(image, [[320, 240]]), 0, 0);
    assert.equal(result.image.data.length, 400 * 400 * 3);
    assert.ok(warpAffine(image, [1, 0, 0, 0, 1, 0], 640, 480).data.every((v, k) => v === image.data[k]));
  });
});
