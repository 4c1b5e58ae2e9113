import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { assemble, edgeAffinities, type AssembleOptions, type Assembly, type AssemblyInput, type AssemblyResult, type Edge, type EdgeCosts } from '../../src-core/assemble';
import { assemblyInputs, fullGraph } from '../../src-core/bench/assembly-inputs';
import { Random } from '../../src-core/common/random';
import type { Peak } from '../../src-core/model/decode';
import { synthDetections } from '../../src-core/synth/detections';
import { simulateScene } from '../../src-core/synth/simulate';
import { buildTargets } from '../../src-core/train/targets';

type Pt = [number, number];
const S = 4; // stride
const W = 128, H = 128; // image → 32×32 grid
const CHAIN: Edge[] = [[0, 1], [1, 2], [2, 3]]; // nose – neck – hip – tail

/** A peak at image position (x, y); row/col are its cell, as `findPeaks` would give. */
function peak(x: number, y: number, score = 0.9): Peak {
  return { x, y, score, row: Math.round((y - (S - 1) / 2) / S), col: Math.round((x - (S - 1) / 2) / S) };
}

/** Per part, one peak per animal that has it (NaN = no peak), in the animals' order. */
function peaksOf(animals: Pt[][], score = 0.9): Peak[][] {
  return animals[0].map((_, k) => animals.filter((a) => !Number.isNaN(a[k][0])).map((a) => peak(a[k][0], a[k][1], score)));
}

/** Ideal PAFs of these animals, drawn by the training target generator (limb width 20 px). */
function pafOf(animals: Pt[][], graph: Edge[]) {
  const t = buildTargets({
    keypoints: new Float32Array(animals.flat(2)),
    animals: animals.length,
    bodyparts: animals[0].length,
    width: W,
    height: H,
    stride: S,
    graph,
  });
  return { paf: t.paf, Ho: t.Ho, Wo: t.Wo };
}

/** PAFs drawn from `truth`, peaks given separately (so they may include detections without PAF support). */
function run(truth: Pt[][], peaks: Peak[][], options: Partial<AssembleOptions> = {}, graph: Edge[] = CHAIN) {
  const { paf, Ho, Wo } = pafOf(truth, graph);
  const costs = edgeAffinities(paf, Ho, Wo, graph, peaks, S);
  return assemble({ peaksPerPart: peaks, costs, graph }, { maxIndividuals: 2, ...options });
}

/** An assembly's (x, y) per part, NaN where absent. */
function points(a: Assembly): Pt[] {
  const out: Pt[] = [];
  for (let k = 0; k < a.keypoints.length / 4; k++) out.push([a.keypoints[4 * k], a.keypoints[4 * k + 1]]);
  return out;
}

/** Animals as point lists, ordered by their first visible point (x, then y), for order-free comparison. */
function poses(animals: Assembly[]): Pt[][] {
  const first = (p: Pt[]) => p.find((q) => !Number.isNaN(q[0]))!;
  return animals.map(points).sort((a, b) => first(a)[0] - first(b)[0] || first(a)[1] - first(b)[1]);
}

/** Hand-made costs: `rows[i][j]` is the affinity of peak i of s with peak j of t. */
function costs(rows: number[][]): EdgeCosts {
  const affinity = new Float32Array(rows.flat());
  return { affinity, distance: new Float32Array(affinity.length) };
}

const A: Pt[] = [[20, 16], [28, 44], [24, 76], [30, 108]];
const B: Pt[] = [[64, 20], [72, 48], [68, 80], [76, 112]];
const NAN: Pt = [NaN, NaN];

describe('edge affinities', () => {
  // 8×8 grid, stride 4, one edge whose field is (1, 0) everywhere; peaks on cell centres (x = 4·col + 1.5).
  const Ho = 8, Wo = 8;
  const c = (i: number) => 4 * i + 1.5;
  const field = (fx: number, fy: number, where = (_i: number, _j: number) => true) => {
    const paf = new Float32Array(Ho * Wo * 2);
    for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) if (where(i, j)) paf.set([fx, fy], (i * Wo + j) * 2);
    return paf;
  };
  const one = (paf: Float32Array, a: Pt, b: Pt) =>
    edgeAffinities(paf, Ho, Wo, [[0, 1]], [[peak(c(a[0]), c(a[1]))], [peak(c(b[0]), c(b[1]))]], 4)[0];

  it('is 1 along a straight field, 0 across it, and ignores the direction', () => {
    const paf = field(1, 0);
    const along = one(paf, [1, 2], [6, 2]);
    assert.deepEqual([...along.affinity], [1]);
    assert.deepEqual([...along.distance], [20]); // 5 cells × stride 4, in pixels
    assert.deepEqual([...one(paf, [3, 1], [3, 6]).affinity], [0]);
    assert.deepEqual([...one(paf, [6, 2], [1, 2]).affinity], [1]); // DLC takes a norm: a reversed field scores the same
  });

  it('scores a 45° limb 1/√2 even with a perfect field (DLC integrates x over x and y over y)', () => {
    // Segment (1,1)→(6,6): u = (1,1)/√2. Field (1,0): ‖(dx·1, dy·0)‖/L = 1/√2. Field u: ‖(dx, dy)/√2‖/L = 1/√2.
    assert.deepEqual([...one(field(1, 0), [1, 1], [6, 6]).affinity], [Math.fround(0.707)]);
    assert.deepEqual([...one(field(Math.SQRT1_2, Math.SQRT1_2), [1, 1], [6, 6]).affinity], [Math.fround(0.707)]);
  });

  it('trapezoid-integrates ten truncated samples', () => {
    // Field only from column 4 on. Samples at columns 1 + 5k/9 truncate to 1,1,2,2,3,3,4,4,5,6, so the last four
    // read 1; trapezoid weights ½,1,…,1,½ give (1+1+1+½)/9 = 0.3888… → 0.389.
    const paf = field(1, 0, (_i, j) => j >= 4);
    assert.deepEqual([...one(paf, [1, 2], [6, 2]).affinity], [Math.fround(0.389)]);
  });

  it('lays the matrices out [n_s × n_t] and rejects a PAF of the wrong size', () => {
    const paf = field(1, 0);
    const r = edgeAffinities(paf, Ho, Wo, [[0, 1]], [[peak(c(1), c(2)), peak(c(1), c(5))], [peak(c(6), c(2)), peak(c(3), c(6)), peak(c(6), c(5))]], 4)[0];
    assert.equal(r.affinity.length, 6);
    // A constant field (1, 0) scores |ux| = |dx|/L: 2/√20, 5/√34, 5/√34, 2/√5.
    assert.deepEqual([...r.affinity], [1, 0.447, 0.857, 0.857, 0.894, 1].map(Math.fround));
    assert.throws(() => edgeAffinities(paf, Ho, Wo, [[0, 1], [1, 2]], [[], [], []], 4), { name: 'HerdError' });
  });
});

describe('assemble', () => {
  it('recovers two animals side by side, each with its own parts', () => {
    // Peaks listed B first for some parts: the result must not depend on peak order.
    const peaks = peaksOf([A, B]);
    peaks[1].reverse();
    peaks[3].reverse();
    const r = run([A, B], peaks);
    assert.deepEqual(poses(r.animals), [A, B]);
    for (const a of r.animals) {
      assert.equal(a.links, 3);
      // Near-vertical limbs on ideal PAFs: √(ux⁴+uy⁴) is 0.93–0.99, a little less where an end sample falls just
      // outside the painted limb; the wrong pairings score ≤ 0.27.
      assert.ok(a.score > 0.85 && a.score <= 1, `${a.score}`);
      for (let k = 0; k < 4; k++) assert.deepEqual([a.keypoints[4 * k + 2], a.keypoints[4 * k + 3]], [Math.fround(0.9), -1]);
    }
    assert.deepEqual(r.unique, []);
  });

  it('does not swap the limbs of two animals whose bodies cross', () => {
    // An X: nose–neck of P runs ↘ and of Q runs ↗, crossing at (48, 48). The wrong pairings are horizontal and
    // shorter (64 px vs 90.5 px), so nearest-neighbour pairing would swap them; the PAF only supports the right ones.
    const P: Pt[] = [[16, 16], [80, 80], [80, 120]];
    const Q: Pt[] = [[16, 80], [80, 16], [112, 16]];
    const graph: Edge[] = [[0, 1], [1, 2]];
    const { paf, Ho, Wo } = pafOf([P, Q], graph);
    const nose = edgeAffinities(paf, Ho, Wo, graph, peaksOf([P, Q]), S)[0]; // [P0, Q0] × [P1, Q1]
    assert.deepEqual([...nose.distance], [90.51, 64, 64, 90.51].map(Math.fround));
    assert.ok(nose.affinity[0] + nose.affinity[3] > 2 * (nose.affinity[1] + nose.affinity[2]));
    const r = run([P, Q], peaksOf([P, Q]), {}, graph);
    assert.deepEqual(poses(r.animals), [P, Q]);
    assert.equal(r.animals.length, 2);
  });

  it('leaves NaN where an animal misses a part and keeps the rest', () => {
    const B3: Pt[] = [B[0], B[1], B[2], NAN];
    const r = run([A, B3], peaksOf([A, B3]));
    assert.deepEqual(poses(r.animals), [A, B3]);
    const b = r.animals.find((a) => a.keypoints[0] === B[0][0])!;
    assert.equal(b.links, 2);
    assert.ok(Number.isNaN(b.keypoints[4 * 3 + 2]) && Number.isNaN(b.keypoints[4 * 3 + 3]));
  });

  it('does not attach a false-positive peak without PAF support', () => {
    const peaks = peaksOf([A, B]);
    peaks[3].push(peak(100, 60, 0.5)); // a tail far from both hips
    const r = run([A, B], peaks, { maxIndividuals: 3 });
    assert.deepEqual(poses(r.animals), [A, B]);
  });

  it('drops a stray pair of detections with one link (minNLinks 2)', () => {
    // A nose and neck with a real PAF between them but no hip or tail: a 1-link assembly.
    const stray: Pt[] = [[108, 20], [110, 50], NAN, NAN];
    const peaks = peaksOf([A, B, stray]);
    assert.deepEqual(poses(run([A, B, stray], peaks, { maxIndividuals: 3 }).animals), [A, B]);
    const kept = run([A, B, stray], peaks, { maxIndividuals: 3, minNLinks: 1 });
    assert.deepEqual(poses(kept.animals), [A, B, stray]);
    assert.equal(kept.animals.find((a) => a.keypoints[0] === 108)!.links, 1);
  });

  it('keeps unique parts apart: best peak per unique part above pcutoff', () => {
    const { paf, Ho, Wo } = pafOf([A, B], CHAIN);
    const peaks = peaksOf([A, B]);
    const uniquePeaksPerPart = [[peak(40, 40, 0.3), peak(90, 90, 0.8), peak(10, 100, 0.5)], [peak(50, 50, 0.05)], []];
    const r = assemble(
      { peaksPerPart: peaks, uniquePeaksPerPart, costs: edgeAffinities(paf, Ho, Wo, CHAIN, peaks, S), graph: CHAIN },
      { maxIndividuals: 2 },
    );
    assert.deepEqual(r.unique, [uniquePeaksPerPart[0][1], null, null]);
    assert.deepEqual(poses(r.animals), [A, B]);
  });

  it('returns at most maxIndividuals animals, the most confident ones', () => {
    const C: Pt[] = [[104, 16], [108, 44], [104, 76], [110, 108]];
    const peaks = peaksOf([A, B]).map((dets, k) => [...dets, peak(C[k][0], C[k][1], 0.5)]);
    assert.deepEqual(poses(run([A, B, C], peaks).animals), [A, B]);
    assert.deepEqual(poses(run([A, B, C], peaks, { maxIndividuals: 3 }).animals), [A, B, C]);
  });

  it('greedy and optimal pairing differ when the best single link blocks a better total', () => {
    // Two parts, one edge; affinities s0–t0 0.9, s0–t1 0.8, s1–t0 0.7, s1–t1 0.1. Greedy takes 0.9 first and is
    // left with 0.1 (total 1.0); the Hungarian assignment takes 0.8 + 0.7 = 1.5.
    // Positions keep either pairing's two poses out of each other's boxes, so pose NMS removes nothing.
    const peaks = [[peak(10, 10), peak(100, 10)], [peak(20, 40), peak(90, 40)]];
    const input = { peaksPerPart: peaks, costs: [costs([[0.9, 0.8], [0.7, 0.1]])], graph: [[0, 1]] as Edge[] };
    const scores = (greedy: boolean) => assemble(input, { maxIndividuals: 2, minNLinks: 1, greedy }).animals.map((a) => a.score);
    assert.deepEqual(scores(false), [0.8, 0.7].map(Math.fround));
    assert.deepEqual(scores(true), [0.9, 0.1].map(Math.fround));
  });

  it('grows assemblies from the best links when a misleading edge joins two animals into one component', () => {
    // Edges nose–neck, neck–tail (right: 0.9 for a, 0.8 for b) and nose–tail, whose assignment pairs across
    // animals (0.6). The link graph is one 6-joint component, not a complete animal, so it is split by growth:
    // seed a0–a1 (0.9) takes a1–a2 (0.9) before a0–b2 (0.6) and is then complete; b0–b1 then takes b1–b2.
    const peaks = [[peak(10, 10), peak(100, 10)], [peak(12, 40), peak(102, 40)], [peak(10, 70), peak(100, 70)]];
    const graph: Edge[] = [[0, 1], [1, 2], [0, 2]];
    const input = { peaksPerPart: peaks, costs: [costs([[0.9, 0], [0, 0.8]]), costs([[0.9, 0], [0, 0.8]]), costs([[0.1, 0.6], [0.6, 0.1]])], graph };
    const r = assemble(input, { maxIndividuals: 2 });
    assert.deepEqual(poses(r.animals), [[[10, 10], [12, 40], [10, 70]], [[100, 10], [102, 40], [100, 70]]]);
    assert.deepEqual(r.animals.map((a) => [a.links, a.score]), [[2, Math.fround(0.9)], [2, Math.fround(0.8)]]);
  });

  it('drops links below minAffinity and detections below pcutoff', () => {
    const peaks = [[peak(10, 10), peak(100, 10, 0.05)], [peak(10, 100), peak(100, 100)]];
    const input = { peaksPerPart: peaks, costs: [costs([[0.04, 0], [0, 0.9]])], graph: [[0, 1]] as Edge[] };
    assert.deepEqual(assemble(input, { maxIndividuals: 2, minNLinks: 1 }).animals, []);
  });

  it('suppresses a duplicate skeleton through the same points (pose NMS)', () => {
    // Two chains of three parts share their end points; the weaker one overlaps the stronger fully.
    const peaks = [[peak(10, 10), peak(10, 10)], [peak(30, 30), peak(28, 32)], [peak(50, 50), peak(50, 50)]];
    const graph: Edge[] = [[0, 1], [1, 2]];
    const input = { peaksPerPart: peaks, costs: [costs([[0.9, 0], [0, 0.5]]), costs([[0.9, 0], [0, 0.5]])], graph };
    const r = assemble(input, { maxIndividuals: 2 });
    assert.deepEqual(r.animals.map((a) => a.score), [Math.fround(0.9)]);
    assert.equal(assemble(input, { maxIndividuals: 2, maxOverlap: 1 }).animals.length, 2); // NMS off
  });

  it('groups by predicted identity with identityOnly', () => {
    // Identity says animal 1 owns the left nose; PAFs are not consulted.
    const peaks = [[peak(20, 16), peak(64, 20), peak(30, 30, 0.05)], [peak(28, 44), peak(72, 48)]];
    const id = (i: number) => Float32Array.from([0, 1], (_, n) => (n === i ? 0.9 : 0.1));
    const identity = [[id(1), id(0), id(0)], [id(0), id(1)]];
    const r = assemble({ peaksPerPart: peaks, identity, costs: [], graph: [[0, 1]] }, { maxIndividuals: 2, identityOnly: true });
    const byId = r.animals.map((a) => [...a.keypoints]).sort((a, b) => a[3] - b[3]);
    assert.deepEqual(byId, [
      [64, 20, 0.9, 0, 28, 44, 0.9, 0].map(Math.fround),
      [20, 16, 0.9, 1, 72, 48, 0.9, 1].map(Math.fround),
    ]);
    assert.equal(r.animals[0].links, 0);
    assert.throws(() => assemble({ peaksPerPart: peaks, costs: [], graph: [] }, { maxIndividuals: 2, identityOnly: true }), { name: 'HerdError' });
  });

  it('handles one body part and one individual as DLC does', () => {
    const single = assemble({ peaksPerPart: [[peak(10, 10, 0.8), peak(50, 50, 0.05), peak(90, 90, 0.6)]], costs: [], graph: [] }, { maxIndividuals: 5 });
    assert.deepEqual(single.animals.map((a) => [...a.keypoints]), [[10, 10, 0.8, -1], [90, 90, 0.6, -1]].map((r) => r.map(Math.fround)));
    // One individual: the best peak of each part, whatever the PAF says.
    const peaks = [[peak(10, 10, 0.5), peak(20, 20, 0.7)], [], [peak(30, 30, 0.4)]];
    const one = assemble({ peaksPerPart: peaks, costs: [], graph: [[0, 1], [1, 2]] }, { maxIndividuals: 1 });
    assert.deepEqual(poses(one.animals), [[[20, 20], NAN, [30, 30]]]);
    assert.equal(one.animals[0].score, (0.7 + 0.4) / 2);
  });

  it('returns nothing without detections and rejects bad inputs', () => {
    assert.deepEqual(assemble({ peaksPerPart: [[], []], costs: [], graph: [[0, 1]] }, { maxIndividuals: 2 }), { animals: [], unique: [] });
    const peaks = [[peak(10, 10)], [peak(20, 20)]];
    assert.throws(() => assemble({ peaksPerPart: peaks, costs: [costs([[1, 1]])], graph: [[0, 1]] }, { maxIndividuals: 2 }), { name: 'HerdError' });
    assert.throws(() => assemble({ peaksPerPart: peaks, costs: [], graph: [[0, 2]] }, { maxIndividuals: 2 }), { name: 'HerdError' });
    assert.throws(() => assemble({ peaksPerPart: peaks, costs: [], graph: [] }, { maxIndividuals: 0 }), { name: 'HerdError' });
  });
});

describe('assemble fingerprint', () => {
  /** Identity probabilities for every peak, coarse so that argmax ties happen. */
  function withIdentity(input: AssemblyInput, n: number, random: Random): AssemblyInput {
    const identity = input.peaksPerPart.map((peaks) => peaks.map(() => Float32Array.from({ length: n }, () => Math.round(random.next() * 4) / 4)));
    return { ...input, identity };
  }

  /** Adversarial frames: few parts, many peaks, coarse affinities, confidences and positions (ties everywhere), NaN affinities. */
  function hardInputs(frames: number, seed: number): { input: AssemblyInput; maxIndividuals: number }[] {
    const random = new Random(seed);
    const out: { input: AssemblyInput; maxIndividuals: number }[] = [];
    for (let f = 0; f < frames; f++) {
      const K = 2 + random.integer(0, 5);
      const peaksPerPart: Peak[][] = [];
      for (let k = 0; k < K; k++) {
        const n = random.integer(0, 6);
        peaksPerPart.push(Array.from({ length: n }, () => ({ x: random.integer(0, 8) * 10, y: random.integer(0, 8) * 10, score: random.integer(0, 5) / 4, row: 0, col: 0 })));
      }
      const graph: Edge[] = fullGraph(K).filter(() => random.next() < 0.7);
      const costs = graph.map(([s, t]) => {
        const affinity = Float32Array.from({ length: peaksPerPart[s].length * peaksPerPart[t].length }, () => (random.next() < 0.05 ? NaN : random.integer(0, 5) / 4));
        return { affinity, distance: new Float32Array(affinity.length) };
      });
      out.push({ input: { peaksPerPart, costs, graph }, maxIndividuals: 1 + random.integer(0, 5) });
    }
    return out;
  }

  function results(): AssemblyResult[] {
    const parts = 12, frames = 300;
    const scene = simulateScene({ animals: 3, keypoints: parts, frames, seed: 1 });
    const { content } = synthDetections(scene, { seed: 1 });
    const graph = fullGraph(parts);
    const tree = Array.from({ length: parts - 1 }, (_, k) => graph.findIndex(([s, t]) => s === k && t === k + 1));
    const inputs = assemblyInputs(content.assemblies, frames, content.maxAnimals, parts, 4, graph, 2);
    const random = new Random(3);
    const identified = inputs.map((i) => withIdentity(i, 3, random));
    const out: AssemblyResult[] = [];
    const variants: [AssemblyInput[], AssembleOptions][] = [
      [inputs, { maxIndividuals: 3 }],
      [inputs, { maxIndividuals: 3, edges: tree }],
      [inputs, { maxIndividuals: 3, greedy: true }],
      [inputs, { maxIndividuals: 3, greedy: true, edges: tree }],
      [inputs, { maxIndividuals: 2 }],
      [inputs, { maxIndividuals: 2, edges: tree, minNLinks: 1 }],
      [identified, { maxIndividuals: 3, edges: tree }],
      [identified, { maxIndividuals: 3, identityOnly: true }],
    ];
    for (const [ins, o] of variants) for (const i of ins) out.push(assemble(i, o));
    for (const { input, maxIndividuals } of hardInputs(400, 5)) {
      for (const o of [{}, { greedy: true }, { minNLinks: 1 }, { maxOverlap: 0.5 }] as Partial<AssembleOptions>[]) out.push(assemble(input, { maxIndividuals, ...o }));
    }
    return out;
  }

  it('gives the same animals, keypoints, scores and order as before the speed-up', () => {
    // 300 synthetic frames (both graphs, optimal and greedy, identity) and 400 tie-heavy random frames. The hash
    // was recorded from the original (object-based) assembler; values are rounded to 9 significant digits.
    const round = (v: number) => (Number.isNaN(v) ? null : Number(v.toPrecision(9)));
    const rs = results();
    const text = JSON.stringify(rs.map((r) => [r.animals.map((a) => [Array.from(a.keypoints, round), round(a.score), a.links]), r.unique.map((p) => p && [p.x, p.y, p.score])]));
    assert.equal(rs.reduce((n, r) => n + r.animals.length, 0), 8355);
    assert.equal(createHash('sha256').update(text).digest('hex'), '6eee6929bf4878fafa40a8c665e155529071c9e2403deb7fcb5720ea523e7de1');
  });

  it('gives the same results as before on odd inputs: NaN and infinite scores and x, duplicate and self-loop edges', () => {
    const random = new Random(9);
    const odd = (v: number) => {
      const r = random.next();
      return r < 0.04 ? NaN : r < 0.06 ? Infinity : v;
    };
    const results: (AssemblyResult | string)[] = [];
    for (let f = 0; f < 1500; f++) {
      const K = 2 + random.integer(0, 4);
      const peaksPerPart: Peak[][] = [];
      for (let k = 0; k < K; k++) {
        const n = random.integer(0, 5);
        peaksPerPart.push(Array.from({ length: n }, () => ({ x: odd(random.integer(0, 6) * 10), y: random.integer(0, 6) * 10, score: odd(random.integer(0, 5) / 4), row: 0, col: 0 })));
      }
      const graph: Edge[] = [...fullGraph(K).filter(() => random.next() < 0.7), [0, 1], [1, 1]];
      const costs = graph.map(([s, t]) => {
        const affinity = Float32Array.from({ length: peaksPerPart[s].length * peaksPerPart[t].length }, () => (random.next() < 0.05 ? NaN : random.integer(0, 5) / 4));
        return { affinity, distance: new Float32Array(affinity.length) };
      });
      const identity = peaksPerPart.map((peaks) => peaks.map(() => Float32Array.from({ length: 3 }, () => Math.round(random.next() * 2) / 2)));
      const input = { peaksPerPart, costs, graph, identity };
      const maxIndividuals = 1 + random.integer(0, 4);
      for (const o of [{}, { greedy: true }, { minNLinks: 1 }, { maxOverlap: 0.5 }, { identityOnly: true }, { edges: [0, 0, 1] }] as Partial<AssembleOptions>[]) {
        try {
          results.push(assemble(input, { maxIndividuals, ...o }));
        } catch (e) {
          results.push(String(e));
        }
      }
    }
    const round = (v: number) => (Number.isNaN(v) ? null : Object.is(v, Infinity) ? 'inf' : Number(v.toPrecision(9)));
    const text = JSON.stringify(results.map((r) => (typeof r === 'string' ? r : [r.animals.map((a) => [Array.from(a.keypoints, round), round(a.score), a.links]), r.unique])));
    assert.equal(createHash('sha256').update(text).digest('hex'), 'fef0a280b3827c0d9adfd702238f76ea9fe892929109336b3f2e5d5d27802337');
  });
});
