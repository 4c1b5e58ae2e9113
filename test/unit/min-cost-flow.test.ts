/**
 * The min-cost-flow solver behind stitching, checked against exhaustive enumeration on small random graphs
 * (negative costs and cycles included) and on cases solved by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../src-core/common/random';
import { minCostFlow, type FlowEdge } from '../../src-core/stitch/min-cost-flow';

/** Every flow vector within the capacities; the cheapest one that balances the supplies (undefined: none). */
function bruteForce(nodes: number, edges: FlowEdge[], supply: number[]): number | undefined {
  let best: number | undefined;
  const flow = new Array<number>(edges.length).fill(0);
  const visit = (i: number) => {
    if (i === edges.length) {
      const net = new Array<number>(nodes).fill(0);
      let cost = 0;
      edges.forEach((e, k) => {
        net[e.from] += flow[k];
        net[e.to] -= flow[k];
        cost += flow[k] * e.cost;
      });
      if (net.every((v, k) => v === supply[k]) && (best === undefined || cost < best)) best = cost;
      return;
    }
    for (let f = 0; f <= edges[i].capacity; f++) {
      flow[i] = f;
      visit(i + 1);
    }
  };
  visit(0);
  return best;
}

function checkFlow(nodes: number, edges: FlowEdge[], supply: number[], flow: Int32Array): number {
  const net = new Array<number>(nodes).fill(0);
  let cost = 0;
  edges.forEach((e, k) => {
    assert.ok(flow[k] >= 0 && flow[k] <= e.capacity, `edge ${k} flow ${flow[k]} outside [0, ${e.capacity}]`);
    net[e.from] += flow[k];
    net[e.to] -= flow[k];
    cost += flow[k] * e.cost;
  });
  assert.deepEqual(net, supply);
  return cost;
}

describe('minCostFlow', () => {
  it('agrees with exhaustive enumeration on 400 random small graphs (negative costs, cycles, infeasible cases)', () => {
    const random = new Random(7);
    let feasible = 0;
    let infeasible = 0;
    for (let trial = 0; trial < 400; trial++) {
      const nodes = random.integer(2, 6);
      const edgeCount = random.integer(1, 8);
      const edges: FlowEdge[] = [];
      for (let i = 0; i < edgeCount; i++) {
        edges.push({ from: random.integer(0, nodes), to: random.integer(0, nodes), capacity: random.integer(0, 3), cost: random.integer(-6, 10) });
      }
      const supply = new Array<number>(nodes).fill(0);
      const units = random.integer(0, 4);
      for (let u = 0; u < units; u++) {
        supply[random.integer(0, nodes)] += 1;
        supply[random.integer(0, nodes)] -= 1;
      }
      if (trial % 25 === 0) supply[0] += 1; // unbalanced: always infeasible
      const expected = bruteForce(nodes, edges, supply);
      const result = minCostFlow(nodes, edges, supply);
      assert.equal(result.feasible, expected !== undefined, `trial ${trial}: feasibility`);
      if (expected === undefined) {
        assert.ok(result.unrouted > 0);
        infeasible += 1;
        continue;
      }
      feasible += 1;
      assert.equal(result.unrouted, 0);
      assert.equal(checkFlow(nodes, edges, supply, result.flow), result.cost);
      assert.equal(result.cost, expected, `trial ${trial}: cost`);
    }
    assert.ok(feasible > 100 && infeasible > 30, `${feasible} feasible, ${infeasible} infeasible trials`);
  });

  it('finds a min-cost path cover (assignment) solved by hand', () => {
    // Two workers (0, 1) to two jobs (2, 3): 0→2 costs 4, 0→3 costs 1, 1→2 costs 2, 1→3 costs 6. Best: 0→3, 1→2 = 3.
    const edges: FlowEdge[] = [
      { from: 0, to: 2, capacity: 1, cost: 4 },
      { from: 0, to: 3, capacity: 1, cost: 1 },
      { from: 1, to: 2, capacity: 1, cost: 2 },
      { from: 1, to: 3, capacity: 1, cost: 6 },
    ];
    const result = minCostFlow(4, edges, [1, 1, -1, -1]);
    assert.equal(result.feasible, true);
    assert.equal(result.cost, 3);
    assert.deepEqual(Array.from(result.flow), [0, 1, 1, 0]);
  });

  it('sends flow around a cheaper, longer route once the short one is full', () => {
    // s=0 → t=3: direct 0→3 cost 10 cap 1; 0→1→2→3 costs 1+1+1 cap 2. Three units: 2 × 3 + 10 = 16.
    const edges: FlowEdge[] = [
      { from: 0, to: 3, capacity: 1, cost: 10 },
      { from: 0, to: 1, capacity: 2, cost: 1 },
      { from: 1, to: 2, capacity: 5, cost: 1 },
      { from: 2, to: 3, capacity: 2, cost: 1 },
    ];
    const result = minCostFlow(4, edges, [3, 0, 0, -3]);
    assert.equal(result.cost, 16);
    assert.deepEqual(Array.from(result.flow), [1, 2, 2, 2]);
  });

  it('uses a negative cycle even without supplies, and reports unroutable supply', () => {
    const cycle: FlowEdge[] = [
      { from: 0, to: 1, capacity: 2, cost: -5 },
      { from: 1, to: 2, capacity: 3, cost: 1 },
      { from: 2, to: 0, capacity: 1, cost: 1 },
    ];
    const result = minCostFlow(3, cycle, [0, 0, 0]);
    assert.equal(result.feasible, true);
    assert.equal(result.cost, -3);
    const stuck = minCostFlow(3, [{ from: 0, to: 1, capacity: 1, cost: 1 }], [2, -1, -1]);
    assert.equal(stuck.feasible, false);
    assert.equal(stuck.unrouted, 1);
  });

  it('rejects non-integer costs and capacities and unknown nodes', () => {
    assert.throws(() => minCostFlow(2, [{ from: 0, to: 1, capacity: 1, cost: 0.5 }], [0, 0]), RangeError);
    assert.throws(() => minCostFlow(2, [{ from: 0, to: 1, capacity: -1, cost: 0 }], [0, 0]), RangeError);
    assert.throws(() => minCostFlow(2, [{ from: 0, to: 2, capacity: 1, cost: 0 }], [0, 0]), RangeError);
  });

  it('solves a 2,000-node path cover quickly enough to stitch long videos', () => {
    // 1,000 pieces in 10 lanes of 100 consecutive pieces: the cover must follow the lanes.
    const lanes = 10;
    const per = 100;
    const N = lanes * per;
    const edges: FlowEdge[] = [];
    const supply = new Array<number>(2 * N + 2).fill(0);
    const source = 2 * N;
    const sink = 2 * N + 1;
    supply[source] = lanes;
    supply[sink] = -lanes;
    const node = (lane: number, k: number) => lane * per + k;
    for (let i = 0; i < N; i++) {
      supply[2 * i] = -1;
      supply[2 * i + 1] = 1;
      edges.push({ from: source, to: 2 * i, capacity: 1, cost: 0 }, { from: 2 * i + 1, to: sink, capacity: 1, cost: 0 });
    }
    const linkStart = edges.length;
    for (let lane = 0; lane < lanes; lane++) {
      for (let k = 0; k + 1 < per; k++) {
        for (let other = 0; other < lanes; other++) {
          edges.push({ from: 2 * node(lane, k) + 1, to: 2 * node(other, k + 1), capacity: 1, cost: lane === other ? 1 : 50 + Math.abs(lane - other) });
        }
      }
    }
    const result = minCostFlow(2 * N + 2, edges, supply);
    assert.equal(result.feasible, true);
    assert.equal(result.cost, lanes * (per - 1));
    for (let e = linkStart; e < edges.length; e++) if (result.flow[e]) assert.equal(edges[e].cost, 1);
  });
});
