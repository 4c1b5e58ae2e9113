// The labeling webview panel (issue 9): one panel per labeled-data folder, restored after a reload from the webview
// state ({ folder }). Message handling is in labeling-host.ts (no vscode); the panel plumbing in webview-panels.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LABELING_VIEW_TYPE, type LabelingPanelState, type RevealMessage } from '../webviews/shared/messages';
import { coreFacade, handlePanelMessage, type LabelingCore } from './labeling-host';
import { KeyedPanels } from './webview-panels';

export class LabelingPanels extends KeyedPanels {
  /** The open panels' webviews by folder, and a frame to select when a panel's webview (re)starts. */
  private readonly webviews: Map<string, { webview: vscode.Webview; answer(message: unknown): Promise<void> }>;
  private readonly pendingImage: Map<string, string>;

  constructor(extensionUri: vscode.Uri, log: (message: string) => void = () => undefined, core: LabelingCore = coreFacade()) {
    const webviews = new Map<string, { webview: vscode.Webview; answer(message: unknown): Promise<void> }>();
    const pendingImage = new Map<string, string>();
    super(extensionUri, {
      viewType: LABELING_VIEW_TYPE,
      bundle: 'labeling',
      titleWord: 'Label',
      restoredKey: (state) => {
        const folder = (state as LabelingPanelState | undefined)?.folder;
        return typeof folder === 'string' && folder !== '' ? folder : undefined;
      },
      // The frames are the folder's PNGs, loaded by the webview itself.
      resourceRoots: (folder) => [vscode.Uri.file(folder)],
      connect: (webview, folder, setDirty) => {
        const session = {
          folder,
          core,
          toUri: (file: string) => webview.asWebviewUri(vscode.Uri.file(file)).toString(),
          onDirty: setDirty,
          takeImage: () => {
            const image = pendingImage.get(folder);
            pendingImage.delete(folder);
            return image;
          },
        };
        const answer = async (message: unknown) => {
          const reply = await handlePanelMessage(message, session);
          if (reply?.type === 'error') log(`labeling ${folder}: ${reply.message}`);
          if (reply) await webview.postMessage(reply);
        };
        webviews.set(folder, { webview, answer });
        return [{ dispose: () => webviews.get(folder)?.webview === webview && webviews.delete(folder) }, webview.onDidReceiveMessage(answer)];
      },
    });
    this.webviews = webviews;
    this.pendingImage = pendingImage;
  }

  /**
   * Opens (or reveals) the panel of `folder`; with `image` (`labeled-data/<video>/<image>`) that frame is selected:
   * through the init message of a new panel, or a `reveal` message to an open one.
   */
  override show(folder: string, options: { image?: string } = {}): vscode.WebviewPanel {
    const key = path.resolve(folder);
    const open = this.webviews.get(key)?.webview;
    if (options.image !== undefined) this.pendingImage.set(key, options.image);
    const panel = super.show(key);
    if (open && options.image !== undefined) {
      const reveal: RevealMessage = { type: 'reveal', image: options.image };
      void open.postMessage(reveal).then((delivered) => delivered && this.pendingImage.delete(key));
    }
    return panel;
  }

  /**
   * Sends an open panel of `folder` its frames and labels again (frames were added to the folder): the panel keeps its
   * frame, selection and unsaved labels (its init handling prefers them), and shows the new frames.
   */
  async refresh(folder: string): Promise<void> {
    await this.webviews.get(path.resolve(folder))?.answer({ type: 'ready' });
  }
}
