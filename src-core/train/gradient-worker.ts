/**
 * A helper thread of the CPU training step (parallel.ts): tfjs-wasm runs single-threaded in Node, so a second
 * core is used by a second wasm backend in a worker computing the gradients of part of each batch.
 *
 * Messages in: `{ type: 'params', values: Float32Array[] }` (trainable values after each update, in
 * `model.trainable` order) and `{ type: 'compute', id, batch }`. Out: `{ type: 'ready' }`, then per compute
 * `{ type: 'gradients', id, result }` or `{ type: 'error', id, message }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelGraph } from '../model/graph';
import { setTrainable, tfModelFromValues, type TfModel } from '../model/tfjs-model';
import type { Batch } from './data';
import { selectBackend } from './engine/backend';
import { lossAndGradients } from './gradients';

interface WorkerSetup {
  graph: ModelGraph;
  values: Array<[string, Float32Array]>;
}

type Incoming = { type: 'params'; values: Float32Array[] } | { type: 'compute'; id: number; batch: Batch };

async function start(): Promise<void> {
  const port = parentPort!;
  const setup = workerData as WorkerSetup;
  await selectBackend({ prefer: ['wasm'] });
  const model: TfModel = tfModelFromValues(setup.graph, new Map(setup.values));
  port.on('message', (message: Incoming) => {
    if (message.type === 'params') {
      setTrainable(model, message.values);
      return;
    }
    try {
      const result = lossAndGradients(model, message.batch);
      port.postMessage({ type: 'gradients', id: message.id, result }, result.gradients.map((g) => g.buffer as ArrayBuffer));
    } catch (error) {
      port.postMessage({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) });
    }
  });
  port.postMessage({ type: 'ready' });
}

start().catch((error) => {
  parentPort!.postMessage({ type: 'error', id: -1, message: error instanceof Error ? error.message : String(error) });
});
