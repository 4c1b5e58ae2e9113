import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isHerdError } from '../../src-core/common/errors';
import {
  formatDlcCsv,
  formatPandasFloat,
  multiAnimalColumns,
  parseDlcCsv,
  type DlcTable,
} from '../../src-core/io/dlc-csv';

const PRANAV_CSV = '/work/shared/data/openfield-Pranav-2018-10-30/labeled-data/m4s1/CollectedData_Pranav.csv';
const PYTHON = '/usr/bin/python3';

/** A small multi-animal labels table with DeepLabCut's 3-level image index and a few gaps. */
function labelsTable(): DlcTable {
  const columns = multiAnimalColumns(['mouse1', 'mouse2'], ['snout', 'tailbase'], ['corner1'], ['x', 'y']);
  const index = [0, 7, 12].map((frame) => ['labeled-data', 'm3v1', `img${String(frame).padStart(3, '0')}.png`]);
  const values = index.flatMap((_, row) => columns.map((_, column) => row * 100 + column * 1.25 + 0.1));
  values[3] = Number.NaN; // mouse1 tailbase y on the first image
  values[columns.length + 4] = Number.NaN;
  values[columns.length + 5] = Number.NaN; // mouse2 snout unlabeled on the second image
  values[2 * columns.length] = 12; // integral values are written as 12.0
  return { scorer: 'Jane', columns, index, values };
}

function assertTablesEqual(actual: DlcTable, expected: DlcTable): void {
  assert.equal(actual.scorer, expected.scorer);
  assert.deepEqual(actual.columns, expected.columns);
  assert.deepEqual(actual.index, expected.index);
  assert.deepEqual(Array.from(actual.values), Array.from(expected.values));
}

function expectCsvError(text: string, line: number, pattern: RegExp): void {
  assert.throws(
    () => parseDlcCsv(text, 'labels.csv'),
    (error: unknown) =>
      isHerdError(error) && error.location.file === 'labels.csv' && error.location.line === line && pattern.test(error.message),
  );
}

describe('formatPandasFloat', () => {
  it('matches Python repr, which pandas uses for float64', () => {
    const cases: Array<[number, string]> = [
      [12, '12.0'],
      [0.1, '0.1'],
      [250.05599999999998, '250.05599999999998'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [-3.25, '-3.25'],
      [-0, '-0.0'],
      [Number.NaN, ''],
      [Infinity, 'inf'],
    ];
    for (const [value, text] of cases) assert.equal(formatPandasFloat(value), text, `${value}`);
  });
});

describe('multiAnimalColumns', () => {
  it('orders individual × bodypart × coord, then unique bodyparts under "single"', () => {
    const columns = multiAnimalColumns(['a', 'b'], ['nose', 'tail'], ['corner'], ['x', 'y']);
    assert.equal(columns.length, 2 * 2 * 2 + 2);
    assert.deepEqual(columns.slice(0, 3), [
      { individual: 'a', bodypart: 'nose', coord: 'x' },
      { individual: 'a', bodypart: 'nose', coord: 'y' },
      { individual: 'a', bodypart: 'tail', coord: 'x' },
    ]);
    assert.deepEqual(columns.at(-1), { individual: 'single', bodypart: 'corner', coord: 'y' });
  });
});

describe('formatDlcCsv / parseDlcCsv', () => {
  it('writes the 4-row multi-animal header with one empty cell per extra index level', () => {
    const lines = formatDlcCsv(labelsTable()).split('\n');
    assert.match(lines[0], /^scorer,,,Jane,Jane,/);
    assert.match(lines[1], /^individuals,,,mouse1,mouse1,mouse1,mouse1,mouse2,/);
    assert.match(lines[2], /^bodyparts,,,snout,snout,tailbase,tailbase,/);
    assert.match(lines[3], /^coords,,,x,y,x,y,/);
    assert.match(lines[4], /^labeled-data,m3v1,img000\.png,0\.1,1\.35,2\.6,,/);
    assert.match(lines[6], /^labeled-data,m3v1,img012\.png,12\.0,/);
    assert.equal(lines.at(-1), '', 'ends with a newline');
  });

  it('round-trips multi-animal tables with 3-level and 1-level indexes', () => {
    const table = labelsTable();
    assertTablesEqual(parseDlcCsv(formatDlcCsv(table), 'a.csv'), table);
    const byFrame = { ...table, index: table.index.map((_, frame) => [String(frame)]) };
    const text = formatDlcCsv(byFrame);
    assert.match(text, /^scorer,Jane,/);
    assertTablesEqual(parseDlcCsv(text, 'b.csv'), byFrame);
  });

  it('round-trips a single-animal table with 3 header rows', () => {
    const table: DlcTable = {
      scorer: 'DLC_Resnet50_openfieldOct30shuffle1_snapshot_200',
      columns: ['x', 'y', 'likelihood'].map((coord) => ({ bodypart: 'snout', coord })),
      index: [['0'], ['1']],
      values: [1.5, 2, 0.99, Number.NaN, Number.NaN, 0.01],
    };
    const text = formatDlcCsv(table);
    assert.equal(text.split('\n')[1], 'bodyparts,snout,snout,snout');
    assertTablesEqual(parseDlcCsv(text, 'c.csv'), table);
  });

  it('quotes cells that contain commas or quotes and reads them back', () => {
    const table: DlcTable = {
      scorer: 'Jo "J" Doe',
      columns: [{ individual: 'm,1', bodypart: 'snout', coord: 'x' }],
      index: [['labeled-data', 'video, take 2', 'img0.png']],
      values: [3],
    };
    const text = formatDlcCsv(table);
    assert.match(text, /^scorer,,,"Jo ""J"" Doe"\n/);
    assertTablesEqual(parseDlcCsv(text, 'd.csv'), table);
  });

  it('reads CRLF line endings, a byte-order mark and NaN spelled out', () => {
    const text = '\ufeffscorer,S,S\r\nbodyparts,a,a\r\ncoords,x,y\r\n0,1.5,NaN\r\n';
    const table = parseDlcCsv(text, 'e.csv');
    assert.deepEqual(table.index, [['0']]);
    assert.equal(table.values[0], 1.5);
    assert.ok(Number.isNaN(table.values[1]));
  });

  it('rejects malformed files with the file and line', () => {
    const header = 'scorer,,,S,S\nindividuals,,,m1,m1\nbodyparts,,,a,a\ncoords,,,x,y\n';
    expectCsvError(header + 'labeled-data,v,img0.png,1,2\nlabeled-data,v,img1.png,1\n', 6, /row has 4 cells, the header has 5/);
    expectCsvError(header + 'labeled-data,v,img0.png,1,abc\n', 5, /"abc" is not a number/);
    expectCsvError('scorer,S\nbodyparts,a\n', 1, /at least 3 header rows/);
    expectCsvError('scorer,S\nfoo,a\ncoords,x\n', 2, /should start with "bodyparts"/);
    expectCsvError('scorer,,,S,S\nindividuals,,,m1,m1\nbodyparts,,,a,a\ncoords,"x,y\n', 4, /unterminated/);
  });

  it('refuses to write a table whose values do not fill its rows and columns', () => {
    const table = { ...labelsTable(), values: [1, 2, 3] };
    assert.throws(() => formatDlcCsv(table), (error: unknown) => isHerdError(error) && /values/.test(error.message));
  });

  it("parses DeepLabCut's own single-animal example labels", () => {
    const text = fs.readFileSync(PRANAV_CSV, 'utf8');
    const table = parseDlcCsv(text, PRANAV_CSV);
    assert.equal(table.scorer, 'Pranav');
    assert.equal(table.index.length, 116);
    assert.deepEqual(table.index[0], ['labeled-data/m4s1/img0000.png']);
    assert.deepEqual(table.index[115], ['labeled-data/m4s1/img0115.png']);
    assert.deepEqual(
      table.columns.map((column) => `${column.bodypart}.${column.coord}`),
      ['snout.x', 'snout.y', 'leftear.x', 'leftear.y', 'rightear.x', 'rightear.y', 'tailbase.x', 'tailbase.y'],
    );
    assert.ok(table.columns.every((column) => column.individual === undefined));
    assert.equal(table.values.length, 116 * 8);
    assert.equal(table.values[0], 21.521);
    assert.equal(table.values[5], 250.05599999999998);
    assert.equal(table.values[115 * 8 + 7], 192.15400000000002);
    // pandas wrote it, so writing it again reproduces the file byte for byte.
    assert.equal(formatDlcCsv(table), text);
  });
});

/** True when the system Python can import pandas (the optional cross-check below needs it). */
function pandasAvailable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import pandas'], { encoding: 'utf8' });
  return probe.status === 0;
}

/** Reads `file` with pandas as DeepLabCut does and reports what pandas sees, plus its own re-write. */
function readWithPandas(file: string, indexLevels: number): {
  columnNames: string[];
  columns: string[][];
  index: unknown[];
  values: Array<Array<number | null>>;
  rewritten: string;
} {
  const script = `
import json, sys
import pandas as pd
levels = int(sys.argv[2])
df = pd.read_csv(sys.argv[1], header=[0, 1, 2, 3], index_col=list(range(levels)) if levels > 1 else 0)
print(json.dumps({
    "columnNames": list(df.columns.names),
    "columns": [list(c) for c in df.columns],
    "index": [list(i) if isinstance(i, tuple) else i for i in df.index],
    "values": [[None if v != v else v for v in row] for row in df.to_numpy().tolist()],
    "rewritten": df.to_csv(),
}))
`;
  const result = spawnSync(PYTHON, ['-c', script, file, String(indexLevels)], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('pandas compatibility', () => {
  const skip = pandasAvailable() ? false : `skipped: ${PYTHON} cannot import pandas (apt install python3-pandas)`;

  it('pandas reads our multi-animal CSV (3-level index) as DeepLabCut does', { skip }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-dlc-csv-'));
    try {
      const table = labelsTable();
      const file = path.join(dir, 'CollectedData_Jane.csv');
      const text = formatDlcCsv(table);
      fs.writeFileSync(file, text);
      const seen = readWithPandas(file, 3);
      assert.deepEqual(seen.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
      assert.deepEqual(
        seen.columns,
        table.columns.map((column) => ['Jane', column.individual, column.bodypart, column.coord]),
      );
      assert.deepEqual(seen.index, table.index);
      const expected = table.index.map((_, row) =>
        table.columns.map((_, column) => {
          const value = table.values[row * table.columns.length + column];
          return Number.isNaN(value) ? null : value;
        }),
      );
      assert.deepEqual(seen.values, expected);
      assert.equal(seen.rewritten, text, 'pandas writes back the same bytes');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pandas reads our multi-animal CSV with a frame-number index', { skip }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-dlc-csv-'));
    try {
      const base = labelsTable();
      const table = { ...base, index: base.index.map((_, frame) => [String(frame)]) };
      const file = path.join(dir, 'tracks.csv');
      const text = formatDlcCsv(table);
      fs.writeFileSync(file, text);
      const seen = readWithPandas(file, 1);
      assert.deepEqual(seen.index, [0, 1, 2]);
      assert.equal(seen.columns.length, table.columns.length);
      assert.equal(seen.rewritten, text);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
