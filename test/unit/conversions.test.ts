import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { HerdError } from '../../src-core/common/errors';
import { getPoint, readLabels } from '../../src-core/labels';
import { convertToMultiAnimal, mergeDatasets, syncLabelsWithConfig } from '../../src-core/labels/convert';
import { editConfig } from '../../src-core/project/edit';
import { loadProject } from '../../src-core/project/load';
import { createSynthProject } from '../../src-core/synth/project';
import { PANDAS_PRELUDE, runPython, skipWithoutPandas } from '../helpers/pandas';
import { SHARED_DATA, temporaryFolder } from '../helpers/workspace';

const OPENFIELD = path.join(SHARED_DATA, 'openfield-Pranav-2018-10-30');

function copyOpenfield(): string {
  const copy = path.join(temporaryFolder(), 'openfield');
  fs.cpSync(OPENFIELD, copy, { recursive: true });
  // shared/ is read-only; the copy must be writable like a user's project.
  for (const entry of fs.readdirSync(copy, { recursive: true }) as string[]) fs.chmodSync(path.join(copy, entry), 0o755);
  fs.chmodSync(copy, 0o755);
  return copy;
}

test("the openfield example converts to a multi-animal project, keeping every label (DeepLabCut's convert2_maDLC)", async () => {
  const root = copyOpenfield();
  const configPath = path.join(root, 'config.yaml');
  const labelFile = path.join(root, 'labeled-data/m4s1/CollectedData_Pranav.h5');
  const before = (await readLabels(labelFile)).table;

  const result = await convertToMultiAnimal(configPath, { individuals: ['mouse'] });
  assert.equal(result.individual, 'mouse');
  const config = parse(fs.readFileSync(configPath, 'utf8'));
  assert.equal(config.multianimalproject, true);
  assert.equal(config.bodyparts, 'MULTI!');
  assert.deepEqual(config.multianimalbodyparts, ['snout', 'leftear', 'rightear', 'tailbase']);
  assert.match(fs.readFileSync(configPath, 'utf8'), /# Plotting configuration/, 'comments kept');

  const after = (await readLabels(labelFile, { project: loadProject(configPath) })).table;
  assert.equal(after.multiAnimal, true);
  assert.deepEqual(after.images, before.images);
  for (const image of before.images) {
    for (const part of before.bodyparts) assert.deepEqual(getPoint(after, image, 'mouse', part), getPoint(before, image, undefined, part));
  }
  const csv = (await readLabels(path.join(root, 'labeled-data/m4s1/CollectedData_Pranav.csv'))).table;
  assert.deepEqual(csv.values, after.values, 'the CSV twin says the same');

  // Running it again changes nothing (an interrupted conversion can be finished).
  const again = await convertToMultiAnimal(configPath);
  assert.deepEqual(again.files, []);
});

test('pandas reads the converted multi-animal label file with 4 column levels', { skip: skipWithoutPandas() }, async () => {
  const root = copyOpenfield();
  await convertToMultiAnimal(path.join(root, 'config.yaml'), { individuals: ['m1', 'm2'], individual: 'm2', uniqueBodyparts: ['tailbase'] });
  const frame = runPython<{ columnNames: string[]; columns: string[][] }>(
    `${PANDAS_PRELUDE}\nprint(json.dumps(frame_json(pd.read_hdf(sys.argv[1], "df_with_missing"))))`,
    path.join(root, 'labeled-data/m4s1/CollectedData_Pranav.h5'),
  );
  assert.deepEqual(frame.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
  assert.deepEqual(frame.columns[0], ['Pranav', 'm1', 'snout', 'x']);
  assert.deepEqual(frame.columns.at(-1), ['Pranav', 'single', 'tailbase', 'y']);
});

test('after body parts change in config.yaml, labels of the parts that remain are kept; removed ones only with --drop-removed', async () => {
  const work = temporaryFolder();
  const synth = await createSynthProject({ synth: { frames: 20, width: 256, height: 192, animals: 2, keypoints: 4 }, workingDirectory: work, labeledFrames: 5 });
  const folder = synth.labeledFolder;
  const labelFile = path.join(folder, 'CollectedData_herd.h5');
  const before = (await readLabels(labelFile)).table;
  const project = loadProject(synth.configPath);
  assert.deepEqual(project.bodyparts, ['snout', 'leftear', 'rightear', 'tailbase']);

  editConfig(synth.configPath, [
    { key: ['multianimalbodyparts'], value: ['snout', 'leftear', 'rightear', 'whisker'] },
    { key: ['skeleton'], value: [['snout', 'leftear']] },
  ]);
  const untouched = fs.readFileSync(labelFile);
  await assert.rejects(syncLabelsWithConfig(synth.configPath), (error: HerdError) => {
    assert.equal(error.code, 'LABELS_WOULD_BE_LOST');
    assert.match(error.message, /tailbase/);
    return true;
  });
  assert.deepEqual(fs.readFileSync(labelFile), untouched, 'nothing written');

  const synced = await syncLabelsWithConfig(synth.configPath, { dropRemoved: true });
  assert.ok(synced.dropped.some((part) => part.bodypart === 'tailbase' && part.points > 0));
  const after = (await readLabels(labelFile, { project: loadProject(synth.configPath) })).table;
  assert.deepEqual(after.bodyparts, ['snout', 'leftear', 'rightear', 'whisker']);
  for (const image of before.images) {
    for (const individual of before.individuals) {
      assert.deepEqual(getPoint(after, image, individual, 'snout'), getPoint(before, image, individual, 'snout'));
      assert.equal(getPoint(after, image, individual, 'whisker'), undefined);
    }
  }
});

test('merge-datasets starts the next iteration once labels exist', async () => {
  const root = copyOpenfield();
  const configPath = path.join(root, 'config.yaml');
  const merged = await mergeDatasets(configPath);
  assert.deepEqual(merged, { iteration: 1, labeledFrames: 116, folders: 1 });
  assert.equal(loadProject(configPath).config.iteration, 1);
  assert.ok(fs.statSync(path.join(root, 'training-datasets/iteration-1')).isDirectory());
});
