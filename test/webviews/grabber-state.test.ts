// The frame grabber's pure modules: state (scrubbing bounds, go-to, time, extracted marks, selection, near-duplicate
// picks, what survives a new frame list) and the keymap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grabberActionFor, GRABBER_KEYMAP } from '../../webviews/grabber/keymap';
import * as S from '../../webviews/grabber/state';
import type { GrabberFrame } from '../../webviews/shared/messages';

const frame = (index: number, labeled = false): GrabberFrame => ({ name: `img${String(index).padStart(2, '0')}.png`, index, src: `s${index}`, labeled });
const FRAMES = [frame(5, true), frame(10), frame(11), frame(12), frame(40, true), frame(41)];
const base = () => S.createState({ frameCount: 60, fps: 30, frames: FRAMES, threshold: 0.015 });

describe('grabber state', () => {
  it('keeps the frame inside the video; go-to accepts whole numbers in range; times are m:ss.mmm', () => {
    const s = base();
    assert.equal(S.stepFrame(s, -1).frame, 0);
    assert.equal(S.stepFrame(S.gotoFrame(s, 55), 10).frame, 59);
    assert.equal(S.gotoFrame(s, 12.6).frame, 13);
    assert.equal(S.gotoFrame(s, Number.NaN), s);
    assert.equal(S.createState({ frameCount: 60, fps: 30, frames: [], threshold: 0.01 }, { frame: 99, view: 'grid', threshold: 0.03 }).frame, 59);
    assert.deepEqual([S.parseGoto(' 42 ', 60), S.parseGoto('60', 60), S.parseGoto('-1', 60), S.parseGoto('4.5', 60), S.parseGoto('', 60)], [42, undefined, undefined, undefined, undefined]);
    assert.equal(S.timeLabel(45, 30), '0:01.500');
    assert.equal(S.timeLabel(30 * 3725, 30), '1:02:05.000');
    assert.equal(S.timeLabel(3, 0), '');
  });

  it('knows the extracted frames; a new frame list prunes the selection and the groups', () => {
    let s = S.setGroups(base(), [['img10.png', 'img11.png', 'img12.png'], ['img40.png', 'img41.png'], ['gone.png', 'img05.png']], 0.015);
    assert.deepEqual(s.groups, [['img10.png', 'img11.png', 'img12.png'], ['img40.png', 'img41.png']]);
    assert.equal(S.extractedAt(s, 11)?.name, 'img11.png');
    assert.equal(S.extractedAt(s, 13), undefined);
    assert.deepEqual(S.extractedIndices(s), [5, 10, 11, 12, 40, 41]);
    s = S.selectAll(s);
    s = S.setFrames(s, [frame(5, true), frame(10), frame(40, true)]);
    assert.deepEqual(s.selected, ['img05.png', 'img10.png', 'img40.png']);
    assert.deepEqual(s.groups, []);
    assert.deepEqual([...S.groupOf(S.setGroups(base(), [['img10.png', 'img11.png']], 0.01))], [['img10.png', 0], ['img11.png', 0]]);
  });

  it('click, Ctrl+click and Shift+click select in name order; near-duplicate picks keep a labeled member', () => {
    let s = S.select(base(), 'img11.png', 'only');
    s = S.select(s, 'img05.png', 'toggle');
    assert.deepEqual(s.selected, ['img05.png', 'img11.png']);
    s = S.select(s, 'img40.png', 'range');
    assert.deepEqual(s.selected, ['img05.png', 'img10.png', 'img11.png', 'img12.png', 'img40.png']);
    s = S.select(s, 'img11.png', 'toggle');
    assert.deepEqual(s.selected, ['img05.png', 'img10.png', 'img12.png', 'img40.png']);
    assert.deepEqual(S.selectedLabeled(s), ['img05.png', 'img40.png']);
    assert.deepEqual(S.clearSelection(s).selected, []);
    const groups = S.setGroups(base(), [['img10.png', 'img11.png', 'img12.png'], ['img40.png', 'img41.png']], 0.015);
    assert.deepEqual(S.selectDuplicates(groups).selected, ['img11.png', 'img12.png', 'img41.png']);
    const labeledLast = S.setGroups(S.setFrames(base(), [frame(10), frame(11), frame(12, true)]), [['img10.png', 'img11.png', 'img12.png']], 0.015);
    assert.deepEqual(S.selectDuplicates(labeledLast).selected, ['img10.png', 'img11.png']);
  });

  it('the keymap: arrows, Shift+arrows, G, T, D, Ctrl+A, Delete, ?; no key twice', () => {
    assert.equal(grabberActionFor({ key: 'ArrowRight' }), 'nextFrame');
    assert.equal(grabberActionFor({ key: 'ArrowLeft', shiftKey: true }), 'prevFrame10');
    assert.equal(grabberActionFor({ key: 'G', shiftKey: false }), 'grab');
    assert.equal(grabberActionFor({ key: 'g', ctrlKey: true }), undefined);
    assert.equal(grabberActionFor({ key: 'a', metaKey: true }), 'selectAll');
    assert.equal(grabberActionFor({ key: 'Backspace' }), 'delete');
    assert.equal(grabberActionFor({ key: '?', shiftKey: true }), 'help');
    const seen = new Set<string>();
    for (const binding of GRABBER_KEYMAP) {
      for (const key of binding.keys) {
        const id = `${binding.ctrl ? 'C-' : ''}${binding.shift ? 'S-' : ''}${key}`;
        assert.ok(!seen.has(id), id);
        seen.add(id);
      }
    }
  });
});
