import type { ShapePart } from './anatomy';
import { discOffset, type SynthScene } from './scene';

/** A segment with a radius that changes linearly along it; a disc is a capsule of length zero. */
export interface Capsule {
  part: ShapePart;
  x0: number;
  y0: number;
  r0: number;
  x1: number;
  y1: number;
  r1: number;
}

/** Whether consecutive discs of a part are joined (a limb-like chain) or drawn on their own. */
const CHAINED: Record<ShapePart, boolean> = { tail: true, body: true, ear: false, eye: false };

/** The capsules that make up one animal in one frame, in drawing order. */
export function animalCapsules(scene: SynthScene, frame: number, animal: number): Capsule[] {
  const { discs, scales, centres } = scene.shapes;
  const scale = scales[animal];
  const capsules: Capsule[] = [];
  const centre = (disc: number) => discOffset(scene, frame, animal, disc);
  for (let disc = 0; disc < discs.length; disc++) {
    const { part, radius } = discs[disc];
    const here = centre(disc);
    if (CHAINED[part]) {
      const next = disc + 1;
      if (next >= discs.length || discs[next].part !== part) continue;
      const there = centre(next);
      capsules.push({
        part,
        x0: centres[here],
        y0: centres[here + 1],
        r0: radius * scale,
        x1: centres[there],
        y1: centres[there + 1],
        r1: discs[next].radius * scale,
      });
    } else {
      const x = centres[here];
      const y = centres[here + 1];
      capsules.push({ part, x0: x, y0: y, r0: radius * scale, x1: x, y1: y, r1: radius * scale });
    }
  }
  return capsules;
}

/**
 * Signed distance from (x, y) to the capsule's surface (negative inside) and the distance from its
 * axis as a fraction of the local radius (0 on the axis, 1 on the rim), written into `out`.
 */
export function capsuleDistance(capsule: Capsule, x: number, y: number, out: { signed: number; depth: number }): void {
  const { x0, y0, r0, x1, y1, r1 } = capsule;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const lengthSquared = dx * dx + dy * dy;
  let t = lengthSquared > 0 ? ((x - x0) * dx + (y - y0) * dy) / lengthSquared : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const distance = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
  const radius = r0 + t * (r1 - r0);
  out.signed = distance - radius;
  out.depth = distance / radius;
}

/** Whether (x, y) lies inside any of the capsules. */
export function insideCapsules(capsules: readonly Capsule[], x: number, y: number): boolean {
  const result = { signed: 0, depth: 0 };
  for (const capsule of capsules) {
    capsuleDistance(capsule, x, y, result);
    if (result.signed < 0) return true;
  }
  return false;
}
