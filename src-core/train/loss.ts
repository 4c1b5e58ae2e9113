/**
 * The training loss of the pose heads, as DeepLabCut weighs them (pytorch_config.yaml `criterion`): binary
 * cross-entropy on the heatmap logits (weight 1), Huber on location refinement where a keypoint is near
 * (0.05) and on the part-affinity fields everywhere (0.1); the unique-part head as the body-part head, the
 * identity head with cross-entropy.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { HeadTensors } from '../model/tfjs-model';
import type { BatchTargets } from './data';

export interface LossWeights {
  heatmap: number;
  locref: number;
  paf: number;
  identity: number;
}

export const DEFAULT_LOSS_WEIGHTS: LossWeights = { heatmap: 1, locref: 0.05, paf: 0.1, identity: 1 };

/** The targets of a batch as tensors of the heads' shapes. */
export type TargetTensors = { [K in keyof BatchTargets]: BatchTargets[K] extends Float32Array ? tf.Tensor4D : tf.Tensor4D | undefined };

export function targetTensors(targets: BatchTargets, outputs: HeadTensors): TargetTensors {
  const like = (values: Float32Array | undefined, head: tf.Tensor4D | undefined): tf.Tensor4D | undefined => {
    if (!values || !head) return undefined;
    if (values.length !== head.size) throw new Error(`target of ${values.length} values for a head output of shape [${head.shape}]`);
    return tf.tensor4d(values, head.shape);
  };
  return {
    heatmap: like(targets.heatmap, outputs.heatmap)!,
    locref: like(targets.locref, outputs.locref)!,
    locrefMask: like(targets.locrefMask, outputs.locref)!,
    paf: like(targets.paf, outputs.paf),
    uniqueHeatmap: like(targets.uniqueHeatmap, outputs.unique_heatmap),
    uniqueLocref: like(targets.uniqueLocref, outputs.unique_locref),
    uniqueLocrefMask: like(targets.uniqueLocrefMask, outputs.unique_locref),
    identity: like(targets.identity, outputs.identity),
  };
}

export type LossParts = Partial<Record<'heatmap' | 'locref' | 'paf' | 'unique_heatmap' | 'unique_locref' | 'identity', tf.Scalar>>;

/** Weighted total and its (unweighted) parts. Call inside the optimizer's loss function. */
export function poseLoss(outputs: HeadTensors, targets: TargetTensors, weights: LossWeights = DEFAULT_LOSS_WEIGHTS): { total: tf.Scalar; parts: LossParts } {
  const parts: LossParts = {};
  const bce = (target: tf.Tensor4D, logits: tf.Tensor4D) => tf.losses.sigmoidCrossEntropy(target, logits) as tf.Scalar;
  // Mean over the cells that have a target, so the loss does not shrink with the share of empty background;
  // 0 (not 0/0) for a batch whose crops hold no keypoint.
  const maskedHuber = (target: tf.Tensor4D, prediction: tf.Tensor4D, mask: tf.Tensor4D) =>
    tf.div(tf.losses.huberLoss(target, prediction, mask, 1, tf.Reduction.SUM), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  parts.heatmap = bce(targets.heatmap, outputs.heatmap!);
  parts.locref = maskedHuber(targets.locref, outputs.locref!, targets.locrefMask);
  let total = tf.add(tf.mul(parts.heatmap, weights.heatmap), tf.mul(parts.locref, weights.locref));
  if (outputs.paf && targets.paf) {
    parts.paf = tf.losses.huberLoss(targets.paf, outputs.paf, undefined, 1, tf.Reduction.MEAN) as tf.Scalar;
    total = tf.add(total, tf.mul(parts.paf, weights.paf));
  }
  if (outputs.unique_heatmap && targets.uniqueHeatmap) {
    parts.unique_heatmap = bce(targets.uniqueHeatmap, outputs.unique_heatmap);
    parts.unique_locref = maskedHuber(targets.uniqueLocref!, outputs.unique_locref!, targets.uniqueLocrefMask!);
    total = tf.add(total, tf.add(tf.mul(parts.unique_heatmap, weights.heatmap), tf.mul(parts.unique_locref, weights.locref)));
  }
  if (outputs.identity && targets.identity) {
    parts.identity = bce(targets.identity, outputs.identity);
    total = tf.add(total, tf.mul(parts.identity, weights.identity));
  }
  return { total: total as tf.Scalar, parts };
}
