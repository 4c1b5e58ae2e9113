/**
 * `herd evaluate`'s per-snapshot outputs beside `<scorer>-results.csv` — `<scorer>.h5` (every scored image's
 * predictions, DeepLabCut's layout, read back with pandas) and `<scorer>-keypoint-results.csv` (per body part errors)
 * — and src-core/evaluate/results.ts reading them back: the table rows, the per body part errors and every image with
 * its labels, predictions and own error, whose pooled mean is the results CSV's error.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { evaluateNetwork, type ScoredImage, type SnapshotEvaluation } from '../../src-core/evaluate/evaluate';
import { formatKeypointResults, KEYPOINT_ERROR_ROWS } from '../../src-core/evaluate/outputs';
import { listEvaluations, parsePcutoff, readKeypointResults, readSnapshotImages } from '../../src-core/evaluate/results';
import { readHdfWithPandas, runPython, skipWithoutPandas } from '../helpers/pandas';
import { trainedSynthProject } from '../helpers/trained-project';
import { temporaryFolder } from '../helpers/workspace';

let config: string;
let evaluations: SnapshotEvaluation[];
const scored: ScoredImage[] = [];
const work = temporaryFolder();

before(async () => {
  const synth = await trainedSynthProject(work);
  config = synth.configPath;
  const result = await evaluateNetwork(config, { snapshots: 'all', pcutoff: 0.3, onPredictions: (image) => scored.push(image) });
  evaluations = result.evaluations;
});

const close = (a: number, b: number, tolerance: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tolerance;

describe('evaluate writes <scorer>.h5 and <scorer>-keypoint-results.csv', () => {
  it('names them after each snapshot\'s scorer, in the shuffle\'s evaluation folder', () => {
    assert.ok(evaluations.length >= 2);
    for (const e of evaluations) {
      assert.equal(e.predictionsFile, path.join(path.dirname(e.predictionsFile), `${e.scorer}.h5`));
      assert.equal(e.keypointResultsFile, path.join(path.dirname(e.predictionsFile), `${e.scorer}-keypoint-results.csv`));
      assert.match(path.dirname(e.predictionsFile), /evaluation-results-pytorch\/iteration-0\/synth\w+-trainset95shuffle1$/);
      assert.ok(fs.existsSync(e.predictionsFile) && fs.existsSync(e.keypointResultsFile));
    }
    // Nothing else new beside the results: no temporaries left.
    const folder = path.dirname(evaluations[0]!.predictionsFile);
    assert.deepEqual(fs.readdirSync(folder).filter((n) => !/(\.h5|-results\.csv|-keypoint-results\.csv)$/.test(n)), []);
  });

  it('the .h5 opens in pandas with DeepLabCut\'s columns, the images as a 3-level index and the scored predictions', { skip: skipWithoutPandas() }, () => {
    const last = evaluations[evaluations.length - 1]!;
    const view = readHdfWithPandas(last.predictionsFile);
    assert.deepEqual(view.columnNames, ['scorer', 'individuals', 'bodyparts', 'coords']);
    const mine = scored.filter((s) => s.snapshot === last.snapshot);
    assert.equal(view.index.length, mine.length);
    assert.deepEqual(view.index, mine.map((s) => s.imagePath.split('/')));
    // Columns: individuals × body parts × (x, y, likelihood), then single × unique parts.
    const { project } = listEvaluations(config);
    const expectedColumns: string[][] = [];
    for (const individual of project.individuals) for (const part of project.bodyparts) for (const coord of ['x', 'y', 'likelihood']) expectedColumns.push([last.scorer, individual, part, coord]);
    for (const part of project.uniqueBodyparts) for (const coord of ['x', 'y', 'likelihood']) expectedColumns.push([last.scorer, 'single', part, coord]);
    assert.deepEqual(view.columns, expectedColumns);
    const K = last.bodyparts.length;
    mine.forEach((image, r) => {
      const row = view.values[r]!;
      const expected = [...image.pred, ...(image.uniquePred ?? [])];
      assert.equal(row.length, expected.length);
      row.forEach((v, j) => assert.ok(v === null ? Number.isNaN(expected[j]!) : v === expected[j], `row ${r} column ${j}: ${v} vs ${expected[j]}`));
      assert.equal(image.pred.length, project.individuals.length * K * 3);
    });
  });

  it('the keypoint-results CSV has DeepLabCut\'s Error Type rows and one column per body part, equal to the evaluation\'s', { skip: skipWithoutPandas() }, () => {
    for (const e of evaluations) {
      const table = runPython<{ index: string[]; columns: string[]; values: Array<Array<number | null>> }>(
        `import json, sys, pandas as pd
df = pd.read_csv(sys.argv[1], index_col="Error Type")
print(json.dumps({"index": list(df.index), "columns": list(df.columns), "values": [[None if v != v else float(v) for v in r] for r in df.to_numpy(dtype=float).tolist()]}))`,
        e.keypointResultsFile,
      );
      assert.deepEqual(table.index, [...KEYPOINT_ERROR_ROWS]);
      const project = listEvaluations(config).project;
      assert.deepEqual(table.columns, [...project.bodyparts, ...project.uniqueBodyparts]);
      const expected = [
        [...e.train.perBodypart, ...e.train.uniquePerBodypart],
        [...e.test.perBodypart, ...e.test.uniquePerBodypart],
        [...e.train.perBodypartPcutoff, ...e.train.uniquePerBodypartPcutoff],
        [...e.test.perBodypartPcutoff, ...e.test.uniquePerBodypartPcutoff],
      ];
      table.values.forEach((row, r) => row.forEach((v, k) => assert.ok(close(v ?? Number.NaN, expected[r]![k]!, 1e-4), `${table.index[r]} ${table.columns[k]}: ${v} vs ${expected[r]![k]}`)));
    }
  });

  it('formats empty cells for parts without scored keypoints', () => {
    const text = formatKeypointResults(['a', 'b,c'], { perBodypart: [1.23456, NaN], perBodypartPcutoff: [NaN, 2] }, { perBodypart: [3, 4], perBodypartPcutoff: [5, 6] });
    assert.equal(text, 'Error Type,a,"b,c"\nTrain error (px),1.2346,\nTest error (px),3,4\nTrain error (px) with p-cutoff,,2\nTest error (px) with p-cutoff,5,6\n');
  });
});

describe('results.ts reads the evaluation back', () => {
  it('lists every evaluated snapshot with the CSV\'s numbers and its files', () => {
    const { rows } = listEvaluations(config);
    assert.deepEqual(rows.map((r) => r.snapshot), evaluations.map((e) => path.basename(e.snapshot)));
    rows.forEach((row, i) => {
      const e = evaluations[i]!;
      assert.equal(row.shuffle, 1);
      assert.equal(row.trainPercent, 95);
      assert.equal(row.trainingsetindex, 0);
      assert.equal(row.epoch, e.epoch);
      assert.ok(close(row.testError, Number(e.test.rmse.toFixed(2)), 0));
      assert.ok(close(row.trainErrorPcutoff, Number(e.train.rmsePcutoff.toFixed(2)), 0));
      assert.ok(close(row.testMAP, Number(e.test.mAP.toFixed(2)), 0));
      assert.equal(parsePcutoff(row.pcutoff), 0.3);
      assert.equal(row.scorer, e.scorer);
      assert.equal(row.predictionsFile, e.predictionsFile);
      assert.equal(row.keypointResultsFile, e.keypointResultsFile);
    });
  });

  it('reads the per body part errors', () => {
    const { rows, project } = listEvaluations(config);
    const e = evaluations[evaluations.length - 1]!;
    const parts = readKeypointResults(rows[rows.length - 1]!.keypointResultsFile!, project.uniqueBodyparts);
    assert.deepEqual(parts.map((p) => [p.bodypart, p.unique]), [...project.bodyparts.map((b) => [b, false]), ...project.uniqueBodyparts.map((b) => [b, true])]);
    parts.slice(0, e.bodyparts.length).forEach((p, k) => {
      assert.ok(close(p.test, e.test.perBodypart[k]!, 1e-4));
      assert.ok(close(p.trainPcutoff, e.train.perBodypartPcutoff[k]!, 1e-4));
    });
  });

  it('gives every image its labels, the scored predictions and an error that pools to the results CSV\'s', async () => {
    const { rows } = listEvaluations(config);
    const row = rows[rows.length - 1]!;
    const e = evaluations[evaluations.length - 1]!;
    const data = await readSnapshotImages(config, row);
    const mine = scored.filter((s) => s.snapshot === e.snapshot);
    assert.deepEqual(data.images.map((i) => `${i.split}:${i.image}`), mine.map((s) => `${s.split}:${s.imagePath}`));
    data.images.forEach((image, i) => {
      assert.deepEqual(Array.from(image.gt), Array.from(mine[i]!.gt), image.image);
      assert.deepEqual(Array.from(image.pred), Array.from(mine[i]!.pred), image.image);
      assert.deepEqual(Array.from(image.uniqueGt ?? []), Array.from(mine[i]!.uniqueGt ?? []), image.image);
      assert.ok(fs.existsSync(image.file));
      assert.equal(image.perBodypart.length, data.bodyparts.length + data.uniqueBodyparts.length);
      assert.ok(Number.isNaN(image.error) ? image.support === 0 : close(image.error, image.errorSum / image.support, 1e-12));
    });
    for (const split of ['train', 'test'] as const) {
      const images = data.images.filter((i) => i.split === split);
      const pooled = images.reduce((s, i) => s + i.errorSum, 0) / images.reduce((s, i) => s + i.support, 0);
      assert.ok(close(pooled, e[split].rmse, 1e-6), `${split}: ${pooled} vs ${e[split].rmse}`);
      assert.ok(close(Number(pooled.toFixed(2)), split === 'train' ? row.trainError : row.testError, 0));
    }
  });

  it('says when a snapshot has no predictions file, and refuses a CSV that is not a results table', async () => {
    const { rows } = listEvaluations(config);
    const row = { ...rows[0]!, predictionsFile: undefined };
    await assert.rejects(readSnapshotImages(config, row), /no predictions \(<scorer>\.h5\)/);
    const folder = rows[0]!.folder;
    fs.writeFileSync(path.join(folder, 'other-results.csv'), 'a,b\n1,2\n');
    assert.throws(() => listEvaluations(config), /not a results CSV: no column "Training epochs"/);
    fs.rmSync(path.join(folder, 'other-results.csv'));
  });
});
