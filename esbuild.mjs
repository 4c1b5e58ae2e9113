// Bundles every host with esbuild: the CLI, the library, the language server, the VS Code client.
// Run by `npm run build` (and `prepare`, so `npm ci` leaves a working `herd`). `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  // ffmpeg packages locate their binary next to their own files, and ONNX Runtime is a native addon: they stay
  // in node_modules.
  external: ['@ffmpeg-installer/ffmpeg', 'ffmpeg-static', 'onnxruntime-node', 'vscode'],
  // ESM dependencies (h5wasm's Node build) read import.meta.url, which a CommonJS bundle lacks.
  define: { 'import.meta.url': '__herdImportMetaUrl' },
  banner: { js: "const __herdImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

const entries = [
  { in: 'src-core/cli/main.ts', out: 'dist/herd.js' },
  { in: 'src-core/index.ts', out: 'dist/index.js' },
  // The training step's helper thread (worker_threads loads it by file name, next to herd.js).
  { in: 'src-core/train/gradient-worker.ts', out: 'dist/train-worker.js' },
  // ONNX Runtime's thread during video analysis (infer/ort-worker.ts).
  { in: 'src-core/infer/ort-worker.ts', out: 'dist/ort-worker.js' },
  { in: 'src-server/server.ts', out: 'dist/server.js' },
  { in: 'src-extension/extension.ts', out: 'dist/extension.js' },
].filter((entry) => existsSync(entry.in));

// Webviews run in the browser sandbox of a VS Code webview: one IIFE script (+ its CSS) per panel, no Node.
const webviewShared = {
  bundle: true,
  platform: 'browser',
  target: 'chrome120',
  format: 'iife',
  logLevel: 'warning',
  jsx: 'automatic',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
};
const webviews = [
  { in: 'webviews/labeling/main.tsx', out: 'dist/webviews/labeling.js', css: 'webviews/labeling/styles.css' },
  { in: 'webviews/refine/main.tsx', out: 'dist/webviews/refine.js', css: 'webviews/refine/styles.css' },
  { in: 'webviews/grabber/main.tsx', out: 'dist/webviews/grabber.js', css: 'webviews/grabber/styles.css' },
  { in: 'webviews/evaluate/main.tsx', out: 'dist/webviews/evaluate.js', css: 'webviews/evaluate/styles.css' },
].filter((entry) => existsSync(entry.in));

const watch = process.argv.includes('--watch');
const builds = [
  ...entries.map((entry) => ({ ...shared, entryPoints: [entry.in], outfile: entry.out })),
  ...webviews.flatMap((entry) => [
    { ...webviewShared, entryPoints: [entry.in], outfile: entry.out },
    { ...webviewShared, entryPoints: [entry.css], outfile: entry.out.replace(/\.js$/, '.css') },
  ]),
];
for (const options of builds) {
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}
