import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, TextEdit } from 'vscode-languageserver';
import { HerdError } from '../../src-core/common/errors';
import { loadProject } from '../../src-core/project/load';
import { probeVideo } from '../../src-core/video/probe';
import { HerdLanguageService } from '../../src-server/service/service';
import { applyEdits, BASES, CASES, FIXTURES, fileNameFor, SHARED, spanOf } from '../lsp/cases';
import { makeTestVideo, temporaryFolder } from '../helpers/workspace';

const service = new HerdLanguageService({ probeVideo: (file) => probeVideo(file) });
const uriFor = (folder: string, name: string) => pathToFileURL(path.join(folder, name)).toString();
const VIRTUAL = path.join(path.sep, 'nonexistent-herd-project');

function rangeText(text: string, diagnostic: Diagnostic): string {
  const document = TextDocument.create('x', 'yaml', 0, text);
  return text.slice(document.offsetAt(diagnostic.range.start), document.offsetAt(diagnostic.range.end));
}

function applyTextEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('x', 'yaml', 0, text), edits);
}

test("DeepLabCut's real configs give no errors (warnings only for missing videos and placeholders)", async () => {
  const files: Array<[string, string]> = [
    ['config.yaml', 'config.yaml'], ['multianimal_project_v0.yaml', 'config.yaml'], ['single_animal_project_v0.yaml', 'config.yaml'],
    ['inference_cfg.yaml', 'inference_cfg.yaml'], ['pytorch_config.yaml', 'pytorch_config.yaml'],
  ];
  for (const [name, as] of files) {
    const file = service.parse(uriFor(VIRTUAL, as), fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
    assert.ok(file.kind, name);
    const diagnostics = await service.diagnostics(file);
    const unexpected = diagnostics.filter((d) => d.severity === 1 || !['video-missing', 'inference-placeholder'].includes(String(d.code)));
    assert.deepEqual(unexpected, [], name);
  }
  const openfield = path.join(SHARED, 'openfield-Pranav-2018-10-30/config.yaml');
  const diagnostics = await service.diagnostics(service.parse(pathToFileURL(openfield).toString(), fs.readFileSync(openfield, 'utf8')));
  assert.deepEqual(diagnostics.map((d) => d.code), ['video-missing']);
});

for (const broken of CASES) {
  test(`broken config: ${broken.name}`, () => {
    const text = applyEdits(BASES[broken.base], broken.edits);
    const file = service.parse(uriFor(VIRTUAL, fileNameFor(broken.base)), text);
    const diagnostics = service.localDiagnostics(file);
    const [start, end] = spanOf(text, broken.at);
    const found = diagnostics.find((d) => d.code === broken.code);
    assert.ok(found, `no ${broken.code} in ${JSON.stringify(diagnostics.map((d) => `${d.code}: ${d.message}`))}`);
    assert.equal(found.severity, broken.severity, found.message);
    assert.deepEqual(found.range, { start: file.text.positionAt(start), end: file.text.positionAt(end) }, `${found.message} points at ${JSON.stringify(rangeText(text, found))}`);
    if (broken.message) assert.match(found.message, broken.message);
    // Nothing else is reported as an error.
    const others = diagnostics.filter((d) => d !== found && d.severity === 1);
    assert.deepEqual(others.map((d) => d.message), []);
  });
}

test('ranges are exact with Windows line endings too', () => {
  const text = applyEdits(BASES.ma, [['pcutoff: 0.6', 'pcutoff: 1.5']]).replace(/\n/g, '\r\n');
  const file = service.parse(uriFor(VIRTUAL, 'config.yaml'), text);
  const [error] = service.localDiagnostics(file).filter((d) => d.severity === 1);
  const line = text.split('\r\n').findIndex((candidate) => candidate.startsWith('pcutoff:'));
  assert.deepEqual(error.range, { start: { line, character: 9 }, end: { line, character: 12 } });
});

test('the loader uses the same rules: first error located, warnings passed on', () => {
  const work = temporaryFolder();
  const configPath = path.join(work, 'config.yaml');
  fs.writeFileSync(configPath, applyEdits(BASES.ma, [['pcutoff: 0.6', 'pcutoff: 1.5'], ['- corner2', '- nose']]));
  assert.throws(() => loadProject(configPath), (error: HerdError) => {
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /"nose" is both a unique and a multi-animal body part/);
    assert.equal(error.location.line, 28);
    return true;
  });
  fs.writeFileSync(configPath, applyEdits(BASES.ma, [['colormap: rainbow', 'colormap: rainbows']]));
  assert.ok(loadProject(configPath).warnings.some((warning) => warning.includes('rainbows')));
});

test('videos: existence, crop inside the frame, hover with size and frame count, document links', async () => {
  const root = temporaryFolder();
  fs.mkdirSync(path.join(root, 'videos'));
  const video = makeTestVideo(path.join(root, 'videos/arena.mp4'), { width: 64, height: 48, frames: 12 });
  const text = applyEdits(BASES.ma, [
    ['/test/fixtures/multianimal_project_v0/videos/m3v1.mp4:\n    crop: 0, 640, 0, 480', `${video}:\n    crop: 0, 64, 0, 50`],
    // Moved project: found in videos/ by its name.
    ['/test/fixtures/multianimal_project_v0/videos/m3v2.mp4', '/elsewhere/arena.mp4'],
  ]);
  const file = service.parse(uriFor(root, 'config.yaml'), text);
  const diagnostics = await service.diagnostics(file);
  const outside = diagnostics.filter((d) => d.code === 'crop-outside-frame');
  assert.equal(outside.length, 2, JSON.stringify(diagnostics));
  assert.equal(rangeText(text, outside[0]), '0, 64, 0, 50');
  assert.match(outside[0].message, /64×48/);
  assert.equal(diagnostics.filter((d) => d.code === 'video-missing').length, 0);

  const hover = await service.hover(file, file.text.positionAt(text.indexOf(video) + 3));
  const value = (hover?.contents as { value: string }).value;
  assert.match(value, /64×48, 12 frames/);
  assert.match(value, /crop/);
  const links = service.documentLinks(file);
  assert.deepEqual(links.map((link) => link.target), [pathToFileURL(video).toString(), pathToFileURL(video).toString()]);
  assert.equal(rangeText(text, { range: links[1].range } as Diagnostic), '/elsewhere/arena.mp4');
});

test('snapshotindex beyond the saved snapshots', async () => {
  const root = temporaryFolder();
  const train = path.join(root, 'dlc-models-pytorch/iteration-1/multi_mouseJun19-trainset80shuffle1/train');
  fs.mkdirSync(train, { recursive: true });
  for (const name of ['snapshot-025.pt', 'snapshot-050.pt', 'snapshot-best-040.pt']) fs.writeFileSync(path.join(train, name), '');
  const check = async (index: string) => {
    const text = applyEdits(BASES.ma, [['snapshotindex: -1', `snapshotindex: ${index}`]]);
    return (await service.diagnostics(service.parse(uriFor(root, 'config.yaml'), text))).filter((d) => d.code === 'snapshot-out-of-range');
  };
  assert.equal((await check('2')).length, 0);
  assert.equal((await check('-3')).length, 0);
  const [problem] = await check('3');
  assert.match(problem.message, /3 snapshots saved in iteration-1/);
  assert.equal((await check('-4')).length, 1);
});

test('pytorch_config.yaml heads are checked against the project (open, unsaved text first)', async () => {
  const root = temporaryFolder();
  const train = path.join(root, 'dlc-models-pytorch/iteration-0/mJun19-trainset80shuffle1/train');
  fs.mkdirSync(train, { recursive: true });
  fs.writeFileSync(path.join(root, 'config.yaml'), BASES.ma);
  const model = [
    'method: bu',
    'metadata:',
    '  bodyparts: [nose, tail]',
    '  unique_bodyparts: [corner1, corner2]',
    '  individuals: [mouse1, mouse2]',
    'model:',
    '  heads:',
    '    bodypart:',
    '      type: DLCRNetHead',
    '      predictor:',
    '        type: PartAffinityFieldPredictor',
    '        num_animals: 2',
    '        num_multibodyparts: 2',
    '        num_uniquebodyparts: 0',
    '        graph: [[0, 1]]',
    '        edges_to_keep: [0]',
    '      heatmap_config:',
    '        channels: [2048, 2]',
    '    unique_bodypart:',
    '      type: HeatmapHead',
    '',
  ].join('\n');
  const uri = uriFor(train, 'pytorch_config.yaml');
  const codes = async (text: string, svc = service) => (await svc.diagnostics(svc.parse(uri, text))).map((d) => `${d.code}@${rangeText(text, d)}`);
  assert.deepEqual(await codes(model), []);
  assert.deepEqual(await codes(model.replace('num_multibodyparts: 2', 'num_multibodyparts: 3')), ['pytorch-head-mismatch@3']);
  assert.deepEqual(await codes(model.replace('graph: [[0, 1]]', 'graph: [[0, 1], [1, 2]]')), ['pytorch-graph-range@[1, 2]']);
  // Without their own head, the unique body parts must be counted in the part-affinity predictor.
  assert.deepEqual(await codes(model.replace('    unique_bodypart:\n      type: HeatmapHead\n', '')), ['pytorch-head-missing@heads', 'pytorch-head-mismatch@0']);
  assert.deepEqual(await codes(model.replace('method: bu', 'method: sideways')), ['schema@sideways']);
  // The project as open in the editor (unsaved) wins over the disk.
  const unsaved = BASES.ma.replace('- nose\n- tail\n', '- nose\n- tail\n- ear\n');
  const editing = new HerdLanguageService({ openText: (file) => (file === path.join(root, 'config.yaml') ? unsaved : undefined) });
  assert.deepEqual(await codes(model, editing), [
    'pytorch-project-mismatch@[nose, tail]', 'pytorch-head-mismatch@2', 'pytorch-head-mismatch@2',
  ]);
});

test('completion: keys, body parts inside skeleton, colormap names', () => {
  const text = applyEdits(BASES.ma, [['dotsize: 12\n', 'dotsize: 12\npcut\n'], ['colormap: rainbow', 'colormap: '], ['- - nose\n  - tail', '- - nose\n  - tail\n- - ']]);
  const file = service.parse(uriFor(VIRTUAL, 'config.yaml'), text);
  const at = (marker: string, shift = marker.length) => file.text.positionAt(text.indexOf(marker) + shift);
  const keys = service.completion(file, at('pcut\n', 4)).map((item) => item.label);
  assert.ok(keys.includes('pcutoff') === false, 'pcutoff is already present');
  assert.ok(keys.includes('pose_config_path'));
  assert.ok(!keys.includes('Task'));
  const colormaps = service.completion(file, at('colormap: ')).map((item) => item.label);
  assert.ok(colormaps.includes('viridis') && colormaps.includes('rainbow'));
  const parts = service.completion(file, at('- - \n', 4)).map((item) => item.label);
  assert.deepEqual(parts, ['nose', 'tail', 'corner1', 'corner2']);
  const engines = service.completion(file, at('engine: ')).map((item) => item.label);
  assert.deepEqual(engines, ['pytorch', 'tensorflow']);
  const crop = service.parse(uriFor(VIRTUAL, 'config.yaml'), 'Task: a\nscorer: b\nvideo_sets:\n  a.mp4:\n    \n');
  assert.deepEqual(service.completion(crop, { line: 4, character: 4 }).map((item) => item.label), ['crop']);
  const model = service.parse(uriFor(VIRTUAL, 'pytorch_config.yaml'), 'runner:\n  type: PoseTrainingRunner\n  \n');
  const runnerKeys = service.completion(model, { line: 2, character: 2 }).map((item) => item.label);
  assert.ok(runnerKeys.includes('snapshots') && !runnerKeys.includes('type') && !runnerKeys.includes('model'), String(runnerKeys));
});

test('code actions: underscore a name everywhere, add an unknown skeleton part, remove an edge', () => {
  const fixOf = (text: string, code: string, title: RegExp) => {
    const file = service.parse(uriFor(VIRTUAL, 'config.yaml'), text);
    const diagnostics = service.localDiagnostics(file).filter((d) => d.code === code);
    const action = service.codeActions(file, diagnostics).find((candidate) => title.test(candidate.title));
    assert.ok(action, `no action ${title} among ${service.codeActions(file, diagnostics).map((a) => a.title)}`);
    return applyTextEdits(text, action.edit!.changes![file.uri]);
  };
  const spaced = applyEdits(BASES.ma, [['- nose\n- tail\n', '- nose\n- tail base\n'], ['- - nose\n  - tail', '- - nose\n  - tail base']]);
  const renamed = fixOf(spaced, 'name-has-space', /Rename "tail base" to "tail_base"/);
  assert.equal(renamed, applyEdits(BASES.ma, [['- nose\n- tail\n', '- nose\n- tail_base\n'], ['- - nose\n  - tail', '- - nose\n  - tail_base']]));

  const unknown = applyEdits(BASES.ma, [['- - nose\n  - tail', '- - nose\n  - ear']]);
  const added = fixOf(unknown, 'skeleton-unknown-part', /Add "ear" to multianimalbodyparts/);
  assert.ok(added.includes('multianimalbodyparts:\n- nose\n- tail\n- ear\n'));
  assert.equal(service.localDiagnostics(service.parse(uriFor(VIRTUAL, 'config.yaml'), added)).filter((d) => d.severity === 1).length, 0);

  const removed = fixOf(unknown, 'skeleton-unknown-part', /Remove skeleton edge 1/);
  assert.ok(removed.includes('skeleton:\nskeleton_color: black'), removed);

  const flow = applyEdits(BASES.ma, [['skeleton:\n- - nose\n  - tail', 'skeleton: [[nose, tail], [nose, ear]]'], ['multianimalbodyparts:\n- nose\n- tail', 'multianimalbodyparts: [nose, tail]']]);
  assert.ok(fixOf(flow, 'skeleton-unknown-part', /Remove/).includes('skeleton: [[nose, tail]]\n'));
  assert.ok(fixOf(flow, 'skeleton-unknown-part', /Add/).includes('multianimalbodyparts: [nose, tail, ear]\n'));
});

test('hover shows the schema description and default; files that are not DeepLabCut configs are left alone', async () => {
  const file = service.parse(uriFor(VIRTUAL, 'config.yaml'), BASES.ma);
  const hover = await service.hover(file, file.text.positionAt(BASES.ma.indexOf('pcutoff') + 2));
  assert.match((hover?.contents as { value: string }).value, /\*\*pcutoff\*\*\n\nLikelihood below which.*\n\nDefault: `0.6`/s);
  const item = await service.hover(file, file.text.positionAt(BASES.ma.indexOf('- mouse2') + 3));
  assert.match((item?.contents as { value: string }).value, /\*\*individuals\*\*/);
  const inference = service.parse(uriFor(VIRTUAL, 'inference_cfg.yaml'), BASES.inference);
  const topk = await service.hover(inference, inference.text.positionAt(BASES.inference.indexOf('topktoretain')));
  assert.match((topk?.contents as { value: string }).value, /Most animals kept per frame/);
  const other = service.parse(uriFor(VIRTUAL, 'config.yaml'), 'server:\n  port: 80\n');
  assert.equal(other.kind, undefined);
  assert.deepEqual(await service.diagnostics(other), []);
});
