// The frame-grabber webview panel (issue 9): one panel per video, restored after a reload from the webview state
// ({ video }). Message handling is in grabber-host.ts (no vscode); the panel plumbing in webview-panels.ts. Deleted
// frames (and label files left without rows) go to the OS trash where the file system supports it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { GRABBER_VIEW_TYPE, type GrabberPanelState } from '../webviews/shared/messages';
import { configBeside, GrabberSession, grabberPlace, type GrabberPlace } from './grabber-host';
import { KeyedPanels } from './webview-panels';

export interface GrabberPanelOptions {
  log?: (message: string) => void;
  configPath?: () => string | undefined;
  ffmpeg?: () => string | undefined;
  /** Whether the labeling panel of a labeled-data folder is open. */
  labelingOpen?: (folder: string) => boolean;
  /** A grab added a frame to the labeled-data folder. */
  frameAdded?: (folder: string) => void;
}

/** Deletes a file to the trash; where the file system has no trash, deletes it outright. */
export async function moveToTrash(file: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  try {
    await vscode.workspace.fs.delete(uri, { useTrash: true, recursive: false });
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') throw error;
    await vscode.workspace.fs.delete(uri, { useTrash: false, recursive: false });
  }
}

function placeOf(config: string, video: string): GrabberPlace | undefined {
  try {
    return grabberPlace(config, video);
  } catch {
    return undefined; // not in this project's video_sets
  }
}

export class GrabberPanels extends KeyedPanels {
  constructor(extensionUri: vscode.Uri, options: GrabberPanelOptions = {}) {
    // The open project's config when the video is in its video_sets, else the config.yaml above the video's folder.
    const configOf = (video: string) => {
      const candidates = [options.configPath?.(), configBeside(video)].filter((c): c is string => c !== undefined);
      return candidates.find((config) => placeOf(config, video)) ?? candidates[0];
    };
    super(extensionUri, {
      viewType: GRABBER_VIEW_TYPE,
      bundle: 'grabber',
      titleWord: 'Grab',
      restoredKey: (state) => {
        const video = (state as GrabberPanelState | undefined)?.video;
        return typeof video === 'string' && video !== '' && fs.existsSync(video) ? video : undefined;
      },
      // The grid's thumbnails are the labeled-data folder's images, loaded by the webview itself.
      resourceRoots: (video) => {
        const config = configOf(video);
        const folder = (config ? placeOf(config, video)?.folder : undefined) ?? path.join(path.dirname(path.dirname(video)), 'labeled-data', path.parse(video).name);
        return [vscode.Uri.file(folder)];
      },
      retainContextWhenHidden: true,
      connect: (webview, video) => {
        const session = new GrabberSession(video, {
          configPath: configOf(video),
          ffmpeg: options.ffmpeg?.() || undefined,
          toUri: (file) => webview.asWebviewUri(vscode.Uri.file(file)).toString(),
          remove: moveToTrash,
          onFrameAdded: (folder) => options.frameAdded?.(folder),
          deleteBlockedBy: (folder) =>
            options.labelingOpen?.(folder) ? `the labeling panel of ${path.basename(folder)} is open: save and close it before deleting frames (it would write their labels back)` : undefined,
        });
        return [
          webview.onDidReceiveMessage(async (message: unknown) => {
            const reply = await session.handle(message);
            if (reply?.type === 'grabber-error' && reply.frame === undefined && !reply.labeled) options.log?.(`grab frames ${video}: ${reply.message}`);
            if (reply) await webview.postMessage(reply);
          }),
        ];
      },
    });
  }
}
