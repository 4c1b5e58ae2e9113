/**
 * Training targets for the bottom-up multi-animal head, as DeepLabCut's PyTorch target generators build them
 * (dlc-spec §3): HeatmapPlateauGenerator (plateau heatmaps + locref), PartAffinityFieldGenerator (PAFs),
 * the unique-bodypart head and the identity head (heatmap_mode INDIVIDUAL).
 *
 * Runs once per training sample on the CPU, so every painter visits only the cells inside the bounding box
 * of its plateau or limb. Layout and cell geometry are those of `model/decode.ts` (HWC float32 maps, cell
 * centres from `cellCentre`), so decoding a target gives back the keypoints it was built from.
 */
import { cellCentre, DEFAULT_LOCREF_STD, gridShape } from '../model/decode';

export interface TargetInput {
  /** `[animals, bodyparts, 2]` (x, y) in image pixels; NaN = not labeled. */
  keypoints: Float32Array;
  animals: number;
  bodyparts: number;
  /** `[uniqueCount, 2]` unique body parts (one per image). */
  uniqueKeypoints?: Float32Array;
  uniqueCount?: number;
  width: number;
  height: number;
  stride: number;
  /** PAF edges as body-part index pairs; edge e uses channels 2e (x) and 2e+1 (y). */
  graph: readonly (readonly [number, number])[];
  /** Plateau radius in px (DLC pos_dist_thresh 17). */
  posDistThresh?: number;
  /** Full limb width in px (DLC PartAffinityFieldGenerator width 20). */
  pafWidth?: number;
  locrefStd?: number;
  withIdentity?: boolean;
}

export interface Targets {
  Ho: number;
  Wo: number;
  /** `[Ho, Wo, K]` plateau heatmaps. */
  heatmap: Float32Array;
  /** `[Ho, Wo, 2K]` offsets (keypoint − cell centre) / locrefStd, and where they are defined. */
  locref: Float32Array;
  locrefMask: Float32Array;
  /** `[Ho, Wo, 2E]` part affinity fields. */
  paf: Float32Array;
  uniqueHeatmap?: Float32Array;
  uniqueLocref?: Float32Array;
  uniqueLocrefMask?: Float32Array;
  /** `[Ho, Wo, animals]`: plateau of all keypoints of each animal. */
  identity?: Float32Array;
}

/** Inclusive range of cell indices whose centres fall in [lo, hi], clipped to the grid; empty when lo > hi. */
function cellRange(lo: number, hi: number, stride: number, n: number): [number, number] {
  const off = (stride - 1) / 2;
  return [Math.max(0, Math.ceil((lo - off) / stride)), Math.min(n - 1, Math.floor((hi - off) / stride))];
}

interface Grid {
  Ho: number;
  Wo: number;
  stride: number;
}

/**
 * Paints a plateau of `radius` px around (x, y) into channel `c` of a `[Ho, Wo, C]` map. With `locref`, each
 * plateau cell also gets the offset to this keypoint if it is the nearest one seen so far for this channel
 * (`best` holds the squared distance per cell and channel), so overlapping animals split at the midline.
 */
function paintPlateau(
  g: Grid,
  map: Float32Array,
  C: number,
  c: number,
  x: number,
  y: number,
  radius: number,
  loc?: { locref: Float32Array; mask: Float32Array; best: Float64Array; std: number },
): void {
  const [j0, j1] = cellRange(x - radius, x + radius, g.stride, g.Wo);
  const [i0, i1] = cellRange(y - radius, y + radius, g.stride, g.Ho);
  const r2 = radius * radius;
  for (let i = i0; i <= i1; i++) {
    const dy = y - cellCentre(i, g.stride);
    for (let j = j0; j <= j1; j++) {
      const dx = x - cellCentre(j, g.stride);
      const d2 = dx * dx + dy * dy;
      if (d2 > r2) continue;
      const cell = i * g.Wo + j;
      map[cell * C + c] = 1;
      if (loc && d2 < loc.best[cell * C + c]) {
        loc.best[cell * C + c] = d2;
        const o = cell * 2 * C + 2 * c;
        loc.locref[o] = dx / loc.std;
        loc.locref[o + 1] = dy / loc.std;
        loc.mask[o] = 1;
        loc.mask[o + 1] = 1;
      }
    }
  }
}

/** Plateau heatmaps + nearest-keypoint locref for `[groups, K, 2]` points (animals, or one group of unique parts). */
function heatmapAndLocref(g: Grid, points: Float32Array, groups: number, K: number, radius: number, std: number) {
  const cells = g.Ho * g.Wo;
  const heatmap = new Float32Array(cells * K);
  const loc = {
    locref: new Float32Array(cells * 2 * K),
    mask: new Float32Array(cells * 2 * K),
    best: new Float64Array(cells * K).fill(Infinity),
    std,
  };
  for (let a = 0; a < groups; a++) {
    for (let k = 0; k < K; k++) {
      const x = points[(a * K + k) * 2];
      const y = points[(a * K + k) * 2 + 1];
      if (Number.isNaN(x) || Number.isNaN(y)) continue;
      paintPlateau(g, heatmap, K, k, x, y, radius, loc);
    }
  }
  return { heatmap, locref: loc.locref, mask: loc.mask };
}

/**
 * PAFs: the unit vector a→b of every animal's limb is written in the cells whose centre lies in the limb
 * rectangle (along-limb 0…|ab|, across ±width/2). Overlapping limbs of one edge are averaged (OpenPose), so
 * a crossing never produces a vector longer than 1.
 */
function partAffinityFields(g: Grid, kp: Float32Array, animals: number, K: number, graph: TargetInput['graph'], width: number) {
  const E = graph.length;
  const C = 2 * E;
  const paf = new Float32Array(g.Ho * g.Wo * C);
  const count = new Uint16Array(g.Ho * g.Wo);
  const half = width / 2;
  for (let e = 0; e < E; e++) {
    const [pa, pb] = graph[e];
    // Union of this edge's limb boxes, to normalise and reset `count` afterwards without a full sweep.
    let ui0 = g.Ho, ui1 = -1, uj0 = g.Wo, uj1 = -1;
    for (let a = 0; a < animals; a++) {
      const ax = kp[(a * K + pa) * 2], ay = kp[(a * K + pa) * 2 + 1];
      const bx = kp[(a * K + pb) * 2], by = kp[(a * K + pb) * 2 + 1];
      if (Number.isNaN(ax) || Number.isNaN(ay) || Number.isNaN(bx) || Number.isNaN(by)) continue;
      const len = Math.hypot(bx - ax, by - ay);
      if (len === 0) continue;
      const vx = (bx - ax) / len, vy = (by - ay) / len;
      // The rectangle's corners are the endpoints ± half·normal, normal = (−vy, vx).
      const ex = half * Math.abs(vy), ey = half * Math.abs(vx);
      const [j0, j1] = cellRange(Math.min(ax, bx) - ex, Math.max(ax, bx) + ex, g.stride, g.Wo);
      const [i0, i1] = cellRange(Math.min(ay, by) - ey, Math.max(ay, by) + ey, g.stride, g.Ho);
      for (let i = i0; i <= i1; i++) {
        const py = cellCentre(i, g.stride) - ay;
        for (let j = j0; j <= j1; j++) {
          const px = cellCentre(j, g.stride) - ax;
          const along = px * vx + py * vy;
          if (along < 0 || along > len || Math.abs(px * vy - py * vx) > half) continue;
          const cell = i * g.Wo + j;
          paf[cell * C + 2 * e] += vx;
          paf[cell * C + 2 * e + 1] += vy;
          count[cell]++;
        }
      }
      ui0 = Math.min(ui0, i0); ui1 = Math.max(ui1, i1);
      uj0 = Math.min(uj0, j0); uj1 = Math.max(uj1, j1);
    }
    for (let i = ui0; i <= ui1; i++) {
      for (let j = uj0; j <= uj1; j++) {
        const cell = i * g.Wo + j;
        if (count[cell] > 1) {
          paf[cell * C + 2 * e] /= count[cell];
          paf[cell * C + 2 * e + 1] /= count[cell];
        }
        count[cell] = 0;
      }
    }
  }
  return paf;
}

/** All training targets of one sample (unbatched). */
export function buildTargets(input: TargetInput): Targets {
  const { keypoints, animals, bodyparts: K, stride } = input;
  const { Ho, Wo } = gridShape(input.width, input.height, stride);
  const g: Grid = { Ho, Wo, stride };
  const radius = input.posDistThresh ?? 17;
  const std = input.locrefStd ?? DEFAULT_LOCREF_STD;

  const parts = heatmapAndLocref(g, keypoints, animals, K, radius, std);
  const targets: Targets = {
    Ho,
    Wo,
    heatmap: parts.heatmap,
    locref: parts.locref,
    locrefMask: parts.mask,
    paf: partAffinityFields(g, keypoints, animals, K, input.graph, input.pafWidth ?? 20),
  };

  const U = input.uniqueCount ?? 0;
  if (U > 0) {
    // The unique head exists whenever there are unique parts; an image without them gets empty targets.
    const points = input.uniqueKeypoints ?? new Float32Array(2 * U).fill(NaN);
    const unique = heatmapAndLocref(g, points, 1, U, radius, std);
    targets.uniqueHeatmap = unique.heatmap;
    targets.uniqueLocref = unique.locref;
    targets.uniqueLocrefMask = unique.mask;
  }

  if (input.withIdentity) {
    const identity = new Float32Array(Ho * Wo * animals);
    for (let a = 0; a < animals; a++) {
      for (let k = 0; k < K; k++) {
        const x = keypoints[(a * K + k) * 2];
        const y = keypoints[(a * K + k) * 2 + 1];
        if (!Number.isNaN(x) && !Number.isNaN(y)) paintPlateau(g, identity, animals, a, x, y, radius);
      }
    }
    targets.identity = identity;
  }
  return targets;
}
