import { HerdError } from '../common/errors';

/** Everything that determines a synthetic scene; the same options give the same bytes. */
export interface SynthOptions {
  animals: number;
  /** Keypoints per animal (names from `defaultBodyparts`). */
  keypoints: number;
  frames: number;
  width: number;
  height: number;
  fps: number;
  seed: number;
  /** Fixed landmarks (arena corners first) drawn as markers on the floor. */
  uniqueBodyparts: number;
  /** Standard deviation of the per-pixel sensor noise, in grey levels. */
  noiseSigma: number;
}

export const DEFAULT_SYNTH_OPTIONS: Readonly<SynthOptions> = {
  animals: 3,
  keypoints: 10,
  frames: 300,
  width: 640,
  height: 480,
  fps: 30,
  seed: 0,
  uniqueBodyparts: 0,
  noiseSigma: 6,
};

/** The default mouse skeleton: a spine from snout to tail base, two ears, and a tail. */
export const MOUSE_BODYPARTS = [
  'snout',
  'leftear',
  'rightear',
  'neck',
  'spine1',
  'spine2',
  'spine3',
  'tailbase',
  'tailmid',
  'tailend',
] as const;

/** Smaller skeletons keep the most informative points (4 = DeepLabCut's openfield example). */
const REDUCED_SKELETONS: Record<number, readonly string[]> = {
  1: ['snout'],
  2: ['snout', 'tailbase'],
  3: ['snout', 'neck', 'tailbase'],
  4: ['snout', 'leftear', 'rightear', 'tailbase'],
  5: ['snout', 'leftear', 'rightear', 'neck', 'tailbase'],
  6: ['snout', 'leftear', 'rightear', 'neck', 'spine2', 'tailbase'],
  7: ['snout', 'leftear', 'rightear', 'neck', 'spine2', 'tailbase', 'tailend'],
  8: ['snout', 'leftear', 'rightear', 'neck', 'spine2', 'tailbase', 'tailmid', 'tailend'],
  9: ['snout', 'leftear', 'rightear', 'neck', 'spine1', 'spine2', 'spine3', 'tailbase', 'tailend'],
};

/** Bodypart names for `count` keypoints; more than 10 adds spine points between neck and tail base. */
export function defaultBodyparts(count: number): string[] {
  if (count <= 9) return [...(REDUCED_SKELETONS[count] ?? [])];
  const spine = Array.from({ length: count - 7 }, (_, i) => `spine${i + 1}`);
  return ['snout', 'leftear', 'rightear', 'neck', ...spine, 'tailbase', 'tailmid', 'tailend'];
}

export function defaultIndividuals(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `mouse${i + 1}`);
}

/** `corner1..corner4` for the arena corners, then `landmark5...` for further markers. */
export function defaultUniqueBodyparts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i < 4 ? `corner${i + 1}` : `landmark${i + 1}`));
}

interface Limit {
  min: number;
  max: number;
  integer: boolean;
}

const LIMITS: Record<keyof SynthOptions, Limit> = {
  animals: { min: 1, max: 12, integer: true },
  keypoints: { min: 1, max: 40, integer: true },
  frames: { min: 1, max: 1_000_000, integer: true },
  // The arena must hold a few mouse lengths (a mouse is about 120 px from snout to tail tip).
  width: { min: 192, max: 8192, integer: true },
  height: { min: 192, max: 8192, integer: true },
  fps: { min: 1, max: 1000, integer: false },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  uniqueBodyparts: { min: 0, max: 16, integer: true },
  noiseSigma: { min: 0, max: 64, integer: false },
};

/** Fills in defaults and rejects values the generator cannot honour. */
export function resolveSynthOptions(partial: Partial<SynthOptions> = {}): SynthOptions {
  const options: SynthOptions = { ...DEFAULT_SYNTH_OPTIONS };
  for (const key of Object.keys(LIMITS) as Array<keyof SynthOptions>) {
    const value = partial[key];
    if (value === undefined) continue;
    const { min, max, integer } = LIMITS[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      const kind = integer ? 'an integer' : 'a number';
      throw new HerdError('INVALID_SYNTH_OPTION', `synth option "${key}" must be ${kind} from ${min} to ${max}, got ${String(value)}`);
    }
    options[key] = value;
  }
  return options;
}
