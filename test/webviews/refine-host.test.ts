import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { createPoseArray, type PoseArray } from '../../src-core/common/pose';
import { writePoseTable } from '../../src-core/infer/outputs';
import { readPoseTable } from '../../src-core/io/pose-table';
import { readFrameRange } from '../../src-core/video/decode';
import { ClosedRefineEdits, findTrackedTables, findVideo, rankTrackedTables, refineCore, refinedPath, RefineSession } from '../../src-extension/refine-host';
import * as S from '../../webviews/refine/state';
import { decodeBytes, unsavedEditCount, type RefineExportedMessage, type RefineFrameMessage, type RefineHistory, type RefineInitMessage } from '../../webviews/shared/messages';
import { decodePng } from '../../src-core/io/png-read';
import { getPoint } from '../../src-core/labels/table';
import { readLabels } from '../../src-core/labels/files';
import { createProject } from '../../src-core/project/create';
import { loadProject } from '../../src-core/project/load';
import { makeTestVideo, temporaryFolder, testFfmpeg } from '../helpers/workspace';
import { fixed, GAP, refineConfig, SWAP, tracked, UNIQUE_GAP, uniqueParts } from './refine-fixture';

const SCORER = 'DLC_resnet50_mazeNov25shuffle1_100000';
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const digest = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function makeTable(options: { video?: boolean; unique?: PoseArray } = {}): Promise<{ folder: string; table: string; video: string }> {
  const folder = temporaryFolder('herd-refine-host-');
  const video = path.join(folder, 'm3v1.mp4');
  if (options.video !== false) makeTestVideo(video, { width: 64, height: 48, frames: 40, fps: 10 });
  const table = path.join(folder, `m3v1${SCORER}_el.h5`);
  let unique = options.unique;
  if (!unique) {
    unique = createPoseArray(40, ['single'], ['corner']);
    unique.data.fill(7);
  }
  await writePoseTable(table, tracked(), SCORER, { multiAnimal: true, uniqueBodyparts: { frames: 40, bodyparts: unique.bodyparts, data: unique.data }, csv: true });
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
    const names = ['m1DLC_s_el.h5', 'm1DLC_s_el.csv', 'm1DLC_s_el_filtered.h5', 'm1DLC_s_el_refined.h5', 'm1DLC_s_el_refined_filtered.h5', 'm1DLC_s_bx.h5', 'm1DLC_s.h5', 'm1DLC_s_full.mp4', 'm2DLC_s_el.h5', 'm10DLC_s_el.h5'];
    for (const name of names) fs.writeFileSync(path.join(folder, name), '');
    const found = findTrackedTables([folder, folder, path.join(folder, 'missing')], 'm1').map((f) => path.basename(f));
    assert.deepEqual(found, ['m1DLC_s_bx.h5', 'm1DLC_s_el.h5', 'm1DLC_s_el_filtered.h5', 'm1DLC_s_el_refined.h5', 'm1DLC_s_el_refined_filtered.h5']);
    assert.deepEqual(rankTrackedTables(found, 'ellipse'), ['m1DLC_s_el.h5', 'm1DLC_s_el_filtered.h5', 'm1DLC_s_bx.h5', 'm1DLC_s_el_refined.h5', 'm1DLC_s_el_refined_filtered.h5']);
    assert.equal(rankTrackedTables(found, 'box')[0], 'm1DLC_s_bx.h5');
    assert.equal(findTrackedTables([folder]).length, 7);
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

  it('unique body parts go to the panel and come back as edited; without them in the message the table’s are kept', async () => {
    const { table } = await makeTable({ video: false, unique: uniqueParts() });
    const s = session(table);
    const init = (await s.handle({ type: 'refine-ready' })) as RefineInitMessage;
    assert.deepEqual(init.unique && { individuals: init.unique.individuals, bodyparts: init.unique.bodyparts }, { individuals: ['single'], bodyparts: ['corner', 'feeder'] });
    assert.ok(same(S.posesFromWire(init.unique!).data, uniqueParts().data), 'the unique parts cross the wire exactly');
    assert.equal(init.config.uniqueColor, '#ff4dff');
    let state = S.createState(S.posesFromWire(init.poses), init.config, 0, S.posesFromWire(init.unique!));
    state = S.movePoint(state, { individual: 0, bodypart: 0, unique: true }, 150.5, 30.25);
    const saved = await s.handle({ type: 'refine-save', poses: S.posesToWire(state.poses), unique: S.posesToWire(state.unique!), overwrite: false });
    assert.equal(saved?.type, 'refine-saved');
    for (const file of (saved as { files: string[] }).files) {
      const back = await readPoseTable(file);
      assert.ok(same(back.unique!.data, state.unique!.data), `${path.basename(file)}: the moved unique part`);
      assert.ok(same(back.poses.data, tracked().data));
    }
    // Unique parts of another shape are refused; a save without them keeps the table's.
    const wrong = { ...S.posesToWire(state.unique!), bodyparts: ['corner', 'door'] };
    assert.match(((await s.handle({ type: 'refine-save', poses: init.poses, unique: wrong, overwrite: true })) as { message: string }).message, /unique body parts .*not saved/);
    assert.equal((await s.handle({ type: 'refine-save', poses: init.poses, overwrite: true }))?.type, 'refine-saved');
    assert.ok(same((await readPoseTable(refinedPath(table))).unique!.data, uniqueParts().data), 'unchanged unless edited');
  });

  it('a closed panel’s logged edits replay to exactly the table its Save would have sent; saved as <stem>_refined, overwrite only when asked', async () => {
    const { table } = await makeTable({ video: false, unique: uniqueParts() });
    const originalH5 = digest(table);
    const s = session(table);
    const init = (await s.handle({ type: 'refine-ready' })) as RefineInitMessage;
    let state = S.createState(S.posesFromWire(init.poses), init.config, 0, S.posesFromWire(init.unique!));
    let told: RefineHistory | undefined;
    const tell = async () => {
      for (const m of S.historyMessages(told, state.history)) assert.equal(await s.handle(JSON.parse(JSON.stringify(m))), undefined);
      told = state.history;
    };
    await tell();
    const steps: Array<(x: S.RefineState) => S.RefineState> = [
      (x) => S.swap(S.selectPair(S.setRange(x, SWAP), 0, 1)),
      (x) => S.movePoint(S.gotoFrame(x, 6), { individual: 0, bodypart: 1 }, 31.337, 44.5, 200, 200),
      (x) => S.deletePoint(S.gotoFrame(x, 8), { individual: 1, bodypart: 0 }),
      (x) => S.movePoint(S.gotoFrame(x, 2), { individual: 0, bodypart: 1, unique: true }, 1 / 3, 190.75),
      (x) => S.fill(x, 3),
      (x) => S.undo(x),
      (x) => S.undo(x),
      (x) => S.redo(x),
      (x) => S.deletePoint(S.gotoFrame(x, 0), { individual: 0, bodypart: 0, unique: true }),
      (x) => S.deleteRange(S.setRange(x, { start: 38, end: 39 }), [2]),
    ];
    for (const step of steps) {
      state = step(state);
      await tell();
    }
    assert.equal(s.log.unsaved, 6, 'six edits applied (the fill undone), none saved');
    assert.deepEqual(s.log.history, JSON.parse(JSON.stringify(state.history)), 'the host’s log is the panel’s history');
    const replayed = s.replay({ poses: tracked(), unique: uniqueParts() });
    assert.ok(same(replayed.poses.data, state.poses.data) && same(replayed.unique!.data, state.unique!.data), 'the replay is the panel’s table');
    assert.ok(Number.isFinite(replayed.unique!.data[(UNIQUE_GAP.start * 2 + 1) * 3]) === false, 'the fill was undone');
    assert.ok(Number.isNaN(replayed.poses.data[(GAP.start * 3 + 2) * 6]), 'mouse3’s gap is still there');

    // Saved from the log (what "Save Refined File" does): the exact arrays, the original untouched.
    const first = await s.saveEdits(false);
    assert.equal(first.type, 'refine-saved', JSON.stringify(first));
    for (const file of (first as { files: string[] }).files) {
      const back = await readPoseTable(file);
      assert.ok(same(back.poses.data, state.poses.data), `${path.basename(file)}: the panel’s poses`);
      assert.ok(same(back.unique!.data, state.unique!.data), `${path.basename(file)}: the panel’s unique parts`);
    }
    assert.equal(digest(table), originalH5);
    assert.equal(s.log.unsaved, 0, 'saved');
    // What the panel would have saved is the same file.
    const panelSave = await session(table).handle({ type: 'refine-save', poses: S.posesToWire(state.poses), unique: S.posesToWire(state.unique!), overwrite: true });
    assert.equal(panelSave?.type, 'refine-saved');
    const target = refinedPath(table);
    const fromPanel = await readPoseTable(target);
    assert.ok(same(fromPanel.poses.data, replayed.poses.data) && same(fromPanel.unique!.data, replayed.unique!.data));

    // One more edit: the refined file exists now, so saving again needs overwrite.
    state = S.movePoint(S.gotoFrame(state, 10), { individual: 2, bodypart: 0 }, 5, 5);
    await tell();
    assert.equal(s.log.unsaved, 1);
    const before = digest(target);
    const refused = await s.saveEdits(false);
    assert.deepEqual({ type: refused.type, exists: (refused as { exists?: boolean }).exists }, { type: 'refine-error', exists: true });
    assert.equal(digest(target), before, 'not written without overwrite');
    assert.equal(s.log.unsaved, 1);

    // Reopen: a new session seeded with the log hands the edits to the panel, which restores the same table.
    const reopened = new RefineSession(table, refineCore(), { restore: s.log.history });
    const again = (await reopened.handle({ type: 'refine-ready' })) as RefineInitMessage;
    assert.deepEqual(again.restore, s.log.history);
    const restored = S.restoreHistory(S.createState(S.posesFromWire(again.poses), again.config, 0, S.posesFromWire(again.unique!)), again.restore);
    assert.ok(same(restored.poses.data, state.poses.data) && same(restored.unique!.data, state.unique!.data));
    assert.ok(S.isDirty(restored));
    assert.equal(unsavedEditCount(restored.history), 1);

    const written = await s.saveEdits(true);
    assert.equal(written.type, 'refine-saved');
    assert.ok(same((await readPoseTable(target)).poses.data, state.poses.data));
    assert.equal(digest(table), originalH5, 'the original is never written');
    // Edits that do not fit the table are an error that says which, not a throw.
    const broken = new RefineSession(table, refineCore(), { restore: { applied: [{ id: 1, edit: { op: 'move-point', frame: 400, individual: 0, bodypart: 0, x: 1, y: 1 } }], undone: [], saved: [] } });
    const failed = await broken.saveEdits(true);
    assert.equal(failed.type, 'refine-error');
    assert.match((failed as { message: string }).message, /edit 1 \(move-point\) does not fit the table: frame 400/);
  });

  it('a panel closed with unsaved edits: the warning says how many; the edits wait for the next panel or a save', async () => {
    const { table } = await makeTable({ video: false });
    const closed = new ClosedRefineEdits();
    const clean = session(table);
    await clean.handle({ type: 'refine-ready' });
    assert.equal(closed.keep(clean), undefined, 'nothing unsaved: no warning');
    const s = session(table);
    const init = (await s.handle({ type: 'refine-ready' })) as RefineInitMessage;
    let state = S.createState(S.posesFromWire(init.poses), init.config, 0, init.unique && S.posesFromWire(init.unique));
    let told: RefineHistory | undefined;
    for (const step of [(x: S.RefineState) => S.swap(S.setRange(x, SWAP)), (x: S.RefineState) => S.movePoint(x, { individual: 2, bodypart: 0 }, 1, 2)]) {
      state = step(state);
      for (const m of S.historyMessages(told, state.history)) await s.handle(m);
      told = state.history;
    }
    assert.equal(closed.keep(s), `${path.basename(table)} was closed with 2 unsaved edits`);
    assert.ok(closed.holds(s));
    // Reopen: the next session of the table gets them, and hands them to its panel.
    const restore = closed.take(table);
    assert.deepEqual(restore, s.log.history);
    assert.equal(closed.take(table), undefined, 'taken once');
    assert.ok(!closed.holds(s), 'the reopened panel has them now');
    const reopened = new RefineSession(table, refineCore(), { restore });
    assert.deepEqual(((await reopened.handle({ type: 'refine-ready' })) as RefineInitMessage).restore, s.log.history);
    // Save Refined File: once written, they are forgotten.
    closed.keep(s);
    assert.equal((await s.saveEdits(false)).type, 'refine-saved');
    closed.saved(s);
    assert.equal(closed.take(table), undefined);
    assert.equal(closed.keep(s), undefined, 'saved: nothing to warn about');
  });

  it('exports the edited frames (the logged edits replayed) to the project\'s labeled-data; refuses without a project', async () => {
    const { folder, table, video } = await makeTable({ unique: uniqueParts() });
    const { configPath, root } = await createProject({
      task: 'maze', experimenter: 'ann', videos: [video], workingDirectory: folder, copyVideos: true, ffmpeg: testFfmpeg(),
      individuals: ['mouse1', 'mouse2', 'mouse3'], bodyparts: ['snout', 'tail'], uniqueBodyparts: ['corner', 'feeder'],
    });
    assert.deepEqual(await session(table).handle({ type: 'refine-export' }), {
      type: 'refine-error',
      message: 'no project (config.yaml) is known for this table: open it from a project to export frames to its labeled-data',
    });
    const s = new RefineSession(table, refineCore({ ffmpeg: testFfmpeg() }), { configPath });
    const init = (await s.handle({ type: 'refine-ready' })) as RefineInitMessage;
    // Nothing edited yet: nothing exported, nothing written.
    const none = await s.handle({ type: 'refine-export' });
    assert.deepEqual(none && { type: none.type, frames: (none as RefineExportedMessage).frames, files: (none as RefineExportedMessage).files }, { type: 'refine-exported', frames: [], files: [] });
    const labeled = path.join(root, 'labeled-data', 'm3v1');
    assert.equal(fs.existsSync(path.join(labeled, 'machinelabels-iter0.h5')), false);

    let state = S.createState(S.posesFromWire(init.poses), init.config, 0, S.posesFromWire(init.unique!));
    state = S.swap(S.selectPair(S.setRange(state, SWAP), 0, 1));
    state = S.movePoint(S.gotoFrame(state, 25), { individual: 0, bodypart: 0, unique: true }, 170.5, 22.25, 200, 200);
    for (const m of S.historyMessages(undefined, state.history)) await s.handle(JSON.parse(JSON.stringify(m)));
    const reply = (await s.handle({ type: 'refine-export' })) as RefineExportedMessage;
    assert.equal(reply.type, 'refine-exported', JSON.stringify(reply));
    const frames = [...Array.from({ length: SWAP.end - SWAP.start + 1 }, (_, k) => SWAP.start + k), 25];
    assert.deepEqual(reply.frames, frames);
    assert.equal(reply.folder, labeled);
    assert.equal(reply.addedToConfig, false);
    const labels = path.join(labeled, 'CollectedData_ann');
    assert.deepEqual(reply.files, [
      ...frames.map((f) => path.join(labeled, `img${f}.png`)),
      path.join(labeled, 'machinelabels-iter0.h5'),
      path.join(labeled, 'machinelabels.csv'),
      `${labels}.h5`,
      `${labels}.csv`,
    ]);
    const [picture] = await readFrameRange(video, 12, 13, { ffmpeg: testFfmpeg() });
    assert.deepEqual(decodePng(fs.readFileSync(path.join(labeled, 'img12.png')), 'img12.png')!.data, picture.data, 'the PNG is the video frame');
    // CollectedData_ann: the refined poses (the swap fixed, the corner moved) as the project's scorer's labels.
    const { table: collected } = await readLabels(`${labels}.h5`, { project: loadProject(configPath) });
    assert.deepEqual(collected.images, frames.map((f) => `labeled-data/m3v1/img${f}.png`));
    const truthPoses = fixed();
    for (const f of [SWAP.start, SWAP.end]) {
      for (const [i, name] of ['mouse1', 'mouse2', 'mouse3'].entries()) {
        const o = (f * 3 + i) * 2 * 3;
        assert.deepEqual(getPoint(collected, `labeled-data/m3v1/img${f}.png`, name, 'snout'), [truthPoses.data[o], truthPoses.data[o + 1]]);
      }
    }
    assert.deepEqual(getPoint(collected, 'labeled-data/m3v1/img25.png', 'single', 'corner'), [170.5, 22.25]);
    // Exported again: the same frames, no image written twice.
    const again = (await s.handle({ type: 'refine-export' })) as RefineExportedMessage;
    assert.deepEqual(again.frames, frames);
    assert.ok(again.files.every((file) => !file.endsWith('.png')));
  });

  it('a missing table is an error message, not a throw', async () => {
    const reply = await session('/nowhere/x_el.h5').handle({ type: 'refine-ready' });
    assert.equal(reply?.type, 'refine-error');
  });
});
