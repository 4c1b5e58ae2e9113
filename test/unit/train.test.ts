/**
 * Training end to end on a tiny synthetic project: the loss falls and predictions move toward the labels,
 * snapshots / learning_stats.csv / model.onnx are written and read back, Ctrl+C leaves a resumable snapshot,
 * a killed run leaves every earlier snapshot loadable, and bad requests fail clearly. Speed is not measured here
 * (see `herd bench --accuracy` and bench-step.ts).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { HerdError } from '../../src-core/common/errors';
import { createTrainingDataset, loadShuffle } from '../../src-core/dataset';
import { buildModelGraph } from '../../src-core/model/architectures';
import { channelsOf, parameterSpecs, type ModelGraph } from '../../src-core/model/graph';
import { decodeSnapshot, encodeSnapshot, readSnapshot } from '../../src-core/model/snapshot';
import { createTfModel, disposeTfModel, readParameterValues, readTrainable, runTfModel, tfModelFromValues } from '../../src-core/model/tfjs-model';
import { editConfig } from '../../src-core/project/edit';
import { createSynthProject } from '../../src-core/synth/project';
import { loadSamples, makeBatch } from '../../src-core/train/data';
import { selectBackend } from '../../src-core/train/engine/backend';
import { evaluateDetections } from '../../src-core/train/evaluate-detections';
import { lossAndGradients, sliceBatch } from '../../src-core/train/gradients';
import { ParallelSteps } from '../../src-core/train/parallel';
import { learningRateAt, readTrainSettings } from '../../src-core/train/settings';
import { backendsForDevice, trainNetwork } from '../../src-core/train/trainer';
import { temporaryFolder } from '../helpers/workspace';

const ROOT = path.resolve(__dirname, '../..');
let template: string;
const templateWork = temporaryFolder();

before(async () => {
  await selectBackend({ prefer: ['wasm'] });
  const synth = await createSynthProject({
    synth: { frames: 40, width: 256, height: 192, animals: 2, keypoints: 4, uniqueBodyparts: 1, seed: 3 },
    workingDirectory: templateWork,
    labeledFrames: 16,
  });
  await createTrainingDataset(synth.configPath, { netType: 'herd_small', cropSize: [128, 128], trainingsetindex: 0 });
  template = synth.root;
});

/** A fresh copy of the project with its shuffle 1; returns config.yaml. */
function project(): string {
  const copy = path.join(temporaryFolder(), path.basename(template));
  fs.cpSync(template, copy, { recursive: true });
  return path.join(copy, 'config.yaml');
}

function trainFolder(config: string): string {
  const folder = path.join(path.dirname(config), 'dlc-models-pytorch', 'iteration-0');
  return path.join(folder, fs.readdirSync(folder)[0]!, 'train');
}

describe('model graph', () => {
  it('checks channels and names, and lists parameters in a stable order', () => {
    const graph = buildModelGraph('herd_small', { bodyparts: 4, edges: 6, uniqueBodyparts: 1, identities: 2 });
    const channels = channelsOf(graph);
    assert.equal(channels.get(graph.outputs.heatmap!), 4);
    assert.equal(channels.get(graph.outputs.paf!), 12);
    assert.equal(channels.get(graph.outputs.identity!), 2);
    const names = parameterSpecs(graph).map((s) => s.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(parameterSpecs(graph).map((s) => s.name), names);
    const broken: ModelGraph = { ...graph, nodes: graph.nodes.map((n) => (n.name === 's4' && n.op === 'conv' ? { ...n, inChannels: 7 } : n)) };
    assert.throws(() => channelsOf(broken), /s4 expects 7 channels/);
    assert.throws(() => buildModelGraph('hrnet_w32', { bodyparts: 1, edges: 0, uniqueBodyparts: 0, identities: 0 }), (e: unknown) => e instanceof HerdError && e.code === 'NET_TYPE_NOT_TRAINABLE');
  });

  it('runs at any multiple of 16 and gives stride-8 outputs', () => {
    const graph = buildModelGraph('herd_small', { bodyparts: 3, edges: 3, uniqueBodyparts: 0, identities: 0 });
    const model = createTfModel(graph, 1);
    const out = tf.tidy(() => runTfModel(model, tf.zeros([2, 48, 80, 3]) as tf.Tensor4D, false).paf!.shape);
    assert.deepEqual(out, [2, 6, 10, 6]);
    disposeTfModel(model);
  });
});

describe('resnet_50', () => {
  it('takes a training step on the CPU path (every kernel has a gradient) and keeps output stride 8', () => {
    const graph = buildModelGraph('resnet_50', { bodyparts: 2, edges: 1, uniqueBodyparts: 0, identities: 0 });
    const model = createTfModel(graph, 2);
    const before = model.params.get('conv1_conv/kernel')!.dataSync().slice(0, 8);
    const x = tf.randomNormal([1, 32, 32, 3]) as tf.Tensor4D;
    const optimizer = tf.train.sgd(0.01);
    const cost = optimizer.minimize(() => tf.mean(runTfModel(model, x, true).heatmap!) as tf.Scalar, true, model.trainable)!;
    assert.ok(Number.isFinite(cost.dataSync()[0]));
    const after = model.params.get('conv1_conv/kernel')!.dataSync().slice(0, 8);
    assert.notDeepEqual(after, before);
    assert.deepEqual(tf.tidy(() => runTfModel(model, x, false).heatmap!.shape), [1, 4, 4, 2]);
    tf.dispose([x, cost]);
    disposeTfModel(model);
  });
});

describe('snapshots', () => {
  it('round-trip parameters, optimizer tensors and metadata exactly (safetensors layout)', () => {
    const graph = buildModelGraph('herd_small', { bodyparts: 2, edges: 1, uniqueBodyparts: 0, identities: 0 });
    const model = createTfModel(graph, 5);
    const values = readParameterValues(model);
    const extra = new Map([['optimizer/iter', { shape: [], values: new Float32Array([17]) }]]);
    const bytes = encodeSnapshot({ graph, values, extra, metadata: { epoch: '3' } });
    // safetensors: u64 header length, JSON header, data aligned to 8 bytes.
    const headerLength = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + headerLength) % 8, 0);
    const header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength));
    assert.deepEqual(header['stem1/kernel'].shape, [3, 3, 3, 24]);
    const loaded = decodeSnapshot(bytes, 'x');
    assert.deepEqual(loaded.graph, JSON.parse(JSON.stringify(graph)));
    assert.equal(loaded.metadata.epoch, '3');
    assert.equal(loaded.extra.get('optimizer/iter')!.values[0], 17);
    for (const [name, value] of values) assert.deepEqual(loaded.values.get(name), value);
    assert.throws(() => decodeSnapshot(bytes.subarray(0, bytes.length - 10), 'cut.safetensors'), (e: unknown) => e instanceof HerdError && e.code === 'SNAPSHOT_INVALID' && /truncated/.test(e.message));
    assert.throws(() => decodeSnapshot(Buffer.from('not a snapshot at all'), 'x'), (e: unknown) => e instanceof HerdError && e.code === 'SNAPSHOT_INVALID');
    disposeTfModel(model);
  });
});

describe('settings', () => {
  it('steps the learning rate at the milestones (LRListScheduler)', () => {
    const settings = { learningRate: 1e-3, schedule: { milestones: [5, 8], rates: [1e-4, 1e-5] } };
    assert.deepEqual([0, 4, 5, 7, 8, 20].map((e) => learningRateAt(settings, e)), [1e-3, 1e-3, 1e-4, 1e-4, 1e-5, 1e-5]);
  });

  it('maps --device to backends, and refuses CUDA where tfjs-node-gpu does not load', async () => {
    assert.deepEqual(backendsForDevice('cuda:0'), ['tfjs-node-gpu']);
    assert.deepEqual(backendsForDevice('cpu'), ['tfjs-node', 'wasm', 'cpu']);
    assert.throws(() => backendsForDevice('tpu'), /device must be/);
    await assert.rejects(trainNetwork(project(), { device: 'cuda:0', epochs: 1 }), (e: unknown) => e instanceof HerdError && e.code === 'DEVICE_UNAVAILABLE');
    await selectBackend({ prefer: ['wasm'] });
  });
});

describe('parallel steps', () => {
  it('a step shared with a helper thread applies the size-weighted mean of the slices\' gradients', async () => {
    const config = project();
    const shuffle = await loadShuffle(config, 1);
    const settings = readTrainSettings(shuffle);
    const samples = await loadSamples(shuffle, shuffle.trainIndices.slice(0, 3), settings.targets);
    const graph = buildModelGraph('herd_small', { bodyparts: 4, edges: settings.targets.edges.length, uniqueBodyparts: 1, identities: 0 });
    const batch = makeBatch(samples, [0, 1, 2], settings.targets, { inputMultiple: 16, normalizeImages: true });
    const shared = createTfModel(graph, 9);
    const local = createTfModel(graph, 9);
    const pool = await ParallelSteps.start(shared, 2);
    try {
      const sharedLosses = await pool.step(shared, tf.train.sgd(0.1), batch);
      // The same by hand in this thread: slices [0, 2) and [2, 3) (rounded halves), weighted 2/3 and 1/3.
      const first = lossAndGradients(local, sliceBatch(batch, 0, 2));
      const second = lossAndGradients(local, sliceBatch(batch, 2, 3));
      assert.ok(Math.abs(sharedLosses.total! - (2 * first.losses.total! + second.losses.total!) / 3) < 1e-6);
      const expected = local.trainable.map((variable, i) =>
        variable.dataSync().map((v, k) => v - 0.1 * ((2 * first.gradients[i]![k]! + second.gradients[i]![k]!) / 3)),
      );
      let worst = 0;
      readTrainable(shared).forEach((values, i) => values.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - expected[i]![k]!)))));
      assert.ok(worst < 1e-6, `largest difference ${worst}`);
    } finally {
      await pool.close();
      disposeTfModel(shared);
      disposeTfModel(local);
    }
  });
});

describe('training', () => {
  it('lowers the loss and moves predictions toward the labels; writes snapshots, learning_stats.csv and model.onnx', async () => {
    const config = project();
    const shuffle = await loadShuffle(config, 1);
    const settings = readTrainSettings(shuffle);
    const samples = await loadSamples(shuffle, shuffle.trainIndices, settings.targets);
    const graph = buildModelGraph('herd_small', { bodyparts: 4, edges: settings.targets.edges.length, uniqueBodyparts: 1, identities: 0 });
    const evaluate = (model: ReturnType<typeof createTfModel>) => evaluateDetections(model, samples, settings.targets, { inputMultiple: 16, normalizeImages: true, pcutoff: 0.6 });
    const untrained = createTfModel(graph, settings.seed);
    const before = evaluate(untrained);
    disposeTfModel(untrained);

    const lines: string[] = [];
    const result = await trainNetwork(config, { epochs: 12, batchSize: 4, evalInterval: 6, saveEpochs: 6, log: (line) => lines.push(line) });
    assert.match(lines[0]!, /^backend: CPU \(WebAssembly/);
    assert.equal(result.epochsDone, 12);
    const folder = trainFolder(config);
    const stats = fs.readFileSync(path.join(folder, 'learning_stats.csv'), 'utf8').trim().split('\n');
    assert.equal(stats.length, 13);
    const lossColumn = stats[0]!.split(',').indexOf('losses/train.total_loss');
    const losses = stats.slice(1).map((row) => Number(row.split(',')[lossColumn]));
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses.slice(-3).reduce((a, b) => a + b) < 0.7 * losses.slice(0, 3).reduce((a, b) => a + b), `loss should fall: ${losses.map((l) => l.toFixed(4)).join(' ')}`);

    // The final snapshot predicts the training images' keypoints far better than the untrained network.
    const snapshot = readSnapshot(path.join(folder, 'snapshot-012.safetensors'));
    assert.equal(snapshot.metadata.epoch, '12');
    assert.deepEqual(JSON.parse(snapshot.metadata.bodyparts!), settings.targets.bodyparts);
    const trained = tfModelFromValues(snapshot.graph, snapshot.values);
    const after = evaluate(trained);
    assert.ok(after.labeled - after.missed >= before.labeled - before.missed, 'no fewer points detected');
    assert.ok(after.rmse < 0.6 * before.rmse || (Number.isNaN(before.rmse) && after.rmse < 40), `train error ${before.rmse.toFixed(1)} → ${after.rmse.toFixed(1)} px`);

    // Snapshots by save-epochs, the best one by the test error, and the ONNX model agreeing with tfjs.
    const names = fs.readdirSync(folder).filter((n) => n.startsWith('snapshot-')).sort();
    assert.ok(names.includes('snapshot-006.safetensors') && names.includes('snapshot-012.safetensors'), names.join(' '));
    assert.equal(names.filter((n) => n.startsWith('snapshot-best-')).length, 1);
    assert.ok(result.onnx && fs.existsSync(result.onnx));
    const onnxSource = readSnapshot(result.best ?? path.join(folder, 'snapshot-012.safetensors'));
    const reference = tfModelFromValues(onnxSource.graph, onnxSource.values);
    const batch = makeBatch(samples, [0], settings.targets, { inputMultiple: 16, normalizeImages: true });
    const expected = tf.tidy(() => runTfModel(reference, tf.tensor4d(batch.images, [1, batch.height, batch.width, 3]), false).heatmap!.dataSync());
    const session = await ort.InferenceSession.create(result.onnx!);
    const output = await session.run({ image: new ort.Tensor('float32', batch.images, [1, batch.height, batch.width, 3]) });
    const got = output.heatmap!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    assert.ok(worst < 1e-4, `ONNX vs tfjs: ${worst}`);
    disposeTfModel(trained);
    disposeTfModel(reference);
  });

  it('Ctrl+C saves a snapshot with the optimizer state, and --resume continues from it', async () => {
    const config = project();
    const controller = new AbortController();
    const result = await trainNetwork(config, {
      epochs: 3,
      batchSize: 4,
      evalInterval: 100,
      progress: {
        update: (event) => {
          if (event.unit === 'steps' && event.done >= 5) controller.abort();
        },
        finish() {},
      },
      signal: controller.signal,
    });
    assert.equal(result.interrupted, true);
    assert.equal(result.onnx, undefined);
    const folder = trainFolder(config);
    const saved = fs.readdirSync(folder).find((n) => /^snapshot-001-step5\.safetensors$/.test(n));
    assert.ok(saved, fs.readdirSync(folder).join(' '));
    const snapshot = readSnapshot(path.join(folder, saved!));
    assert.equal(snapshot.metadata.interrupted, 'true');
    assert.equal(snapshot.extra.get('optimizer/iter')!.values[0], 5);
    assert.ok([...snapshot.extra.keys()].some((k) => k.startsWith('optimizer/m/')));

    const lines: string[] = [];
    const resumed = await trainNetwork(config, { epochs: 3, batchSize: 4, evalInterval: 100, resumeFrom: path.join(folder, saved!), log: (l) => lines.push(l) });
    assert.ok(lines.some((l) => /resuming from snapshot-001-step5/.test(l)));
    assert.ok(lines.some((l) => /optimizer state restored/.test(l)));
    assert.equal(resumed.epochsDone, 3);
    assert.equal(readSnapshot(path.join(folder, 'snapshot-003.safetensors')).metadata.epoch, '3');

    // herd export-model writes any snapshot as ONNX, with the snapshot's description as metadata.
    const onnxFile = path.join(folder, 'interrupted.onnx');
    const cli = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src-core/cli/main.ts'), 'export-model', path.join(folder, saved!), '--output', onnxFile], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    const session = await ort.InferenceSession.create(onnxFile);
    assert.deepEqual([...session.inputNames], ['image']);
    assert.deepEqual([...session.outputNames].sort(), ['heatmap', 'locref', 'paf', 'unique_heatmap', 'unique_locref']);
    const missing = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src-core/cli/main.ts'), 'export-model', path.join(folder, 'nope.safetensors')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.safetensors: snapshot file not found/);
  });

  it('a killed run leaves every snapshot it finished loadable', { timeout: 180_000 }, async () => {
    const config = project();
    const folder = trainFolder(config);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src-core/cli/main.ts'), 'train', config, '--epochs', '50', '--batch-size', '4', '--save-epochs', '1', '--eval-interval', '100', '--max-snapshots-to-keep', '50'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it at a random moment after its second snapshot, possibly in the middle of writing another.
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      const count = fs.existsSync(folder) ? fs.readdirSync(folder).filter((n) => /^snapshot-\d+\.safetensors$/.test(n)).length : 0;
      if (count >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await exited;
    const snapshots = fs.readdirSync(folder).filter((n) => /^snapshot-.*\.safetensors$/.test(n));
    assert.ok(snapshots.length >= 2, fs.readdirSync(folder).join(' '));
    for (const name of snapshots) {
      const loaded = readSnapshot(path.join(folder, name));
      assert.equal(loaded.graph.netType, 'herd_small');
    }
  });

  it('trains an identity head when the project has identity: true', async () => {
    const config = project();
    editConfig(config, [{ key: ['identity'], value: true }]);
    await createTrainingDataset(config, { netType: 'herd_small', cropSize: [128, 128], shuffles: [3], trainingsetindex: 0 });
    const result = await trainNetwork(config, { shuffle: 3, epochs: 1, batchSize: 4, evalInterval: 100, exportOnnx: false });
    const snapshot = readSnapshot(result.snapshots.find((f) => f.endsWith('snapshot-001.safetensors'))!);
    assert.ok(snapshot.graph.outputs.identity);
    assert.deepEqual(parameterSpecs(snapshot.graph).find((s) => s.name === `${snapshot.graph.outputs.identity}/kernel`)!.shape.slice(-1), [2]);
    const stats = fs.readFileSync(result.learningStats, 'utf8').trim().split('\n');
    const identityLoss = Number(stats[1]!.split(',')[stats[0]!.split(',').indexOf('losses/train.identity')]);
    assert.ok(identityLoss > 0 && Number.isFinite(identityLoss));
  });

  it('explains a shuffle whose net type Herd cannot train', async () => {
    const config = project();
    await createTrainingDataset(config, { netType: 'hrnet_w32', shuffles: [2], trainingsetindex: 0 });
    await assert.rejects(trainNetwork(config, { shuffle: 2, epochs: 1 }), (e: unknown) => e instanceof HerdError && e.code === 'NET_TYPE_NOT_TRAINABLE' && /herd_small/.test(e.message));
  });
});
