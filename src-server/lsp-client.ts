import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver';

/**
 * A minimal LSP client over the built server's stdio, as an editor would start it (`node dist/server.js --stdio`).
 * Used by the tests of tier 2 and by the latency bench; not part of the server bundle.
 */
export class LspClient {
  readonly connection: MessageConnection;
  private readonly versions = new Map<string, number>();
  private readonly latest = new Map<string, PublishDiagnosticsParams>();
  private readonly waiters: Array<{ test: (params: PublishDiagnosticsParams) => boolean; resolve: (params: PublishDiagnosticsParams) => void }> = [];
  stderr = '';

  private constructor(readonly child: ChildProcess) {
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      this.latest.set(params.uri, params);
      for (let index = this.waiters.length - 1; index >= 0; index--) {
        const waiter = this.waiters[index];
        if (waiter.test(params)) {
          this.waiters.splice(index, 1);
          waiter.resolve(params);
        }
      }
    });
    this.connection.listen();
  }

  /** Start `serverScript` (default: dist/server.js of this repository) and initialize it. */
  static async start(serverScript = path.resolve(__dirname, '../dist/server.js')): Promise<LspClient> {
    const child = spawn(process.execPath, [serverScript, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const client = new LspClient(child);
    await client.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    await client.connection.sendNotification('initialized', {});
    return client;
  }

  /** The next diagnostics published for `uri` at `version` or later. */
  nextDiagnostics(uri: string, version?: number, timeoutMs = 10_000): Promise<PublishDiagnosticsParams> {
    return this.waitFor(uri, (params) => version === undefined || params.version === undefined || params.version >= version, timeoutMs, false);
  }

  /**
   * Diagnostics for `uri` that pass `test`: the latest published ones if they do, else the next that do.
   * (The server may publish twice per version: the text's problems first when a video is being probed.)
   */
  waitFor(uri: string, test: (params: PublishDiagnosticsParams) => boolean, timeoutMs = 10_000, checkLatest = true): Promise<PublishDiagnosticsParams> {
    const latest = this.latest.get(uri);
    if (checkLatest && latest && test(latest)) return Promise.resolve(latest);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({ test: (params) => params.uri === uri && test(params), resolve: (params) => (clearTimeout(timer), resolve(params)) });
    });
  }

  async open(uri: string, text: string): Promise<Diagnostic[]> {
    this.versions.set(uri, 1);
    const published = this.nextDiagnostics(uri, 1);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    return (await published).diagnostics;
  }

  /** Send a change (whole text, or a ranged edit) and wait for its diagnostics. */
  async change(uri: string, change: { text: string; range?: { start: { line: number; character: number }; end: { line: number; character: number } } }): Promise<Diagnostic[]> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const published = this.nextDiagnostics(uri, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
    return (await published).diagnostics;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  async stop(): Promise<void> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      // The server may already be gone.
    }
    this.connection.dispose();
    if (this.child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (this.child.kill(), resolve()), 2000);
        this.child.once('exit', () => (clearTimeout(timer), resolve()));
      });
    }
  }
}
