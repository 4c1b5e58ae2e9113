/**
 * Multi-animal assembly: DeepLabCut's `Assembler` (dlc-spec §5a; `deeplabcut/core/inferenceutils.py`) for one
 * frame. Body-part detections are linked along the PAF graph by their edge affinities and grouped into animals.
 *
 * Steps, with DLC's defaults: unique parts (best peak each, kept above pcutoff); special cases (one body part,
 * one individual, identity-only grouping); best links per edge (Hungarian, or greedy); `buildAssemblies`
 * (complete connected components, then growth from the best links, then fusion of fragments); removal of
 * assemblies with too few links; pose NMS; the `maxIndividuals` largest.
 *
 * Left out on purpose: calibration on the training poses (the KDE of pairwise distances, link probabilities,
 * Mahalanobis "safe edge" checks, Mahalanobis-guided fusion and NMS scores), the temporal prior (`window_size`,
 * KD-trees of earlier frames' links) and the non-default `force_fusion`, `add_discarded` and `nan_policy`. With
 * DLC's defaults none of them runs, so this is DLC's default path. Small deliberate differences: a link never
 * adds one of its joints when the other would duplicate a part; a fusing link counts in the merged assembly;
 * the special cases are capped at `maxIndividuals` too; `identityOnly` without identity throws.
 */
import { minCostAssignmentFlat } from '../common/assignment';
import { HerdError } from '../common/errors';
import type { Peak } from '../model/decode';
import type { Edge, EdgeCosts } from './affinity';

export interface AssemblyInput {
  /** Peaks of each multi-animal body part (K parts). */
  peaksPerPart: readonly (readonly Peak[])[];
  /** Peaks of each unique body part (one per image, never part of an animal). */
  uniquePeaksPerPart?: readonly (readonly Peak[])[];
  /** Identity head: per part, per peak, one probability per individual (its argmax fills the identity column). */
  identity?: readonly (readonly Float32Array[])[];
  /** Per graph edge, from `edgeAffinities` (may be empty when no links are needed). */
  costs: readonly EdgeCosts[];
  graph: readonly Edge[];
}

export interface AssembleOptions {
  maxIndividuals: number;
  /** Minimum detection confidence (DLC 0.1). */
  pcutoff?: number;
  /** Minimum affinity of a link (DLC 0.05). */
  minAffinity?: number;
  /** Assemblies with fewer links (but some) are dropped (DLC 2). */
  minNLinks?: number;
  /** Pose NMS threshold on keypoint overlap; NMS only runs for 0 < maxOverlap < 1 (DLC 0.8). */
  maxOverlap?: number;
  /** Greedy link extraction instead of the optimal assignment (DLC false). */
  greedy?: boolean;
  /** Group detections by their predicted identity instead of by PAFs (DLC false). Needs `identity`: without it
   *  this throws, where DLC warns and ignores the flag. */
  identityOnly?: boolean;
  /** Indices into `graph` of the edges to use (DLC's paf_inds / edges_to_keep); all by default. */
  edges?: readonly number[];
}

export interface Assembly {
  /** `[K × 4]`: x, y, confidence, identity (argmax of the identity head, −1 without one); NaN rows where absent. */
  keypoints: Float32Array;
  /** Mean affinity of its links, or mean keypoint confidence when it has none. */
  score: number;
  links: number;
}

export interface AssemblyResult {
  /** At most `maxIndividuals`, best score first. */
  animals: Assembly[];
  /** Per unique part, its best peak if its score exceeds pcutoff. */
  unique: (Peak | null)[];
}

/** One detection: `idx` is unique within the frame, `group` its predicted identity (−1 without identity). */
interface Joint {
  idx: number;
  part: number;
  x: number;
  y: number;
  confidence: number;
  group: number;
}

interface Link {
  a: Joint;
  b: Joint;
  affinity: number;
}

type Settings = Required<Omit<AssembleOptions, 'edges'>> & { edges: readonly number[] };

/** An animal under construction: at most one joint per part, plus the links that put them there. */
class Group {
  readonly joints: (Joint | undefined)[];
  readonly ids = new Set<number>();
  readonly links: Link[] = [];
  affinity = 0;

  constructor(parts: number) {
    this.joints = new Array<Joint | undefined>(parts);
  }

  get size(): number {
    return this.ids.size;
  }

  addJoint(j: Joint): boolean {
    if (this.joints[j.part]) return false;
    this.joints[j.part] = j;
    this.ids.add(j.idx);
    return true;
  }

  /**
   * Adds a link and its joints unless that would give a part two joints. A link between two joints already
   * here (a cycle in the graph) only counts towards the score; it returns false as nothing new joined.
   */
  addLink(link: Link): boolean {
    const hasA = this.ids.has(link.a.idx), hasB = this.ids.has(link.b.idx);
    if (!(hasA && hasB) && ((!hasA && this.joints[link.a.part]) || (!hasB && this.joints[link.b.part]))) return false;
    if (!hasA) this.addJoint(link.a);
    if (!hasB) this.addJoint(link.b);
    this.links.push(link);
    this.affinity += link.affinity;
    return !(hasA && hasB);
  }

  sharesParts(other: Group): boolean {
    return this.joints.some((j, k) => j !== undefined && other.joints[k] !== undefined);
  }

  /** Takes over `other`'s joints and links and the link that bridges them. */
  absorb(other: Group, bridge: Link): void {
    for (const j of other.joints) if (j) this.addJoint(j);
    for (const l of [...other.links, bridge]) {
      this.links.push(l);
      this.affinity += l.affinity;
    }
  }

  visible(): Joint[] {
    return this.joints.filter((j): j is Joint => j !== undefined);
  }
}

/** Assembles one frame's detections into animals (see the module comment). */
export function assemble(input: AssemblyInput, options: AssembleOptions): AssemblyResult {
  const s = settings(input, options);
  validate(input, s);
  const unique = (input.uniquePeaksPerPart ?? []).map((peaks) => bestUnique(peaks, s.pcutoff));
  const bag = flatten(input);
  if (bag.every((dets) => dets.length === 0)) return { animals: [], unique };
  return { animals: finish(animalsOf(bag, input, s), s.maxIndividuals), unique };
}

function settings(input: AssemblyInput, o: AssembleOptions): Settings {
  return {
    maxIndividuals: o.maxIndividuals,
    pcutoff: o.pcutoff ?? 0.1,
    minAffinity: o.minAffinity ?? 0.05,
    minNLinks: o.minNLinks ?? 2,
    maxOverlap: o.maxOverlap ?? 0.8,
    greedy: o.greedy ?? false,
    identityOnly: o.identityOnly ?? false,
    edges: o.edges ?? input.graph.map((_, e) => e),
  };
}

function validate(input: AssemblyInput, s: Settings): void {
  const K = input.peaksPerPart.length;
  const bad = (msg: string) => new HerdError('INVALID_OPTION', msg);
  if (!Number.isInteger(s.maxIndividuals) || s.maxIndividuals < 1) throw bad(`maxIndividuals must be a positive integer, not ${s.maxIndividuals}.`);
  if (s.identityOnly && !input.identity) throw bad('identityOnly needs identity predictions; this network has no identity head.');
  for (const e of s.edges) {
    const edge = input.graph[e];
    if (!edge || edge.some((k) => !(k >= 0 && k < K))) throw bad(`PAF edge ${e} does not join two of the ${K} multi-animal body parts.`);
    const c = input.costs[e];
    const n = input.peaksPerPart[edge[0]].length * input.peaksPerPart[edge[1]].length;
    if (c && c.affinity.length !== n) throw bad(`Costs of edge ${e} have ${c.affinity.length} entries for ${n} peak pairs.`);
  }
  input.identity?.forEach((ids, k) => {
    if (ids.length !== (input.peaksPerPart[k]?.length ?? 0)) throw bad(`Identity of body part ${k} covers ${ids.length} peaks, not ${input.peaksPerPart[k]?.length ?? 0}.`);
  });
}

/** The highest-scoring peak (first on ties), if it beats pcutoff. */
function bestUnique(peaks: readonly Peak[], pcutoff: number): Peak | null {
  let best: Peak | null = null;
  for (const p of peaks) if (!best || p.score > best.score) best = p;
  return best && best.score > pcutoff ? best : null;
}

/** Detections per part, numbered across the frame; identity is the argmax of the identity head. */
function flatten(input: AssemblyInput): Joint[][] {
  let idx = 0;
  return input.peaksPerPart.map((peaks, part) =>
    peaks.map((p, i) => ({ idx: idx++, part, x: p.x, y: p.y, confidence: p.score, group: argmax(input.identity?.[part]?.[i]) })),
  );
}

function argmax(v: Float32Array | undefined): number {
  if (!v) return -1;
  let best = -1;
  for (let i = 0; i < v.length; i++) if (best < 0 || v[i] > v[best]) best = i;
  return best;
}

/** Dispatches DLC's special cases; the general path is links → build → prune. */
function animalsOf(bag: Joint[][], input: AssemblyInput, s: Settings): Group[] {
  const K = bag.length;
  if (K === 1) {
    // A single body part: every confident detection is an animal (DLC returns these as they are).
    return bag[0].filter((j) => j.confidence >= s.pcutoff).map((j) => single(K, [j]));
  }
  if (s.maxIndividuals === 1) {
    // One animal: the best detection of each part, whatever its confidence (as DLC).
    return [single(K, bag.flatMap((dets) => (dets.length ? [best(dets)] : [])))];
  }
  const groups = s.identityOnly ? byIdentity(bag, s.pcutoff) : buildAssemblies(extractLinks(bag, input, s), K, s.maxIndividuals, jointCountOf(bag));
  return keepLargest(suppress(dropFewLinks(groups, s.minNLinks), s.maxOverlap), s.maxIndividuals);
}

function jointCountOf(bag: Joint[][]): number {
  let n = 0;
  for (const dets of bag) n += dets.length;
  return n;
}

function single(K: number, joints: Joint[]): Group {
  const p = new Group(K);
  for (const j of joints) p.addJoint(j);
  return p;
}

function best(dets: Joint[]): Joint {
  return dets.reduce((m, j) => (j.confidence > m.confidence ? j : m));
}

/** identity_only: one assembly per predicted identity, its most confident detection of each part ≥ pcutoff. */
function byIdentity(bag: Joint[][], pcutoff: number): Group[] {
  const byGroup = new Map<number, Joint[]>();
  for (const j of bag.flat()) {
    if (!Number.isFinite(j.confidence)) continue;
    byGroup.set(j.group, [...(byGroup.get(j.group) ?? []), j]);
  }
  const groups = [...byGroup.entries()].sort((a, b) => a[0] - b[0]);
  return groups
    .map(([, joints]) => single(bag.length, [...joints].sort((a, b) => b.confidence - a.confidence).filter((j) => j.confidence >= pcutoff)))
    .filter((p) => p.size > 0);
}

/** The candidate links of every used edge (NaN affinities count as 0, as in DLC). */
function extractLinks(bag: Joint[][], input: AssemblyInput, s: Settings): Link[] {
  const links: Link[] = [];
  // Each part takes part in many edges; rank its detections once.
  const ranked = s.greedy ? [] : bag.map((dets) => topDetections(dets, s));
  for (const e of s.edges) {
    const [ps, pt] = input.graph[e];
    const costs = input.costs[e];
    const src = bag[ps], dst = bag[pt];
    if (!costs || src.length === 0 || dst.length === 0) continue;
    if (s.greedy) links.push(...greedyLinks(src, dst, (i, j) => costs.affinity[i * dst.length + j] || 0, s));
    else optimalLinks(src, dst, ranked[ps], ranked[pt], costs.affinity, s, links);
  }
  return links;
}

/** Indices of the `maxIndividuals` most confident detections (stable on ties), those ≥ pcutoff. */
function topDetections(dets: Joint[], s: Settings): number[] {
  const order = dets.map((_, i) => i);
  if (order.length > 1) order.sort((a, b) => dets[b].confidence - dets[a].confidence);
  if (order.length > s.maxIndividuals) order.length = s.maxIndividuals;
  return order.filter((i) => dets[i].confidence >= s.pcutoff);
}

/**
 * DLC's default pairing: the `maxIndividuals` most confident detections of each end (those ≥ pcutoff), paired
 * by the assignment of maximal total affinity; pairs below minAffinity are dropped.
 */
function optimalLinks(src: Joint[], dst: Joint[], rows: number[], cols: number[], affinity: Float32Array, s: Settings, out: Link[]): void {
  const n = rows.length, m = cols.length;
  if (n === 0 || m === 0) return;
  // Maximise affinity = minimise its negation; the assignment wants n ≤ m, so transpose when needed.
  const flip = n > m;
  const [r0, c0] = flip ? [m, n] : [n, m];
  const cost = new Float64Array(r0 * c0);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < m; c++) cost[flip ? c * n + r : r * m + c] = -(affinity[rows[r] * dst.length + cols[c]] || 0);
  }
  const assigned = minCostAssignmentFlat(cost, r0, c0);
  for (let a = 0; a < r0; a++) {
    const [r, c] = flip ? [assigned[a], a] : [a, assigned[a]];
    const w = affinity[rows[r] * dst.length + cols[c]] || 0;
    if (w >= s.minAffinity) out.push({ a: src[rows[r]], b: dst[cols[c]], affinity: w });
  }
}

/**
 * Greedy pairing: candidates with conf_s·conf_t ≥ pcutoff² and affinity ≥ minAffinity, best affinity first,
 * each detection used once, until `maxIndividuals` links. Unlike the assignment it can let one strong pair
 * block two moderate ones whose sum is larger.
 */
function greedyLinks(src: Joint[], dst: Joint[], aff: (i: number, j: number) => number, s: Settings): Link[] {
  const candidates: Link[] = [];
  src.forEach((a, i) =>
    dst.forEach((b, j) => {
      const affinity = aff(i, j);
      if (a.confidence * b.confidence >= s.pcutoff * s.pcutoff && affinity >= s.minAffinity) candidates.push({ a, b, affinity });
    }),
  );
  candidates.sort((p, q) => q.affinity - p.affinity); // stable: ties keep row-major order, as DLC
  const used = new Set<number>();
  const links: Link[] = [];
  for (const l of candidates) {
    if (links.length === s.maxIndividuals) break;
    if (used.has(l.a.idx) || used.has(l.b.idx)) continue;
    used.add(l.a.idx).add(l.b.idx);
    links.push(l);
  }
  return links;
}

/** Joint idx → (neighbour idx → link): the links not yet used by an assembly. */
type Lookup = Map<number, Map<number, Link>>;

function makeLookup(links: Link[]): Lookup {
  const lookup: Lookup = new Map();
  const side = (i: number) => lookup.get(i) ?? lookup.set(i, new Map()).get(i)!;
  for (const l of links) {
    side(l.a.idx).set(l.b.idx, l);
    side(l.b.idx).set(l.a.idx, l);
  }
  return lookup;
}

function unlink(lookup: Lookup, l: Link): void {
  lookup.get(l.a.idx)?.delete(l.b.idx);
  lookup.get(l.b.idx)?.delete(l.a.idx);
}

/**
 * DLC's `build_assemblies`: (i) connected components of the link graph with exactly K joints are taken as
 * complete animals; (ii) every remaining link whose joints are both free, best first, seeds an assembly grown
 * from its best adjacent links; (iii) with more assemblies than individuals, incomplete ones joined by an
 * unused link and sharing no part are merged; (iv) incomplete ones get a last growth pass.
 */
function buildAssemblies(links: Link[], K: number, maxIndividuals: number, jointCount: number): Group[] {
  const assembled = new Set<number>();
  const groups = completeComponents(links, K, assembled, jointCount);
  if (groups.length === maxIndividuals) return groups;
  // Links inside complete animals can never grow anything: leave them out of the lookup.
  const lookup = makeLookup(links.filter((l) => !(assembled.has(l.a.idx) && assembled.has(l.b.idx))));

  for (const seed of [...links].sort((p, q) => q.affinity - p.affinity)) {
    if (assembled.has(seed.a.idx) || assembled.has(seed.b.idx)) continue;
    const g = new Group(K);
    g.addLink(seed);
    grow(g, lookup, assembled, K);
    for (const l of g.links) unlink(lookup, l);
    for (const i of g.ids) assembled.add(i);
    groups.push(g);
  }

  const fused = groups.length > maxIndividuals ? fuseFragments(groups, links, K) : groups;
  for (const g of fused) {
    if (g.size === K) continue;
    grow(g, lookup, assembled, K);
    for (const i of g.ids) assembled.add(i);
  }
  return fused;
}

/** Link-graph components (union–find on joint idx, typed arrays: this runs once per frame) with exactly K joints become assemblies. */
function completeComponents(links: Link[], K: number, assembled: Set<number>, jointCount: number): Group[] {
  const parent = new Int32Array(jointCount);
  for (let i = 0; i < jointCount; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const inLink = new Uint8Array(jointCount);
  for (const l of links) {
    parent[find(l.a.idx)] = find(l.b.idx);
    inLink[l.a.idx] = inLink[l.b.idx] = 1;
  }
  const size = new Int32Array(jointCount);
  for (let i = 0; i < jointCount; i++) if (inLink[i]) size[find(i)]++;

  const byRoot = new Map<number, Group>();
  for (const l of links) {
    const root = find(l.a.idx);
    if (size[root] !== K) continue;
    const g = byRoot.get(root) ?? byRoot.set(root, new Group(K)).get(root)!;
    g.addLink(l);
  }
  for (const g of byRoot.values()) for (const i of g.ids) assembled.add(i);
  return [...byRoot.values()];
}

/**
 * Grows an assembly from the best-affinity unused link touching it (a max-priority queue; ties go to the
 * link queued first), skipping joints already in other assemblies and parts it already has, until it has
 * all K parts or no link is left. The queue is a plain array: a frame has at most edges × individuals links.
 */
function grow(g: Group, lookup: Lookup, assembled: Set<number>, K: number): void {
  const queue: Link[] = [];
  const queued = new Set<Link>();
  const push = (idx: number) => {
    for (const [j, l] of lookup.get(idx) ?? []) {
      if (g.ids.has(j) || queued.has(l)) continue;
      queue.push(l);
      queued.add(l);
    }
  };
  for (const i of g.ids) push(i);
  while (queue.length > 0 && g.size < K) {
    let b = 0;
    for (let i = 1; i < queue.length; i++) if (queue[i].affinity > queue[b].affinity) b = i;
    const [l] = queue.splice(b, 1);
    const fresh = g.ids.has(l.a.idx) ? l.b : g.ids.has(l.b.idx) ? l.a : undefined;
    if (!fresh || assembled.has(fresh.idx)) continue;
    if (g.addLink(l)) push(fresh.idx);
  }
}

/**
 * DLC's default fusion of superfluous assemblies: every link that no assembly used and that joins two
 * incomplete assemblies without a common part merges them. Unlike DLC, the bridging link is counted in the
 * merged assembly (DLC rebuilds it from the two link lists and loses it). Without calibration this hardly ever
 * fires: growth already takes every free joint next to an assembly unless the assembly has that part, and then
 * the two fragments share a part and may not merge.
 */
function fuseFragments(groups: Group[], links: Link[], K: number): Group[] {
  const owner = new Map<number, Group>();
  for (const g of groups) if (g.size !== K) for (const i of g.ids) owner.set(i, g);
  const used = new Set(groups.flatMap((g) => g.links));
  let result = groups;
  for (const l of links) {
    const ga = owner.get(l.a.idx), gb = owner.get(l.b.idx);
    if (used.has(l) || !ga || !gb || ga.sharesParts(gb)) continue;
    ga.absorb(gb, l);
    result = result.filter((g) => g !== gb);
    for (const i of gb.ids) owner.set(i, ga);
  }
  return result;
}

/** DLC drops assemblies with some links but fewer than minNLinks (stray pairs), and empty ones. */
function dropFewLinks(groups: Group[], minNLinks: number): Group[] {
  return groups.filter((g) => g.size > 0 && !(g.links.length > 0 && g.links.length < minNLinks));
}

/**
 * Pose NMS: the highest summed affinity first (first on ties); later ones whose keypoint overlap with a kept
 * one reaches maxOverlap are dropped. Runs only for 0 < maxOverlap < 1.
 */
function suppress(groups: Group[], maxOverlap: number): Group[] {
  if (!(maxOverlap > 0 && maxOverlap < 1)) return groups;
  let rest = [...groups];
  const kept: Group[] = [];
  while (rest.length > 0) {
    const top = rest.reduce((m, g) => (g.affinity > m.affinity ? g : m));
    kept.push(top);
    rest = rest.filter((g) => g !== top && overlap(top, g) < maxOverlap);
  }
  return kept;
}

/**
 * DLC's `intersection_with`: the box where the two assemblies' bounding boxes intersect; of each assembly,
 * the fraction of its keypoints inside that box (edges included); the smaller fraction.
 */
function overlap(p: Group, q: Group): number {
  const a = p.visible(), b = q.visible();
  const box = (js: Joint[]) => [Math.min(...js.map((j) => j.x)), Math.min(...js.map((j) => j.y)), Math.max(...js.map((j) => j.x)), Math.max(...js.map((j) => j.y))];
  const [ax1, ay1, ax2, ay2] = box(a), [bx1, by1, bx2, by2] = box(b);
  const x1 = Math.max(ax1, bx1), y1 = Math.max(ay1, by1), x2 = Math.min(ax2, bx2), y2 = Math.min(ay2, by2);
  if (x2 < x1 || y2 < y1) return 0;
  const inside = (js: Joint[]) => js.filter((j) => j.x >= x1 && j.x <= x2 && j.y >= y1 && j.y <= y2).length / js.length;
  return Math.min(inside(a), inside(b));
}

/** At most maxIndividuals, the ones with most keypoints first (stable, as Python's sort). */
function keepLargest(groups: Group[], maxIndividuals: number): Group[] {
  if (groups.length <= maxIndividuals) return groups;
  return [...groups].sort((a, b) => b.size - a.size).slice(0, maxIndividuals);
}

/** Output rows, best score first, capped at maxIndividuals (DLC's special cases return uncapped lists). */
function finish(groups: Group[], maxIndividuals: number): Assembly[] {
  return groups
    .map(toAssembly)
    .sort((a, b) => b.score - a.score)
    .slice(0, maxIndividuals);
}

function toAssembly(g: Group): Assembly {
  const keypoints = new Float32Array(g.joints.length * 4).fill(NaN);
  let confidence = 0;
  g.joints.forEach((j, k) => {
    if (!j) return;
    keypoints.set([j.x, j.y, j.confidence, j.group], k * 4);
    confidence += j.confidence;
  });
  const links = g.links.length;
  return { keypoints, score: links > 0 ? g.affinity / links : confidence / g.size, links };
}
