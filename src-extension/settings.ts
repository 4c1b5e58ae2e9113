import * as vscode from 'vscode';

/** Typed access to the `herd.*` settings (documented in package.json `contributes.configuration`). */
export interface HerdSettings {
  /** ffmpeg binary for herd (HERD_FFMPEG); empty: PATH, then the bundled npm ffmpeg. */
  ffmpegPath: string | undefined;
  /** auto | cpu | gpu */
  device: string;
  defaultShuffle: number;
  defaultTrackMethod: string;
  /** analyze: assemble and track in the same run. */
  autoTrack: boolean;
}

export function readSettings(scope?: vscode.ConfigurationScope): HerdSettings {
  const config = vscode.workspace.getConfiguration('herd', scope);
  return {
    ffmpegPath: config.get<string>('ffmpegPath')?.trim() || undefined,
    device: config.get<string>('device') ?? 'auto',
    defaultShuffle: config.get<number>('defaultShuffle') ?? 1,
    defaultTrackMethod: config.get<string>('defaultTrackMethod') ?? 'ellipse',
    autoTrack: config.get<boolean>('autoTrack') ?? true,
  };
}
