/**
 * The built refinement webview (dist/webviews/refine.js) in real headless Chromium, served from 127.0.0.1 under a
 * strict CSP with a host stub (acquireVsCodeApi) that answers `refine-ready` with a table holding a known identity
 * swap, `refine-get-frame` with generated pictures and `refine-save` with `refine-saved`, recording every message.
 * Skips when Chromium or the bundle is missing (HERD_WEBVIEW_REQUIRED=1: fail instead).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { openWebview, stubPage, until, webviewBundle, type OpenWebview } from '../helpers/webview-server';
import { poseOffset } from '../../src-core/common/pose';
import { imageToScreen, type View } from '../../webviews/labeling/view';
import * as S from '../../webviews/refine/state';
import type { RefineInitMessage, RefinePanelToHost } from '../../webviews/shared/messages';
import { fixed, GAP, refineConfig, SWAP, tracked, UNIQUE_GAP, uniqueParts } from './refine-fixture';

const { bundle: BUNDLE, missing } = webviewBundle('refine');

const NONCE = 'cmVmaW5lbm9uY2U=';
const W = 200;
const H = 200;
const FRAMES = 40;
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

const UNIQUE_COLOR = '#ff00ff';

/** `unique`: the table has unique body parts (`uniqueParts`). */
function init(unique = false): RefineInitMessage {
  return {
    type: 'refine-init', file: '/p/videos/m3v1DLC_x_el.h5', target: '/p/videos/m3v1DLC_x_el_refined.h5', targetExists: false,
    video: { path: '/p/videos/m3v1.mp4', width: W, height: H, fps: 10 }, scorer: 'DLC_x', poses: S.posesToWire(tracked(FRAMES)),
    ...(unique ? { unique: S.posesToWire(uniqueParts(FRAMES)) } : {}),
    config: { ...refineConfig(), uniqueColor: UNIQUE_COLOR },
  };
}

function page(query: string): string {
  const exists = query.includes('exists');
  return stubPage({
    bundle: BUNDLE,
    nonce: NONCE,
    script: `const INIT = ${JSON.stringify(init(query.includes('unique')))};
let refuse = ${exists};
function picture(index) {
  const bytes = new Uint8Array(${W * H * 3});
  for (let i = 0; i < ${W * H}; i++) { bytes[i * 3] = (index * 6) & 255; bytes[i * 3 + 1] = (i / ${W}) & 255; bytes[i * 3 + 2] = 80; }
  let text = ''; for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}`,
    answer: `
    if (m.type === 'refine-ready') setTimeout(() => window.postMessage(INIT, '*'));
    if (m.type === 'refine-get-frame' && m.index === ${FRAMES - 1}) setTimeout(() => window.postMessage({ type: 'refine-error', message: 'frame ${FRAMES - 1} could not be decoded', frame: m.index }, '*'), 5);
    else if (m.type === 'refine-get-frame') setTimeout(() => window.postMessage({ type: 'refine-frame', index: m.index, width: ${W}, height: ${H}, rgb: picture(m.index) }, '*'), 5);
    if (m.type === 'refine-save') setTimeout(() => {
      if (refuse && !m.overwrite) window.postMessage({ type: 'refine-error', message: 'm3v1DLC_x_el_refined.h5 exists already; save again to overwrite it', exists: true }, '*');
      else window.postMessage({ type: 'refine-saved', files: ['/p/videos/m3v1DLC_x_el_refined.h5', '/p/videos/m3v1DLC_x_el_refined.csv'] }, '*');
    });
    if (m.type === 'refine-export') setTimeout(() => window.postMessage({
      type: 'refine-exported', frames: [12, 13, 14, 15, 16, 17, 18, 19], folder: '/p/labeled-data/m3v1', skipped: [], addedToConfig: false,
      files: ['/p/labeled-data/m3v1/img12.png', '/p/labeled-data/m3v1/machinelabels-iter0.h5', '/p/labeled-data/m3v1/CollectedData_ann.h5'],
    }, '*'), 5);`,
  });
}

describe('refinement webview in Chromium', { skip: missing }, () => {
  let web: OpenWebview | undefined;
  let tab: Page;
  let base = '';
  const problems: string[] = [];

  before(async () => {
    web = await openWebview({ bundle: BUNDLE, nonce: NONCE, page }, { width: 1200, height: 700 }, problems);
    ({ tab, base } = web);
  });

  after(() => web?.close());

  async function open(query = ''): Promise<void> {
    await tab.goto(base + query);
    await tab.locator('[data-testid=timeline][data-drawn="1"], [data-testid=timeline][data-drawn="2"]').first().waitFor();
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-shown')) === '0', 'frame 0 shown');
  }

  beforeEach(() => open());

  const frame = async () => Number(await tab.locator('[data-testid=stage]').getAttribute('data-frame'));
  const sent = async () => (await tab.evaluate('window.__sent')) as RefinePanelToHost[];

  /** Screen x of a frame's middle on the timeline. */
  async function timelineX(f: number): Promise<{ x: number; y: number }> {
    const box = (await tab.locator('[data-testid=timeline-canvas]').boundingBox())!;
    return { x: box.x + ((f + 0.5) * box.width) / FRAMES, y: box.y + box.height / 2 };
  }

  async function save(button = 'save'): Promise<Extract<RefinePanelToHost, { type: 'refine-save' }>> {
    const before = (await sent()).filter((m) => m.type === 'refine-save').length;
    await tab.locator(`[data-testid=${button}]`).click();
    let saves: RefinePanelToHost[] = [];
    await until(async () => (saves = (await sent()).filter((m) => m.type === 'refine-save')).length > before, 'the save message');
    return saves[saves.length - 1] as Extract<RefinePanelToHost, { type: 'refine-save' }>;
  }

  it('shows every individual’s points, skeleton and trails, the lanes and the flagged jumps', async () => {
    assert.equal(await tab.evaluate('Konva.stages[0].find(".point").length'), 6);
    assert.equal(await tab.locator('.lane-name').count(), 3);
    assert.equal(await tab.locator('[data-testid=flagged]').textContent(), '2 jumps');
    await tab.locator('[data-testid=next-flag]').click();
    assert.equal(await frame(), SWAP.start);
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-shown')) === String(SWAP.start), 'the flagged frame’s picture');
    // 3 skeleton edges + 6 trails (frame 12 has 5 frames behind it).
    assert.equal(await tab.evaluate('Konva.stages[0].find("Line").length'), 9);
    // The lane pixels: mouse3's lane is empty over its gap, full elsewhere.
    const lanePixel = (f: number, lane: number) => tab.evaluate(`(() => { const c = document.querySelector('.lanes canvas'); const x = Math.floor((${f} + 0.5) * c.width / ${FRAMES}); return Array.from(c.getContext('2d').getImageData(x, 14 + ${lane} * 18 + 15, 1, 1).data); })()`);
    assert.deepEqual(await lanePixel(GAP.start + 1, 2), [30, 30, 30, 255]);
    assert.notDeepEqual(await lanePixel(GAP.end + 3, 2), [30, 30, 30, 255]);
    assert.deepEqual(problems, []);
  });

  it('Shift+drag on the timeline selects the swap, Swap fixes it, Save sends exactly the fixed table', async () => {
    assert.equal(await tab.locator('[data-testid=export]').isDisabled(), true, 'nothing to export before an edit');
    const from = await timelineX(SWAP.start);
    const to = await timelineX(SWAP.end);
    await tab.keyboard.down('Shift');
    await tab.mouse.move(from.x, from.y);
    await tab.mouse.down();
    await tab.mouse.move(to.x, to.y, { steps: 8 });
    await tab.mouse.up();
    await tab.keyboard.up('Shift');
    assert.equal(await tab.locator('[data-testid=range]').textContent(), `range ${SWAP.start}–${SWAP.end}`);
    assert.equal(await frame(), SWAP.end);
    await tab.locator('[data-testid=swap-a]').selectOption('0');
    await tab.locator('[data-testid=swap-b]').selectOption('1');
    await tab.locator('[data-testid=swap]').click();
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), '● unsaved changes');
    assert.equal(await tab.locator('[data-testid=flagged]').textContent(), '0 jumps');
    // "Export edited frames to labeled-data" (enabled once there is an edit) asks the host, which replays the edits.
    await tab.locator('[data-testid=export]').click();
    await until(async () => /^8 frames → labeled-data\/m3v1: img12\.png, machinelabels-iter0\.h5, CollectedData_ann\.h5/.test((await tab.locator('[data-testid=export-note]').textContent()) ?? ''), 'the export note');
    assert.deepEqual((await sent()).filter((m) => m.type === 'refine-export'), [{ type: 'refine-export' }]);
    const message = await save();
    if (process.env.HERD_WEBVIEW_SCREENSHOT) await tab.screenshot({ path: process.env.HERD_WEBVIEW_SCREENSHOT });
    assert.equal(message.overwrite, false);
    assert.ok(same(S.posesFromWire(message.poses).data, fixed(FRAMES).data), 'the saved table is the true one');
    await until(async () => (await tab.locator('[data-testid=dirty]').textContent()) === 'saved', 'the saved state');
    assert.match((await tab.locator('[data-testid=saved-note]').textContent())!, /m3v1DLC_x_el_refined\.h5/);
    assert.ok((await sent()).some((m) => m.type === 'refine-dirty' && m.dirty));
    assert.deepEqual(problems, []);
  });

  it('←/→, [ ], S, Ctrl+Z / Ctrl+Shift+Z restore exact tables; fill gaps writes 0.01', async () => {
    await tab.keyboard.press('ArrowRight');
    assert.equal(await frame(), 1);
    await tab.keyboard.press('ArrowLeft');
    assert.equal(await frame(), 0);
    for (let i = 0; i < SWAP.start; i++) await tab.keyboard.press('ArrowRight');
    await tab.keyboard.press('[');
    await tab.keyboard.press('Shift+ArrowRight');
    assert.equal(await frame(), SWAP.start + 10);
    for (let i = 0; i < 10 - (SWAP.end - SWAP.start); i++) await tab.keyboard.press('ArrowLeft');
    await tab.keyboard.press(']');
    assert.equal(await tab.locator('[data-testid=range]').textContent(), `range ${SWAP.start}–${SWAP.end}`);
    await tab.keyboard.press('s');
    await tab.locator('[data-testid=max-gap]').fill('3');
    await tab.locator('[data-testid=fill]').click();
    assert.match((await tab.locator('[data-testid=note]').textContent())!, /filled 6 points/);
    const both = S.posesFromWire((await save()).poses);
    for (let f = GAP.start; f <= GAP.end; f++) assert.equal(both.data[poseOffset(both, f, 2, 0) + 2], Math.fround(0.01));
    await tab.keyboard.press('Control+z');
    const swappedOnly = S.posesFromWire((await save()).poses);
    assert.ok(same(swappedOnly.data, fixed(FRAMES).data), 'undo of the fill');
    await tab.keyboard.press('Control+z');
    assert.ok(same(S.posesFromWire((await save()).poses).data, tracked(FRAMES).data), 'undo of the swap: the table as opened');
    await tab.keyboard.press('Control+Shift+z');
    await tab.keyboard.press('Control+Shift+z');
    assert.ok(same(S.posesFromWire((await save()).poses).data, both.data), 'redo twice');
    await tab.keyboard.press('Shift+?');
    await tab.locator('[data-testid=help]').waitFor();
    assert.deepEqual(problems, []);
  });

  it('a reloaded panel comes back at its frame with its unsaved edits; one undo gives the opened table', async () => {
    await tab.keyboard.press('End');
    await tab.keyboard.press('[');
    await tab.keyboard.press(']');
    await tab.keyboard.press('Delete');
    assert.equal(await frame(), FRAMES - 1);
    // Which earlier picture stays on screen meanwhile depends on which requests the stub answered first.
    const missing = new RegExp(`^no picture for frame ${FRAMES - 1} \\(showing \\d+\\)$`);
    await until(async () => missing.test((await tab.locator('[data-testid=picture-note]').textContent()) ?? ''), 'the missing-picture note');
    assert.equal(await tab.locator('[data-testid=error]').count(), 0, 'a missing picture is not a toolbar error');
    await tab.goto(base + '?keep');
    await tab.locator('[data-testid=timeline][data-drawn="1"], [data-testid=timeline][data-drawn="2"]').first().waitFor();
    assert.equal(await frame(), FRAMES - 1);
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), '● unsaved changes');
    const expected = S.deleteRange(S.setRange(S.createState(tracked(FRAMES), refineConfig()), { start: FRAMES - 1, end: FRAMES - 1 }));
    assert.ok(same(S.posesFromWire((await save()).poses).data, expected.poses.data));
    await until(async () => (await tab.locator('[data-testid=dirty]').textContent()) === 'saved', 'saved');
    await tab.goto(base + '?keep');
    await tab.locator('[data-testid=timeline][data-drawn="1"], [data-testid=timeline][data-drawn="2"]').first().waitFor();
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), 'saved', 'saved edits are not kept as unsaved');
    assert.deepEqual(problems, []);
  });

  async function settle(): Promise<void> {
    await tab.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  }

  async function stage(): Promise<{ view: View; left: number; top: number }> {
    await settle();
    const box = tab.locator('[data-testid=stage]');
    const rect = (await box.boundingBox())!;
    return { view: JSON.parse((await box.getAttribute('data-view'))!) as View, left: rect.x, top: rect.y };
  }

  /** Where image point (x, y) is on the page, rounded to the whole pixel Chromium's mouse goes to. */
  async function screenOf(ix: number, iy: number): Promise<[number, number]> {
    const s = await stage();
    const [sx, sy] = imageToScreen(s.view, ix, iy);
    return [Math.round(s.left + sx), Math.round(s.top + sy)];
  }

  /** Drags from image point (ix, iy) by (dx, dy) screen pixels. */
  async function drag(ix: number, iy: number, dx: number, dy: number): Promise<void> {
    const [x, y] = await screenOf(ix, iy);
    await tab.mouse.move(x, y);
    await tab.mouse.down();
    await tab.mouse.move(x + dx, y + dy, { steps: 6 });
    await tab.mouse.up();
    await settle();
  }

  const point = (p: ReturnType<typeof S.posesFromWire>, f: number, i: number, k: number) => Array.from(p.data.subarray(poseOffset(p, f, i, k), poseOffset(p, f, i, k) + 3));
  const near = (got: number[], want: [number, number], what: string) =>
    assert.ok(Math.abs(got[0] - want[0]) <= 0.5 && Math.abs(got[1] - want[1]) <= 0.5, `${what}: got ${got}, want ${want}`);
  const edits = async () => (await sent()).filter((m): m is Extract<RefinePanelToHost, { type: 'refine-edit' }> => m.type === 'refine-edit');
  const radius = (name: string) => tab.evaluate(`(() => { const c = Konva.stages[0].findOne('.${name}'); return c.radius() * c.getAbsoluteScale().x; })()`) as Promise<number>;

  it('drag a point under zoom: exact image coordinates, likelihood 1, one undo step; markers keep their size; the edit is posted', async () => {
    const r0 = await radius('point');
    assert.equal(r0, refineConfig().dotsize);
    const initial = await stage();
    const [zx, zy] = await screenOf(60, 90);
    await tab.mouse.move(zx, zy);
    await tab.mouse.wheel(0, -400);
    await until(async () => (await stage()).view.scale > initial.view.scale * 1.5, 'the zoom');
    assert.equal(await radius('point'), r0, 'the same on-screen size zoomed in');
    const zoomed = await stage();
    // mouse2's snout in frame 0 is at (28, 80).
    const t = tracked(FRAMES);
    const [x0, y0] = point(t, 0, 1, 0);
    await drag(x0, y0, 37, -23);
    const after = await stage();
    assert.deepEqual(after.view, zoomed.view, 'dragging a point does not pan');
    const scale = zoomed.view.scale;
    // The drag starts at the whole pixel nearest the point and Konva keeps that offset: the point moves by the drag.
    const want: [number, number] = [x0 + 37 / scale, y0 - 23 / scale];
    assert.equal(await tab.locator('[data-testid=selected]').textContent(), 'mouse2 snout: drag to move, Delete to remove');
    const moved = S.posesFromWire((await save()).poses);
    near(point(moved, 0, 1, 0), want, 'the dragged snout');
    assert.equal(point(moved, 0, 1, 0)[2], 1, 'a moved point gets likelihood 1 (DeepLabCut’s refine GUI)');
    const expected = tracked(FRAMES);
    expected.data.set(point(moved, 0, 1, 0), poseOffset(expected, 0, 1, 0));
    assert.ok(same(moved.data, expected.data), 'nothing else changed');
    const posted = await edits();
    assert.equal(posted.length, 1, 'one drag = one edit');
    const edit = posted[0].entry.edit;
    assert.equal(edit.op, 'move-point');
    if (edit.op === 'move-point') {
      assert.deepEqual([edit.frame, edit.individual, edit.bodypart, edit.unique], [0, 1, 0, undefined]);
      assert.deepEqual([Math.fround(edit.x), Math.fround(edit.y)], point(moved, 0, 1, 0).slice(0, 2), 'the posted edit is the saved point');
    }
    await tab.keyboard.press('Control+z');
    assert.ok(same(S.posesFromWire((await save()).poses).data, tracked(FRAMES).data), 'one undo restores the exact table');
    assert.ok((await sent()).some((m) => m.type === 'refine-undo'), 'the undo is posted');
    assert.deepEqual(problems, []);
  });

  it('click selects a point (no edit), Delete removes it (NaN), undo restores; Esc drops the selection', async () => {
    const t = tracked(FRAMES);
    const [x, y] = point(t, 0, 2, 1);
    const [px, py] = await screenOf(x, y);
    await tab.mouse.click(px, py);
    await settle();
    assert.equal(await tab.locator('[data-testid=selected]').textContent(), 'mouse3 tail: drag to move, Delete to remove');
    assert.equal((await edits()).length, 0, 'a click edits nothing');
    await tab.keyboard.press('Escape');
    assert.equal(await tab.locator('[data-testid=selected]').count(), 0);
    await tab.mouse.click(px, py);
    await tab.keyboard.press('Delete');
    assert.equal(await tab.locator('[data-testid=selected]').count(), 0);
    assert.equal(await tab.evaluate('Konva.stages[0].find(".point").length'), 5);
    const deleted = S.posesFromWire((await save()).poses);
    assert.ok(point(deleted, 0, 2, 1).every(Number.isNaN), 'x, y and likelihood are NaN');
    const expected = S.deletePoint(S.createState(tracked(FRAMES), refineConfig()), { individual: 2, bodypart: 1 });
    assert.ok(same(deleted.data, expected.poses.data), 'only that point');
    const [edit] = await edits();
    assert.deepEqual(edit.entry.edit, { op: 'delete-point', frame: 0, individual: 2, bodypart: 1 });
    await tab.keyboard.press('Control+z');
    assert.ok(same(S.posesFromWire((await save()).poses).data, tracked(FRAMES).data));
    // With no point selected, Delete is still "the points in the range".
    await tab.keyboard.press('[');
    await tab.keyboard.press('Delete');
    assert.deepEqual((await edits()).map((m) => m.entry.edit.op), ['delete-point', 'delete-range']);
    assert.deepEqual(problems, []);
  });

  it('unique body parts: drawn as diamonds in their colour, a timeline lane, kept through save, moved and deleted as points', async () => {
    await open('?unique');
    assert.equal(await tab.evaluate('Konva.stages[0].find(".unique-point").length'), 2);
    assert.equal(await tab.evaluate('Konva.stages[0].find(".point").length'), 6);
    assert.equal(await tab.evaluate('Konva.stages[0].findOne(".unique-point").fill()'), UNIQUE_COLOR);
    assert.equal(await tab.evaluate('Konva.stages[0].findOne(".unique-point").sides()'), 4);
    assert.ok(Math.abs((await radius('unique-point')) - refineConfig().dotsize * 1.4) < 1e-9, 'a constant on-screen size too');
    assert.equal(await tab.locator('.lane-name').count(), 4);
    assert.equal(await tab.locator('.lane-name').nth(3).textContent(), 'single');
    assert.match((await tab.locator('[data-testid=unique-row]').textContent())!, /single 2\/2/);
    const lanePixel = (f: number, y: number) => tab.evaluate(`(() => { const c = document.querySelector('.lanes canvas'); const x = Math.floor((${f} + 0.5) * c.width / ${FRAMES}); return Array.from(c.getContext('2d').getImageData(x, ${y}, 1, 1).data); })()`);
    const laneTop = 14 + 3 * 18;
    assert.notDeepEqual(await lanePixel(0, laneTop + 4), [30, 30, 30, 255], 'both unique parts seen: a full bar');
    assert.deepEqual(await lanePixel(UNIQUE_GAP.start, laneTop + 4), [30, 30, 30, 255], 'half a bar over the feeder’s gap');
    assert.notDeepEqual(await lanePixel(UNIQUE_GAP.start, laneTop + 15), [30, 30, 30, 255]);
    assert.equal(await tab.locator('[data-testid=flagged]').textContent(), '2 jumps', 'the unique lane flags nothing');
    // Saved untouched, then one moved.
    const first = await save();
    assert.ok(first.unique && same(S.posesFromWire(first.unique).data, uniqueParts(FRAMES).data), 'sent unchanged');
    assert.ok(same(S.posesFromWire(first.poses).data, tracked(FRAMES).data));
    const u = uniqueParts(FRAMES);
    const [cx, cy] = point(u, 0, 0, 0);
    const view = (await stage()).view;
    await drag(cx, cy, -30, 12);
    const moved = await save();
    const back = S.posesFromWire(moved.unique!);
    near(point(back, 0, 0, 0), [cx - 30 / view.scale, cy + 12 / view.scale], 'the dragged corner');
    assert.equal(point(back, 0, 0, 0)[2], 1);
    assert.ok(same(S.posesFromWire(moved.poses).data, tracked(FRAMES).data), 'the animals are untouched');
    const [edit] = await edits();
    assert.equal(edit.entry.edit.op === 'move-point' && edit.entry.edit.unique, true);
    // Delete the feeder (selected by a click) and the unique parts over a range through "delete … of single".
    const [fx, fy] = await screenOf(...(point(u, 0, 0, 1).slice(0, 2) as [number, number]));
    await tab.mouse.click(fx, fy);
    await tab.keyboard.press('Delete');
    await tab.keyboard.press('End');
    await tab.keyboard.press('[');
    await tab.locator('[data-testid=delete-who]').selectOption('3');
    await tab.locator('[data-testid=delete]').click();
    const last = await save();
    const lastUnique = S.posesFromWire(last.unique!);
    assert.ok(point(lastUnique, 0, 0, 1).every(Number.isNaN), 'the deleted feeder');
    assert.ok([...point(lastUnique, FRAMES - 1, 0, 0), ...point(lastUnique, FRAMES - 1, 0, 1)].every(Number.isNaN), 'the unique parts of the last frame');
    assert.ok(same(S.posesFromWire(last.poses).data, tracked(FRAMES).data), 'the animals are untouched');
    assert.deepEqual((await edits()).map((m) => m.entry.edit), [edit.entry.edit, { op: 'delete-point', frame: 0, individual: 0, bodypart: 1, unique: true }, { op: 'delete-range', range: { start: FRAMES - 1, end: FRAMES - 1 }, individuals: [], unique: true }]);
    assert.deepEqual(problems, []);
  });

  it('the edits posted to the host replay to the table the panel saves; a reload restores them from the webview state', async () => {
    await open('?unique');
    await tab.keyboard.press('ArrowRight');
    const t = tracked(FRAMES);
    await drag(point(t, 1, 0, 0)[0], point(t, 1, 0, 0)[1], 15, 15);
    await tab.keyboard.press('Shift+ArrowRight');
    await tab.keyboard.press('[');
    await tab.keyboard.press('Shift+ArrowRight');
    await tab.keyboard.press(']');
    await tab.keyboard.press('s');
    await tab.locator('[data-testid=fill]').click();
    await tab.keyboard.press('Control+z');
    await tab.keyboard.press('Control+Shift+z');
    await tab.keyboard.press('Control+z');
    const saved = await save();
    // The host's view: the messages as a log, replayed on the table as opened.
    const { RefineEditLog } = await import('../../src-extension/refine-host');
    const { applyEdit } = await import('../../src-core/stitch/edit');
    const log = new RefineEditLog();
    for (const m of await sent()) log.record(m);
    assert.deepEqual(log.history.applied.map((e) => e.edit.op), ['move-point', 'swap']);
    assert.deepEqual(log.history.undone.map((e) => e.edit.op), ['fill-gaps']);
    const replayed = log.history.applied.reduce((table, e) => applyEdit(table, e.edit).table, { poses: tracked(FRAMES), unique: uniqueParts(FRAMES) } as { poses: ReturnType<typeof tracked>; unique?: ReturnType<typeof tracked> });
    assert.ok(same(replayed.poses.data, S.posesFromWire(saved.poses).data) && same(replayed.unique!.data, S.posesFromWire(saved.unique!).data), 'the replay is the saved table');
    await until(async () => (await tab.locator('[data-testid=dirty]').textContent()) === 'saved', 'saved');
    // One more edit, undone, then a reload: the webview state's history brings back the table, its saved state and redo.
    await tab.keyboard.press('Home');
    await tab.keyboard.press('[');
    await tab.keyboard.press(']');
    await tab.keyboard.press('Delete');
    await tab.keyboard.press('Control+z');
    await tab.goto(base + '?unique&keep');
    await tab.locator('[data-testid=timeline][data-drawn="1"], [data-testid=timeline][data-drawn="2"]').first().waitFor();
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), 'saved', 'undone back to the saved state');
    const told = (await sent()).filter((m): m is Extract<RefinePanelToHost, { type: 'refine-history' }> => m.type === 'refine-history');
    assert.equal(told.length, 1, 'the restored history is told to the host once');
    assert.deepEqual([told[0].history.applied.map((e) => e.edit.op), told[0].history.undone.map((e) => e.edit.op)], [['move-point', 'swap'], ['delete-range']]);
    assert.ok(same(S.posesFromWire((await save()).poses).data, S.posesFromWire(saved.poses).data));
    await tab.keyboard.press('Control+Shift+z');
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), '● unsaved changes');
    const redone = await save();
    assert.ok([0, 1, 2].every((i) => point(S.posesFromWire(redone.poses), 0, i, 0).every(Number.isNaN)), 'redo survives the reload: frame 0 deleted');
    assert.ok(point(S.posesFromWire(redone.unique!), 0, 0, 0).every(Number.isNaN), 'the unique parts with everyone');
    assert.deepEqual(problems, []);
  });

  it('scrubbing shows the frames, delete in range, swap to the end, and overwrite only when asked', async () => {
    await open('?exists');
    const a = await timelineX(30);
    const b = await timelineX(35);
    await tab.mouse.move(a.x, a.y);
    await tab.mouse.down();
    await tab.mouse.move(b.x, b.y, { steps: 5 });
    await tab.mouse.up();
    assert.equal(await frame(), 35);
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-shown')) === '35', 'the scrubbed-to frame');
    assert.equal(await tab.locator('[data-testid=range]').textContent(), 'no range (Shift+drag, [ ])');
    await tab.locator('[data-testid=swap-end]').click();
    await tab.keyboard.press('Home');
    await tab.keyboard.press('[');
    await tab.keyboard.press(']');
    await tab.keyboard.press('Delete');
    const expected = tracked(FRAMES);
    const swapped = S.swap(S.selectPair(S.gotoFrame(S.createState(expected, refineConfig()), 35), 0, 1), true);
    const deleted = S.deleteRange(S.setRange(swapped, { start: 0, end: 0 }));
    const first = await save();
    assert.equal(first.overwrite, false);
    await tab.locator('[data-testid=overwrite]').waitFor();
    assert.match((await tab.locator('[data-testid=error]').textContent())!, /exists already/);
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), '● unsaved changes');
    const second = await save('overwrite');
    assert.equal(second.overwrite, true);
    assert.ok(same(S.posesFromWire(second.poses).data, deleted.poses.data));
    await until(async () => (await tab.locator('[data-testid=dirty]').textContent()) === 'saved', 'saved after overwrite');
    assert.deepEqual(problems, []);
  });
});
