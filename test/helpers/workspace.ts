import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

/** A temporary folder removed when the test file finishes. */
export function temporaryFolder(prefix = 'herd-test-'): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(folder, { recursive: true, force: true }));
  return folder;
}

/** The ffmpeg the tests use: the one Herd itself would pick. */
export function testFfmpeg(): string {
  return process.env.HERD_FFMPEG ?? require('@ffmpeg-installer/ffmpeg').path;
}

/** A small real video made by ffmpeg's test source (h264 mp4 unless the extension says otherwise). */
export function makeTestVideo(file: string, options: { width?: number; height?: number; frames?: number; fps?: number } = {}): string {
  const { width = 64, height = 48, frames = 10, fps = 10 } = options;
  const codec = file.endsWith('.avi') ? ['-c:v', 'mpeg4'] : ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'];
  execFileSync(testFfmpeg(), [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    '-frames:v', String(frames), ...codec, file,
  ]);
  return file;
}

/** Every file and folder under `root`, relative, sorted: to check that nothing was left behind. */
export function listTree(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).sort();
}

export const SHARED_DATA = path.resolve(__dirname, '../../../shared/data');
