/**
 * `herd bench --training`: training throughput of the default network (herd_small, batch 8, augmentation and
 * targets included) per available backend and thread count, at 128² crops and at the default crop size, measured
 * side by side in one run on a synthetic project.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createTrainingDataset, loadShuffle } from '../dataset';
import { findNetType } from '../dataset/net-types';
import { buildModelGraph } from '../model/architectures';
import { createTfModel, disposeTfModel } from '../model/tfjs-model';
import { createSynthProject } from '../synth/project';
import { Augmenter, readPytorchConfigAugmentation } from '../train/augment';
import { loadSamples, makeBatch } from '../train/data';
import { selectBackend, type BackendKind } from '../train/engine/backend';
import { ParallelSteps } from '../train/parallel';
import { readTrainSettings } from '../train/settings';
import { trainStep } from '../train/trainer';

export interface TrainingBenchRow {
  backend: string;
  threads: number;
  crop: number;
  batch: number;
  imagesPerSecond: number;
  secondsPerStep: number;
}

export interface TrainingBenchOptions {
  steps?: number;
  /** Also time one step of tfjs's pure-JavaScript `cpu` backend (minutes per step). */
  includeCpu?: boolean;
  log?: (line: string) => void;
}

const BATCH = 8;

export async function runTrainingBench(options: TrainingBenchOptions = {}): Promise<TrainingBenchRow[]> {
  const log = options.log ?? (() => {});
  const steps = options.steps ?? 8;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-train-bench-'));
  try {
    const synth = await createSynthProject({ workingDirectory: folder, synth: { animals: 3, frames: 60, seed: 2 }, labeledFrames: 24 });
    await createTrainingDataset(synth.configPath, { netType: 'herd_small', trainingsetindex: 0 });
    const shuffle = await loadShuffle(synth.configPath, 1);
    const settings = readTrainSettings(shuffle);
    const samples = await loadSamples(shuffle, shuffle.trainIndices, settings.targets);
    const graph = buildModelGraph('herd_small', {
      bodyparts: settings.targets.bodyparts.length,
      edges: settings.targets.edges.length,
      uniqueBodyparts: settings.targets.uniqueBodyparts.length,
      identities: 0,
    });
    const defaultCrop = findNetType('herd_small')!.cropSize![0];
    const rows: TrainingBenchRow[] = [];
    const kinds: BackendKind[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', ...(options.includeCpu ? (['cpu'] as BackendKind[]) : [])];
    for (const kind of kinds) {
      let description: string;
      try {
        description = (await selectBackend({ prefer: [kind] })).description.replace('backend: ', '');
      } catch (error) {
        log(`${kind}: not available (${(error as Error).message.split(': ').slice(-1)[0]})`);
        continue;
      }
      const threadCounts = kind === 'wasm' ? [...new Set([1, Math.min(4, os.availableParallelism())])] : [1];
      for (const crop of [128, defaultCrop]) {
        for (const threads of threadCounts) {
          const row = await timeSteps(kind === 'cpu' ? 1 : steps, { graph, samples, settings, shuffleConfig: shuffle.pytorchConfig, crop, threads });
          rows.push({ backend: description, threads, crop, batch: BATCH, ...row });
          log(`${description}, ${threads} thread(s), ${crop}²: ${row.imagesPerSecond.toFixed(1)} img/s`);
        }
      }
    }
    return rows;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

async function timeSteps(
  steps: number,
  setup: {
    graph: ReturnType<typeof buildModelGraph>;
    samples: Awaited<ReturnType<typeof loadSamples>>;
    settings: ReturnType<typeof readTrainSettings>;
    shuffleConfig: Record<string, unknown>;
    crop: number;
    threads: number;
  },
): Promise<{ imagesPerSecond: number; secondsPerStep: number }> {
  const augmentation = readPytorchConfigAugmentation(setup.shuffleConfig).options;
  augmentation.crop = { ...augmentation.crop!, width: setup.crop, height: setup.crop };
  const augmenter = new Augmenter(augmentation, 1);
  const model = createTfModel(setup.graph, 1);
  const optimizer = tf.train.adam(1e-3);
  const pool = setup.threads > 1 ? await ParallelSteps.start(model, setup.threads) : undefined;
  const step = async (i: number) => {
    const indices = Array.from({ length: BATCH }, (_, k) => (i * BATCH + k) % setup.samples.length);
    const batch = makeBatch(setup.samples, indices, setup.settings.targets, { augmenter, epoch: i, inputMultiple: 16, normalizeImages: true });
    return pool ? pool.step(model, optimizer, batch) : trainStep(model, optimizer, batch);
  };
  try {
    await step(0); // warm-up: XNNPACK builds its operators on first use
    const start = performance.now();
    for (let i = 1; i <= steps; i++) await step(i);
    const seconds = (performance.now() - start) / 1000 / steps;
    return { imagesPerSecond: BATCH / seconds, secondsPerStep: seconds };
  } finally {
    await pool?.close();
    disposeTfModel(model);
    optimizer.dispose();
  }
}

export function formatTrainingBench(rows: TrainingBenchRow[]): string {
  return [
    '| training (herd_small, batch 8, augmentation + targets included) | threads | crop | s/step | img/s |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.backend} | ${r.threads} | ${r.crop}² | ${r.secondsPerStep.toFixed(3)} | ${r.imagesPerSecond.toFixed(1)} |`),
  ].join('\n');
}
