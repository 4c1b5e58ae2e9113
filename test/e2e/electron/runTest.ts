/**
 * The same end-to-end checks through @vscode/test-electron, for machines with internet (it downloads VS Code).
 * Not run here (no internet: the code-server tier in ../run.sh is what runs); kept so the checks also run inside a
 * desktop VS Code. Usage, after `npm i -D @vscode/test-electron` and `npm run build`:
 *
 *   node --import tsx test/e2e/electron/runTest.ts            # VS Code stable
 *   VSCODE_VERSION=1.100.3 node --import tsx test/e2e/electron/runTest.ts   # the minimum engine (rust-analyzer habit)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

async function main(): Promise<void> {
  const repo = path.resolve(__dirname, '../../..');
  // A variable module name keeps tsc from requiring the package (it is not a dependency of this repository).
  const moduleName = '@vscode/test-electron';
  const { runTests } = (await import(moduleName)) as { runTests(options: Record<string, unknown>): Promise<number> };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-electron-'));
  // The suite runs in the extension host as CommonJS: bundle it (vscode stays external).
  const esbuild = await import('esbuild');
  const suite = path.join(work, 'suite.js');
  await esbuild.build({ entryPoints: [path.join(__dirname, 'suite.ts')], bundle: true, platform: 'node', format: 'cjs', external: ['vscode'], outfile: suite, logLevel: 'warning' });
  const out = execFileSync(process.execPath, [path.join(repo, 'dist/herd.js'), 'synth', '--project', '--frames', '30', '--width', '320', '--height', '240', '--output', work, '--json'], { encoding: 'utf8' });
  const workspace: string = JSON.parse(out.trim().split('\n').at(-1)!).root;
  fs.mkdirSync(path.join(workspace, 'broken'));
  fs.writeFileSync(path.join(workspace, 'broken', 'config.yaml'), fs.readFileSync(path.join(workspace, 'config.yaml'), 'utf8').replace(/^numframes2pick:.*$/m, 'numframes2pick: many'));
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: repo,
      extensionTestsPath: suite,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { HERD_E2E_WORKSPACE: workspace },
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
