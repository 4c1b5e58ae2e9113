/**
 * DeepLabCut's data-driven skeleton (prune_paf_graph): within/between separability, the maximum spanning tree and
 * the candidate graphs on hand-built data with known answers; then the whole selection on a tiny trained project.
 */
import { Random } from '../../src-core/common/random';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Edge, EdgeCosts } from '../../src-core/assemble';
import { loadShuffle } from '../../src-core/dataset';
import { listSnapshots } from '../../src-core/evaluate/snapshot-runner';
import {
  candidateGraphs,
  edgeSeparability,
  matchLabelsToPeaks,
  maximumSpanningTree,
  rankAuc,
  selectPafGraph,
  type SeparabilitySample,
} from '../../src-core/evaluate/prune-graph';
import type { Peak } from '../../src-core/model/decode';
import { trainedSynthProject } from '../helpers/trained-project';
import { listTree, temporaryFolder } from '../helpers/workspace';

const peak = (x: number, y: number): Peak => ({ x, y, score: 0.9, row: 0, col: 0 });

function complete(parts: number): Edge[] {
  const edges: Edge[] = [];
  for (let s = 0; s < parts; s++) for (let t = s + 1; t < parts; t++) edges.push([s, t]);
  return edges;
}

/** Deterministic uniform [0, 1) from `seed`. */
function random(seed: number): () => number {
  const generator = new Random(seed);
  return () => generator.next();
}

/**
 * Two animals, two parts, one edge (0, 1). Animal 0 at (10,10)/(20,10), animal 1 at (100,100)/(110,100); part 1's
 * peaks are listed in reverse animal order so that matching, not list order, decides. `affinity(same)` gives a pair's value.
 */
function twoAnimalSample(affinity: (same: boolean) => number): SeparabilitySample {
  const gt = Float32Array.from([10, 10, 20, 10, 100, 100, 110, 100]);
  const peaks = [
    [peak(11, 9), peak(101, 100)], // part 0: animal 0, animal 1
    [peak(111, 101), peak(19, 10)], // part 1: animal 1, animal 0
  ];
  const a = new Float32Array(4);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) a[i * 2 + j] = affinity(i !== j);
  const costs: EdgeCosts[] = [{ affinity: a, distance: new Float32Array(4) }];
  return { gt, peaks, costs };
}

describe('separability', () => {
  it('rank AUC counts ties as one half and is NaN without one of the two sets', () => {
    assert.equal(rankAuc([0.9, 0.8], [0.1, 0.85]), 0.75);
    assert.equal(rankAuc([0.5], [0.5]), 0.5);
    assert.equal(rankAuc([1, 1], [0, 0, 0]), 1);
    assert.equal(rankAuc([0], [1]), 0);
    assert.ok(Number.isNaN(rankAuc([], [1])) && Number.isNaN(rankAuc([1], [])));
  });

  it('matches labels to their nearest free peak, closest label first, within the radius', () => {
    // Both labels are nearest to peak 0; the closer label (1) gets it, label 0 its second choice.
    assert.deepEqual(matchLabelsToPeaks([[0, 0], [9, 0]], [peak(10, 0), peak(-5, 0)]), [1, 0]);
    assert.deepEqual(matchLabelsToPeaks([[0, 0], [9, 0]], [peak(10, 0), peak(-5, 0)], 3, 4), [-1, 0]);
    assert.deepEqual(matchLabelsToPeaks([[0, 0], [50, 0]], [peak(1, 0)]), [0, -1]);
  });

  it('an edge whose within affinities are all high and between all low has AUC 1', () => {
    const samples = Array.from({ length: 5 }, () => twoAnimalSample((same) => (same ? 0.9 : 0.1)));
    const [e] = edgeSeparability(samples, [[0, 1]]);
    assert.equal(e!.within.length, 10);
    assert.equal(e!.between.length, 10);
    assert.ok(e!.within.every((v) => Math.abs(v - 0.9) < 1e-6) && e!.between.every((v) => Math.abs(v - 0.1) < 1e-6));
    assert.equal(e!.auc, 1);
    // Reversed, 0.
    assert.equal(edgeSeparability([twoAnimalSample((same) => (same ? 0.1 : 0.9))], [[0, 1]])[0]!.auc, 0);
  });

  it('random affinities give AUC ≈ 0.5', () => {
    const rnd = random(7);
    const samples = Array.from({ length: 2000 }, () => twoAnimalSample(() => rnd()));
    const auc = edgeSeparability(samples, [[0, 1]])[0]!.auc;
    assert.ok(Math.abs(auc - 0.5) < 0.03, `AUC ${auc}`);
  });

  it('unlabelled parts, parts without peaks and unmatched peaks are handled as DLC does', () => {
    const sample = twoAnimalSample((same) => (same ? 0.9 : 0.1));
    // Animal 1's part 1 unlabelled: its peak matches nothing, so only animal 0's pair is within.
    const gt = Float32Array.from(sample.gt);
    gt[6] = Number.NaN;
    gt[7] = Number.NaN;
    const partial = edgeSeparability([{ ...sample, gt }], [[0, 1]])[0]!;
    assert.equal(partial.within.length, 1);
    assert.equal(partial.between.length, 3);
    // A radius that excludes every peak: all pairs between, AUC undefined.
    const far = edgeSeparability([sample], [[0, 1]], { matchRadius: 0.5 })[0]!;
    assert.equal(far.within.length, 0);
    assert.ok(Number.isNaN(far.auc));
    // No peaks of part 1: the edge gets nothing.
    const none = edgeSeparability([{ gt: sample.gt, peaks: [sample.peaks[0]!, []], costs: [{ affinity: new Float32Array(0), distance: new Float32Array(0) }] }], [[0, 1]])[0]!;
    assert.equal(none.within.length + none.between.length, 0);
  });
});

describe('spanning tree and candidates', () => {
  const g4 = complete(4); // [0,1] [0,2] [0,3] [1,2] [1,3] [2,3]

  it('takes the maximum spanning tree of a known weight matrix, skipping cycles and unscored edges', () => {
    // 0-1 0.9, 1-2 0.85 and 0-2 0.8 close a cycle: 0-2 is skipped; 2-3 (0.3) joins part 3.
    assert.deepEqual(maximumSpanningTree(g4, [0.9, 0.8, 0.2, 0.85, 0.1, 0.3]), [0, 3, 5]);
    // Without a score for 2-3, part 3 joins through 0-3.
    assert.deepEqual(maximumSpanningTree(g4, [0.9, 0.8, 0.2, 0.85, 0.1, Number.NaN]), [0, 3, 2]);
    // Only some parts reachable: a forest.
    assert.deepEqual(maximumSpanningTree(g4, [0.5, NaN, NaN, NaN, NaN, 0.7]), [5, 0]);
    // Ties go to the lower edge index.
    assert.deepEqual(maximumSpanningTree([[0, 1], [1, 2], [0, 2]], [1, 1, 1]), [0, 1]);
  });

  const scored = (aucs: number[]) => aucs.map((auc, edge) => ({ edge, auc, within: [1], between: [0] }));

  it('complete graph of 4 parts: tree of 3, then 1, 2 and 3 more edges by separability', () => {
    const candidates = candidateGraphs(g4, scored([0.9, 0.8, 0.2, 0.85, 0.1, 0.3]));
    assert.deepEqual(candidates, [
      [0, 3, 5],
      [0, 3, 5, 1],
      [0, 3, 5, 1, 2],
      [0, 3, 5, 1, 2, 4],
    ]);
  });

  it('complete graph of 6 parts: 10 candidates of 5…13 and 15 edges (linspace(0, 10, 10) as int)', () => {
    const rnd = random(3);
    const g6 = complete(6);
    const candidates = candidateGraphs(g6, scored(g6.map(() => rnd())));
    assert.deepEqual(candidates.map((c) => c.length), [5, 6, 7, 8, 9, 10, 11, 12, 13, 15]);
    const root = candidates[0]!;
    for (const c of candidates) assert.deepEqual(c.slice(0, 5), root);
    assert.deepEqual([...candidates[9]!].sort((a, b) => a - b), g6.map((_, e) => e));
    // Fewer graphs when asked.
    assert.deepEqual(candidateGraphs(g6, scored(g6.map(() => rnd())), { nGraphs: 3 }).map((c) => c.length), [5, 10, 15]);
  });

  it('leaves out edges without within pairs and ranks unscored ones last', () => {
    const sep = scored([0.9, 0.8, 0.2, 0.85, 0.1, 0.3]);
    sep[1] = { edge: 1, auc: NaN, within: [], between: [0] }; // never within: in no candidate
    sep[4] = { edge: 4, auc: NaN, within: [1], between: [] }; // within only: not in the tree, added last
    const candidates = candidateGraphs(g4, sep);
    assert.deepEqual(candidates, [
      [0, 3, 5],
      [0, 3, 5, 2],
      [0, 3, 5, 2, 4],
    ]);
  });
});

describe('selectPafGraph on a trained synthetic project', () => {
  let configPath: string;
  let snapshot: string;
  const work = temporaryFolder();

  before(async () => {
    const synth = await trainedSynthProject(work);
    configPath = synth.configPath;
    const shuffle = await loadShuffle(configPath, 1, 0);
    snapshot = listSnapshots(path.join(shuffle.modelFolder, 'train')).at(-1)!;
  });

  it('returns consistent candidates, scores and separability, and writes nothing', async (t) => {
    const root = path.dirname(configPath);
    const filesBefore = listTree(root);
    const configBefore = fs.readFileSync(configPath, 'utf8');
    const lines: string[] = [];
    const result = await selectPafGraph(configPath, snapshot, { log: (l) => lines.push(l) });
    assert.deepEqual(listTree(root), filesBefore);
    assert.equal(fs.readFileSync(configPath, 'utf8'), configBefore);

    const E = result.graph.length;
    assert.ok(E > 0);
    assert.equal(result.separability.length, E);
    result.separability.forEach((s, e) => {
      assert.equal(s.edge, e);
      assert.ok(Number.isNaN(s.auc) || (s.auc >= 0 && s.auc <= 1), `edge ${e}: AUC ${s.auc}`);
      if (s.within.length > 0 && s.between.length > 0) assert.ok(Number.isFinite(s.auc));
    });
    // The candidates are exactly what candidateGraphs gives for this separability.
    assert.deepEqual(result.scores.map((s) => s.edges), candidateGraphs(result.graph, result.separability));
    const rootTree = result.scores[0]!.edges;
    assert.ok(rootTree.length <= 3, 'a spanning tree of 4 parts has at most 3 edges');
    const withinEdges = result.separability.filter((s) => s.within.length > 0).length;
    assert.equal(result.scores.length, Math.min(10, withinEdges - rootTree.length + 1));
    for (const { edges, mAP, mAR } of result.scores) {
      assert.deepEqual(edges.slice(0, rootTree.length), rootTree, 'every candidate contains the spanning tree');
      assert.equal(new Set(edges).size, edges.length);
      assert.ok(edges.every((e) => Number.isInteger(e) && e >= 0 && e < E));
      assert.ok(mAP >= 0 && mAP <= 100 && mAR >= 0 && mAR <= 100, `mAP ${mAP}, mAR ${mAR}`);
    }
    const bestIndex = result.scores.findIndex((s) => s.edges === result.best);
    assert.ok(bestIndex >= 0, 'best is one of the candidates');
    assert.equal(result.scores[bestIndex]!.mAP, Math.max(...result.scores.map((s) => s.mAP)));
    assert.ok(result.scores.slice(0, bestIndex).every((s) => s.mAP < result.scores[bestIndex]!.mAP), 'the first of equals wins');
    assert.equal(lines.length, result.scores.length);
    t.diagnostic(`AUC per edge ${result.separability.map((s) => `${result.graph[s.edge]!.join('-')}:${s.auc.toFixed(3)} (${s.within.length}/${s.between.length})`).join(', ')}`);
    for (const line of lines) t.diagnostic(line);
  });
});
