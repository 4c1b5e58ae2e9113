/**
 * Runs a model graph with tfjs-core (no tfjs-layers): parameters are tf.Variables keyed by name, the forward
 * pass walks the nodes. Works on every tfjs backend; on `wasm` it needs the gradient kernels of
 * train/engine/wasm-gradients.ts to train.
 */
import * as tf from '@tensorflow/tfjs-core';
import { INPUT, parameterSpecs, type ConvNode, type HeadOutput, type ModelGraph, type ParameterSpec } from './graph';

export interface TfModel {
  graph: ModelGraph;
  specs: ParameterSpec[];
  params: Map<string, tf.Variable>;
  /** Variables trained by gradients, in `specs` order. */
  trainable: tf.Variable[];
}

/** Momentum of the batch-norm running statistics (0.9: small datasets take few steps per epoch). */
const BN_MOMENTUM = 0.9;
const LOW_PROBABILITY_BIAS = -Math.log(99);
let modelCount = 0;

/** A fresh model: He-normal kernels from `seed`, zero biases, unit batch norm. */
export function createTfModel(graph: ModelGraph, seed = 1): TfModel {
  const specs = parameterSpecs(graph);
  const values = new Map<string, Float32Array>();
  specs.forEach((spec, index) => values.set(spec.name, initialValue(spec, seed * 7919 + index)));
  return tfModelFromValues(graph, values);
}

function initialValue(spec: ParameterSpec, seed: number): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  switch (spec.init) {
    case 'he': {
      const [kh, kw, cin] = spec.shape;
      return tf.tidy(() => tf.randomNormal(spec.shape, 0, Math.sqrt(2 / (kh! * kw! * cin!)), 'float32', seed)).dataSync() as Float32Array;
    }
    case 'ones':
      return new Float32Array(size).fill(1);
    case 'low-probability':
      return new Float32Array(size).fill(LOW_PROBABILITY_BIAS);
    case 'zeros':
      return new Float32Array(size);
  }
}

/** A model whose parameters take `values` (every parameter of the graph must be there, with its shape's size). */
export function tfModelFromValues(graph: ModelGraph, values: ReadonlyMap<string, Float32Array>): TfModel {
  const specs = parameterSpecs(graph);
  const params = new Map<string, tf.Variable>();
  // tfjs variable names are global to the process: a prefix per model lets several models live side by side.
  const prefix = `model${++modelCount}`;
  for (const spec of specs) {
    const value = values.get(spec.name);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!value) throw new Error(`parameter ${spec.name} is missing`);
    if (value.length !== size) throw new Error(`parameter ${spec.name} has ${value.length} values, its shape [${spec.shape}] needs ${size}`);
    params.set(spec.name, tf.variable(tf.tensor(value, spec.shape, 'float32'), spec.trainable, `${prefix}/${spec.name}`));
  }
  return { graph, specs, params, trainable: specs.filter((s) => s.trainable).map((s) => params.get(s.name)!) };
}

/** Every parameter's current value, by name (copies). */
export function readParameterValues(model: TfModel): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const spec of model.specs) values.set(spec.name, model.params.get(spec.name)!.dataSync() as Float32Array);
  return values;
}

/** Sets the trainable variables from values in `model.trainable` order (copies them). */
export function setTrainable(model: TfModel, values: readonly Float32Array[]): void {
  model.trainable.forEach((variable, i) => tf.tidy(() => variable.assign(tf.tensor(values[i]!, variable.shape))));
}

/** The trainable variables' values in `model.trainable` order (copies). */
export function readTrainable(model: TfModel): Float32Array[] {
  return model.trainable.map((variable) => new Float32Array(variable.dataSync()));
}

export function disposeTfModel(model: TfModel): void {
  for (const v of model.params.values()) v.dispose();
}

export type HeadTensors = Partial<Record<HeadOutput, tf.Tensor4D>>;

/**
 * The forward pass. `training`: batch norm uses the batch's statistics and updates the running ones (call it
 * inside the optimizer's loss function); otherwise the running statistics. Returns the head outputs (logits for
 * the heatmap-like heads).
 */
export function runTfModel(model: TfModel, image: tf.Tensor4D, training: boolean): HeadTensors {
  const tensors = new Map<string, tf.Tensor4D>([[INPUT, image]]);
  const p = (name: string) => model.params.get(name)!;
  for (const node of model.graph.nodes) {
    let y: tf.Tensor4D;
    switch (node.op) {
      case 'conv':
        y = convForward(node, tensors.get(node.input)!, p, training);
        break;
      case 'add':
        y = activate(tf.add(tensors.get(node.inputs[0])!, tensors.get(node.inputs[1])!), node.activation);
        break;
      case 'maxpool':
        y = tf.maxPool(tensors.get(node.input)!, node.size, node.stride, 'same');
        break;
      case 'upsample': {
        const x = tensors.get(node.input)!;
        y = tf.image.resizeBilinear(x, [x.shape[1] * node.factor, x.shape[2] * node.factor], false, false);
        break;
      }
    }
    tensors.set(node.name, y);
  }
  const out: HeadTensors = {};
  for (const [output, node] of Object.entries(model.graph.outputs) as Array<[HeadOutput, string]>) out[output] = tensors.get(node)!;
  return out;
}

function convForward(node: ConvNode, x: tf.Tensor4D, p: (name: string) => tf.Variable, training: boolean): tf.Tensor4D {
  let y = tf.conv2d(x, p(`${node.name}/kernel`) as tf.Tensor4D, node.stride, 'same', 'NHWC', node.dilation);
  if (node.bias) y = tf.add(y, p(`${node.name}/bias`));
  if (node.batchNorm) {
    const bn = node.batchNorm.name;
    const gamma = p(`${bn}/gamma`);
    const beta = p(`${bn}/beta`);
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (training) {
      ({ mean, variance } = tf.moments(y, [0, 1, 2]));
      updateRunning(p(`${bn}/moving_mean`), mean, p(`${bn}/moving_variance`), variance);
    } else {
      mean = p(`${bn}/moving_mean`);
      variance = p(`${bn}/moving_variance`);
    }
    // x·scale + shift with per-channel scale/shift rather than tf.batchNorm, whose gradient tiles the
    // statistics to the activation's full shape (a third of a training step on wasm).
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, node.batchNorm.epsilon)));
    const shift = tf.sub(beta, tf.mul(mean, scale));
    y = tf.add(tf.mul(y, scale), shift);
  }
  return activate(y, node.activation);
}

function activate(y: tf.Tensor4D, activation: 'relu' | 'linear'): tf.Tensor4D {
  return activation === 'relu' ? tf.relu(y) : y;
}

function updateRunning(movingMean: tf.Variable, mean: tf.Tensor, movingVariance: tf.Variable, variance: tf.Tensor): void {
  // Not part of the loss, so no gradient flows here; the running statistics are plain assignments.
  const [m, v] = tf.tidy(() => [
    tf.add(tf.mul(movingMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)),
    tf.add(tf.mul(movingVariance, BN_MOMENTUM), tf.mul(variance, 1 - BN_MOMENTUM)),
  ]);
  movingMean.assign(m!);
  movingVariance.assign(v!);
  m!.dispose();
  v!.dispose();
}
