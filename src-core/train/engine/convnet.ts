/**
 * A minimal functional conv-net on tfjs-core (no tfjs-layers): parameters are tf.Variables, the forward pass is a
 * function. Used by the engine's kernel tests and bench-step.ts; the pose networks are model graphs in
 * src-core/model/.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface ConvLayerSpec {
  /** Output channels. */
  filters: number;
  /** Square kernel size (default 3). */
  kernel?: number;
  /** 1 or 2 (default 1). */
  stride?: number;
  /** Batch normalisation (batch statistics while training, running statistics at inference). Default false. */
  batchNorm?: boolean;
  /** 'relu' (default) or 'linear' (no activation, used for output heads). */
  activation?: 'relu' | 'linear';
}

export interface ConvLayer {
  spec: Required<ConvLayerSpec>;
  w: tf.Variable<tf.Rank.R4>;
  b?: tf.Variable<tf.Rank.R1>;
  gamma?: tf.Variable<tf.Rank.R1>;
  beta?: tf.Variable<tf.Rank.R1>;
  /** Running statistics (not trained by gradients). */
  movingMean?: tf.Variable<tf.Rank.R1>;
  movingVar?: tf.Variable<tf.Rank.R1>;
}

export interface ConvNet {
  layers: ConvLayer[];
  /** Trainable variables, in a stable order. */
  trainable: tf.Variable[];
}

/** Deterministic He-normal initialisation from `seed`. */
export function buildConvNet(inChannels: number, specs: ConvLayerSpec[], seed = 1): ConvNet {
  const layers: ConvLayer[] = [];
  let cin = inChannels;
  specs.forEach((s, i) => {
    const spec: Required<ConvLayerSpec> = {
      filters: s.filters,
      kernel: s.kernel ?? 3,
      stride: s.stride ?? 1,
      batchNorm: s.batchNorm ?? false,
      activation: s.activation ?? 'relu',
    };
    const fanIn = spec.kernel * spec.kernel * cin;
    const w = tf.variable(
      tf.tidy(() => tf.randomNormal([spec.kernel, spec.kernel, cin, spec.filters], 0, Math.sqrt(2 / fanIn), 'float32', seed * 1000 + i)),
      true,
      `conv${i}/w`,
    ) as tf.Variable<tf.Rank.R4>;
    const layer: ConvLayer = { spec, w };
    if (spec.batchNorm) {
      layer.gamma = tf.variable(tf.ones([spec.filters]), true, `conv${i}/gamma`) as tf.Variable<tf.Rank.R1>;
      layer.beta = tf.variable(tf.zeros([spec.filters]), true, `conv${i}/beta`) as tf.Variable<tf.Rank.R1>;
      layer.movingMean = tf.variable(tf.zeros([spec.filters]), false, `conv${i}/moving_mean`) as tf.Variable<tf.Rank.R1>;
      layer.movingVar = tf.variable(tf.ones([spec.filters]), false, `conv${i}/moving_var`) as tf.Variable<tf.Rank.R1>;
    } else {
      layer.b = tf.variable(tf.zeros([spec.filters]), true, `conv${i}/b`) as tf.Variable<tf.Rank.R1>;
    }
    layers.push(layer);
    cin = spec.filters;
  });
  const trainable: tf.Variable[] = [];
  for (const l of layers) {
    trainable.push(l.w);
    if (l.b) trainable.push(l.b);
    if (l.gamma) trainable.push(l.gamma, l.beta!);
  }
  return { layers, trainable };
}

const BN_EPS = 1e-3;
const BN_MOMENTUM = 0.9;

/**
 * Forward pass. With `training`, batch-norm layers use batch statistics and (outside gradient recording is fine)
 * update their running statistics.
 */
export function forward(net: ConvNet, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
  let h = x;
  for (const l of net.layers) {
    let y = tf.conv2d(h, l.w, l.spec.stride, 'same');
    if (l.spec.batchNorm) {
      if (training) {
        const { mean, variance } = tf.moments(y, [0, 1, 2]);
        updateMoving(l, mean, variance);
        // x·scale + shift with per-channel [C] scale/shift instead of tf.batchNorm: the gradient of tfjs's
        // FusedBatchNorm tiles mean, variance and scale to the full activation shape (Tile was 1/3 of a training
        // step on wasm); broadcasting Mul/Add reduce with Sum instead.
        const scale = tf.mul(l.gamma!, tf.rsqrt(tf.add(variance, BN_EPS)));
        const shift = tf.sub(l.beta!, tf.mul(mean, scale));
        y = tf.add(tf.mul(y, scale), shift) as tf.Tensor4D;
      } else {
        y = tf.batchNorm(y, l.movingMean!, l.movingVar!, l.beta!, l.gamma!, BN_EPS) as tf.Tensor4D;
      }
    } else {
      y = tf.add(y, l.b!) as tf.Tensor4D;
    }
    h = l.spec.activation === 'relu' ? tf.relu(y) : y;
  }
  return h;
}

function updateMoving(l: ConvLayer, mean: tf.Tensor, variance: tf.Tensor): void {
  const m = tf.tidy(() => tf.add(tf.mul(l.movingMean!, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)));
  const v = tf.tidy(() => tf.add(tf.mul(l.movingVar!, BN_MOMENTUM), tf.mul(variance, 1 - BN_MOMENTUM)));
  l.movingMean!.assign(m as tf.Tensor1D);
  l.movingVar!.assign(v as tf.Tensor1D);
  m.dispose();
  v.dispose();
}

/** Releases every variable of the net. */
export function disposeConvNet(net: ConvNet): void {
  for (const l of net.layers) for (const v of [l.w, l.b, l.gamma, l.beta, l.movingMean, l.movingVar]) v?.dispose();
}

/**
 * One optimisation step: forward, loss, backward, optimizer update. Returns the loss value.
 * `lossFn(prediction, target)` must return a scalar.
 */
export function trainStep(
  net: ConvNet,
  optimizer: tf.Optimizer,
  x: tf.Tensor4D,
  target: tf.Tensor4D,
  lossFn: (pred: tf.Tensor4D, target: tf.Tensor4D) => tf.Scalar,
): number {
  const cost = optimizer.minimize(() => lossFn(forward(net, x, true), target), true, net.trainable);
  const v = cost!.dataSync()[0]!;
  cost!.dispose();
  return v;
}
