import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poseOffset } from '../../src-core/common/pose';
import { INTERPOLATED_LIKELIHOOD, swapIndividuals } from '../../src-core/stitch/edit';
import { refineActionFor } from '../../webviews/refine/keymap';
import * as S from '../../webviews/refine/state';
import { parseRefineMessage } from '../../webviews/shared/messages';
import { fixed, GAP, refineConfig, SWAP, tracked, truth } from './refine-fixture';

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('refinement state', () => {
  it('swap over the selected range fixes the known swap; undo restores exactly; redo reapplies', () => {
    let s = S.createState(tracked(), refineConfig());
    const before = s.poses;
    s = S.gotoFrame(S.beginRange(s, SWAP.start), SWAP.end);
    s = S.endRange(s);
    assert.deepEqual(s.range, SWAP);
    s = S.swap(S.selectPair(s, 0, 1));
    assert.ok(S.isDirty(s));
    assert.ok(same(s.poses.data, fixed().data), 'the swap is fixed: the true table (with its gap)');
    assert.match(s.note ?? '', /swapped mouse1 and mouse2 over frames 12–19/);
    const swapped = s.poses;
    s = S.undo(s);
    assert.equal(s.poses, before, 'undo gives back the very array');
    assert.ok(same(s.poses.data, tracked().data), 'undo restores the table exactly (NaN included)');
    assert.ok(!S.isDirty(s));
    s = S.redo(s);
    assert.equal(s.poses, swapped);
    assert.equal(S.redo(s), s, 'nothing more to redo');
  });

  it('swap from here to the end; a range drawn backwards is ordered; nothing happens without a range', () => {
    let s = S.createState(tracked(), refineConfig());
    assert.equal(S.swap(s).poses, s.poses);
    s = S.gotoFrame(s, 30);
    s = S.swap(s, true);
    assert.ok(same(s.poses.data, swapIndividuals(tracked(), 0, 1, { start: 30, end: 39 }).data));
    s = S.endRange(S.gotoFrame(S.beginRange(s, 20), 15));
    assert.deepEqual(s.range, { start: 15, end: 20 });
    s = S.markEnd(S.gotoFrame(S.markStart(S.gotoFrame(s, 3)), 6));
    assert.deepEqual(s.range, { start: 3, end: 6 });
  });

  it('fill gaps writes interpolated points with likelihood 0.01, only for gaps ≤ max gap', () => {
    let s = S.createState(tracked(), refineConfig());
    const small = S.fill(s, 2);
    assert.equal(small.poses, s.poses, 'a 3-frame gap is longer than 2');
    s = S.fill(s, 3);
    const t = truth();
    for (let f = GAP.start; f <= GAP.end; f++) {
      for (let k = 0; k < 2; k++) {
        const o = poseOffset(s.poses, f, 2, k);
        assert.ok(Math.abs(s.poses.data[o] - t.data[o]) < 1e-3 && Math.abs(s.poses.data[o + 1] - t.data[o + 1]) < 1e-3, `frame ${f} part ${k} interpolated`);
        assert.equal(s.poses.data[o + 2], Math.fround(INTERPOLATED_LIKELIHOOD));
        assert.equal(s.poses.data[o + 2], Math.fround(0.01));
      }
    }
    assert.match(s.note ?? '', /filled 6 points/);
    assert.ok(same(S.undo(s).poses.data, tracked().data));
  });

  it('delete in range, short swaps and short tracklets are edits with undo', () => {
    let s = S.createState(tracked(), refineConfig());
    s = S.deleteRange(S.setRange(s, { start: 0, end: 1 }));
    assert.ok(Number.isNaN(s.poses.data[0]) && Number.isNaN(s.poses.data[poseOffset(s.poses, 1, 2, 1) + 2]));
    assert.ok(!Number.isNaN(s.poses.data[poseOffset(s.poses, 2, 0, 0)]));
    s = S.undo(s);
    s = S.dropShortSwaps(s, 10);
    assert.ok(same(s.poses.data, fixed().data), 'the 8-frame swap is undone by min_swap_len 10');
    s = S.dropShortTracklets(s, 6);
    assert.ok(Number.isNaN(s.poses.data[poseOffset(s.poses, 0, 2, 0)]), 'mouse3’s first 5 frames are a short tracklet');
    s = S.undo(S.undo(s));
    assert.ok(same(s.poses.data, tracked().data));
    assert.ok(!S.isDirty(s));
  });

  it('the timeline summary flags the swap’s jumps; presence and likelihood per lane', () => {
    const summary = S.summarize(tracked(), 40);
    assert.deepEqual(summary.flagged, [SWAP.start, SWAP.end + 1]);
    assert.equal(summary.presence[2 * 40 + GAP.start], 0);
    assert.ok(Number.isNaN(summary.likelihood[2 * 40 + GAP.start]));
    assert.equal(summary.presence[0], 1);
    assert.ok(Math.abs(summary.likelihood[0] - 0.85) < 1e-6);
    assert.equal(S.nextFlagged(summary, 0, 1), SWAP.start);
    assert.equal(S.nextFlagged(summary, SWAP.start, 1), SWAP.end + 1);
    assert.equal(S.nextFlagged(summary, SWAP.end + 1, 1), SWAP.end + 1);
    assert.equal(S.nextFlagged(summary, 30, -1), SWAP.end + 1);
    assert.deepEqual(S.summarize(truth(), 40).flagged, []);
  });

  it('unsaved edits restored over the opened table: dirty, one undo back to it; another shape is ignored', () => {
    const opened = S.createState(tracked(), refineConfig());
    const edited = S.swap(S.setRange(opened, SWAP)).poses;
    const restored = S.restoreUnsaved(opened, S.posesFromWire(S.posesToWire(edited)));
    assert.ok(S.isDirty(restored) && same(restored.poses.data, fixed().data));
    assert.equal(S.undo(restored).poses, opened.poses);
    assert.equal(S.restoreUnsaved(opened, truth(39)), opened);
    assert.equal(S.restoreUnsaved(opened, { ...truth(), individuals: ['a', 'b', 'c'] }), opened);
    assert.equal(S.restoreUnsaved(opened, undefined), opened);
  });

  it('wire round trip keeps NaN; keymap; message checks', () => {
    const poses = tracked();
    const back = S.posesFromWire(S.posesToWire(poses));
    assert.ok(same(back.data, poses.data));
    assert.equal(refineActionFor({ key: 'z', ctrlKey: true }), 'undo');
    assert.equal(refineActionFor({ key: 'Z', ctrlKey: true, shiftKey: true }), 'redo');
    assert.equal(refineActionFor({ key: 'ArrowRight' }), 'nextFrame');
    assert.equal(refineActionFor({ key: 's', ctrlKey: true }), 'save');
    assert.equal(refineActionFor({ key: '?', shiftKey: true }), 'help');
    assert.equal(parseRefineMessage({ type: 'refine-get-frame', index: -1 }), undefined);
    assert.equal(parseRefineMessage({ type: 'refine-save', poses: { frames: 1, individuals: [1], bodyparts: [], data: '' } }), undefined);
    assert.deepEqual(parseRefineMessage({ type: 'refine-save', poses: { frames: 1, individuals: ['a'], bodyparts: ['b'], data: 'AAAA' } }), { type: 'refine-save', poses: { frames: 1, individuals: ['a'], bodyparts: ['b'], data: 'AAAA' }, overwrite: false });
    assert.equal(parseRefineMessage('refine-ready'), undefined);
  });
});
