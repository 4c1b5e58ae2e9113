/**
 * The synthetic mouse, in pixels for an animal of scale 1. A point is placed by its arc length from
 * the snout along the body midline and a sideways offset (positive = the animal's left). Points in
 * front of the neck belong to the head, which turns as one piece; points behind it follow the
 * path the neck has travelled, so the body bends like a snake's.
 */

export type ShapePart = 'tail' | 'body' | 'ear' | 'eye';

/** Where a point sits on the animal. */
export interface BodyAnchor {
  arc: number;
  lateral: number;
}

/** One disc of the drawn shape; consecutive discs of a chain part are joined into capsules. */
export interface ShapeDisc extends BodyAnchor {
  part: ShapePart;
  radius: number;
}

export const NECK_ARC = 14;
export const TAILBASE_ARC = 62;
export const TAIL_END_ARC = 120;
/** Snout to tail base of a scale-1 animal: the "body length" closeness is measured in. */
export const BODY_LENGTH = TAILBASE_ARC;

/** Discs in drawing order: tail (under the body), body from snout to rump, then ears and eyes. */
export const MOUSE_SHAPE: readonly ShapeDisc[] = [
  ...[62, 72, 82, 92, 102, 112, 120].map((arc) => ({
    part: 'tail' as const,
    arc,
    lateral: 0,
    radius: 2.2 - (1.1 * (arc - TAILBASE_ARC)) / (TAIL_END_ARC - TAILBASE_ARC),
  })),
  ...(
    [
      [0, 2.5],
      [4, 5],
      [8, 6.8],
      [12, 7.3],
      [14, 7],
      [19, 8.5],
      [25, 10],
      [31, 11],
      [37, 11.5],
      [43, 11.5],
      [49, 10.8],
      [55, 9.2],
      [59, 7],
      [62, 4.5],
    ] as const
  ).map(([arc, radius]) => ({ part: 'body' as const, arc, lateral: 0, radius })),
  { part: 'ear', arc: 10, lateral: 6.5, radius: 4 },
  { part: 'ear', arc: 10, lateral: -6.5, radius: 4 },
  { part: 'eye', arc: 5, lateral: 3.4, radius: 1.1 },
  { part: 'eye', arc: 5, lateral: -3.4, radius: 1.1 },
];

const NAMED_ANCHORS: Record<string, BodyAnchor> = {
  snout: { arc: 0, lateral: 0 },
  leftear: { arc: 10, lateral: 6.5 },
  rightear: { arc: 10, lateral: -6.5 },
  neck: { arc: NECK_ARC, lateral: 0 },
  tailbase: { arc: TAILBASE_ARC, lateral: 0 },
  tailmid: { arc: (TAILBASE_ARC + TAIL_END_ARC) / 2, lateral: 0 },
  tailend: { arc: TAIL_END_ARC, lateral: 0 },
};

/**
 * Anchors of the given bodyparts. `spine1..spineN` are spread evenly between neck and tail base
 * (N = how many spine points are listed); any other unknown name is an error.
 */
export function bodypartAnchors(bodyparts: readonly string[]): BodyAnchor[] {
  const spineCount = bodyparts.filter((name) => /^spine\d+$/.test(name)).length;
  return bodyparts.map((name) => {
    const named = NAMED_ANCHORS[name];
    if (named) return named;
    const spine = /^spine(\d+)$/.exec(name);
    if (spine && Number(spine[1]) >= 1 && Number(spine[1]) <= spineCount) {
      const step = (TAILBASE_ARC - NECK_ARC) / (spineCount + 1);
      return { arc: NECK_ARC + step * Number(spine[1]), lateral: 0 };
    }
    throw new Error(`the synthetic mouse has no bodypart "${name}"`);
  });
}
