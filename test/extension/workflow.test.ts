import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  buildArgs,
  ERROR_LINE,
  herdArgv,
  herdEnv,
  isProjectConfigText,
  outputHint,
  stepByCli,
  stepById,
  taskDefinition,
  taskLabel,
  WORKFLOW_STEPS,
} from '../../src-extension/workflow';
import { COMMANDS } from '../../src-core/cli/registry';

const config = '/p/config.yaml';

test('every workflow step that runs herd names a command the CLI knows', () => {
  for (const step of WORKFLOW_STEPS) {
    if (!step.cli) continue;
    assert.ok(COMMANDS.has(step.cli), `${step.id}: herd ${step.cli} is unknown to the CLI`);
  }
  assert.equal(new Set(WORKFLOW_STEPS.map((step) => step.id)).size, WORKFLOW_STEPS.length);
});

test('the issue\'s workflow steps are all offered', () => {
  const ids = WORKFLOW_STEPS.map((step) => step.id);
  for (const id of ['createProject', 'addVideos', 'editConfig', 'extractFrames', 'labelFrames', 'checkLabels', 'createTrainingDataset', 'trainNetwork', 'evaluateNetwork', 'openEvaluationResults', 'analyzeVideos', 'convertDetectionsToTracklets', 'stitchTracklets', 'refineTracklets', 'filterPredictions', 'plotTrajectories', 'createLabeledVideo', 'extractOutlierFrames', 'mergeDatasets', 'runDemo']) {
    assert.ok(ids.includes(id), id);
  }
});

test('create-project arguments: positionals, then options in the CLI\'s names', () => {
  const args = buildArgs(stepById('createProject'), {
    projectName: 'openfield',
    experimenter: 'ana',
    videos: ['/v/a.mp4', '/v/b.mp4'],
    workingDirectory: '/work',
    copyVideos: true,
    multiAnimal: false,
    individuals: ['m1', 'm2'],
  });
  assert.deepEqual(args, ['openfield', 'ana', '/v/a.mp4', '/v/b.mp4', '--working-directory', '/work', '--copy-videos', '--no-multianimal', '--individuals', 'm1,m2']);
  assert.throws(() => buildArgs(stepById('createProject'), { projectName: 'x', experimenter: 'y' }), /at least one video/);
  assert.throws(() => buildArgs(stepById('createProject'), { experimenter: 'y', videos: ['/a.mp4'] }), /project name/);
});

test('project steps take config.yaml first; videos, shuffle and tracker where the step uses them', () => {
  assert.deepEqual(buildArgs(stepById('extractFrames'), { config }), [config]);
  assert.deepEqual(buildArgs(stepById('extractFrames'), { config, videos: ['/p/videos/a.mp4', '/p/videos/b.mp4'], algo: 'uniform' }), [config, '--algo', 'uniform', '--videos', '/p/videos/a.mp4,/p/videos/b.mp4']);
  assert.deepEqual(buildArgs(stepById('addVideos'), { config, videos: ['/v/c.mp4'], copyVideos: true }), [config, '/v/c.mp4', '--copy-videos']);
  assert.deepEqual(buildArgs(stepById('trainNetwork'), { config, shuffle: 2, trackMethod: 'box' }), [config, '--shuffle', '2']);
  assert.deepEqual(buildArgs(stepById('evaluateNetwork'), { config, shuffle: 3 }), [config, '--shuffles', '3']);
  assert.deepEqual(buildArgs(stepById('analyzeVideos'), { config, videos: ['/v/a.mp4'], shuffle: 1, trackMethod: 'ellipse', autoTrack: false }), [config, '/v/a.mp4', '--shuffle', '1', '--track-method', 'ellipse', '--no-auto-track']);
  assert.deepEqual(buildArgs(stepById('stitchTracklets'), { config, videos: ['/v/a.mp4'], shuffle: 1, trackMethod: 'box', autoTrack: true }), [config, '/v/a.mp4', '--shuffle', '1', '--track-method', 'box']);
  assert.deepEqual(buildArgs(stepById('checkLabels'), { config, shuffle: 3 }), [config]);
  // A table saved by the refinement panel (its tree item): --refined, and --filtered where the step draws one.
  assert.deepEqual(buildArgs(stepById('createLabeledVideo'), { config, videos: ['/v/a.mp4'], trackMethod: 'ellipse', refined: true, filtered: true }), [config, '/v/a.mp4', '--track-method', 'ellipse', '--refined', '--filtered']);
  assert.deepEqual(buildArgs(stepById('filterPredictions'), { config, videos: ['/v/a.mp4'], refined: true, filtered: true }), [config, '/v/a.mp4', '--refined']);
  assert.deepEqual(buildArgs(stepById('extractOutlierFrames'), { config, videos: ['/v/a.mp4'], refined: true }), [config, '/v/a.mp4', '--refined']);
  assert.deepEqual(buildArgs(stepById('trainNetwork'), { config, refined: true }), [config]);
  assert.deepEqual(buildArgs(stepById('probeVideos'), { config, videos: ['/v/a.mp4'] }), ['/v/a.mp4']);
  assert.deepEqual(buildArgs(stepById('runDemo'), { directory: 'd', frames: 60 }), ['--dir', 'd', '--frames', '60']);
  assert.deepEqual(buildArgs(stepById('importSleap'), { slp: '/d/a.slp', experimenter: 'e', projectName: 'a', workingDirectory: '/w' }), ['/d/a.slp', 'e', '--project', 'a', '--working-directory', '/w']);
  assert.throws(() => buildArgs(stepById('trainNetwork'), {}), /config\.yaml/);
  assert.throws(() => buildArgs(stepById('editConfig'), { config }), /does not run a herd command/);
});

test('the arguments built for every working command are accepted by the CLI (herd <command> … --help parses them)', () => {
  // Steps whose command is still planned join this check by themselves once the engine registers them.
  const herd = path.resolve('dist/herd.js');
  const script = fs.existsSync(herd) ? [herd] : ['--import', 'tsx', path.resolve('src-core/cli/main.ts')];
  const everything = {
    config,
    videos: ['/v/a.mp4'],
    shuffle: 1,
    trackMethod: 'ellipse',
    autoTrack: true,
    algo: 'uniform',
    projectName: 'p',
    experimenter: 'e',
    workingDirectory: '/w',
    copyVideos: true,
    multiAnimal: false,
    individuals: ['a'],
    slp: '/d/a.slp',
    directory: 'x',
    frames: 30,
    refined: true,
    filtered: true,
  };
  const checked: string[] = [];
  for (const step of WORKFLOW_STEPS) {
    if (!step.cli || !COMMANDS.has(step.cli)) continue;
    const definition = taskDefinition(step, everything);
    const run = spawnSync(process.execPath, [...script, ...herdArgv('herd.js', definition).slice(1), '--help'], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${definition.command} ${definition.args?.join(' ')}: ${run.stderr}`);
    checked.push(step.cli);
  }
  assert.ok(checked.length >= 6, checked.join(', '));
});

test('task definitions: type herd, argv for node, a short label, the environment', () => {
  const definition = taskDefinition(stepById('extractFrames'), { config, videos: ['/p/videos/a.mp4'] }, '/p');
  assert.deepEqual(definition, { type: 'herd', command: 'extract-frames', args: [config, '--videos', '/p/videos/a.mp4'], cwd: '/p' });
  assert.deepEqual(herdArgv('/ext/dist/herd.js', definition), ['/ext/dist/herd.js', 'extract-frames', config, '--videos', '/p/videos/a.mp4']);
  assert.equal(taskLabel(definition), 'extract-frames config.yaml --videos a.mp4');
  // tasks.json style: config given separately is put first, once.
  assert.deepEqual(herdArgv('/h.js', { type: 'herd', command: 'train', config, args: ['--shuffle', '1'] }), ['/h.js', 'train', config, '--shuffle', '1']);
  assert.deepEqual(herdArgv('/h.js', { type: 'herd', command: 'train', config, args: [config] }), ['/h.js', 'train', config]);
  assert.equal(taskLabel({ type: 'herd', command: 'train', config, args: ['--shuffle', '1'] }), 'train config.yaml --shuffle 1');
  assert.equal(taskLabel({ type: 'herd', command: 'train', config, args: [config] }), 'train config.yaml');
  assert.deepEqual(herdEnv({ ffmpegPath: '/opt/ffmpeg', device: 'auto' }, true), { ELECTRON_RUN_AS_NODE: '1', HERD_FFMPEG: '/opt/ffmpeg' });
  assert.deepEqual(herdEnv({ device: 'gpu' }, false), { HERD_DEVICE: 'gpu' });
  assert.equal(stepByCli('analyze')?.id, 'analyzeVideos');
});

test('output hints: where the "Open" action goes when a job succeeds', () => {
  assert.equal(outputHint(stepById('extractFrames'), { config, videos: ['/p/videos/a.mp4'] }, '/p', '/p'), '/p/labeled-data/a');
  assert.equal(outputHint(stepById('extractFrames'), { config }, '/p', '/p'), '/p/labeled-data');
  assert.equal(outputHint(stepById('trainNetwork'), { config }, '/p', '/p'), '/p/dlc-models-pytorch');
  assert.equal(outputHint(stepById('runDemo'), {}, undefined, '/w'), '/w/herd-demo');
  assert.equal(outputHint(stepById('createProject'), { workingDirectory: '/w/sub' }, undefined, '/w'), '/w/sub');
  assert.equal(outputHint(stepById('plotTrajectories'), { config, videos: ['/v/a.mp4'] }, '/p', '/p'), '/v/plot-poses');
  assert.equal(outputHint(stepById('probeVideos'), { videos: ['/v/a.mp4'] }, '/p', '/p'), undefined);
});

test('project detection: a DeepLabCut config has Task, scorer and video_sets at the top level', () => {
  assert.equal(isProjectConfigText('Task: a\nscorer: b\ndate: Nov1\nvideo_sets:\n  /v.mp4:\n    crop: 0, 1, 0, 1\n'), true);
  assert.equal(isProjectConfigText('Task: a\nscorer: b\n'), false);
  assert.equal(isProjectConfigText('model:\n  Task: a\n  scorer: b\n  video_sets: {}\n'), false);
});

test('the problem matcher pattern matches what the CLI prints for a located error, and only that', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-pm-'));
  try {
    const broken = path.join(work, 'config.yaml');
    fs.writeFileSync(broken, 'Task: t\nscorer: s\nvideo_sets: [unclosed\n');
    const herd = path.resolve('dist/herd.js');
    const script = fs.existsSync(herd) ? [herd] : ['--import', 'tsx', path.resolve('src-core/cli/main.ts')];
    const run = spawnSync(process.execPath, [...script, 'extract-frames', broken], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    const line = run.stderr.split('\n').find((text) => text.startsWith('herd: error:'))!;
    const match = ERROR_LINE.exec(line);
    assert.ok(match, line);
    assert.equal(match[1], broken);
    assert.ok(Number(match[2]) >= 1 && Number(match[3]) >= 1);
    assert.equal(ERROR_LINE.exec('herd: error: unknown command "x" (see: herd --help)'), null);
    // package.json's matcher is the same expression.
    const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    assert.equal(manifest.contributes.problemMatchers[0].pattern.regexp, ERROR_LINE.source);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
