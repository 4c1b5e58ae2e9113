/**
 * Issue 9's measurements, in headless Chromium with the Performance API: frame switch time for a 640×480 PNG
 * (goal < 50 ms) and the frame rate while panning with 20 animals × 20 points (goal 60 fps). A benchmark, run by
 * `npm run bench` (not a test tier): it prints Markdown rows and asserts only that the interactions happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { openWebview, stubPage, webviewBundle, type OpenWebview } from '../helpers/webview-server';
import { encodePng } from '../../src-core/common/png';
import type { InitMessage, LabelingConfig, WireColumn, WireTable } from '../../webviews/shared/messages';

const { bundle: BUNDLE, missing } = webviewBundle('labeling', false);
const W = 640;
const H = 480;
const FRAMES = 12;
const ANIMALS = Number(process.env.PERF_ANIMALS ?? 20);
const PARTS = 20;

function picture(seed: number): Buffer {
  const rgb = new Uint8Array(W * H * 3);
  let s = seed * 2654435761;
  for (let i = 0; i < rgb.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    rgb[i] = (s >>> 16) & 255; // noise: PNG cannot compress it, the worst case for decoding
  }
  return encodePng(rgb, W, H);
}

function init(origin: string): InitMessage {
  const individuals = Array.from({ length: ANIMALS }, (_, i) => `animal${i + 1}`);
  const bodyparts = Array.from({ length: PARTS }, (_, i) => `part${i + 1}`);
  const columns: WireColumn[] = individuals.flatMap((individual) => bodyparts.flatMap((bodypart) => (['x', 'y'] as const).map((coord) => ({ individual, bodypart, coord }))));
  const images = Array.from({ length: FRAMES }, (_, i) => `labeled-data/v/img${i}.png`);
  const values = images.flatMap((_, f) => columns.map((c, i) => (c.coord === 'x' ? 10 + ((i * 37 + f) % 620) : 10 + ((i * 53 + f) % 460))));
  const labels: WireTable = { scorer: 's', multiAnimal: true, individuals, bodyparts, uniqueBodyparts: [], columns, images, indexStyle: 'split', values };
  const config: LabelingConfig = {
    scorer: 's', multiAnimal: true, individuals, bodyparts, uniqueBodyparts: [], skeleton: bodyparts.slice(1).map((b, i) => [bodyparts[i], b]), skeletonColor: 'black',
    bodypartColors: bodyparts.map((_, i) => `hsl(${(i * 360) / PARTS}, 90%, 50%)`), uniqueColors: [], dotsize: 6,
  };
  return { type: 'init', folder: '/p/labeled-data/v', frames: images.map((image, i) => ({ image, src: `${origin}/img${i}.png` })), labels, config };
}

describe('labeling webview performance (Chromium)', { skip: missing }, () => {
  let web: OpenWebview | undefined;
  let tab: Page;

  before(async () => {
    const pngs = Array.from({ length: FRAMES }, (_, i) => picture(i + 1));
    web = await openWebview(
      {
        bundle: BUNDLE,
        headers: { 'cache-control': 'no-store' },
        page: (_query, origin) =>
          stubPage({ bundle: BUNDLE, host: 'bare', script: `const INIT = ${JSON.stringify(init(origin))};`, answer: `    if (m.type === 'ready') setTimeout(() => window.postMessage(INIT, '*'));` }),
        files: (url) => {
          const m = /^\/img(\d+)\.png$/.exec(url);
          return m ? { type: 'image/png', body: pngs[Number(m[1])] } : undefined;
        },
      },
      { width: 1280, height: 800 },
    );
    tab = web.tab;
    await tab.goto(web.base);
    await tab.locator('[data-testid=stage][data-loaded="labeled-data/v/img0.png"]').waitFor();
  });

  after(() => web?.close());

  it('frame switch time for a 640×480 PNG (goal < 50 ms)', async (t) => {
    // From the key press to the first painted frame showing the new image and its 400 points.
    const times = (await tab.evaluate(`(async () => {
      const stage = document.querySelector('[data-testid=stage]');
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      const out = [];
      // Forward through every frame, then back to the first.
      const order = [...Array.from({ length: ${FRAMES} - 1 }, (_, i) => i + 1), ...Array.from({ length: ${FRAMES} - 1 }, (_, i) => ${FRAMES} - 2 - i)];
      for (let k = 0; k < order.length; k++) {
        const f = order[k];
        const t0 = performance.now();
        window.dispatchEvent(new KeyboardEvent('keydown', { key: k < ${FRAMES} - 1 ? 'ArrowRight' : 'ArrowLeft' }));
        while (stage.getAttribute('data-loaded') !== 'labeled-data/v/img' + f + '.png') await frame();
        await frame();
        out.push(performance.now() - t0);
      }
      return out;
    })()`)) as number[];
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // Forward, each picture is shown for the first time (decoded ahead while the previous one is shown); back, it is
    // still decoded. The floor is two display frames (~33 ms at 60 Hz): the key's render, then the check's frame.
    const forward = times.slice(0, FRAMES - 1);
    const back = times.slice(FRAMES - 1);
    t.diagnostic(`frame switch (640×480 PNG, 400 points): all ${times.map((x) => x.toFixed(1)).join(' ')} ms`);
    console.log(
      `| labeling panel frame switch (640×480 PNG, 400 points, headless Chromium) | median ${median(times).toFixed(1)} ms (first showing ${median(forward).toFixed(1)}, ` +
        `again ${median(back).toFixed(1)}, worst ${Math.max(...times).toFixed(1)}) | goal < 50 ms |`,
    );
  });

  it('frame rate while panning with 20 animals × 20 points (goal 60 fps)', async () => {
    const result = (await tab.evaluate(`(async () => {
      const content = document.querySelector('.konvajs-content');
      const box = content.getBoundingClientRect();
      const at = (type, dx) => content.dispatchEvent(new MouseEvent(type, { bubbles: true, clientX: box.left + 300 + dx, clientY: box.top + 200 + dx / 2, button: 0, buttons: 1 }));
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      await frame();
      at('mousedown', 0);
      const stamps = [];
      const t0 = performance.now();
      let i = 0;
      while (performance.now() - t0 < 1500) {
        at('mousemove', 5 + (i++ % 200));
        stamps.push(await frame());
      }
      at('mouseup', 5 + (i % 200));
      const gaps = stamps.slice(1).map((s, k) => s - stamps[k]).sort((a, b) => a - b);
      return { fps: (stamps.length - 1) / ((stamps[stamps.length - 1] - stamps[0]) / 1000), p95: gaps[Math.floor(gaps.length * 0.95)], view: document.querySelector('[data-testid=stage]').getAttribute('data-view') };
    })()`)) as { fps: number; p95: number; view: string };
    assert.notEqual(JSON.parse(result.view).x, 0, 'the stage panned');
    console.log(`| labeling panel panning (20 animals × 20 points) | ${result.fps.toFixed(1)} fps, p95 frame ${result.p95.toFixed(1)} ms | goal 60 fps |`);
  });
});
