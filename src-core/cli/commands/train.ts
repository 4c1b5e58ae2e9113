import * as path from 'node:path';
import { HerdError } from '../../common/errors';
import { writeFileAtomic } from '../../common/atomic';
import { ARCHITECTURES } from '../../model/architectures';
import { exportOnnx } from '../../model/onnx-export';
import { readSnapshot } from '../../model/snapshot';
import { trainNetwork } from '../../train/trainer';
import type { Command } from '../command';
import { numberOption, positional, stringOption } from '../command';
import { CONFIG_ARGUMENT, deviceOption } from '../shared-options';

export const trainCommand: Command = {
  spec: {
    name: 'train',
    summary: "Train a shuffle's network (DeepLabCut train_network): snapshots, learning_stats.csv, model.onnx.",
    positionals: [CONFIG_ARGUMENT],
    options: {
      shuffle: { type: 'number', value: 'K', description: 'the shuffle to train', default: 1 },
      trainingsetindex: { type: 'number', value: 'I', description: 'the entry of TrainingFraction', default: 0 },
      epochs: { type: 'number', value: 'N', description: 'epochs (default: train_settings.epochs)' },
      'batch-size': { type: 'number', value: 'N', description: 'images per step (default: train_settings.batch_size)' },
      device: { type: 'string', value: 'DEV', description: 'auto (GPU if @tensorflow/tfjs-node-gpu works, else CPU), cpu, or cuda:0 (default: HERD_DEVICE, else pytorch_config device)' },
      'save-epochs': { type: 'number', value: 'N', description: 'save a snapshot every N epochs (default: runner.snapshots.save_epochs)' },
      'max-snapshots-to-keep': { type: 'number', value: 'N', description: 'keep the N latest snapshots, plus the best (default: runner.snapshots.max_snapshots)' },
      'display-iters': { type: 'number', value: 'N', description: 'print the loss every N steps (default: train_settings.display_iters)' },
      'eval-interval': { type: 'number', value: 'N', description: 'measure the test error every N epochs (default: runner.eval_interval)' },
      resume: { type: 'string', value: 'SNAPSHOT', description: 'continue from this snapshot (as resume_training_from in pytorch_config.yaml)' },
      pretrained: { type: 'string', value: 'FILE|URL', description: 'ImageNet backbone weights, a Keras HDF5 file (resnet_50: resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5)' },
      threads: { type: 'number', value: 'N', description: 'threads sharing each step on the WebAssembly backend (default: the cores, at most 4)' },
      'no-export': { type: 'boolean', description: 'do not write model.onnx at the end' },
    },
    details: [
      'Snapshots go to dlc-models-pytorch/iteration-N/<shuffle folder>/train/ as snapshot-<epoch>.safetensors (and',
      'snapshot-best-<epoch>.safetensors, by the test error). Ctrl+C saves a snapshot of where training stopped;',
      'continue with --resume <that file>. The backend is chosen at run time: @tensorflow/tfjs-node-gpu (CUDA) >',
      '@tensorflow/tfjs-node > WebAssembly (CPU, always available).',
      '',
      'Net types Herd trains:',
      ...ARCHITECTURES.map((a) => `  ${a.netType.padEnd(14)}${a.description}`),
    ].join('\n'),
  },
  async run(args, context) {
    const result = await trainNetwork(positional(args, 'config'), {
      shuffle: numberOption(args, 'shuffle'),
      trainingsetindex: numberOption(args, 'trainingsetindex'),
      epochs: numberOption(args, 'epochs'),
      batchSize: numberOption(args, 'batch-size'),
      device: deviceOption(stringOption(args, 'device')),
      saveEpochs: numberOption(args, 'save-epochs'),
      maxSnapshots: numberOption(args, 'max-snapshots-to-keep'),
      displayIters: numberOption(args, 'display-iters'),
      evalInterval: numberOption(args, 'eval-interval'),
      resumeFrom: stringOption(args, 'resume') && path.resolve(stringOption(args, 'resume')!),
      pretrained: stringOption(args, 'pretrained'),
      threads: numberOption(args, 'threads'),
      exportOnnx: args.options['no-export'] !== true,
      progress: context.progress,
      log: context.note,
      signal: context.signal,
    });
    if (result.interrupted) throw new HerdError('CANCELLED', 'training interrupted; the snapshot above keeps where it stopped');
    const lines = [
      `Trained ${result.epochsDone} epochs (${result.backend.replace('backend: ', '')}), ${result.imagesPerSecond.toFixed(1)} img/s, final loss ${result.finalLoss.toFixed(5)}`,
    ];
    if (result.metrics) lines.push(`Test error: ${result.metrics.rmse.toFixed(2)} px over ${result.metrics.labeled - result.metrics.missed} of ${result.metrics.labeled} labeled points (${result.metrics.images} images)`);
    if (result.best) lines.push(`Best snapshot: ${result.best}`);
    if (result.onnx) lines.push(`ONNX model: ${result.onnx}`);
    lines.push(`Learning stats: ${result.learningStats}`);
    return { text: lines.join('\n'), data: { ...result } };
  },
};

export const exportModelCommand: Command = {
  spec: {
    name: 'export-model',
    summary: 'Write a snapshot as an ONNX model for ONNX Runtime (batch norm folded into the convolutions).',
    positionals: [{ name: 'snapshot', description: 'a snapshot-*.safetensors file written by herd train' }],
    options: {
      output: { type: 'string', value: 'FILE', description: 'the .onnx file (default: the snapshot\'s name with .onnx)' },
    },
    details: 'Input "image": float32 [batch, height, width, 3], normalised as in training; outputs heatmap, locref, paf… (logits), NHWC.',
  },
  async run(args) {
    const file = path.resolve(positional(args, 'snapshot'));
    const snapshot = readSnapshot(file);
    const output = path.resolve(stringOption(args, 'output') ?? file.replace(/\.safetensors$/, '') + '.onnx');
    writeFileAtomic(output, exportOnnx(snapshot.graph, snapshot.values, { metadata: { ...snapshot.metadata, source_snapshot: path.basename(file) } }));
    return { text: `Wrote ${output}`, data: { onnx: output, snapshot: file } };
  },
};
