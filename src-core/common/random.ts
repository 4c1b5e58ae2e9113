/** A small seeded generator (mulberry32): the same seed gives the same synthetic data everywhere. */
export class Random {
  private state: number;
  private spareGaussian: number | undefined;

  constructor(seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [low, high). */
  integer(low: number, high: number): number {
    return low + Math.floor((high - low) * this.next());
  }

  /** Standard normal (Box–Muller, caching the second value). */
  gaussian(): number {
    if (this.spareGaussian !== undefined) {
      const value = this.spareGaussian;
      this.spareGaussian = undefined;
      return value;
    }
    const u = 1 - this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareGaussian = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }
}
