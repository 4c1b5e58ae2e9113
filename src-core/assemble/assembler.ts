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
import { minCostAssignmentInto } from '../common/assignment';
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

/*
 * Representation. assemble() runs for every frame of a video, so a frame's detections and links are numbered
 * and kept in typed arrays instead of one object each, and sets of them are flag arrays. A detection ("joint")
 * is its index in the frame (part 0's detections first, each part's in its peak order), a link its index in
 * extraction order. Every order that decides a result (link extraction, seed order, growth queue, insertion
 * order of a group's joints, sorts) is the one DLC's loops and Python's stable sorts give.
 */

/**
 * Work arrays are kept between calls and grown when a larger frame comes: JavaScript runs one assemble() at a
 * time, nothing of them outlives it (results are copied out), and allocating them per frame cost a fifth of
 * the time. Each user initialises the part it reads.
 */
const grownInts = (a: Int32Array, n: number) => (a.length >= n ? a : new Int32Array(Math.max(n, 2 * a.length)));
const grownFloats = (a: Float64Array, n: number) => (a.length >= n ? a : new Float64Array(Math.max(n, 2 * a.length)));
const grownFlags = (a: Uint8Array, n: number) => (a.length >= n ? a : new Uint8Array(Math.max(n, 2 * a.length)));

/** Per-frame work arrays of extractLinks, completeComponents, buildAssemblies and fuseFragments. */
const work = {
  ranked: new Int32Array(64) as Int32Array,
  kept: new Int32Array(16) as Int32Array,
  parent: new Int32Array(64) as Int32Array,
  inLink: new Uint8Array(64) as Uint8Array,
  size: new Int32Array(64) as Int32Array,
  groupOf: new Int32Array(64) as Int32Array,
  assembled: new Uint8Array(64) as Uint8Array,
  owner: new Int32Array(64) as Int32Array,
  used: new Uint8Array(256) as Uint8Array,
};

/** The frame's detections; identity (`group`) is the argmax of the identity head, −1 without one. One
 *  instance, reloaded per frame. */
class Joints {
  count = 0;
  parts = 0;
  /** Detections of part k are start[k] … start[k+1] − 1. */
  start: Int32Array = new Int32Array(16);
  part: Int32Array = new Int32Array(64);
  x: Float64Array = new Float64Array(64);
  y: Float64Array = new Float64Array(64);
  confidence: Float64Array = new Float64Array(64);
  group: Int32Array = new Int32Array(64);

  load(input: AssemblyInput): this {
    const K = input.peaksPerPart.length;
    this.parts = K;
    this.start = grownInts(this.start, K + 1);
    let n = 0;
    for (let k = 0; k < K; k++) {
      this.start[k] = n;
      n += input.peaksPerPart[k].length;
    }
    this.start[K] = n;
    this.count = n;
    this.part = grownInts(this.part, n);
    this.x = grownFloats(this.x, n);
    this.y = grownFloats(this.y, n);
    this.confidence = grownFloats(this.confidence, n);
    this.group = grownInts(this.group, n);
    for (let k = 0; k < K; k++) {
      const peaks = input.peaksPerPart[k];
      const ids = input.identity?.[k];
      for (let i = 0, j = this.start[k]; i < peaks.length; i++, j++) {
        const p = peaks[i];
        this.part[j] = k;
        this.x[j] = p.x;
        this.y[j] = p.y;
        this.confidence[j] = p.score;
        this.group[j] = argmax(ids?.[i]);
      }
    }
    return this;
  }

  /** How many detections part k has. */
  of(k: number): number {
    return this.start[k + 1] - this.start[k];
  }
}

/** Candidate links (joint a, joint b, affinity), in extraction order. One instance, reset per frame. */
class Links {
  count = 0;
  a: Int32Array = new Int32Array(256);
  b: Int32Array = new Int32Array(256);
  affinity: Float64Array = new Float64Array(256);

  reset(capacity: number): this {
    this.count = 0;
    this.a = grownInts(this.a, capacity);
    this.b = grownInts(this.b, capacity);
    this.affinity = grownFloats(this.affinity, capacity);
    return this;
  }

  add(a: number, b: number, affinity: number): void {
    const l = this.count++;
    this.a[l] = a;
    this.b[l] = b;
    this.affinity[l] = affinity;
  }
}

type Settings = Required<Omit<AssembleOptions, 'edges'>> & { edges: readonly number[] };

/** An animal under construction: at most one joint per part, plus the links that put them there. */
class Group {
  /** Per part, its joint or −1 (a plain array: cheaper to make than a typed one, and groups are made per frame). */
  readonly joints: number[];
  /** Its joints in the order they joined (growth queues their links in this order). */
  readonly members: number[] = [];
  /** Its links (ids into `links`), in the order they joined; `affinity` sums them in that order. */
  readonly links: number[] = [];
  affinity = 0;

  constructor(
    readonly frame: Joints,
    private readonly all: Links,
  ) {
    this.joints = new Array<number>(frame.parts).fill(-1);
  }

  get size(): number {
    return this.members.length;
  }

  has(j: number): boolean {
    return this.joints[this.frame.part[j]] === j;
  }

  addJoint(j: number): boolean {
    const k = this.frame.part[j];
    if (this.joints[k] >= 0) return false;
    this.joints[k] = j;
    this.members.push(j);
    return true;
  }

  /**
   * Adds a link and its joints unless that would give a part two joints. A link between two joints already
   * here (a cycle in the graph) only counts towards the score; it returns false as nothing new joined.
   */
  addLink(l: number): boolean {
    const a = this.all.a[l], b = this.all.b[l], part = this.frame.part;
    const hasA = this.has(a), hasB = this.has(b);
    if (!(hasA && hasB) && ((!hasA && this.joints[part[a]] >= 0) || (!hasB && this.joints[part[b]] >= 0))) return false;
    if (!hasA) this.addJoint(a);
    if (!hasB) this.addJoint(b);
    this.push(l);
    return !(hasA && hasB);
  }

  sharesParts(other: Group): boolean {
    for (let k = 0; k < this.joints.length; k++) if (this.joints[k] >= 0 && other.joints[k] >= 0) return true;
    return false;
  }

  /** Takes over `other`'s joints (in part order) and links and the link that bridges them. */
  absorb(other: Group, bridge: number): void {
    for (const j of other.joints) if (j >= 0) this.addJoint(j);
    for (const l of other.links) this.push(l);
    this.push(bridge);
  }

  markAssembled(assembled: Uint8Array): void {
    for (const j of this.members) assembled[j] = 1;
  }

  private push(l: number): void {
    this.links.push(l);
    this.affinity += this.all.affinity[l];
  }
}

const frameJoints = new Joints();
const frameLinks = new Links();

/** Assembles one frame's detections into animals (see the module comment). */
export function assemble(input: AssemblyInput, options: AssembleOptions): AssemblyResult {
  const s = settings(input, options);
  validate(input, s);
  const unique = input.uniquePeaksPerPart ? input.uniquePeaksPerPart.map((peaks) => bestUnique(peaks, s.pcutoff)) : [];
  const joints = frameJoints.load(input);
  if (joints.count === 0) return { animals: [], unique };
  return { animals: finish(animalsOf(joints, input, s), s.maxIndividuals), unique };
}

/** The default `edges` (all of the graph's), made once per graph rather than once per frame. */
const allEdges = new WeakMap<readonly Edge[], readonly number[]>();

function defaultEdges(graph: readonly Edge[]): readonly number[] {
  let edges = allEdges.get(graph);
  if (!edges || edges.length !== graph.length) allEdges.set(graph, (edges = graph.map((_, e) => e)));
  return edges;
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
    edges: o.edges ?? defaultEdges(input.graph),
  };
}

const bad = (msg: string) => new HerdError('INVALID_OPTION', msg);

function validate(input: AssemblyInput, s: Settings): void {
  const K = input.peaksPerPart.length;
  if (!Number.isInteger(s.maxIndividuals) || s.maxIndividuals < 1) throw bad(`maxIndividuals must be a positive integer, not ${s.maxIndividuals}.`);
  if (s.identityOnly && !input.identity) throw bad('identityOnly needs identity predictions; this network has no identity head.');
  for (const e of s.edges) {
    const edge = input.graph[e];
    if (!edge || !inRange(edge, K)) throw bad(`PAF edge ${e} does not join two of the ${K} multi-animal body parts.`);
    const c = input.costs[e];
    const n = input.peaksPerPart[edge[0]].length * input.peaksPerPart[edge[1]].length;
    if (c && c.affinity.length !== n) throw bad(`Costs of edge ${e} have ${c.affinity.length} entries for ${n} peak pairs.`);
  }
  input.identity?.forEach((ids, k) => {
    if (ids.length !== (input.peaksPerPart[k]?.length ?? 0)) throw bad(`Identity of body part ${k} covers ${ids.length} peaks, not ${input.peaksPerPart[k]?.length ?? 0}.`);
  });
}

function inRange(edge: Edge, K: number): boolean {
  for (let i = 0; i < edge.length; i++) if (!(edge[i] >= 0 && edge[i] < K)) return false;
  return true;
}

/** The highest-scoring peak (first on ties), if it beats pcutoff. */
function bestUnique(peaks: readonly Peak[], pcutoff: number): Peak | null {
  let best: Peak | null = null;
  for (const p of peaks) if (!best || p.score > best.score) best = p;
  return best && best.score > pcutoff ? best : null;
}

function argmax(v: Float32Array | undefined): number {
  if (!v) return -1;
  let best = -1;
  for (let i = 0; i < v.length; i++) if (best < 0 || v[i] > v[best]) best = i;
  return best;
}

/** Dispatches DLC's special cases; the general path is links → build → prune. */
function animalsOf(joints: Joints, input: AssemblyInput, s: Settings): Group[] {
  const K = joints.parts;
  const none = frameLinks.reset(0);
  if (K === 1) {
    // A single body part: every confident detection is an animal (DLC returns these as they are).
    const groups: Group[] = [];
    for (let j = 0; j < joints.count; j++) if (joints.confidence[j] >= s.pcutoff) groups.push(single(joints, none, [j]));
    return groups;
  }
  if (s.maxIndividuals === 1) {
    // One animal: the best detection of each part, whatever its confidence (as DLC).
    const best: number[] = [];
    for (let k = 0; k < K; k++) if (joints.of(k) > 0) best.push(mostConfident(joints, k));
    return [single(joints, none, best)];
  }
  if (s.identityOnly) return keepLargest(suppress(dropFewLinks(byIdentity(joints, none, s.pcutoff), s.minNLinks), s.maxOverlap, joints), s.maxIndividuals);
  const links = extractLinks(joints, input, s);
  const groups = buildAssemblies(joints, links, s.maxIndividuals);
  return keepLargest(suppress(dropFewLinks(groups, s.minNLinks), s.maxOverlap, joints), s.maxIndividuals);
}

function single(joints: Joints, links: Links, members: number[]): Group {
  const g = new Group(joints, links);
  for (const j of members) g.addJoint(j);
  return g;
}

/** Part k's most confident detection (first on ties). */
function mostConfident(joints: Joints, k: number): number {
  let m = joints.start[k];
  for (let j = m + 1; j < joints.start[k + 1]; j++) if (joints.confidence[j] > joints.confidence[m]) m = j;
  return m;
}

/** identity_only: one assembly per predicted identity, its most confident detection of each part ≥ pcutoff. */
function byIdentity(joints: Joints, links: Links, pcutoff: number): Group[] {
  const conf = joints.confidence;
  const byGroup = new Map<number, number[]>();
  for (let j = 0; j < joints.count; j++) {
    if (!Number.isFinite(conf[j])) continue;
    const list = byGroup.get(joints.group[j]);
    if (list) list.push(j);
    else byGroup.set(joints.group[j], [j]);
  }
  const groups = [...byGroup.entries()].sort((a, b) => a[0] - b[0]);
  return groups
    .map(([, members]) => single(joints, links, [...members].sort((a, b) => conf[b] - conf[a]).filter((j) => conf[j] >= pcutoff)))
    .filter((p) => p.size > 0);
}

/** The candidate links of every used edge (NaN affinities count as 0, as in DLC). */
function extractLinks(joints: Joints, input: AssemblyInput, s: Settings): Links {
  // Each edge gives at most min(maxIndividuals, n_s, n_t) links.
  let capacity = 0;
  for (const e of s.edges) {
    const edge = input.graph[e], ps = edge[0], pt = edge[1];
    capacity += Math.min(s.maxIndividuals, joints.of(ps), joints.of(pt));
  }
  const links = frameLinks.reset(capacity);
  // Each part takes part in many edges; rank its detections once.
  // ranked[start[k] …] holds part k's top detections (indices within the part), kept[k] of them.
  const ranked = (work.ranked = grownInts(work.ranked, joints.count));
  const kept = (work.kept = grownInts(work.kept, joints.parts));
  if (!s.greedy) for (let k = 0; k < joints.parts; k++) kept[k] = topDetections(joints, k, s, ranked);
  for (const e of s.edges) {
    const edge = input.graph[e], ps = edge[0], pt = edge[1];
    const costs = input.costs[e];
    if (!costs || joints.of(ps) === 0 || joints.of(pt) === 0) continue;
    if (s.greedy) greedyLinks(joints, ps, pt, costs.affinity, s, links);
    else optimalLinks(joints, ps, pt, ranked, kept[ps], kept[pt], costs.affinity, s.minAffinity, links);
  }
  return links;
}

/**
 * Part k's `maxIndividuals` most confident detections as indices within the part (stable on ties), those
 * ≥ pcutoff: written to order[start[k] …], returns how many.
 */
function topDetections(joints: Joints, k: number, s: Settings, order: Int32Array): number {
  const first = joints.start[k], n = joints.of(k), conf = joints.confidence;
  for (let i = 0; i < n; i++) order[first + i] = i;
  if (n > 1) sortByConfidence(order, first, n, conf);
  const top = Math.min(n, s.maxIndividuals);
  let kept = 0;
  for (let i = 0; i < top; i++) {
    const d = order[first + i];
    if (conf[first + d] >= s.pcutoff) order[first + kept++] = d;
  }
  return kept;
}

/**
 * Sorts order[first … first+n−1] (indices within the part) by confidence, highest first, stable. With finite
 * confidences any stable sort gives the same order, so a short insertion sort does; otherwise the comparator
 * (b − a) is inconsistent and only the engine's own sort reproduces the original order.
 */
function sortByConfidence(order: Int32Array, first: number, n: number, conf: Float64Array): void {
  let finite = true;
  for (let i = 0; i < n; i++) finite &&= Number.isFinite(conf[first + i]);
  if (!finite) {
    const sorted = Array.from(order.subarray(first, first + n)).sort((a, b) => conf[first + b] - conf[first + a]);
    order.set(sorted, first);
    return;
  }
  for (let i = 1; i < n; i++) {
    const d = order[first + i];
    let j = i - 1;
    for (; j >= 0 && conf[first + order[first + j]] < conf[first + d]; j--) order[first + j + 1] = order[first + j];
    order[first + j + 1] = d;
  }
}

/** Scratch for optimalLinks (JavaScript runs one call at a time); grown when a larger matrix comes. */
let costScratch = new Float64Array(16);
let assignedScratch = new Int32Array(4);

/**
 * DLC's default pairing: the `maxIndividuals` most confident detections of each end (those ≥ pcutoff), paired
 * by the assignment of maximal total affinity; pairs below minAffinity are dropped.
 */
function optimalLinks(joints: Joints, ps: number, pt: number, ranked: Int32Array, n: number, m: number, affinity: Float32Array, minAffinity: number, out: Links): void {
  if (n === 0 || m === 0) return;
  const width = joints.of(pt), s0 = joints.start[ps], t0 = joints.start[pt];
  // Row r is detection ranked[s0 + r] of part ps, column c detection ranked[t0 + c] of part pt.
  // Maximise affinity = minimise its negation; the assignment wants n ≤ m, so transpose when needed.
  const flip = n > m;
  const r0 = flip ? m : n, c0 = flip ? n : m;
  if (costScratch.length < r0 * c0) costScratch = new Float64Array(2 * r0 * c0);
  if (assignedScratch.length < r0) assignedScratch = new Int32Array(2 * r0);
  const cost = costScratch, assigned = assignedScratch;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < m; c++) cost[flip ? c * n + r : r * m + c] = -(affinity[ranked[s0 + r] * width + ranked[t0 + c]] || 0);
  }
  minCostAssignmentInto(cost, r0, c0, assigned);
  for (let i = 0; i < r0; i++) {
    const r = flip ? assigned[i] : i, c = flip ? i : assigned[i];
    const w = affinity[ranked[s0 + r] * width + ranked[t0 + c]] || 0;
    if (w >= minAffinity) out.add(s0 + ranked[s0 + r], t0 + ranked[t0 + c], w);
  }
}

/**
 * Greedy pairing: candidates with conf_s·conf_t ≥ pcutoff² and affinity ≥ minAffinity, best affinity first,
 * each detection used once, until `maxIndividuals` links. Unlike the assignment it can let one strong pair
 * block two moderate ones whose sum is larger.
 */
function greedyLinks(joints: Joints, ps: number, pt: number, affinity: Float32Array, s: Settings, out: Links): void {
  const n = joints.of(ps), m = joints.of(pt), s0 = joints.start[ps], t0 = joints.start[pt], conf = joints.confidence;
  const candidates: number[] = []; // i·m + j
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const w = affinity[i * m + j] || 0;
      if (conf[s0 + i] * conf[t0 + j] >= s.pcutoff * s.pcutoff && w >= s.minAffinity) candidates.push(i * m + j);
    }
  }
  // Best first; ties keep row-major order, as DLC's stable sort.
  candidates.sort((p, q) => (affinity[q] || 0) - (affinity[p] || 0) || p - q);
  // Detections used by this edge's links (both ends may be the same part).
  const used: number[] = [];
  let made = 0;
  for (const ij of candidates) {
    if (made === s.maxIndividuals) break;
    const a = s0 + Math.floor(ij / m), b = t0 + (ij % m);
    if (used.includes(a) || used.includes(b)) continue;
    used.push(a, b);
    out.add(a, b, affinity[ij] || 0);
    made++;
  }
}

/**
 * Joint → (neighbour → link): the links not yet used by an assembly, DLC's lookup of dicts. Each joint's
 * entries keep the order they were first set (dict order); setting a pair again replaces its link in place,
 * and removing a pair blanks its entry (−1), as nothing is set after construction.
 */
class Lookup {
  private at: Int32Array = new Int32Array(64);
  private size: Int32Array = new Int32Array(64);
  private neighbour: Int32Array = new Int32Array(256);
  private link: Int32Array = new Int32Array(256);
  links: Links = frameLinks;

  /** Loads the links that `keep` accepts (one instance, reloaded per frame: see grownInts). */
  load(links: Links, jointCount: number, keep: (l: number) => boolean): this {
    this.links = links;
    // A joint has at most as many entries as links touching it: lay its entries out in one block.
    this.at = grownInts(this.at, jointCount + 1).fill(0, 0, jointCount + 1);
    for (let l = 0; l < links.count; l++) {
      if (!keep(l)) continue;
      this.at[links.a[l] + 1]++;
      this.at[links.b[l] + 1]++;
    }
    for (let i = 0; i < jointCount; i++) this.at[i + 1] += this.at[i];
    this.size = grownInts(this.size, jointCount).fill(0, 0, jointCount);
    this.neighbour = grownInts(this.neighbour, this.at[jointCount]);
    this.link = grownInts(this.link, this.at[jointCount]);
    for (let l = 0; l < links.count; l++) {
      if (!keep(l)) continue;
      this.set(links.a[l], links.b[l], l);
      this.set(links.b[l], links.a[l], l);
    }
    return this;
  }

  /** Queues joint i's remaining links to joints outside g, in dict order (growth's `push`). */
  queueFrom(i: number, g: Group, queue: LinkQueue): void {
    for (let e = this.at[i], end = e + this.size[i]; e < end; e++) if (this.link[e] >= 0 && !g.has(this.neighbour[e])) queue.push(this.link[e]);
  }

  /** Removes the entries of link l's two joints for each other. */
  unlink(l: number): void {
    const a = this.links.a[l], b = this.links.b[l];
    const ea = this.find(a, b), eb = this.find(b, a);
    if (ea >= 0) this.link[ea] = -1;
    if (eb >= 0) this.link[eb] = -1;
  }

  private set(i: number, j: number, l: number): void {
    const e = this.find(i, j);
    if (e >= 0) this.link[e] = l;
    else {
      const end = this.at[i] + this.size[i]++;
      this.neighbour[end] = j;
      this.link[end] = l;
    }
  }

  private find(i: number, j: number): number {
    for (let e = this.at[i], end = e + this.size[i]; e < end; e++) if (this.neighbour[e] === j) return e;
    return -1;
  }
}

/**
 * Growth's priority queue of links: best affinity first, ties to the link queued first (the same pops as a
 * scan of the queue in push order for the first best). A binary heap on (affinity desc, queue order asc): a
 * total order, so ties cannot depend on the heap's shape. One instance; its arrays serve every grow() of a frame.
 */
class LinkQueue {
  private heap: Int32Array = new Int32Array(256);
  private order: Int32Array = new Int32Array(256);
  /** queuedIn[l] === round: link l was queued during this round (one round per grow()). */
  private queuedIn: Int32Array = new Int32Array(256);
  private affinity: Float64Array = new Float64Array(0);
  private round = 0;
  private length = 0;
  private pushed = 0;

  /** Serves the frame's links (one instance, reloaded per frame: see grownInts). */
  load(links: Links): this {
    this.affinity = links.affinity;
    this.heap = grownInts(this.heap, links.count);
    this.order = grownInts(this.order, links.count);
    this.queuedIn = grownInts(this.queuedIn, links.count).fill(0, 0, links.count);
    this.round = 0;
    return this;
  }

  /** Empties the queue and forgets which links it has seen. */
  reset(): void {
    this.round++;
    this.length = 0;
    this.pushed = 0;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  /** Queues l unless it was queued since the last reset (then false). */
  push(l: number): boolean {
    if (this.queuedIn[l] === this.round) return false;
    this.queuedIn[l] = this.round;
    this.order[l] = this.pushed++;
    let i = this.length++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.before(l, this.heap[up])) break;
      this.heap[i] = this.heap[up];
      i = up;
    }
    this.heap[i] = l;
    return true;
  }

  pop(): number {
    const top = this.heap[0];
    const last = this.heap[--this.length];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.length) break;
      if (child + 1 < this.length && this.before(this.heap[child + 1], this.heap[child])) child++;
      if (!this.before(this.heap[child], last)) break;
      this.heap[i] = this.heap[child];
      i = child;
    }
    this.heap[i] = last;
    return top;
  }

  private before(p: number, q: number): boolean {
    const ap = this.affinity[p], aq = this.affinity[q];
    return ap > aq || (ap === aq && this.order[p] < this.order[q]);
  }
}

const frameLookup = new Lookup();
const frameQueue = new LinkQueue();

/**
 * DLC's `build_assemblies`: (i) connected components of the link graph with exactly K joints are taken as
 * complete animals; (ii) every remaining link whose joints are both free, best first, seeds an assembly grown
 * from its best adjacent links; (iii) with more assemblies than individuals, incomplete ones joined by an
 * unused link and sharing no part are merged; (iv) incomplete ones get a last growth pass.
 */
function buildAssemblies(joints: Joints, links: Links, maxIndividuals: number): Group[] {
  const K = joints.parts;
  const assembled = (work.assembled = grownFlags(work.assembled, joints.count)).fill(0, 0, joints.count);
  const groups = completeComponents(joints, links, assembled);
  if (groups.length === maxIndividuals) return groups;
  // Links inside complete animals can never grow anything: leave them out of the lookup.
  const lookup = frameLookup.load(links, joints.count, (l) => !(assembled[links.a[l]] && assembled[links.b[l]]));
  const queue = frameQueue.load(links);

  // DLC walks all links best first and skips those with an assembled joint. Joints only ever get assembled,
  // so the next seed is always the best free link overall: find it by a scan instead of sorting every link.
  for (let seed = bestFree(links, assembled); seed >= 0; seed = bestFree(links, assembled)) {
    const g = new Group(joints, links);
    g.addLink(seed);
    grow(g, lookup, queue, assembled, K);
    for (const l of g.links) lookup.unlink(l);
    g.markAssembled(assembled);
    groups.push(g);
  }

  const fused = groups.length > maxIndividuals ? fuseFragments(groups, joints, links) : groups;
  for (const g of fused) {
    if (g.size === K) continue;
    grow(g, lookup, queue, assembled, K);
    g.markAssembled(assembled);
  }
  return fused;
}

/** Union–find root of i, halving the path on the way. */
function root(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/** The free link (neither joint assembled) of highest affinity, the first one on ties (Python's stable sort); −1 if none. */
function bestFree(links: Links, assembled: Uint8Array): number {
  let best = -1;
  for (let l = 0; l < links.count; l++) {
    if (assembled[links.a[l]] || assembled[links.b[l]]) continue;
    if (best < 0 || links.affinity[l] > links.affinity[best]) best = l;
  }
  return best;
}

/** Link-graph components (union–find on joints) with exactly K joints become assemblies, in order of their first link. */
function completeComponents(joints: Joints, links: Links, assembled: Uint8Array): Group[] {
  const n = joints.count, K = joints.parts;
  const parent = (work.parent = grownInts(work.parent, n));
  const inLink = (work.inLink = grownFlags(work.inLink, n));
  const size = (work.size = grownInts(work.size, n));
  const groupOf = (work.groupOf = grownInts(work.groupOf, n)); // root → index into groups
  for (let i = 0; i < n; i++) {
    parent[i] = i;
    inLink[i] = 0;
    size[i] = 0;
    groupOf[i] = -1;
  }
  for (let l = 0; l < links.count; l++) {
    parent[root(parent, links.a[l])] = root(parent, links.b[l]);
    inLink[links.a[l]] = inLink[links.b[l]] = 1;
  }
  for (let i = 0; i < n; i++) if (inLink[i]) size[root(parent, i)]++;

  const groups: Group[] = [];
  for (let l = 0; l < links.count; l++) {
    const r = root(parent, links.a[l]);
    if (size[r] !== K) continue;
    if (groupOf[r] < 0) groupOf[r] = groups.push(new Group(joints, links)) - 1;
    groups[groupOf[r]].addLink(l);
  }
  for (const g of groups) g.markAssembled(assembled);
  return groups;
}

/**
 * Grows an assembly from the best-affinity unused link touching it (ties go to the link queued first),
 * skipping joints already in other assemblies and parts it already has, until it has all K parts or no link
 * is left.
 */
function grow(g: Group, lookup: Lookup, queue: LinkQueue, assembled: Uint8Array, K: number): void {
  queue.reset();
  for (const i of g.members) lookup.queueFrom(i, g, queue);
  while (!queue.empty && g.size < K) {
    const l = queue.pop();
    const a = lookup.links.a[l], b = lookup.links.b[l];
    const fresh = g.has(a) ? b : g.has(b) ? a : -1;
    if (fresh < 0 || assembled[fresh]) continue;
    if (g.addLink(l)) lookup.queueFrom(fresh, g, queue);
  }
}

/**
 * DLC's default fusion of superfluous assemblies: every link that no assembly used and that joins two
 * incomplete assemblies without a common part merges them. Unlike DLC, the bridging link is counted in the
 * merged assembly (DLC rebuilds it from the two link lists and loses it). Without calibration this hardly ever
 * fires: growth already takes every free joint next to an assembly unless the assembly has that part, and then
 * the two fragments share a part and may not merge.
 */
function fuseFragments(groups: Group[], joints: Joints, links: Links): Group[] {
  // A merge needs two incomplete groups (a link within one group shares its parts).
  let incomplete = 0;
  for (const g of groups) if (g.size !== joints.parts) incomplete++;
  if (incomplete < 2) return groups;
  const owner = (work.owner = grownInts(work.owner, joints.count)).fill(-1, 0, joints.count); // joint → index of its incomplete group
  groups.forEach((g, i) => {
    if (g.size !== joints.parts) for (const j of g.members) owner[j] = i;
  });
  const used = (work.used = grownFlags(work.used, links.count)).fill(0, 0, links.count);
  for (const g of groups) for (const l of g.links) used[l] = 1;
  const merged = groups.map(() => false);
  for (let l = 0; l < links.count; l++) {
    const ia = owner[links.a[l]], ib = owner[links.b[l]];
    if (used[l] || ia < 0 || ib < 0 || groups[ia].sharesParts(groups[ib])) continue;
    groups[ia].absorb(groups[ib], l);
    merged[ib] = true;
    for (const j of groups[ib].members) owner[j] = ia;
  }
  return groups.filter((_, i) => !merged[i]);
}

/** DLC drops assemblies with some links but fewer than minNLinks (stray pairs), and empty ones. */
function dropFewLinks(groups: Group[], minNLinks: number): Group[] {
  return groups.filter((g) => g.size > 0 && !(g.links.length > 0 && g.links.length < minNLinks));
}

/**
 * Pose NMS: the highest summed affinity first (first on ties); later ones whose keypoint overlap with a kept
 * one reaches maxOverlap are dropped. Runs only for 0 < maxOverlap < 1.
 */
function suppress(groups: Group[], maxOverlap: number, joints: Joints): Group[] {
  if (!(maxOverlap > 0 && maxOverlap < 1) || groups.length < 2) return groups;
  const boxes = groups.map((g) => box(g, joints)); // each group's box once, not once per pair
  let rest = groups.map((_, i) => i);
  const kept: Group[] = [];
  while (rest.length > 0) {
    let top = rest[0];
    for (const i of rest) if (groups[i].affinity > groups[top].affinity) top = i;
    kept.push(groups[top]);
    rest = rest.filter((i) => i !== top && overlap(groups[top], boxes[top], groups[i], boxes[i], joints) < maxOverlap);
  }
  return kept;
}

/** Bounding box [x1, y1, x2, y2] of a group's joints (min/max folded as Math.min/max over them all would). */
/** x1, y1, x2, y2. */
type Box = readonly [number, number, number, number];

function box(g: Group, joints: Joints): Box {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const j of g.joints) {
    if (j < 0) continue;
    x1 = Math.min(x1, joints.x[j]);
    y1 = Math.min(y1, joints.y[j]);
    x2 = Math.max(x2, joints.x[j]);
    y2 = Math.max(y2, joints.y[j]);
  }
  return [x1, y1, x2, y2];
}

/**
 * DLC's `intersection_with`: the box where the two assemblies' bounding boxes intersect; of each assembly,
 * the fraction of its keypoints inside that box (edges included); the smaller fraction.
 */
function overlap(p: Group, pBox: Box, q: Group, qBox: Box, joints: Joints): number {
  const x1 = Math.max(pBox[0], qBox[0]), y1 = Math.max(pBox[1], qBox[1]), x2 = Math.min(pBox[2], qBox[2]), y2 = Math.min(pBox[3], qBox[3]);
  if (x2 < x1 || y2 < y1) return 0;
  const inter: Box = [x1, y1, x2, y2];
  return Math.min(inside(p, inter, joints), inside(q, inter, joints));
}

/** The fraction of g's joints inside the box (edges included). */
function inside(g: Group, [x1, y1, x2, y2]: Box, joints: Joints): number {
  let n = 0;
  for (const j of g.joints) if (j >= 0 && joints.x[j] >= x1 && joints.x[j] <= x2 && joints.y[j] >= y1 && joints.y[j] <= y2) n++;
  return n / g.size;
}

/** At most maxIndividuals, the ones with most keypoints first (stable, as Python's sort). */
function keepLargest(groups: Group[], maxIndividuals: number): Group[] {
  if (groups.length <= maxIndividuals) return groups;
  return [...groups].sort((a, b) => b.size - a.size).slice(0, maxIndividuals);
}

/** Output rows, best score first, capped at maxIndividuals (DLC's special cases return uncapped lists). */
function finish(groups: Group[], maxIndividuals: number): Assembly[] {
  const animals = groups.map(toAssembly).sort((a, b) => b.score - a.score);
  return animals.length > maxIndividuals ? animals.slice(0, maxIndividuals) : animals;
}

function toAssembly(g: Group): Assembly {
  const { x, y, confidence: conf, group } = g.frame;
  const keypoints = new Float32Array(g.joints.length * 4);
  let confidence = 0;
  for (let k = 0; k < g.joints.length; k++) {
    const j = g.joints[k];
    if (j < 0) {
      keypoints[4 * k] = keypoints[4 * k + 1] = keypoints[4 * k + 2] = keypoints[4 * k + 3] = NaN;
      continue;
    }
    keypoints[4 * k] = x[j];
    keypoints[4 * k + 1] = y[j];
    keypoints[4 * k + 2] = conf[j];
    keypoints[4 * k + 3] = group[j];
    confidence += conf[j];
  }
  const links = g.links.length;
  return { keypoints, score: links > 0 ? g.affinity / links : confidence / g.size, links };
}
