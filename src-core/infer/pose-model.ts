/**
 * A trained pose model ready for inference: the ONNX file `herd train` / `herd export-model` writes, run by ONNX
 * Runtime (CPU here; its CUDA build where installed), with what post-processing needs read from the model's
 * metadata (body parts, PAF graph, stride, location-refinement scale, input normalisation).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { onnx } from 'onnx-proto';
import type * as Ort from 'onnxruntime-node';
import { HerdError } from '../common/errors';
import type { HeadOutput } from '../model/graph';

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
  run(images: Float32Array, batch: number, height: number, width: number): Promise<HeadArrays>;
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
    sourceSnapshot: meta.source_snapshot,
    epoch: meta.epoch !== undefined ? Number(meta.epoch) : undefined,
  };
}

/** Loads a model for inference. `threads`: ONNX Runtime's intra-op threads (default: every core). */
export async function loadPoseModel(file: string, options: { threads?: number } = {}): Promise<PoseModel> {
  if (!fs.existsSync(file)) throw new HerdError('MODEL_NOT_FOUND', 'model file not found; train the shuffle first (herd train)', { file });
  const bytes = fs.readFileSync(file);
  const info = readModelInfo(bytes, file);
  const ort: typeof Ort = require('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.threads ?? os.availableParallelism(),
    graphOptimizationLevel: 'all',
  });
  const outputs = session.outputNames as HeadOutput[];
  return {
    file,
    info,
    outputs,
    async run(images, batch, height, width) {
      if (height % info.inputMultiple !== 0 || width % info.inputMultiple !== 0) {
        throw new Error(`model input ${width}×${height} is not a multiple of ${info.inputMultiple}`);
      }
      const result = await session.run({ image: new ort.Tensor('float32', images, [batch, height, width, 3]) });
      const arrays: HeadArrays = {};
      for (const name of outputs) {
        const tensor = result[name]!;
        arrays[name] = { data: tensor.data as Float32Array, shape: tensor.dims as [number, number, number, number] };
      }
      return arrays;
    },
    close: () => session.release(),
  };
}
