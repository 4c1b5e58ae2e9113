// The evaluation panel's pure logic (webviews/evaluate/state.ts): table sorting, default selection, gallery filters
// and sorting, and markers identical to `herd evaluate --plotting`'s (individual mode).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluationMarkers } from '../../src-core/evaluate/markers';
import * as S from '../../webviews/evaluate/state';
import { parseEvaluationMessage, type EvaluationImageWire, type EvaluationRowWire } from '../../webviews/shared/messages';

function row(id: string, testError: number | null, hasPredictions = true): EvaluationRowWire {
  return { id, shuffle: 1, trainPercent: 95, snapshot: id, epoch: 1, trainError: 1, testError, pcutoff: '0.6', trainErrorPcutoff: 1, testErrorPcutoff: 1, trainMAP: 1, testMAP: 1, trainMAR: 1, testMAR: 1, hasPredictions };
}

function image(name: string, split: 'train' | 'test', error: number | null, perBodypart: Array<number | null> = [error]): EvaluationImageWire {
  return { image: name, folder: '/f', src: '', split, gt: [], pred: [], error, errorPcutoff: error, support: 1, perBodypart };
}

describe('evaluation panel state', () => {
  it('sorts rows by a column with empty cells last, and toggles the direction', () => {
    const rows = [row('a', 3), row('b', null), row('c', 1), row('d', 3)];
    assert.deepEqual(S.sortRows(rows, { key: 'testError', descending: false }).map((r) => r.id), ['c', 'a', 'd', 'b']);
    assert.deepEqual(S.sortRows(rows, { key: 'testError', descending: true }).map((r) => r.id), ['a', 'd', 'c', 'b']);
    assert.deepEqual(S.sortRows(rows, { key: 'snapshot', descending: true }).map((r) => r.id), ['d', 'c', 'b', 'a']);
    assert.deepEqual(S.toggleSort({ key: 'testError', descending: false }, 'testError'), { key: 'testError', descending: true });
    assert.deepEqual(S.toggleSort({ key: 'testError', descending: true }, 'epoch'), { key: 'epoch', descending: false });
  });

  it('selects the remembered row, else the last with predictions', () => {
    const rows = [row('a', 1), row('b', 1), row('c', 1, false)];
    assert.equal(S.defaultSelection(rows, 'a'), 'a');
    assert.equal(S.defaultSelection(rows, 'gone'), 'b');
    assert.equal(S.defaultSelection([row('x', 1, false)]), 'x');
    assert.equal(S.defaultSelection([]), undefined);
  });

  it('filters the gallery by split, minimum error and body part; sorts by error (none last) or name', () => {
    const images = [image('b', 'train', 4, [4, 1]), image('a', 'test', null, [null, null]), image('c', 'test', 9, [9, null]), image('d', 'train', 2, [2, 7])];
    const names = (filter: Partial<S.GalleryFilter>) => S.filterImages(images, { ...S.DEFAULT_FILTER, ...filter }).map((i) => i.image);
    assert.deepEqual(names({}), ['c', 'b', 'd', 'a']);
    assert.deepEqual(names({ sort: 'error-asc' }), ['d', 'b', 'c', 'a']);
    assert.deepEqual(names({ sort: 'name' }), ['a', 'b', 'c', 'd']);
    assert.deepEqual(names({ minError: 3 }), ['c', 'b']);
    assert.deepEqual(names({ split: 'train' }), ['b', 'd']);
    assert.deepEqual(names({ bodypart: 1 }), ['d', 'b']);
    assert.deepEqual(names({ bodypart: 1, minError: 5 }), ['d']);
  });

  it('markers: the same as `herd evaluate --plotting` in individual mode, with their body part; one part on its own', () => {
    const wire: EvaluationImageWire = {
      ...image('x', 'test', 1),
      gt: [1, 1, 2, 2, 3, 3, 4, 4],
      pred: [5, 5, 0.9, null, null, null, 6, 6, 0.1, 7, 7, 0.7],
      uniqueGt: [8, 8],
      uniquePred: [9, 9, 0.2],
    };
    const f32 = (values: Array<number | null>) => Float32Array.from(values, (v) => (v === null ? NaN : v));
    const layout = { individuals: 2, bodyparts: 2, uniqueBodyparts: 1, pcutoffs: [0.6, 0.6, 0.6] };
    const mine = S.imageMarkers(wire, layout);
    const plotted = evaluationMarkers(
      { gt: f32(wire.gt), pred: f32(wire.pred), uniqueGt: f32(wire.uniqueGt!), uniquePred: f32(wire.uniquePred!) },
      { mode: 'individual', bodyparts: 2, uniqueBodyparts: 1, individuals: 2, animals: 2, pcutoffs: [0.6, 0.6], uniquePcutoffs: [0.6] },
    );
    assert.deepEqual(mine, plotted);
    assert.deepEqual(mine.map((m) => `${m.shape}${m.bodypart}`), ['+0', '+1', '.0', '+0', '+1', '.1', 'x0', '+2', 'x2']);
    assert.deepEqual(S.imageMarkers(wire, layout, 2).map((m) => `${m.shape}@${m.x}`), ['+@8', 'x@9']);
    assert.deepEqual(S.imageMarkers(wire, { ...layout, pcutoffs: [0.05, 0.6, 0.1] }).filter((m) => m.shape === '.').map((m) => m.x), [5, 6, 7, 9]);
  });

  it('bar scale and number format; the host checks what the panel sends', () => {
    const parts = [{ bodypart: 'a', unique: false, train: 2, test: 12, trainPcutoff: 1, testPcutoff: null }];
    assert.equal(S.barScale(parts, false), 12);
    assert.equal(S.barScale(parts, true), 1);
    assert.equal(S.formatNumber(null), '–');
    assert.equal(S.formatNumber(1.2345, 1), '1.2');
    assert.deepEqual(parseEvaluationMessage({ type: 'evaluation-select', id: '95/1/s' }), { type: 'evaluation-select', id: '95/1/s' });
    assert.equal(parseEvaluationMessage({ type: 'evaluation-select', id: 3 }), undefined);
    assert.equal(parseEvaluationMessage({ type: 'evaluation-open-image', folder: '/f' }), undefined);
    assert.deepEqual(parseEvaluationMessage({ type: 'evaluation-open-image', folder: '/f', image: 'labeled-data/v/i.png', extra: 1 }), { type: 'evaluation-open-image', folder: '/f', image: 'labeled-data/v/i.png' });
    assert.equal(parseEvaluationMessage(null), undefined);
  });
});
