// The labeling webview panel (issue 9): one panel per labeled-data folder, restored after a reload from the webview
// state ({ folder }). Message handling is in labeling-host.ts (no vscode); the panel plumbing in webview-panels.ts.
import * as vscode from 'vscode';
import { LABELING_VIEW_TYPE, type LabelingPanelState } from '../webviews/shared/messages';
import { coreFacade, handlePanelMessage, type LabelingCore } from './labeling-host';
import { KeyedPanels } from './webview-panels';

export class LabelingPanels extends KeyedPanels {
  constructor(extensionUri: vscode.Uri, log: (message: string) => void = () => undefined, core: LabelingCore = coreFacade()) {
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
        };
        return [
          webview.onDidReceiveMessage(async (message: unknown) => {
            const reply = await handlePanelMessage(message, session);
            if (reply?.type === 'error') log(`labeling ${folder}: ${reply.message}`);
            if (reply) await webview.postMessage(reply);
          }),
        ];
      },
    });
  }
}
