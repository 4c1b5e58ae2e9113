import { Random } from '../../common/random';

function mix(h: number, value: number): number {
  // murmur3-style 32-bit mixing of one more word into the hash.
  let k = Math.imul(value >>> 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The seed of one sample's augmentation, from the run's seed, the epoch and the sample's index in the
 * dataset: any sample of any epoch can be reproduced on its own, whatever order the loader visits them in.
 */
export function sampleSeed(seed: number, epoch: number, index: number): number {
  let h = 0x2545f491;
  for (const value of [seed, Math.floor(seed / 4294967296), epoch, index]) h = mix(h, value);
  return finalize(h ^ 16);
}

export function sampleRandom(seed: number, epoch: number, index: number): Random {
  return new Random(sampleSeed(seed, epoch, index));
}
