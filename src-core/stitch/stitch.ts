/**
 * Tracklet stitching (DeepLabCut's `stitch_tracklets`, dlc-spec §5c) as a pure function: tracklets in, one
 * track per animal out.
 *
 * 1. Rows with no complete (x, y) point are dropped.
 * 2. Tracklets are split where their frames are not consecutive (`split`, default on) and where the animal
 *    "jumps" (see `jumpFactor`): a tracker that hops onto another animal makes one tracklet of two animals.
 * 3. Pieces of at least `minLength` rows (≥ 3, default 10) become graph nodes; shorter ones are residuals.
 * 4. Residuals 1–4 frames apart are chained first (`prestitch`), each chain staying a residual. DeepLabCut keeps
 *    the chain of largest summed (1 − box IoU); Herd keeps the one covering the most rows, ties to the larger IoU.
 * 5. The graph: source → in_i, out_i → sink, out_i → in_j when 0 < start_j − end_i ≤ maxGap, at cost
 *    ⌊100 · weight(i, j)⌋. Supplies force every node to be covered by exactly one of `nTracks` source→sink paths:
 *    a minimum-cost path cover, solved with `minCostFlow`. (DeepLabCut also adds an in_i → out_i edge, which
 *    lets a second path pass through a tracklet already covered; Herd leaves it out, so no tracklet is shared.)
 * 6. When no such cover exists (more pieces overlap in time than there are tracks, or gaps longer than maxGap),
 *    the fallback keeps the `nTracks` disjoint chains that cover the most frames (then the cheapest links) and
 *    treats the nodes left out as residuals.
 * 7. Residuals are added back where they fit (no frame already taken in that track).
 * 8. Tracks are ordered by identity when the tracker had one (else by first frame) and named.
 */
import { HerdError } from '../common/errors';
import { createPoseArray, type PoseArray } from '../common/pose';
import type { Tracklet, TrackletSet } from '../track/tracklets';
import { assignRows } from '../common/assignment';
import { minCostFlow, type FlowEdge } from './min-cost-flow';

/** A piece of a tracklet as stitching sees it (also what a custom weight function receives). */
export interface StitchPiece {
  /** Position in the stitcher's list (pieces are sorted by start frame). */
  index: number;
  /** Ids of the input tracklets this piece came from (several after residual chaining). */
  sourceIds: number[];
  /** Frame of each row, increasing. */
  frames: Int32Array;
  /** [rows, bodyparts, 3]: x, y, likelihood. */
  data: Float32Array;
  /** Predicted identity of each row, −1 when none. */
  identities: Int32Array;
  bodyparts: number;
  start: number;
  end: number;
  /** The most frequent identity ≥ 0 over the rows, −1 when there is none. */
  identity: number;
  /** [rows, 2]: likelihood-weighted mean of the points of each row. */
  centroids: Float64Array;
}

/** Dissimilarity of linking `earlier`'s end to `later`'s start; non-finite values forbid the link. */
export type StitchWeight = (earlier: StitchPiece, later: StitchPiece) => number;

export interface StitchOptions {
  /** Tracks to build (default: the tracklets' individuals). */
  nTracks?: number;
  /** Names of the tracks (default: the individuals when nTracks equals their count, else ind1..indN). */
  animalNames?: string[];
  /** Shortest piece that becomes a graph node (default 10; at least 3). */
  minLength?: number;
  /** Split tracklets at non-consecutive frames (default true). */
  split?: boolean;
  /**
   * Split a tracklet between two consecutive frames when the animal's displacement there exceeds both
   * `jumpFactor` × the tracklet's median displacement per frame and `jumpBodyFraction` × its median body size
   * (bounding-box diagonal), and at least `jumpMinPixels`. The displacement is the mean movement of the body parts
   * seen in both frames (the centroid's when none is). Tracklets with fewer than 5 steps are not split.
   * Default 8; 0 disables jump splitting (as does `split: false`).
   */
  jumpFactor?: number;
  /** Default 0.5 (see `jumpFactor`). */
  jumpBodyFraction?: number;
  /** Default 5 pixels (see `jumpFactor`). */
  jumpMinPixels?: number;
  /** Chain residuals a few frames apart before adding them back (default true). */
  prestitch?: boolean;
  /** Longest gap (frames) a link may bridge (default ⌊1.5 · g⌋, g = the largest of each node's smallest gap to a later node). */
  maxGap?: number;
  /**
   * Link dissimilarity: `distance` (DeepLabCut's `distance_to`, the default), `motion` (`motionDistance`), both
   * ×0.01 when the two pieces carry the same identity; or a function (used as it is, no identity bonus).
   */
  weight?: StitchWeight | 'distance' | 'motion';
}

export interface StitchedTrack {
  name: string;
  /** Input tracklet ids that make it up, in frame order. */
  tracklets: number[];
  /** Frames with at least one point. */
  frames: number;
  /** Mode identity of its rows (−1 when the tracker had none). */
  identity: number;
}

export interface StitchStats {
  /** Tracklets in the input. */
  tracklets: number;
  /** Rows dropped because no point was complete. */
  droppedRows: number;
  /** Splits at non-consecutive frames and at jumps. */
  gapSplits: number;
  jumpSplits: number;
  /** Pieces after splitting; those that became graph nodes; residuals (after prestitching). */
  pieces: number;
  nodes: number;
  residuals: number;
  maxGap: number;
  /** Links (out_i → in_j edges) offered to the solver and used by it. */
  candidateLinks: number;
  links: number;
  /** Total link cost of the solution (sum of ⌊100 · weight⌋). */
  cost: number;
  /** True when no exact path cover existed and the fallback was used. */
  fallback: boolean;
  /** Residuals (or nodes left out by the fallback) added to a track, and dropped for want of room. */
  residualsAdded: number;
  residualsDropped: number;
  /** Tracks left without any frame. */
  emptyTracks: number;
}

export interface StitchResult {
  /** [frames, nTracks, bodyparts, 3]. */
  poses: PoseArray;
  /** The unique body parts (individual `single`), passed through: [frames, 1, uniqueBodyparts, 3]. */
  unique?: PoseArray;
  tracks: StitchedTrack[];
  stats: StitchStats;
}

const PRESTITCH_MAX_GAP = 5;
const MIN_JUMP_STEPS = 5;

// ---------------------------------------------------------------------------------------------
// Pieces

function modeIdentity(identities: Int32Array): number {
  const counts = new Map<number, number>();
  let best = -1;
  let bestCount = 0;
  for (const id of identities) {
    if (id < 0) continue;
    const c = (counts.get(id) ?? 0) + 1;
    counts.set(id, c);
    if (c > bestCount || (c === bestCount && id < best)) {
      best = id;
      bestCount = c;
    }
  }
  return best;
}

function rowCentroid(data: Float32Array, row: number, K: number, out: Float64Array, at: number): void {
  let sx = 0;
  let sy = 0;
  let sw = 0;
  let px = 0;
  let py = 0;
  let pn = 0;
  for (let k = 0; k < K; k++) {
    const o = (row * K + k) * 3;
    const x = data[o];
    const y = data[o + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    px += x;
    py += y;
    pn += 1;
    const w = data[o + 2];
    if (Number.isFinite(w) && w > 0) {
      sx += w * x;
      sy += w * y;
      sw += w;
    }
  }
  if (sw > 0) {
    out[at] = sx / sw;
    out[at + 1] = sy / sw;
  } else if (pn > 0) {
    out[at] = px / pn;
    out[at + 1] = py / pn;
  } else {
    out[at] = Number.NaN;
    out[at + 1] = Number.NaN;
  }
}

/** A piece from its rows (centroids and mode identity computed), e.g. to try a custom weight function. */
export function makePiece(sourceIds: number[], frames: Int32Array, data: Float32Array, identities: Int32Array, K: number): StitchPiece {
  const rows = frames.length;
  const centroids = new Float64Array(rows * 2);
  for (let r = 0; r < rows; r++) rowCentroid(data, r, K, centroids, r * 2);
  return {
    index: -1,
    sourceIds,
    frames,
    data,
    identities,
    bodyparts: K,
    start: frames[0],
    end: frames[rows - 1],
    identity: modeIdentity(identities),
    centroids,
  };
}

function slicePiece(p: StitchPiece, from: number, to: number): StitchPiece {
  const K = p.bodyparts;
  return makePiece([...p.sourceIds], p.frames.slice(from, to), p.data.slice(from * K * 3, to * K * 3), p.identities.slice(from, to), K);
}

function concatPieces(parts: StitchPiece[]): StitchPiece {
  if (parts.length === 1) return parts[0];
  const K = parts[0].bodyparts;
  const rows = parts.reduce((s, p) => s + p.frames.length, 0);
  const frames = new Int32Array(rows);
  const data = new Float32Array(rows * K * 3);
  const identities = new Int32Array(rows);
  let r = 0;
  for (const p of parts) {
    frames.set(p.frames, r);
    data.set(p.data, r * K * 3);
    identities.set(p.identities, r);
    r += p.frames.length;
  }
  return makePiece(parts.flatMap((p) => p.sourceIds), frames, data, identities, K);
}

/** Euclidean distance between `earlier`'s last centroid and `later`'s first (DeepLabCut's `distance_to`). */
export function distanceTo(earlier: StitchPiece, later: StitchPiece): number {
  const a = (earlier.frames.length - 1) * 2;
  return Math.hypot(earlier.centroids[a] - later.centroids[0], earlier.centroids[a + 1] - later.centroids[1]);
}

/** Mean centroid velocity (pixels per frame) over up to `span` rows at the end (or start) of `p`. */
function velocity(p: StitchPiece, atEnd: boolean, span = 5): [number, number] {
  const last = p.frames.length - 1;
  const i0 = atEnd ? Math.max(0, last - span) : 0;
  const i1 = atEnd ? last : Math.min(last, span);
  const frames = p.frames[i1] - p.frames[i0];
  if (!(frames > 0)) return [0, 0];
  const c = p.centroids;
  const vx = (c[i1 * 2] - c[i0 * 2]) / frames;
  const vy = (c[i1 * 2 + 1] - c[i0 * 2 + 1]) / frames;
  return Number.isFinite(vx) && Number.isFinite(vy) ? [vx, vy] : [0, 0];
}

/**
 * Motion-aware distance: every body part seen in both `earlier`'s last row and `later`'s first is carried forward
 * over the gap at `earlier`'s recent centroid velocity (last 5 rows) and compared with `later`'s, and carried
 * backward at `later`'s first velocity and compared with `earlier`'s; the mean of those distances over the shared
 * parts (the centroids' when none is shared). Better than `distanceTo` when animals move past each other during
 * the gap, or hide parts of each other so that the centroids of the visible points shift.
 */
export function motionDistance(earlier: StitchPiece, later: StitchPiece): number {
  const gap = later.start - earlier.end;
  const K = earlier.bodyparts;
  const last = earlier.frames.length - 1;
  const [vax, vay] = velocity(earlier, true);
  const [vbx, vby] = velocity(later, false);
  const between = (ax: number, ay: number, bx: number, by: number) =>
    (Math.hypot(ax + vax * gap - bx, ay + vay * gap - by) + Math.hypot(bx - vbx * gap - ax, by - vby * gap - ay)) / 2;
  let sum = 0;
  let n = 0;
  for (let k = 0; k < K; k++) {
    const a = (last * K + k) * 3;
    const b = k * 3;
    const d = between(earlier.data[a], earlier.data[a + 1], later.data[b], later.data[b + 1]);
    if (Number.isFinite(d)) {
      sum += d;
      n += 1;
    }
  }
  if (n > 0) return sum / n;
  return between(earlier.centroids[last * 2], earlier.centroids[last * 2 + 1], later.centroids[0], later.centroids[1]);
}

function rowBox(data: Float32Array, row: number, K: number): [number, number, number, number] | undefined {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let k = 0; k < K; k++) {
    const o = (row * K + k) * 3;
    const x = data[o];
    const y = data[o + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return x0 <= x1 ? [x0, y0, x1, y1] : undefined;
}

/** IoU of the keypoints' bounding boxes at `earlier`'s last row and `later`'s first (0 when either is empty). */
export function boxOverlap(earlier: StitchPiece, later: StitchPiece): number {
  const a = rowBox(earlier.data, earlier.frames.length - 1, earlier.bodyparts);
  const b = rowBox(later.data, 0, later.bodyparts);
  if (!a || !b) return 0;
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Mean movement of the body parts seen in rows r−1 and r; the centroid's when none is shared. */
function stepDisplacement(p: StitchPiece, r: number): number {
  const K = p.bodyparts;
  let sum = 0;
  let n = 0;
  for (let k = 0; k < K; k++) {
    const a = ((r - 1) * K + k) * 3;
    const b = (r * K + k) * 3;
    const dx = p.data[b] - p.data[a];
    const dy = p.data[b + 1] - p.data[a + 1];
    if (Number.isFinite(dx) && Number.isFinite(dy)) {
      sum += Math.hypot(dx, dy);
      n += 1;
    }
  }
  if (n > 0) return sum / n;
  return Math.hypot(p.centroids[r * 2] - p.centroids[r * 2 - 2], p.centroids[r * 2 + 1] - p.centroids[r * 2 - 1]);
}

/** Row indices r (1 ≤ r < rows) before which `p` should be cut because of a jump. */
function jumpCuts(p: StitchPiece, factor: number, bodyFraction: number, minPixels: number): number[] {
  const rows = p.frames.length;
  if (rows - 1 < MIN_JUMP_STEPS) return [];
  const steps: number[] = [];
  for (let r = 1; r < rows; r++) steps.push(stepDisplacement(p, r));
  const sizes: number[] = [];
  for (let r = 0; r < rows; r++) {
    const box = rowBox(p.data, r, p.bodyparts);
    if (box) sizes.push(Math.hypot(box[2] - box[0], box[3] - box[1]));
  }
  const threshold = Math.max(factor * median(steps.filter(Number.isFinite)), bodyFraction * median(sizes), minPixels);
  const cuts: number[] = [];
  steps.forEach((d, i) => {
    if (d > threshold) cuts.push(i + 1);
  });
  return cuts;
}

function cutAt(p: StitchPiece, cuts: number[]): StitchPiece[] {
  if (cuts.length === 0) return [p];
  const out: StitchPiece[] = [];
  let from = 0;
  for (const c of [...cuts, p.frames.length]) {
    if (c > from) out.push(slicePiece(p, from, c));
    from = c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Steps

interface Prepared {
  pieces: StitchPiece[];
  droppedRows: number;
  gapSplits: number;
  jumpSplits: number;
}

function preparePieces(tracklets: readonly Tracklet[], K: number, options: StitchOptions): Prepared {
  const split = options.split ?? true;
  const jumpFactor = split ? (options.jumpFactor ?? 8) : 0;
  let droppedRows = 0;
  let gapSplits = 0;
  let jumpSplits = 0;
  const pieces: StitchPiece[] = [];
  for (const t of tracklets) {
    const rows = t.frames.length;
    if (t.data.length !== rows * K * 3 || t.identity.length !== rows) {
      throw new HerdError('TRACKLETS_INVALID', `tracklet ${t.id} has ${rows} frames but ${t.data.length / 3} points for ${K} body parts`);
    }
    const keep: number[] = [];
    for (let r = 0; r < rows; r++) {
      let complete = false;
      for (let k = 0; k < K && !complete; k++) {
        const o = (r * K + k) * 3;
        complete = Number.isFinite(t.data[o]) && Number.isFinite(t.data[o + 1]);
      }
      if (complete) keep.push(r);
    }
    droppedRows += rows - keep.length;
    if (keep.length === 0) continue;
    const frames = Int32Array.from(keep, (r) => t.frames[r]);
    const data = new Float32Array(keep.length * K * 3);
    keep.forEach((r, i) => data.set(t.data.subarray(r * K * 3, (r + 1) * K * 3), i * K * 3));
    const identities = Int32Array.from(keep, (r) => t.identity[r]);
    let parts = [makePiece([t.id], frames, data, identities, K)];
    if (split) {
      const cuts: number[] = [];
      for (let r = 1; r < frames.length; r++) if (frames[r] !== frames[r - 1] + 1) cuts.push(r);
      gapSplits += cuts.length;
      parts = cutAt(parts[0], cuts);
    }
    if (jumpFactor > 0) {
      parts = parts.flatMap((p) => {
        const cuts = jumpCuts(p, jumpFactor, options.jumpBodyFraction ?? 0.5, options.jumpMinPixels ?? 5);
        jumpSplits += cuts.length;
        return cutAt(p, cuts);
      });
    }
    pieces.push(...parts);
  }
  return { pieces, droppedRows, gapSplits, jumpSplits };
}

const byStart = (a: StitchPiece, b: StitchPiece) => a.start - b.start || a.end - b.end || a.sourceIds[0] - b.sourceIds[0];

/** Index of the first piece of `sorted` (by start) that starts after `frame`. */
function firstStartAfter(sorted: readonly StitchPiece[], frame: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].start > frame) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Chains residuals that follow each other within 1..4 frames: in each connected group, the chain covering the
 * most rows (ties: the larger summed box overlap at the joints) is concatenated into one residual.
 */
function prestitchResiduals(residuals: StitchPiece[]): StitchPiece[] {
  const list = [...residuals].sort(byStart);
  const n = list.length;
  const preds: Array<Array<{ from: number; overlap: number }>> = list.map(() => []);
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (let i = 0; i < n; i++) {
    for (let j = firstStartAfter(list, list[i].end); j < n && list[j].start - list[i].end < PRESTITCH_MAX_GAP; j++) {
      preds[j].push({ from: i, overlap: boxOverlap(list[i], list[j]) });
      parent[find(i)] = find(j);
    }
  }
  // Longest chain ending at each residual (list is in start order, predecessors end before it starts).
  const rows = new Float64Array(n);
  const overlap = new Float64Array(n);
  const prev = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    rows[j] = list[j].frames.length;
    for (const { from, overlap: o } of preds[j]) {
      const r = rows[from] + list[j].frames.length;
      const ov = overlap[from] + o;
      if (r > rows[j] || (r === rows[j] && ov > overlap[j])) {
        rows[j] = r;
        overlap[j] = ov;
        prev[j] = from;
      }
    }
  }
  const bestEnd = new Map<number, number>();
  for (let j = 0; j < n; j++) {
    const root = find(j);
    const best = bestEnd.get(root);
    if (best === undefined || rows[j] > rows[best] || (rows[j] === rows[best] && overlap[j] > overlap[best])) bestEnd.set(root, j);
  }
  const used = new Uint8Array(n);
  const out: StitchPiece[] = [];
  for (const end of bestEnd.values()) {
    const chain: StitchPiece[] = [];
    for (let j = end; j !== -1; j = prev[j]) {
      chain.unshift(list[j]);
      used[j] = 1;
    }
    out.push(concatPieces(chain));
  }
  for (let i = 0; i < n; i++) if (!used[i]) out.push(list[i]);
  return out.sort(byStart);
}

/** ⌊1.5 · g⌋, g = the largest over nodes of their smallest positive gap to a later node (0 when none). */
export function defaultMaxGap(nodes: readonly StitchPiece[]): number {
  const sorted = [...nodes].sort((a, b) => a.start - b.start);
  let g = 0;
  for (const a of nodes) {
    const next = firstStartAfter(sorted, a.end);
    if (next < sorted.length) g = Math.max(g, sorted[next].start - a.end);
  }
  return Math.floor(1.5 * g);
}

interface Link {
  from: number;
  to: number;
  cost: number;
}

function candidateLinks(nodes: readonly StitchPiece[], maxGap: number, weight: StitchWeight): Link[] {
  const links: Link[] = [];
  // `nodes` are sorted by start: the candidates of `a` start in (a.end, a.end + maxGap].
  for (const a of nodes) {
    for (let j = firstStartAfter(nodes, a.end); j < nodes.length && nodes[j].start - a.end <= maxGap; j++) {
      const b = nodes[j];
      const w = weight(a, b);
      if (!Number.isFinite(w)) continue;
      const cost = Math.trunc(100 * w);
      if (!Number.isSafeInteger(cost)) continue;
      links.push({ from: a.index, to: b.index, cost });
    }
  }
  return links;
}

interface Cover {
  paths: number[][];
  used: number;
  cost: number;
  feasible: boolean;
}

function pathsFromLinks(n: number, starts: number[], links: Link[], flow: Int32Array): { paths: number[][]; used: number; cost: number } {
  const next = new Int32Array(n).fill(-1);
  let used = 0;
  let cost = 0;
  links.forEach((l, i) => {
    if (flow[i] > 0) {
      next[l.from] = l.to;
      used += 1;
      cost += l.cost;
    }
  });
  const paths = starts.map((s) => {
    const path: number[] = [];
    for (let v = s; v !== -1; v = next[v]) path.push(v);
    return path;
  });
  return { paths, used, cost };
}

/** Exactly `nTracks` disjoint paths covering every node, at minimum link cost (nodes 2i = in_i, 2i+1 = out_i). */
function exactCover(nodes: readonly StitchPiece[], links: Link[], nTracks: number): Cover {
  const N = nodes.length;
  const source = 2 * N;
  const sink = 2 * N + 1;
  const supply = new Int32Array(2 * N + 2);
  supply[source] = nTracks;
  supply[sink] = -nTracks;
  const edges: FlowEdge[] = links.map((l) => ({ from: 2 * l.from + 1, to: 2 * l.to, capacity: 1, cost: l.cost }));
  for (let i = 0; i < N; i++) {
    supply[2 * i] = -1;
    supply[2 * i + 1] = 1;
    edges.push({ from: source, to: 2 * i, capacity: 1, cost: 0 });
    edges.push({ from: 2 * i + 1, to: sink, capacity: 1, cost: 0 });
  }
  const result = minCostFlow(2 * N + 2, edges, supply);
  if (!result.feasible) return { paths: [], used: 0, cost: 0, feasible: false };
  const starts: number[] = [];
  for (let i = 0; i < N; i++) if (result.flow[links.length + 2 * i] > 0) starts.push(i);
  return { ...pathsFromLinks(N, starts, links, result.flow), feasible: true };
}

/**
 * Fallback: at most `nTracks` disjoint chains that cover the most rows, then cost the least. Each node's
 * in → out edge pays −rows·M (M larger than any chain's total link cost), so rows always win over link costs.
 */
function bestPartialCover(nodes: readonly StitchPiece[], links: Link[], nTracks: number): Cover {
  const N = nodes.length;
  const source = 2 * N;
  const sink = 2 * N + 1;
  const maxOut = new Float64Array(N);
  for (const l of links) maxOut[l.from] = Math.max(maxOut[l.from], l.cost);
  let linkBound = 1;
  for (let i = 0; i < N; i++) linkBound += maxOut[i];
  const totalRows = nodes.reduce((s, p) => s + p.frames.length, 0);
  // Keep every cost a safe integer: shrink link costs if rows × M would not fit.
  let scale = 1;
  while ((totalRows + 1) * Math.ceil(linkBound / scale) > Number.MAX_SAFE_INTEGER / 4) scale *= 2;
  const M = Math.ceil(linkBound / scale) + 1;
  const edges: FlowEdge[] = links.map((l) => ({ from: 2 * l.from + 1, to: 2 * l.to, capacity: 1, cost: Math.ceil(l.cost / scale) }));
  const startEdge = edges.length;
  for (let i = 0; i < N; i++) {
    edges.push({ from: source, to: 2 * i, capacity: 1, cost: 0 });
    edges.push({ from: 2 * i, to: 2 * i + 1, capacity: 1, cost: -nodes[i].frames.length * M });
    edges.push({ from: 2 * i + 1, to: sink, capacity: 1, cost: 0 });
  }
  edges.push({ from: source, to: sink, capacity: nTracks, cost: 0 });
  const supply = new Int32Array(2 * N + 2);
  supply[source] = nTracks;
  supply[sink] = -nTracks;
  const result = minCostFlow(2 * N + 2, edges, supply);
  const starts: number[] = [];
  for (let i = 0; i < N; i++) if (result.flow[startEdge + 3 * i] > 0) starts.push(i);
  return { ...pathsFromLinks(N, starts, links, result.flow), feasible: false };
}

/** A track being assembled: its pieces and which frames it already holds. */
interface TrackBuild {
  pieces: StitchPiece[];
  taken: Set<number>;
}

function fits(track: TrackBuild, p: StitchPiece): boolean {
  for (const f of p.frames) if (track.taken.has(f)) return false;
  return true;
}

function place(track: TrackBuild, p: StitchPiece): void {
  track.pieces.push(p);
  for (const f of p.frames) track.taken.add(f);
}

/** Centroid of `track` at its nearest frame before (or after) `frame`, with the gap in frames. */
function boundary(track: TrackBuild, frame: number, before: boolean): { x: number; y: number; gap: number } | undefined {
  let best: { x: number; y: number; gap: number } | undefined;
  for (const p of track.pieces) {
    // Pieces are short lists; scan the piece's row nearest to `frame` on the wanted side.
    let row = -1;
    if (before) {
      for (let r = p.frames.length - 1; r >= 0; r--) if (p.frames[r] < frame) { row = r; break; }
    } else {
      for (let r = 0; r < p.frames.length; r++) if (p.frames[r] > frame) { row = r; break; }
    }
    if (row < 0) continue;
    const gap = Math.abs(frame - p.frames[row]);
    if (!best || gap < best.gap) best = { x: p.centroids[row * 2], y: p.centroids[row * 2 + 1], gap };
  }
  return best;
}

/**
 * How well residual `p` continues `track`: the centroid distance across the nearer boundary when that gap is at
 * most 3 frames, else the mean over the boundaries the track has.
 */
function attachCost(track: TrackBuild, p: StitchPiece): number {
  const last = (p.frames.length - 1) * 2;
  const before = boundary(track, p.start, true);
  const after = boundary(track, p.end, false);
  const dBefore = before ? Math.hypot(before.x - p.centroids[0], before.y - p.centroids[1]) : undefined;
  const dAfter = after ? Math.hypot(after.x - p.centroids[last], after.y - p.centroids[last + 1]) : undefined;
  const sides = [
    ...(before && dBefore !== undefined && Number.isFinite(dBefore) ? [{ gap: before.gap, d: dBefore }] : []),
    ...(after && dAfter !== undefined && Number.isFinite(dAfter) ? [{ gap: after.gap, d: dAfter }] : []),
  ];
  if (sides.length === 0) return Infinity;
  const near = sides.reduce((a, b) => (b.gap < a.gap ? b : a));
  if (near.gap <= 3) return near.d;
  return sides.reduce((s, side) => s + side.d, 0) / sides.length;
}

/** Adds residuals back: first every one that fits exactly one track (repeatedly), then each to its best fit. */
function addResiduals(tracks: TrackBuild[], residuals: StitchPiece[]): { added: number; dropped: number } {
  let pending = [...residuals].sort((a, b) => b.frames.length - a.frames.length || byStart(a, b));
  let added = 0;
  let changed = true;
  while (changed && pending.length > 0) {
    changed = false;
    const rest: StitchPiece[] = [];
    for (const p of pending) {
      const candidates = tracks.filter((t) => t.pieces.length > 0 && fits(t, p));
      if (candidates.length === 1) {
        place(candidates[0], p);
        added += 1;
        changed = true;
      } else {
        rest.push(p);
      }
    }
    pending = rest;
  }
  let dropped = 0;
  for (const p of pending) {
    const candidates = tracks.filter((t) => t.pieces.length > 0 && fits(t, p));
    if (candidates.length > 0) {
      let best = candidates[0];
      let bestCost = attachCost(best, p);
      for (const t of candidates.slice(1)) {
        const c = attachCost(t, p);
        if (c < bestCost) {
          best = t;
          bestCost = c;
        }
      }
      place(best, p);
      added += 1;
      continue;
    }
    const empty = tracks.find((t) => t.pieces.length === 0);
    if (empty) {
      place(empty, p);
      added += 1;
    } else {
      dropped += 1;
    }
  }
  return { added, dropped };
}

/** ind1..indN. */
export function defaultTrackNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `ind${i + 1}`);
}

/**
 * Stitches tracklets into `nTracks` tracks (see the module comment for the steps). Throws `STITCH_EMPTY` when no
 * tracklet has a point, `STITCH_TOO_FEW_TRACKLETS` when there are fewer pieces than tracks, and `STITCH_FAILED`
 * when no track could be built.
 */
export function stitchTracklets(set: TrackletSet, options: StitchOptions = {}): StitchResult {
  const meta = set.metadata;
  const K = meta.bodyparts.length;
  const nTracks = options.nTracks ?? meta.individuals.length;
  if (!Number.isInteger(nTracks) || nTracks < 1) throw new HerdError('USAGE', `the number of tracks must be a whole number ≥ 1, got ${nTracks}`);
  const names = options.animalNames ?? (nTracks === meta.individuals.length ? meta.individuals : defaultTrackNames(nTracks));
  if (names.length !== nTracks) throw new HerdError('USAGE', `${names.length} animal names for ${nTracks} tracks`);
  if (new Set(names).size !== names.length || names.includes('single')) {
    throw new HerdError('USAGE', `animal names must be distinct and not "single": ${names.join(', ')}`);
  }
  const minLength = Math.max(3, options.minLength ?? 10);

  const prepared = preparePieces(set.tracklets, K, options);
  if (prepared.pieces.length === 0) {
    throw new HerdError('STITCH_EMPTY', 'the tracklets are empty (no tracklet has a detected point); check the detections and the tracker settings');
  }
  if (prepared.pieces.length < nTracks) {
    throw new HerdError(
      'STITCH_TOO_FEW_TRACKLETS',
      `only ${prepared.pieces.length} tracklet piece(s) for ${nTracks} tracks; pass a smaller --n-tracks (the animals visible in the video)`,
    );
  }
  const nodes = prepared.pieces.filter((p) => p.frames.length >= minLength).sort(byStart);
  nodes.forEach((p, i) => (p.index = i));
  let residuals = prepared.pieces.filter((p) => p.frames.length < minLength);
  if ((options.prestitch ?? true) && residuals.length > 1) residuals = prestitchResiduals(residuals);

  const maxGap = options.maxGap ?? defaultMaxGap(nodes);
  if (!(maxGap >= 0)) throw new HerdError('USAGE', `max gap must be ≥ 0, got ${maxGap}`);
  const chosen = options.weight ?? 'distance';
  let weight: StitchWeight;
  if (typeof chosen === 'function') {
    weight = chosen;
  } else {
    if (chosen !== 'distance' && chosen !== 'motion') throw new HerdError('USAGE', `unknown stitching weight "${String(chosen)}"; use distance or motion`);
    const base = chosen === 'motion' ? motionDistance : distanceTo;
    weight = (a, b) => {
      const d = base(a, b);
      return a.identity >= 0 && a.identity === b.identity ? d * 0.01 : d;
    };
  }
  const links = candidateLinks(nodes, maxGap, weight);

  let cover: Cover = { paths: [], used: 0, cost: 0, feasible: true };
  if (nodes.length > 0) {
    cover = nodes.length >= nTracks ? exactCover(nodes, links, nTracks) : { paths: [], used: 0, cost: 0, feasible: false };
    if (!cover.feasible) cover = bestPartialCover(nodes, links, nTracks);
  }
  const tracks: TrackBuild[] = Array.from({ length: nTracks }, () => ({ pieces: [], taken: new Set<number>() }));
  const covered = new Uint8Array(nodes.length);
  cover.paths.forEach((path, t) => {
    for (const i of path) {
      place(tracks[t], nodes[i]);
      covered[i] = 1;
    }
  });
  const leftovers = nodes.filter((_, i) => !covered[i]);
  const { added, dropped } = addResiduals(tracks, [...residuals, ...leftovers]);
  if (tracks.every((t) => t.pieces.length === 0)) {
    throw new HerdError('STITCH_FAILED', `could not reconstruct ${nTracks} tracks: no tracklet could be placed`);
  }

  // Order: by identity when the tracker predicted one (a Hungarian match of tracks to identities), else by first frame.
  for (const t of tracks) t.pieces.sort(byStart);
  const trackIdentity = tracks.map((t) => modeIdentity(Int32Array.from(t.pieces.flatMap((p) => Array.from(p.identities)))));
  const firstFrame = (t: TrackBuild) => (t.pieces.length > 0 ? t.pieces[0].start : Infinity);
  let order = tracks.map((_, i) => i).sort((a, b) => firstFrame(tracks[a]) - firstFrame(tracks[b]) || a - b);
  if (trackIdentity.some((id) => id >= 0)) {
    order = orderByIdentity(tracks, nTracks);
  }

  const frames = prepared.pieces.reduce((most, p) => Math.max(most, p.end + 1), meta.frames);
  const poses = createPoseArray(frames, [...names], [...meta.bodyparts]);
  const stride = K * 3;
  order.forEach((source, slot) => {
    for (const p of tracks[source].pieces) {
      for (let r = 0; r < p.frames.length; r++) {
        poses.data.set(p.data.subarray(r * stride, (r + 1) * stride), (p.frames[r] * nTracks + slot) * stride);
      }
    }
  });
  let unique: PoseArray | undefined;
  const U = meta.uniqueBodyparts.length;
  if (U > 0) {
    unique = createPoseArray(frames, ['single'], [...meta.uniqueBodyparts]);
    if (set.unique) unique.data.set(set.unique.subarray(0, Math.min(set.unique.length, frames * U * 3)));
  }
  const trackInfo: StitchedTrack[] = order.map((source, slot) => ({
    name: names[slot],
    tracklets: [...new Set(tracks[source].pieces.flatMap((p) => p.sourceIds))],
    frames: tracks[source].taken.size,
    identity: trackIdentity[source],
  }));
  return {
    poses,
    ...(unique ? { unique } : {}),
    tracks: trackInfo,
    stats: {
      tracklets: set.tracklets.length,
      droppedRows: prepared.droppedRows,
      gapSplits: prepared.gapSplits,
      jumpSplits: prepared.jumpSplits,
      pieces: prepared.pieces.length,
      nodes: nodes.length,
      residuals: residuals.length,
      maxGap,
      candidateLinks: links.length,
      links: cover.used,
      cost: cover.cost,
      fallback: !cover.feasible,
      residualsAdded: added,
      residualsDropped: dropped,
      emptyTracks: tracks.filter((t) => t.pieces.length === 0).length,
    },
  };
}

/** Track slot order: Hungarian match of tracks to identities 0..n−1 maximising the rows that carry that identity. */
function orderByIdentity(tracks: TrackBuild[], n: number): number[] {
  const counts = tracks.map((t) => {
    const row = new Array<number>(n).fill(0);
    for (const p of t.pieces) for (const id of p.identities) if (id >= 0 && id < n) row[id] += 1;
    return row;
  });
  const max = Math.max(0, ...counts.flat());
  // slotOf[track] = slot; cost = max − count so the assignment maximises agreeing rows.
  const slotOf = assignRows(Float64Array.from(counts.flat(), (c) => max - c), counts.length, n);
  const order = new Array<number>(n).fill(-1);
  slotOf.forEach((slot, track) => (order[slot] = track));
  return order;
}
