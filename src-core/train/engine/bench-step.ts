/**
 * Training-step throughput of the CPU engine (not a test):
 *
 *   node --import tsx src-core/train/engine/bench-step.ts [--runs 3] [--steps 5] [--no-cpu] [--no-bn]
 *
 * Net ("small stride-8"): 7 × conv3×3 (3→32/2, 32→32, 32→64/2, 64→64, 64→64/2, 64→64, 64→64) with BatchNorm
 * (batch statistics) + ReLU, then a 1×1 head to 32 channels (heatmaps + locref + PAF-sized). Input 8×128×128×3,
 * output 8×16×16×32, sigmoid cross-entropy, Adam. Prints img/s for wasm + Herd kernels and for the `cpu` backend
 * (1 step; it is very slow), and a per-kernel profile of one mid layer (8×64×64×64 → 64, 3×3, stride 1 and 2).
 * `--profile` adds the time per kernel name over one whole training step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { loadCpuBackend, loadWasmBackend, selectBackend } from './backend';
import { buildConvNet, disposeConvNet, forward, trainStep, type ConvLayerSpec } from './convnet';
import { registerWasmGradientKernels } from './wasm-gradients';

const args = process.argv.slice(2);
const flag = (n: string) => args.includes(n);
const num = (n: string, d: number) => {
  const i = args.indexOf(n);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const RUNS = num('--runs', 3);
const STEPS = num('--steps', 5);
const BN = !flag('--no-bn');
const B = 8;
const S = 128;

function specs(): ConvLayerSpec[] {
  const l = (filters: number, stride = 1): ConvLayerSpec => ({ filters, stride, batchNorm: BN });
  return [l(32, 2), l(32), l(64, 2), l(64), l(64, 2), l(64), l(64), { filters: 32, kernel: 1, activation: 'linear' }];
}

function now(): number {
  return performance.now();
}

async function stepRate(backend: string, steps: number, warmup: number): Promise<{ imgPerS: number; msPerStep: number; fwdImgPerS: number }> {
  await tf.setBackend(backend);
  const net = buildConvNet(3, specs(), 1);
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([B, S, S, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const t = tf.randomUniform([B, S / 8, S / 8, 32], 0, 1, 'float32', 2) as tf.Tensor4D;
  const loss = (p: tf.Tensor4D, y: tf.Tensor4D) => tf.losses.sigmoidCrossEntropy(y, p) as tf.Scalar;
  for (let i = 0; i < warmup; i++) trainStep(net, opt, x, t, loss);
  const t0 = now();
  for (let i = 0; i < steps; i++) trainStep(net, opt, x, t, loss);
  const dt = (now() - t0) / steps;
  // Forward only (inference mode), for the step/forward ratio.
  let fwd = NaN;
  if (backend !== 'cpu') {
    runRead(() => forward(net, x, false));
    const f0 = now();
    for (let i = 0; i < steps; i++) runRead(() => forward(net, x, false));
    fwd = (now() - f0) / steps;
  }
  disposeConvNet(net);
  opt.dispose();
  x.dispose();
  t.dispose();
  return { imgPerS: (B * 1000) / dt, msPerStep: dt, fwdImgPerS: (B * 1000) / fwd };
}

/** Runs f and reads its result. (Never return a TypedArray from tf.tidy: tidy walks it element by element.) */
function runRead(f: () => tf.Tensor): void {
  const y = tf.tidy(f);
  y.dataSync();
  y.dispose();
}

function timeIt(f: () => tf.Tensor, reps = 3): number {
  runRead(f); // warm-up (XNNPACK operator creation)
  const t0 = now();
  for (let i = 0; i < reps; i++) runRead(f);
  return (now() - t0) / reps;
}

function profileLayer(stride: 1 | 2, original?: { input?: KernelConfig }): Record<string, number> {
  const x = tf.randomNormal([8, 64, 64, 64], 0, 1, 'float32', 3) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 64, 64], 0, 0.05, 'float32', 4) as tf.Tensor4D;
  const ho = 64 / stride;
  const dy = tf.randomNormal([8, ho, ho, 64], 0, 1, 'float32', 5) as tf.Tensor4D;
  const r: Record<string, number> = {};
  r['forward conv2d'] = timeIt(() => tf.conv2d(x, w, stride, 'same'));
  r[stride === 1 ? 'dx (Herd: conv of dy with the flipped filter)' : 'dx (Herd: polyphase, 4 sub-convs)'] = timeIt(() => tf.conv2dTranspose(dy, w, [8, 64, 64, 64], stride, 'same'));
  if (stride > 1) {
    r['dx (zero-inserted dy, one conv: the issue\'s recipe)'] = timeIt(
      () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
          strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: [8, 64, 64, 64], __herdZeroInsert: true,
        } as never) as tf.Tensor,
    );
  }
  r['dW (Herd: conv over transposed tensors)'] = timeIt(() =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, 64, 64] } as never) as tf.Tensor,
  );
  if (original?.input) {
    const mine = getKernel('Conv2DBackpropInput', 'wasm')!;
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(original.input);
    r["dx (wasm's own Conv2DBackpropInput)"] = timeIt(() => tf.conv2dTranspose(dy, w, [8, 64, 64, 64], stride, 'same'), 2);
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(mine);
  }
  x.dispose();
  w.dispose();
  dy.dispose();
  return r;
}

async function main(): Promise<void> {
  loadCpuBackend();
  // Keep wasm's own Conv2DBackpropInput for the profile comparison before Herd's replaces it.
  loadWasmBackend();
  const originalInput = getKernel('Conv2DBackpropInput', 'wasm');
  const saved = originalInput ? { ...originalInput } : undefined;
  const choice = await selectBackend({ prefer: ['wasm'] });
  registerWasmGradientKernels();
  console.log(choice.description, '| kernels:', choice.registeredKernels.join(', '));
  console.log(`net: 7×conv3×3 (32,32,64,64,64,64,64; strides 2,1,2,1,2,1,1) ${BN ? '+ BatchNorm' : 'with bias, no BatchNorm'} + ReLU, 1×1 head → 32 ch; batch ${B}, ${S}×${S}, Adam`);
  for (let run = 1; run <= RUNS; run++) {
    const r = await stepRate('wasm', STEPS, 2);
    console.log(`wasm run ${run}: ${r.imgPerS.toFixed(1)} img/s (${r.msPerStep.toFixed(0)} ms/step); forward only ${r.fwdImgPerS.toFixed(1)} img/s`);
  }
  await tf.setBackend('wasm');
  for (const s of [1, 2] as const) {
    const p = profileLayer(s, s === 1 ? { input: saved } : undefined);
    console.log(`profile, mid layer 8×64×64×64 → 64, 3×3, stride ${s}:`);
    for (const [k, v] of Object.entries(p)) console.log(`  ${k}: ${v.toFixed(0)} ms`);
  }
  if (flag('--profile')) {
    // Time per kernel name over one training step (wasm), summed.
    const net = buildConvNet(3, specs(), 1);
    const opt = tf.train.adam(1e-3);
    const x = tf.randomNormal([B, S, S, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const t = tf.randomUniform([B, S / 8, S / 8, 32], 0, 1, 'float32', 2) as tf.Tensor4D;
    const loss = (p: tf.Tensor4D, y: tf.Tensor4D) => tf.losses.sigmoidCrossEntropy(y, p) as tf.Scalar;
    trainStep(net, opt, x, t, loss);
    const info = await tf.profile(() => {
      trainStep(net, opt, x, t, loss);
    });
    const byName = new Map<string, { ms: number; n: number }>();
    let total = 0;
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = byName.get(k.name) ?? { ms: 0, n: 0 };
      e.ms += ms;
      e.n += 1;
      byName.set(k.name, e);
      total += ms;
    }
    console.log(`profile of one training step (sum of kernel times ${total.toFixed(0)} ms):`);
    for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) {
      console.log(`  ${name.padEnd(24)} ${e.ms.toFixed(0).padStart(6)} ms  (${e.n} calls)`);
    }
    console.log('  per call (convolution gradients):');
    for (const k of info.kernels) {
      if (k.name.startsWith('Conv2DBackprop')) {
        console.log(`    ${k.name.padEnd(22)} ${JSON.stringify(k.inputShapes)} ${(typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0).toFixed(1)} ms`);
      }
    }
    disposeConvNet(net);
    opt.dispose();
  }
  if (!flag('--no-cpu')) {
    const r = await stepRate('cpu', 1, 0);
    console.log(`cpu (pure JS), 1 step: ${r.imgPerS.toFixed(2)} img/s (${(r.msPerStep / 1000).toFixed(1)} s/step)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
