// The tracklet-refinement webview panel (issue 10): one panel per tracked table, restored after a reload from the
// webview state ({ file }). Message handling is in refine-host.ts (no vscode); the panel plumbing in webview-panels.ts.
import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import { REFINE_VIEW_TYPE, type RefinePanelState } from '../webviews/shared/messages';
import { refineCore, RefineSession, type RefineCore } from './refine-host';
import { KeyedPanels } from './webview-panels';

export interface RefinePanelOptions {
  log?: (message: string) => void;
  configPath?: () => string | undefined;
  ffmpeg?: () => string | undefined;
  core?: () => RefineCore;
}

export class RefinePanels extends KeyedPanels {
  constructor(extensionUri: vscode.Uri, options: RefinePanelOptions = {}) {
    super(extensionUri, {
      viewType: REFINE_VIEW_TYPE,
      bundle: 'refine',
      titleWord: 'Refine',
      restoredKey: (state) => {
        const file = (state as RefinePanelState | undefined)?.file;
        return typeof file === 'string' && file !== '' && fs.existsSync(file) ? file : undefined;
      },
      // Frames arrive as messages, so the webview needs nothing from disk but its bundle.
      retainContextWhenHidden: true,
      connect: (webview, file, setDirty) => {
        const core = options.core?.() ?? refineCore({ ffmpeg: options.ffmpeg?.() || undefined });
        const session = new RefineSession(file, core, { configPath: options.configPath?.(), onDirty: setDirty });
        return [
          webview.onDidReceiveMessage(async (message: unknown) => {
            const reply = await session.handle(message);
            if (reply?.type === 'refine-error') options.log?.(`refine ${file}: ${reply.message}`);
            if (reply) await webview.postMessage(reply);
          }),
        ];
      },
    });
  }
}
