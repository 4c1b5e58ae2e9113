/**
 * The built frame-grabber webview (dist/webviews/grabber.js) in real headless Chromium, served from 127.0.0.1 under a
 * strict CSP with a host stub (acquireVsCodeApi) that answers `grabber-ready` with a 60-frame video and a folder of
 * extracted frames, `grabber-get-frame` with generated pictures (red = 4 × frame), `grabber-grab`, `grabber-find-
 * duplicates` (fixed groups per threshold) and `grabber-delete` (refusing labeled frames unless confirmed, as the
 * real host does), recording every message. Skips when Chromium or the bundle is missing (HERD_WEBVIEW_REQUIRED=1:
 * fail instead).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { encodePng } from '../../src-core/common/png';
import type { GrabberFrame, GrabberInitMessage, GrabberPanelToHost } from '../../webviews/shared/messages';
import { openWebview, stubPage, until, webviewBundle, type OpenWebview } from '../helpers/webview-server';

const { bundle: BUNDLE, missing } = webviewBundle('grabber');

const NONCE = 'Z3JhYmJlcm5vbmNl';
const W = 120;
const H = 90;
const FRAMES = 60;
const name = (index: number) => `img${String(index).padStart(2, '0')}.png`;
/** The folder at start: img05 and img40 labeled; img10–12 and img40–41 near-duplicates; img30 labeled by a file the panel was not told of. */
const INITIAL: GrabberFrame[] = [5, 10, 11, 12, 30, 40, 41].map((index) => ({ name: name(index), index, src: `/thumb/${name(index)}`, labeled: index === 5 || index === 40 }));
const HOST_LABELED = ['img05.png', 'img30.png', 'img40.png'];

function init(): GrabberInitMessage {
  return { type: 'grabber-init', video: '/p/videos/m1.mp4', width: W, height: H, fps: 10, frameCount: FRAMES, folder: '/p/labeled-data/m1', frames: INITIAL, threshold: 0.015 };
}

function page(): string {
  return stubPage({
    bundle: BUNDLE,
    nonce: NONCE,
    script: `const INIT = ${JSON.stringify(init())};
const HOST_LABELED = ${JSON.stringify(HOST_LABELED)};
let frames = INIT.frames.map((f) => ({ ...f }));
const name = (i) => 'img' + String(i).padStart(2, '0') + '.png';
function picture(index) {
  const bytes = new Uint8Array(${W * H * 3});
  for (let i = 0; i < ${W * H}; i++) { bytes[i * 3] = (index * 4) & 255; bytes[i * 3 + 1] = (i / ${W}) & 255; bytes[i * 3 + 2] = 80; }
  let text = ''; for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}
function groups(threshold) {
  const all = threshold >= 0.01 ? [['img10.png', 'img11.png', 'img12.png'], ['img40.png', 'img41.png']] : threshold > 0 ? [['img10.png', 'img11.png']] : [];
  const present = new Set(frames.map((f) => f.name));
  return all.map((g) => g.filter((n) => present.has(n))).filter((g) => g.length > 1);
}
const reply = (m, ms) => setTimeout(() => window.postMessage(m, '*'), ms ?? 5);`,
    answer: `
    if (m.type === 'grabber-ready') reply(INIT, 0);
    if (m.type === 'grabber-get-frame') reply({ type: 'grabber-frame', index: m.index, width: ${W}, height: ${H}, rgb: picture(m.index) });
    if (m.type === 'grabber-grab') {
      if (frames.some((f) => f.index === m.index)) reply({ type: 'grabber-error', message: 'frame ' + m.index + ' is already extracted' });
      else {
        frames = [...frames, { name: name(m.index), index: m.index, src: '/thumb/' + name(m.index), labeled: false }].sort((a, b) => (a.name < b.name ? -1 : 1));
        reply({ type: 'grabber-grabbed', index: m.index, file: '/p/labeled-data/m1/' + name(m.index), frames });
      }
    }
    if (m.type === 'grabber-find-duplicates') reply({ type: 'grabber-duplicates', threshold: m.threshold, groups: groups(m.threshold) });
    if (m.type === 'grabber-delete') {
      const labeled = m.names.filter((n) => HOST_LABELED.includes(n)).sort();
      if (labeled.length > 0 && !m.confirmLabeled) reply({ type: 'grabber-error', message: labeled.join(', ') + ' have labels; confirm', labeled });
      else {
        frames = frames.filter((f) => !m.names.includes(f.name));
        reply({ type: 'grabber-deleted', deleted: m.names.map((n) => '/p/labeled-data/m1/' + n), labelFiles: labeled.length ? ['/p/labeled-data/m1/CollectedData_alice.h5', '/p/labeled-data/m1/CollectedData_alice.csv'] : [], frames });
      }
    }`,
  });
}

describe('frame grabber webview in Chromium', { skip: missing }, () => {
  let web: OpenWebview | undefined;
  let tab: Page;
  let base = '';
  const problems: string[] = [];
  // A thumbnail PNG per name (grey level from the index), served under the page's img-src.
  const thumb = (file: string) => {
    const level = Number(/(\d+)/.exec(file)?.[1] ?? 0) * 4;
    return encodePng(new Uint8Array(32 * 24 * 3).fill(level), 32, 24);
  };

  before(async () => {
    const files = (url: string) => (url.startsWith('/thumb/') ? { type: 'image/png', body: thumb(url) } : undefined);
    web = await openWebview({ bundle: BUNDLE, nonce: NONCE, page, files }, { width: 1200, height: 760 }, problems);
    ({ tab, base } = web);
  });

  after(() => web?.close());

  const frame = async () => Number(await tab.locator('[data-testid=stage]').getAttribute('data-frame'));
  const sent = async () => (await tab.evaluate('window.__sent')) as GrabberPanelToHost[];
  const sentOf = async <T extends GrabberPanelToHost['type']>(type: T) => (await sent()).filter((m): m is Extract<GrabberPanelToHost, { type: T }> => m.type === type);
  /** The picture of `f` is on the canvas: shown, and its red channel is 4 × f. */
  async function pictureOf(f: number): Promise<void> {
    await until(async () => (await tab.locator('[data-testid=stage]').getAttribute('data-shown')) === String(f), `frame ${f}'s picture`);
    const red = await tab.evaluate(`document.querySelector('[data-testid=picture]').getContext('2d').getImageData(3, 3, 1, 1).data[0]`);
    assert.equal(red, (f * 4) & 255);
  }
  async function thumbs(): Promise<Array<{ name: string; group: string; selected: string; labeled: string }>> {
    return tab.$$eval('[data-testid=thumb]', (nodes) =>
      nodes.map((n) => ({ name: n.getAttribute('data-name')!, group: n.getAttribute('data-group')!, selected: n.getAttribute('data-selected')!, labeled: n.getAttribute('data-labeled')! })),
    );
  }
  async function grid(threshold: number): Promise<void> {
    await tab.keyboard.press('t');
    await tab.locator('[data-testid=grid]').waitFor();
    await until(async () => (await tab.locator('[data-testid=groups]').getAttribute('data-for')) === String(threshold), `groups for ${threshold}`);
  }

  beforeEach(async () => {
    await tab.goto(base);
    await pictureOf(0);
  });

  it('scrubs with ←/→, Shift+←/→, Home/End and shows each frame’s picture, number and time', async () => {
    assert.equal(await tab.locator('[data-testid=position]').textContent(), 'frame 0 / 59');
    for (const [key, expected] of [['ArrowRight', 1], ['Shift+ArrowRight', 11], ['ArrowLeft', 10], ['End', 59], ['Shift+ArrowLeft', 49], ['Home', 0], ['ArrowLeft', 0], ['Shift+ArrowLeft', 0]] as const) {
      await tab.keyboard.press(key);
      assert.equal(await frame(), expected, key);
    }
    await tab.keyboard.press('End');
    await tab.keyboard.press('ArrowRight');
    assert.equal(await frame(), 59, 'no frame past the end');
    await pictureOf(59);
    await tab.keyboard.press('Shift+ArrowLeft');
    await pictureOf(49);
    assert.equal(await tab.locator('[data-testid=position]').textContent(), 'frame 49 / 59');
    assert.equal(await tab.locator('[data-testid=time]').textContent(), '0:04.900');
    assert.equal(await tab.locator('[data-testid=slider]').inputValue(), '49');
    assert.equal(await tab.locator('[data-testid=goto]').inputValue(), '49');
    const requests = await sentOf('grabber-get-frame');
    assert.ok(requests.every((m) => m.index >= 0 && m.index < FRAMES));
    assert.deepEqual(problems, []);
  });

  it('the slider and the go-to box move the scrubber; a bad frame number is refused', async () => {
    const slider = tab.locator('[data-testid=slider]');
    const box = (await slider.boundingBox())!;
    await tab.mouse.click(box.x + box.width - 1, box.y + box.height / 2);
    assert.equal(await frame(), 59);
    await tab.mouse.click(box.x + 1, box.y + box.height / 2);
    assert.equal(await frame(), 0);
    await tab.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    assert.ok(Math.abs((await frame()) - 29.5) <= 1.5, `the middle: ${await frame()}`);
    // Keys on the focused slider step exactly once (the panel's binding, not the browser's on top).
    await slider.focus();
    const at = await frame();
    await tab.keyboard.press('ArrowRight');
    assert.equal(await frame(), at + 1);
    await tab.keyboard.press('Shift+ArrowRight');
    assert.equal(await frame(), at + 11);
    await pictureOf(at + 11);

    await tab.locator('[data-testid=goto]').fill('33');
    await tab.locator('[data-testid=goto]').press('Enter');
    assert.equal(await frame(), 33);
    await pictureOf(33);
    await tab.locator('[data-testid=goto]').fill('60');
    await tab.locator('[data-testid=goto]').press('Enter');
    assert.equal(await frame(), 33);
    assert.match((await tab.locator('[data-testid=error]').textContent())!, /a frame number from 0 to 59/);
    assert.deepEqual(problems, []);
  });

  it('G grabs the shown frame once; extracted frames are marked and not grabbed again', async () => {
    assert.equal(await tab.locator('.mark').count(), INITIAL.length);
    await tab.locator('[data-testid=goto]').fill('10');
    await tab.locator('[data-testid=goto]').press('Enter');
    await tab.locator('[data-testid=extracted]').waitFor();
    assert.equal(await tab.locator('[data-testid=extracted]').textContent(), 'extracted as img10.png');
    assert.ok(await tab.locator('[data-testid=grab]').isDisabled());
    await tab.keyboard.press('g');
    assert.equal((await sentOf('grabber-grab')).length, 0, 'an extracted frame is not asked for');

    await tab.keyboard.press('Shift+ArrowRight');
    assert.equal(await frame(), 20);
    assert.equal(await tab.locator('[data-testid=extracted]').count(), 0);
    assert.ok(await tab.locator('[data-testid=grab]').isEnabled());
    await tab.keyboard.press('g');
    await until(async () => (await tab.locator('[data-testid=extracted]').count()) === 1, 'the grabbed mark');
    assert.deepEqual(await sentOf('grabber-grab'), [{ type: 'grabber-grab', index: 20 }]);
    assert.equal(await tab.locator('[data-testid=extracted]').textContent(), 'extracted as img20.png');
    assert.equal(await tab.locator('[data-testid=note]').textContent(), 'grabbed frame 20 as img20.png');
    assert.equal(await tab.locator('.mark').count(), INITIAL.length + 1);
    assert.equal(await tab.locator('[data-testid=tab-grid]').textContent(), `Frames (${INITIAL.length + 1})`);
    await tab.keyboard.press('g');
    await tab.locator('[data-testid=grab]').click({ force: true });
    assert.equal((await sentOf('grabber-grab')).length, 1, 'grabbed once');
    // The button grabs too.
    await tab.keyboard.press('ArrowRight');
    await tab.locator('[data-testid=grab]').click();
    await until(async () => (await sentOf('grabber-grab')).length === 2, 'the second grab');
    assert.deepEqual((await sentOf('grabber-grab'))[1], { type: 'grabber-grab', index: 21 });
    assert.deepEqual(problems, []);
  });

  it('the grid shows the folder’s frames with near-duplicate groups and labeled marks; the threshold asks again', async () => {
    await grid(0.015);
    assert.deepEqual((await sentOf('grabber-find-duplicates')).map((m) => m.threshold), [0.015]);
    assert.deepEqual(
      (await thumbs()).map((t) => [t.name, t.group, t.labeled]),
      [['img05.png', '', '1'], ['img10.png', '0', '0'], ['img11.png', '0', '0'], ['img12.png', '0', '0'], ['img30.png', '', '0'], ['img40.png', '1', '1'], ['img41.png', '1', '0']],
    );
    assert.equal(await tab.locator('[data-testid=groups]').textContent(), '2 groups of near-duplicates');
    assert.equal(await tab.locator('[data-testid=labeled-badge]').count(), 2);
    // Thumbnails load from the host's URIs under the CSP.
    await until(async () => (await tab.evaluate(`[...document.querySelectorAll('[data-testid=thumb] img')].every((i) => i.naturalWidth === 32)`)) === true, 'thumbnails loaded');
    await tab.locator('[data-testid=threshold]').fill('0.005');
    await until(async () => (await tab.locator('[data-testid=groups]').getAttribute('data-for')) === '0.005', 'groups for 0.005');
    assert.deepEqual((await thumbs()).filter((t) => t.group !== '').map((t) => t.name), ['img10.png', 'img11.png']);
    assert.equal((await sentOf('grabber-find-duplicates')).at(-1)!.threshold, 0.005);
    // Double-click shows a frame in the scrubber.
    await tab.locator('[data-testid=thumb][data-name="img30.png"]').dblclick();
    assert.equal(await frame(), 30);
    await pictureOf(30);
    assert.deepEqual(problems, []);
  });

  it('D selects the near-duplicates (keeping one per group, a labeled one first); Delete sends them without a question', async () => {
    await grid(0.015);
    await tab.keyboard.press('d');
    assert.deepEqual((await thumbs()).filter((t) => t.selected === '1').map((t) => t.name), ['img11.png', 'img12.png', 'img41.png']);
    await tab.keyboard.press('Delete');
    await until(async () => (await sentOf('grabber-delete')).length === 1, 'the delete message');
    assert.equal(await tab.locator('[data-testid=confirm]').count(), 0);
    assert.deepEqual((await sentOf('grabber-delete'))[0], { type: 'grabber-delete', names: ['img11.png', 'img12.png', 'img41.png'], confirmLabeled: false });
    await until(async () => (await thumbs()).length === 4, 'the deleted frames gone');
    assert.deepEqual((await thumbs()).map((t) => t.name), ['img05.png', 'img10.png', 'img30.png', 'img40.png']);
    assert.equal(await tab.locator('[data-testid=note]').textContent(), 'deleted 3 frames');
    // The groups are asked again for the folder as it is now.
    await until(async () => (await tab.locator('[data-testid=groups]').textContent()) === '0 groups of near-duplicates', 'no groups left');
    assert.deepEqual(problems, []);
  });

  it('deleting labeled frames asks first: Cancel sends nothing, confirming sends confirmLabeled; labels the host knew of are asked about too', async () => {
    await grid(0.015);
    await tab.locator('[data-testid=thumb][data-name="img05.png"]').click();
    await tab.locator('[data-testid=thumb][data-name="img10.png"]').click({ modifiers: ['Control'] });
    assert.deepEqual((await thumbs()).filter((t) => t.selected === '1').map((t) => t.name), ['img05.png', 'img10.png']);
    await tab.locator('[data-testid=delete]').click();
    await tab.locator('[data-testid=confirm]').waitFor();
    assert.deepEqual(await tab.locator('[data-testid=confirm-labeled] li').allTextContents(), ['img05.png']);
    await tab.locator('[data-testid=confirm-cancel]').click();
    assert.equal(await tab.locator('[data-testid=confirm]').count(), 0);
    await tab.keyboard.press('Delete');
    await tab.locator('[data-testid=confirm]').waitFor();
    await tab.keyboard.press('Escape');
    assert.equal(await tab.locator('[data-testid=confirm]').count(), 0);
    assert.equal((await sentOf('grabber-delete')).length, 0, 'nothing sent before the answer');
    await tab.keyboard.press('Delete');
    await tab.locator('[data-testid=confirm-delete]').click();
    await until(async () => (await thumbs()).length === INITIAL.length - 2, 'the deleted frames gone');
    assert.deepEqual(await sentOf('grabber-delete'), [{ type: 'grabber-delete', names: ['img05.png', 'img10.png'], confirmLabeled: true }]);
    assert.equal(await tab.locator('[data-testid=note]').textContent(), 'deleted 2 frames; labels removed from CollectedData_alice.h5, CollectedData_alice.csv');

    // img30's labels were unknown to the panel: the host refuses, the panel asks, then confirms.
    await tab.locator('[data-testid=thumb][data-name="img11.png"]').click();
    await tab.locator('[data-testid=thumb][data-name="img30.png"]').click({ modifiers: ['Shift'] });
    assert.deepEqual((await thumbs()).filter((t) => t.selected === '1').map((t) => t.name), ['img11.png', 'img12.png', 'img30.png']);
    await tab.keyboard.press('Delete');
    await tab.locator('[data-testid=confirm]').waitFor();
    assert.deepEqual(await tab.locator('[data-testid=confirm-labeled] li').allTextContents(), ['img30.png']);
    await tab.locator('[data-testid=confirm-delete]').click();
    await until(async () => (await thumbs()).length === INITIAL.length - 5, 'deleted after the question');
    assert.deepEqual((await sentOf('grabber-delete')).slice(1), [
      { type: 'grabber-delete', names: ['img11.png', 'img12.png', 'img30.png'], confirmLabeled: false },
      { type: 'grabber-delete', names: ['img11.png', 'img12.png', 'img30.png'], confirmLabeled: true },
    ]);
    assert.deepEqual((await thumbs()).map((t) => t.name), ['img40.png', 'img41.png']);
    assert.deepEqual(problems, []);
  });

  it('a reloaded panel comes back at its frame and view; ? shows the keymap', async () => {
    await tab.keyboard.press('Shift+ArrowRight');
    await tab.keyboard.press('Shift+ArrowRight');
    await grid(0.015);
    await tab.goto(base + '?keep');
    await tab.locator('[data-testid=grid]').waitFor();
    await tab.keyboard.press('t');
    assert.equal(await frame(), 20);
    await pictureOf(20);
    await tab.keyboard.press('Shift+?');
    await tab.locator('[data-testid=help]').waitFor();
    const rows = await tab.locator('[data-testid=help] kbd').allTextContents();
    for (const key of ['←', 'Shift+→', 'Home', 'End', 'G', 'T', 'D', 'Delete', '?']) assert.ok(rows.includes(key), key);
    await tab.locator('[data-testid=help]').click();
    assert.equal(await tab.locator('[data-testid=help]').count(), 0);
    assert.deepEqual(problems, []);
  });
});
