/**
 * DeepLabCut's data-driven skeleton (dlc-spec §5a, last paragraph; `pose_estimation_pytorch/apis/prune_paf_graph.py`):
 * which PAF edges tell animals apart. On the training images every edge's predicted affinities are split into
 * "within" pairs (both peaks matched to the same labelled animal) and "between" pairs (every other pair of that
 * edge's cost matrix); an edge's separability is the AUC of within against between. The root skeleton is the
 * maximum spanning tree of the body parts weighted by separability; candidate graphs add the most separable
 * remaining edges to it, and the candidate with the best test mAP wins (DLC then writes it as `edges_to_keep` /
 * `paf_best`; nothing here writes files).
 *
 * As DLC, except on purpose:
 * - The AUC is the exact rank (Mann–Whitney) AUC, P(within > between) + ½·P(within = between), where DLC integrates
 *   two 101-bin histograms over [0, 1] — the same number up to binning (DLC also drops values outside [0, 1]).
 * - Peak ↔ label matching is DLC's `find_closest_neighbors` (labels in order of their nearest peak's distance, each
 *   takes its closest still-free peak among its 3 nearest), plus an optional radius (`matchRadius`, px; default
 *   unlimited, as DLC) beyond which a peak is never matched.
 * - An edge with within pairs but no between pairs has an undefined (NaN) separability: it stays out of the
 *   spanning tree (as in DLC) and ranks after every scored edge (DLC's reversed argsort would put NaN first).
 * - Ties in separability go to the lower edge index, in the tree and in the ranking.
 * Edges without any within pair are in no candidate (as in DLC: they never link one animal's parts).
 */
import * as path from 'node:path';
import { edgeAffinities, type Edge, type EdgeCosts } from '../assemble';
import { HerdError } from '../common/errors';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { loadShuffle, type LoadedShuffle } from '../dataset';
import { framePoses, type FramePoseOptions } from '../infer/frame-poses';
import type { HeadArrays, PoseModelInfo } from '../infer/pose-model';
import type { Peak } from '../model/decode';
import { loadSamples } from '../train/data';
import { selectBackend } from '../train/engine/backend';
import { linspace, meanAveragePrecision, type EvalImage } from './metrics';
import { openSnapshot, type SnapshotRunner } from './snapshot-runner';

/* ----------------------------------------------------------------- pure part */

/** One training image: labels `[animals × K × 2]` (NaN = not labelled), every part's peaks, the graph's edge costs. */
export interface SeparabilitySample {
  gt: Float32Array;
  peaks: readonly (readonly Peak[])[];
  costs: readonly EdgeCosts[];
}

export interface SeparabilityOptions {
  /** A peak farther than this (px) from a label is never matched to it (default: no limit, as DLC). */
  matchRadius?: number;
  /** How many nearest peaks each label may choose from (DLC's k = 3). */
  neighbours?: number;
}

export interface EdgeSeparability {
  /** Index into the graph. */
  edge: number;
  /** Affinities of pairs whose peaks matched labels of the same animal. */
  within: number[];
  /** Affinities of every other pair (different animals, or a peak matched to no label). */
  between: number[];
  /** AUC of within vs between (1: within always higher; 0.5: no better than chance); NaN when either is empty. */
  auc: number;
}

/**
 * DLC's `find_closest_neighbors`: for each label, the index of its peak or −1. Labels are served in order of their
 * nearest peak's distance; each takes the closest still-free peak among its `k` nearest within `radius`.
 */
export function matchLabelsToPeaks(labels: readonly (readonly [number, number])[], peaks: readonly Peak[], k = 3, radius = Infinity): number[] {
  const nearest = labels.map(([x, y]) =>
    peaks
      .map((p, j) => ({ j, d: Math.hypot(p.x - x, p.y - y) }))
      .sort((a, b) => a.d - b.d || a.j - b.j)
      .slice(0, k)
      .filter((c) => c.d <= radius),
  );
  const order = labels.map((_, i) => i).sort((a, b) => (nearest[a]![0]?.d ?? Infinity) - (nearest[b]![0]?.d ?? Infinity) || a - b);
  const match = new Array<number>(labels.length).fill(-1);
  const taken = new Set<number>();
  for (const i of order) {
    if (taken.size === peaks.length) break;
    const free = nearest[i]!.find((c) => !taken.has(c.j));
    if (free) {
      taken.add(free.j);
      match[i] = free.j;
    }
  }
  return match;
}

/** Exact rank AUC: P(a > b) + ½·P(a = b) for a from `positive`, b from `negative`; NaN if either is empty. */
export function rankAuc(positive: readonly number[], negative: readonly number[]): number {
  const nP = positive.length, nN = negative.length;
  if (nP === 0 || nN === 0) return Number.NaN;
  const all = [...positive.map((v) => ({ v, p: true })), ...negative.map((v) => ({ v, p: false }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const rank = (i + 1 + j) / 2; // mean of the 1-based ranks i+1 … j
    for (let t = i; t < j; t++) if (all[t]!.p) rankSum += rank;
    i = j;
  }
  return (rankSum - (nP * (nP + 1)) / 2) / (nP * nN);
}

/** Within / between affinities of every edge of `graph` over the samples, and their AUC. */
export function edgeSeparability(samples: readonly SeparabilitySample[], graph: readonly Edge[], options: SeparabilityOptions = {}): EdgeSeparability[] {
  const result: EdgeSeparability[] = graph.map((_, edge) => ({ edge, within: [], between: [], auc: Number.NaN }));
  for (const sample of samples) {
    const K = sample.peaks.length;
    if (sample.gt.length % (2 * K) !== 0) {
      throw new HerdError('METRICS_SHAPE', `labels have ${sample.gt.length} values, not a multiple of ${K} body parts × 2`);
    }
    if (sample.costs.length !== graph.length) throw new HerdError('METRICS_SHAPE', `${sample.costs.length} edge costs for a graph of ${graph.length} edges`);
    const animals = sample.gt.length / (2 * K);
    // Per body part: label animal → peak index, for parts with both peaks and labels (DLC's lookup).
    const lookup: (Map<number, number> | undefined)[] = sample.peaks.map((peaks, k) => {
      const labelled: number[] = [];
      for (let a = 0; a < animals; a++) {
        const o = (a * K + k) * 2;
        if (!Number.isNaN(sample.gt[o]!) && !Number.isNaN(sample.gt[o + 1]!)) labelled.push(a);
      }
      if (peaks.length === 0 || labelled.length === 0) return undefined;
      const xy = labelled.map((a) => [sample.gt[(a * K + k) * 2]!, sample.gt[(a * K + k) * 2 + 1]!] as const);
      const match = matchLabelsToPeaks(xy, peaks, options.neighbours ?? 3, options.matchRadius ?? Infinity);
      return new Map(labelled.flatMap((a, i) => (match[i]! >= 0 ? [[a, match[i]!] as [number, number]] : [])));
    });
    graph.forEach(([s, t], e) => {
      const ls = lookup[s], lt = lookup[t];
      if (!ls || !lt) return;
      const nT = sample.peaks[t]!.length;
      const affinity = sample.costs[e]!.affinity;
      if (affinity.length !== sample.peaks[s]!.length * nT) {
        throw new HerdError('METRICS_SHAPE', `edge ${e} has ${affinity.length} costs for ${sample.peaks[s]!.length}×${nT} peaks`);
      }
      const within = new Set<number>();
      for (const [a, i] of ls) {
        const j = lt.get(a);
        if (j !== undefined) within.add(i * nT + j);
      }
      affinity.forEach((v, index) => (within.has(index) ? result[e]!.within : result[e]!.between).push(v));
    });
  }
  for (const r of result) r.auc = rankAuc(r.within, r.between);
  return result;
}

/**
 * Maximum spanning tree (a forest if the parts do not all connect) by Kruskal: edges by decreasing weight, ties to
 * the lower index; edges of non-finite weight are left out. Returns edge indices in the order they were taken.
 */
export function maximumSpanningTree(graph: readonly Edge[], weights: readonly number[]): number[] {
  const parent = new Map<number, number>();
  const find = (v: number): number => {
    let root = v;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    let node = v;
    while (node !== root) {
      const next = parent.get(node) ?? root;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const order = graph.map((_, e) => e).filter((e) => Number.isFinite(weights[e])).sort((a, b) => weights[b]! - weights[a]! || a - b);
  const tree: number[] = [];
  for (const e of order) {
    const [s, t] = graph[e]!;
    const rs = find(s), rt = find(t);
    if (rs === rt) continue;
    parent.set(rs, rt);
    if (!parent.has(rt)) parent.set(rt, rt);
    tree.push(e);
  }
  return tree;
}

/**
 * DLC's candidate skeletons: root = maximum spanning tree on separability (over edges that have within pairs); then
 * root + the k most separable remaining edges for k in `int(linspace(0, nRest, min(nGraphs, nRest + 1)))[1:]`. The
 * root itself is the first candidate, so there are min(nGraphs, nRest + 1) of them. Edge indices are into `graph`.
 */
export function candidateGraphs(
  graph: readonly Edge[],
  separability: readonly Pick<EdgeSeparability, 'edge' | 'within' | 'auc'>[],
  options: { nGraphs?: number; root?: readonly number[] } = {},
): number[][] {
  const existing = separability.filter((s) => s.within.length > 0);
  const weights = new Array<number>(graph.length).fill(Number.NaN);
  for (const s of existing) weights[s.edge] = s.auc;
  const root = options.root ? [...options.root] : maximumSpanningTree(graph, weights);
  const rank = (e: number) => (Number.isFinite(weights[e]) ? weights[e]! : -Infinity);
  const rest = existing
    .map((s) => s.edge)
    .filter((e) => !root.includes(e))
    .sort((a, b) => rank(b) - rank(a) || a - b);
  const count = Math.min(options.nGraphs ?? 10, rest.length + 1);
  const lengths = linspace(0, rest.length, count).map(Math.trunc).slice(1);
  return [root, ...lengths.map((k) => [...root, ...rest.slice(0, k)])];
}

/* ----------------------------------------------------------------- model part */

export interface SelectPafGraphOptions {
  shuffle?: number;
  trainingsetindex?: number;
  /** Peak and assembly settings, as `herd evaluate` takes them (`edges` is set per candidate). */
  assembly?: FramePoseOptions;
  matchRadius?: number;
  /** At most this many candidate graphs (DLC 10). */
  nGraphs?: number;
  progress?: ProgressReporter;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface PafGraphSelection {
  /** The model's full PAF graph; edge indices below point into it. */
  graph: Array<[number, number]>;
  /** The candidate with the best test mAP (the first, i.e. the smallest, among equals). */
  best: number[];
  /** Every candidate in DLC's order (the spanning tree first) with its test mAP / mAR (percent, as `herd evaluate`). */
  scores: Array<{ edges: number[]; mAP: number; mAR: number }>;
  /** Per edge of `graph`, from the training images. */
  separability: EdgeSeparability[];
}

/** `selectPafGraphForShuffle` for the shuffle `options.shuffle` (default 1) of the project at `configPath`. */
export async function selectPafGraph(configPath: string, snapshotFile: string, options: SelectPafGraphOptions = {}): Promise<PafGraphSelection> {
  await selectBackend({ prefer: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] });
  const shuffle = await loadShuffle(configPath, options.shuffle ?? 1, options.trainingsetindex ?? 0);
  return selectPafGraphForShuffle(shuffle, snapshotFile, options);
}

/**
 * DLC's `benchmark_paf_graphs` without the writing: the snapshot predicts the shuffle's train images (separability,
 * candidates) and test images (each candidate's mAP, assembling with `edges` = the candidate). The tfjs backend must
 * already be selected.
 */
export async function selectPafGraphForShuffle(shuffle: LoadedShuffle, snapshotFile: string, options: SelectPafGraphOptions = {}): Promise<PafGraphSelection> {
  const runner = openPafSnapshot(shuffle, snapshotFile);
  const { info } = runner;
  const name = path.basename(snapshotFile);
  try {
    // 1. Separability on the training images.
    const perImage = await separabilitySamples(shuffle, runner, options, `prune PAF graph ${name} (train)`);
    const separability = edgeSeparability(perImage, info.pafGraph, { matchRadius: options.matchRadius });
    const candidates = candidateGraphs(info.pafGraph, separability, { nGraphs: options.nGraphs });

    // 2. Every candidate on the test images.
    const test = await loadSamples(shuffle, shuffle.testIndices, runner.setup, { signal: options.signal });
    const K = info.bodyparts.length;
    const maxAnimals = info.individuals.length;
    const images: EvalImage[][] = candidates.map(() => []);
    const counter = new ProgressCounter(options.progress ?? silentProgress, `prune PAF graph ${name} (test)`, test.length, 'images');
    test.forEach((sample, i) => {
      options.signal?.throwIfAborted();
      const arrays = runner.run(test, i);
      candidates.forEach((edges, c) => {
        const poses = framePoses(arrays, 0, info, { ...options.assembly, edges });
        const pred = new Float32Array(maxAnimals * K * 3).fill(Number.NaN);
        poses.animals.forEach((animal, a) => {
          for (let k = 0; k < K; k++) pred.set(animal.keypoints.subarray(4 * k, 4 * k + 3), (a * K + k) * 3);
        });
        images[c]!.push({ gt: sample.keypoints, pred });
      });
      counter.add();
    });
    counter.finish();

    const scores = candidates.map((edges, c) => ({ edges, ...meanAveragePrecision(images[c]!, K) }));
    let bestIndex = 0;
    const value = (v: number) => (Number.isNaN(v) ? -Infinity : v);
    scores.forEach((s, c) => {
      if (value(s.mAP) > value(scores[bestIndex]!.mAP)) bestIndex = c;
    });
    for (const s of scores) options.log?.(`PAF graph of ${s.edges.length} edges: test mAP ${s.mAP.toFixed(1)}, mAR ${s.mAR.toFixed(1)} [${s.edges.join(', ')}]`);
    return { graph: info.pafGraph.map(([s, t]) => [s, t]), best: scores[bestIndex]!.edges, scores, separability };
  } finally {
    runner.dispose();
  }
}

/**
 * The per-image samples of `edgeSeparability` on their own (the affinity-distribution plot uses them): the snapshot
 * predicts the shuffle's training images. The tfjs backend must already be selected.
 */
export async function separabilitySamplesForShuffle(
  shuffle: LoadedShuffle,
  snapshotFile: string,
  options: Pick<SelectPafGraphOptions, 'assembly' | 'progress' | 'signal'> = {},
): Promise<{ info: PoseModelInfo; samples: SeparabilitySample[] }> {
  const runner = openPafSnapshot(shuffle, snapshotFile);
  try {
    const samples = await separabilitySamples(shuffle, runner, options, `PAF affinities ${path.basename(snapshotFile)} (train)`);
    return { info: runner.info, samples };
  } finally {
    runner.dispose();
  }
}

function openPafSnapshot(shuffle: LoadedShuffle, snapshotFile: string): SnapshotRunner {
  const runner = openSnapshot(shuffle, snapshotFile);
  if (runner.info.pafGraph.length > 0) return runner;
  runner.dispose();
  throw new HerdError('MODEL_MISMATCH', 'the snapshot has no PAF graph (a single-animal model)', { file: snapshotFile });
}

/** Labels, peaks and the full graph's edge costs of every training image. */
async function separabilitySamples(
  shuffle: LoadedShuffle,
  runner: SnapshotRunner,
  options: Pick<SelectPafGraphOptions, 'assembly' | 'progress' | 'signal'>,
  task: string,
): Promise<SeparabilitySample[]> {
  const train = await loadSamples(shuffle, shuffle.trainIndices, runner.setup, { signal: options.signal });
  const samples: SeparabilitySample[] = [];
  const counter = new ProgressCounter(options.progress ?? silentProgress, task, train.length, 'images');
  try {
    train.forEach((sample, i) => {
      options.signal?.throwIfAborted();
      const arrays = runner.run(train, i);
      const peaks = framePoses(arrays, 0, runner.info, options.assembly).peaks;
      samples.push({ gt: sample.keypoints, peaks, costs: costsOf(arrays, runner.info, peaks) });
      counter.add();
    });
  } finally {
    counter.finish();
  }
  return samples;
}

/** Edge costs of the frame's full PAF graph (what the assembler sees before `edges` selects some). */
function costsOf(arrays: HeadArrays, info: PoseModelInfo, peaks: readonly (readonly Peak[])[]): EdgeCosts[] {
  const paf = arrays.paf;
  if (!paf) throw new HerdError('MODEL_MISMATCH', 'the snapshot has a PAF graph but no PAF output');
  const [, Ho, Wo] = paf.shape;
  return edgeAffinities(paf.data, Ho, Wo, info.pafGraph, peaks, info.stride);
}
