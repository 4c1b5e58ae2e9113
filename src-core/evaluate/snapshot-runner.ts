/**
 * A snapshot of a shuffle's network ready to predict the shuffle's images with tfjs (evaluation, skeleton
 * selection, maps): checked against the project's body parts. The tfjs backend must already be selected.
 */
import { HerdError } from '../common/errors';
import type { LoadedShuffle } from '../dataset';
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
