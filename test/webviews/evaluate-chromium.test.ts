/**
 * The built evaluation webview (dist/webviews/evaluate.js) in real headless Chromium, served from 127.0.0.1 under a
 * strict CSP with a host stub (acquireVsCodeApi) that answers `evaluation-ready` with two evaluated snapshots and
 * `evaluation-select` with that snapshot's body part errors and images, and records every message. Checks the table,
 * that a row click selects its snapshot (the bars follow), the split / minimum-error filters, the markers' pixels
 * ("+", "·", "x" in the individual's colour) and that a click on an image asks to open it in the labeling panel.
 * Skips when Chromium or the bundle is missing (HERD_WEBVIEW_REQUIRED=1: fail instead).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { encodePng } from '../../src-core/common/png';
import { evaluationMarkers } from '../../src-core/evaluate/markers';
import type { EvaluationImageWire, EvaluationInitMessage, EvaluationPanelToHost, EvaluationSnapshotMessage } from '../../webviews/shared/messages';
import { imageMarkers } from '../../webviews/evaluate/state';
import { openWebview, stubPage, until, webviewBundle, type OpenWebview } from '../helpers/webview-server';

const { bundle: BUNDLE, missing } = webviewBundle('evaluate');

const NONCE = 'ZXZhbG5vbmNl';
/** 480×200 pictures shown 240 px wide: scale ½, so odd image coordinates land on pixel centres. */
const W = 480;
const H = 200;
const RED = [255, 0, 0];
const BLUE = [0, 0, 255];
const GREEN = [0, 255, 0];
const GRAY = [100, 100, 100];

function picture(): Buffer {
  return encodePng(new Uint8Array(W * H * 3).fill(100), W, H);
}

const init = (): EvaluationInitMessage => ({
  type: 'evaluation-init',
  config: '/p/config.yaml',
  rows: [1, 2].map((n) => ({
    id: `95/1/snapshot-00${n}.safetensors`,
    shuffle: 1,
    trainPercent: 95,
    snapshot: `snapshot-00${n}.safetensors`,
    epoch: n,
    trainError: 2 / n,
    testError: 8 / n,
    pcutoff: '0.6',
    trainErrorPcutoff: 1.5 / n,
    testErrorPcutoff: 6 / n,
    trainMAP: 40 * n,
    testMAP: 30 * n,
    trainMAR: 45 * n,
    testMAR: 35 * n,
    hasPredictions: true,
  })),
  settings: { individuals: ['mouse1', 'mouse2'], bodyparts: ['snout', 'tail'], uniqueBodyparts: ['corner'], colors: ['rgb(255, 0, 0)', 'rgb(0, 0, 255)', 'rgb(0, 255, 0)'], dotsize: 8 },
});

/**
 * Image 0: mouse1's snout labeled at (41, 41), predicted at (101, 41) with 0.9 ("·") and its tail at (161, 41) with
 * 0.2 ("x"); mouse2's snout labeled at (41, 121); the unique corner labeled at (221, 121). The others: no markers.
 */
function image(i: number, error: number, split: 'train' | 'test', src: string): EvaluationImageWire {
  const empty = (n: number) => new Array<number | null>(n).fill(null);
  const gt = empty(8);
  const pred = empty(12);
  const uniqueGt = empty(2);
  if (i === 0) {
    gt.splice(0, 2, 41, 41);
    gt.splice(4, 2, 41, 121);
    pred.splice(0, 6, 101, 41, 0.9, 161, 41, 0.2);
    uniqueGt.splice(0, 2, 221, 121);
  }
  return { image: `labeled-data/vid/img00${i}.png`, folder: '/p/labeled-data/vid', src, split, gt, pred, uniqueGt, uniquePred: empty(3), error, errorPcutoff: error, support: 3, perBodypart: [error, error / 2, null] };
}

function snapshot(id: string, origin: string): EvaluationSnapshotMessage {
  const n = Number(/(\d)\.safetensors$/.exec(id)![1]);
  return {
    type: 'evaluation-snapshot',
    id,
    pcutoffs: [0.6, 0.6, 0.6],
    bodyparts: ['snout', 'tail', 'corner'].map((bodypart, k) => ({ bodypart, unique: k === 2, train: (k + 1) / n, test: (k + 2) * 2 / n, trainPcutoff: (k + 1) / n, testPcutoff: (k + 2) / n })),
    images: [
      image(0, 10, 'test', `${origin}/img.png`),
      image(1, 1, 'train', `${origin}/img.png`),
      image(2, 6, 'train', `${origin}/img.png`),
      image(3, 3, 'test', `${origin}/img.png`),
    ],
  };
}

function page(origin: string): string {
  const snapshots = Object.fromEntries(init().rows.map((r) => [r.id, snapshot(r.id, origin)]));
  return stubPage({
    bundle: BUNDLE,
    nonce: NONCE,
    script: `const INIT = ${JSON.stringify(init())};
const SNAPSHOTS = ${JSON.stringify(snapshots)};`,
    answer: `
    if (m.type === 'evaluation-ready') setTimeout(() => window.postMessage(INIT, '*'));
    if (m.type === 'evaluation-select') setTimeout(() => window.postMessage(SNAPSHOTS[m.id], '*'), 20);`,
  });
}

describe('evaluation webview in Chromium', { skip: missing }, () => {
  let web: OpenWebview | undefined;
  let tab: Page;
  let base = '';
  const problems: string[] = [];

  before(async () => {
    const png = picture();
    const files = (url: string) => (url === '/img.png' ? { type: 'image/png', body: png } : undefined);
    web = await openWebview({ bundle: BUNDLE, nonce: NONCE, page: (_query, origin) => page(origin), files }, { width: 1200, height: 800 }, problems);
    ({ tab, base } = web);
  });

  after(() => web?.close());

  beforeEach(async () => {
    await tab.goto(base);
    await tab.locator('[data-testid=results]').waitFor();
    await until(async () => (await tab.locator('[data-testid=bars]').getAttribute('data-snapshot').catch(() => null)) !== null, 'the first snapshot');
  });

  const sent = async () => (await tab.evaluate('window.__sent')) as EvaluationPanelToHost[];
  type Attributes = { getAttribute(name: string): string | null };
  const ids = (selector: string, attribute: string) => tab.locator(selector).evaluateAll((els, a) => els.map((el) => (el as unknown as Attributes).getAttribute(a)), attribute);
  const thumbs = () => ids('[data-testid=thumb]', 'data-image');
  const bar = (bodypart: string, split: string) => tab.locator(`[data-testid=bar][data-bodypart=${bodypart}][data-split=${split}]`).getAttribute('data-value');

  it('shows one row per snapshot, selects the last one and draws its bars; a row click selects another', async () => {
    const rows = tab.locator('[data-testid=row]');
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await ids('[data-testid=row]', 'data-id'), ['95/1/snapshot-001.safetensors', '95/1/snapshot-002.safetensors']);
    assert.deepEqual(await rows.nth(0).locator('td').allTextContents(), ['1', '95', 'snapshot-001.safetensors', '1', '2.00', '8.00', '1.50', '6.00', '40.0', '30.0', '45.0', '35.0', '0.6']);
    assert.equal(await tab.locator('[data-testid=bars]').getAttribute('data-snapshot'), '95/1/snapshot-002.safetensors');
    assert.equal(await rows.nth(1).getAttribute('class'), 'selected');
    assert.equal(Number(await bar('tail', 'test')), 3);
    const wide = (await tab.locator('[data-testid=bar][data-bodypart=corner][data-split=test]').boundingBox())!.width;
    const narrow = (await tab.locator('[data-testid=bar][data-bodypart=snout][data-split=train]').boundingBox())!.width;
    assert.ok(wide > 4 * narrow - 2 && wide > 100, `bars scale with the error: ${wide} vs ${narrow}`);
    await rows.nth(0).click();
    await until(async () => (await tab.locator('[data-testid=bars]').getAttribute('data-snapshot')) === '95/1/snapshot-001.safetensors', 'the bars of snapshot 1');
    assert.equal(Number(await bar('tail', 'test')), 6);
    assert.equal(Number(await bar('snout', 'train')), 1);
    await tab.locator('[data-testid=bars-pcutoff]').check();
    assert.equal(Number(await bar('tail', 'test')), 3);
    assert.deepEqual((await sent()).filter((m) => m.type === 'evaluation-select').map((m) => (m as { id: string }).id), ['95/1/snapshot-002.safetensors', '95/1/snapshot-001.safetensors']);
    // Sorting the table by test error puts snapshot 2 (4 px) before snapshot 1 (8 px).
    await tab.locator('th', { hasText: 'Test error (px)' }).click();
    assert.deepEqual(await ids('[data-testid=row]', 'data-id'), ['95/1/snapshot-002.safetensors', '95/1/snapshot-001.safetensors']);
    assert.deepEqual(problems, []);
  });

  it('sorts the gallery by error and hides images below the minimum error or of the other split', async () => {
    await until(async () => (await thumbs()).length === 4, 'the gallery');
    assert.deepEqual(await thumbs(), ['labeled-data/vid/img000.png', 'labeled-data/vid/img002.png', 'labeled-data/vid/img003.png', 'labeled-data/vid/img001.png']);
    await tab.locator('[data-testid=filter-min-error]').fill('5');
    await until(async () => (await thumbs()).length === 2, 'the error filter');
    assert.deepEqual(await thumbs(), ['labeled-data/vid/img000.png', 'labeled-data/vid/img002.png']);
    assert.equal(await tab.locator('[data-testid=gallery-count]').textContent(), '2 of 4 images');
    await tab.locator('[data-testid=filter-split]').selectOption('train');
    await until(async () => (await thumbs()).length === 1, 'the split filter');
    assert.deepEqual(await thumbs(), ['labeled-data/vid/img002.png']);
    // By body part: tail errors are half the image's (5, 0.5, 3, 1.5) → only image 0 reaches 5 px.
    await tab.locator('[data-testid=filter-split]').selectOption('all');
    await tab.locator('[data-testid=filter-bodypart]').selectOption('1');
    await until(async () => (await thumbs()).length === 1, 'the body part filter');
    assert.deepEqual(await thumbs(), ['labeled-data/vid/img000.png']);
    await tab.locator('[data-testid=filter-min-error]').fill('0');
    await tab.locator('[data-testid=filter-sort]').selectOption('error-asc');
    await until(async () => (await thumbs()).length === 4, 'all images again');
    assert.deepEqual(await thumbs(), ['labeled-data/vid/img001.png', 'labeled-data/vid/img003.png', 'labeled-data/vid/img002.png', 'labeled-data/vid/img000.png']);
    assert.deepEqual(problems, []);
  });

  it('draws labels as "+", confident predictions as "·" and the others as "x" in each individual\'s colour', async () => {
    const thumb = tab.locator('[data-testid=thumb][data-image="labeled-data/vid/img000.png"]');
    await until(async () => (await thumb.getAttribute('data-scale')) === '0.5', 'the thumbnail drawn');
    type Canvas = { getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const pixel = (x: number, y: number): Promise<number[]> =>
      thumb.locator('canvas').evaluate((c, [px, py]) => Array.from((c as unknown as Canvas).getContext('2d').getImageData(px!, py!, 1, 1).data.slice(0, 3)), [x, y]);
    const isColor = async (x: number, y: number, color: number[], what: string) => assert.deepEqual(await pixel(x, y), color, what);
    const notColor = async (x: number, y: number, what: string) => {
      const got = await pixel(x, y);
      assert.ok(got.every((v, c) => Math.abs(v - GRAY[c]!) < 40), `${what}: ${got}`);
    };
    // mouse1's snout label "+" at (20.5, 20.5) on the thumbnail: the arms, not the diagonals.
    await isColor(20, 20, RED, '+ centre');
    await isColor(23, 20, RED, '+ right arm');
    await isColor(20, 17, RED, '+ upper arm');
    await notColor(22, 22, '+ diagonal');
    // Predicted snout at (50.5, 20.5) with 0.9 ≥ 0.6: a filled dot, no arms.
    await isColor(50, 20, RED, '· centre');
    await isColor(51, 21, RED, '· body');
    await notColor(53, 20, '· beyond its radius');
    // Predicted tail at (80.5, 20.5) with 0.2 < 0.6: "x", the diagonals, not the arms.
    await isColor(80, 20, RED, 'x centre');
    await isColor(82, 22, RED, 'x diagonal');
    await isColor(78, 18, RED, 'x other diagonal');
    await notColor(83, 20, 'x arm');
    // mouse2's label in blue, the unique corner in the unique parts' colour; nothing elsewhere.
    await isColor(23, 60, BLUE, 'mouse2 +');
    await isColor(113, 60, GREEN, 'corner +');
    await notColor(150, 50, 'background');
    // The same markers as `herd evaluate --plotting` (individual mode) draws.
    const wire = snapshot('95/1/snapshot-002.safetensors', '').images[0]!;
    const f32 = (values: Array<number | null>) => Float32Array.from(values, (v) => (v === null ? NaN : v));
    const plotted = evaluationMarkers(
      { gt: f32(wire.gt), pred: f32(wire.pred), uniqueGt: f32(wire.uniqueGt!), uniquePred: f32(wire.uniquePred!) },
      { mode: 'individual', bodyparts: 2, uniqueBodyparts: 1, individuals: 2, animals: 2, pcutoffs: [0.6, 0.6], uniquePcutoffs: [0.6] },
    );
    const drawn = JSON.parse((await thumb.getAttribute('data-markers'))!) as ReturnType<typeof imageMarkers>;
    assert.deepEqual(drawn, plotted);
    // Filtering by a body part draws only its markers.
    await tab.locator('[data-testid=filter-bodypart]').selectOption('1');
    await until(async () => JSON.parse((await thumb.getAttribute('data-markers'))!).length === 1, 'only the tail');
    await until(async () => (await pixel(20, 20)).every((v, c) => Math.abs(v - GRAY[c]!) < 40), 'the snout label gone');
    await isColor(82, 22, RED, 'the tail x stays');
    assert.deepEqual(problems, []);
  });

  it('a click on an image asks the host to open it in the labeling panel of its folder', async () => {
    await until(async () => (await thumbs()).length === 4, 'the gallery');
    await tab.locator('[data-testid=thumb][data-image="labeled-data/vid/img003.png"]').click();
    await until(async () => (await sent()).some((m) => m.type === 'evaluation-open-image'), 'the open message');
    assert.deepEqual((await sent()).filter((m) => m.type === 'evaluation-open-image'), [{ type: 'evaluation-open-image', folder: '/p/labeled-data/vid', image: 'labeled-data/vid/img003.png' }]);
    assert.deepEqual(problems, []);
  });
});
