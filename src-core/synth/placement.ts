import { NECK_ARC, type BodyAnchor } from './anatomy';
import type { Trail } from './trail';

/** Where the neck is and which way the head points; the rest of the body follows the trail. */
export interface HeadPose {
  neckX: number;
  neckY: number;
  /** Unit vector from the neck towards the snout. */
  headX: number;
  headY: number;
}

/** How far behind the neck the body's direction at the neck is measured. */
const NECK_DIRECTION_SPAN = 6;

/**
 * Turns body anchors into pixel positions for one animal. Anchors ahead of the neck are rigid with
 * the head; anchors behind it are sampled along the trail (sorted once, sampled in one pass) and
 * lie on the midline (only head anchors such as the ears have sideways offsets).
 */
export class AnchorPlacer {
  private readonly trailAnchors: number[];
  private readonly trailDistances: number[];
  private readonly samples: Float64Array;

  constructor(
    private readonly anchors: readonly BodyAnchor[],
    private readonly scale: number,
  ) {
    this.trailAnchors = anchors
      .map((_, index) => index)
      .filter((index) => anchors[index].arc >= NECK_ARC)
      .sort((a, b) => anchors[a].arc - anchors[b].arc);
    this.trailDistances = this.trailAnchors.map((index) => (anchors[index].arc - NECK_ARC) * scale);
    this.samples = new Float64Array(2 * this.trailAnchors.length);
  }

  /** Direction of the body at the neck, pointing forwards (unit vector), or undefined if degenerate. */
  static neckDirection(trail: Trail, scale: number): { x: number; y: number } | undefined {
    const points = new Float64Array(4);
    trail.sampleBehind([0, NECK_DIRECTION_SPAN * scale], points);
    const dx = points[0] - points[2];
    const dy = points[1] - points[3];
    const length = Math.hypot(dx, dy);
    return length > 1e-9 ? { x: dx / length, y: dy / length } : undefined;
  }

  /** Writes anchor i's position to `out[2i], out[2i+1]`. */
  place(head: HeadPose, trail: Trail, out: Float64Array | Float32Array): void {
    const { neckX, neckY, headX, headY } = head;
    this.anchors.forEach((anchor, index) => {
      if (anchor.arc >= NECK_ARC) return;
      const ahead = (NECK_ARC - anchor.arc) * this.scale;
      const left = anchor.lateral * this.scale;
      // The animal's left, seen from above with y pointing down, is (headY, -headX).
      out[2 * index] = neckX + headX * ahead + headY * left;
      out[2 * index + 1] = neckY + headY * ahead - headX * left;
    });
    trail.sampleBehind(this.trailDistances, this.samples);
    this.trailAnchors.forEach((index, k) => {
      out[2 * index] = this.samples[2 * k];
      out[2 * index + 1] = this.samples[2 * k + 1];
    });
  }
}
