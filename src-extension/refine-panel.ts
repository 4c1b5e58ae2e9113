// The tracklet-refinement webview panel (issue 10): one panel per tracked table, restored after a reload by a
// WebviewPanelSerializer from the webview state ({ file }). Message handling is in refine-host.ts (no vscode).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { REFINE_VIEW_TYPE, type RefinePanelState } from '../webviews/shared/messages';
import { refineCore, refineHtml, RefineSession, type RefineCore } from './refine-host';

export class RefinePanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly options: { log?: (message: string) => void; configPath?: () => string | undefined; ffmpeg?: () => string | undefined; core?: () => RefineCore } = {},
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(REFINE_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const file = (state as RefinePanelState | undefined)?.file;
          if (typeof file !== 'string' || file === '' || !fs.existsSync(file)) {
            panel.dispose();
            return;
          }
          this.attach(panel, file);
        },
      }),
    );
  }

  /** Opens (or reveals) the panel of a tracked table (`<video><scorer>_el.h5` or `.csv`). */
  show(file: string): vscode.WebviewPanel {
    const key = path.resolve(file);
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(REFINE_VIEW_TYPE, this.title(key, false), vscode.ViewColumn.Active, this.webviewOptions());
    this.attach(panel, key);
    return panel;
  }

  private title(file: string, dirty: boolean): string {
    return `${dirty ? '● ' : ''}Refine ${path.basename(file)}`;
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // Frames arrive as messages, so the webview needs nothing from disk but its bundle.
    return { enableScripts: true, enableCommandUris: false, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews')] };
  }

  private attach(panel: vscode.WebviewPanel, file: string): void {
    const key = path.resolve(file);
    this.panels.set(key, panel);
    const webview = panel.webview;
    webview.options = this.webviewOptions();
    panel.title = this.title(key, false);
    const bundle = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews');
    webview.html = refineHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'refine.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'refine.css')).toString(),
      nonce: randomBytes(18).toString('base64'),
      title: panel.title,
    });
    const core = this.options.core?.() ?? refineCore({ ffmpeg: this.options.ffmpeg?.() || undefined });
    const session = new RefineSession(key, core, {
      configPath: this.options.configPath?.(),
      onDirty: (dirty) => {
        panel.title = this.title(key, dirty);
      },
    });
    const subscriptions = [
      webview.onDidReceiveMessage(async (message: unknown) => {
        const reply = await session.handle(message);
        if (reply?.type === 'refine-error') this.options.log?.(`refine ${key}: ${reply.message}`);
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
