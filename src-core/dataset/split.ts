import { HerdError } from '../common/errors';
import { Random } from '../common/random';

/** DeepLabCut's `pct` in shuffle names: `int(100 * trainFraction)` (0.95 → 95). */
export function trainsetPercent(trainFraction: number): number {
  return Math.trunc(100 * trainFraction);
}

/** `<Task><date>-trainset<pct>shuffle<k>`: the model folder and metadata.yaml name of a shuffle. */
export function shuffleName(task: string, date: string, trainFraction: number, shuffle: number): string {
  return `${task}${date}-trainset${trainsetPercent(trainFraction)}shuffle${shuffle}`;
}

/** Python's `round(x, 2)` for the fractions DeepLabCut uses (two decimals). */
export function roundFraction(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The split's random seed for one shuffle and training fraction: different shuffles get different splits. */
export function splitSeed(seed: number, shuffle: number, trainingsetindex: number): number {
  return (Math.imul(seed >>> 0, 1000003) + Math.imul(shuffle, 7919) + trainingsetindex * 104729) >>> 0;
}

/**
 * DeepLabCut's `SplitTrials`: a random permutation of `0..count-1`, the first `int(count * round(fraction, 2))`
 * for training and the rest for testing, both returned sorted. Fraction 1 trains on everything.
 */
export function splitTrials(count: number, trainFraction: number, seed: number): { trainIndices: number[]; testIndices: number[] } {
  if (!(trainFraction > 0 && trainFraction <= 1)) {
    throw new HerdError('DATASET_FRACTION', `training fraction ${trainFraction} must be in (0, 1]`);
  }
  const all = Array.from({ length: count }, (_, i) => i);
  if (trainFraction === 1) return { trainIndices: all, testIndices: [] };
  const random = new Random(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = random.integer(0, i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  const trainSize = Math.trunc(count * roundFraction(trainFraction));
  const byNumber = (a: number, b: number) => a - b;
  return { trainIndices: all.slice(0, trainSize).sort(byNumber), testIndices: all.slice(trainSize).sort(byNumber) };
}

/** Checks explicit train / test indices (DeepLabCut's `trainIndices` / `testIndices`) against `count` rows. */
export function checkIndices(trainIndices: readonly number[], testIndices: readonly number[], count: number): void {
  const seen = new Map<number, string>();
  for (const [list, name] of [
    [trainIndices, 'train'],
    [testIndices, 'test'],
  ] as const) {
    for (const index of list) {
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new HerdError('DATASET_INDICES', `${name} index ${index} is not a row of the ${count} labeled images (0…${count - 1})`);
      }
      const other = seen.get(index);
      if (other !== undefined) {
        throw new HerdError('DATASET_INDICES', other === name ? `${name} index ${index} is listed twice` : `index ${index} is in both the train and the test indices`);
      }
      seen.set(index, name);
    }
  }
  if (trainIndices.length === 0) throw new HerdError('DATASET_INDICES', 'the train indices are empty');
}
