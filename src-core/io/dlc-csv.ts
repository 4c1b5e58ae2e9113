import { HerdError } from '../common/errors';

/**
 * DeepLabCut's CSV layout (pandas `DataFrame.to_csv` of a frame with MultiIndex columns):
 * 3 header rows `scorer` / `bodyparts` / `coords` for single-animal projects, 4 rows with
 * `individuals` for multi-animal ones. Each header row starts with the level name followed by one
 * empty cell per further index level; data rows start with the index cells.
 */

/** One column of a DeepLabCut table; `individual` is absent in single-animal tables. */
export interface DlcColumn {
  individual?: string;
  bodypart: string;
  /** `x`, `y` or `likelihood`. */
  coord: string;
}

export interface DlcTable {
  scorer: string;
  columns: DlcColumn[];
  /**
   * Index cells of each row: one cell (frame number or `labeled-data/<video>/imgNNNN.png`) or three
   * (`labeled-data`, video, image). All rows have the same width; an empty table has width 1.
   */
  index: string[][];
  /** Row-major, `index.length * columns.length` values; NaN is a missing value (an empty cell). */
  values: Float64Array | number[];
}

/** Name of the individual that carries unique (per-frame, not per-animal) bodyparts. */
export const UNIQUE_INDIVIDUAL = 'single';

/**
 * Columns in DeepLabCut's multi-animal order: each individual × each bodypart × each coord, then
 * the unique bodyparts under the individual `single`.
 */
export function multiAnimalColumns(
  individuals: readonly string[],
  bodyparts: readonly string[],
  uniqueBodyparts: readonly string[] = [],
  coords: readonly string[] = ['x', 'y'],
): DlcColumn[] {
  const columns: DlcColumn[] = [];
  for (const individual of individuals) {
    for (const bodypart of bodyparts) {
      for (const coord of coords) columns.push({ individual, bodypart, coord });
    }
  }
  for (const bodypart of uniqueBodyparts) {
    for (const coord of coords) columns.push({ individual: UNIQUE_INDIVIDUAL, bodypart, coord });
  }
  return columns;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Formats a float64 the way pandas writes it (Python's shortest round-trip `repr`). */
export function formatPandasFloat(value: number): string {
  if (Number.isNaN(value)) return '';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip, like repr.
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  // Python switches to scientific notation outside 1e-5 <= |x| < 1e16.
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const exponentSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${fraction}e${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const integerDigits = exponent + 1;
  if (digits.length <= integerDigits) return `${sign}${digits.padEnd(integerDigits, '0')}.0`;
  return `${sign}${digits.slice(0, integerDigits)}.${digits.slice(integerDigits)}`;
}

/** Quotes a cell only when the CSV syntax requires it (Python's csv.QUOTE_MINIMAL). */
function quoteCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function isMultiAnimal(columns: readonly DlcColumn[]): boolean {
  return columns.some((column) => column.individual !== undefined);
}

function tableIndexWidth(table: DlcTable): number {
  const width = table.index[0]?.length ?? 1;
  if (width < 1) throw new HerdError('DLC_CSV_SHAPE', 'each row needs at least one index cell');
  table.index.forEach((cells, row) => {
    if (cells.length !== width) {
      throw new HerdError('DLC_CSV_SHAPE', `row ${row} has ${cells.length} index cells, expected ${width}`);
    }
  });
  return width;
}

/** The table as DeepLabCut/pandas would write it (LF line endings, trailing newline). */
export function formatDlcCsv(table: DlcTable): string {
  const { columns, index, values } = table;
  const width = tableIndexWidth(table);
  if (values.length !== index.length * columns.length) {
    throw new HerdError(
      'DLC_CSV_SHAPE',
      `expected ${index.length} rows × ${columns.length} columns = ${index.length * columns.length} values, got ${values.length}`,
    );
  }
  const multiAnimal = isMultiAnimal(columns);
  if (multiAnimal && columns.some((column) => column.individual === undefined)) {
    throw new HerdError('DLC_CSV_SHAPE', 'either every column names an individual or none does');
  }
  const headerRow = (level: string, cells: string[]) =>
    [level, ...new Array<string>(width - 1).fill(''), ...cells].map(quoteCell).join(',');
  const lines = [headerRow('scorer', columns.map(() => table.scorer))];
  if (multiAnimal) lines.push(headerRow('individuals', columns.map((column) => column.individual ?? '')));
  lines.push(headerRow('bodyparts', columns.map((column) => column.bodypart)));
  lines.push(headerRow('coords', columns.map((column) => column.coord)));
  for (let row = 0; row < index.length; row++) {
    const cells = index[row].map(quoteCell);
    for (let column = 0; column < columns.length; column++) {
      cells.push(formatPandasFloat(values[row * columns.length + column]));
    }
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Reading

/** One CSV record with where it starts, so errors can point at the offending cell. */
interface CsvRecord {
  cells: string[];
  /** 1-based line of the record's first character. */
  line: number;
  /** 1-based column of each cell's first character (on the cell's own line). */
  cellColumns: number[];
}

/** RFC 4180 records (quoted cells may hold commas, quotes and newlines); blank lines are skipped. */
function splitCsvRecords(text: string, fileName: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let lineStart = 0;
  let position = text.charCodeAt(0) === 0xfeff ? 1 : 0; // tolerate a byte-order mark
  while (position < text.length) {
    const record: CsvRecord = { cells: [], line, cellColumns: [] };
    for (;;) {
      record.cellColumns.push(position - lineStart + 1);
      let cell = '';
      if (text[position] === '"') {
        const openLine = line;
        position++;
        for (;;) {
          if (position >= text.length) {
            throw new HerdError('DLC_CSV_SYNTAX', 'unterminated quoted cell', { file: fileName, line: openLine });
          }
          const char = text[position];
          if (char === '"') {
            if (text[position + 1] === '"') {
              cell += '"';
              position += 2;
              continue;
            }
            position++;
            break;
          }
          if (char === '\n') {
            line++;
            lineStart = position + 1;
          }
          cell += char;
          position++;
        }
      } else {
        const start = position;
        while (position < text.length && !',\r\n'.includes(text[position])) position++;
        cell = text.slice(start, position);
      }
      record.cells.push(cell);
      if (text[position] === ',') {
        position++;
        continue;
      }
      if (position < text.length && !'\r\n'.includes(text[position])) {
        throw new HerdError('DLC_CSV_SYNTAX', 'unexpected text after a quoted cell', {
          file: fileName,
          line,
          column: position - lineStart + 1,
        });
      }
      break;
    }
    if (text[position] === '\r') position++;
    if (text[position] === '\n') position++;
    line++;
    lineStart = position;
    const blank = record.cells.length === 1 && record.cells[0] === '';
    if (!blank) records.push(record);
  }
  return records;
}

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseCell(cell: string): number | undefined {
  const trimmed = cell.trim();
  if (trimmed === '') return Number.NaN;
  if (NUMBER_PATTERN.test(trimmed)) return Number(trimmed);
  switch (trimmed.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case 'inf':
    case '+inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    default:
      return undefined;
  }
}

/**
 * Reads a DeepLabCut CSV (labels, predictions or tracks). The header decides the layout:
 * a second row named `individuals` means multi-animal, and the empty cells after each level name
 * give the number of index columns.
 */
export function parseDlcCsv(text: string, fileName: string): DlcTable {
  const records = splitCsvRecords(text, fileName);
  const fail = (message: string, record?: CsvRecord, cell?: number): never => {
    throw new HerdError('DLC_CSV_SYNTAX', message, {
      file: fileName,
      line: record?.line ?? 1,
      column: record && cell !== undefined ? record.cellColumns[cell] : undefined,
    });
  };
  if (records.length < 3) fail('not a DeepLabCut CSV: expected at least 3 header rows', records[0]);
  const multiAnimal = records[1].cells[0] === 'individuals';
  const levelNames = multiAnimal
    ? ['scorer', 'individuals', 'bodyparts', 'coords']
    : ['scorer', 'bodyparts', 'coords'];
  const headers = records.slice(0, levelNames.length);
  if (headers.length < levelNames.length) fail(`expected ${levelNames.length} header rows`, records.at(-1));
  headers.forEach((record, level) => {
    if (record.cells[0] !== levelNames[level]) {
      fail(`header row ${level + 1} should start with "${levelNames[level]}", found "${record.cells[0]}"`, record, 0);
    }
  });

  let emptyCells = 0;
  while (emptyCells + 1 < headers[0].cells.length && headers[0].cells[emptyCells + 1] === '') emptyCells++;
  const indexWidth = emptyCells + 1;
  const rowWidth = headers[0].cells.length;
  const columnCount = rowWidth - indexWidth;
  for (const record of records) {
    if (record.cells.length !== rowWidth) {
      fail(`row has ${record.cells.length} cells, the header has ${rowWidth}`, record);
    }
  }
  for (const record of headers) {
    for (let cell = 1; cell < indexWidth; cell++) {
      if (record.cells[cell] !== '') fail('header rows must have the same number of index cells', record, cell);
    }
  }

  const level = (name: string) => headers[levelNames.indexOf(name)].cells.slice(indexWidth);
  const scorers = level('scorer');
  const scorer = scorers[0] ?? '';
  scorers.forEach((other, column) => {
    if (other !== scorer) fail(`mixed scorers "${scorer}" and "${other}"`, headers[0], indexWidth + column);
  });
  const individuals = multiAnimal ? level('individuals') : undefined;
  const bodyparts = level('bodyparts');
  const coords = level('coords');
  const columns: DlcColumn[] = bodyparts.map((bodypart, column) =>
    individuals
      ? { individual: individuals[column], bodypart, coord: coords[column] }
      : { bodypart, coord: coords[column] },
  );

  const dataRecords = records.slice(levelNames.length);
  const values = new Float64Array(dataRecords.length * columnCount);
  const index = dataRecords.map((record, row) => {
    for (let column = 0; column < columnCount; column++) {
      const cell = record.cells[indexWidth + column];
      const value = parseCell(cell);
      if (value === undefined) fail(`"${cell}" is not a number`, record, indexWidth + column);
      values[row * columnCount + column] = value as number;
    }
    return record.cells.slice(0, indexWidth);
  });
  return { scorer, columns, index, values };
}
