import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { createPoseArray } from '../../src-core/common/pose';
import { writePoseTable } from '../../src-core/infer/outputs';
import { readPoseTable } from '../../src-core/io/pose-table';
import { readFrameRange } from '../../src-core/video/decode';
import { findTrackedTables, findVideo, rankTrackedTables, refineCore, refinedPath, RefineSession } from '../../src-extension/refine-host';
import * as S from '../../webviews/refine/state';
import { decodeBytes, type RefineFrameMessage, type RefineInitMessage } from '../../webviews/shared/messages';
import { makeTestVideo, temporaryFolder, testFfmpeg } from '../helpers/workspace';
import { fixed, refineConfig, SWAP, tracked } from './refine-fixture';

const SCORER = 'DLC_resnet50_mazeNov25shuffle1_100000';
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const digest = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function makeTable(options: { video?: boolean } = {}): Promise<{ folder: string; table: string; video: string }> {
  const folder = temporaryFolder('herd-refine-host-');
  const video = path.join(folder, 'm3v1.mp4');
  if (options.video !== false) makeTestVideo(video, { width: 64, height: 48, frames: 40, fps: 10 });
  const table = path.join(folder, `m3v1${SCORER}_el.h5`);
  const unique = createPoseArray(40, ['single'], ['corner']);
  unique.data.fill(7);
  await writePoseTable(table, tracked(), SCORER, { multiAnimal: true, uniqueBodyparts: { frames: 40, bodyparts: ['corner'], data: unique.data }, csv: true });
  return { folder, table, video };
}

const session = (table: string) => new RefineSession(table, refineCore({ ffmpeg: testFfmpeg() }));

describe('refinement host (no VS Code)', () => {
  it('opens the table and its video, serves decoded frames, saves the fixed swap as <stem>_refined.h5 + .csv', async () => {
    const { table, video } = await makeTable();
    const originalH5 = digest(table);
    const originalCsv = digest(table.replace(/\.h5$/, '.csv'));
    const s = session(table);
    const init = (await s.handle({ type: 'refine-ready' })) as RefineInitMessage;
    assert.equal(init.type, 'refine-init');
    assert.equal(init.scorer, SCORER);
    assert.equal(init.target, path.join(path.dirname(table), `m3v1${SCORER}_el_refined.h5`));
    assert.equal(init.targetExists, false);
    assert.deepEqual(init.video && { path: init.video.path, width: init.video.width, height: init.video.height }, { path: video, width: 64, height: 48 });
    assert.deepEqual(init.poses.individuals, ['mouse1', 'mouse2', 'mouse3']);
    const poses = S.posesFromWire(init.poses);
    assert.ok(same(poses.data, tracked().data), 'the table crosses the wire exactly (NaN included)');

    const frame = (await s.handle({ type: 'refine-get-frame', index: 3 })) as RefineFrameMessage;
    assert.equal(frame.type, 'refine-frame');
    assert.deepEqual([frame.index, frame.width, frame.height], [3, 64, 48]);
    const [direct] = await readFrameRange(video, 3, 4, { ffmpeg: testFfmpeg() });
    assert.deepEqual(decodeBytes(frame.rgb), new Uint8Array(direct.data), 'the same pixels as src-core decodes');
    const cachedNext = (await s.handle({ type: 'refine-get-frame', index: 4 })) as RefineFrameMessage;
    assert.equal(cachedNext.index, 4);

    // The panel's edit: swap mouse1 and mouse2 over the known swap.
    let state = S.createState(poses, refineConfig());
    state = S.swap(S.selectPair(S.setRange(state, SWAP), 0, 1));
    const saved = await s.handle({ type: 'refine-save', poses: S.posesToWire(state.poses), overwrite: false });
    assert.equal(saved?.type, 'refine-saved', JSON.stringify(saved));
    const target = refinedPath(table);
    assert.deepEqual((saved as { files: string[] }).files, [target, target.replace(/\.h5$/, '.csv')]);
    for (const file of [target, target.replace(/\.h5$/, '.csv')]) {
      const back = await readPoseTable(file);
      assert.equal(back.scorer, SCORER);
      assert.ok(same(back.poses.data, fixed().data), `${path.basename(file)} holds the expected table`);
      assert.deepEqual(back.unique?.bodyparts, ['corner'], 'unique body parts are kept');
      assert.ok(back.unique!.data.every((v) => v === 7));
    }
    assert.equal(digest(table), originalH5, 'the original .h5 is untouched');
    assert.equal(digest(table.replace(/\.h5$/, '.csv')), originalCsv, 'the original .csv is untouched');

    // A second save is refused unless it says overwrite.
    const before = digest(target);
    const again = await s.handle({ type: 'refine-save', poses: S.posesToWire(poses), overwrite: false });
    assert.deepEqual(again && { type: again.type, exists: (again as { exists?: boolean }).exists }, { type: 'refine-error', exists: true });
    assert.equal(digest(target), before);
    assert.equal((await s.handle({ type: 'refine-ready' }) as RefineInitMessage).targetExists, true);
    const overwritten = await s.handle({ type: 'refine-save', poses: S.posesToWire(poses), overwrite: true });
    assert.equal(overwritten?.type, 'refine-saved');
    assert.ok(same((await readPoseTable(target)).poses.data, tracked().data));
    assert.equal(digest(table), originalH5);
  });

  it('decodes a run of frames per request, forwards or backwards, and serves the rest from its cache', async () => {
    const { table, video } = await makeTable();
    const core = refineCore({ ffmpeg: testFfmpeg() });
    const runs: Array<[number, number]> = [];
    const counting = { ...core, frames: (v: Parameters<typeof core.frames>[0], start: number, end: number) => (runs.push([start, end]), core.frames(v, start, end)) };
    const s = new RefineSession(table, counting);
    await s.handle({ type: 'refine-ready' });
    const all = await readFrameRange(video, 0, 40, { ffmpeg: testFfmpeg() });
    for (const index of [20, 21, 27, 19, 18, 12, 39]) {
      const reply = (await s.handle({ type: 'refine-get-frame', index })) as RefineFrameMessage;
      assert.equal(reply.index, index);
      assert.deepEqual(decodeBytes(reply.rgb), new Uint8Array(all[index].data), `frame ${index}`);
    }
    assert.deepEqual(runs, [[20, 28], [12, 20], [39, 40]]);
    assert.equal(((await s.handle({ type: 'refine-get-frame', index: 40 })) as { type: string }).type, 'refine-error', 'past the end');
  });

  it('refuses poses of another shape; ignores malformed messages; where refined tables go', async () => {
    const { table } = await makeTable({ video: false });
    const dirty: boolean[] = [];
    const s = new RefineSession(table, refineCore({ ffmpeg: testFfmpeg() }), { onDirty: (d) => dirty.push(d) });
    const init = (await s.handle({ type: 'refine-ready' })) as RefineInitMessage;
    assert.equal(init.video, undefined, 'no video: poses only');
    assert.equal(((await s.handle({ type: 'refine-get-frame', index: 0 })) as { type: string }).type, 'refine-error');
    const wrong = { ...init.poses, individuals: ['a', 'b', 'c'] };
    const refused = await s.handle({ type: 'refine-save', poses: wrong, overwrite: true });
    assert.match((refused as { message: string }).message, /not saved/);
    const short = { ...init.poses, data: init.poses.data.slice(0, 8) };
    assert.equal((await s.handle({ type: 'refine-save', poses: short, overwrite: true }))?.type, 'refine-error');
    assert.ok(!fs.existsSync(refinedPath(table)));
    assert.equal(await s.handle({ type: 'refine-save', poses: 'x' }), undefined);
    assert.equal(await s.handle({ type: 'nope' }), undefined);
    assert.equal(await s.handle({ type: 'refine-dirty', dirty: true }), undefined);
    assert.deepEqual(dirty, [true]);
    assert.equal(refinedPath('/a/b_el_refined.h5'), path.join('/a', 'b_el_refined.h5'), 'a refined table is refined in place');
    assert.equal(refinedPath('/a/b_el_refined.csv'), path.join('/a', 'b_el_refined.h5'));
    assert.equal(refinedPath('/a/b_el.csv'), path.join('/a', 'b_el_refined.h5'));
    // The CSV twin opens the same way.
    const csv = (await new RefineSession(table.replace(/\.h5$/, '.csv'), refineCore()).handle({ type: 'refine-ready' })) as RefineInitMessage;
    assert.ok(same(S.posesFromWire(csv.poses).data, tracked().data));
    assert.equal(findVideo(path.join('/nowhere', `m3v1${SCORER}_el.h5`), SCORER), undefined);
  });

  it('finds the tracked tables of a folder or of one video, the tracker’s own table first', () => {
    const folder = temporaryFolder('herd-refine-find-');
    const names = ['m1DLC_s_el.h5', 'm1DLC_s_el.csv', 'm1DLC_s_el_filtered.h5', 'm1DLC_s_el_refined.h5', 'm1DLC_s_bx.h5', 'm1DLC_s.h5', 'm1DLC_s_full.mp4', 'm2DLC_s_el.h5', 'm10DLC_s_el.h5'];
    for (const name of names) fs.writeFileSync(path.join(folder, name), '');
    const found = findTrackedTables([folder, folder, path.join(folder, 'missing')], 'm1').map((f) => path.basename(f));
    assert.deepEqual(found, ['m1DLC_s_bx.h5', 'm1DLC_s_el.h5', 'm1DLC_s_el_filtered.h5', 'm1DLC_s_el_refined.h5']);
    assert.deepEqual(rankTrackedTables(found, 'ellipse'), ['m1DLC_s_el.h5', 'm1DLC_s_el_filtered.h5', 'm1DLC_s_bx.h5', 'm1DLC_s_el_refined.h5']);
    assert.equal(rankTrackedTables(found, 'box')[0], 'm1DLC_s_bx.h5');
    assert.equal(findTrackedTables([folder]).length, 6);
  });

  it('a _refined table is saved in place only when the message says overwrite; the original stays untouched', async () => {
    const { table } = await makeTable({ video: false });
    const originalH5 = digest(table);
    const first = new RefineSession(table, refineCore());
    const init = (await first.handle({ type: 'refine-ready' })) as RefineInitMessage;
    assert.equal((await first.handle({ type: 'refine-save', poses: init.poses, overwrite: false }))?.type, 'refine-saved');
    const refined = refinedPath(table);
    const again = new RefineSession(refined, refineCore());
    const reopened = (await again.handle({ type: 'refine-ready' })) as RefineInitMessage;
    assert.equal(reopened.target, refined);
    assert.equal(reopened.targetExists, true);
    const edited = S.swap(S.selectPair(S.setRange(S.createState(S.posesFromWire(reopened.poses), refineConfig()), SWAP), 0, 1));
    const refused = await again.handle({ type: 'refine-save', poses: S.posesToWire(edited.poses), overwrite: false });
    assert.equal((refused as { exists?: boolean }).exists, true);
    assert.ok(same((await readPoseTable(refined)).poses.data, tracked().data), 'not written without overwrite');
    assert.equal((await again.handle({ type: 'refine-save', poses: S.posesToWire(edited.poses), overwrite: true }))?.type, 'refine-saved');
    assert.ok(same((await readPoseTable(refined)).poses.data, fixed().data));
    assert.equal(digest(table), originalH5, 'the original is never written');
  });

  it('a missing table is an error message, not a throw', async () => {
    const reply = await session('/nowhere/x_el.h5').handle({ type: 'refine-ready' });
    assert.equal(reply?.type, 'refine-error');
  });
});
