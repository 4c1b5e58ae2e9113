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
  // ffmpeg packages locate their binary next to their own files, so they stay in node_modules.
  external: ['@ffmpeg-installer/ffmpeg', 'ffmpeg-static', 'vscode'],
  // ESM dependencies (h5wasm's Node build) read import.meta.url, which a CommonJS bundle lacks.
  define: { 'import.meta.url': '__herdImportMetaUrl' },
  banner: { js: "const __herdImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

const entries = [
  { in: 'src-core/cli/main.ts', out: 'dist/herd.js' },
  { in: 'src-core/index.ts', out: 'dist/index.js' },
  { in: 'src-server/server.ts', out: 'dist/server.js' },
  { in: 'src-extension/extension.ts', out: 'dist/extension.js' },
].filter((entry) => existsSync(entry.in));

const watch = process.argv.includes('--watch');
for (const entry of entries) {
  const options = { ...shared, entryPoints: [entry.in], outfile: entry.out };
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}
