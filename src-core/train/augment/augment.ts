import { Random } from '../../common/random';
import { centredPadding, isInside, sampleCrop, type CropWindow } from './crop';
import { checkImage, type RgbImage } from './image';
import { applyToPoint, chain, horizontalFlip, IDENTITY, rotateScaleAbout, translation, type Affine } from './matrix';
import type { AugmentOptions } from './options';
import { brightnessContrast, gaussianNoise, motionBlur } from './photometric';
import { sampleRandom } from './rng';
import { flipPermutation, type SymmetryPairs } from './symmetry';
import { warpAffine, type PixelRect } from './warp';

/** One training image and its labels. Coordinates in pixels, pixel centres at integers (see matrix.ts). */
export interface PoseSample {
  image: RgbImage;
  /** Flat [animals, bodyparts, 2] (x, y); NaN = not labeled. */
  keypoints: Float32Array;
  animals: number;
  bodyparts: number;
  /** Flat [unique bodyparts, 2] (`keypoints_unique`), if the project has unique body parts. */
  uniqueKeypoints?: Float32Array;
}

/** The geometric part of one sample's augmentation, before it is turned into one matrix. */
export interface GeometryParams {
  /** Mirror horizontally (x' = W − 1 − x) and swap the symmetric pairs. */
  flip: boolean;
  /** Isotropic scale and rotation (degrees, counter-clockwise as displayed) about the image centre. */
  scale: number;
  rotation: number;
  /** Shift in pixels after scaling and rotating. */
  translate: [number, number];
  /** The canvas the (transformed) image is centred in: at least the crop size (albumentations `PadIfNeeded`). */
  pad: { left: number; top: number; width: number; height: number };
  /** The crop taken from the canvas; undefined = the output is the whole canvas. */
  crop?: CropWindow;
}

/** Everything drawn at random for one sample: applying a plan is deterministic. */
export interface AugmentPlan {
  geometry: GeometryParams;
  /** Source image → output image coordinates, composed of flip, scale/rotation/translation, padding and crop. */
  matrix: Affine;
  width: number;
  height: number;
  /** Output pixels that come from the transformed image's own canvas; the rest is padding (`fill`). */
  valid: PixelRect;
  brightnessContrast?: { alpha: number; beta: number };
  motionBlur?: { length: number; degrees: number };
  gaussianNoise?: { sigma: number; seed: number };
}

export interface AugmentedSample {
  image: RgbImage;
  keypoints: Float32Array;
  uniqueKeypoints?: Float32Array;
  plan: AugmentPlan;
}

/** The composed matrix and output geometry of `geometry` for a source image of width×height. */
export function geometryMatrix(geometry: GeometryParams, width: number, height: number) {
  const flip = geometry.flip ? horizontalFlip(width) : IDENTITY;
  const affine = chain(
    rotateScaleAbout(geometry.rotation, geometry.scale, (width - 1) / 2, (height - 1) / 2),
    translation(geometry.translate[0], geometry.translate[1]),
  );
  const cropX = geometry.crop?.x ?? 0;
  const cropY = geometry.crop?.y ?? 0;
  const matrix = chain(flip, affine, translation(geometry.pad.left - cropX, geometry.pad.top - cropY));
  // Like albumentations' Affine, the transformed image keeps the source's W×H canvas: what leaves it is gone
  // even where padding would show it.
  const valid: PixelRect = {
    x0: geometry.pad.left - cropX,
    y0: geometry.pad.top - cropY,
    x1: geometry.pad.left - cropX + width,
    y1: geometry.pad.top - cropY + height,
  };
  return {
    matrix,
    width: geometry.crop?.width ?? geometry.pad.width,
    height: geometry.crop?.height ?? geometry.pad.height,
    valid,
  };
}

/** Plain geometry: no flip, no transform, no padding, no crop. */
export function identityGeometry(width: number, height: number): GeometryParams {
  return { flip: false, scale: 1, rotation: 0, translate: [0, 0], pad: { left: 0, top: 0, width, height } };
}

function checkSample(sample: PoseSample): void {
  checkImage(sample.image, 'augment');
  if (sample.keypoints.length !== sample.animals * sample.bodyparts * 2) {
    throw new Error(`augment: expected ${sample.animals}×${sample.bodyparts}×2 keypoint values, got ${sample.keypoints.length}`);
  }
  if (sample.uniqueKeypoints && sample.uniqueKeypoints.length % 2 !== 0) throw new Error('augment: uniqueKeypoints must hold x, y pairs');
}

/**
 * Draws one sample's augmentation, in DeepLabCut's order: horizontal flip, affine (scale, rotation,
 * translation about the image centre, each with its probability), padding to the crop size, keypoint-aware
 * crop (on the keypoints as already transformed), then brightness/contrast, motion blur and Gaussian noise.
 * Every random value is drawn whether or not its transform fires, so a sample's draws do not shift when an
 * option's probability changes.
 */
export function planAugmentation(sample: PoseSample, options: AugmentOptions, rng: Random): AugmentPlan {
  checkSample(sample);
  const { width: W, height: H } = sample.image;

  const flipCoin = rng.next();
  const flip = options.hflip !== undefined && flipCoin < options.hflip.p;

  const affineCoin = rng.next();
  const scaleU = rng.next();
  const rotationU = rng.next();
  const txU = rng.next();
  const tyU = rng.next();
  const geometry = identityGeometry(W, H);
  geometry.flip = flip;
  const affine = options.affine;
  if (affine && affineCoin < affine.p) {
    geometry.scale = affine.scaling[0] + (affine.scaling[1] - affine.scaling[0]) * scaleU;
    geometry.rotation = -affine.rotation + 2 * affine.rotation * rotationU;
    const t = Math.floor(affine.translation);
    geometry.translate = [Math.floor(-t + (2 * t + 1) * txU), Math.floor(-t + (2 * t + 1) * tyU)];
  }

  if (options.crop) {
    geometry.pad = centredPadding(W, H, options.crop.width, options.crop.height);
    // Keypoints where the crop sampler sees them: in the padded canvas, after flip and affine.
    const { matrix, valid } = geometryMatrix(geometry, W, H);
    const all = concatPoints(sample.keypoints, sample.uniqueKeypoints);
    const points = new Float64Array(all.length);
    for (let k = 0; k < all.length; k += 2) {
      const [x, y] = applyToPoint(matrix, all[k], all[k + 1]);
      const visible = isInside(x - valid.x0, y - valid.y0, W, H);
      points[k] = visible ? x : Number.NaN;
      points[k + 1] = visible ? y : Number.NaN;
    }
    geometry.crop = sampleCrop(rng, geometry.pad.width, geometry.pad.height, points, options.crop);
  }

  const plan: AugmentPlan = { geometry, ...geometryMatrix(geometry, W, H) };

  const bcCoin = rng.next();
  const alphaU = rng.next();
  const betaU = rng.next();
  const bc = options.brightnessContrast;
  if (bc && bcCoin < bc.p) {
    plan.brightnessContrast = { alpha: 1 - bc.contrast + 2 * bc.contrast * alphaU, beta: -bc.brightness + 2 * bc.brightness * betaU };
  }

  const blurCoin = rng.next();
  const lengthU = rng.next();
  const angleU = rng.next();
  const blur = options.motionBlur;
  if (blur && blurCoin < blur.p && blur.maxKernel >= 3) {
    const lengths = Math.floor((blur.maxKernel - 3) / 2) + 1; // odd lengths 3, 5, …, maxKernel
    plan.motionBlur = { length: 3 + 2 * Math.min(lengths - 1, Math.floor(lengthU * lengths)), degrees: 180 * angleU };
  }

  const noiseCoin = rng.next();
  const varianceU = rng.next();
  const noiseSeed = Math.floor(rng.next() * 4294967296);
  const noise = options.gaussianNoise;
  if (noise && noiseCoin < noise.p && noise.sigma > 0) {
    plan.gaussianNoise = { sigma: Math.sqrt(varianceU * noise.sigma * noise.sigma), seed: noiseSeed };
  }
  return plan;
}

function concatPoints(keypoints: Float32Array, unique: Float32Array | undefined): Float32Array {
  if (!unique || unique.length === 0) return keypoints;
  const all = new Float32Array(keypoints.length + unique.length);
  all.set(keypoints);
  all.set(unique, keypoints.length);
  return all;
}

/**
 * Maps keypoints [groups, count, 2] through `matrix`; with `flip`, position k of every group takes the mirrored
 * position of its symmetric partner (DeepLabCut's `HFlip`). With `dropOutside`, points outside `bounds` (a
 * half-open rectangle, DeepLabCut's 0 ≤ x < W test) become NaN.
 */
export function transformKeypoints(
  keypoints: Float32Array,
  count: number,
  matrix: Affine,
  flip: boolean,
  symmetries: SymmetryPairs | undefined,
  bounds: PixelRect | undefined,
): Float32Array {
  const out = new Float32Array(keypoints.length);
  const perm = flip ? flipPermutation(count, symmetries) : undefined;
  const groups = count === 0 ? 0 : keypoints.length / (count * 2);
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < count; k++) {
      const from = (g * count + (perm ? perm[k] : k)) * 2;
      const to = (g * count + k) * 2;
      const x = keypoints[from];
      const y = keypoints[from + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        out[to] = out[to + 1] = Number.NaN;
        continue;
      }
      const [tx, ty] = applyToPoint(matrix, x, y);
      if (bounds && !(tx >= bounds.x0 && ty >= bounds.y0 && tx < bounds.x1 && ty < bounds.y1)) {
        out[to] = out[to + 1] = Number.NaN;
        continue;
      }
      out[to] = tx;
      out[to + 1] = ty;
    }
  }
  return out;
}

/** Applies a plan: one bilinear warp for all the geometry, then the photometric steps. */
export function applyPlan(sample: PoseSample, plan: AugmentPlan, options: Pick<AugmentOptions, 'hflip' | 'dropOutside' | 'fill'>): AugmentedSample {
  checkSample(sample);
  const { matrix, width, height, valid } = plan;
  let image = warpAffine(sample.image, matrix, width, height, { fill: options.fill, valid });
  if (plan.brightnessContrast) image = brightnessContrast(image, plan.brightnessContrast.alpha, plan.brightnessContrast.beta);
  if (plan.motionBlur) image = motionBlur(image, plan.motionBlur.length, plan.motionBlur.degrees);
  if (plan.gaussianNoise) image = gaussianNoise(image, plan.gaussianNoise.sigma, new Random(plan.gaussianNoise.seed));

  const bounds: PixelRect | undefined = options.dropOutside
    ? { x0: Math.max(0, valid.x0), y0: Math.max(0, valid.y0), x1: Math.min(width, valid.x1), y1: Math.min(height, valid.y1) }
    : undefined;
  const flip = plan.geometry.flip;
  const keypoints = transformKeypoints(sample.keypoints, sample.bodyparts, matrix, flip, options.hflip?.symmetries, bounds);
  const result: AugmentedSample = { image, keypoints, plan };
  if (sample.uniqueKeypoints) {
    const count = sample.uniqueKeypoints.length / 2;
    result.uniqueKeypoints = transformKeypoints(sample.uniqueKeypoints, count, matrix, flip, options.hflip?.uniqueSymmetries, bounds);
  }
  return result;
}

/** Plans and applies one sample's augmentation with the given generator. */
export function augmentSample(sample: PoseSample, options: AugmentOptions, rng: Random): AugmentedSample {
  return applyPlan(sample, planAugmentation(sample, options, rng), options);
}

/**
 * Augmentation for a training run: sample `index` of epoch `epoch` always gets the same augmentation for a
 * given seed (its generator is derived from (seed, epoch, index), see rng.ts), whatever the loading order.
 */
export class Augmenter {
  constructor(
    readonly options: AugmentOptions,
    readonly seed: number,
  ) {}

  plan(sample: PoseSample, epoch: number, index: number): AugmentPlan {
    return planAugmentation(sample, this.options, sampleRandom(this.seed, epoch, index));
  }

  augment(sample: PoseSample, epoch: number, index: number): AugmentedSample {
    return applyPlan(sample, this.plan(sample, epoch, index), this.options);
  }
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * The network input of an image as float32 HWC: `(v/255 − mean)/std` with ImageNet's mean and std when
 * `normalizeImages` (albumentations `Normalize`, DeepLabCut's `normalize_images`), else v/255 when
 * `scaleToUnitRange`, else v.
 */
export function imageToTensor(image: RgbImage, options: Pick<AugmentOptions, 'normalizeImages' | 'scaleToUnitRange'>): Float32Array {
  const out = new Float32Array(image.data.length);
  normalizePixels(image.data, 0, out, 0, image.width * image.height, options);
  return out;
}

/** `imageToTensor` for `pixels` RGB pixels from `src[from…]` into `out[to…]` (video frames go straight into a batch). */
export function normalizePixels(
  src: Uint8Array,
  from: number,
  out: Float32Array,
  to: number,
  pixels: number,
  options: Pick<AugmentOptions, 'normalizeImages' | 'scaleToUnitRange'>,
): void {
  const end = from + 3 * pixels;
  if (options.normalizeImages) {
    const [s0, s1, s2] = IMAGENET_STD.map((s) => 1 / (255 * s)) as [number, number, number];
    const [o0, o1, o2] = IMAGENET_MEAN.map((m, c) => m / IMAGENET_STD[c]!) as [number, number, number];
    for (let k = from, o = to; k < end; k += 3, o += 3) {
      out[o] = src[k]! * s0 - o0;
      out[o + 1] = src[k + 1]! * s1 - o1;
      out[o + 2] = src[k + 2]! * s2 - o2;
    }
  } else {
    const scale = options.scaleToUnitRange ? 1 / 255 : 1;
    for (let k = from, o = to; k < end; k++, o++) out[o] = src[k]! * scale;
  }
}
