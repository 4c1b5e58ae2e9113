// Small CSV tables (results, per body part errors, histograms): RFC 4180 quoting, one record per line. DeepLabCut's
// label and pose tables have their own reader (io/dlc-csv.ts), which also reports where a cell is wrong.

/** A cell as text, quoted when it holds a comma, quote or newline. */
export function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Rows of cells as CSV text with a trailing newline. */
export function formatCsv(rows: ReadonlyArray<readonly string[]>): string {
  return rows.map((cells) => cells.map(csvCell).join(',')).join('\n') + '\n';
}

/** The cells of one line (quoted cells, doubled quotes). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/** Every non-empty line's cells (a byte-order mark and CRLF line ends are accepted). */
export function parseCsv(text: string): string[][] {
  return text
    .replace(/^\ufeff/, '')
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map(parseCsvLine);
}
