import { HerdError } from '../../common/errors';
import { symmetricPairsByName, type SymmetryPairs } from './symmetry';

/** Crop-centre sampling of DeepLabCut's `KeypointAwareCrop` (see crop.ts). */
export type CropMethod = 'uniform' | 'keypoints' | 'density' | 'hybrid';
export const CROP_METHODS: readonly CropMethod[] = ['uniform', 'keypoints', 'density', 'hybrid'];

/** albumentations `Affine` as DeepLabCut configures it (`data.train.affine`). Applied with probability `p`. */
export interface AffineOptions {
  p: number;
  /** Rotation angle drawn uniformly from [−rotation, rotation] degrees. */
  rotation: number;
  /** Isotropic scale drawn uniformly from [min, max] (`keep_ratio: True`). */
  scaling: [number, number];
  /** Integer shift in pixels drawn uniformly from [−translation, translation], per axis. */
  translation: number;
}

export interface CropOptions {
  width: number;
  height: number;
  /** Largest shift of the crop centre from the chosen keypoint, as a fraction of the crop size; clamped to [0, 0.4]. */
  maxShift: number;
  method: CropMethod;
  /**
   * How a chosen keypoint places the crop. `centred` (default): the crop is centred on the keypoint plus a
   * shift drawn uniformly from ±maxShift·size, then moved inside the image — the keypoint is always in the
   * crop. `dlc`: exactly DeepLabCut's arithmetic — the shift is one-sided (U[0,1)·maxShift·size) and
   * (keypoint + shift)/image size is used as albumentations' `RandomCrop` start fraction, which puts the
   * keypoint at about the same relative position inside the crop as in the image (not at its centre) and can
   * push it out of the crop near the left/top edges.
   */
  placement: 'centred' | 'dlc';
}

export interface HFlipOptions {
  p: number;
  /** Body-part index pairs swapped after mirroring; undefined = no swap (DeepLabCut warns in that case). */
  symmetries?: SymmetryPairs;
  /** Pairs for the unique body parts (`keypoints_unique`), if any are left/right. */
  uniqueSymmetries?: SymmetryPairs;
}

/** albumentations `RandomBrightnessContrast` (not in DeepLabCut's PyTorch pipeline; Herd's own key). */
export interface BrightnessContrastOptions {
  p: number;
  /** v' = α·v + β·255 with α = 1 + U(−contrast, contrast), β = U(−brightness, brightness). */
  brightness: number;
  contrast: number;
}

/** albumentations `GaussNoise(var_limit=(0, sigma²), per_channel=True)` as DeepLabCut sets it. */
export interface GaussianNoiseOptions {
  p: number;
  /** Variance drawn uniformly from [0, sigma²] per image; noise independent per pixel and channel. */
  sigma: number;
}

/** albumentations `MotionBlur(blur_limit=7)`: a line kernel of random odd length in [3, maxKernel] and random angle. */
export interface MotionBlurOptions {
  p: number;
  maxKernel: number;
}

export interface AugmentOptions {
  hflip?: HFlipOptions;
  affine?: AffineOptions;
  crop?: CropOptions;
  brightnessContrast?: BrightnessContrastOptions;
  motionBlur?: MotionBlurOptions;
  gaussianNoise?: GaussianNoiseOptions;
  /** Keypoints that leave the output image become NaN (DeepLabCut drops them). Default true. */
  dropOutside: boolean;
  /** Fill value of pixels coming from outside the image (padding, rotated-in corners). DeepLabCut: 0. */
  fill: number;
  /** ImageNet mean/std normalisation of the network input (`normalize_images`); see `imageToTensor`. */
  normalizeImages: boolean;
  /** Scale the network input to [0, 1] (`scale_to_unit_range`). */
  scaleToUnitRange: boolean;
}

/** DeepLabCut's defaults when a key is present without its sub-keys (albumentations' and `build_transforms`'). */
export const DLC_DEFAULTS = {
  affineP: 0.9, // `affine.get("p", 0.9)`
  hflipP: 0.5,
  cropWidth: 400, // create_multianimaltraining_dataset(crop_size=(400, 400)); aug_default.yaml writes 448
  cropHeight: 400,
  cropMaxShift: 0.1, // aug_default.yaml
  cropMethod: 'hybrid' as CropMethod,
  noiseSigma: 0.05 * 255, // `gaussian_noise: true` → 12.75
  noiseP: 0.5,
  motionBlurP: 0.5,
  motionBlurKernel: 7,
  brightnessContrastP: 0.5,
  brightness: 0.2,
  contrast: 0.2,
};

/**
 * The augmentation of a freshly made multi-animal bottom-up model: DeepLabCut's `base/aug_default.yaml`
 * (affine p 0.5, ±30°, scale 0.5–1.25; hybrid crop, max_shift 0.1; Gaussian noise 12.75; motion blur) with
 * the crop size DeepLabCut's `create_multianimaltraining_dataset` uses, 400×400. No flip (DeepLabCut's
 * default too), no brightness/contrast.
 */
export function defaultAugmentOptions(): AugmentOptions {
  return {
    affine: { p: 0.5, rotation: 30, scaling: [0.5, 1.25], translation: 0 },
    crop: { width: 400, height: 400, maxShift: 0.1, method: 'hybrid', placement: 'centred' },
    motionBlur: { p: DLC_DEFAULTS.motionBlurP, maxKernel: DLC_DEFAULTS.motionBlurKernel },
    gaussianNoise: { p: DLC_DEFAULTS.noiseP, sigma: DLC_DEFAULTS.noiseSigma },
    dropOutside: true,
    fill: 0,
    normalizeImages: true,
    scaleToUnitRange: false,
  };
}

/** `data.train` keys DeepLabCut accepts that Herd does not implement (yet); reported when they are enabled. */
const UNSUPPORTED_KEYS = [
  'resize',
  'longest_max_size',
  'random_bbox_transform',
  'hist_eq',
  'covering',
  'elastic_transform',
  'grayscale',
  'auto_padding',
  'top_down_crop',
];
const KNOWN_KEYS = new Set([
  ...UNSUPPORTED_KEYS,
  'affine',
  'crop_sampling',
  'hflip',
  'gaussian_noise',
  'motion_blur',
  'normalize_images',
  'scale_to_unit_range',
  'brightness_contrast',
  'collate',
]);

export interface AugmentConfigContext {
  /** The config's body parts (multi-animal ones, in order): used to find flip pairs when `hflip` has none. */
  bodyparts?: readonly string[];
  uniqueBodyparts?: readonly string[];
  /** Shown in error messages. */
  file?: string;
}

export interface AugmentConfigResult {
  options: AugmentOptions;
  /** Enabled `data.train` keys that Herd ignores (DeepLabCut would apply them). */
  unsupported: string[];
  /** Keys Herd does not know at all. */
  unknown: string[];
  warnings: string[];
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python truthiness of a YAML value, as DeepLabCut's `if augmentations.get(key):` tests it. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isMapping(value)) return Object.keys(value).length > 0;
  return true;
}

/**
 * Reads the `data.train` section of a DeepLabCut `pytorch_config.yaml` (already parsed from YAML) into Herd's
 * augmentation options, applying the transforms in DeepLabCut's `build_transforms` way: a missing or falsy key
 * means that transform is off; a present key takes albumentations'/DeepLabCut's defaults for what it omits.
 *
 * - `affine: {p (0.9), rotation, scaling, translation}`
 * - `crop_sampling: {width, height, max_shift, method}` (also pads images smaller than the crop, centred)
 * - `hflip: p | true | {p (0.5), symmetries: [[i, j], …]}`. Without symmetries DeepLabCut flips without
 *   swapping (and warns); Herd instead derives pairs from `context.bodyparts` names when given (a warning
 *   says so), since swapping is what a flip needs to keep left and right labels correct.
 * - `gaussian_noise: sigma | true (12.75)`, `motion_blur: true`, `normalize_images`, `scale_to_unit_range`.
 * - `brightness_contrast: true | {p, brightness, contrast}` — Herd only (DeepLabCut ignores the key).
 */
export function readAugmentConfig(train: unknown, context: AugmentConfigContext = {}): AugmentConfigResult {
  const where = (key: string) => `data.train.${key}`;
  const fail = (key: string, message: string): never => {
    throw new HerdError('INVALID_OPTION', `${where(key)}: ${message}`, { file: context.file });
  };
  const num = (value: unknown, key: string, check?: (n: number) => boolean, expect = 'a number'): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || (check && !check(value))) fail(key, `expected ${expect}, got ${JSON.stringify(value)}`);
    return value as number;
  };
  const probability = (value: unknown, key: string) => num(value, key, (n) => n >= 0 && n <= 1, 'a probability in [0, 1]');

  const section: Mapping = train === undefined || train === null ? {} : isMapping(train) ? train : fail('', 'expected a mapping');
  const result: AugmentConfigResult = {
    options: { dropOutside: true, fill: 0, normalizeImages: false, scaleToUnitRange: false },
    unsupported: UNSUPPORTED_KEYS.filter((key) => truthy(section[key])),
    unknown: Object.keys(section).filter((key) => !KNOWN_KEYS.has(key)),
    warnings: [],
  };
  const options = result.options;

  const affine = section.affine;
  if (affine !== undefined && affine !== null) {
    if (!isMapping(affine)) fail('affine', 'expected a mapping {p, rotation, scaling, translation}');
    const a = affine as Mapping;
    let scaling: [number, number] = [1, 1];
    if (a.scaling !== undefined && a.scaling !== null) {
      if (typeof a.scaling === 'number') scaling = [num(a.scaling, 'affine.scaling', (n) => n > 0), a.scaling];
      else if (Array.isArray(a.scaling) && a.scaling.length === 2) {
        scaling = [num(a.scaling[0], 'affine.scaling', (n) => n > 0, 'positive scales'), num(a.scaling[1], 'affine.scaling', (n) => n > 0, 'positive scales')];
        if (scaling[0] > scaling[1]) fail('affine.scaling', 'expected [min, max] with min ≤ max');
      } else fail('affine.scaling', 'expected [min, max]');
    }
    options.affine = {
      p: a.p === undefined ? DLC_DEFAULTS.affineP : probability(a.p, 'affine.p'),
      rotation: a.rotation === undefined || a.rotation === null ? 0 : Math.abs(num(a.rotation, 'affine.rotation')),
      scaling,
      translation: a.translation === undefined || a.translation === null ? 0 : Math.abs(num(a.translation, 'affine.translation')),
    };
  }

  const crop = section.crop_sampling;
  if (truthy(crop)) {
    if (!isMapping(crop)) fail('crop_sampling', 'expected a mapping {width, height, max_shift, method}');
    const c = crop as Mapping;
    const size = (value: unknown, key: string, fallback: number) =>
      value === undefined ? fallback : num(value, key, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
    const method = c.method ?? DLC_DEFAULTS.cropMethod;
    if (!CROP_METHODS.includes(method as CropMethod)) fail('crop_sampling.method', `expected one of ${CROP_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
    options.crop = {
      width: size(c.width, 'crop_sampling.width', DLC_DEFAULTS.cropWidth),
      height: size(c.height, 'crop_sampling.height', DLC_DEFAULTS.cropHeight),
      maxShift: Math.max(0, Math.min(0.4, c.max_shift === undefined ? DLC_DEFAULTS.cropMaxShift : num(c.max_shift, 'crop_sampling.max_shift'))),
      method: method as CropMethod,
      placement: 'centred',
    };
  }

  const hflip = section.hflip;
  if (truthy(hflip)) {
    let p = DLC_DEFAULTS.hflipP;
    let symmetries: Array<[number, number]> | undefined;
    if (typeof hflip === 'number') p = probability(hflip, 'hflip');
    else if (isMapping(hflip)) {
      if (hflip.p !== undefined) p = probability(hflip.p, 'hflip.p');
      if (hflip.symmetries !== undefined && hflip.symmetries !== null) {
        if (!Array.isArray(hflip.symmetries)) fail('hflip.symmetries', 'expected a list of [i, j] pairs');
        symmetries = (hflip.symmetries as unknown[]).map((pair) => {
          if (!Array.isArray(pair) || pair.length !== 2) return fail('hflip.symmetries', `expected [i, j] pairs, got ${JSON.stringify(pair)}`);
          const check = (n: number) => Number.isInteger(n) && n >= 0 && (context.bodyparts === undefined || n < context.bodyparts.length);
          return [num(pair[0], 'hflip.symmetries', check, 'body-part indices'), num(pair[1], 'hflip.symmetries', check, 'body-part indices')] as [number, number];
        });
      }
    } else if (hflip !== true) fail('hflip', 'expected a probability, true or {p, symmetries}');
    if (symmetries === undefined && context.bodyparts) {
      symmetries = symmetricPairsByName(context.bodyparts);
      result.warnings.push(
        `data.train.hflip has no symmetries: Herd swaps the left/right pairs found by name (${symmetries.length}), where DeepLabCut would flip without swapping`,
      );
    } else if (symmetries === undefined) {
      result.warnings.push('data.train.hflip has no symmetries: flipped images keep left/right labels unswapped');
    }
    options.hflip = { p, symmetries };
    if (context.uniqueBodyparts && context.uniqueBodyparts.length > 0) {
      options.hflip.uniqueSymmetries = symmetricPairsByName(context.uniqueBodyparts);
    }
  }

  const noise = section.gaussian_noise;
  if (truthy(noise)) {
    options.gaussianNoise = {
      p: DLC_DEFAULTS.noiseP,
      sigma: typeof noise === 'number' ? num(noise, 'gaussian_noise', (n) => n >= 0) : DLC_DEFAULTS.noiseSigma,
    };
  }
  if (truthy(section.motion_blur)) options.motionBlur = { p: DLC_DEFAULTS.motionBlurP, maxKernel: DLC_DEFAULTS.motionBlurKernel };

  const bc = section.brightness_contrast;
  if (truthy(bc)) {
    const m: Mapping = isMapping(bc) ? bc : {};
    options.brightnessContrast = {
      p: m.p === undefined ? DLC_DEFAULTS.brightnessContrastP : probability(m.p, 'brightness_contrast.p'),
      brightness: m.brightness === undefined ? DLC_DEFAULTS.brightness : num(m.brightness, 'brightness_contrast.brightness', (n) => n >= 0),
      contrast: m.contrast === undefined ? DLC_DEFAULTS.contrast : num(m.contrast, 'brightness_contrast.contrast', (n) => n >= 0),
    };
  }

  options.normalizeImages = truthy(section.normalize_images);
  options.scaleToUnitRange = truthy(section.scale_to_unit_range);
  return result;
}

/** `readAugmentConfig` on a whole parsed `pytorch_config.yaml` (its `data.train`). */
export function readPytorchConfigAugmentation(config: unknown, context: AugmentConfigContext = {}): AugmentConfigResult {
  const data = isMapping(config) ? config.data : undefined;
  const train = isMapping(data) ? data.train : undefined;
  const bodyparts = context.bodyparts ?? stringList(isMapping(config) && isMapping(config.metadata) ? config.metadata.bodyparts : undefined);
  const uniqueBodyparts =
    context.uniqueBodyparts ?? stringList(isMapping(config) && isMapping(config.metadata) ? config.metadata.unique_bodyparts : undefined);
  return readAugmentConfig(train, { ...context, bodyparts, uniqueBodyparts });
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}
