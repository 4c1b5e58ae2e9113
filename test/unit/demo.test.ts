/**
 * `herd demo` end to end on a short synthetic video and a few epochs: every stage runs, the tracking stages leave
 * their files (tracklets, stitched tracks, per-frame tracking accuracy, filtered tracks, labeled video, plots, NWB and
 * SLEAP exports), the stitched tracks read back with one track per animal, and a rerun replaces the folder.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { HerdError } from '../../src-core/common/errors';
import { formatDemo, runDemo, type DemoResult, type DemoStep } from '../../src-core/demo/demo';
import { readPoseTable } from '../../src-core/io/pose-table';
import { probeVideo } from '../../src-core/video';
import { temporaryFolder } from '../helpers/workspace';

const FRAMES = 60;

describe('herd demo', { timeout: 300_000 }, () => {
  // Made here, not in before(): a folder made in a hook is removed when that hook ends.
  const root = temporaryFolder('herd-demo-');
  let result: DemoResult;
  const step = (stage: string): DemoStep => {
    const found = result.steps.find((s) => s.stage === stage);
    assert.ok(found, `the demo has a "${stage}" step (steps: ${result.steps.map((s) => s.stage).join(', ')})`);
    return found;
  };
  const assertFiles = (stage: string, names: string[]) => {
    const { outputs } = step(stage);
    for (const name of names) {
      assert.ok(outputs[name], `${stage}: output "${name}" is listed`);
      assert.ok(fs.existsSync(outputs[name]!), `${stage}: ${outputs[name]} exists`);
      if (fs.statSync(outputs[name]!).isFile()) assert.ok(fs.statSync(outputs[name]!).size > 0, `${stage}: ${outputs[name]} is not empty`);
    }
  };

  before(async () => {
    result = await runDemo({ directory: path.join(root, 'demo'), frames: FRAMES, labeledFrames: 8, trainEpochs: 2 });
  });

  it('runs every stage, analysis through export, in order, each with a summary and its time', () => {
    const stages = result.steps.map((s) => s.stage);
    const expected = ['analyze', 'tracklets', 'stitch tracklets', 'tracking accuracy', 'filter', 'labeled video', 'plot trajectories', 'export poses', 'find outliers'];
    const positions = expected.map((stage) => stages.indexOf(stage));
    assert.ok(positions.every((p) => p >= 0), `stages: ${stages.join(', ')}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions);
    for (const s of result.steps) {
      assert.ok(s.summary.length > 0 && !s.summary.includes('\n'), `${s.stage}: a one-line summary`);
      assert.ok(s.seconds !== undefined && s.seconds >= 0, `${s.stage}: timed`);
    }
    assert.ok(result.seconds! > 0);
  });

  it('writes the tracklets, stitched tracks (h5 + csv), filtered tracks, labeled video, plots and exports', () => {
    assertFiles('tracklets', ['tracklets']);
    assert.match(step('tracklets').outputs.tracklets!, /synthDLC_.*shuffle1_.*_el\.tracklets\.safetensors$/);
    assertFiles('stitch tracklets', ['tracks (h5)', 'tracks (csv)']);
    assert.match(step('stitch tracklets').outputs['tracks (h5)']!, /synthDLC_.*_el\.h5$/);
    assertFiles('tracking accuracy', ['ground truth', 'per-frame results']);
    assertFiles('filter', ['filtered (h5)', 'filtered (csv)']);
    assert.match(step('filter').outputs['filtered (h5)']!, /_el_filtered\.h5$/);
    assertFiles('labeled video', ['video']);
    assertFiles('plot trajectories', ['figures']);
    assert.ok(fs.readdirSync(step('plot trajectories').outputs.figures!).some((name) => name.endsWith('.png')));
    assertFiles('export poses', ['NWB', 'SLEAP analysis']);
    assert.match(step('export poses').outputs.NWB!, /_el_filtered\.nwb$/);
    assert.match(step('export poses').outputs['SLEAP analysis']!, /_el_filtered\.analysis\.h5$/);
  });

  it('stitches one track per animal that reads back as a DeepLabCut pose table', async () => {
    const table = await readPoseTable(step('stitch tracklets').outputs['tracks (h5)']!);
    assert.equal(table.poses.individuals.length, 3);
    assert.deepEqual(table.poses.individuals, ['mouse1', 'mouse2', 'mouse3']);
    assert.equal(table.poses.frames, FRAMES);
    assert.equal(table.poses.bodyparts.length, 10);
    assert.equal(table.unique?.bodyparts.length, 2);
    const filtered = await readPoseTable(step('filter').outputs['filtered (h5)']!);
    assert.deepEqual(filtered.poses.individuals, table.poses.individuals);
  });

  it('scores the tracks against the ground truth and says the model is trained only briefly', () => {
    const { summary } = step('tracking accuracy');
    assert.match(summary, /MOTA (-?\d+\.\d{3}|n\/a), IDF1 (\d\.\d{3}|n\/a), \d+ identity switches/);
    assert.match(summary, /trained only briefly \(2 epochs on 8 labeled frames\)/);
    const csv = fs.readFileSync(step('tracking accuracy').outputs['per-frame results']!, 'utf8').trim().split('\n');
    assert.equal(csv.length, FRAMES + 1);
  });

  it('renders the labeled video with every frame and lists the outlier candidates without writing any', async () => {
    const info = await probeVideo(step('labeled video').outputs.video!);
    assert.equal(info.frameCount, FRAMES);
    assert.match(step('find outliers').summary, /^\d+ of 60 frames .*nothing written here/);
    assert.deepEqual(step('find outliers').outputs, {});
    const labeledData = path.join(path.dirname(result.configPath), 'labeled-data', 'synth');
    assert.ok(!fs.readdirSync(labeledData).some((name) => name.startsWith('machinelabels')));
  });

  it('prints each step with its outputs', () => {
    const text = formatDemo(result);
    for (const stage of ['tracklets', 'stitch tracklets', 'tracking accuracy', 'filter', 'labeled video', 'plot trajectories', 'export poses', 'find outliers']) {
      assert.match(text, new RegExp(`^\\d+\\. ${stage} \\(\\d+\\.\\d s\\): `, 'm'));
    }
    assert.match(text, /_el\.h5$/m);
    assert.doesNotMatch(text, /still to come/);
  });

  it('refuses a folder it did not make', async () => {
    const foreign = path.join(root, 'foreign');
    fs.mkdirSync(foreign);
    await assert.rejects(runDemo({ directory: foreign, frames: FRAMES }), (e: unknown) => e instanceof HerdError && e.code === 'DEMO_FOLDER_IN_USE');
  });
});
