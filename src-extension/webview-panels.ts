// What every Herd webview panel shares: one panel per key (a folder, a file), reveal instead of a second one,
// restore after a window reload through a WebviewPanelSerializer, the bundle's HTML under a strict CSP, a "●"
// in the title while there are unsaved edits, and cleanup on close.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { panelHtml } from './labeling-host';

export interface PanelKind {
  viewType: string;
  /** The bundle's name in `dist/webviews/` (`<bundle>.js` and `<bundle>.css`). */
  bundle: string;
  /** The title's word before the key's base name ("Label", "Refine"). */
  titleWord: string;
  /** The name after the word (default: the key's base name). */
  titleName?(key: string): string;
  /** The key a panel restored after a reload stands for, read from its webview state; undefined closes it. */
  restoredKey(state: unknown): string | undefined;
  /** Folders the webview may load files from, besides its bundle. */
  resourceRoots?(key: string): vscode.Uri[];
  retainContextWhenHidden?: boolean;
  /** Wires a panel's messages to its host; returns what to dispose when the panel closes. */
  connect(webview: vscode.Webview, key: string, setDirty: (dirty: boolean) => void): vscode.Disposable[];
}

export class KeyedPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly kind: PanelKind,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(kind.viewType, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const key = kind.restoredKey(state);
          if (key === undefined) panel.dispose();
          else this.attach(panel, key);
        },
      }),
    );
  }

  /** Whether a panel of `key` is open (visible or not). */
  isOpen(key: string): boolean {
    return this.panels.has(path.resolve(key));
  }

  /** Opens (or reveals) the panel of `key`. */
  show(key: string): vscode.WebviewPanel {
    const resolved = path.resolve(key);
    const existing = this.panels.get(resolved);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(this.kind.viewType, this.title(resolved, false), vscode.ViewColumn.Active, this.options(resolved));
    this.attach(panel, resolved);
    return panel;
  }

  private title(key: string, dirty: boolean): string {
    return `${dirty ? '● ' : ''}${this.kind.titleWord} ${this.kind.titleName?.(key) ?? path.basename(key)}`;
  }

  private options(key: string): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      ...(this.kind.retainContextWhenHidden ? { retainContextWhenHidden: true } : {}),
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews'), ...(this.kind.resourceRoots?.(key) ?? [])],
    };
  }

  private attach(panel: vscode.WebviewPanel, key: string): void {
    const resolved = path.resolve(key);
    this.panels.set(resolved, panel);
    const webview = panel.webview;
    webview.options = this.options(resolved);
    panel.title = this.title(resolved, false);
    const bundle = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webviews');
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, `${this.kind.bundle}.js`)).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, `${this.kind.bundle}.css`)).toString(),
      nonce: randomBytes(18).toString('base64'),
      title: panel.title,
    });
    const subscriptions = this.kind.connect(webview, resolved, (dirty) => {
      panel.title = this.title(resolved, dirty);
    });
    panel.onDidDispose(() => {
      if (this.panels.get(resolved) === panel) this.panels.delete(resolved);
      for (const s of subscriptions) s.dispose();
    });
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
