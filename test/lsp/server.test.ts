import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeAction, CompletionItem, CompletionList, Diagnostic, DocumentLink, Hover } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient } from '../../src-server/lsp-client';
import { makeTestVideo, temporaryFolder } from '../helpers/workspace';
import { applyEdits, BASES, CASES, FIXTURES, fileNameFor, SHARED, spanOf } from './cases';

// Tier 2: the built server (dist/server.js, as `npm run build` makes it) over JSON-RPC on stdio.
const SERVER = path.resolve(__dirname, '../../dist/server.js');
let client: LspClient;
let work: string;
let counter = 0;

before(async () => {
  assert.ok(fs.existsSync(SERVER), 'dist/server.js is missing: run `npm run build` first');
  client = await LspClient.start(SERVER);
  work = temporaryFolder('herd-lsp-');
});
after(async () => client?.stop());

/** A fresh folder per document, so each config is its own project. */
function uriIn(name: string): string {
  const folder = path.join(work, `doc${++counter}`);
  fs.mkdirSync(folder, { recursive: true });
  return pathToFileURL(path.join(folder, name)).toString();
}
const labels = (result: CompletionItem[] | CompletionList | null) => (Array.isArray(result) ? result : result?.items ?? []).map((item) => item.label);

test("DeepLabCut's real configs: no errors over LSP", async () => {
  const files: Array<[string, string]> = [
    ['config.yaml', 'config.yaml'], ['multianimal_project_v0.yaml', 'config.yaml'], ['single_animal_project_v0.yaml', 'config.yaml'],
    ['inference_cfg.yaml', 'inference_cfg.yaml'], ['pytorch_config.yaml', 'pytorch_config.yaml'],
    ['../openfield-Pranav-2018-10-30/config.yaml', 'config.yaml'],
  ];
  for (const [name, as] of files) {
    const diagnostics = await client.open(uriIn(as), fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
    assert.deepEqual(diagnostics.filter((d) => d.severity === 1), [], name);
    assert.ok(diagnostics.every((d) => ['video-missing', 'inference-placeholder'].includes(String(d.code))), name);
  }
  assert.ok(fs.existsSync(SHARED));
});

test('broken configs (a representative set of the table) give their diagnostic at the exact range', async () => {
  const chosen = CASES.filter((_, index) => index % 4 === 0);
  assert.ok(chosen.length >= 12);
  for (const broken of chosen) {
    const text = applyEdits(BASES[broken.base], broken.edits);
    const diagnostics = await client.open(uriIn(fileNameFor(broken.base)), text);
    const document = TextDocument.create('x', 'yaml', 1, text);
    const [start, end] = spanOf(text, broken.at);
    const found = diagnostics.find((d) => d.code === broken.code);
    assert.ok(found, `${broken.name}: ${JSON.stringify(diagnostics)}`);
    assert.deepEqual(found.range, { start: document.positionAt(start), end: document.positionAt(end) }, broken.name);
    assert.equal(found.severity, broken.severity, broken.name);
  }
});

test('edits to an open, unsaved document are validated (incremental didChange)', async () => {
  const uri = uriIn('config.yaml');
  const text = BASES.ma;
  assert.deepEqual((await client.open(uri, text)).filter((d) => d.severity === 1), []);
  const line = text.split('\n').findIndex((candidate) => candidate.startsWith('pcutoff:'));
  const broken = await client.change(uri, { range: { start: { line, character: 9 }, end: { line, character: 12 } }, text: '7' });
  const errors = broken.filter((d) => d.severity === 1);
  assert.equal(errors.length, 1);
  assert.deepEqual(errors[0].range, { start: { line, character: 9 }, end: { line, character: 10 } });
  assert.match(errors[0].message, /pcutoff/);
  const fixed = await client.change(uri, { range: { start: { line, character: 9 }, end: { line, character: 10 } }, text: '0.5' });
  assert.deepEqual(fixed.filter((d) => d.severity === 1), []);
  // A YAML syntax error is a diagnostic too.
  const syntax = await client.change(uri, { text: `${text}\nbad: [1, 2\n` });
  assert.equal(syntax[0].code, 'yaml-BAD_INDENT');
  assert.equal(fs.existsSync(new URL(uri)), false, 'the server never writes the file');
});

test('hover: schema description, and a video path shows its size and frame count; document links', async () => {
  const root = path.join(work, 'project');
  fs.mkdirSync(path.join(root, 'videos'), { recursive: true });
  const video = makeTestVideo(path.join(root, 'videos/arena.mp4'), { width: 80, height: 60, frames: 15 });
  const text = applyEdits(BASES.ma, [
    ['/test/fixtures/multianimal_project_v0/videos/m3v1.mp4:\n    crop: 0, 640, 0, 480', `${video}:\n    crop: 0, 80, 0, 60`],
    ['/test/fixtures/multianimal_project_v0/videos/m3v2.mp4:\n    crop: 0, 640, 0, 480', `${path.join(root, 'videos/gone.mp4')}:\n    crop: 0, 100, 0, 60`],
  ]);
  const uri = pathToFileURL(path.join(root, 'config.yaml')).toString();
  await client.open(uri, text);
  // The probe takes a moment: the text's problems may come first, then the full list.
  const { diagnostics } = await client.waitFor(uri, (params) => params.diagnostics.length > 0);
  assert.deepEqual(diagnostics.map((d) => d.code), ['video-missing']);
  const document = TextDocument.create(uri, 'yaml', 1, text);
  const hoverAt = (offset: number) => client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: document.positionAt(offset) });
  const videoHover = await hoverAt(text.indexOf(video) + 5);
  assert.match((videoHover?.contents as { value: string }).value, /80×60, 15 frames/);
  const keyHover = await hoverAt(text.indexOf('numframes2pick'));
  assert.match((keyHover?.contents as { value: string }).value, /Number of frames extracted per video.*Default: `20`/s);
  const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } });
  assert.deepEqual(links.map((link) => link.target), [pathToFileURL(video).toString()]);
  // The missing video appears on disk, but smaller than its crop: the watcher's event re-checks the open config.
  const gone = makeTestVideo(path.join(root, 'videos/gone.mp4'), { width: 90, height: 60, frames: 3 });
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(gone).toString(), type: 1 }] });
  const after = await client.waitFor(uri, (params) => params.diagnostics.some((d) => d.code === 'crop-outside-frame'));
  assert.deepEqual(after.diagnostics.map((d) => `${d.code}: ${d.message}`), ['crop-outside-frame: crop "0, 100, 0, 60" reaches outside the video\'s 90×60 frame']);
});

test('completion over LSP: keys, body parts in skeleton, colormap names', async () => {
  const text = applyEdits(BASES.ma, [['colormap: rainbow', 'colormap: '], ['- - nose\n  - tail', '- - nose\n  - tail\n- - '], ['dotsize: 12\n', 'dotsize: 12\n\n']]);
  const uri = uriIn('config.yaml');
  await client.open(uri, text);
  const document = TextDocument.create(uri, 'yaml', 1, text);
  const complete = (offset: number) => client.request<CompletionItem[] | CompletionList | null>('textDocument/completion', { textDocument: { uri }, position: document.positionAt(offset) });
  assert.ok(labels(await complete(text.indexOf('colormap: ') + 10)).includes('viridis'));
  assert.deepEqual(labels(await complete(text.indexOf('- - \n') + 4)), ['nose', 'tail', 'corner1', 'corner2']);
  const keys = labels(await complete(text.indexOf('dotsize: 12\n\n') + 12));
  assert.ok(keys.includes('default_net_type') === false && keys.includes('pose_config_path'));
});

test('code actions over LSP: replace spaces, add the unknown part, remove the edge', async () => {
  const text = applyEdits(BASES.ma, [['- mouse2', '- mouse 2'], ['- - nose\n  - tail', '- - nose\n  - tail\n- - nose\n  - ear']]);
  const uri = uriIn('config.yaml');
  const diagnostics: Diagnostic[] = await client.open(uri, text);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    context: { diagnostics },
  });
  assert.deepEqual(actions.map((action) => action.title), ['Rename "mouse 2" to "mouse_2"', 'Add "ear" to multianimalbodyparts', 'Remove skeleton edge 2']);
  const apply = (action: CodeAction) => TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), action.edit!.changes![uri]);
  assert.ok(apply(actions[0]).includes('- mouse1\n- mouse_2\n'));
  assert.ok(apply(actions[1]).includes('multianimalbodyparts:\n- nose\n- tail\n- ear\n'));
  assert.ok(apply(actions[2]).includes('- - nose\n  - tail\nskeleton_color'));
  // Applying all three leaves no errors.
  const fixedText = applyEdits(text, [['- mouse 2', '- mouse_2'], ['- nose\n- tail\n\n', '- nose\n- tail\n- ear\n\n']]);
  const fixed = await client.change(uri, { text: fixedText });
  assert.deepEqual(fixed.filter((d) => d.severity === 1), []);
});
