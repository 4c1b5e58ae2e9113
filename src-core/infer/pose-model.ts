/**
 * A trained pose model ready for inference: the ONNX file `herd train` / `herd export-model` writes, run by ONNX
 * Runtime (CPU here; its CUDA build where installed), with what post-processing needs read from the model's
 * metadata (body parts, PAF graph, stride, location-refinement scale, input normalisation).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { onnx } from 'onnx-proto';
import type * as Ort from 'onnxruntime-node';
import { HerdError } from '../common/errors';
import { startWorker } from '../common/worker';
import type { HeadOutput } from '../model/graph';
import { readSnapshot } from '../model/snapshot';
import { disposeTfModel, runTfModel, tfModelFromValues, type TfModel } from '../model/tfjs-model';
import type { TargetSetup } from '../train/data';
import { selectBackend } from '../train/engine/backend';

export interface PoseModelInfo {
  netType: string;
  bodyparts: string[];
  uniqueBodyparts: string[];
  individuals: string[];
  pafGraph: Array<[number, number]>;
  withIdentity: boolean;
  stride: number;
  locrefStd: number;
  /** Radius (px) of the training targets' plateaus: peaks of one part closer than this are one detection. */
  posDistThresh: number;
  inputMultiple: number;
  normalizeImages: boolean;
  /** `WxH` of most training images, when known. */
  trainingImageSize?: string;
  /** The snapshot the model came from, and its epoch. */
  sourceSnapshot?: string;
  epoch?: number;
}

/** Head outputs of a batch: NHWC float32 and their shape. */
export type HeadArrays = Partial<Record<HeadOutput, { data: Float32Array; shape: [number, number, number, number] }>>;

export interface PoseModel {
  file: string;
  info: PoseModelInfo;
  outputs: HeadOutput[];
  /** Runs a batch of NHWC images. Takes `images` over: its buffer may be moved to the inference thread (detached here). */
  run(images: Float32Array, batch: number, height: number, width: number): Promise<HeadArrays>;
  /** A zeroed-or-reused buffer for a batch of `length` values: inputs that came back from earlier runs are recycled
   *  (contents undefined), saving a large allocation per batch. */
  inputBuffer(length: number): Float32Array;
  close(): Promise<void>;
}

/** Reads the metadata Herd writes into its ONNX models; errors say what is missing. */
export function readModelInfo(bytes: Uint8Array, file: string): PoseModelInfo {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new HerdError('MODEL_INVALID', `not an ONNX model (${(error as Error).message})`, { file });
  }
  const meta = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  return modelInfoFromMetadata(meta, file);
}

/** The model description in a snapshot's or an ONNX model's metadata (the same keys; see train/trainer.ts). */
export function modelInfoFromMetadata(meta: Readonly<Record<string, string>>, file: string): PoseModelInfo {
  const need = (key: string) => {
    const value = meta[key];
    if (value === undefined) throw new HerdError('MODEL_INVALID', `this model lacks Herd's metadata "${key}"; export it with herd train or herd export-model`, { file });
    return value;
  };
  const json = <T>(key: string): T => JSON.parse(need(key)) as T;
  return {
    netType: need('net_type'),
    bodyparts: json<string[]>('bodyparts'),
    uniqueBodyparts: json<string[]>('unique_bodyparts'),
    individuals: json<string[]>('individuals'),
    pafGraph: json<Array<[number, number]>>('paf_graph'),
    withIdentity: need('with_identity') === 'true',
    stride: Number(need('stride')),
    locrefStd: Number(need('locref_std')),
    posDistThresh: Number(meta.pos_dist_thresh ?? 17),
    inputMultiple: Number(meta.input_multiple ?? 16),
    normalizeImages: (meta.normalize_images ?? 'true') === 'true',
    trainingImageSize: meta.training_image_size || undefined,
    sourceSnapshot: meta.source_snapshot,
    epoch: meta.epoch !== undefined ? Number(meta.epoch) : undefined,
  };
}

export interface LoadPoseModelOptions {
  /** ONNX Runtime's intra-op threads (default: every core). */
  threads?: number;
  /**
   * `onnx` (default) runs the file with ONNX Runtime and falls back to tfjs when onnxruntime-node is not
   * installed (e.g. the VS Code extension's bundle); `tfjs` runs the snapshot the ONNX file was exported from.
   */
  runtime?: 'onnx' | 'tfjs';
  /** Let idle ONNX Runtime threads spin (its default; faster alone, but they starve the decoder and post-processing). */
  spinning?: boolean;
  /** DeepLabCut's device: `auto` / `cpu` (the default: ONNX Runtime on the CPU), or `cuda:<n>` (ONNX Runtime's CUDA
   *  provider on GPU n, or tfjs-node-gpu with the `tfjs` runtime). */
  device?: string;
  log?: (line: string) => void;
}

/** What data preparation (`makeBatch`, `loadSamples`) needs to know of a trained model. */
export function targetSetupOf(info: PoseModelInfo): TargetSetup {
  return {
    bodyparts: info.bodyparts,
    uniqueBodyparts: info.uniqueBodyparts,
    individuals: info.individuals,
    edges: info.pafGraph,
    withIdentity: info.withIdentity,
    stride: info.stride,
    locrefStd: info.locrefStd,
    posDistThresh: info.posDistThresh,
    pafWidth: 20,
  };
}

/** Loads a model for inference. */
export async function loadPoseModel(file: string, options: LoadPoseModelOptions = {}): Promise<PoseModel> {
  if (!fs.existsSync(file)) throw new HerdError('MODEL_NOT_FOUND', 'model file not found; train the shuffle first (herd train)', { file });
  const bytes = fs.readFileSync(file);
  const info = readModelInfo(bytes, file);
  let ort: typeof Ort | undefined;
  if (options.runtime !== 'tfjs') {
    try {
      ort = require('onnxruntime-node') as typeof Ort;
    } catch (error) {
      options.log?.(`note: ONNX Runtime is not available (${(error as Error).message.split('\n')[0]}); running the snapshot with tfjs instead`);
    }
  }
  const gpu = cudaDevice(options.device ?? 'auto');
  if (!ort) return loadTfjsPoseModel(file, info, gpu);
  return startOrtWorker(file, bytes, info, { threads: options.threads ?? os.availableParallelism(), spinning: options.spinning ?? false, gpu });
}

/** The GPU index `device` asks for, or undefined for the CPU (`auto`, `cpu`). */
function cudaDevice(device: string): number | undefined {
  if (device === 'auto' || device === 'cpu') return undefined;
  const match = /^(?:cuda|gpu)(?::(\d+))?$/.exec(device);
  if (!match) throw new HerdError('INVALID_OPTION', `device must be auto, cpu or cuda:<n>, not ${JSON.stringify(device)}`);
  return Number(match[1] ?? 0);
}

type OrtReply =
  | { type: 'ready'; outputs: HeadOutput[] }
  | { type: 'failed'; message: string }
  | { id: number; arrays: HeadArrays; images: Float32Array }
  | { id: number; error: string };

/** ONNX Runtime in its own thread (see ort-worker.ts): runs are queued there, one at a time. */
async function startOrtWorker(file: string, bytes: Uint8Array, info: PoseModelInfo, settings: { threads: number; spinning: boolean; gpu?: number }): Promise<PoseModel> {
  const worker = startWorker(__dirname, 'ort-worker.js', 'ort-worker.ts', { bytes, ...settings });
  const pending = new Map<number, { resolve: (arrays: HeadArrays) => void; reject: (error: Error) => void }>();
  // Input buffers the thread has handed back, for the next batches.
  const spare: Float32Array[] = [];
  let nextId = 0;
  let failure: Error | undefined;
  let exited = false;
  const fail = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  const outputs = await new Promise<HeadOutput[]>((resolve, reject) => {
    worker.on('message', (reply: OrtReply) => {
      if ('type' in reply) {
        if (reply.type === 'ready') resolve(reply.outputs);
        else if (settings.gpu !== undefined) {
          reject(
            new HerdError(
              'DEVICE_UNAVAILABLE',
              `ONNX Runtime cannot run on cuda:${settings.gpu} here (${reply.message.split('\n')[0]}). Its CUDA provider comes with onnxruntime-node when installed with internet and CUDA 12 (.npmrc's onnxruntime-node-install=skip leaves it out); or use --runtime tfjs with @tensorflow/tfjs-node-gpu, or --device cpu`,
              { file },
            ),
          );
        } else reject(new HerdError('MODEL_INVALID', `ONNX Runtime cannot load this model: ${reply.message}`, { file }));
        return;
      }
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      if ('error' in reply) p?.reject(new Error(`ONNX Runtime failed: ${reply.error}`));
      else {
        if (spare.length < 2) spare.push(reply.images);
        p?.resolve(reply.arrays);
      }
    });
    worker.on('error', (error) => {
      reject(error);
      fail(error);
    });
    worker.on('exit', (code) => {
      exited = true;
      fail(new Error(`the ONNX Runtime thread stopped (exit code ${code})`));
    });
  });
  // The thread must not keep the process alive between runs (a caller that forgets close() still exits).
  worker.unref();
  return {
    file,
    info,
    outputs,
    run(images, batch, height, width) {
      if (height % info.inputMultiple !== 0 || width % info.inputMultiple !== 0) {
        return Promise.reject(new Error(`model input ${width}×${height} is not a multiple of ${info.inputMultiple}`));
      }
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<HeadArrays>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        // Move the pixels rather than copy them; a view into a larger buffer is copied first.
        const owned = images.byteOffset === 0 && images.byteLength === images.buffer.byteLength ? images : images.slice();
        worker.postMessage({ id, images: owned, dims: [batch, height, width, 3] }, [owned.buffer as ArrayBuffer]);
      }).finally(() => {
        if (pending.size === 0) worker.unref();
      });
    },
    inputBuffer(length) {
      const index = spare.findIndex((buffer) => buffer.length === length);
      return index >= 0 ? spare.splice(index, 1)[0]! : new Float32Array(length);
    },
    async close() {
      if (exited) return;
      // Let the thread release the session and end by itself; stop it outright if it does not within a second.
      const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref();
      worker.postMessage({ close: true });
      const timer = setTimeout(() => void worker.terminate(), 1000);
      await ended;
      clearTimeout(timer);
    },
  };
}

/** The tfjs fallback: the snapshot an ONNX file was exported from (named in its metadata, in the same folder). */
async function loadTfjsPoseModel(onnxFile: string, info: PoseModelInfo, gpu?: number): Promise<PoseModel> {
  if (!info.sourceSnapshot) throw new HerdError('MODEL_INVALID', 'this ONNX model does not name the snapshot it came from, and ONNX Runtime is not available', { file: onnxFile });
  const snapshotFile = path.join(path.dirname(onnxFile), info.sourceSnapshot);
  const snapshot = readSnapshot(snapshotFile);
  try {
    await selectBackend({ prefer: gpu !== undefined ? ['tfjs-node-gpu'] : ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] });
  } catch (error) {
    throw new HerdError('DEVICE_UNAVAILABLE', `no tfjs backend for cuda:${gpu}: ${(error as Error).message}`, { file: onnxFile });
  }
  const model = tfModelFromValues(snapshot.graph, snapshot.values);
  return {
    file: snapshotFile,
    info,
    outputs: Object.keys(snapshot.graph.outputs) as HeadOutput[],
    run: async (images, batch, height, width) => runTfHeads(model, images, batch, height, width),
    inputBuffer: (length) => new Float32Array(length),
    close: async () => disposeTfModel(model),
  };
}

/** A tfjs model's head outputs for a batch, in the shape ONNX Runtime gives them (so post-processing is shared). */
export function runTfHeads(model: TfModel, images: Float32Array, batch: number, height: number, width: number): HeadArrays {
  const outputs = tf.tidy(() => runTfModel(model, tf.tensor4d(images, [batch, height, width, 3]), false));
  const arrays: HeadArrays = {};
  for (const [name, tensor] of Object.entries(outputs) as Array<[HeadOutput, tf.Tensor4D]>) {
    arrays[name] = { data: tensor.dataSync() as Float32Array, shape: tensor.shape as [number, number, number, number] };
    tensor.dispose();
  }
  return arrays;
}
