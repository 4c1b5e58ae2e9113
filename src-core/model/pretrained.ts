/**
 * Pretrained backbone weights from Keras HDF5 files (e.g. Keras applications'
 * `resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`), matched to a model graph by parameter name.
 *
 * Layouts read:
 * - Keras 2 weights-only files (`model.save_weights('x.h5')`): the root attribute `layer_names` lists the layer
 *   groups; each group's attribute `weight_names` lists its datasets (`conv1_conv/kernel:0`), stored at
 *   `/<layer>/<weight name>`. Attributes over 64 KB are split by Keras into `layer_names0`, `layer_names1`…
 * - Keras 2 full-model files (`model.save('x.h5')`): the same, under the group `/model_weights`.
 * - Keras 3 `.weights.h5`: `layers/<layer>/vars/0, 1, …` (nested models nest `layers/`). Variables are unnamed,
 *   so they are named by Keras' creation order: kernel, bias (convolutions, dense) or gamma, beta, moving_mean,
 *   moving_variance (batch norm with both centre and scale); anything else is kept as `<layer>/<index>` and so
 *   never matches a graph parameter.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as H5 from 'h5wasm';
import { temporarySibling } from '../common/atomic';
import { HerdError } from '../common/errors';
import { hasHdf5Signature, loadH5wasm } from '../io/hdf5-pandas';
import { parameterSpecs, type ModelGraph } from './graph';

export interface KerasWeight {
  shape: number[];
  values: Float32Array;
}

type H5Runtime = Awaited<ReturnType<typeof loadH5wasm>>;

const H5T_FLOAT = 1;
const H5T_STRING = 3;
const utf8 = new TextDecoder('utf-8');

const joinPath = (parent: string, child: string) => (parent === '/' ? `/${child}` : `${parent}/${child}`);

/** IEEE half → number (Keras mixed-precision models may save float16 weights). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** An open HDF5 file, read through h5wasm's raw accessors (its own string decoding is windows-1252). */
class H5Reader {
  constructor(
    readonly h5: H5.File,
    readonly runtime: H5Runtime,
    readonly file: string,
  ) {}

  fail(message: string): never {
    throw new HerdError('WEIGHTS_FORMAT', message, { file: this.file });
  }

  attributes(objectPath: string): string[] {
    return this.runtime.module.get_attribute_names(this.h5.file_id, objectPath);
  }

  /** Child names of a group; [] for datasets. */
  children(objectPath: string): string[] {
    const object = this.h5.get(objectPath);
    return object instanceof this.runtime.lib.Group ? object.keys() : [];
  }

  private raw(metadata: H5.Metadata, fill: (ptr: bigint) => void): Uint8Array {
    const { module } = this.runtime;
    const size = metadata.size * metadata.total_size;
    const ptr = module._malloc(Math.max(size, 1));
    try {
      fill(BigInt(ptr));
      return module.HEAPU8.slice(ptr, ptr + size); // HEAPU8 read after the call: the heap may have grown
    } finally {
      module._free(ptr);
    }
  }

  /** A string-list attribute as Keras writes it (numpy `S<n>` bytes); an empty list is stored as an empty float array. */
  private strings(objectPath: string, name: string): string[] {
    const metadata = this.runtime.module.get_attribute_metadata(this.h5.file_id, objectPath, name);
    if (!metadata.shape || metadata.total_size === 0) return [];
    if (metadata.type !== H5T_STRING) this.fail(`attribute ${name} of ${objectPath} is not a list of names`);
    if (metadata.vlen) {
      const value = (this.h5.get(objectPath) as H5.Group).attrs[name]?.value;
      return (Array.isArray(value) ? value : [value]).map(String);
    }
    const bytes = this.raw(metadata, (ptr) => this.runtime.module.get_attribute_data(this.h5.file_id, objectPath, name, ptr));
    const out: string[] = [];
    for (let i = 0; i < metadata.total_size; i++) {
      let end = (i + 1) * metadata.size;
      while (end > i * metadata.size && (bytes[end - 1] === 0 || bytes[end - 1] === 0x20)) end--; // null- or space-padded
      out.push(utf8.decode(bytes.subarray(i * metadata.size, end)));
    }
    return out;
  }

  /** A Keras list attribute, joined from its `<name>0`, `<name>1`… chunks when Keras had to split it. */
  list(objectPath: string, name: string): string[] | undefined {
    const names = this.attributes(objectPath);
    if (names.includes(name)) return this.strings(objectPath, name);
    if (!names.includes(`${name}0`)) return undefined;
    const out: string[] = [];
    for (let i = 0; names.includes(`${name}${i}`); i++) out.push(...this.strings(objectPath, `${name}${i}`));
    return out;
  }

  /** A float dataset as float32 (float16/float64 and big-endian files converted). */
  weight(objectPath: string): KerasWeight {
    const { module } = this.runtime;
    const metadata = module.get_dataset_metadata(this.h5.file_id, objectPath);
    if (metadata.type !== H5T_FLOAT || ![2, 4, 8].includes(metadata.size)) this.fail(`${objectPath} is not an array of floats`);
    const shape = metadata.shape ?? [];
    const count = metadata.total_size;
    const bytes = this.raw(metadata, (ptr) => module.get_dataset_data(this.h5.file_id, objectPath, null, null, null, ptr));
    if (metadata.size === 4 && metadata.littleEndian) return { shape, values: new Float32Array(bytes.buffer, 0, count) };
    const view = new DataView(bytes.buffer);
    const values = new Float32Array(count);
    const le = metadata.littleEndian;
    for (let i = 0; i < count; i++) {
      if (metadata.size === 8) values[i] = view.getFloat64(i * 8, le);
      else if (metadata.size === 4) values[i] = view.getFloat32(i * 4, le);
      else values[i] = halfToNumber(view.getUint16(i * 2, le));
    }
    return { shape, values };
  }
}

/** Keras 2: `layer_names` on `root`, `weight_names` on each layer group. */
function readKeras2(reader: H5Reader, root: string, layers: string[]): Map<string, KerasWeight> {
  const weights = new Map<string, KerasWeight>();
  for (const layer of layers) {
    const group = joinPath(root, layer);
    const weightNames = reader.list(group, 'weight_names');
    if (weightNames === undefined) reader.fail(`not a Keras weights file: layer group ${group} has no weight_names attribute`);
    for (const weightName of weightNames) {
      // The weight's own name says which layer it belongs to: `conv1_conv/kernel:0`, or with the scope of a
      // nested model in front (`resnet50/conv1_conv/kernel:0`), so the last two parts count. Bare names
      // (`kernel:0`, written by some TensorFlow versions) belong to the layer group.
      const parts = weightName.replace(/:\d+$/, '').split('/');
      const name = parts.length >= 2 ? parts.slice(-2).join('/') : `${layer}/${parts[0]}`;
      weights.set(name, reader.weight(joinPath(group, weightName)));
    }
  }
  return weights;
}

/** Names for a Keras 3 layer's unnamed variables, from Keras' creation order; undefined when it cannot tell. */
function keras3VariableNames(vars: KerasWeight[]): string[] | undefined {
  const ranks = vars.map((v) => v.shape.length);
  if (vars.length <= 2 && ranks[0] >= 2 && ranks.slice(1).every((r) => r === 1)) return ['kernel', 'bias'];
  if (vars.length === 4 && ranks.every((r) => r === 1)) return ['gamma', 'beta', 'moving_mean', 'moving_variance'];
  return undefined;
}

/** Keras 3: every group with a `vars` subgroup is a layer named like the group; optimizer state is skipped. */
function readKeras3(reader: H5Reader, group: string, weights: Map<string, KerasWeight>): Map<string, KerasWeight> {
  const children = reader.children(group);
  if (group !== '/' && children.includes('vars')) {
    const varsGroup = joinPath(group, 'vars');
    const indices = reader.children(varsGroup).sort((a, b) => Number(a) - Number(b));
    const vars = indices.map((index) => reader.weight(joinPath(varsGroup, index)));
    const names = keras3VariableNames(vars);
    const layer = path.posix.basename(group);
    vars.forEach((v, i) => weights.set(`${layer}/${names?.[i] ?? indices[i]}`, v));
  }
  for (const child of children) {
    if (child === 'vars' || (group === '/' && child === 'optimizer')) continue;
    readKeras3(reader, joinPath(group, child), weights);
  }
  return weights;
}

function readLayout(reader: H5Reader): Map<string, KerasWeight> {
  const rootLayers = reader.list('/', 'layer_names');
  if (rootLayers) return readKeras2(reader, '/', rootLayers);
  const top = reader.children('/');
  if (top.includes('model_weights')) {
    const layers = reader.list('/model_weights', 'layer_names');
    if (!layers) reader.fail('not a Keras weights file: the group model_weights has no layer_names attribute');
    return readKeras2(reader, '/model_weights', layers);
  }
  if (top.includes('layers') || top.includes('_layer_checkpoint_dependencies')) return readKeras3(reader, '/', new Map());
  return reader.fail(
    'not a Keras weights file: no layer_names attribute at the root or in a model_weights group (Keras 2 .h5), ' +
      'and no layers group (Keras 3 .weights.h5)',
  );
}

/**
 * Reads every weight of a Keras HDF5 weights file, named `<layer>/<weight>` (`conv1_conv/kernel`), as float32.
 * Kernels keep Keras' layout ([kh, kw, in, out]), which is the graph's.
 */
export async function readKerasWeights(file: string): Promise<Map<string, KerasWeight>> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new HerdError('WEIGHTS_NOT_FOUND', 'no such weights file', { file });
  if (!hasHdf5Signature(file)) {
    const head = Buffer.alloc(2);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, head, 0, 2, 0);
    fs.closeSync(fd);
    // A `.keras` archive is a zip holding `model.weights.h5`: say so rather than just "not HDF5".
    const hint = head.toString('latin1') === 'PK' ? ' (a zip archive: for a .keras file, extract model.weights.h5 from it)' : '';
    throw new HerdError('WEIGHTS_NOT_HDF5', `not an HDF5 file, so not Keras .h5 weights${hint}`, { file });
  }
  const runtime = await loadH5wasm();
  let h5: H5.File;
  try {
    h5 = new runtime.lib.File(file, 'r');
  } catch (error) {
    throw new HerdError('WEIGHTS_CORRUPT', `cannot open the HDF5 file (truncated or damaged?): ${(error as Error).message}`, { file }, { cause: error });
  }
  if (!h5.file_id || h5.file_id < 0n) throw new HerdError('WEIGHTS_CORRUPT', 'cannot open the HDF5 file (truncated or damaged?)', { file });
  try {
    return readLayout(new H5Reader(h5, runtime, file));
  } catch (error) {
    if (error instanceof HerdError) throw error;
    throw new HerdError('WEIGHTS_CORRUPT', `cannot read the weights (truncated or damaged?): ${(error as Error).message}`, { file }, { cause: error });
  } finally {
    h5.close();
  }
}

export interface PretrainedOptions {
  /** Where downloaded files are kept (default `~/.cache/herd/weights`). */
  cacheDir?: string;
  fetchImpl?: typeof fetch;
  onProgress?: (received: number, total?: number) => void;
}

export interface PretrainedWeights {
  /** Parameter name → values, for the parameters found in the file. */
  values: Map<string, Float32Array>;
  loaded: string[];
  /** Graph parameters the file has no value for (the heads, normally): they keep their fresh initialisation. */
  missing: string[];
  /** File weights the graph has no parameter for (e.g. ImageNet's classifier, stages the graph drops). */
  unused: string[];
}

export function defaultWeightsCacheDir(): string {
  return path.join(os.homedir(), '.cache', 'herd', 'weights');
}

/**
 * Downloads `url` into the cache once. The body is streamed to a temporary sibling and renamed only when it is
 * complete (length checked, HDF5 signature checked), so an interrupted download never leaves a file under the
 * final name, and a file under the final name is always a finished one.
 */
async function cachedDownload(url: URL, options: PretrainedOptions): Promise<string> {
  const name = path.posix.basename(decodeURIComponent(url.pathname));
  if (!name || name === '.' || name === '..') {
    throw new HerdError('WEIGHTS_DOWNLOAD', `cannot name a cache file after ${url.href}: the URL does not end in a file name`);
  }
  const dir = options.cacheDir ?? defaultWeightsCacheDir();
  const target = path.join(dir, name);
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(dir, { recursive: true });
  const temp = temporarySibling(target);
  try {
    const response = await (options.fetchImpl ?? fetch)(url);
    if (!response.ok || !response.body) throw new Error(`the server answered HTTP ${response.status} ${response.statusText}`.trim());
    const length = response.headers.get('content-length');
    // With a Content-Encoding, fetch decompresses and the header counts compressed bytes: no total then.
    const total = length !== null && !response.headers.get('content-encoding') ? Number(length) : undefined;
    const handle = await fs.promises.open(temp, 'w');
    let received = 0;
    try {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await handle.write(value);
        received += value.byteLength;
        options.onProgress?.(received, total);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (total !== undefined && received !== total) throw new Error(`the connection closed after ${received} of ${total} bytes`);
    // An HTML error page served with status 200 must not be cached as weights.
    if (!hasHdf5Signature(temp)) throw new Error('the server did not send an HDF5 file');
    fs.renameSync(temp, target);
    return target;
  } catch (error) {
    fs.rmSync(temp, { force: true });
    const reason = (error as Error).message + ((error as Error).cause instanceof Error ? ` (${((error as Error).cause as Error).message})` : '');
    throw new HerdError('WEIGHTS_DOWNLOAD', `cannot download ${url.href}: ${reason}`, { file: target }, { cause: error });
  }
}

/**
 * Pretrained values for the parameters of `graph` from a Keras weights file (a path, or an http(s) URL downloaded
 * once into the cache). A parameter is loaded when the file has a weight of the same name and shape; the same name
 * with another shape is an error (the file belongs to another variant of the network), and so is a file that
 * matches no parameter at all (a file for another network).
 */
export async function loadPretrainedWeights(source: string, graph: ModelGraph, options: PretrainedOptions = {}): Promise<PretrainedWeights> {
  const file = /^https?:\/\//i.test(source) ? await cachedDownload(new URL(source), options) : source;
  const weights = await readKerasWeights(file);
  const specs = parameterSpecs(graph);
  const values = new Map<string, Float32Array>();
  const loaded: string[] = [];
  const missing: string[] = [];
  const mismatches: string[] = [];
  for (const spec of specs) {
    const weight = weights.get(spec.name);
    if (!weight) {
      missing.push(spec.name);
    } else if (weight.shape.length !== spec.shape.length || weight.shape.some((d, i) => d !== spec.shape[i])) {
      const [layer, kind] = [path.posix.dirname(spec.name), path.posix.basename(spec.name)];
      mismatches.push(`layer ${layer}: ${kind} has shape [${weight.shape.join(', ')}] in the file, the network expects [${spec.shape.join(', ')}]`);
    } else {
      values.set(spec.name, weight.values);
      loaded.push(spec.name);
    }
  }
  if (mismatches.length > 0) {
    const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more)` : '';
    throw new HerdError('WEIGHTS_SHAPE', `these weights do not fit the ${graph.netType} network: ${mismatches[0]}${more}`, { file });
  }
  if (loaded.length === 0) {
    throw new HerdError(
      'WEIGHTS_NO_MATCH',
      `none of the ${weights.size} weights in the file is named like a parameter of the ${graph.netType} network; is it the right file for this net type?`,
      { file },
    );
  }
  const names = new Set(specs.map((spec) => spec.name));
  const unused = [...weights.keys()].filter((name) => !names.has(name));
  return { values, loaded, missing, unused };
}
