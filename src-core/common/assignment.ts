/**
 * Minimum-cost assignment of every row of an n×m cost matrix (n ≤ m) to a distinct column: the Hungarian
 * algorithm with potentials, O(n²m). Returns each row's column. Used to match detections to labels and to link
 * body parts into animals.
 */
export function minCostAssignment(cost: number[][], n: number, m: number): number[] {
  const flat = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) flat[i * m + j] = cost[i][j];
  return minCostAssignmentFlat(flat, n, m);
}

/** Work arrays shared by every call (JavaScript runs one call at a time); grown when a larger matrix comes. */
let scratch = workArrays(8);

function workArrays(size: number) {
  return {
    size,
    u: new Float64Array(size + 1),
    v: new Float64Array(size + 1),
    p: new Int32Array(size + 1), // p[j]: row (1-based) matched to column j, 0 = none
    way: new Int32Array(size + 1),
    minv: new Float64Array(size + 1),
    used: new Uint8Array(size + 1),
  };
}

/** `minCostAssignment` on a row-major n×m matrix (no nested arrays and no allocation but the result: hot loops call
 *  this once per frame and edge). */
export function minCostAssignmentFlat(cost: ArrayLike<number>, n: number, m: number): number[] {
  const out = new Int32Array(n);
  minCostAssignmentInto(cost, n, m, out);
  return Array.from(out);
}

/** `minCostAssignmentFlat` writing each row's column into `rowToCol[0 … n−1]` (−1 = none), allocating nothing:
 *  the assembler calls it for every PAF edge of every frame. */
export function minCostAssignmentInto(cost: ArrayLike<number>, n: number, m: number, rowToCol: Int32Array): void {
  if (Math.max(n, m) > scratch.size) scratch = workArrays(Math.max(n, m, 2 * scratch.size));
  const { u, v, p, way, minv, used } = scratch;
  // Plain loops, not fill(): the matrices are tiny (3×3 for three animals) and fill's call costs more.
  for (let i = 0; i <= n; i++) u[i] = 0;
  for (let j = 0; j <= m; j++) v[j] = p[j] = way[j] = 0;
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    for (let j = 0; j <= m; j++) {
      minv[j] = Infinity;
      used[j] = 0;
    }
    do {
      used[j0] = 1;
      const i0 = p[j0];
      const row = (i0 - 1) * m - 1; // cost of (i0, j) is cost[row + j], j 1-based
      const ui = u[i0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[row + j] - ui - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  for (let i = 0; i < n; i++) rowToCol[i] = -1;
  for (let j = 1; j <= m; j++) if (p[j] > 0) rowToCol[p[j] - 1] = j - 1;
}

/**
 * The optimal one-to-one assignment of rows to columns of the n×m matrix `matrix` (row-major; either side may be
 * larger), minimising the sum, or maximising it with `maximize` (scipy's `linear_sum_assignment`). min(n, m) pairs are
 * made; returns each row's column, −1 for unassigned rows. Non-finite entries are treated as very bad (never
 * preferred over a finite one).
 */
export function assignRows(matrix: ArrayLike<number>, n: number, m: number, maximize = false): Int32Array {
  const rowToCol = new Int32Array(n).fill(-1);
  if (n === 0 || m === 0) return rowToCol;
  let worst = 0;
  for (let i = 0; i < n * m; i++) if (Number.isFinite(matrix[i])) worst = Math.max(worst, Math.abs(matrix[i]));
  const big = 1e6 * (worst + 1);
  const at = (i: number, j: number) => {
    const v = matrix[i * m + j];
    const c = maximize ? -v : v;
    return Number.isFinite(c) ? c : big;
  };
  if (n <= m) {
    const cost = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) cost[i * m + j] = at(i, j);
    minCostAssignmentInto(cost, n, m, rowToCol);
  } else {
    // More rows than columns: assign the columns to rows instead.
    const cost = new Float64Array(m * n);
    for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) cost[j * n + i] = at(i, j);
    const colToRow = new Int32Array(m);
    minCostAssignmentInto(cost, m, n, colToRow);
    for (let j = 0; j < m; j++) if (colToRow[j] >= 0) rowToCol[colToRow[j]] = j;
  }
  return rowToCol;
}
