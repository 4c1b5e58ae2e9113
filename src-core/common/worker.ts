import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts a helper thread running `bundled` (a script esbuild writes next to herd.js), or `source`, the TypeScript
 * it is built from, through tsx's require hook when running from sources (tests, development: `--import tsx`
 * does not reach worker threads). Both names are relative to `dir`, the caller's `__dirname`.
 */
export function startWorker(dir: string, bundled: string, source: string, workerData: unknown): Worker {
  const bundledPath = path.join(dir, bundled);
  if (fs.existsSync(bundledPath)) return new Worker(bundledPath, { workerData });
  const sourcePath = path.join(dir, source);
  if (!fs.existsSync(sourcePath)) throw new Error(`a helper thread's script is missing (looked for ${bundledPath})`);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(sourcePath)});`, { eval: true, workerData });
}
