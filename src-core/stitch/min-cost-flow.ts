/**
 * Minimum-cost flow with node supplies (integer capacities and costs), the solver behind tracklet stitching.
 *
 * Method: successive shortest paths with Johnson potentials, in phases. Each phase runs Dijkstra on reduced costs
 * from a super source (linked to every node with supply) to a super sink (linked from every node with demand),
 * lifts the potentials by the distances, and then pushes a blocking flow (Dinic: BFS levels, DFS with current-edge
 * pointers) along the edges whose reduced cost is now zero — every path of one phase has the same, shortest,
 * length, so many unit paths go through per Dijkstra. Negative-cost edges are saturated up front (their reverse
 * residual edge then costs −c > 0), so all residual costs start non-negative: negative costs, even negative cycles,
 * need no Bellman–Ford pass.
 *
 * The answer is optimal when feasible; when the supplies cannot all be routed, `feasible` is false and `unrouted`
 * says how many units are missing (the flow returned is then a maximum flow of minimum cost, for diagnosis only).
 */

export interface FlowEdge {
  from: number;
  to: number;
  /** Non-negative integer. */
  capacity: number;
  /** Integer, may be negative. */
  cost: number;
}

export interface MinCostFlowResult {
  /** True when every supply reached a demand. */
  feasible: boolean;
  /** Flow on each input edge, in input order. */
  flow: Int32Array;
  /** Σ cost × flow over the input edges. */
  cost: number;
  /** Units of supply that could not be routed (0 when feasible). */
  unrouted: number;
}

/** Residual graph in flat arrays: edge e and its reverse e ^ 1. */
class Residual {
  head: Int32Array;
  next: Int32Array;
  to: Int32Array;
  cap: Float64Array;
  cost: Float64Array;
  count = 0;

  constructor(
    readonly nodes: number,
    maxEdges: number,
  ) {
    this.head = new Int32Array(nodes).fill(-1);
    this.next = new Int32Array(maxEdges * 2);
    this.to = new Int32Array(maxEdges * 2);
    this.cap = new Float64Array(maxEdges * 2);
    this.cost = new Float64Array(maxEdges * 2);
  }

  add(from: number, to: number, cap: number, cost: number): number {
    const e = this.count;
    this.to[e] = to;
    this.cap[e] = cap;
    this.cost[e] = cost;
    this.next[e] = this.head[from];
    this.head[from] = e;
    this.to[e + 1] = from;
    this.cap[e + 1] = 0;
    this.cost[e + 1] = -cost;
    this.next[e + 1] = this.head[to];
    this.head[to] = e + 1;
    this.count += 2;
    return e;
  }
}

/** A binary min-heap of (key, node) with lazy deletion. */
class Heap {
  private keys: number[] = [];
  private items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(key: number, item: number): void {
    const keys = this.keys;
    const items = this.items;
    let i = items.length;
    keys.push(key);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= key) break;
      keys[i] = keys[parent];
      items[i] = items[parent];
      i = parent;
    }
    keys[i] = key;
    items[i] = item;
  }

  /** Pops the smallest; returns its item and leaves its key in `lastKey`. */
  lastKey = 0;
  pop(): number {
    const keys = this.keys;
    const items = this.items;
    const top = items[0];
    this.lastKey = keys[0];
    const key = keys.pop()!;
    const item = items.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && keys[child + 1] < keys[child]) child += 1;
        if (keys[child] >= key) break;
        keys[i] = keys[child];
        items[i] = items[child];
        i = child;
      }
      keys[i] = key;
      items[i] = item;
    }
    return top;
  }
}

function checkInteger(value: number, what: string, nonNegative: boolean): void {
  if (!Number.isSafeInteger(value) || (nonNegative && value < 0)) {
    throw new RangeError(`min-cost flow: ${what} must be a${nonNegative ? ' non-negative' : 'n'} integer, got ${value}`);
  }
}

/**
 * Minimum-cost flow. `supply[v]` > 0: v produces that many units; < 0: v consumes them; the flow on every edge
 * lies in [0, capacity], and at every node outflow − inflow = supply. Supplies that do not sum to zero are
 * infeasible by definition (reported, not thrown); malformed input (non-integers, bad node ids) throws.
 */
export function minCostFlow(nodeCount: number, edges: readonly FlowEdge[], supply: ArrayLike<number>): MinCostFlowResult {
  checkInteger(nodeCount, 'the node count', true);
  if (supply.length !== nodeCount) throw new RangeError(`min-cost flow: ${supply.length} supplies for ${nodeCount} nodes`);
  const excess = new Float64Array(nodeCount);
  let balance = 0;
  for (let v = 0; v < nodeCount; v++) {
    checkInteger(supply[v], `supply of node ${v}`, false);
    excess[v] = supply[v];
    balance += supply[v];
  }
  const m = edges.length;
  const S = nodeCount;
  const T = nodeCount + 1;
  const g = new Residual(nodeCount + 2, m + nodeCount);
  const forward = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const { from, to, capacity, cost } = edges[i];
    if (!Number.isInteger(from) || from < 0 || from >= nodeCount || !Number.isInteger(to) || to < 0 || to >= nodeCount) {
      throw new RangeError(`min-cost flow: edge ${i} joins ${from} → ${to}, outside 0..${nodeCount - 1}`);
    }
    checkInteger(capacity, `capacity of edge ${i}`, true);
    checkInteger(cost, `cost of edge ${i}`, false);
    if (cost < 0 && from !== to) {
      // Saturate: the residual then only offers the reverse edge, at cost −c > 0.
      const e = g.add(from, to, 0, cost);
      g.cap[e + 1] = capacity;
      excess[from] -= capacity;
      excess[to] += capacity;
      forward[i] = e;
    } else {
      // A self-loop carries no useful flow (a negative one would be saturated for free; it is counted below).
      forward[i] = from === to ? -1 : g.add(from, to, capacity, cost);
    }
  }
  let needed = 0;
  for (let v = 0; v < nodeCount; v++) {
    if (excess[v] > 0) {
      g.add(S, v, excess[v], 0);
      needed += excess[v];
    } else if (excess[v] < 0) {
      g.add(v, T, -excess[v], 0);
    }
  }

  const n = nodeCount + 2;
  const potential = new Float64Array(n);
  const dist = new Float64Array(n);
  const done = new Uint8Array(n);
  const level = new Int32Array(n);
  const iter = new Int32Array(n);
  const queue = new Int32Array(n);
  const pathEdges = new Int32Array(n);
  let routed = 0;

  const reduced = (e: number, from: number) => g.cost[e] + potential[from] - potential[g.to[e]];

  while (routed < needed) {
    // Dijkstra on reduced costs, stopping once the super sink is settled.
    dist.fill(Infinity);
    done.fill(0);
    dist[S] = 0;
    const heap = new Heap();
    heap.push(0, S);
    while (heap.size > 0) {
      const u = heap.pop();
      if (done[u]) continue;
      done[u] = 1;
      if (u === T) break;
      const du = heap.lastKey;
      for (let e = g.head[u]; e !== -1; e = g.next[e]) {
        if (g.cap[e] <= 0) continue;
        const v = g.to[e];
        if (done[v]) continue;
        const alt = du + reduced(e, u);
        if (alt < dist[v]) {
          dist[v] = alt;
          heap.push(alt, v);
        }
      }
    }
    if (!done[T]) break;
    const dT = dist[T];
    for (let v = 0; v < n; v++) potential[v] += Math.min(dist[v], dT);

    // Blocking flows on the admissible graph (residual edges of zero reduced cost).
    for (;;) {
      level.fill(-1);
      level[S] = 0;
      let qh = 0;
      let qt = 0;
      queue[qt++] = S;
      while (qh < qt) {
        const u = queue[qh++];
        for (let e = g.head[u]; e !== -1; e = g.next[e]) {
          const v = g.to[e];
          if (g.cap[e] > 0 && level[v] < 0 && reduced(e, u) === 0) {
            level[v] = level[u] + 1;
            queue[qt++] = v;
          }
        }
      }
      if (level[T] < 0) break;
      for (let v = 0; v < n; v++) iter[v] = g.head[v];
      // Iterative DFS with current-edge pointers.
      let depth = 0;
      let u = S;
      for (;;) {
        if (u === T) {
          let push = Infinity;
          for (let i = 0; i < depth; i++) push = Math.min(push, g.cap[pathEdges[i]]);
          for (let i = 0; i < depth; i++) {
            g.cap[pathEdges[i]] -= push;
            g.cap[pathEdges[i] ^ 1] += push;
          }
          routed += push;
          depth = 0;
          u = S;
          continue;
        }
        let e = iter[u];
        while (e !== -1) {
          const v = g.to[e];
          if (g.cap[e] > 0 && level[v] === level[u] + 1 && reduced(e, u) === 0) break;
          e = g.next[e];
        }
        iter[u] = e;
        if (e !== -1) {
          pathEdges[depth++] = e;
          u = g.to[e];
          continue;
        }
        // Dead end: retreat and never come back to u in this phase.
        level[u] = -1;
        if (depth === 0) break;
        const back = pathEdges[--depth];
        u = g.to[back ^ 1];
        iter[u] = g.next[iter[u]];
      }
    }
  }

  const flow = new Int32Array(m);
  let cost = 0;
  for (let i = 0; i < m; i++) {
    const e = forward[i];
    if (e < 0) {
      flow[i] = edges[i].cost < 0 ? edges[i].capacity : 0;
    } else {
      flow[i] = g.cap[e ^ 1];
    }
    cost += flow[i] * edges[i].cost;
  }
  const unrouted = needed - routed;
  return { feasible: balance === 0 && unrouted === 0, flow, cost, unrouted: balance === 0 ? unrouted : Math.max(unrouted, Math.abs(balance)) };
}
