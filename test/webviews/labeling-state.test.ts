import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionFor, helpRows, KEYMAP } from '../../webviews/labeling/keymap';
import * as S from '../../webviews/labeling/state';
import { fit, imageToScreen, pan, screenToImage, wheelFactor, zoomAt } from '../../webviews/labeling/view';
import { parsePanelMessage } from '../../webviews/shared/messages';
import { BODYPARTS, config, frames, table } from './fixture';

const fresh = () => S.createState(frames(), table(), config());

describe('labeling state', () => {
  it('reads the wire table into one row per frame and writes back only labeled rows', () => {
    const state = fresh();
    assert.deepEqual(S.getPoint(state.labels, 0, 'mouse1', 'snout'), [10, 20]);
    assert.equal(S.getPoint(state.labels, 1, 'mouse1', 'snout'), undefined);
    assert.deepEqual(S.labelsToWire(state.labels), table());
    assert.equal(S.labelsToWire(state.labels, true).images.length, 4);
  });

  it('keeps rows of images that are not frames of the folder', () => {
    const t = table();
    t.images = ['labeled-data/vid/gone.png'];
    const state = S.createState(frames(), t, config());
    assert.equal(S.frameCounts(state, 0).labeled, 0);
    assert.deepEqual(S.labelsToWire(state.labels).images, ['labeled-data/vid/gone.png']);
  });

  it('places the selected part, advances, refuses points outside the image', () => {
    let state = S.selectPart(fresh(), 2);
    state = S.placePoint(state, 5.25, 6.5, 100, 80);
    assert.deepEqual(S.getPoint(state.labels, 0, 'mouse1', 'tailbase'), [5.25, 6.5]);
    assert.equal(state.bodypart, 2, 'the last part stays selected');
    assert.equal(state.dirty, true);
    const before = state;
    for (const [x, y] of [[-0.1, 5], [5, -1], [100.5, 5], [5, 80.01], [Number.NaN, 1]]) assert.equal(S.placePoint(before, x, y, 100, 80), before);
    state = S.gotoFrame(S.selectAnimal(state, 1), 1);
    state = S.placePoint(state, 1, 2, 100, 80);
    assert.equal(state.bodypart, 1);
    assert.deepEqual(S.getPoint(state.labels, 1, 'mouse2', 'snout'), [1, 2]);
  });

  it('unique body parts are the animal after the individuals', () => {
    assert.deepEqual(S.animals(config()), ['mouse1', 'mouse2', 'single']);
    let state = S.selectAnimal(fresh(), 2);
    assert.equal(S.selectedPart(state), 'corner');
    state = S.placePoint(state, 3, 4, 10, 10);
    assert.deepEqual(S.getPoint(state.labels, 0, 'single', 'corner'), [3, 4]);
    assert.equal(S.selectAnimal(state, 3), state);
    const onTail = S.selectPart(S.selectAnimal(state, 0), 2);
    assert.equal(S.selectAnimal(onTail, 1).bodypart, 0, 'another animal starts at its first part');
    assert.equal(S.selectAnimal(onTail, 0).bodypart, 2);
  });

  it('undo / redo restore the exact values; a move is one step; a new edit clears redo', () => {
    const start = fresh();
    let state = S.placePoint(S.selectPart(start, 2), 7, 8, 100, 100);
    state = S.movePoint(state, 'mouse1', 'snout', 150, -3, 100, 100);
    assert.deepEqual(S.getPoint(state.labels, 0, 'mouse1', 'snout'), [100, 0], 'moves are clamped into the image');
    state = S.removePoint(state, 'mouse1', 'leftear');
    assert.equal(state.undo.length, 3);
    const after = state.labels.values.slice();
    state = S.undo(S.undo(S.undo(state)));
    assert.deepEqual(state.labels.values, start.labels.values);
    assert.equal(S.undo(state), state);
    state = S.redo(S.redo(S.redo(state)));
    assert.deepEqual(state.labels.values, after);
    state = S.placePoint(S.undo(state), 1, 1, 10, 10);
    assert.equal(state.redo.length, 0);
    assert.equal(S.movePoint(state, 'mouse1', 'tailbase', 1, 1, 10, 10).undo.length, state.undo.length, 'a no-op is not a step');
  });

  it('copies the previous frame: the selected animal or all', () => {
    let state = S.placePoint(S.selectAnimal(fresh(), 1), 30, 31, 100, 100);
    state = S.gotoFrame(state, 1);
    const one = S.copyPrevious(S.selectAnimal(state, 0), false);
    assert.deepEqual(S.framePoints(one).map((p) => [p.individual, p.bodypart, p.x, p.y]), [
      ['mouse1', 'snout', 10, 20],
      ['mouse1', 'leftear', 12.5, 22.25],
    ]);
    const all = S.copyPrevious(state, true);
    assert.equal(S.frameCounts(all, 1).labeled, 3);
    assert.equal(all.undo.length, state.undo.length + 1, 'one copy is one undo step');
    assert.equal(S.frameCounts(S.undo(all), 1).labeled, 0);
    assert.equal(S.copyPrevious(S.gotoFrame(state, 0), true).undo.length, state.undo.length);
  });

  it('single-animal tables: one unnamed animal, columns without individuals', () => {
    const cfg = { ...config(), multiAnimal: false, individuals: [], uniqueBodyparts: [] };
    const t = { ...table(), multiAnimal: false, individuals: [], uniqueBodyparts: [], columns: BODYPARTS.flatMap((bodypart) => (['x', 'y'] as const).map((coord) => ({ bodypart, coord }))), images: [], values: [] };
    let state = S.createState(frames(2), t, cfg);
    assert.deepEqual(S.animals(cfg), [undefined]);
    state = S.placePoint(S.selectPart(state, 1), 4, 5, 10, 10);
    assert.deepEqual(S.labelsToWire(state.labels), { ...t, images: ['labeled-data/vid/img000.png'], values: [null, null, 4, 5, null, null] });
  });

  it('progress, next unlabeled frame, frame navigation', () => {
    let state = fresh();
    assert.equal(S.progress(state), (100 * 2) / (4 * 7));
    assert.equal(S.nextUnlabeled(state), 1);
    state = S.placePoint(S.gotoFrame(state, 1), 1, 1, 10, 10);
    state = S.gotoFrame(state, 0);
    assert.equal(S.nextUnlabeled(state), 2);
    assert.equal(S.gotoFrame(state, 99).frame, 3);
    assert.equal(S.gotoFrame(state, -5).frame, 0);
  });
});

describe('view transform', () => {
  it('round-trips screen ↔ image', () => {
    const view = { scale: 2.5, x: 13, y: -7 };
    const [sx, sy] = imageToScreen(view, 10.25, 3.5);
    assert.deepEqual(screenToImage(view, sx, sy), [10.25, 3.5]);
  });
  it('zooms at the cursor: the image point under it stays', () => {
    let view = fit(640, 480, 800, 600);
    assert.deepEqual(view, { scale: 1.25, x: 0, y: 0 });
    const under = screenToImage(view, 300, 200);
    view = zoomAt(view, 300, 200, wheelFactor(-300));
    const still = screenToImage(view, 300, 200);
    assert.ok(Math.abs(still[0] - under[0]) < 1e-9 && Math.abs(still[1] - under[1]) < 1e-9);
    assert.ok(view.scale > 1.25 * 1.7);
    assert.equal(zoomAt(view, 0, 0, 1e9).scale, 64);
    assert.deepEqual(pan({ scale: 2, x: 1, y: 2 }, 5, -5), { scale: 2, x: 6, y: -3 });
  });
});

describe('keymap', () => {
  it('maps keys to actions with modifiers', () => {
    assert.deepEqual(actionFor({ key: 'ArrowRight' }), { action: 'nextFrame' });
    assert.deepEqual(actionFor({ key: 'ArrowRight', shiftKey: true }), { action: 'nextUnlabeled' });
    assert.deepEqual(actionFor({ key: 'z', ctrlKey: true }), { action: 'undo' });
    assert.deepEqual(actionFor({ key: 'Z', ctrlKey: true, shiftKey: true }), { action: 'redo' });
    assert.deepEqual(actionFor({ key: 'z', metaKey: true }), { action: 'undo' });
    assert.deepEqual(actionFor({ key: 'C', ctrlKey: true, shiftKey: true }), { action: 'copyAll' });
    assert.deepEqual(actionFor({ key: '3' }), { action: 'animal', animal: 2 });
    assert.deepEqual(actionFor({ key: '?', shiftKey: true }), { action: 'help' });
    assert.equal(actionFor({ key: 'z' }), undefined);
    assert.equal(actionFor({ key: 's', ctrlKey: true, altKey: true }), undefined);
  });
  it('has no two bindings for the same key and modifiers, and the help lists each one', () => {
    const seen = new Set<string>();
    for (const b of KEYMAP) for (const k of new Set(b.keys.map((key) => key.toLowerCase()))) {
      const id = `${b.ctrl ? 'C' : ''}${b.shift ? 'S' : ''}${k.toLowerCase()}`;
      assert.ok(!seen.has(id), id);
      seen.add(id);
    }
    assert.equal(helpRows().length, KEYMAP.length);
  });
});

describe('panel messages', () => {
  it('accepts well-formed messages and rejects the rest', () => {
    assert.deepEqual(parsePanelMessage({ type: 'ready' }), { type: 'ready' });
    assert.equal(parsePanelMessage({ type: 'save', table: { ...table(), values: [1] } }), undefined);
    assert.equal(parsePanelMessage({ type: 'save', table: { ...table(), values: table().values.map(() => 'x') } }), undefined);
    assert.equal(parsePanelMessage({ type: 'rm -rf' }), undefined);
    assert.equal(parsePanelMessage(null), undefined);
    assert.equal(parsePanelMessage({ type: 'save', table: table() })?.type, 'save');
  });
});
