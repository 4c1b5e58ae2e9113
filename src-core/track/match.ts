/** Rectangular assignment on a flat cost matrix (scipy's `linear_sum_assignment`), over common/assignment's Hungarian. */
import { minCostAssignment } from '../common/assignment';

/**
 * The optimal one-to-one assignment of rows to columns of the n×m matrix `matrix` (row-major), minimising the sum,
 * or maximising it with `maximize`. min(n, m) pairs are made; returns each row's column, −1 for unassigned rows.
 * Non-finite entries are treated as very bad (never preferred over a finite one).
 */
export function assignRows(matrix: Float64Array, n: number, m: number, maximize = false): Int32Array {
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
  if (n === 1) {
    let best = 0;
    for (let j = 1; j < m; j++) if (at(0, j) < at(0, best)) best = j;
    rowToCol[0] = best;
    return rowToCol;
  }
  if (n <= m) {
    const cost = Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => at(i, j)));
    const result = minCostAssignment(cost, n, m);
    for (let i = 0; i < n; i++) rowToCol[i] = result[i];
  } else {
    // More rows than columns: assign the columns to rows instead.
    const cost = Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, i) => at(i, j)));
    const colToRow = minCostAssignment(cost, m, n);
    for (let j = 0; j < m; j++) if (colToRow[j] >= 0) rowToCol[colToRow[j]] = j;
  }
  return rowToCol;
}
