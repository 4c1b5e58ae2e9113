/**
 * ONNX Runtime in a helper thread. onnxruntime-node's `run` computes synchronously on the calling thread, so on the
 * main thread it would block everything else; here it runs beside ffmpeg's decoding (whose pipe the main thread
 * keeps reading), the packing of the next batch and the post-processing of the previous one.
 *
 * Messages in: `{ id, images, dims }` (the images' buffer is transferred). Out: `{ type: 'ready', outputs }` once,
 * then `{ id, arrays, images }` (the input handed back) or `{ id, error }` per run.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type * as Ort from 'onnxruntime-node';

interface Setup {
  bytes: Uint8Array;
  threads: number;
  spinning: boolean;
  /** CUDA device index, or undefined for the CPU. */
  gpu?: number;
}

async function main(): Promise<void> {
  const port = parentPort!;
  const ort = require('onnxruntime-node') as typeof Ort;
  const { bytes, threads, spinning, gpu } = workerData as Setup;
  const spin = spinning ? '1' : '0';
  // A missing CUDA provider is reported by Herd with what to do; ORT's own log line would only repeat it.
  if (gpu !== undefined) ort.env.logLevel = 'fatal';
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      executionProviders: gpu !== undefined ? [{ name: 'cuda', deviceId: gpu }] : ['cpu'],

      graphOptimizationLevel: 'all',
      // By default idle threads sleep instead of spinning, which would starve the decoder and post-processing.
      extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
    });
  } catch (error) {
    port.postMessage({ type: 'failed', message: (error as Error).message });
    return;
  }
  port.postMessage({ type: 'ready', outputs: session.outputNames });
  port.on('message', async (request: { id: number; images: Float32Array; dims: number[] } | { close: true }) => {
    if ('close' in request) {
      await session.release();
      port.close();
      return;
    }
    try {
      const result = await session.run({ image: new ort.Tensor('float32', request.images, request.dims) });
      const arrays: Record<string, { data: Float32Array; shape: number[] }> = {};
      for (const name of session.outputNames) {
        const tensor = result[name]!;
        // A copy: ORT's output may live in memory that cannot be transferred.
        arrays[name] = { data: (tensor.data as Float32Array).slice(), shape: [...tensor.dims] };
      }
      // The input goes back too, so the main thread can fill it with the next batch instead of allocating.
      const buffers = [...Object.values(arrays).map((a) => a.data.buffer as ArrayBuffer), request.images.buffer as ArrayBuffer];
      port.postMessage({ id: request.id, arrays, images: request.images }, buffers);
    } catch (error) {
      port.postMessage({ id: request.id, error: (error as Error).message });
    }
  });
}

void main();
