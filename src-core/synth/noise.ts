/**
 * Per-pixel sensor noise, fast enough for every byte of every frame: one xorshift32 draw feeds four
 * bytes, and each random byte picks one of 256 equally likely quantiles of a normal distribution
 * (so no logarithms or square roots per pixel). Seeded per frame, so any frame can be re-rendered
 * on its own.
 */

/** The 256 quantiles (at (i + 0.5) / 256) of a normal distribution with standard deviation `sigma`. */
export function gaussianQuantiles(sigma: number): Float32Array {
  // Integrate the standard normal density on a fine grid and read off where each quantile falls.
  const step = 1e-3;
  const table = new Float32Array(256);
  let cumulative = 0;
  let z = -8;
  for (let i = 0; i < 256; i++) {
    const target = (i + 0.5) / 256;
    while (cumulative < target) {
      const density = Math.exp(-0.5 * (z + step / 2) ** 2) / Math.sqrt(2 * Math.PI);
      cumulative += density * step;
      z += step;
    }
    table[i] = sigma * z;
  }
  return table;
}

/** A non-zero xorshift state mixed from the scene seed and the frame index (murmur3's finalizer). */
export function frameNoiseState(seed: number, frame: number): number {
  let h = (seed ^ Math.imul(frame + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return h === 0 ? 0x6d2b79f5 : h;
}

/** Adds noise from `quantiles` to every byte of `pixels`, clamping to 0..255. */
export function addSensorNoise(pixels: Uint8Array, quantiles: Float32Array, state: number): void {
  // Storing into a clamped view rounds and clamps for free.
  const clamped = new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.length);
  let s = state | 0;
  const whole = pixels.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    clamped[i] = clamped[i] + quantiles[s & 255];
    clamped[i + 1] = clamped[i + 1] + quantiles[(s >>> 8) & 255];
    clamped[i + 2] = clamped[i + 2] + quantiles[(s >>> 16) & 255];
    clamped[i + 3] = clamped[i + 3] + quantiles[s >>> 24];
  }
  for (let i = whole; i < pixels.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    clamped[i] = clamped[i] + quantiles[s & 255];
  }
}
