import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/**
 * Starts Herd's language server (dist/server.js: diagnostics, hover, completion for config.yaml,
 * pytorch_config.yaml and inference_cfg.yaml) over IPC. A missing bundle is logged, not fatal.
 */
export async function startLanguageClient(extensionPath: string, log: vscode.LogOutputChannel): Promise<LanguageClient | undefined> {
  const serverModule = vscode.Uri.joinPath(vscode.Uri.file(extensionPath), 'dist', 'server.js').fsPath;
  if (!fs.existsSync(serverModule)) {
    log.warn(`language server not started: ${serverModule} is missing (run npm run build)`);
    return undefined;
  }
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml', pattern: '**/config.yaml' },
      { scheme: 'file', language: 'yaml', pattern: '**/pytorch_config.yaml' },
      { scheme: 'file', language: 'yaml', pattern: '**/inference_cfg.yaml' },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{config,pytorch_config,inference_cfg}.yaml') },
    outputChannel: log,
  };
  const client = new LanguageClient('herd', 'Herd Language Server', serverOptions, clientOptions);
  try {
    await client.start();
    log.info(`language server started: ${serverModule}`);
    return client;
  } catch (error) {
    log.error(`language server failed to start: ${(error as Error).message}`);
    return undefined;
  }
}
