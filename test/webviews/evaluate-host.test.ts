/**
 * The evaluation panel's host (src-extension/evaluate-host.ts, no VS Code) over a real evaluated project: a tiny
 * trained synthetic project evaluated on two snapshots, then `evaluation-ready` answers with the results CSV's rows,
 * `evaluation-select` with the keypoint-results CSV's per body part errors and every image (labels, predictions,
 * error) whose errors pool to the CSV's train / test error; "open in labeling" only for images it sent, in their own
 * folder.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { evaluateNetwork } from '../../src-core/evaluate/evaluate';
import { EvaluationSession } from '../../src-extension/evaluate-host';
import type { EvaluationErrorMessage, EvaluationInitMessage, EvaluationSnapshotMessage } from '../../webviews/shared/messages';
import { trainedSynthProject } from '../helpers/trained-project';
import { temporaryFolder } from '../helpers/workspace';

const work = temporaryFolder('herd-evaluate-host-');
let config: string;
let root: string;

before(async () => {
  const synth = await trainedSynthProject(work);
  config = synth.configPath;
  root = synth.root;
  await evaluateNetwork(config, { snapshots: 'all' });
});

function session() {
  const opened: Array<[string, string]> = [];
  const s = new EvaluationSession(config, { toUri: (file) => `vscode-resource:${file}`, openLabeling: (folder, image) => void opened.push([folder, image]) });
  return { s, opened };
}

/** The combined results CSV as rows of cells by column name. */
function combinedCsv(): Array<Record<string, string>> {
  const [header, ...lines] = fs.readFileSync(path.join(root, 'evaluation-results-pytorch', 'iteration-0', 'CombinedEvaluation-results.csv'), 'utf8').trim().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i]!, cell])));
}

describe('evaluation host (no VS Code)', () => {
  it('ready → init with one row per evaluated snapshot, as the results CSV has them, and the project\'s names and colours', async () => {
    const { s } = session();
    const init = (await s.handle({ type: 'evaluation-ready' })) as EvaluationInitMessage;
    assert.equal(init.type, 'evaluation-init');
    assert.equal(init.config, config);
    const csv = combinedCsv();
    assert.ok(csv.length >= 2);
    assert.deepEqual(init.rows.map((r) => r.snapshot), csv.map((c) => c.Snapshot));
    init.rows.forEach((row, i) => {
      assert.equal(row.id, `95/1/${row.snapshot}`);
      assert.equal(row.testError, Number(csv[i]!['Test error(px)']));
      assert.equal(row.trainError, Number(csv[i]!['Train error(px)']));
      assert.equal(row.testMAP, Number(csv[i]!['test mAP']));
      assert.equal(row.hasPredictions, true);
    });
    assert.deepEqual(init.settings.individuals, ['mouse1', 'mouse2']);
    assert.equal(init.settings.uniqueBodyparts.length, 1);
    assert.equal(init.settings.colors.length, 3);
    assert.match(init.settings.colors[0]!, /^rgb\(\d+, \d+, \d+\)$/);
  });

  it('select → the snapshot\'s per body part errors and every image, whose errors pool to the CSV\'s train and test error', async () => {
    const { s } = session();
    const init = (await s.handle({ type: 'evaluation-ready' })) as EvaluationInitMessage;
    const row = init.rows[init.rows.length - 1]!;
    const snap = (await s.handle({ type: 'evaluation-select', id: row.id })) as EvaluationSnapshotMessage;
    assert.equal(snap.type, 'evaluation-snapshot');
    assert.equal(snap.id, row.id);
    const parts = [...init.settings.bodyparts, ...init.settings.uniqueBodyparts];
    assert.deepEqual(snap.bodyparts.map((b) => b.bodypart), parts);
    assert.deepEqual(snap.bodyparts.map((b) => b.unique), parts.map((_, k) => k >= init.settings.bodyparts.length));
    assert.equal(snap.pcutoffs.length, parts.length);
    assert.equal(snap.images.length, 16);
    for (const split of ['train', 'test'] as const) {
      const images = snap.images.filter((i) => i.split === split);
      assert.ok(images.length > 0);
      const sum = images.reduce((t, i) => t + (i.error ?? 0) * i.support, 0);
      const support = images.reduce((t, i) => t + i.support, 0);
      assert.equal(Number((sum / support).toFixed(2)), split === 'train' ? row.trainError : row.testError, split);
    }
    for (const image of snap.images) {
      assert.match(image.image, /^labeled-data\/[^/]+\/[^/]+\.png$/);
      assert.equal(image.folder, path.join(root, ...image.image.split('/').slice(0, -1)));
      assert.equal(image.src, `vscode-resource:${path.join(root, ...image.image.split('/'))}`);
      assert.ok(fs.existsSync(path.join(root, ...image.image.split('/'))));
      assert.equal(image.gt.length, 2 * 4 * 2);
      assert.equal(image.pred.length, 2 * 4 * 3);
      assert.equal(image.uniqueGt?.length, 2);
      assert.equal(image.uniquePred?.length, 3);
      assert.equal(image.perBodypart.length, 5);
    }
  });

  it('opens an image it sent in the labeling panel of its folder, and nothing else', async () => {
    const { s, opened } = session();
    const init = (await s.handle({ type: 'evaluation-ready' })) as EvaluationInitMessage;
    const unknown = (await s.handle({ type: 'evaluation-open-image', folder: path.join(root, 'labeled-data', 'x'), image: 'labeled-data/x/img000.png' })) as EvaluationErrorMessage;
    assert.equal(unknown.type, 'evaluation-error');
    const snap = (await s.handle({ type: 'evaluation-select', id: init.rows[0]!.id })) as EvaluationSnapshotMessage;
    const image = snap.images[3]!;
    assert.equal(await s.handle({ type: 'evaluation-open-image', folder: image.folder, image: image.image }), undefined);
    assert.deepEqual(opened, [[image.folder, image.image]]);
    const elsewhere = (await s.handle({ type: 'evaluation-open-image', folder: path.join(root, 'labeled-data'), image: image.image })) as EvaluationErrorMessage;
    assert.match(elsewhere.message, /is in .*, not /);
    assert.equal(opened.length, 1);
  });

  it('ignores malformed messages and answers an unknown snapshot with an error naming it', async () => {
    const { s } = session();
    await s.handle({ type: 'evaluation-ready' });
    assert.equal(await s.handle({ type: 'evaluation-select' }), undefined);
    assert.equal(await s.handle({ type: 'nope' }), undefined);
    assert.equal(await s.handle('ready'), undefined);
    const error = (await s.handle({ type: 'evaluation-select', id: '95/1/snapshot-999.safetensors' })) as EvaluationErrorMessage;
    assert.deepEqual(error, { type: 'evaluation-error', message: 'no evaluated snapshot 95/1/snapshot-999.safetensors', id: '95/1/snapshot-999.safetensors' });
  });
});
