/**
 * `herd create-video-with-all-detections` (DeepLabCut's `create_video_with_all_detections`): every body-part
 * detection the network made, before assembly, drawn on the video — to see what the detector finds independently
 * of how the assembler groups it.
 *
 * Reads the detections file `herd analyze` wrote (`<video stem><scorer>_detections.safetensors`) and writes
 * `<video stem><scorer>_full.mp4` beside it: each peak scoring at least the p-cutoff as a filled disc of radius
 * `dotsize`, coloured per body part with the config's `colormap` (the same disc and colours DeepLabCut draws:
 * `skimage.draw.disk` and `(cmap(linspace(0, 1, K)) * 255).astype(uint8)`, body parts then unique body parts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HerdError, isHerdError } from '../common/errors';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { analysisFolder, DETECTIONS_ENDING, findDetectionsFile, type FoundAnalysisOutput } from '../infer/locate';
import { readDetections, type DetectionsContent } from '../infer/outputs';
import { colormapColors } from '../labels/colormap';
import { loadProject } from '../project/load';
import { collectVideoPaths } from '../project/videos';
import { decodeFrames, openEncoder, probeVideo, type VideoEncoder } from '../video';

export interface AllDetectionsOptions {
  /** The shuffle whose detections are drawn (default 1); picks among detections files of several shuffles. */
  shuffle?: number;
  videotype?: string;
  /** Where `herd analyze --destfolder` put the detections (default: beside each video); the video goes there too. */
  destfolder?: string;
  /** Draw detections scoring at least this (default: config.yaml's pcutoff). */
  pcutoff?: number;
  /** Replace existing `_full.mp4` videos (default: refuse). */
  overwrite?: boolean;
  /** ffmpeg encoder (default: the video module's choice, libx264 when available). */
  codec?: string;
  progress?: ProgressReporter;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface RenderedVideo {
  video: string;
  detections: string;
  output: string;
  scorer: string;
  /** Frames written to the output. */
  frames: number;
  /** The video's frames. */
  totalFrames: number;
  /** Detections drawn (at or above the p-cutoff) over all frames. */
  drawn: number;
  /** Detections below the p-cutoff, not drawn. */
  belowCutoff: number;
  /** True when the detections file or the video stopped early, so the output covers fewer frames. */
  partial: boolean;
  message?: string;
}

export interface AllDetectionsResult {
  pcutoff: number;
  dotsize: number;
  colormap: string;
  videos: RenderedVideo[];
}

/** `<stem><scorer>_full.mp4` beside the detections file. */
export function allDetectionsVideoPath(detectionsFile: string): string {
  return detectionsFile.slice(0, -DETECTIONS_ENDING.length) + '_full.mp4';
}

/** RGB bytes per drawn part, as DeepLabCut computes them (truncated, not rounded). */
export function partColors(colormap: string, count: number): Array<[number, number, number]> {
  return colormapColors(colormap, count).map((rgb) => rgb.map((c) => Math.min(255, Math.max(0, Math.floor(c * 255)))) as [number, number, number]);
}

/**
 * A filled disc as `skimage.draw.disk((y, x), radius, shape)`: the pixels whose centres lie strictly within
 * `radius` of (x, y), clipped to the frame. With `alpha` below 1 the colour is laid over the pixels with that
 * opacity (rounded) instead of replacing them.
 */
export function drawDisc(rgb: Uint8Array, width: number, height: number, x: number, y: number, radius: number, color: readonly number[], alpha = 1): void {
  if (!Number.isFinite(x) || !Number.isFinite(y) || !(radius > 0)) return;
  const r2 = radius * radius;
  const rowStart = Math.max(0, Math.ceil(y - radius));
  const rowEnd = Math.min(height - 1, Math.floor(y + radius));
  for (let row = rowStart; row <= rowEnd; row++) {
    const dy = row - y;
    const span = r2 - dy * dy;
    if (span <= 0) continue;
    const half = Math.sqrt(span);
    let colStart = Math.max(0, Math.ceil(x - half));
    let colEnd = Math.min(width - 1, Math.floor(x + half));
    // Strict inequality at the edge, as skimage's disk.
    if (colStart < width && (colStart - x) ** 2 + dy * dy >= r2) colStart += 1;
    if (colEnd >= 0 && (colEnd - x) ** 2 + dy * dy >= r2) colEnd -= 1;
    if (alpha >= 1) {
      for (let col = colStart; col <= colEnd; col++) {
        const at = (row * width + col) * 3;
        rgb[at] = color[0];
        rgb[at + 1] = color[1];
        rgb[at + 2] = color[2];
      }
    } else {
      const keep = 1 - alpha;
      const r = alpha * color[0], g = alpha * color[1], b = alpha * color[2];
      for (let col = colStart; col <= colEnd; col++) {
        const at = (row * width + col) * 3;
        rgb[at] = Math.round(keep * rgb[at] + r);
        rgb[at + 1] = Math.round(keep * rgb[at + 1] + g);
        rgb[at + 2] = Math.round(keep * rgb[at + 2] + b);
      }
    }
  }
}

/** One detection to draw: position, and which colour. */
interface Mark {
  x: number;
  y: number;
  part: number;
}

/**
 * Per frame, the detections at or above the cutoff: the peaks (body part k → colour k) and the unique body parts
 * (unique part u → colour K + u, after the body parts, as DeepLabCut's `all_joints_names`).
 */
function marksByFrame(content: DetectionsContent, pcutoff: number): { marks: Mark[][]; drawn: number; below: number } {
  const { frames, bodyparts, uniqueBodyparts } = content.metadata;
  const marks: Mark[][] = Array.from({ length: frames }, () => []);
  let drawn = 0;
  let below = 0;
  const add = (frame: number, part: number, x: number, y: number, score: number) => {
    if (!Number.isInteger(frame) || frame < 0 || frame >= frames || !Number.isFinite(x) || !Number.isFinite(y)) return;
    if (!(score >= pcutoff)) {
      below += 1;
      return;
    }
    marks[frame].push({ x, y, part });
    drawn += 1;
  };
  const peaks = content.peaks;
  for (let i = 0; i + 4 < peaks.length; i += 5) {
    const part = peaks[i + 1];
    if (!Number.isInteger(part) || part < 0 || part >= bodyparts.length) continue;
    add(peaks[i], part, peaks[i + 2], peaks[i + 3], peaks[i + 4]);
  }
  const unique = content.unique;
  const U = uniqueBodyparts.length;
  if (unique && U > 0) {
    for (let frame = 0; frame < frames; frame++) {
      for (let u = 0; u < U; u++) {
        const at = (frame * U + u) * 3;
        add(frame, bodyparts.length + u, unique[at], unique[at + 1], unique[at + 2]);
      }
    }
  }
  return { marks, drawn, below };
}

interface Plan {
  video: string;
  found: FoundAnalysisOutput;
  output: string;
}

/** Draws every detection of each video's detections file into `<stem><scorer>_full.mp4`. */
export async function createVideoWithAllDetections(
  configPath: string,
  inputs: string[],
  options: AllDetectionsOptions = {},
): Promise<AllDetectionsResult> {
  const log = options.log ?? (() => {});
  const project = loadProject(configPath);
  const config = project.config;
  const pcutoff = options.pcutoff ?? config.pcutoff ?? 0.6;
  if (!Number.isFinite(pcutoff)) throw new HerdError('USAGE', `pcutoff must be a number, got ${pcutoff}`);
  const dotsize = Number(config.dotsize ?? 12);
  if (!(dotsize > 0)) throw new HerdError('CONFIG_INVALID', `dotsize must be a positive number, got ${config.dotsize}`, { file: project.configPath });
  const colormap = config.colormap ?? 'rainbow';
  const shuffle = options.shuffle ?? 1;
  if (!Number.isInteger(shuffle) || shuffle < 0) throw new HerdError('USAGE', `--shuffle must be a whole number, got ${shuffle}`);

  const videos = collectVideoPaths(inputs, options.videotype);
  // Find every input and check every output before rendering anything, so a mistake does not surface mid-way.
  const plans: Plan[] = videos.map((video) => {
    const found = findDetectionsFile(video, { folder: analysisFolder(video, options.destfolder), shuffle });
    if (found.others.length > 0) {
      log(
        `${path.basename(video)}: ${found.others.length + 1} detections files of shuffle ${shuffle}; ` +
          `using the newest, ${path.basename(found.file)} (others: ${found.others.map((f) => path.basename(f)).join(', ')})`,
      );
    }
    const output = allDetectionsVideoPath(found.file);
    if (fs.existsSync(output) && !options.overwrite) {
      throw new HerdError('OUTPUT_EXISTS', 'the video with all detections already exists; pass --overwrite to render it again', { file: output });
    }
    return { video, found, output };
  });
  if (new Set(plans.map((p) => p.output)).size !== plans.length) {
    throw new HerdError('USAGE', 'two of the videos would be rendered to the same file; give each video once');
  }

  const results: RenderedVideo[] = [];
  for (const plan of plans) {
    options.signal?.throwIfAborted();
    results.push(await renderVideo(plan, { ...options, pcutoff, dotsize, colormap, log }));
  }
  return { pcutoff, dotsize, colormap, videos: results };
}

async function renderVideo(
  plan: Plan,
  options: AllDetectionsOptions & { pcutoff: number; dotsize: number; colormap: string; log: (line: string) => void },
): Promise<RenderedVideo> {
  const { video, found, output } = plan;
  const { log } = options;
  const name = path.basename(video);
  const content = readDetections(found.file);
  const meta = content.metadata;
  const info = await probeVideo(video);
  if (meta.width !== info.width || meta.height !== info.height) {
    throw new HerdError(
      'DETECTIONS_MISMATCH',
      `the detections are for a ${meta.width}×${meta.height} video, ${name} is ${info.width}×${info.height}; analyse this video again`,
      { file: found.file },
    );
  }
  const notes: string[] = [];
  let end = info.frameCount;
  if (meta.partial) {
    end = Math.min(meta.frames, info.frameCount);
    notes.push(`the detections file is partial (${meta.stoppedAt ?? 'analysis stopped early'}); rendering its ${end} of ${info.frameCount} frames`);
  } else if (meta.frames !== info.frameCount) {
    end = Math.min(meta.frames, info.frameCount);
    notes.push(`the detections cover ${meta.frames} frames, the video has ${info.frameCount}; rendering ${end}`);
  }
  notes.forEach((note) => log(`${name}: ${note}`));

  const colors = partColors(options.colormap, meta.bodyparts.length + meta.uniqueBodyparts.length);
  const { marks, drawn, below } = marksByFrame(content, options.pcutoff);

  const encoder: VideoEncoder = await openEncoder({
    path: output,
    width: info.width,
    height: info.height,
    fps: meta.fps > 0 ? meta.fps : info.fps,
    codec: options.codec,
    overwrite: options.overwrite,
  });
  const counter = new ProgressCounter(options.progress ?? silentProgress, `render ${name}`, end, 'frames');
  let partial = meta.partial || end < info.frameCount;
  try {
    let pending: Promise<void> | undefined;
    try {
      for await (const frame of decodeFrames(video, { info, end, signal: options.signal })) {
        for (const mark of marks[frame.index] ?? []) {
          drawDisc(frame.data, frame.width, frame.height, mark.x, mark.y, options.dotsize, colors[mark.part]);
        }
        // The next frame decodes and is drawn while ffmpeg takes this one in.
        await pending;
        pending = encoder.write(frame.data);
        pending.catch(() => {}); // awaited on the next turn or below
        counter.add();
      }
      await pending;
    } catch (error) {
      if (!(isHerdError(error) && error.code === 'VIDEO_TRUNCATED')) throw error;
      // Keep what decoded, as herd analyze does, and say where the video stopped.
      await pending;
      partial = true;
      const note = `${error.message}; the output has the ${encoder.framesWritten} frames that decoded`;
      notes.push(note);
      log(`${name}: ${note}`);
    }
    if (options.signal?.aborted) throw new HerdError('CANCELLED', 'rendering cancelled; nothing was written', { file: output });
    await encoder.close();
  } catch (error) {
    await encoder.abort();
    throw error;
  } finally {
    counter.finish();
  }
  return {
    video,
    detections: found.file,
    output,
    scorer: found.scorer,
    frames: encoder.framesWritten,
    totalFrames: info.frameCount,
    drawn,
    belowCutoff: below,
    partial,
    ...(notes.length > 0 ? { message: notes.join('; ') } : {}),
  };
}
