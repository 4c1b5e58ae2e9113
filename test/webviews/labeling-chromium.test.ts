/**
 * The built labeling webview (dist/webviews/labeling.js) in real headless Chromium, served from 127.0.0.1 under a
 * strict CSP with a small host stub (acquireVsCodeApi) that answers `ready` with `init` and `save` with `saved`
 * and records every message. Skips when Chromium or the bundle is missing (HERD_WEBVIEW_REQUIRED=1: fail instead).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { openWebview, stubPage, until, webviewBundle, type OpenWebview } from '../helpers/webview-server';
import { encodePng } from '../../src-core/common/png';
import type { InitMessage, PanelToHost, WireTable } from '../../webviews/shared/messages';
import { imageToScreen, screenToImage, type View } from '../../webviews/labeling/view';
import { columns, config, frames, table } from './fixture';

const { bundle: BUNDLE, missing } = webviewBundle('labeling');
const W = 200;
const H = 100;

function picture(seed: number): Buffer {
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    rgb[i * 3] = (i * 7 + seed * 40) & 255;
    rgb[i * 3 + 1] = ((i / W) * 2) & 255;
    rgb[i * 3 + 2] = 90;
  }
  return encodePng(rgb, W, H);
}

const NONCE = 'dGVzdG5vbmNl';

function page(init: InitMessage): string {
  return stubPage({
    bundle: BUNDLE,
    nonce: NONCE,
    script: `const INIT = ${JSON.stringify(init)};`,
    answer: `
    if (m.type === 'ready') setTimeout(() => window.postMessage(INIT, '*'));
    if (m.type === 'save') setTimeout(() => window.postMessage({ type: 'saved', files: ['CollectedData_alice.h5', 'CollectedData_alice.csv'] }, '*'));`,
  });
}

describe('labeling webview in Chromium', { skip: missing }, () => {
  let web: OpenWebview | undefined;
  let tab: Page;
  let base = '';
  const problems: string[] = [];

  before(async () => {
    const images = [0, 1, 2, 3].map(picture);
    web = await openWebview({
      bundle: BUNDLE,
      nonce: NONCE,
      imgSrc: 'data:',
      page: (query, origin) => {
        const autosaveMs = Number(/autosave=(\d+)/.exec(query)?.[1] ?? 0);
        const asked = /image=(\d)/.exec(query)?.[1];
        const init: InitMessage = {
          type: 'init', folder: '/p/labeled-data/vid', frames: frames(4, (i) => `${origin}/img${i}.png`), labels: table(), config: { ...config(), autosaveMs },
          ...(asked ? { image: `labeled-data/vid/img00${asked}.png` } : {}),
        };
        return page(init);
      },
      files: (url) => {
        const m = /^\/img(\d)\.png$/.exec(url);
        return m ? { type: 'image/png', body: images[Number(m[1])] } : undefined;
      },
    }, { width: 1000, height: 600 }, problems);
    ({ tab, base } = web);
  });

  after(() => web?.close());

  beforeEach(async () => {
    await tab.goto(base);
    await tab.locator('[data-testid=stage]').waitFor();
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-image')) === `${W}x${H}`);
  });

  async function settle(): Promise<void> {
    await tab.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  }

  async function stage(): Promise<{ view: View; left: number; top: number; frame: number }> {
    await settle();
    const box = tab.locator('[data-testid=stage]');
    const rect = (await box.boundingBox())!;
    return { view: JSON.parse((await box.getAttribute('data-view'))!) as View, left: rect.x, top: rect.y, frame: Number(await box.getAttribute('data-frame')) };
  }

  async function screenOf(ix: number, iy: number): Promise<[number, number]> {
    const s = await stage();
    const [sx, sy] = imageToScreen(s.view, ix, iy);
    return [s.left + sx, s.top + sy];
  }

  async function clickImage(ix: number, iy: number): Promise<void> {
    const [x, y] = await screenOf(ix, iy);
    await tab.mouse.click(x, y);
    await settle();
  }

  async function sent(): Promise<PanelToHost[]> {
    return (await tab.evaluate('window.__sent')) as PanelToHost[];
  }

  async function save(): Promise<WireTable> {
    const before = (await sent()).filter((m) => m.type === 'save').length;
    await tab.keyboard.press('Control+s');
    let saves: PanelToHost[] = [];
    await until(async () => (saves = (await sent()).filter((m) => m.type === 'save')).length > before, 'the save message');
    await until(async () => (await tab.locator('[data-testid=dirty]').textContent()) === 'saved', 'the saved state');
    return (saves[saves.length - 1] as Extract<PanelToHost, { type: 'save' }>).table;
  }

  const col = (individual: string, bodypart: string) => columns().findIndex((c) => c.individual === individual && c.bodypart === bodypart && c.coord === 'x');
  const at = (t: WireTable, image: number, individual: string, bodypart: string): [number | null, number | null] => {
    const row = t.images.indexOf(`labeled-data/vid/img${String(image).padStart(3, '0')}.png`);
    if (row < 0) return [null, null];
    const c = col(individual, bodypart);
    return [t.values[row * t.columns.length + c], t.values[row * t.columns.length + c + 1]];
  };
  const near = (got: [number | null, number | null], want: [number, number], what: string) => {
    assert.ok(got[0] !== null && got[1] !== null && Math.abs(got[0] - want[0]) <= 0.5 && Math.abs(got[1] - want[1]) <= 0.5, `${what}: got ${got}, want ${want}`);
  };

  it('loads frames and labels, saves exactly the table it was given', async () => {
    assert.equal(await tab.locator('[data-testid=filmstrip] li').count(), 4);
    assert.match((await tab.locator('[data-testid=progress]').textContent())!, /^7\.1% labeled$/);
    assert.deepEqual(await tab.locator('[data-testid=filmstrip] li').evaluateAll((items) => items.map((li) => (li as unknown as { className: string }).className)), ['partial current', 'unlabeled', 'unlabeled', 'unlabeled']);
    // mouse1's snout–leftear skeleton edge is drawn for the current animal only.
    const lines = 'Konva.stages[0].find("Line").length';
    assert.equal(await tab.evaluate(lines), 1);
    await tab.keyboard.press('2');
    await settle();
    assert.equal(await tab.evaluate(lines), 0);
    assert.equal(await tab.evaluate('Konva.stages[0].find(".point").length'), 2);
    assert.deepEqual(await save(), table());
    assert.deepEqual(problems, []);
  });

  it('clicks under zoom and pan place keypoints at the right image coordinates (±0.5 px); outside the image nothing', async () => {
    const initial = await stage();
    // Zoom ×~2.5 at an image point, then pan by dragging empty image space.
    // Chromium delivers whole-pixel mouse positions, so the wheel goes at a whole pixel.
    const [zx, zy] = (await screenOf(120.3, 60.7)).map(Math.round);
    const anchor = screenToImage(initial.view, zx - initial.left, zy - initial.top);
    await tab.mouse.move(zx, zy);
    await tab.mouse.wheel(0, -500);
    await until(async () => (await stage()).view.scale > initial.view.scale * 2, 'the zoom');
    const zoomed = await stage();
    const [ux, uy] = imageToScreen(zoomed.view, anchor[0], anchor[1]);
    assert.ok(Math.abs(zoomed.left + ux - zx) < 0.01 && Math.abs(zoomed.top + uy - zy) < 0.01, `the point under the cursor stays put: ${[zoomed.left + ux, zoomed.top + uy]} vs ${[zx, zy]}`);
    const [px, py] = await screenOf(150, 80);
    await tab.mouse.move(px, py);
    await tab.mouse.down();
    await tab.mouse.move(px - 40, py - 30, { steps: 5 });
    await tab.mouse.up();
    const panned = await stage();
    assert.ok(Math.abs(panned.view.x - (zoomed.view.x - 40)) < 1e-6 && Math.abs(panned.view.y - (zoomed.view.y - 30)) < 1e-6, 'the drag pans');
    assert.equal(panned.view.scale, zoomed.view.scale);
    // mouse1 is selected at body part 0 (snout) → click places snout, auto-advances to leftear, then tailbase.
    await tab.keyboard.press('ArrowDown');
    await tab.keyboard.press('ArrowDown');
    await clickImage(133.37, 71.81);
    await tab.keyboard.press('2');
    await clickImage(140.06, 66.42);
    await clickImage(151.5, 75.25);
    // Outside the image (left of x = 0 after fitting back): nothing is placed.
    await tab.keyboard.press('0');
    const fitted = await stage();
    await tab.keyboard.press('3');
    await tab.mouse.click(fitted.left + fitted.view.x - 5, fitted.top + fitted.view.y + 20);
    await settle();
    const saved = await save();
    if (process.env.HERD_WEBVIEW_SCREENSHOT) await tab.screenshot({ path: process.env.HERD_WEBVIEW_SCREENSHOT });
    near(at(saved, 0, 'mouse1', 'tailbase'), [133.37, 71.81], 'mouse1 tailbase');
    near(at(saved, 0, 'mouse2', 'snout'), [140.06, 66.42], 'mouse2 snout');
    near(at(saved, 0, 'mouse2', 'leftear'), [151.5, 75.25], 'mouse2 leftear');
    assert.deepEqual(at(saved, 0, 'single', 'corner'), [null, null]);
    assert.deepEqual(at(saved, 0, 'mouse1', 'snout'), [10, 20]);
    assert.deepEqual(problems, []);
  });

  it('markers keep their on-screen size at any zoom, and a drag moves a point as one undo step', async () => {
    const radius = async () => Number(await tab.evaluate(`(() => { const s = Konva.stages[0]; const c = s.findOne('.point'); return c.radius() * c.getAbsoluteScale().x; })()`).catch(() => NaN));
    assert.equal(await tab.evaluate('typeof Konva'), 'object', 'Konva registers its global');
    {
      const r0 = await radius();
      assert.equal(r0, config().dotsize);
      const [zx, zy] = await screenOf(11, 21);
      await tab.mouse.move(zx, zy);
      await tab.mouse.wheel(0, -800);
      await settle();
      assert.ok((await stage()).view.scale > 5, 'zoomed in');
      assert.equal(await radius(), r0);
    }
    const [sx, sy] = await screenOf(10, 20);
    await tab.mouse.move(sx, sy);
    await tab.mouse.down();
    await tab.mouse.move(sx + 30, sy + 10, { steps: 6 });
    await tab.mouse.up();
    await settle();
    const scale = (await stage()).view.scale;
    let saved = await save();
    near(at(saved, 0, 'mouse1', 'snout'), [10 + 30 / scale, 20 + 10 / scale], 'dragged snout');
    await tab.keyboard.press('Control+z');
    saved = await save();
    assert.deepEqual(saved, table(), 'one undo restores the exact table');
  });

  it('hotkeys: frames, next unlabeled, individual, body part, Delete, undo/redo restore exact state', async () => {
    await tab.keyboard.press('ArrowRight');
    assert.equal((await stage()).frame, 1);
    await tab.keyboard.press('ArrowLeft');
    assert.equal((await stage()).frame, 0);
    await tab.keyboard.press('Shift+ArrowRight');
    assert.equal((await stage()).frame, 1);
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-image')) === `${W}x${H}`);
    await tab.keyboard.press('2');
    await tab.keyboard.press('ArrowDown');
    assert.equal(await tab.locator('[data-testid=selection]').textContent(), 'mouse2 · leftear');
    await clickImage(20.25, 30.75);
    await clickImage(40, 50);
    const placed = await save();
    near(at(placed, 1, 'mouse2', 'leftear'), [20.25, 30.75], 'leftear');
    near(at(placed, 1, 'mouse2', 'tailbase'), [40, 50], 'tailbase');
    await tab.keyboard.press('Delete');
    await tab.keyboard.press('ArrowUp');
    await tab.keyboard.press('Delete');
    assert.equal((await sent()).filter((m) => m.type === 'dirty').at(-1)?.type, 'dirty');
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), '● unsaved changes');
    assert.deepEqual(await save(), table(), 'both points deleted');
    for (let i = 0; i < 4; i++) await tab.keyboard.press('Control+z');
    assert.deepEqual(await save(), table(), 'undo all → the initial table');
    for (let i = 0; i < 2; i++) await tab.keyboard.press('Control+Shift+z');
    assert.deepEqual(await save(), placed, 'redo → exactly the placed table');
    await tab.keyboard.press('Shift+?');
    await tab.locator('[data-testid=help]').waitFor();
    assert.match((await tab.locator('[data-testid=help]').textContent())!, /Ctrl\+Shift\+Z/);
    assert.deepEqual(problems, []);
  });

  it('Ctrl+C copies the previous frame’s labels of the selected individual; Ctrl+Shift+C of all', async () => {
    await tab.keyboard.press('3');
    await clickImage(5, 6);
    await tab.keyboard.press('ArrowRight');
    await tab.keyboard.press('1');
    await tab.keyboard.press('Control+c');
    let saved = await save();
    assert.deepEqual(at(saved, 1, 'mouse1', 'snout'), [10, 20]);
    assert.deepEqual(at(saved, 1, 'mouse1', 'leftear'), [12.5, 22.25]);
    assert.deepEqual(at(saved, 1, 'single', 'corner'), [null, null]);
    await tab.keyboard.press('Control+z');
    await tab.keyboard.press('Control+Shift+c');
    saved = await save();
    const expected = table();
    const w = expected.columns.length;
    const row0 = expected.values.slice(0, w);
    const c = col('single', 'corner');
    near([saved.values[c], saved.values[c + 1]], [5, 6], 'corner on frame 0');
    row0[c] = saved.values[c];
    row0[c + 1] = saved.values[c + 1];
    assert.deepEqual(saved, { ...expected, images: ['labeled-data/vid/img000.png', 'labeled-data/vid/img001.png'], values: [...row0, ...row0] });
    assert.deepEqual(problems, []);
  });

  it('a reloaded panel comes back with its selection and unsaved labels (webview state)', async () => {
    await tab.keyboard.press('ArrowRight');
    await tab.keyboard.press('2');
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-image')) === `${W}x${H}`);
    await clickImage(50.5, 60.5);
    await tab.goto(base + '?keep');
    await tab.locator('[data-testid=stage]').waitFor();
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-image')) === `${W}x${H}`);
    assert.equal((await stage()).frame, 1);
    assert.equal(await tab.locator('[data-testid=selection]').textContent(), 'mouse2 · leftear');
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), '● unsaved changes');
    near(at(await save(), 1, 'mouse2', 'snout'), [50.5, 60.5], 'the unsaved point');
    await tab.goto(base + '?keep');
    await tab.locator('[data-testid=stage]').waitFor();
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), 'saved');
  });

  it('the "go to frame" box and autosave', async () => {
    await tab.goto(base + '?autosave=300');
    await tab.locator('[data-testid=stage]').waitFor();
    await tab.locator('[data-testid=goto]').fill('3');
    assert.equal((await stage()).frame, 2);
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-image')) === `${W}x${H}`);
    await clickImage(70, 80);
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), '● unsaved changes');
    let saves: PanelToHost[] = [];
    await until(async () => (saves = (await sent()).filter((m) => m.type === 'save')).length === 1, 'the autosave', 3000);
    const saved = (saves[0] as Extract<PanelToHost, { type: 'save' }>).table;
    near(at(saved, 2, 'mouse1', 'snout'), [70, 80], 'autosaved point');
    await until(async () => (await tab.locator('[data-testid=dirty]').textContent()) === 'saved', 'saved after the autosave');
    assert.deepEqual(problems, []);
  });

  it('a second init (a frame grabbed into the folder) keeps the shown image and the unsaved labels', async () => {
    await tab.keyboard.press('ArrowRight');
    await tab.keyboard.press('ArrowRight');
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-loaded')) === 'labeled-data/vid/img002.png', 'frame 3 shown');
    await clickImage(70, 80);
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), '● unsaved changes');
    // What the host sends after a grab: the folder's frames again, one more sorting before the shown one.
    await tab.evaluate(`(() => {
      const f = INIT.frames;
      window.postMessage({ ...INIT, frames: [f[0], f[1], { ...f[1], image: 'labeled-data/vid/img001a.png' }, f[2], f[3]] }, '*');
    })()`);
    await until(async () => (await tab.locator('[data-testid=filmstrip] li').count()) === 5, 'the grabbed frame listed');
    assert.equal((await stage()).frame, 3);
    assert.equal(await tab.locator('[data-testid=stage]').getAttribute('data-loaded'), 'labeled-data/vid/img002.png');
    assert.equal(await tab.locator('[data-testid=dirty]').textContent(), '● unsaved changes');
    near(at(await save(), 2, 'mouse1', 'snout'), [70, 80], 'the unsaved point, still on its image');
    assert.deepEqual(problems, []);
  });

  it('opens at the frame another panel asked for (init.image), and a reveal message selects another', async () => {
    await tab.goto(base + '?image=2');
    await tab.locator('[data-testid=stage]').waitFor();
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-frame')) === '2', 'frame 3 selected by init');
    await tab.evaluate(`window.postMessage({ type: 'reveal', image: 'labeled-data/vid/img001.png' }, '*')`);
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-frame')) === '1', 'frame 2 selected by reveal');
    await tab.evaluate(`window.postMessage({ type: 'reveal', image: 'labeled-data/other/img000.png' }, '*')`);
    await settle();
    assert.equal((await stage()).frame, 1, 'an image the folder lacks changes nothing');
    assert.deepEqual(problems, []);
  });
});
