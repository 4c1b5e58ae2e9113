import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadCpuBackend, selectBackend, type BackendChoice } from '../../src-core/train/engine/backend';
import { buildConvNet, disposeConvNet, forward, trainStep } from '../../src-core/train/engine/convnet';

type Arr = Float32Array;

/** max |a-b| / max |a| */
function relErr(ref: Arr, got: Arr): number {
  assert.equal(ref.length, got.length);
  let m = 0;
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    m = Math.max(m, Math.abs(ref[i]! - got[i]!));
    n = Math.max(n, Math.abs(ref[i]!));
  }
  return n === 0 ? m : m / n;
}

/** Gradients of sum(f(inputs) · r) on a backend, r a fixed random tensor (so dy is not all ones). */
async function gradsOn(backend: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: { shape: number[]; seed: number }[]): Promise<Arr[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.randomNormal(i.shape, 0, 1, 'float32', i.seed));
    const outShape = f(...xs).shape;
    const r = tf.randomNormal(outShape, 0, 1, 'float32', 77);
    const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)))(xs);
    return g.map((t) => t.dataSync() as Arr);
  });
}

let choice: BackendChoice;

before(async () => {
  loadCpuBackend();
  choice = await selectBackend({ prefer: ['wasm'] });
});

describe('wasm gradient kernels match the cpu backend', () => {
  const convCases: { x: number[]; w: number[]; s: 1 | 2; p: 'same' | 'valid' }[] = [
    { x: [2, 7, 9, 3], w: [3, 3, 3, 5], s: 1, p: 'same' }, // odd sizes, Cin ≠ Cout
    { x: [2, 8, 8, 4], w: [3, 3, 4, 6], s: 2, p: 'same' }, // stride 2 'same', even input
    { x: [3, 7, 7, 4], w: [3, 3, 4, 6], s: 2, p: 'same' }, // stride 2 'same', odd input
    { x: [2, 9, 8, 3], w: [3, 3, 3, 5], s: 2, p: 'valid' }, // stride 2 'valid' (unused trailing rows)
    { x: [2, 11, 10, 3], w: [5, 5, 3, 4], s: 2, p: 'same' }, // 5×5
    { x: [1, 7, 7, 2], w: [1, 1, 2, 3], s: 2, p: 'same' }, // 1×1 stride 2 (negative bottom pad for dx)
    { x: [2, 6, 6, 3], w: [3, 3, 3, 2], s: 1, p: 'valid' },
    { x: [4, 16, 12, 8], w: [3, 3, 8, 16], s: 2, p: 'same' },
  ];
  for (const c of convCases) {
    it(`Conv2DBackpropInput / Conv2DBackpropFilter: x ${c.x} w ${c.w} stride ${c.s} ${c.p}`, async () => {
      const f = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.p);
      const ins = [
        { shape: c.x, seed: 1 },
        { shape: c.w, seed: 2 },
      ];
      const ref = await gradsOn('cpu', f, ins);
      const got = await gradsOn('wasm', f, ins);
      assert.ok(relErr(ref[0]!, got[0]!) < 1e-4, `dx rel err ${relErr(ref[0]!, got[0]!)}`);
      assert.ok(relErr(ref[1]!, got[1]!) < 1e-4, `dW rel err ${relErr(ref[1]!, got[1]!)}`);
    });
  }

  it('strided dx: the polyphase path equals the zero-insertion path (and mixed strides work)', async () => {
    await tf.setBackend('wasm');
    for (const [xs, ws, st] of [
      [[2, 9, 10, 3], [3, 3, 3, 5], [2, 2]],
      [[2, 9, 10, 3], [3, 3, 3, 5], [2, 1]],
      [[1, 11, 8, 2], [5, 4, 2, 3], [3, 2]],
      [[1, 7, 7, 2], [1, 1, 2, 3], [2, 2]],
    ] as [[number, number, number, number], [number, number, number, number], [number, number]][]) {
      for (const pad of ['same', 'valid'] as const) {
        const dyShape = tf.tidy(() => tf.conv2d(tf.zeros(xs) as tf.Tensor4D, tf.zeros(ws) as tf.Tensor4D, st, pad).shape as number[]);
        const [a, b] = tf.tidy(() => {
          const dy = tf.randomNormal(dyShape, 0, 1, 'float32', 8);
          const w = tf.randomNormal(ws, 0, 1, 'float32', 9);
          const attrs = { strides: st, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: xs };
          const p = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, attrs as never) as tf.Tensor;
          const z = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, __herdZeroInsert: true } as never) as tf.Tensor;
          return [p.dataSync() as Arr, z.dataSync() as Arr];
        });
        assert.ok(relErr(b!, a!) < 1e-5, `${xs} ${ws} ${st} ${pad}: ${relErr(b!, a!)}`);
      }
      const f = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, st, 'same');
      const ins = [
        { shape: xs, seed: 1 },
        { shape: ws, seed: 2 },
      ];
      const ref = await gradsOn('cpu', f, ins);
      const got = await gradsOn('wasm', f, ins);
      for (let i = 0; i < 2; i++) assert.ok(relErr(ref[i]!, got[i]!) < 1e-4, `${xs} ${ws} ${st} input ${i}: ${relErr(ref[i]!, got[i]!)}`);
    }
  });

  it('conv2dTranspose (forward = Conv2DBackpropInput) and its gradients', async () => {
    const f = (x: tf.Tensor, w: tf.Tensor) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 10, 14, 4], 2, 'same');
    const ins = [
      { shape: [2, 5, 7, 6], seed: 3 },
      { shape: [3, 3, 4, 6], seed: 4 },
    ];
    const ref = await gradsOn('cpu', f, ins);
    const got = await gradsOn('wasm', f, ins);
    for (let i = 0; i < 2; i++) assert.ok(relErr(ref[i]!, got[i]!) < 1e-4, `input ${i}: ${relErr(ref[i]!, got[i]!)}`);
  });

  const poolCases: { x: number[]; k: number; s: number; p: 'same' | 'valid'; relu?: boolean }[] = [
    { x: [2, 7, 9, 3], k: 3, s: 2, p: 'same' },
    { x: [2, 8, 8, 1], k: 2, s: 2, p: 'valid' },
    { x: [3, 9, 6, 4], k: 3, s: 1, p: 'same' },
    { x: [2, 8, 10, 5], k: 3, s: 2, p: 'same', relu: true }, // many ties (zeros): first maximum wins, as on cpu
  ];
  for (const c of poolCases) {
    it(`MaxPoolGrad: x ${c.x} ${c.k}×${c.k}/${c.s} ${c.p}${c.relu ? ' after relu' : ''}`, async () => {
      const f = (x: tf.Tensor) => tf.maxPool(c.relu ? tf.relu(x as tf.Tensor4D) : (x as tf.Tensor4D), c.k, c.s, c.p);
      const ins = [{ shape: c.x, seed: 5 }];
      const ref = await gradsOn('cpu', f, ins);
      const got = await gradsOn('wasm', f, ins);
      assert.ok(relErr(ref[0]!, got[0]!) < 1e-4, `rel err ${relErr(ref[0]!, got[0]!)}`);
    });
  }

  it('a conv + batch-norm + relu + resize stack: every parameter gradient matches', async () => {
    const f = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, g: tf.Tensor, beta: tf.Tensor) => {
      let h = tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same');
      const m = tf.moments(h, [0, 1, 2]);
      h = tf.relu(tf.batchNorm(h, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, beta as tf.Tensor1D, g as tf.Tensor1D, 1e-3));
      h = tf.conv2d(h, w2 as tf.Tensor4D, 1, 'same');
      return tf.image.resizeBilinear(h, [12, 12]);
    };
    const ins = [
      { shape: [2, 12, 12, 3], seed: 11 },
      { shape: [3, 3, 3, 8], seed: 12 },
      { shape: [3, 3, 8, 4], seed: 13 },
      { shape: [8], seed: 14 },
      { shape: [8], seed: 15 },
    ];
    const ref = await gradsOn('cpu', f, ins);
    const got = await gradsOn('wasm', f, ins);
    for (let i = 0; i < ref.length; i++) assert.ok(relErr(ref[i]!, got[i]!) < 1e-4, `input ${i}: ${relErr(ref[i]!, got[i]!)}`);
  });
});

describe('training on wasm', () => {
  it('a tiny convnet learns a toy heatmap task (loss falls over 20 Adam steps)', async () => {
    await tf.setBackend('wasm');
    const B = 8;
    const S = 32;
    const stride = 4;
    const hs = S / stride;
    // Images: a bright Gaussian blob on noise; target: a Gaussian heatmap at the blob, at stride 4.
    const img = new Float32Array(B * S * S * 3);
    const tgt = new Float32Array(B * hs * hs);
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let b = 0; b < B; b++) {
      const cx = 4 + rnd() * (S - 8);
      const cy = 4 + rnd() * (S - 8);
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++) {
          const v = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 8);
          for (let c = 0; c < 3; c++) img[((b * S + y) * S + x) * 3 + c] = v + 0.1 * (rnd() - 0.5);
        }
      for (let y = 0; y < hs; y++)
        for (let x = 0; x < hs; x++) {
          const px = (x + 0.5) * stride - 0.5;
          const py = (y + 0.5) * stride - 0.5;
          tgt[(b * hs + y) * hs + x] = Math.exp(-((px - cx) ** 2 + (py - cy) ** 2) / (2 * 3 ** 2));
        }
    }
    const x = tf.tensor4d(img, [B, S, S, 3]);
    const t = tf.tensor4d(tgt, [B, hs, hs, 1]);
    const net = buildConvNet(
      3,
      [
        { filters: 8, stride: 2, batchNorm: true },
        { filters: 16, stride: 2, batchNorm: true },
        { filters: 16 },
        { filters: 1, kernel: 1, activation: 'linear' },
      ],
      7,
    );
    const opt = tf.train.adam(1e-2);
    const loss = (p: tf.Tensor4D, y: tf.Tensor4D) => tf.losses.sigmoidCrossEntropy(y, p) as tf.Scalar;
    const before0 = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) losses.push(trainStep(net, opt, x, t, loss));
    // No tensor leaks per step beyond the optimizer's slots (created on the first step).
    const afterFirst = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    trainStep(net, opt, x, t, loss);
    assert.equal(tf.memory().numTensors, afterFirst, 'a training step leaks tensors');
    assert.equal(tf.engine().backend.numDataIds(), dataIds, 'a training step leaks wasm buffers');
    assert.ok(afterFirst >= before0);
    const first = losses[0]!;
    const last = losses[losses.length - 1]!;
    assert.ok(Number.isFinite(last), `loss ${last}`);
    assert.ok(last < 0.8 * first, `loss did not fall: ${losses.map((l) => l.toFixed(4)).join(' ')}`);
    // Inference mode (running batch-norm statistics) runs and gives the right shape.
    const pred = tf.tidy(() => forward(net, x, false));
    assert.deepEqual(pred.shape, [B, hs, hs, 1]);
    pred.dispose();
    disposeConvNet(net);
    opt.dispose();
    x.dispose();
    t.dispose();
  });
});

describe('backend selection', () => {
  it('picked wasm with Herd gradient kernels', () => {
    assert.equal(choice.kind, 'wasm');
    assert.deepEqual([...choice.registeredKernels].sort(), ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad']);
    assert.match(choice.description, /WebAssembly/);
  });

  it('falls back past tfjs-node(-gpu) when the native binary cannot load', async () => {
    const tried: string[] = [];
    const c = await selectBackend({
      requireNative: (id) => {
        tried.push(id);
        throw new Error(`Cannot find module '${id}/lib/napi-v8/tfjs_binding.node'`);
      },
    });
    assert.deepEqual(tried, ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    assert.equal(c.kind, 'wasm');
    assert.deepEqual(
      c.skipped.map((s) => s.kind),
      ['tfjs-node-gpu', 'tfjs-node'],
    );
    assert.match(c.skipped[1]!.reason, /tfjs_binding/);
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('falls back when a native package loads but registers no backend with this tfjs-core', async () => {
    const c = await selectBackend({ prefer: ['tfjs-node', 'cpu'], requireNative: () => ({}) });
    assert.equal(c.kind, 'cpu');
    assert.match(c.skipped[0]!.reason, /registered no 'tensorflow' backend/);
    await tf.setBackend('wasm');
  });

  it('with the real optional packages (absent or broken here) it never throws', async () => {
    const c = await selectBackend();
    assert.ok(['tfjs-node-gpu', 'tfjs-node', 'wasm'].includes(c.kind));
    await tf.setBackend('wasm');
  });
});

describe('process hygiene', () => {
  it('loading the wasm backend leaves no rethrowing process listeners behind', () => {
    // Emscripten's glue adds uncaughtException / unhandledRejection listeners that rethrow; selectBackend removes them.
    for (const ev of ['uncaughtException', 'unhandledRejection']) {
      for (const l of (process as NodeJS.EventEmitter).listeners(ev)) assert.doesNotMatch(String(l), /throw (ex|reason)\b/, `${ev} listener left: ${String(l).slice(0, 120)}`);
    }
  });
});
