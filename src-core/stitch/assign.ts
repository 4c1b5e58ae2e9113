import { minCostAssignment } from '../common/assignment';

/**
 * Minimum-cost assignment of a rectangular n×m cost matrix (either side may be larger): returns each row's
 * column, −1 for rows left over when n > m.
 */
export function minAssignment(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length;
  const m = n > 0 ? cost[0].length : 0;
  if (n === 0) return [];
  if (m === 0) return new Array<number>(n).fill(-1);
  if (n <= m) return minCostAssignment(cost as number[][], n, m);
  const transposed = Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, i) => cost[i][j]));
  const colToRow = minCostAssignment(transposed, m, n);
  const rowToCol = new Array<number>(n).fill(-1);
  colToRow.forEach((row, col) => {
    if (row >= 0) rowToCol[row] = col;
  });
  return rowToCol;
}
