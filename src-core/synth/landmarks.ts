import { Random } from '../common/random';

/** Width of the dark arena wall drawn along the frame's edges. */
export const WALL_THICKNESS = 10;
/** Radius of a landmark marker (a ringed target painted on the floor). */
export const LANDMARK_RADIUS = 6;

/**
 * Positions of the fixed landmarks: the four arena corners (just inside the walls) first, then
 * random spots on the floor. They use their own random stream, so adding landmarks leaves the
 * animals' motion unchanged.
 */
export function landmarkPositions(count: number, width: number, height: number, seed: number): Array<{ x: number; y: number }> {
  const inset = WALL_THICKNESS + LANDMARK_RADIUS + 2;
  const corners = [
    { x: inset, y: inset },
    { x: width - 1 - inset, y: inset },
    { x: width - 1 - inset, y: height - 1 - inset },
    { x: inset, y: height - 1 - inset },
  ];
  const random = new Random(seed ^ 0x5eed1a4d);
  return Array.from({ length: count }, (_, i) =>
    i < corners.length
      ? corners[i]
      : { x: random.uniform(inset, width - 1 - inset), y: random.uniform(inset, height - 1 - inset) },
  );
}
