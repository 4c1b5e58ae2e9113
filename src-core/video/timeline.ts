import * as fs from 'node:fs';
import * as path from 'node:path';
import { runFfmpeg } from './ffmpeg';

/**
 * When frame 0 is shown, in the file's own timeline (what ffmpeg's `-copyts` keeps). Usually 0,
 * but MPEG-TS starts anywhere, and the video of an mp4 may start after its audio; seeking to a
 * frame by time is only exact relative to this. Undefined when ffmpeg does not say.
 */
export async function firstFrameTime(ffmpeg: string, file: string): Promise<number | undefined> {
  const stats = fs.statSync(file);
  const key = `${ffmpeg}\0${path.resolve(file)}\0${stats.size}\0${stats.mtimeMs}`;
  if (!measured.has(key)) {
    if (measured.size >= CACHE_ENTRIES) measured.delete(measured.keys().next().value!);
    measured.set(key, await measure(ffmpeg, file));
  }
  return measured.get(key);
}

const measured = new Map<string, number | undefined>();
const CACHE_ENTRIES = 64;

async function measure(ffmpeg: string, file: string): Promise<number | undefined> {
  const args = ['-hide_banner', '-nostdin', '-copyts', '-i', file, '-map', '0:v:0', '-frames:v', '1', '-vf', 'showinfo', '-f', 'null', '-'];
  const { stderr } = await runFfmpeg(ffmpeg, args);
  return parseFirstFrameTime(stderr);
}

/**
 * From showinfo's log: "config in time_base: 1/90000, …" then "n:   0 pts: 132006 pts_time:1.46673 …".
 * pts × time base, since pts_time is rounded to six digits (too coarse an hour into a video).
 */
export function parseFirstFrameTime(stderr: string): number | undefined {
  const timeBase = /config in time_base: (\d+)\/(\d+)/.exec(stderr);
  const pts = /\bn:\s*0\s+pts:\s*(-?\d+)/.exec(stderr);
  if (!timeBase || !pts || Number(timeBase[2]) === 0) return undefined;
  return (Number(pts[1]) * Number(timeBase[1])) / Number(timeBase[2]);
}
