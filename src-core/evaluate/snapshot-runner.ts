/**
 * A snapshot of a shuffle's network ready to predict the shuffle's images with tfjs (evaluation, skeleton
 * selection, maps): checked against the project's body parts. The tfjs backend must already be selected.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import type { LoadedShuffle } from '../dataset';
import { scorerName } from '../infer/outputs';
import { modelInfoFromMetadata, runTfHeads, targetSetupOf, type HeadArrays, type PoseModelInfo } from '../infer/pose-model';
import { readSnapshot } from '../model/snapshot';
import { disposeTfModel, tfModelFromValues } from '../model/tfjs-model';
import { makeBatch, type LabeledSample, type TargetSetup } from '../train/data';

export interface SnapshotRunner {
  info: PoseModelInfo;
  setup: TargetSetup;
  /** Head outputs of image `i` of `samples`. */
  run(samples: readonly LabeledSample[], i: number): HeadArrays;
  dispose(): void;
}

/** A snapshot of this project's network, ready to predict its images (tfjs). */
export function openSnapshot(shuffle: LoadedShuffle, snapshotFile: string): SnapshotRunner {
  const snapshot = readSnapshot(snapshotFile);
  const info = modelInfoFromMetadata(snapshot.metadata, snapshotFile);
  if (info.bodyparts.join('\u0000') !== shuffle.project.bodyparts.join('\u0000')) {
    throw new HerdError('MODEL_MISMATCH', `the snapshot predicts ${info.bodyparts.join(', ')}, the project has ${shuffle.project.bodyparts.join(', ')}`, { file: snapshotFile });
  }
  const setup = targetSetupOf(info);
  const model = tfModelFromValues(snapshot.graph, snapshot.values);
  return {
    info,
    setup,
    run(samples, i) {
      const batch = makeBatch(samples, [i], setup, { inputMultiple: info.inputMultiple, normalizeImages: info.normalizeImages });
      return runTfHeads(model, batch.images, 1, batch.height, batch.width);
    },
    dispose: () => disposeTfModel(model),
  };
}

/** The snapshots of a shuffle's train folder, by epoch, the best one last. */
export function listSnapshots(trainFolder: string): string[] {
  if (!fs.existsSync(trainFolder)) return [];
  const names = fs.readdirSync(trainFolder).filter((n) => /^snapshot-(best-)?\d+\.safetensors$/.test(n));
  const epochOf = (n: string) => Number(/(\d+)\.safetensors$/.exec(n)![1]);
  const regular = names.filter((n) => !n.startsWith('snapshot-best')).sort((a, b) => epochOf(a) - epochOf(b));
  const best = names.filter((n) => n.startsWith('snapshot-best'));
  return [...regular, ...best].map((n) => path.join(trainFolder, n));
}

/** Snapshots by DeepLabCut's snapshotindex: 'all', or indices into `listSnapshots` (−1 = the last, the best). */
export function chooseSnapshots(shuffle: LoadedShuffle, which: 'all' | readonly number[]): string[] {
  const folder = path.join(shuffle.modelFolder, 'train');
  const all = listSnapshots(folder);
  if (all.length === 0) throw new HerdError('SNAPSHOT_NOT_FOUND', 'this shuffle has no snapshots; train it first (herd train)', { file: folder });
  if (which === 'all') return all;
  return which.map((index) => {
    const chosen = Number.isInteger(index) ? all[index < 0 ? all.length + index : index] : undefined;
    if (!chosen) throw new HerdError('SNAPSHOT_NOT_FOUND', `snapshot index ${index} is outside the ${all.length} snapshots (${all.map((f) => path.basename(f)).join(', ')})`, { file: folder });
    return chosen;
  });
}

/** `evaluation-results-pytorch/iteration-N/<shuffle folder>/` (the model folder's name). */
export function evaluationFolder(shuffle: LoadedShuffle): string {
  return path.join(shuffle.project.root, 'evaluation-results-pytorch', `iteration-${shuffle.project.config.iteration}`, path.basename(shuffle.modelFolder));
}

/** DeepLabCut's scorer of a snapshot (`…_snapshot_<epoch>` or `…_snapshot_best-<epoch>`). */
export function snapshotScorer(shuffle: LoadedShuffle, info: PoseModelInfo, snapshotFile: string): string {
  const epoch = info.epoch ?? 0;
  return scorerName({
    netType: info.netType,
    task: shuffle.project.config.Task,
    date: shuffle.project.config.date,
    shuffle: shuffle.shuffle,
    snapshotUid: path.basename(snapshotFile).startsWith('snapshot-best') ? `best-${epoch}` : String(epoch),
  });
}
