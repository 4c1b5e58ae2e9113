/**
 * Loss and gradients of one batch, the unit of work that the training step shares between threads: the main
 * thread and each helper thread run this on their slice of the batch (trainer.ts, parallel.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { runTfModel, type TfModel } from '../model/tfjs-model';
import type { Batch, BatchTargets } from './data';
import { poseLoss, targetTensors } from './loss';

export interface BatchGradients {
  /** Gradients of the trainable variables, in `model.trainable` order. */
  gradients: Float32Array[];
  /** The loss and its parts, averaged over the slice. */
  losses: Record<string, number>;
  size: number;
}

/** Forward, loss and backward on `batch` (batch norm in training mode, so its running statistics move too). */
export function lossAndGradients(model: TfModel, batch: Batch): BatchGradients {
  const kept: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const x = tf.tensor4d(batch.images, [batch.size, batch.height, batch.width, 3]);
    const outputs = runTfModel(model, x, true);
    const { total, parts } = poseLoss(outputs, targetTensors(batch.targets, outputs));
    for (const [name, part] of Object.entries(parts)) kept[name] = tf.keep(part);
    return total;
  }, model.trainable);
  const losses: Record<string, number> = { total: value.dataSync()[0]! };
  value.dispose();
  for (const [name, part] of Object.entries(kept)) {
    losses[name] = part.dataSync()[0]!;
    part.dispose();
  }
  const gradients = model.trainable.map((variable) => {
    const gradient = grads[variable.name]!;
    const values = gradient.dataSync() as Float32Array;
    gradient.dispose();
    return values;
  });
  return { gradients, losses, size: batch.size };
}

/**
 * Samples [from, to) of a batch: views, or copies for posting to another thread (a posted view would carry its
 * whole buffer along).
 */
export function sliceBatch(batch: Batch, from: number, to: number, copy = false): Batch {
  const part = (values: Float32Array | undefined): Float32Array | undefined => {
    if (!values) return undefined;
    const perSample = values.length / batch.size;
    return copy ? values.slice(from * perSample, to * perSample) : values.subarray(from * perSample, to * perSample);
  };
  const targets = Object.fromEntries(Object.entries(batch.targets).map(([name, values]) => [name, part(values)])) as unknown as BatchTargets;
  return { size: to - from, height: batch.height, width: batch.width, images: part(batch.images)!, targets };
}
