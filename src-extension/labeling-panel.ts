// The labeling webview panel (issue 9): one panel per labeled-data folder, restored after a reload by a
// WebviewPanelSerializer from the webview state ({ folder }). Message handling is in labeling-host.ts (no vscode).
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LABELING_VIEW_TYPE, type LabelingPanelState } from '../webviews/shared/messages';
import { coreFacade, handlePanelMessage, labelingHtml, type LabelingCore } from './labeling-host';

export class LabelingPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: (message: string) => void = () => undefined,
    private readonly core: LabelingCore = coreFacade(),
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(LABELING_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const folder = (state as LabelingPanelState | undefined)?.folder;
          if (typeof folder !== 'string' || folder === '') {
            panel.dispose();
            return;
          }
          this.attach(panel, folder);
        },
      }),
    );
  }

  /** Opens (or reveals) the panel of a labeled-data folder. */
  show(folder: string): vscode.WebviewPanel {
    const key = path.resolve(folder);
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(LABELING_VIEW_TYPE, this.title(key, false), vscode.ViewColumn.Active, this.options(key));
    this.attach(panel, key);
    return panel;
  }

  private title(folder: string, dirty: boolean): string {
    return `${dirty ? '● ' : ''}Label ${path.basename(folder)}`;
  }

  private options(folder: string): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews'), vscode.Uri.file(folder)],
    };
  }

  private attach(panel: vscode.WebviewPanel, folder: string): void {
    const key = path.resolve(folder);
    this.panels.set(key, panel);
    const webview = panel.webview;
    webview.options = this.options(key);
    panel.title = this.title(key, false);
    const bundle = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews');
    webview.html = labelingHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'labeling.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'labeling.css')).toString(),
      nonce: randomBytes(18).toString('base64'),
      title: panel.title,
    });
    const session = {
      folder: key,
      core: this.core,
      toUri: (file: string) => webview.asWebviewUri(vscode.Uri.file(file)).toString(),
      onDirty: (dirty: boolean) => {
        panel.title = this.title(key, dirty);
      },
    };
    const subscriptions = [
      webview.onDidReceiveMessage(async (message: unknown) => {
        const reply = await handlePanelMessage(message, session);
        if (reply?.type === 'error') this.log(`labeling ${key}: ${reply.message}`);
        if (reply) await webview.postMessage(reply);
      }),
    ];
    panel.onDidDispose(() => {
      if (this.panels.get(key) === panel) this.panels.delete(key);
      for (const s of subscriptions) s.dispose();
    });
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
