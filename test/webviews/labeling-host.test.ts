import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readLabels } from '../../src-core/labels/files';
import { formatConfig, newProjectConfig } from '../../src-core/project/config';
import { coreFacade, handlePanelMessage, type LabelingCore } from '../../src-extension/labeling-host';
import type { InitMessage, WireTable } from '../../webviews/shared/messages';
import { temporaryFolder } from '../helpers/workspace';

function makeProject(scorer = 'Jane'): string {
  const root = temporaryFolder('herd-labeling-host-');
  const config = newProjectConfig({
    task: 'maze', scorer, date: new Date(Date.UTC(2026, 10, 25)), projectPath: root, videoSets: {},
    multiAnimal: true, individuals: ['mouse1', 'mouse2'], bodyparts: ['snout', 'tailbase'], uniqueBodyparts: ['corner'], skeleton: [['snout', 'tailbase']],
  });
  fs.writeFileSync(path.join(root, 'config.yaml'), formatConfig(config));
  const folder = path.join(root, 'labeled-data', 'm3v1');
  fs.mkdirSync(folder, { recursive: true });
  for (const image of ['img012.png', 'img000.png', 'img007.png', 'notes.txt']) fs.writeFileSync(path.join(folder, image), '');
  return folder;
}

const session = (folder: string, core: LabelingCore = coreFacade()) => ({ folder, core, toUri: (file: string) => `vscode-resource:${path.basename(file)}` });

describe('labeling host (no VS Code)', () => {
  it('ready → init with the folder’s frames, an empty table in DeepLabCut’s layout and the config', async () => {
    const folder = makeProject();
    const init = (await handlePanelMessage({ type: 'ready' }, session(folder))) as InitMessage;
    assert.equal(init.type, 'init');
    assert.deepEqual(init.frames, ['img000.png', 'img007.png', 'img012.png'].map((name) => ({ image: `labeled-data/m3v1/${name}`, src: `vscode-resource:${name}` })));
    assert.equal(init.labels.scorer, 'Jane');
    assert.equal(init.labels.columns.length, 2 * 2 * 2 + 2);
    assert.deepEqual(init.labels.images, []);
    assert.deepEqual(init.config.individuals, ['mouse1', 'mouse2']);
    assert.deepEqual(init.config.uniqueBodyparts, ['corner']);
    assert.deepEqual(init.config.skeleton, [['snout', 'tailbase']]);
    assert.equal(init.config.bodypartColors.length, 2);
    assert.match(init.config.bodypartColors[0], /^rgb\(\d+, \d+, \d+\)$/);
    assert.ok(init.config.dotsize > 0);
  });

  it('save → CollectedData .h5 and .csv through src-core; reopening gives the same table', async () => {
    const folder = makeProject();
    const init = (await handlePanelMessage({ type: 'ready' }, session(folder))) as InitMessage;
    const table: WireTable = { ...init.labels, images: ['labeled-data/m3v1/img007.png'], values: init.labels.columns.map((_, i) => (i === 0 ? 12.25 : i === 1 ? 30.5 : null)) };
    const saved = await handlePanelMessage({ type: 'save', table }, session(folder));
    assert.equal(saved?.type, 'saved');
    assert.deepEqual((saved as { files: string[] }).files.map((f) => path.basename(f)).sort(), ['CollectedData_Jane.csv', 'CollectedData_Jane.h5']);
    const onDisk = (await readLabels(path.join(folder, 'CollectedData_Jane.csv'))).table;
    assert.deepEqual(Array.from(onDisk.values).slice(0, 2), [12.25, 30.5]);
    const again = (await handlePanelMessage({ type: 'ready' }, session(folder))) as InitMessage;
    assert.deepEqual(again.labels.images, table.images);
    assert.deepEqual(again.labels.values, table.values);
  });

  it('never writes over another scorer’s file, a wrong layout or images outside the folder', async () => {
    const folder = makeProject();
    const init = (await handlePanelMessage({ type: 'ready' }, session(folder))) as InitMessage;
    const base: WireTable = { ...init.labels, images: ['labeled-data/m3v1/img000.png'], values: init.labels.columns.map(() => 1) };
    fs.writeFileSync(path.join(folder, 'CollectedData_Bob.csv'), 'keep');
    const other = await handlePanelMessage({ type: 'save', table: { ...base, scorer: 'Bob' } }, session(folder));
    assert.equal(other?.type, 'error');
    assert.equal(fs.readFileSync(path.join(folder, 'CollectedData_Bob.csv'), 'utf8'), 'keep');
    const outside = await handlePanelMessage({ type: 'save', table: { ...base, images: ['labeled-data/other/img000.png'] } }, session(folder));
    assert.match((outside as { message: string }).message, /not in labeled-data\/m3v1/);
    const columns = base.columns.map((c, i) => (i === 0 ? { ...c, bodypart: 'nose' } : c));
    assert.equal((await handlePanelMessage({ type: 'save', table: { ...base, columns } }, session(folder)))?.type, 'error');
    assert.ok(!fs.existsSync(path.join(folder, 'CollectedData_Jane.csv')));
  });

  it('init selects the frame another panel asked for (once), when the folder has it', async () => {
    const folder = makeProject();
    const asked = ['labeled-data/m3v1/img007.png', 'labeled-data/other/img000.png'];
    const withImage = { ...session(folder), takeImage: () => asked.shift() };
    assert.equal(((await handlePanelMessage({ type: 'ready' }, withImage)) as InitMessage).image, 'labeled-data/m3v1/img007.png');
    assert.equal('image' in ((await handlePanelMessage({ type: 'ready' }, withImage)) as InitMessage), false, 'another folder’s image is not selected');
    assert.equal('image' in ((await handlePanelMessage({ type: 'ready' }, withImage)) as InitMessage), false, 'nothing asked');
  });

  it('ignores malformed messages, reports dirty, turns core failures into error messages', async () => {
    const dirty: boolean[] = [];
    const failing: LabelingCore = { load: async () => { throw new Error('no such folder'); }, save: async () => [] };
    const s = { ...session('/nowhere', failing), onDirty: (d: boolean) => dirty.push(d) };
    assert.equal(await handlePanelMessage({ type: 'save', table: { scorer: 1 } }, s), undefined);
    assert.equal(await handlePanelMessage('ready', s), undefined);
    assert.equal(await handlePanelMessage({ type: 'dirty', dirty: true }, s), undefined);
    assert.deepEqual(dirty, [true]);
    assert.deepEqual(await handlePanelMessage({ type: 'ready' }, s), { type: 'error', message: 'no such folder' });
  });
});

describe('labeling panel HTML', () => {
  it('has a strict CSP: our script by nonce only, styles and images from the webview source, nothing else', async () => {
    const { panelHtml } = await import('../../src-extension/labeling-host');
    const html = panelHtml({ cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x.vscode-cdn.net/l.js', styleUri: 'https://x.vscode-cdn.net/l.css', nonce: 'abc123', title: 'Label <m3v1>' });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-abc123'/);
    assert.doesNotMatch(csp, /unsafe|\*/);
    assert.equal(html.match(/<script /g)?.length, 1);
    assert.match(html, /<script nonce="abc123" src="https:\/\/x.vscode-cdn.net\/l.js">/);
    assert.match(html, /<title>Label &#60;m3v1&#62;<\/title>/);
  });
});
