// The tracklet-refinement webview panel (issue 10): one panel per tracked table, restored after a reload from the
// webview state ({ file, frame, history }). Message handling is in refine-host.ts (no vscode); the panel plumbing
// in webview-panels.ts. VS Code cannot veto closing a webview, so a panel closed with unsaved edits loses nothing:
// its session's edit log outlives it (ClosedRefineEdits) and a warning offers "Save Refined File" (the edits
// replayed on the table and saved as the Save button does, asking before overwriting) or "Reopen" (a new panel
// with the edits restored; a panel opened later for that table gets them too).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { REFINE_VIEW_TYPE, type RefinePanelState } from '../webviews/shared/messages';
import { ClosedRefineEdits, refineCore, RefineSession, type RefineCore } from './refine-host';
import { KeyedPanels } from './webview-panels';

export interface RefinePanelOptions {
  log?: (message: string) => void;
  configPath?: () => string | undefined;
  ffmpeg?: () => string | undefined;
  core?: () => RefineCore;
}

const SAVE = 'Save Refined File';
const REOPEN = 'Reopen';
const OVERWRITE = 'Overwrite';

export class RefinePanels extends KeyedPanels {
  private readonly closing: { all: boolean };

  constructor(extensionUri: vscode.Uri, options: RefinePanelOptions = {}) {
    const closed = new ClosedRefineEdits();
    const closing = { all: false };
    let warn: (session: RefineSession) => Promise<void> = async () => undefined;
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
        const restore = closed.take(file);
        const session = new RefineSession(file, core, { configPath: options.configPath?.(), onDirty: setDirty, ...(restore ? { restore } : {}) });
        return [
          webview.onDidReceiveMessage(async (message: unknown) => {
            const reply = await session.handle(message);
            if (reply?.type === 'refine-error') options.log?.(`refine ${file}: ${reply.message}`);
            if (reply) await webview.postMessage(reply);
          }),
          // Disposed with the panel: keep its unsaved edits and say so (not when the extension stops).
          { dispose: () => void (closing.all ? undefined : warn(session)) },
        ];
      },
    });
    this.closing = closing;

    warn = async (session) => {
      const text = closed.keep(session);
      if (!text) return;
      const choice = await vscode.window.showWarningMessage(text, SAVE, REOPEN);
      if (!closed.holds(session)) return; // reopened meanwhile: that panel has the edits
      if (choice === REOPEN) {
        this.show(session.file);
      } else if (choice === SAVE) {
        let result = await session.saveEdits(false);
        if (result.type === 'refine-error' && result.exists) {
          const again = await vscode.window.showWarningMessage(`${path.basename(session.target)} exists already. Overwrite it?`, { modal: true }, OVERWRITE);
          if (again !== OVERWRITE) return;
          result = await session.saveEdits(true);
        }
        if (result.type === 'refine-saved') {
          closed.saved(session);
          void vscode.window.showInformationMessage(`Saved ${result.files.map((f) => path.basename(f)).join(' and ')}`);
        } else {
          options.log?.(`refine ${session.file}: ${result.message}`);
          void vscode.window.showErrorMessage(`The edits of ${path.basename(session.file)} were not saved: ${result.message}`);
        }
      }
    };
  }

  override dispose(): void {
    this.closing.all = true;
    super.dispose();
  }
}
