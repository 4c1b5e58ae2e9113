/**
 * Data-parallel training steps on the CPU: tfjs-wasm is single-threaded in Node, so each step's batch is split
 * between this thread and helper threads (gradient-worker.ts), each with its own wasm backend and a copy of the
 * model. The gradients are averaged (weighted by slice size) and applied here; the new values go back to the
 * helpers before their next slice. Batch norm uses each slice's own statistics (as PyTorch's DataParallel
 * without SyncBatchNorm); the running statistics are this thread's.
 */
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { startWorker } from '../common/worker';
import { readParameterValues, readTrainable, type TfModel } from '../model/tfjs-model';
import type { Batch } from './data';
import { lossAndGradients, sliceBatch, type BatchGradients } from './gradients';

type Outgoing = { type: 'ready' } | { type: 'gradients'; id: number; result: BatchGradients } | { type: 'error'; id: number; message: string };

class Helper {
  private pending = new Map<number, { resolve: (r: BatchGradients) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  readonly ready: Promise<void>;

  constructor(readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (message: Outgoing) => {
        if (message.type === 'ready') return resolve();
        const waiting = this.pending.get(message.id);
        if (message.type === 'error') {
          if (message.id === -1) reject(new Error(message.message));
          waiting?.reject(new Error(`training helper thread: ${message.message}`));
        } else waiting?.resolve(message.result);
        this.pending.delete(message.id);
      });
      worker.on('error', (error) => {
        reject(error);
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
    });
  }

  compute(batch: Batch): Promise<BatchGradients> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'compute', id, batch });
    });
  }

  setParams(values: Float32Array[]): void {
    this.worker.postMessage({ type: 'params', values });
  }
}

export class ParallelSteps {
  private constructor(private readonly helpers: Helper[]) {}

  /** Starts `threads − 1` helper threads holding copies of `model` (threads ≥ 2). */
  static async start(model: TfModel, threads: number): Promise<ParallelSteps> {
    const values = [...readParameterValues(model).entries()];
    const helpers = Array.from({ length: threads - 1 }, () => new Helper(startWorker(__dirname, 'train-worker.js', 'gradient-worker.ts', { graph: model.graph, values })));
    const pool = new ParallelSteps(helpers);
    try {
      await Promise.all(helpers.map((h) => h.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get threads(): number {
    return this.helpers.length + 1;
  }

  /** One optimisation step over `batch`, split between the threads. Returns the losses (slice-size weighted means). */
  async step(model: TfModel, optimizer: tf.Optimizer, batch: Batch): Promise<Record<string, number>> {
    const parts = Math.min(this.threads, batch.size);
    const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((i * batch.size) / parts));
    const remote = this.helpers.slice(0, parts - 1).map((helper, i) => helper.compute(sliceBatch(batch, bounds[i + 1]!, bounds[i + 2]!, true)));
    const local = lossAndGradients(model, sliceBatch(batch, 0, bounds[1]!));
    const results = [local, ...(await Promise.all(remote))];
    const losses: Record<string, number> = {};
    for (const r of results) for (const [name, value] of Object.entries(r.losses)) losses[name] = (losses[name] ?? 0) + (value * r.size) / batch.size;
    const gradients = averageGradients(results, batch.size);
    tf.tidy(() => {
      const named: tf.NamedTensorMap = {};
      model.trainable.forEach((variable, i) => {
        named[variable.name] = tf.tensor(gradients[i]!, variable.shape);
      });
      optimizer.applyGradients(named);
    });
    const values = readTrainable(model);
    for (const helper of this.helpers) helper.setParams(values);
    return losses;
  }

  async close(): Promise<void> {
    await Promise.all(this.helpers.map((h) => h.worker.terminate()));
  }
}

function averageGradients(results: BatchGradients[], total: number): Float32Array[] {
  return results[0]!.gradients.map((_, i) => {
    const sum = new Float32Array(results[0]!.gradients[i]!.length);
    for (const r of results) {
      const weight = r.size / total;
      const g = r.gradients[i]!;
      for (let k = 0; k < sum.length; k++) sum[k]! += weight * g[k]!;
    }
    return sum;
  });
}
