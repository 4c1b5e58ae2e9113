/**
 * Runs inside the VS Code extension host under @vscode/test-electron (see runTest.ts): the checks of ../e2e.ts
 * through the API instead of the UI. runTest.ts bundles it with esbuild.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HerdExtensionApi } from '../../../src-extension/extension';

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function run(): Promise<void> {
  const workspace = process.env.HERD_E2E_WORKSPACE!;
  const extension = vscode.extensions.getExtension<HerdExtensionApi>('herd.herd')!;
  const api = await extension.activate();
  console.log(`activation: ${api.activationMs.toFixed(0)} ms`);
  assert.equal(api.ctx.project?.configPath, path.join(workspace, 'config.yaml'));

  const roots = await api.ctx.tree.getChildren();
  const videos = await api.ctx.tree.getChildren(roots[0]);
  assert.deepEqual(videos.map((node) => node.label), ['synth.mp4']);
  const labeled = await api.ctx.tree.getChildren(roots[1]);
  assert.match(labeled[0]!.description ?? '', /^20\/20 frames labeled$/);

  // extract-frames with --force on the one video, through the palette command with a tree item.
  fs.rmSync(path.join(workspace, 'labeled-data', 'synth'), { recursive: true });
  const ended = new Promise<number | undefined>((resolve) => vscode.tasks.onDidEndTaskProcess((event) => resolve(event.exitCode)));
  const pressed = Date.now();
  const started = new Promise<number>((resolve) => vscode.tasks.onDidStartTaskProcess(() => resolve(Date.now() - pressed)));
  await vscode.commands.executeCommand('herd.extractFrames');
  console.log(`command → task process started: ${await started} ms`);
  assert.equal(await ended, 0);
  assert.ok(fs.readdirSync(path.join(workspace, 'labeled-data', 'synth')).some((name) => name.endsWith('.png')));

  const broken = vscode.Uri.file(path.join(workspace, 'broken', 'config.yaml'));
  await vscode.window.showTextDocument(broken);
  const diagnostics = await until('the diagnostic', () => {
    const found = vscode.languages.getDiagnostics(broken).filter((diagnostic) => diagnostic.message.includes('numframes2pick'));
    return found.length > 0 && found;
  });
  assert.equal(diagnostics[0]!.severity, vscode.DiagnosticSeverity.Error);
}
