/**
 * Run-time choice of the tfjs backend that trains Herd's networks.
 *
 * Order: `@tensorflow/tfjs-node-gpu` (CUDA) > `@tensorflow/tfjs-node` > `wasm` (XNNPACK forward kernels plus the
 * gradient kernels of ./wasm-gradients) > pure-JS `cpu`. The tfjs-node packages are optional dependencies whose
 * native binaries are often missing (offline installs, npm 11 not running install scripts): they are required
 * inside try/catch and a failure only moves on to the next candidate, with the reason kept for the report.
 */
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// Gradient functions of every op (tfjs-core alone registers none; tfjs-layers/tfjs-node would).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
// Static imports so that a bundle (esbuild) holds one tfjs-core: both register their backend factory on import
// (nothing initialises until setBackend). The .wasm binaries are still read from the installed package's dist/.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradientKernels } from './wasm-gradients';

export type BackendKind = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

export interface BackendChoice {
  /** What was picked. */
  kind: BackendKind;
  /** tfjs's name of the active backend ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** For wasm: the kernel names registered by Herd (gradients). */
  registeredKernels: string[];
  /** Why each candidate before the chosen one was skipped. */
  skipped: { kind: BackendKind; reason: string }[];
  /** One line for logs / progress output. */
  description: string;
}

export interface SelectBackendOptions {
  /** Restrict or reorder the candidates (default: all, in priority order). */
  prefer?: BackendKind[];
  /** Native threads for wasm (ignored in Node, where tfjs-wasm is single-threaded; kept for browsers). */
  wasmThreads?: number;
  /**
   * Replaces `require` for the tfjs-node packages (tests simulate a broken native binary with it).
   * Must throw when the package cannot be loaded.
   */
  requireNative?: (id: string) => unknown;
}

export const DEFAULT_ORDER: BackendKind[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

const localRequire = createRequire(__filenameSafe());

function __filenameSafe(): string {
  // Works under tsx (CJS or ESM transpile) and esbuild bundles.
  if (typeof __filename === 'string') return __filename;
  return path.join(process.cwd(), 'index.js');
}

/** Folder with the tfjs-backend-wasm .wasm binaries, with a trailing separator (setWasmPaths wants a prefix). */
export function wasmBinaryDir(): string {
  const pkg = localRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

let wasmModule: typeof wasmBackend | undefined;

/** Points the wasm backend at its binaries (file paths in the installed package). Idempotent. */
export function loadWasmBackend(threads?: number): typeof wasmBackend {
  if (!wasmModule) {
    wasmModule = wasmBackend;
    const dir = wasmBinaryDir();
    wasmModule.setWasmPaths(
      {
        'tfjs-backend-wasm.wasm': dir + 'tfjs-backend-wasm.wasm',
        'tfjs-backend-wasm-simd.wasm': dir + 'tfjs-backend-wasm-simd.wasm',
        'tfjs-backend-wasm-threaded-simd.wasm': dir + 'tfjs-backend-wasm-threaded-simd.wasm',
      },
      false,
    );
  }
  // tfjs-wasm has no thread support in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there); in browsers with
  // cross-origin isolation this takes effect: use every core of this 2-core class of machine.
  const n = threads ?? Math.max(1, Math.min(4, os.availableParallelism()));
  try {
    wasmModule.setThreadsCount(n);
  } catch {
    /* only valid before initialisation */
  }
  return wasmModule;
}

/** Makes sure the cpu backend is registered (its package registers on import, but bundlers may drop a bare import). */
export function loadCpuBackend(): void {
  if (!tf.findBackendFactory('cpu')) tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
}

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 300);
}

async function tryNative(
  kind: 'tfjs-node-gpu' | 'tfjs-node',
  req: (id: string) => unknown,
): Promise<string> {
  const id = kind === 'tfjs-node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  // Loading the package registers the 'tensorflow' backend with the tfjs-core it depends on. If that is another
  // copy of tfjs-core than ours, the registration is invisible to us: check instead of assuming.
  req(id);
  if (!tf.findBackendFactory('tensorflow')) {
    throw new Error(`${id} loaded but registered no 'tensorflow' backend with this tfjs-core`);
  }
  const ok = await tf.setBackend('tensorflow');
  if (!ok) throw new Error(`${id}: the 'tensorflow' backend failed to initialise`);
  return 'tensorflow';
}

/**
 * Picks the first usable backend in `prefer` order, initialises it and makes it tfjs's active backend.
 * Never throws for a missing optional package; throws only when no candidate works.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const order = options.prefer ?? DEFAULT_ORDER;
  const req = options.requireNative ?? ((id: string) => localRequire(id));
  const skipped: BackendChoice['skipped'] = [];
  for (const kind of order) {
    try {
      if (kind === 'tfjs-node-gpu' || kind === 'tfjs-node') {
        const name = await tryNative(kind, req);
        return done(kind, name, [], skipped);
      }
      if (kind === 'wasm') {
        // The Emscripten glue of tfjs-backend-wasm adds process 'uncaughtException' / 'unhandledRejection'
        // listeners that rethrow (printing its whole minified source) and would override the host's own handlers
        // (CLI, language server, extension host): remove the ones that appear while the module initialises.
        const emitter = process as NodeJS.EventEmitter;
        const events = ['uncaughtException', 'unhandledRejection'];
        const before = new Map(events.map((ev) => [ev, emitter.listeners(ev)]));
        try {
          loadWasmBackend(options.wasmThreads);
          if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
          await tf.ready();
        } finally {
          for (const ev of events) {
            for (const l of emitter.listeners(ev)) {
              if (!before.get(ev)!.includes(l)) emitter.removeListener(ev, l as (...a: unknown[]) => void);
            }
          }
        }
        const registered = registerWasmGradientKernels();
        return done(kind, 'wasm', registered, skipped);
      }
      loadCpuBackend();
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
      return done('cpu', 'cpu', [], skipped);
    } catch (e) {
      skipped.push({ kind, reason: errorText(e) });
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.map((s) => `${s.kind}: ${s.reason}`).join('; ')}`);
}

function done(kind: BackendKind, tfBackend: string, registeredKernels: string[], skipped: BackendChoice['skipped']): BackendChoice {
  const label: Record<BackendKind, string> = {
    'tfjs-node-gpu': 'GPU (CUDA, @tensorflow/tfjs-node-gpu)',
    'tfjs-node': 'CPU (TensorFlow native, @tensorflow/tfjs-node)',
    wasm: 'CPU (WebAssembly/XNNPACK with Herd gradient kernels)',
    cpu: 'CPU (pure JavaScript; very slow for training)',
  };
  return { kind, tfBackend, registeredKernels, skipped, description: `backend: ${label[kind]}` };
}
