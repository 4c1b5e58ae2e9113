import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isHerdError } from '../../src-core/common/errors';
import { parseDlcCsv } from '../../src-core/io/dlc-csv';
import { readPandasHdf, writePandasHdfAtomic, writePandasHdfFixed, type PandasFrame } from '../../src-core/io/hdf5-pandas';
import { runPandasJobs, skipWithoutPandas, type FrameSpec, type PandasView } from '../helpers/pandas';
import { SHARED_DATA, temporaryFolder } from '../helpers/workspace';

const PRANAV = path.join(SHARED_DATA, 'openfield-Pranav-2018-10-30/labeled-data/m4s1');
const skip = skipWithoutPandas();

/** A multi-animal labels frame with a unique body part, gaps and non-ASCII names. */
function labelsSpec(indexLevels: 1 | 3 = 3): FrameSpec {
  const columns: string[][] = [];
  for (const individual of ['mouse1', 'mouse2']) {
    for (const bodypart of ['snout', 'oreille_gauche', 'tailbase']) for (const coord of ['x', 'y']) columns.push(['Jöhn', individual, bodypart, coord]);
  }
  for (const coord of ['x', 'y']) columns.push(['Jöhn', 'single', 'corner', coord]);
  const images = [['labeled-data', 'vidéo1', 'img007.png'], ['labeled-data', 'vidéo1', 'img012.png'], ['labeled-data', 'm3v1', 'img000.png']];
  const index = indexLevels === 3 ? images : images.map((cells) => [cells.join('/')]);
  const values = index.map((_, row) => columns.map((_, column) => ((row * 7 + column) % 5 === 0 ? null : row * 100 + column * 1.25 + 0.1)));
  return { columnNames: ['scorer', 'individuals', 'bodyparts', 'coords'], columns, index, values };
}

function specToFrame(spec: FrameSpec): PandasFrame {
  return {
    columns: { names: spec.columnNames, tuples: spec.columns },
    index: { names: spec.index[0].map(() => null), tuples: spec.index },
    values: Float64Array.from(spec.values.flat(), (value) => (value === null ? Number.NaN : value)),
  };
}

function assertFrameMatches(frame: PandasFrame, spec: FrameSpec): void {
  assert.deepEqual(frame.columns.names, spec.columnNames);
  assert.deepEqual(frame.columns.tuples, spec.columns);
  assert.deepEqual(frame.index.tuples, spec.index);
  assert.deepEqual(Array.from(frame.values, (value) => (Number.isNaN(value) ? null : value)), spec.values.flat());
}

describe('readPandasHdf', () => {
  it("reads DeepLabCut's openfield labels (PyTables table format, pickled column names) equal to the CSV", async () => {
    const frame = await readPandasHdf(path.join(PRANAV, 'CollectedData_Pranav.h5'));
    assert.equal(frame.format, 'table');
    const csv = parseDlcCsv(fs.readFileSync(path.join(PRANAV, 'CollectedData_Pranav.csv'), 'utf8'), 'CollectedData_Pranav.csv');
    assert.deepEqual(frame.columns.names, ['scorer', 'bodyparts', 'coords']);
    assert.deepEqual(frame.columns.tuples, csv.columns.map((column) => [csv.scorer, column.bodypart, column.coord]));
    assert.deepEqual(frame.index.tuples, csv.index);
    assert.deepEqual(Array.from(frame.values), Array.from(csv.values));
  });

  it('reads pandas fixed-format frames (3-level and 1-level index) and table-format frames', { skip }, async () => {
    const dir = temporaryFolder();
    const cases = [
      { spec: labelsSpec(3), file: path.join(dir, 'fixed3.h5'), format: 'fixed' as const },
      { spec: labelsSpec(1), file: path.join(dir, 'fixed1.h5'), format: 'fixed' as const },
      { spec: labelsSpec(1), file: path.join(dir, 'table1.h5'), format: 'table' as const },
    ];
    runPandasJobs(cases.map(({ spec, file, format }) => ({ op: 'write', spec, file, format })), path.join(dir, 'jobs'));
    for (const { spec, file, format } of cases) {
      const frame = await readPandasHdf(file);
      assert.equal(frame.format, format);
      assertFrameMatches(frame, spec);
    }
  });

  it('reads prediction-style frames: integer index, likelihood, other keys (fixed and table)', { skip }, async () => {
    const dir = temporaryFolder();
    const columns = ['x', 'y', 'likelihood'].flatMap((coord) => [['DLC_Resnet50', 'ind1', 'snout', coord]]);
    const spec: FrameSpec = {
      columnNames: ['scorer', 'individuals', 'bodyparts', 'coords'],
      columns,
      index: [[0], [1], [2], [3]],
      values: [[1.5, 2.5, 0.9], [null, null, null], [3, 4, 0.25], [5, 6, 1]],
    };
    const files = { fixed: path.join(dir, 'fixed.h5'), table: path.join(dir, 'table.h5') };
    runPandasJobs(
      [
        { op: 'write', spec, file: files.fixed, key: 'tracks' },
        { op: 'write', spec, file: files.table, format: 'table', key: 'df_with_missing' },
      ],
      path.join(dir, 'jobs'),
    );
    assertFrameMatches(await readPandasHdf(files.fixed, 'tracks'), spec);
    assertFrameMatches(await readPandasHdf(files.table), spec);
  });

  it('names the file when it is not HDF5, truncated, or lacks the key', async () => {
    const dir = temporaryFolder();
    const random = path.join(dir, 'random.h5');
    fs.writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const truncated = path.join(dir, 'truncated.h5');
    const real = fs.readFileSync(path.join(PRANAV, 'CollectedData_Pranav.h5'));
    fs.writeFileSync(truncated, real.subarray(0, Math.floor(real.length / 3)));
    const header = path.join(dir, 'header-only.h5');
    fs.writeFileSync(header, real.subarray(0, 100));
    for (const file of [random, truncated, header]) {
      await assert.rejects(readPandasHdf(file), (error: unknown) => isHerdError(error) && error.location.file === file && /HDF5/.test(error.code), file);
    }
    await assert.rejects(readPandasHdf(path.join(PRANAV, 'CollectedData_Pranav.h5'), 'tracks'), (error: unknown) => isHerdError(error) && error.code === 'HDF5_KEY' && /df_with_missing/.test(error.message));
    await assert.rejects(readPandasHdf(path.join(dir, 'missing.h5')), (error: unknown) => isHerdError(error) && error.code === 'HDF5_NOT_FOUND');
  });
});

describe('writePandasHdfFixed', () => {
  it('round-trips through our reader', async () => {
    const dir = temporaryFolder();
    for (const levels of [3, 1] as const) {
      const spec = labelsSpec(levels);
      const file = path.join(dir, `ours${levels}.h5`);
      await writePandasHdfFixed(file, specToFrame(spec));
      assertFrameMatches(await readPandasHdf(file), spec);
    }
  });

  it('writes what pandas reads back equal, with the same HDF5 structure pandas writes', { skip }, async () => {
    const dir = temporaryFolder();
    const specs = [labelsSpec(3), labelsSpec(1)];
    for (const [i, spec] of specs.entries()) await writePandasHdfAtomic(path.join(dir, `ours${i}.h5`), specToFrame(spec));
    const results = runPandasJobs(
      specs.flatMap((spec, i) => [
        { op: 'write' as const, spec, file: path.join(dir, `pandas${i}.h5`) },
        { op: 'readHdf' as const, file: path.join(dir, `ours${i}.h5`) },
        { op: 'structure' as const, file: path.join(dir, `ours${i}.h5`) },
        { op: 'structure' as const, file: path.join(dir, `pandas${i}.h5`) },
      ]),
      path.join(dir, 'jobs'),
    );
    specs.forEach((spec, i) => {
      const [, seen, ours, theirs] = results.slice(i * 4, i * 4 + 4) as [null, PandasView, unknown, unknown];
      assert.deepEqual(seen.columnNames, spec.columnNames);
      assert.deepEqual(seen.columns, spec.columns);
      assert.deepEqual(seen.index, spec.index);
      assert.deepEqual(seen.values, spec.values);
      // Same groups, datasets, dtypes, shapes, attribute names, types and values as pandas' own file.
      assert.deepEqual(ours, theirs);
    });
  });

  it('refuses empty frames and mismatched shapes without leaving a file', async () => {
    const dir = temporaryFolder();
    const spec = labelsSpec();
    const target = path.join(dir, 'x.h5');
    await assert.rejects(writePandasHdfAtomic(target, { ...specToFrame(spec), index: { names: [null], tuples: [] }, values: new Float64Array(0) }), (error: unknown) => isHerdError(error) && error.code === 'HDF5_EMPTY');
    await assert.rejects(writePandasHdfAtomic(target, { ...specToFrame(spec), values: new Float64Array(3) }), (error: unknown) => isHerdError(error) && error.code === 'HDF5_SHAPE');
    assert.deepEqual(fs.readdirSync(dir), []);
    // A folder that does not exist: a clear error naming the file, no HDF5 diagnostics.
    const nowhere = path.join(dir, 'missing-folder', 'x.h5');
    await assert.rejects(writePandasHdfFixed(nowhere, specToFrame(spec)), (error: unknown) => isHerdError(error) && error.code === 'HDF5_WRITE' && error.location.file === nowhere);
  });
});
