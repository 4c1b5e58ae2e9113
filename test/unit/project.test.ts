import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parse, parseDocument } from 'yaml';
import { HerdError } from '../../src-core/common/errors';
import { addVideos, createProject } from '../../src-core/project/create';
import { editConfig, parseEditArgument } from '../../src-core/project/edit';
import { loadProject } from '../../src-core/project/load';
import { projectVideos } from '../../src-core/project/videos';
import { listTree, makeTestVideo, SHARED_DATA, temporaryFolder } from '../helpers/workspace';

const FIXTURES = path.join(SHARED_DATA, 'dlc-config-fixtures');
const DATE = new Date('2026-11-05T12:00:00Z');

async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: string, fileFragment?: string) {
  await assert.rejects(async () => (typeof promise === 'function' ? promise() : promise), (error: unknown) => {
    assert.ok(error instanceof HerdError, `expected a HerdError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (fileFragment) assert.ok(String(error.location.file ?? '').includes(fileFragment), `location ${error.location.file}`);
    return true;
  });
}

test('create-project writes the same config keys, in the same order, as DeepLabCut multi-animal projects', async () => {
  const work = temporaryFolder();
  const video = makeTestVideo(path.join(work, 'arena1.mp4'), { width: 64, height: 48 });
  const created = await createProject({ task: 'mice', experimenter: 'ana', videos: [video], workingDirectory: work, date: DATE });
  assert.equal(created.root, path.join(work, 'mice-ana-2026-11-05'));
  for (const folder of ['videos', 'labeled-data/arena1', 'training-datasets', 'dlc-models-pytorch']) {
    assert.ok(fs.statSync(path.join(created.root, folder)).isDirectory(), folder);
  }
  assert.ok(fs.lstatSync(path.join(created.root, 'videos/arena1.mp4')).isSymbolicLink());

  const ours = parse(fs.readFileSync(created.configPath, 'utf8'));
  const dlc = parse(fs.readFileSync(path.join(FIXTURES, 'multianimal_project_v0.yaml'), 'utf8'));
  assert.deepEqual(Object.keys(ours), Object.keys(dlc));
  assert.equal(ours.bodyparts, 'MULTI!');
  assert.equal(ours.date, 'Nov5');
  assert.equal(ours.project_path, created.root);
  assert.deepEqual(ours.video_sets, { [path.join(created.root, 'videos/arena1.mp4')]: { crop: '0, 64, 0, 48' } });
  // The section comments are there, as DeepLabCut writes them.
  const text = fs.readFileSync(created.configPath, 'utf8');
  assert.match(text, /^# Project definitions \(do not edit\)\nTask: mice/m);
  assert.match(text, /^# Training,Evaluation and Analysis configuration$/m);
  assert.equal(loadProject(created.configPath).individuals.length, 3);
});

test('create-project copies videos when asked and accepts folders with a videotype', async () => {
  const work = temporaryFolder();
  fs.mkdirSync(path.join(work, 'raw'));
  makeTestVideo(path.join(work, 'raw/a.mp4'));
  makeTestVideo(path.join(work, 'raw/b.avi'));
  const created = await createProject({
    task: 'pair', experimenter: 'bo', videos: [path.join(work, 'raw')], videotype: 'mp4', copyVideos: true,
    workingDirectory: work, date: DATE, individuals: ['m1', 'm2'], bodyparts: ['nose', 'tail'],
  });
  assert.deepEqual(created.videos.map((v) => path.basename(v.path)), ['a.mp4']);
  assert.ok(fs.lstatSync(path.join(created.root, 'videos/a.mp4')).isFile());
  const project = loadProject(created.root);
  assert.deepEqual(project.individuals, ['m1', 'm2']);
  assert.deepEqual(project.bodyparts, ['nose', 'tail']);
  assert.deepEqual(project.config.skeleton, []);
});

test('bad input gives a located error and leaves no partial project', async () => {
  const work = temporaryFolder();
  const good = makeTestVideo(path.join(work, 'good.mp4'));
  fs.writeFileSync(path.join(work, 'notes.mp4'), 'this is not a video\n');
  const before = listTree(work);
  await rejectsWith(createProject({ task: 't', experimenter: 'e', videos: [good, path.join(work, 'missing.mp4')], workingDirectory: work }), 'VIDEO_NOT_FOUND', 'missing.mp4');
  await rejectsWith(createProject({ task: 't', experimenter: 'e', videos: [good, path.join(work, 'notes.mp4')], workingDirectory: work }), 'NOT_A_VIDEO', 'notes.mp4');
  await rejectsWith(createProject({ task: 't', experimenter: 'e', videos: [work], videotype: '.avi', workingDirectory: work }), 'NO_VIDEOS');
  await rejectsWith(createProject({ task: 'a/b', experimenter: 'e', videos: [good], workingDirectory: work }), 'USAGE');
  assert.deepEqual(listTree(work), before, 'nothing was created');

  await createProject({ task: 't', experimenter: 'e', videos: [good], workingDirectory: work, date: DATE });
  const afterFirst = listTree(work);
  await rejectsWith(createProject({ task: 't', experimenter: 'e', videos: [good], workingDirectory: work, date: DATE }), 'PROJECT_EXISTS');
  assert.deepEqual(listTree(work), afterFirst);
});

test('add-videos updates video_sets with the probed crop and keeps the comments', async () => {
  const work = temporaryFolder();
  const first = makeTestVideo(path.join(work, 'first.mp4'));
  const created = await createProject({ task: 'm', experimenter: 'e', videos: [first], workingDirectory: work, date: DATE });
  const second = makeTestVideo(path.join(work, 'second.mp4'), { width: 80, height: 60 });
  const result = await addVideos(created.configPath, [second, first]);
  assert.deepEqual(result.skipped, [first]);
  const text = fs.readFileSync(created.configPath, 'utf8');
  assert.match(text, /# Plotting configuration/);
  const sets = parse(text).video_sets;
  assert.equal(sets[path.join(created.root, 'videos/second.mp4')].crop, '0, 80, 0, 60');
  assert.ok(fs.existsSync(path.join(created.root, 'labeled-data/second')));
  const bad = path.join(work, 'bad.avi');
  fs.writeFileSync(bad, 'RIFF not really');
  await rejectsWith(addVideos(created.configPath, [bad]), 'NOT_A_VIDEO', 'bad.avi');
  assert.equal(fs.readFileSync(created.configPath, 'utf8'), text, 'config untouched after a failed add');
  assert.equal(projectVideos(loadProject(created.configPath)).length, 2);
});

test('edit-config keeps comments and key order, and refuses invalid results', () => {
  const work = temporaryFolder();
  const configPath = path.join(work, 'config.yaml');
  const original = fs.readFileSync(path.join(FIXTURES, 'multianimal_project_v0.yaml'), 'utf8');
  fs.writeFileSync(configPath, original);
  editConfig(configPath, [parseEditArgument('pcutoff=0.4'), parseEditArgument('individuals=[a, b, c]'), parseEditArgument('newkey.inner=1')]);
  const edited = fs.readFileSync(configPath, 'utf8');
  const comments = (text: string) => text.split('\n').filter((line) => line.trimStart().startsWith('#'));
  assert.deepEqual(comments(edited), comments(original));
  const before = parse(original);
  const after = parse(edited);
  assert.deepEqual(Object.keys(after), [...Object.keys(before), 'newkey']);
  assert.equal(after.pcutoff, 0.4);
  assert.deepEqual(after.individuals, ['a', 'b', 'c']);
  assert.deepEqual(after.newkey, { inner: 1 });
  // Lines that were not edited are byte-identical.
  assert.ok(edited.includes('# Refinement configuration (parameters from annotation dataset configuration also relevant in this stage)\ncorner2move2:\n- 50\n- 50'));

  assert.throws(() => editConfig(configPath, [parseEditArgument('start=2')]), (error: HerdError) => {
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.location.file, configPath);
    assert.equal(error.location.line, edited.split('\n').findIndex((l) => l.startsWith('start:')) + 1);
    return true;
  });
  assert.equal(fs.readFileSync(configPath, 'utf8'), edited, 'an invalid edit writes nothing');
  assert.equal(fs.readdirSync(work).length, 1, 'no temp files left');
});

test('a config with bad YAML gives an error at its line and column', () => {
  const work = temporaryFolder();
  const configPath = path.join(work, 'config.yaml');
  fs.writeFileSync(configPath, 'Task: mice\nscorer: ana\nvideo_sets:\n  a.mp4: {crop: 0, 64, 0, 48\nbodyparts: MULTI!\n');
  assert.throws(() => loadProject(configPath), (error: HerdError) => {
    assert.equal(error.code, 'CONFIG_YAML');
    assert.equal(error.location.file, configPath);
    assert.ok(error.location.line !== undefined && error.location.line >= 4, `line ${error.location.line}`);
    assert.match(error.describe(), /config\.yaml:\d+:\d+: invalid YAML/);
    return true;
  });
  fs.writeFileSync(configPath, 'Task: mice\nscorer: ana\nmultianimalproject: true\nbodyparts:\n- nose\n');
  assert.throws(() => loadProject(configPath), (error: HerdError) => error.code === 'CONFIG_INVALID' && error.location.line === 5);
  assert.throws(() => loadProject(path.join(work, 'nope.yaml')), (error: HerdError) => error.code === 'CONFIG_NOT_FOUND');
});

test("DeepLabCut's openfield example project loads as it is (single animal, placeholder paths)", () => {
  const project = loadProject(path.join(SHARED_DATA, 'openfield-Pranav-2018-10-30'));
  assert.equal(project.multiAnimal, false);
  assert.deepEqual(project.bodyparts, ['snout', 'leftear', 'rightear', 'tailbase']);
  assert.deepEqual(project.individuals, []);
  assert.equal(project.config.scorer, 'Pranav');
  assert.ok(project.warnings.some((w) => w.includes('project_path')));
  const [video] = projectVideos(project);
  assert.deepEqual(video.crop, { x1: 0, x2: 640, y1: 0, y2: 480 });
  assert.equal(video.path, undefined, 'the placeholder path does not resolve');
  // Every DeepLabCut fixture config loads too.
  for (const name of ['config.yaml', 'multianimal_project_v0.yaml', 'single_animal_project_v0.yaml']) {
    const doc = parseDocument(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
    assert.equal(doc.errors.length, 0);
    assert.ok(loadProject(path.join(FIXTURES, name)).config.Task, name);
  }
});

test('configs with mistakes DeepLabCut tolerates still load, with the mistakes as warnings', () => {
  const work = temporaryFolder();
  const configPath = path.join(work, 'config.yaml');
  const text = fs.readFileSync(path.join(FIXTURES, 'multianimal_project_v0.yaml'), 'utf8')
    .replace('- - nose\n  - tail', '- - nose\n  - tail tip')
    .replace('- mouse2', '- mouse 2');
  fs.writeFileSync(configPath, text);
  const project = loadProject(configPath);
  assert.deepEqual(project.individuals, ['mouse1', 'mouse 2']);
  assert.ok(project.warnings.some((w) => w.includes('tail tip')), project.warnings.join('\n'));
  assert.ok(project.warnings.some((w) => w.includes('mouse 2')), project.warnings.join('\n'));
});
