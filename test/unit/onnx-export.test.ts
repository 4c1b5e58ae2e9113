import assert from 'node:assert/strict';
import { Random } from '../../src-core/common/random';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { buildModelGraph } from '../../src-core/model/architectures';
import { INPUT, parameterSpecs, type ConvNode, type GraphNode, type ModelGraph } from '../../src-core/model/graph';
import { exportOnnx } from '../../src-core/model/onnx-export';
import { disposeTfModel, runTfModel, tfModelFromValues } from '../../src-core/model/tfjs-model';
import { loadCpuBackend, selectBackend } from '../../src-core/train/engine/backend';

/** Deterministic uniform [0, 1) from `seed`. */
function rng(seed: number): () => number {
  const generator = new Random(seed);
  return () => generator.next();
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * Random parameters with non-trivial batch norm (mean, variance, gamma, beta all away from 0 / 1), scaled so
 * activations stay O(1) through the network (He kernels, BN scale ≈ 1). `residualGamma` scales the gamma of
 * batch norms whose name matches it (the last BN of ResNet blocks), so residual sums do not double each block.
 */
function randomValues(graph: ModelGraph, seed: number, residualGamma?: { match: RegExp; scale: number }): Map<string, Float32Array> {
  const r = rng(seed);
  const values = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(graph)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const kind = spec.name.slice(spec.name.lastIndexOf('/') + 1);
    const gammaScale = residualGamma && residualGamma.match.test(spec.name) ? residualGamma.scale : 1;
    const sample: Record<string, () => number> = {
      kernel: () => normal(r) * Math.sqrt(2 / (spec.shape[0]! * spec.shape[1]! * spec.shape[2]!)),
      bias: () => 0.2 * normal(r),
      gamma: () => gammaScale * (0.5 + r()),
      beta: () => 0.2 * normal(r),
      moving_mean: () => 0.3 * normal(r),
      moving_variance: () => 0.5 + r(),
    };
    values.set(spec.name, Float32Array.from({ length: size }, sample[kind]!));
  }
  return values;
}

interface Parity {
  maxAbs: number;
  maxRel: number;
}

/** Runs the graph on tfjs (wasm) and the exported model on ONNX Runtime; the worst differences over all outputs. */
async function parity(graph: ModelGraph, values: Map<string, Float32Array>, shape: [number, number, number, number], seed: number): Promise<Parity> {
  const r = rng(seed);
  const input = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => normal(r));
  const model = tfModelFromValues(graph, values);
  const ref = new Map<string, { data: Float32Array; shape: number[] }>();
  tf.tidy(() => {
    const out = runTfModel(model, tf.tensor4d(input, shape), false);
    for (const [name, t] of Object.entries(out)) ref.set(name, { data: t.dataSync() as Float32Array, shape: t.shape });
  });
  disposeTfModel(model);

  const session = await ort.InferenceSession.create(exportOnnx(graph, values, {}));
  const got = await session.run({ [INPUT]: new ort.Tensor('float32', input, shape) });
  await session.release();
  let maxAbs = 0;
  let maxRel = 0;
  for (const [name, { data, shape: refShape }] of ref) {
    const o = got[name];
    assert.ok(o, `ORT has no output ${name}`);
    assert.deepEqual(o.dims, refShape, `${name} shape`);
    const d = o.data as Float32Array;
    let scale = 0;
    let abs = 0;
    for (let i = 0; i < data.length; i++) {
      abs = Math.max(abs, Math.abs(d[i]! - data[i]!));
      scale = Math.max(scale, Math.abs(data[i]!));
    }
    maxAbs = Math.max(maxAbs, abs);
    maxRel = Math.max(maxRel, abs / scale);
  }
  return { maxAbs, maxRel };
}

function conv(name: string, input: string, inChannels: number, filters: number, o: Partial<ConvNode> = {}): ConvNode {
  return { op: 'conv', name, input, inChannels, filters, kernel: 3, stride: 1, dilation: 1, bias: false, activation: 'relu', ...o };
}

const bn = (name: string) => ({ name: `${name}_bn`, epsilon: 1e-3 });

/** Covers what herd_small does not: 7×7/2, bias + BN, max pools, dilation, 1×1/2, even kernels, a residual add. */
const handBuilt: ModelGraph = {
  netType: 'hand_built',
  nodes: [
    conv('c7s2', INPUT, 3, 8, { kernel: 7, stride: 2, bias: true, batchNorm: bn('c7s2') }), // 33×47 → 17×24
    { op: 'maxpool', name: 'pool3s2', input: 'c7s2', size: 3, stride: 2 }, // → 9×12 (odd, even)
    conv('dil2', 'pool3s2', 8, 8, { dilation: 2, batchNorm: bn('dil2') }),
    conv('proj1s2', 'dil2', 8, 12, { kernel: 1, stride: 2, bias: true, batchNorm: bn('proj1s2'), activation: 'linear' }), // → 5×6
    conv('c3s2', 'dil2', 8, 12, { stride: 2, batchNorm: bn('c3s2'), activation: 'linear' }),
    { op: 'add', name: 'res', inputs: ['proj1s2', 'c3s2'], activation: 'relu' },
    conv('even2', 'res', 12, 8, { kernel: 2, bias: true }), // even kernel, stride 1: pads 0 before, 1 after
    { op: 'maxpool', name: 'pool3s1', input: 'even2', size: 3, stride: 1 },
    { op: 'upsample', name: 'up3', input: 'pool3s1', factor: 3 }, // → 15×18
    conv('even4s2', 'up3', 8, 6, { kernel: 4, stride: 2, batchNorm: bn('even4s2') }), // → 8×9
    conv('dil3', 'even4s2', 6, 6, { kernel: 5, dilation: 3, batchNorm: bn('dil3') }),
    conv('head_heatmap', 'dil3', 6, 2, { kernel: 1, bias: true, activation: 'linear' }),
    { op: 'maxpool', name: 'pool2s2', input: 'up3', size: 2, stride: 2 },
    conv('head_locref', 'pool2s2', 8, 4, { bias: true, batchNorm: bn('head_locref'), activation: 'linear' }),
  ] satisfies GraphNode[],
  outputs: { heatmap: 'head_heatmap', locref: 'head_locref' },
  stride: 1,
  inputMultiple: 1,
};

const TOLERANCE = 1e-4;
const heads = { bodyparts: 4, edges: 6, uniqueBodyparts: 1, identities: 3 };

before(async () => {
  loadCpuBackend();
  const choice = await selectBackend({ prefer: ['wasm'] });
  assert.equal(choice.kind, 'wasm');
});

describe('ONNX export: ONNX Runtime matches runTfModel (wasm, inference)', () => {
  const small = buildModelGraph('herd_small', heads);
  const smallValues = randomValues(small, 11);
  for (const [h, w] of [
    [64, 64],
    [48, 80],
  ] as const) {
    it(`herd_small, batch 2, ${h}×${w}`, async () => {
      const p = await parity(small, smallValues, [2, h, w, 3], h * w);
      console.log(`herd_small ${h}×${w}: max |Δ| ${p.maxAbs.toExponential(2)}, max rel ${p.maxRel.toExponential(2)}`);
      assert.ok(p.maxAbs <= TOLERANCE, `max |Δ| ${p.maxAbs}`);
    });
  }

  for (const [h, w] of [
    [33, 47],
    [34, 46],
  ] as const) {
    it(`hand-built graph (strides, dilations, pools, even kernels, residual), batch 2, ${h}×${w}`, async () => {
      const p = await parity(handBuilt, randomValues(handBuilt, 5), [2, h, w, 3], 3);
      console.log(`hand-built ${h}×${w}: max |Δ| ${p.maxAbs.toExponential(2)}, max rel ${p.maxRel.toExponential(2)}`);
      assert.ok(p.maxAbs <= TOLERANCE, `max |Δ| ${p.maxAbs}`);
    });
  }

  it('resnet_50, batch 1, 64×64', async () => {
    const graph = buildModelGraph('resnet_50', heads);
    // Small gamma on each block's last BN (as zero-init residual gammas) keeps the residual stream O(1).
    const values = randomValues(graph, 7, { match: /_3_bn\//, scale: 0.2 });
    const p = await parity(graph, values, [1, 64, 64, 3], 9);
    console.log(`resnet_50 64×64: max |Δ| ${p.maxAbs.toExponential(2)}, max rel ${p.maxRel.toExponential(2)}`);
    // Relative: these random outputs reach |17| and the 3×3 heads sum 18 432 float32 products, so ~1e-4 absolute
    // is float32 rounding (measured 1.0e-4 absolute, 6e-6 relative), not an export error.
    assert.ok(p.maxRel <= 2e-5, `max rel ${p.maxRel}`);
  });
});

describe('ONNX export: the file', () => {
  const graph = buildModelGraph('herd_small', heads);
  const metadata = { bodyparts: '["nose","tail","left","right"]', stride: '8', locref_stdev: '7.2801', net_type: 'herd_small' };
  const bytes = exportOnnx(graph, randomValues(graph, 3), { metadata, producerVersion: '0.1.0' });

  it('loads in ONNX Runtime with the input and head output names', async () => {
    const session = await ort.InferenceSession.create(bytes);
    assert.deepEqual(session.inputNames, ['image']);
    assert.deepEqual([...session.outputNames].sort(), ['heatmap', 'identity', 'locref', 'paf', 'unique_heatmap', 'unique_locref']);
    const out = await session.run({ image: new ort.Tensor('float32', new Float32Array(32 * 48 * 3), [1, 32, 48, 3]) });
    assert.deepEqual(out.heatmap!.dims, [1, 4, 6, 4]);
    assert.deepEqual(out.paf!.dims, [1, 4, 6, 12]);
    assert.deepEqual(out.unique_locref!.dims, [1, 4, 6, 2]);
    await session.release();
  });

  it('has opset 17, IR 8, producer herd, symbolic dims and the metadata', () => {
    const model = onnx.ModelProto.decode(bytes);
    assert.equal(Number(model.irVersion), 8);
    assert.deepEqual(model.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', 17]]);
    assert.equal(model.producerName, 'herd');
    assert.equal(model.producerVersion, '0.1.0');
    assert.deepEqual(Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])), metadata);
    const g = model.graph as onnx.GraphProto; // decode() makes class instances, whose repeated fields are arrays
    const dims = (v: onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    assert.deepEqual(dims(g.input[0]!), ['batch', 'height', 'width', 3]);
    const heatmap = g.output.find((o) => o.name === 'heatmap')!;
    assert.deepEqual(dims(heatmap), ['batch', 'out_height', 'out_width', 4]);
    // Batch norm is folded: no BatchNormalization node, one weight and bias per convolution.
    assert.ok(!g.node.some((n) => n.opType === 'BatchNormalization'));
    const convs = graph.nodes.filter((n) => n.op === 'conv').length;
    assert.equal(g.node.filter((n) => n.opType === 'Conv').length, convs);
    const stem = g.initializer.find((t) => t.name === 'stem1/W') as onnx.TensorProto;
    assert.deepEqual(stem.dims.map(Number), [24, 3, 3, 3]);
    assert.equal(stem.rawData.length, 24 * 3 * 3 * 3 * 4);
  });

  it('rejects what it cannot express', () => {
    const dilatedStrided: ModelGraph = { ...handBuilt, nodes: [conv('x', INPUT, 3, 2, { stride: 2, dilation: 2, bias: true })], outputs: { heatmap: 'x' } };
    assert.throws(() => exportOnnx(dilatedStrided, randomValues(dilatedStrided, 1), {}), /stride 2 and dilation 2/);
    const values = randomValues(graph, 1);
    values.delete('neck_bn/gamma');
    assert.throws(() => exportOnnx(graph, values, {}), /neck_bn\/gamma is missing/);
    values.set('neck_bn/gamma', new Float32Array(3));
    assert.throws(() => exportOnnx(graph, values, {}), /neck_bn\/gamma has 3 values/);
    const clash: ModelGraph = { ...graph, nodes: graph.nodes.map((n) => (n.name === 'neck' ? { ...n, name: 'heatmap' } : n.op === 'conv' && n.input === 'neck' ? { ...n, input: 'heatmap' } : n)) as GraphNode[] };
    assert.throws(() => exportOnnx(clash, randomValues(clash, 1), {}), /heatmap is also a node name/);
  });
});
