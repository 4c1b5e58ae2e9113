import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HerdError } from '../../src-core/common/errors';
import { loadH5wasm } from '../../src-core/io/hdf5-pandas';
import { INPUT, type ModelGraph } from '../../src-core/model/graph';
import { loadPretrainedWeights, readKerasWeights } from '../../src-core/model/pretrained';

const H5T_FLOAT = 1;
const H5T_STRING = 3;

/** A tiny graph: two conv + batch-norm layers and a head (the head is never in a backbone file). */
function tinyGraph(c1Kernel = 3): ModelGraph {
  return {
    netType: 'tiny',
    nodes: [
      { op: 'conv', name: 'c1', input: INPUT, inChannels: 3, filters: 4, kernel: c1Kernel, stride: 1, dilation: 1, bias: false, batchNorm: { name: 'c1_bn', epsilon: 1e-3 }, activation: 'relu' },
      { op: 'conv', name: 'c2', input: 'c1', inChannels: 4, filters: 4, kernel: 1, stride: 1, dilation: 1, bias: true, batchNorm: { name: 'c2_bn', epsilon: 1e-3 }, activation: 'relu' },
      { op: 'conv', name: 'head_heatmap', input: 'c2', inChannels: 4, filters: 2, kernel: 1, stride: 1, dilation: 1, bias: true, activation: 'linear' },
    ],
    outputs: { heatmap: 'head_heatmap' },
    stride: 1,
    inputMultiple: 1,
  };
}

interface TestWeight {
  name: string;
  shape: number[];
  values: Float32Array;
  /** Bytes per value in the file (Keras writes float32; float64 is converted on reading). h5wasm cannot write
   * float16, so that conversion is not tested here. */
  size?: 4 | 8;
}

/** Distinct values per weight, exact in float32. */
function weight(name: string, shape: number[], seed: number, size: 4 | 8 = 4): TestWeight {
  const count = shape.reduce((a, b) => a * b, 1);
  return { name, shape, size, values: Float32Array.from({ length: count }, (_, i) => seed + (i % 16) * 0.25 - Math.floor(i / 16)) };
}

/** Layer → weights, as in the file (group name, weights named `<layer>/<kind>`). */
const LAYERS: Array<[string, TestWeight[]]> = [
  ['c1', [weight('c1/kernel', [3, 3, 3, 4], 1)]],
  ['c1_bn', [weight('c1_bn/gamma', [4], 2), weight('c1_bn/beta', [4], 3), weight('c1_bn/moving_mean', [4], 4), weight('c1_bn/moving_variance', [4], 5)]],
  ['pool', []],
  ['c2', [weight('c2/kernel', [1, 1, 4, 4], 6, 8), weight('c2/bias', [4], 7)]],
  ['c2_bn', [weight('c2_bn/gamma', [4], 8), weight('c2_bn/beta', [4], 9), weight('c2_bn/moving_mean', [4], 10), weight('c2_bn/moving_variance', [4], 11)]],
  ['extra', [weight('extra/kernel', [4, 5], 12), weight('extra/bias', [5], 13)]],
];
const ALL = LAYERS.flatMap(([, weights]) => weights);

function floatBytes(w: TestWeight): Uint8Array {
  const size = w.size ?? 4;
  const bytes = new Uint8Array(w.values.length * size);
  const view = new DataView(bytes.buffer);
  w.values.forEach((v, i) => {
    if (size === 8) view.setFloat64(i * 8, v, true);
    else view.setFloat32(i * 4, v, true);
  });
  return bytes;
}

/**
 * Writes an HDF5 file like Keras 2 (`save_weights` or, with `modelWeights`, `model.save`): `layer_names` and
 * `weight_names` as fixed-length, null-padded ASCII string arrays (numpy `S<n>`, what h5py makes of Keras'
 * `np.asarray([n.encode('utf8') …])`), an empty float array for layers without weights, and datasets at
 * `<layer>/<layer>/<kind>:0`. With `keras3`, the Keras 3 `.weights.h5` layout instead.
 */
async function writeWeightsFile(file: string, layers: Array<[string, TestWeight[]]>, layout: 'keras2' | 'model_weights' | 'keras3' = 'keras2'): Promise<void> {
  const { lib, module } = await loadH5wasm();
  const h5 = new lib.File(file, 'w');
  const id = h5.file_id;
  const withBytes = (bytes: Uint8Array, body: (ptr: bigint) => number) => {
    const ptr = module._malloc(Math.max(bytes.length, 1));
    try {
      module.HEAPU8.set(bytes, ptr);
      assert.ok(body(BigInt(ptr)) >= 0);
    } finally {
      module._free(ptr);
    }
  };
  const stringsAttribute = (objectPath: string, name: string, values: string[]) => {
    const encoded = values.map((value) => new TextEncoder().encode(value));
    if (values.length === 0) {
      withBytes(new Uint8Array(0), (ptr) =>
        module.create_attribute(id, objectPath, name, ptr, { type: H5T_FLOAT, size: 8, signed: false, vlen: false, littleEndian: true, shape: [0n], maxshape: [0n], total_size: 0 }),
      );
      return;
    }
    const size = Math.max(...encoded.map((bytes) => bytes.length));
    const bytes = new Uint8Array(size * values.length);
    encoded.forEach((item, i) => bytes.set(item, i * size));
    withBytes(bytes, (ptr) =>
      module.create_attribute(id, objectPath, name, ptr, {
        type: H5T_STRING, size, cset: 0, signed: false, vlen: false, littleEndian: true,
        shape: [BigInt(values.length)], maxshape: [BigInt(values.length)], total_size: values.length,
      }),
    );
  };
  const dataset = (objectPath: string, w: TestWeight) => {
    const shape = w.shape.map(BigInt);
    withBytes(floatBytes(w), (ptr) =>
      module.create_dataset(id, objectPath, ptr, {
        type: H5T_FLOAT, size: w.size ?? 4, signed: false, vlen: false, littleEndian: true, shape, maxshape: shape, chunks: null,
        compression: 0, compression_opts: [], track_order: false, total_size: w.values.length,
      }),
    );
  };
  const group = (objectPath: string) => assert.ok(module.create_group(id, objectPath, false) >= 0);
  try {
    if (layout === 'keras3') {
      group('/layers');
      group('/vars');
      for (const [layer, weights] of layers) {
        group(`/layers/${layer}`);
        group(`/layers/${layer}/vars`);
        weights.forEach((w, i) => dataset(`/layers/${layer}/vars/${i}`, w));
      }
      group('/optimizer');
      group('/optimizer/vars');
      dataset('/optimizer/vars/0', weight('iterations', [1], 0));
      return;
    }
    const root = layout === 'model_weights' ? '/model_weights' : '';
    if (root) group(root);
    stringsAttribute(root || '/', 'backend', ['tensorflow']);
    stringsAttribute(root || '/', 'layer_names', layers.map(([layer]) => layer));
    for (const [layer, weights] of layers) {
      group(`${root}/${layer}`);
      stringsAttribute(`${root}/${layer}`, 'weight_names', weights.map((w) => `${w.name}:0`));
      if (weights.length > 0) group(`${root}/${layer}/${layer}`);
      for (const w of weights) dataset(`${root}/${layer}/${w.name}:0`, w);
    }
  } finally {
    h5.close();
  }
}

let dir: string;
let keras2File: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-pretrained-'));
  keras2File = path.join(dir, 'tiny_weights.h5');
  await writeWeightsFile(keras2File, LAYERS);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function assertAllWeights(weights: Map<string, { shape: number[]; values: Float32Array }>): void {
  assert.deepEqual([...weights.keys()].sort(), ALL.map((w) => w.name).sort());
  for (const w of ALL) {
    const got = weights.get(w.name)!;
    assert.deepEqual(got.shape, w.shape, w.name);
    assert.ok(got.values instanceof Float32Array);
    assert.deepEqual(got.values, w.values, w.name);
  }
}

const rejectsWith = (promise: Promise<unknown>, code: string, pattern: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof HerdError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });

describe('readKerasWeights', () => {
  it('reads a Keras 2 weights file: names without :0, float64 converted to float32', async () => {
    // Written as h5py writes Keras' names: fixed-length ASCII, the longest one without a terminating NUL (h5wasm
    // marks them null-terminated rather than h5py's null-padded; the bytes are the same). One weight is float64.
    const { lib, module } = await loadH5wasm();
    const h5 = new lib.File(keras2File, 'r');
    const names = module.get_attribute_metadata(h5.file_id, '/', 'layer_names');
    const c2Kernel = module.get_dataset_metadata(h5.file_id, '/c2/c2/kernel:0');
    h5.close();
    assert.deepEqual([names.type, names.cset, names.vlen, c2Kernel.size], [H5T_STRING, 0, false, 8]);
    assertAllWeights(await readKerasWeights(keras2File));
  });

  it('reads a full-model file (weights under model_weights)', async () => {
    const file = path.join(dir, 'model.h5');
    await writeWeightsFile(file, LAYERS, 'model_weights');
    assertAllWeights(await readKerasWeights(file));
  });

  it('reads a Keras 3 .weights.h5 file, naming variables by their order', async () => {
    const file = path.join(dir, 'tiny.weights.h5');
    await writeWeightsFile(file, LAYERS, 'keras3');
    assertAllWeights(await readKerasWeights(file));
  });

  it('says what is wrong with a file that is missing, not HDF5, or not Keras weights', async () => {
    await rejectsWith(readKerasWeights(path.join(dir, 'nope.h5')), 'WEIGHTS_NOT_FOUND', /no such/);
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'these are not weights\n');
    await rejectsWith(readKerasWeights(text), 'WEIGHTS_NOT_HDF5', /not an HDF5 file/);
    const other = path.join(dir, 'other.h5');
    const { lib } = await loadH5wasm();
    const h5 = new lib.File(other, 'w');
    h5.create_group('something');
    h5.close();
    await rejectsWith(readKerasWeights(other), 'WEIGHTS_FORMAT', /layer_names/);
  });
});

describe('loadPretrainedWeights', () => {
  it('loads the parameters whose name and shape match, lists missing and unused ones', async () => {
    const result = await loadPretrainedWeights(keras2File, tinyGraph());
    const expected = ALL.filter((w) => !w.name.startsWith('extra/'));
    assert.deepEqual(result.loaded.sort(), expected.map((w) => w.name).sort());
    for (const w of expected) assert.deepEqual(result.values.get(w.name), w.values, w.name);
    assert.deepEqual(result.missing, ['head_heatmap/kernel', 'head_heatmap/bias']);
    assert.deepEqual(result.unused.sort(), ['extra/bias', 'extra/kernel']);
  });

  it('refuses a weight whose shape differs, naming the layer and both shapes', async () => {
    await rejectsWith(loadPretrainedWeights(keras2File, tinyGraph(1)), 'WEIGHTS_SHAPE', /layer c1: kernel has shape \[3, 3, 3, 4\] in the file, the network expects \[1, 1, 3, 4\]/);
  });

  it('refuses a file that matches no parameter of the graph', async () => {
    const graph = tinyGraph();
    graph.nodes = graph.nodes.map((node) => ({ ...node, name: `other_${node.name}` }) as typeof node);
    for (const node of graph.nodes) if (node.op === 'conv' && node.batchNorm) node.batchNorm = { ...node.batchNorm, name: `other_${node.batchNorm.name}` };
    await rejectsWith(loadPretrainedWeights(keras2File, graph), 'WEIGHTS_NO_MATCH', /right file for this net type/);
  });

  describe('from a URL', () => {
    let server: http.Server;
    let base: string;
    const requests: string[] = [];

    before(async () => {
      const bytes = fs.readFileSync(keras2File);
      server = http.createServer((request, response) => {
        requests.push(request.url ?? '');
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
        if (request.url?.startsWith('/broken/')) {
          // Half the body, then the connection drops.
          response.write(bytes.subarray(0, bytes.length >> 1), () => response.socket?.destroy());
        } else {
          response.end(bytes);
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('downloads once into the cache and reuses the file', async () => {
      const cacheDir = path.join(dir, 'cache');
      const progress: Array<[number, number | undefined]> = [];
      const first = await loadPretrainedWeights(`${base}/files/tiny_weights.h5`, tinyGraph(), { cacheDir, onProgress: (received, total) => progress.push([received, total]) });
      assert.deepEqual(fs.readdirSync(cacheDir), ['tiny_weights.h5']);
      assert.deepEqual(fs.readFileSync(path.join(cacheDir, 'tiny_weights.h5')), fs.readFileSync(keras2File));
      const size = fs.statSync(keras2File).size;
      assert.deepEqual(progress.at(-1), [size, size]);
      assert.equal(requests.length, 1);
      const second = await loadPretrainedWeights(`${base}/files/tiny_weights.h5`, tinyGraph(), { cacheDir });
      assert.equal(requests.length, 1, 'the second load must not fetch again');
      assert.deepEqual(second.loaded, first.loaded);
      assert.deepEqual(second.values.get('c1/kernel'), first.values.get('c1/kernel'));
    });

    it('leaves nothing in the cache when the connection drops halfway', async () => {
      const cacheDir = path.join(dir, 'cache-broken');
      await rejectsWith(loadPretrainedWeights(`${base}/broken/tiny_weights.h5`, tinyGraph(), { cacheDir }), 'WEIGHTS_DOWNLOAD', /cannot download/);
      assert.deepEqual(fs.readdirSync(cacheDir), []);
    });
  });
});
