/**
 * The path an animal's neck has travelled, newest point first. The body is laid along it, so it
 * only needs to be as long as the animal; older points are dropped.
 */
export class Trail {
  private xs: number[] = [];
  private ys: number[] = [];

  /** A straight trail of `length` pixels ending at (x, y) and pointing along `heading`. */
  constructor(x: number, y: number, heading: number, private readonly keepLength: number) {
    const step = 2;
    for (let distance = 0; distance <= keepLength + step; distance += step) {
      this.xs.push(x - Math.cos(heading) * distance);
      this.ys.push(y - Math.sin(heading) * distance);
    }
  }

  /** Moves the head of the trail to (x, y). */
  advance(x: number, y: number): void {
    // Creeping moves the newest point instead of adding one, so pauses don't pile up points.
    if (Math.hypot(this.xs[0] - this.xs[1], this.ys[0] - this.ys[1]) < 0.5) {
      this.xs[0] = x;
      this.ys[0] = y;
      return;
    }
    this.xs.unshift(x);
    this.ys.unshift(y);
    this.prune();
  }

  /**
   * Writes the points `distances[i]` pixels behind the head (measured along the trail) into
   * `out[2i], out[2i+1]`. Distances must be ascending; beyond the trail's end it extends straight.
   */
  sampleBehind(distances: readonly number[], out: Float64Array): void {
    let segment = 0;
    let walked = 0; // arc length from the head to the start of `segment`
    let segmentLength = this.segmentLength(0);
    for (let i = 0; i < distances.length; i++) {
      const target = distances[i];
      while (walked + segmentLength < target && segment < this.xs.length - 2) {
        walked += segmentLength;
        segment++;
        segmentLength = this.segmentLength(segment);
      }
      // Linear interpolation along the segment (or extrapolation past the last one).
      const t = segmentLength > 0 ? (target - walked) / segmentLength : 0;
      out[2 * i] = this.xs[segment] + (this.xs[segment + 1] - this.xs[segment]) * t;
      out[2 * i + 1] = this.ys[segment] + (this.ys[segment + 1] - this.ys[segment]) * t;
    }
  }

  private segmentLength(segment: number): number {
    return Math.hypot(this.xs[segment + 1] - this.xs[segment], this.ys[segment + 1] - this.ys[segment]);
  }

  private prune(): void {
    let length = 0;
    for (let i = 1; i < this.xs.length; i++) {
      length += this.segmentLength(i - 1);
      if (length > this.keepLength && i + 1 < this.xs.length) {
        this.xs.length = i + 1;
        this.ys.length = i + 1;
        return;
      }
    }
  }
}
