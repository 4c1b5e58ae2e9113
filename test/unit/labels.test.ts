import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isHerdError } from '../../src-core/common/errors';
import { newProjectConfig } from '../../src-core/project/config';
import type { Project } from '../../src-core/project/load';
import {
  createLabelTable,
  getPoint,
  readLabels,
  saveLabels,
  setPoint,
  type LabelTable,
} from '../../src-core/labels';
import { runPandasJobs, skipWithoutPandas, type PandasView } from '../helpers/pandas';
import { SHARED_DATA, temporaryFolder } from '../helpers/workspace';

const PRANAV_DIR = path.join(SHARED_DATA, 'openfield-Pranav-2018-10-30/labeled-data/m4s1');
const skip = skipWithoutPandas();

/** A project folder with labeled-data/<video>/ holding (empty) images, and its Project model. */
function makeProject(options: { scorer?: string; images?: string[] } = {}): { project: Project; folder: string } {
  const root = temporaryFolder('herd-labels-');
  const config = newProjectConfig({
    task: 'maze', scorer: options.scorer ?? 'Jane', date: new Date(Date.UTC(2026, 10, 25)), projectPath: root, videoSets: {},
    multiAnimal: true, individuals: ['mouse1', 'mouse2'], bodyparts: ['snout', 'tailbase'], uniqueBodyparts: ['corner'],
  });
  const folder = path.join(root, 'labeled-data', 'm3v1');
  fs.mkdirSync(folder, { recursive: true });
  for (const image of options.images ?? ['img000.png', 'img007.png', 'img012.png']) fs.writeFileSync(path.join(folder, image), '');
  const project: Project = {
    configPath: path.join(root, 'config.yaml'), root, config, multiAnimal: true,
    individuals: ['mouse1', 'mouse2'], bodyparts: ['snout', 'tailbase'], uniqueBodyparts: ['corner'], warnings: [],
  };
  return { project, folder };
}

function sampleTable(scorer = 'Jane'): LabelTable {
  const table = createLabelTable({ scorer, individuals: ['mouse1', 'mouse2'], bodyparts: ['snout', 'tailbase'], uniqueBodyparts: ['corner'] });
  setPoint(table, 'labeled-data/m3v1/img007.png', 'mouse1', 'snout', 12, 34.5);
  setPoint(table, 'labeled-data/m3v1/img007.png', 'mouse2', 'tailbase', 250.05599999999998, 1e-5);
  setPoint(table, 'labeled-data/m3v1/img000.png', 'single', 'corner', 1, 2);
  setPoint(table, 'labeled-data/m3v1/img012.png', 'mouse2', 'snout', 0.1, 0.2);
  return table;
}

/** Every file under `folder` with its bytes, to prove that a refused operation changed nothing. */
function snapshot(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of (fs.readdirSync(folder, { recursive: true }) as string[]).sort()) {
    const file = path.join(folder, name);
    out[name] = fs.statSync(file).isFile() ? fs.readFileSync(file).toString('base64') : 'dir';
  }
  return out;
}

function assertTablesEqual(actual: LabelTable, expected: LabelTable): void {
  assert.equal(actual.scorer, expected.scorer);
  assert.deepEqual(actual.columns, expected.columns);
  assert.deepEqual(actual.images, expected.images);
  assert.deepEqual(Array.from(actual.values), Array.from(expected.values));
  assert.deepEqual([actual.individuals, actual.bodyparts, actual.uniqueBodyparts], [expected.individuals, expected.bodyparts, expected.uniqueBodyparts]);
}

/** Expects a HerdError with `code` at `file` (and `line`/`column` when given) whose message matches. */
function isError(code: string, file: string, message: RegExp, line?: number, column?: number) {
  return (error: unknown) => {
    assert.ok(isHerdError(error), `expected a HerdError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.location.file, file);
    if (line !== undefined) assert.equal(error.location.line, line, error.describe());
    if (column !== undefined) assert.equal(error.location.column, column, error.describe());
    assert.match(error.message, message);
    return true;
  };
}

describe('label files: DeepLabCut openfield example', () => {
  it('reads the CSV and the H5 (table format) to equal tables', async () => {
    const csv = await readLabels(path.join(PRANAV_DIR, 'CollectedData_Pranav.csv'), { checkImages: false });
    const h5 = await readLabels(path.join(PRANAV_DIR, 'CollectedData_Pranav.h5'), { checkImages: false });
    assertTablesEqual(h5.table, csv.table);
    const table = csv.table;
    assert.equal(table.scorer, 'Pranav');
    assert.equal(table.multiAnimal, false);
    assert.deepEqual(table.individuals, []);
    assert.deepEqual(table.bodyparts, ['snout', 'leftear', 'rightear', 'tailbase']);
    assert.equal(table.indexStyle, 'path');
    assert.equal(table.images.length, 116);
    assert.deepEqual(getPoint(table, 'labeled-data/m4s1/img0000.png', undefined, 'snout'), [21.521, 265.428]);
    assert.deepEqual(getPoint(table, 'labeled-data\\m4s1\\img0115.png', undefined, 'tailbase'), [table.values[115 * 8 + 6], 192.15400000000002]);
  });

  it('writes both files; ours read back equal, pandas reads them equal, and the H5 has the structure pandas writes', { skip }, async () => {
    const { table } = await readLabels(path.join(PRANAV_DIR, 'CollectedData_Pranav.csv'), { checkImages: false });
    const folder = path.join(temporaryFolder(), 'labeled-data', 'm4s1');
    const [h5, csv] = await saveLabels(folder, table);
    assert.deepEqual([h5, csv].map((file) => path.basename(file)), ['CollectedData_Pranav.h5', 'CollectedData_Pranav.csv']);
    assert.equal(fs.readFileSync(csv, 'utf8'), fs.readFileSync(path.join(PRANAV_DIR, 'CollectedData_Pranav.csv'), 'utf8'), 'CSV byte-identical to the original');
    assertTablesEqual((await readLabels(h5, { checkImages: false })).table, table);
    // pandas reads ours; and re-saves the frame it reads from the original (table format) in its default fixed format.
    const reference = path.join(path.dirname(folder), 'reference.h5');
    const [seen, , ours, theirs] = runPandasJobs(
      [
        { op: 'readHdf', file: h5 },
        { op: 'resave', from: path.join(PRANAV_DIR, 'CollectedData_Pranav.h5'), file: reference },
        { op: 'structure', file: h5 },
        { op: 'structure', file: reference },
      ],
      reference,
    ) as [PandasView, null, unknown, unknown];
    assert.deepEqual(seen.columnNames, ['scorer', 'bodyparts', 'coords']);
    assert.deepEqual(seen.columns, table.columns.map((column) => ['Pranav', column.bodypart, column.coord]));
    assert.deepEqual(seen.index.flat(), table.images);
    assert.deepEqual(seen.values.flat(), Array.from(table.values, (value) => (Number.isNaN(value) ? null : value)));
    assert.deepEqual(ours, theirs);
  });
});

describe('label files: multi-animal', () => {
  it('keys rows by image path; getPoint / setPoint address (image, individual, body part)', () => {
    const table = sampleTable();
    assert.deepEqual(table.images, ['labeled-data/m3v1/img007.png', 'labeled-data/m3v1/img000.png', 'labeled-data/m3v1/img012.png']);
    assert.deepEqual(getPoint(table, 'labeled-data/m3v1/img007.png', 'mouse1', 'snout'), [12, 34.5]);
    assert.equal(getPoint(table, 'labeled-data/m3v1/img007.png', 'mouse1', 'tailbase'), undefined);
    assert.equal(getPoint(table, 'labeled-data/m3v1/img999.png', 'mouse1', 'snout'), undefined);
    assert.deepEqual(getPoint(table, 'labeled-data/m3v1/img000.png', 'single', 'corner'), [1, 2]);
    assert.throws(() => setPoint(table, 'labeled-data/m3v1/img000.png', 'mouse3', 'snout', 1, 1), (error: unknown) => isHerdError(error) && error.code === 'LABELS_UNKNOWN_COLUMN');
  });

  it('round-trips CSV and H5 with the 4-row header, `single` and a 3-level index; pandas agrees', { skip }, async () => {
    const { project, folder } = makeProject();
    const table = sampleTable();
    const [h5, csv] = await saveLabels(folder, table);
    const text = fs.readFileSync(csv, 'utf8').split('\n');
    assert.equal(text[0], 'scorer,,,Jane,Jane,Jane,Jane,Jane,Jane,Jane,Jane,Jane,Jane');
    assert.equal(text[1], 'individuals,,,mouse1,mouse1,mouse1,mouse1,mouse2,mouse2,mouse2,mouse2,single,single');
    assert.equal(text[2], 'bodyparts,,,snout,snout,tailbase,tailbase,snout,snout,tailbase,tailbase,corner,corner');
    assert.equal(text[3], 'coords,,,x,y,x,y,x,y,x,y,x,y');
    assert.equal(text[4], 'labeled-data,m3v1,img007.png,12.0,34.5,,,,,250.05599999999998,1e-05,,');
    for (const file of [h5, csv]) {
      const { table: back, warnings } = await readLabels(file, { project });
      assert.deepEqual(warnings, []);
      assertTablesEqual(back, table);
    }
    const expectedColumns = table.columns.map((column) => ['Jane', column.individual as string, column.bodypart, column.coord]);
    const expectedValues = table.images.map((_, row) => table.columns.map((_, column) => {
      const value = table.values[row * table.columns.length + column];
      return Number.isNaN(value) ? null : value;
    }));
    const views = runPandasJobs([{ op: 'readHdf', file: h5 }, { op: 'readCsv', file: csv, headerRows: 4, indexWidth: 3 }], path.join(folder, 'jobs')) as PandasView[];
    for (const seen of views) {
      assert.deepEqual(seen.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
      assert.deepEqual(seen.columns, expectedColumns);
      assert.deepEqual(seen.index, table.images.map((image) => image.split('/')));
      assert.deepEqual(seen.values, expectedValues);
    }
  });

  it('a save removes temporary files that killed writers left more than an hour ago', async () => {
    const { folder } = makeProject();
    const stale = path.join(folder, '.herd-tmp-deadbeef-CollectedData_Jane.csv');
    const fresh = path.join(folder, '.herd-tmp-0badf00d-CollectedData_Jane.csv');
    const other = path.join(folder, '.herd-tmp-deadbeef-CollectedData_Bob.csv');
    for (const file of [stale, fresh, other]) fs.writeFileSync(file, 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    for (const file of [stale, other]) fs.utimesSync(file, twoHoursAgo, twoHoursAgo);
    await saveLabels(folder, sampleTable(), { formats: ['csv'] });
    assert.deepEqual([stale, fresh, other].map((file) => fs.existsSync(file)), [false, true, true]);
  });

  it('reads rows by image whatever their order in the file', async () => {
    const { project, folder } = makeProject();
    const file = path.join(folder, 'CollectedData_Jane.csv');
    const header = 'scorer,,,Jane,Jane\nindividuals,,,mouse1,mouse1\nbodyparts,,,snout,snout\ncoords,,,x,y\n';
    fs.writeFileSync(file, header + 'labeled-data,m3v1,img012.png,5,6\nlabeled-data,m3v1,img000.png,1,2\n');
    const { table } = await readLabels(file, { project });
    assert.deepEqual(getPoint(table, 'labeled-data/m3v1/img000.png', 'mouse1', 'snout'), [1, 2]);
    assert.deepEqual(getPoint(table, 'labeled-data/m3v1/img012.png', 'mouse1', 'snout'), [5, 6]);
  });

  it('reads the legacy one-column path index (either slash) and writes it back the same way', async () => {
    const { project, folder } = makeProject();
    const file = path.join(folder, 'CollectedData_Jane.csv');
    const text = 'scorer,Jane,Jane\nindividuals,mouse1,mouse1\nbodyparts,snout,snout\ncoords,x,y\nlabeled-data\\m3v1\\img000.png,1.5,2.5\n';
    fs.writeFileSync(file, text);
    const { table } = await readLabels(file, { project });
    assert.equal(table.indexStyle, 'path');
    assert.deepEqual(table.images, ['labeled-data/m3v1/img000.png']);
    await saveLabels(folder, table, { formats: ['csv'] });
    assert.equal(fs.readFileSync(file, 'utf8'), text.replace('labeled-data\\m3v1\\img000.png', 'labeled-data/m3v1/img000.png'));
  });
});

describe('label files: bad input', () => {
  const header = 'scorer,,,Jane,Jane,Jane,Jane\nindividuals,,,mouse1,mouse1,single,single\nbodyparts,,,snout,snout,corner,corner\ncoords,,,x,y,x,y\n';

  async function expectCsvRejected(text: string, check: (file: string) => (error: unknown) => boolean, options: { name?: string; scorer?: string } = {}): Promise<void> {
    const { project, folder } = makeProject({ scorer: options.scorer });
    const file = path.join(folder, options.name ?? 'CollectedData_Jane.csv');
    fs.writeFileSync(file, text);
    const before = snapshot(project.root);
    await assert.rejects(readLabels(file, { project }), check(file));
    assert.deepEqual(snapshot(project.root), before, 'nothing on disk changed');
  }

  it('wrong header rows', async () => {
    const bad = header.replace('individuals,', 'individual,');
    await expectCsvRejected(bad, (file) => isError('DLC_CSV_SYNTAX', file, /"individual"/, 2, 1));
    await expectCsvRejected(header.replace('coords,,,x,y,x,y', 'coords,,,x,y,x,likelihood') + 'labeled-data,m3v1,img000.png,1,2,3,4\n', (file) =>
      isError('LABELS_HEADER', file, /coords must be "x" or "y" in a label file, found "likelihood"/, 4, 16));
  });

  it('unknown body part or individual (against the project config), with line and column', async () => {
    const unknownPart = header.replace('bodyparts,,,snout,snout,corner,corner', 'bodyparts,,,snout,snout,tail,tail') + 'labeled-data,m3v1,img000.png,1,2,3,4\n';
    const { project, folder } = makeProject();
    const file = path.join(folder, 'CollectedData_Jane.csv');
    fs.writeFileSync(file, unknownPart);
    await assert.rejects(readLabels(file, { project }), isError('LABELS_UNKNOWN_BODYPART', file, /unknown unique body part "tail"/, 3, 25));
    fs.writeFileSync(file, header.replace('individuals,,,mouse1,mouse1', 'individuals,,,mouse9,mouse9'));
    await assert.rejects(readLabels(file, { project }), isError('LABELS_UNKNOWN_INDIVIDUAL', file, /mouse9/, 2, 15));
  });

  it('duplicate image rows name the second row', async () => {
    const text = header + 'labeled-data,m3v1,img000.png,1,2,3,4\nlabeled-data,m3v1,img007.png,1,2,3,4\nlabeled-data,m3v1,img000.png,5,6,7,8\n';
    await expectCsvRejected(text, (file) => isError('LABELS_DUPLICATE_IMAGE', file, /img000\.png is labeled twice \(also in data row 1\)/, 7, 1));
  });

  it('an image that does not exist', async () => {
    const text = header + 'labeled-data,m3v1,img000.png,1,2,3,4\nlabeled-data,m3v1,img999.png,1,2,3,4\n';
    await expectCsvRejected(text, (file) => isError('LABELS_IMAGE_MISSING', file, /img999\.png does not exist/, 6, 1));
  });

  it('a file from another scorer (by name, or not the project scorer)', async () => {
    const text = header + 'labeled-data,m3v1,img000.png,1,2,3,4\n';
    await expectCsvRejected(text, (file) => isError('LABELS_SCORER', file, /named for scorer "Bob" but its labels are by "Jane"/, 1, 10), { name: 'CollectedData_Bob.csv' });
    await expectCsvRejected(text, (file) => isError('LABELS_SCORER', file, /project's scorer is "Bob" \(a label file from another scorer\)/, 1, 10), { scorer: 'Bob' });
  });

  it('rows without any label are warnings (with their line) and are dropped when saving, as DeepLabCut does', async () => {
    const { project, folder } = makeProject();
    const file = path.join(folder, 'CollectedData_Jane.csv');
    fs.writeFileSync(file, header + 'labeled-data,m3v1,img000.png,1,2,3,4\nlabeled-data,m3v1,img007.png,,,,\n');
    const { table, warnings } = await readLabels(file, { project });
    assert.equal(table.images.length, 2);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].code, 'LABELS_EMPTY_ROW');
    assert.equal(warnings[0].line, 6);
    await saveLabels(folder, table, { formats: ['csv'] });
    assert.deepEqual((await readLabels(file, { project })).table.images, ['labeled-data/m3v1/img000.png']);
    // A table with no label at all is not saved (an empty HDF5 frame needs pandas' pickled object arrays).
    const before = snapshot(project.root);
    const empty = { ...table, values: new Float64Array(table.values.length).fill(Number.NaN) };
    await assert.rejects(saveLabels(folder, empty), (error: unknown) => isHerdError(error) && error.code === 'LABELS_EMPTY');
    assert.deepEqual(snapshot(project.root), before);
  });

  it('corrupt H5 files give an error naming the file', async () => {
    const { project, folder } = makeProject();
    const file = path.join(folder, 'CollectedData_Jane.h5');
    fs.writeFileSync(file, Buffer.from('\x89HDF\r\n\x1a\n' + 'garbage'.repeat(100), 'latin1'));
    await assert.rejects(readLabels(file, { project }), (error: unknown) => isHerdError(error) && error.code === 'HDF5_CORRUPT' && error.location.file === file);
    fs.writeFileSync(file, 'not hdf5 at all');
    await assert.rejects(readLabels(file, { project }), (error: unknown) => isHerdError(error) && error.code === 'HDF5_CORRUPT' && error.location.file === file);
  });

  it('H5 errors name the row and column in the message', async () => {
    const { project, folder } = makeProject();
    const table = sampleTable();
    setPoint(table, 'labeled-data/m3v1/img404.png', 'mouse1', 'snout', 1, 1);
    const [h5] = await saveLabels(folder, table, { formats: ['h5'] });
    await assert.rejects(readLabels(h5, { project }), isError('LABELS_IMAGE_MISSING', h5, /^row 4 \(labeled-data\/m3v1\/img404\.png\): image/));
    const renamed = { ...sampleTable(), bodyparts: ['snout', 'tail'] };
    renamed.columns = renamed.columns.map((column) => (column.bodypart === 'tailbase' ? { ...column, bodypart: 'tail' } : column));
    fs.rmSync(h5);
    await saveLabels(folder, renamed, { formats: ['h5'] });
    await assert.rejects(readLabels(h5, { project }), isError('LABELS_UNKNOWN_BODYPART', h5, /^column 3 \(mouse1, tail, x\), level "bodyparts": unknown body part "tail"/));
  });

  it("never overwrites another scorer's file", async () => {
    const { project, folder } = makeProject();
    await saveLabels(folder, sampleTable('Jane'));
    const before = snapshot(project.root);
    const bob = sampleTable('Bob');
    const { saveLabelsTo } = await import('../../src-core/labels/files');
    await assert.rejects(saveLabelsTo([path.join(folder, 'CollectedData_Jane.h5')], bob), isError('LABELS_SCORER', path.join(folder, 'CollectedData_Jane.h5'), /belongs to scorer "Jane"/));
    // A file named for Bob that actually holds Jane's labels is not replaced either.
    fs.copyFileSync(path.join(folder, 'CollectedData_Jane.csv'), path.join(folder, 'CollectedData_Bob.csv'));
    const withCopy = snapshot(project.root);
    await assert.rejects(saveLabels(folder, bob, { formats: ['csv'] }), isError('LABELS_SCORER', path.join(folder, 'CollectedData_Bob.csv'), /overwrite labels of scorer "Jane"/));
    assert.deepEqual(snapshot(project.root), withCopy);
    delete withCopy['labeled-data/m3v1/CollectedData_Bob.csv'];
    assert.deepEqual(withCopy, before);
  });
});
