/**
 * The test metric of a training run: DeepLabCut's unassembled `rmse_detections` — body-part peaks of the
 * model (with location refinement) matched to the labels of each test image, mean pixel distance. Assembly
 * into animals (and mAP) is the evaluation stage's job.
 */
import * as tf from '@tensorflow/tfjs-core';
import { detectionErrors, findPeaks } from '../model/decode';
import { runTfModel, type TfModel } from '../model/tfjs-model';
import { makeBatch, type LabeledSample, type TargetSetup } from './data';

export interface DetectionMetrics {
  /** Mean distance (px) between labeled points and their matched detections. */
  rmse: number;
  /** The same over detections whose score reaches the p-cutoff. */
  rmsePcutoff: number;
  labeled: number;
  missed: number;
  falsePositives: number;
  images: number;
}

export function evaluateDetections(
  model: TfModel,
  samples: readonly LabeledSample[],
  setup: TargetSetup,
  options: { inputMultiple: number; normalizeImages: boolean; pcutoff: number },
): DetectionMetrics {
  let sum = 0;
  let matched = 0;
  let sumCut = 0;
  let matchedCut = 0;
  let missed = 0;
  let falsePositives = 0;
  const K = setup.bodyparts.length;
  // Peaks of one part closer than the label plateau's radius are one detection.
  const nmsRadius = Math.max(1, Math.round(setup.posDistThresh / setup.stride));
  for (let i = 0; i < samples.length; i++) {
    const batch = makeBatch(samples, [i], setup, { inputMultiple: options.inputMultiple, normalizeImages: options.normalizeImages });
    const [heatmap, locref, shape] = tf.tidy(() => {
      const outputs = runTfModel(model, tf.tensor4d(batch.images, [1, batch.height, batch.width, 3]), false);
      return [outputs.heatmap!, outputs.locref!, outputs.heatmap!.shape] as const;
    });
    const logits = heatmap.dataSync() as Float32Array;
    const offsets = locref.dataSync() as Float32Array;
    heatmap.dispose();
    locref.dispose();
    const [, Ho, Wo] = shape;
    const peaks = findPeaks(logits, Ho, Wo, K, { stride: setup.stride, locref: offsets, locrefStd: setup.locrefStd, logits: true, nmsRadius, threshold: 0.1, maxPeaks: setup.individuals.length });
    const errors = detectionErrors(samples[i]!.keypoints, setup.individuals.length, K, peaks, options.pcutoff);
    sum += errors.matched > 0 ? errors.meanError * errors.matched : 0;
    matched += errors.matched;
    sumCut += errors.matchedPcutoff > 0 ? errors.meanErrorPcutoff * errors.matchedPcutoff : 0;
    matchedCut += errors.matchedPcutoff;
    missed += errors.missed;
    falsePositives += errors.falsePositives;
  }
  return {
    rmse: matched > 0 ? sum / matched : NaN,
    rmsePcutoff: matchedCut > 0 ? sumCut / matchedCut : NaN,
    labeled: matched + missed,
    missed,
    falsePositives,
    images: samples.length,
  };
}
