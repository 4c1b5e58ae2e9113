import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poseOffset } from '../../src-core/common/pose';
import { INTERPOLATED_LIKELIHOOD, MOVED_LIKELIHOOD, swapIndividuals } from '../../src-core/stitch/edit';
import { refineActionFor } from '../../webviews/refine/keymap';
import * as S from '../../webviews/refine/state';
import { parseRefineHistory, parseRefineMessage, unsavedEditCount } from '../../webviews/shared/messages';
import { fixed, GAP, refineConfig, SWAP, tracked, truth, UNIQUE_GAP, uniqueParts } from './refine-fixture';

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

  it('a history replayed over the opened table restores the edits, undo, redo and the saved state', () => {
    const opened = S.createState(tracked(), refineConfig(), 0, uniqueParts());
    let s = S.swap(S.setRange(opened, SWAP));
    s = S.movePoint(S.gotoFrame(s, 3), { individual: 1, bodypart: 0 }, 50.25, 60.75);
    s = S.markSaved(s, S.savePoint(s));
    s = S.deletePoint(s, { individual: 0, bodypart: 1, unique: true });
    s = S.fill(s, 3);
    s = S.undo(s);
    assert.equal(s.history.applied.length, 3);
    assert.equal(s.history.undone.length, 1);
    assert.equal(unsavedEditCount(s.history), 1);
    const wire = JSON.parse(JSON.stringify(s.history)) as unknown;
    const restored = S.restoreHistory(opened, parseRefineHistory(wire));
    assert.ok(same(restored.poses.data, s.poses.data) && same(restored.unique!.data, s.unique!.data), 'the same arrays');
    assert.ok(S.isDirty(restored));
    assert.deepEqual(restored.history, s.history);
    assert.ok(same(S.redo(restored).poses.data, S.redo(s).poses.data), 'redo works as before');
    const back = S.undo(restored);
    assert.ok(!S.isDirty(back), 'one undo: the saved state');
    assert.equal(S.undo(S.undo(S.undo(back))).poses, opened.poses, 'undo all the way: the very opened arrays');
    assert.ok(S.restoreHistory(opened, s.history).nextId > Math.max(...s.history.applied.map((e) => e.id)));
    // A history that does not fit the table leaves it as opened, with a note.
    const wrong = { applied: [{ id: 1, edit: { op: 'move-point' as const, frame: 99, individual: 0, bodypart: 0, x: 1, y: 1 } }], undone: [], saved: [] };
    const refused = S.restoreHistory(opened, wrong);
    assert.equal(refused.poses, opened.poses);
    assert.match(refused.note ?? '', /could not restore/);
    assert.equal(S.restoreHistory(opened, undefined), opened);
  });

  it('drag = one edit at likelihood 1 (DeepLabCut’s refine GUI); Delete on a selected point = NaN; undo restores', () => {
    let s = S.createState(tracked(), refineConfig(), 4);
    const ref = { individual: 2, bodypart: 1 };
    assert.equal(S.selectPoint(s, { individual: 2, bodypart: 1 }).selected?.bodypart, 1);
    assert.equal(S.selectPoint(S.gotoFrame(s, GAP.start), ref).selected, undefined, 'a missing point cannot be selected');
    s = S.movePoint(s, ref, 77.125, 88.5, 200, 200);
    const o = poseOffset(s.poses, 4, 2, 1);
    assert.deepEqual([s.poses.data[o], s.poses.data[o + 1], s.poses.data[o + 2]], [77.125, 88.5, MOVED_LIKELIHOOD]);
    assert.equal(MOVED_LIKELIHOOD, 1);
    assert.equal(s.past.length, 1);
    assert.deepEqual(s.selected, ref, 'the moved point is selected');
    assert.match(s.note ?? '', /moved mouse3 tail to \(77\.1, 88\.5\) in frame 4/);
    const clamped = S.movePoint(s, ref, -5, 500, 200, 200);
    assert.deepEqual([clamped.poses.data[o], clamped.poses.data[o + 1]], [0, 200], 'clamped into the picture');
    s = S.deletePoint(s);
    assert.ok([0, 1, 2].every((c) => Number.isNaN(s.poses.data[o + c])));
    assert.equal(s.selected, undefined);
    assert.equal(S.deletePoint(s).poses, s.poses, 'nothing selected: nothing deleted');
    s = S.undo(S.undo(s));
    assert.ok(same(s.poses.data, tracked().data));
    assert.ok(!S.isDirty(s));
    // The frame changes: the selection goes.
    assert.equal(S.gotoFrame(S.selectPoint(s, ref), 5).selected, undefined);
  });

  it('unique body parts: their own lane, moved and deleted as points, deleted with everyone, untouched by swaps', () => {
    let s = S.createState(tracked(), refineConfig(), 0, uniqueParts());
    const summary = S.summarize(s.poses, 40, s.unique);
    assert.equal(summary.individuals, 4, 'three animals and the unique lane');
    assert.equal(summary.presence[3 * 40 + 0], 1);
    assert.equal(summary.presence[3 * 40 + UNIQUE_GAP.start], 0.5);
    assert.deepEqual(summary.flagged, [SWAP.start, SWAP.end + 1], 'the unique lane flags nothing');
    s = S.swap(S.setRange(s, SWAP));
    assert.equal(s.unique, s.opened.unique, 'a swap leaves the unique parts alone');
    s = S.movePoint(s, { individual: 0, bodypart: 0, unique: true }, 10.5, 11.5);
    const o = poseOffset(s.unique!, 0, 0, 0);
    assert.deepEqual([s.unique!.data[o], s.unique!.data[o + 1], s.unique!.data[o + 2]], [10.5, 11.5, 1]);
    assert.equal(s.history.applied[1].edit.op, 'move-point');
    s = S.deleteRange(S.setRange(s, { start: 1, end: 2 }));
    assert.ok(Number.isNaN(s.unique!.data[poseOffset(s.unique!, 2, 0, 1)]), 'everyone: the unique parts too');
    const animalOnly = S.deleteRange(S.setRange(s, { start: 5, end: 5 }), [0]);
    assert.equal(animalOnly.unique, s.unique);
    const uniqueOnly = S.deleteRange(S.setRange(s, { start: 5, end: 5 }), [], true);
    assert.equal(uniqueOnly.poses, s.poses);
    assert.ok(Number.isNaN(uniqueOnly.unique!.data[poseOffset(s.unique!, 5, 0, 0)]));
    const filled = S.fill(s, 3);
    assert.ok(Number.isFinite(filled.unique!.data[poseOffset(s.unique!, UNIQUE_GAP.start, 0, 1)]), 'fill gaps fills the unique parts too');
    s = S.undo(S.undo(S.undo(s)));
    assert.ok(same(s.unique!.data, uniqueParts().data));
  });

  it('history messages: one edit, undo, redo as single steps; a save only moves nothing; anything else the whole history', () => {
    let s = S.createState(tracked(), refineConfig());
    const first = S.historyMessages(undefined, s.history);
    assert.deepEqual(first, [{ type: 'refine-history', history: { applied: [], undone: [], saved: [] } }]);
    const h0 = s.history;
    s = S.swap(S.setRange(s, SWAP));
    const [edit] = S.historyMessages(h0, s.history);
    assert.deepEqual(edit, { type: 'refine-edit', entry: { id: 1, edit: { op: 'swap', a: 0, b: 1, range: SWAP } } });
    const h1 = s.history;
    s = S.undo(s);
    assert.deepEqual(S.historyMessages(h1, s.history), [{ type: 'refine-undo' }]);
    const h2 = s.history;
    s = S.redo(s);
    assert.deepEqual(S.historyMessages(h2, s.history), [{ type: 'refine-redo' }]);
    assert.deepEqual(S.historyMessages(s.history, S.markSaved(s, S.savePoint(s)).history), []);
    const twice = S.deleteRange(S.setRange(S.fill(s, 3), { start: 0, end: 0 }));
    assert.equal(S.historyMessages(s.history, twice.history)[0].type, 'refine-history', 'two steps at once');
    const branch = S.fill(S.undo(s), 3);
    assert.equal(S.historyMessages(s.history, branch.history)[0].type, 'refine-history', 'an undo and a new edit at once');
    for (const m of [...first, edit]) assert.deepEqual(parseRefineMessage(JSON.parse(JSON.stringify(m))), m, 'the host accepts them');
  });

  it('unsaved edits count from the saved ids', () => {
    const e = (id: number) => ({ id, edit: { op: 'fill-gaps' as const, maxGap: 2 } });
    assert.equal(unsavedEditCount({ applied: [], undone: [], saved: [] }), 0);
    assert.equal(unsavedEditCount({ applied: [e(1), e(2)], undone: [], saved: [] }), 2);
    assert.equal(unsavedEditCount({ applied: [e(1)], undone: [e(2)], saved: [1, 2] }), 1, 'the saved edit was undone');
    assert.equal(unsavedEditCount({ applied: [e(1), e(3)], undone: [], saved: [1, 2] }), 2, 'a branch: one undone, one new');
    assert.equal(unsavedEditCount({ applied: [e(1), e(3)], undone: [], saved: [1, 3] }), 0);
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
    assert.equal(refineActionFor({ key: 'Delete' }), 'delete');
    assert.equal(refineActionFor({ key: 'Escape' }), 'clearRange');
    assert.equal(parseRefineMessage({ type: 'refine-edit', entry: { id: 1, edit: { op: 'move-point', frame: 0, individual: 0, bodypart: 0, x: 'a', y: 1 } } }), undefined);
    assert.equal(parseRefineMessage({ type: 'refine-edit', entry: { id: 1.5, edit: { op: 'fill-gaps', maxGap: 2 } } }), undefined);
    assert.deepEqual(parseRefineMessage({ type: 'refine-undo', extra: 1 }), { type: 'refine-undo' });
    assert.equal(parseRefineMessage({ type: 'refine-history', history: { applied: [{ id: 1, edit: { op: 'nope' } }], undone: [], saved: [] } }), undefined);
    assert.equal(parseRefineMessage({ type: 'refine-history', history: { applied: [], undone: [], saved: 'all' } }), undefined);
    assert.equal(parseRefineMessage({ type: 'refine-save', poses: { frames: 1, individuals: ['a'], bodyparts: ['b'], data: 'AAAA' }, unique: { frames: 1 } }), undefined, 'malformed unique parts');
  });
});
