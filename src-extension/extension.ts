/**
 * Herd's VS Code extension: activates on a workspace with a DeepLabCut/Herd config.yaml, shows the project
 * tree, runs each workflow step as a `herd` task, and starts the language server for the project's YAML files.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';

let ctx: Ctx | undefined;

export interface HerdExtensionApi {
  ctx: Ctx;
  /** Milliseconds activate() took, until the project was found and the language client started. */
  activationMs: number;
}

export async function activate(extension: vscode.ExtensionContext): Promise<HerdExtensionApi> {
  const started = performance.now();
  ctx = new Ctx(extension);
  extension.subscriptions.push(ctx);
  registerCommands(ctx);
  await ctx.start();
  const activationMs = performance.now() - started;
  ctx.log.info(`activated in ${activationMs.toFixed(0)} ms`);
  ctx.trace('activated', { activationMs });
  return { ctx, activationMs };
}

export function deactivate(): Thenable<void> | undefined {
  const client = ctx?.client;
  ctx = undefined;
  return client?.stop();
}
