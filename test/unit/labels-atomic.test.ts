import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import { createLabelTable, readLabels, saveLabels, setPoint, type LabelTable } from '../../src-core/labels';
import { temporaryFolder } from '../helpers/workspace';

const REPO = path.resolve(__dirname, '../..');
const KILLS = Number(process.env.HERD_KILLS ?? 20);

/** A large-ish table (200 images × 3 animals × 10 body parts + 1 unique); `variant` changes every value. */
function bigTable(variant: number): LabelTable {
  const bodyparts = Array.from({ length: 10 }, (_, i) => `part${i}`);
  const table = createLabelTable({ scorer: 'Jane', individuals: ['a', 'b', 'c'], bodyparts, uniqueBodyparts: ['corner'] });
  for (let image = 0; image < 200; image++) {
    const name = `labeled-data/v/img${String(image).padStart(4, '0')}.png`;
    for (const individual of ['a', 'b', 'c']) {
      for (const [k, bodypart] of bodyparts.entries()) setPoint(table, name, individual, bodypart, image + k / 7 + variant, image * 1.5 + variant / 3);
    }
    setPoint(table, name, 'single', 'corner', variant, variant);
  }
  return table;
}

/**
 * The child saves table A and table B alternately forever (both formats); it is built with esbuild as the CLI
 * is, so that it starts in plain node (tsx would add seconds per start).
 */
function buildChild(tables: LabelTable[]): string {
  const dir = temporaryFolder('herd-atomic-child-');
  const entry = path.join(dir, 'child.ts');
  fs.writeFileSync(path.join(dir, 'tables.json'), JSON.stringify(tables.map((table) => ({ ...table, values: Array.from(table.values) }))));
  fs.writeFileSync(
    entry,
    `import * as fs from 'node:fs';
import { saveLabels } from ${JSON.stringify(path.join(REPO, 'src-core/labels/files'))};
import { loadH5wasm } from ${JSON.stringify(path.join(REPO, 'src-core/io/hdf5-pandas'))};
const folder = process.argv[2];
const tables = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, 'tables.json'))}, 'utf8')).map((t: { values: number[] }) => ({ ...t, values: Float64Array.from(t.values) }));
(async () => {
  await loadH5wasm();
  process.stdout.write('ready\\n');
  for (let i = 0; ; i++) await saveLabels(folder, tables[i % 2]);
})();
`,
  );
  const out = path.join(dir, 'child.js');
  // The same bundling as esbuild.mjs (h5wasm inside the bundle, import.meta.url defined for it).
  buildSync({
    entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: out, logLevel: 'error',
    external: ['@ffmpeg-installer/ffmpeg', 'ffmpeg-static'],
    define: { 'import.meta.url': '__herdImportMetaUrl' },
    banner: { js: "const __herdImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
  });
  return out;
}

function sameValues(a: LabelTable, b: LabelTable): boolean {
  return a.images.length === b.images.length && a.images.every((image, i) => image === b.images[i]) && a.values.every((value, i) => Object.is(value, b.values[i]));
}

/** Starts the child, waits until it runs, lets it save for a random moment, then SIGKILLs it. */
function runAndKill(child: string, folder: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, [child, folder], { stdio: ['ignore', 'pipe', 'inherit'] });
    let timer: NodeJS.Timeout | undefined;
    process_.stdout.once('data', () => {
      timer = setTimeout(() => process_.kill('SIGKILL'), delayMs);
    });
    process_.on('error', reject);
    process_.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`child exited by itself (code ${code})`));
    });
  });
}

describe('label saves are atomic', { skip: process.platform === 'win32' ? 'SIGKILL semantics' : false }, () => {

  it(`a writer killed at random moments (${KILLS} times) leaves the old or the new complete file`, async (t) => {
    const root = temporaryFolder('herd-atomic-');
    const folder = path.join(root, 'labeled-data', 'v');
    const [a, b] = [bigTable(1), bigTable(2)];
    await saveLabels(folder, bigTable(0));
    const initial = bigTable(0);
    const child = buildChild([a, b]);
    const seen = { old: 0, a: 0, b: 0 };
    // Deterministic spread of kill moments over the first few saves (one save of both files takes ~100 ms).
    for (let kill = 0; kill < KILLS; kill++) {
      await runAndKill(child, folder, (kill * 7919) % 450);
      for (const extension of ['h5', 'csv']) {
        const file = path.join(folder, `CollectedData_Jane.${extension}`);
        const { table } = await readLabels(file, { checkImages: false });
        if (sameValues(table, a)) seen.a++;
        else if (sameValues(table, b)) seen.b++;
        else if (sameValues(table, initial)) seen.old++;
        else assert.fail(`after kill ${kill + 1}, ${file} is neither the old nor a new table`);
      }
    }
    // Killed writers may leave their temporary siblings behind, never a damaged target.
    const leftovers = fs.readdirSync(folder).filter((name) => !name.startsWith('CollectedData_'));
    assert.ok(leftovers.every((name) => name.startsWith('.herd-tmp-')), leftovers.join(', '));
    t.diagnostic(`files found after the kills: ${JSON.stringify(seen)}; temporary files left: ${leftovers.length}`);
    assert.ok(seen.a + seen.b > 0, `the child saved at least once (${JSON.stringify(seen)})`);
  });
});
