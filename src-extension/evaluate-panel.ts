// The evaluation webview panel (issue 10, "Evaluation panel"): one panel per project (key: its config.yaml), restored
// after a reload from the webview state ({ config }). Message handling is in evaluate-host.ts (no vscode); the panel
// plumbing in webview-panels.ts. Images load from the project's labeled-data folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EVALUATION_VIEW_TYPE, type EvaluationPanelState } from '../webviews/shared/messages';
import { EvaluationSession } from './evaluate-host';
import { KeyedPanels } from './webview-panels';

export interface EvaluationPanelOptions {
  log?: (message: string) => void;
  /** Opens an image in the labeling panel of its folder. */
  openLabeling: (folder: string, image: string) => void | Promise<void>;
}

export class EvaluationPanels extends KeyedPanels {
  constructor(extensionUri: vscode.Uri, options: EvaluationPanelOptions) {
    super(extensionUri, {
      viewType: EVALUATION_VIEW_TYPE,
      bundle: 'evaluate',
      titleWord: 'Evaluation',
      // The key is the project's config.yaml: name the project's folder.
      titleName: (config) => path.basename(path.dirname(config)),
      restoredKey: (state) => {
        const config = (state as EvaluationPanelState | undefined)?.config;
        return typeof config === 'string' && config !== '' && fs.existsSync(config) ? config : undefined;
      },
      resourceRoots: (config) => [vscode.Uri.file(path.join(path.dirname(config), 'labeled-data'))],
      retainContextWhenHidden: true,
      connect: (webview, config) => {
        const session = new EvaluationSession(config, {
          toUri: (file) => webview.asWebviewUri(vscode.Uri.file(file)).toString(),
          openLabeling: options.openLabeling,
        });
        return [
          webview.onDidReceiveMessage(async (message: unknown) => {
            const reply = await session.handle(message);
            if (reply?.type === 'evaluation-error') options.log?.(`evaluation ${config}: ${reply.message}`);
            if (reply) await webview.postMessage(reply);
          }),
        ];
      },
    });
  }
}
