import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { makeTestVideo, temporaryFolder } from '../helpers/workspace';

// The tests run the bundled CLI, exactly what `herd` is for a user (npm test builds it first).
const HERD = path.resolve(__dirname, '../../dist/herd.js');

function herd(args: string[], cwd?: string) {
  const result = spawnSync(process.execPath, [HERD, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('herd --help lists every DeepLabCut step, and each command has --help', () => {
  const { code, stdout } = herd(['--help']);
  assert.equal(code, 0);
  for (const name of ['create-project', 'add-videos', 'edit-config', 'extract-frames', 'check-labels', 'create-training-dataset',
    'train', 'evaluate', 'analyze', 'create-video-with-all-detections', 'convert-detections2tracklets', 'stitch-tracklets',
    'filter', 'plot-trajectories', 'create-labeled-video', 'find-outliers', 'extract-outlier-frames', 'merge-datasets',
    'synth', 'demo', 'bench']) {
    assert.match(stdout, new RegExp(`^  ${name} `, 'm'), name);
  }
  const help = herd(['create-project', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: herd create-project <project> <experimenter> <videos\.\.\.>/);
  assert.match(help.stdout, /--copy-videos/);
});

test('unknown commands and options are usage errors (exit 2)', () => {
  const unknown = herd(['frobnicate', '--json']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /herd: error: unknown command "frobnicate"/);
  assert.equal(JSON.parse(unknown.stdout.trim()).code, 'USAGE');
  const badOption = herd(['create-project', 'a', 'b', 'c.mp4', '--shufle', '1']);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /unknown option --shufle/);
});

test('create-project and edit-config through the CLI, with --json results and located errors', () => {
  const work = temporaryFolder();
  makeTestVideo(path.join(work, 'v1.mp4'));
  const created = herd(['create-project', 'mice', 'ana', 'v1.mp4', '--individuals', 'a,b', '--json'], work);
  assert.equal(created.code, 0, created.stderr);
  const lines = created.stdout.trim().split('\n').map((line) => JSON.parse(line));
  const result = lines.at(-1);
  assert.equal(result.type, 'result');
  assert.ok(fs.existsSync(result.configPath));
  assert.equal(result.videos[0].frameCount, 10);

  const edited = herd(['edit-config', result.configPath, 'numframes2pick=40']);
  assert.equal(edited.code, 0, edited.stderr);
  assert.match(fs.readFileSync(result.configPath, 'utf8'), /^numframes2pick: 40$/m);

  const invalid = herd(['edit-config', result.configPath, 'TrainingFraction=[1.5]']);
  assert.equal(invalid.code, 1);
  const trainingFractionLine = fs.readFileSync(result.configPath, 'utf8').split('\n').indexOf('TrainingFraction:') + 1;
  assert.match(invalid.stderr, new RegExp(`^herd: error: .*config\\.yaml:${trainingFractionLine + 1}:\\d+: .*TrainingFraction.*$`, 'm'));

  const missing = herd(['create-project', 'x', 'y', 'nope.mp4'], work);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^herd: error: .*nope\.mp4: /m);
});

test('Ctrl+C during a long job exits 130 and leaves no file behind', async () => {
  const work = temporaryFolder();
  const child = spawn(process.execPath, [HERD, 'synth', '--frames', '5000', '--width', '320', '--height', '240', '--output', work]);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // Interrupt once rendering is under way (the progress bar has printed).
  await new Promise<void>((resolve) => child.stderr.once('data', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 500));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /cancelled/);
  assert.deepEqual(fs.readdirSync(work), [], 'no partial video, ground truth or temp file');
});
