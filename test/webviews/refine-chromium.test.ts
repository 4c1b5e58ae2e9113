/**
 * The built refinement webview (dist/webviews/refine.js) in real headless Chromium, served from 127.0.0.1 under a
 * strict CSP with a host stub (acquireVsCodeApi) that answers `refine-ready` with a table holding a known identity
 * swap, `refine-get-frame` with generated pictures and `refine-save` with `refine-saved`, recording every message.
 * Skips when Chromium or the bundle is missing (HERD_WEBVIEW_REQUIRED=1: fail instead).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { openChromium, whyNoChromium } from '../helpers/chromium';
import { poseOffset } from '../../src-core/common/pose';
import * as S from '../../webviews/refine/state';
import type { RefineInitMessage, RefinePanelToHost } from '../../webviews/shared/messages';
import { fixed, GAP, refineConfig, SWAP, tracked } from './refine-fixture';

const ROOT = path.resolve(__dirname, '../..');
const BUNDLE = path.join(ROOT, 'dist/webviews/refine.js');
const missing = whyNoChromium(BUNDLE);
if (missing && process.env.HERD_WEBVIEW_REQUIRED === '1') throw new Error(missing);

const NONCE = 'cmVmaW5lbm9uY2U=';
const W = 200;
const H = 200;
const FRAMES = 40;
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

function init(): RefineInitMessage {
  return {
    type: 'refine-init', file: '/p/videos/m3v1DLC_x_el.h5', target: '/p/videos/m3v1DLC_x_el_refined.h5', targetExists: false,
    video: { path: '/p/videos/m3v1.mp4', width: W, height: H, fps: 10 }, scorer: 'DLC_x', poses: S.posesToWire(tracked(FRAMES)), config: refineConfig(),
  };
}

function page(query: string): string {
  const exists = query.includes('exists');
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/refine.css"></head><body><div id="root"></div>
<script nonce="${NONCE}">
window.__sent = [];
if (!location.search.includes('keep')) sessionStorage.clear();
const INIT = ${JSON.stringify(init())};
let refuse = ${exists};
function picture(index) {
  const bytes = new Uint8Array(${W * H * 3});
  for (let i = 0; i < ${W * H}; i++) { bytes[i * 3] = (index * 6) & 255; bytes[i * 3 + 1] = (i / ${W}) & 255; bytes[i * 3 + 2] = 80; }
  let text = ''; for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}
window.acquireVsCodeApi = () => ({
  postMessage(m) {
    window.__sent.push(JSON.parse(JSON.stringify(m)));
    if (m.type === 'refine-ready') setTimeout(() => window.postMessage(INIT, '*'));
    if (m.type === 'refine-get-frame' && m.index === ${FRAMES - 1}) setTimeout(() => window.postMessage({ type: 'refine-error', message: 'frame ${FRAMES - 1} could not be decoded', frame: m.index }, '*'), 5);
    else if (m.type === 'refine-get-frame') setTimeout(() => window.postMessage({ type: 'refine-frame', index: m.index, width: ${W}, height: ${H}, rgb: picture(m.index) }, '*'), 5);
    if (m.type === 'refine-save') setTimeout(() => {
      if (refuse && !m.overwrite) window.postMessage({ type: 'refine-error', message: 'm3v1DLC_x_el_refined.h5 exists already; save again to overwrite it', exists: true }, '*');
      else window.postMessage({ type: 'refine-saved', files: ['/p/videos/m3v1DLC_x_el_refined.h5', '/p/videos/m3v1DLC_x_el_refined.csv'] }, '*');
    });
  },
  getState() { return JSON.parse(sessionStorage.getItem('state') ?? 'null') ?? undefined; },
  setState(s) { sessionStorage.setItem('state', JSON.stringify(s)); },
});
</script><script nonce="${NONCE}" src="/refine.js"></script></body></html>`;
}

describe('refinement webview in Chromium', { skip: missing }, () => {
  let server: http.Server;
  let context: BrowserContext;
  let tab: Page;
  let base = '';
  const problems: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const [url, query = ''] = (req.url ?? '/').split('?');
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const csp = `default-src 'none'; img-src ${origin}; style-src ${origin}; script-src 'nonce-${NONCE}'; connect-src 'none'`;
      const send = (type: string, body: string | Buffer) => {
        res.writeHead(200, { 'content-type': type, 'content-security-policy': csp });
        res.end(body);
      };
      if (url === '/') send('text/html', page(query));
      else if (url === '/refine.js') send('text/javascript', fs.readFileSync(BUNDLE));
      else if (url === '/refine.css') send('text/css', fs.readFileSync(BUNDLE.replace(/\.js$/, '.css')));
      else {
        res.writeHead(url === '/favicon.ico' ? 204 : 404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    ({ context, tab } = await openChromium({ width: 1200, height: 700 }, problems));
  });

  after(async () => {
    await context?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function open(query = ''): Promise<void> {
    await tab.goto(base + query);
    await tab.locator('[data-testid=timeline][data-drawn="1"], [data-testid=timeline][data-drawn="2"]').first().waitFor();
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-shown')) === '0', 'frame 0 shown');
  }

  beforeEach(() => open());

  async function until(probe: () => Promise<boolean>, what = 'a condition', ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

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
