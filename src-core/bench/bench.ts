import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { extractFrames } from '../frames/extract';
import { createProject } from '../project/create';
import { silentProgress, ProgressCounter, type ProgressReporter } from '../common/progress';
import { renderFrame } from '../synth/render';
import { simulateScene } from '../synth/simulate';
import { decodeFrames, defaultCodec, openEncoder, resolveFfmpeg, runFfmpeg } from '../video';
import { encoderArgs } from '../video/encode-plan';

export interface BenchOptions {
  frames?: number;
  /** Frames of the video for the frame-extraction rows (default 9000: 5 minutes at 30 fps). */
  extractionFrames?: number;
  width?: number;
  height?: number;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface BenchRow {
  measurement: string;
  frames: number;
  seconds: number;
  /** Our fps divided by the reference row's fps, where there is one. */
  ratio?: { value: number; against: string };
}

export interface BenchResult {
  rows: BenchRow[];
  environment: Record<string, string>;
}

function since(start: number): number {
  return (performance.now() - start) / 1000;
}

async function timedFfmpeg(ffmpeg: string, args: string[], signal?: AbortSignal): Promise<number> {
  const start = performance.now();
  const run = await runFfmpeg(ffmpeg, args, { signal });
  if (run.exitCode !== 0) throw new HerdError('BENCH_FAILED', `ffmpeg ${args.join(' ')} failed:\n${run.stderr.slice(-800)}`);
  return since(start);
}

/**
 * Throughputs measured side by side in one run, so the ratios hold even on a noisy machine:
 * synthetic rendering, ffmpeg's encode-only against ours (same frames, same encoder settings),
 * and ffmpeg's decode-only against our streaming decode (same file).
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const progress = options.progress ?? silentProgress;
  const { frames = 600, width = 640, height = 480 } = options;
  const ffmpeg = resolveFfmpeg();
  const codec = defaultCodec(ffmpeg);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-bench-'));
  const rows: BenchRow[] = [];
  try {
    // 1. Render the synthetic frames; keep them as raw RGB on disk so both encoders read the same bytes.
    const scene = simulateScene({ frames, width, height });
    const rawPath = path.join(folder, 'frames.rgb');
    const frameBytes = width * height * 3;
    const pixels = new Uint8Array(frameBytes);
    const rawFile = fs.openSync(rawPath, 'w');
    let renderSeconds = 0;
    const rendering = new ProgressCounter(progress, 'render synthetic frames', frames);
    for (let frame = 0; frame < frames; frame++) {
      options.signal?.throwIfAborted();
      const start = performance.now();
      renderFrame(scene, frame, pixels);
      renderSeconds += since(start);
      fs.writeSync(rawFile, pixels);
      rendering.add();
    }
    fs.closeSync(rawFile);
    rendering.finish();
    rows.push({ measurement: `herd synth render (${width}×${height}, ${scene.individuals.length} animals, one core)`, frames, seconds: renderSeconds });

    // 2. Encode: ffmpeg reading the raw file itself, then the same frames written by our encoder.
    const ffmpegEncoded = path.join(folder, 'ffmpeg.mp4');
    const reference = { path: ffmpegEncoded, width, height, fps: scene.fps };
    const args = encoderArgs(reference, codec, ffmpegEncoded).map((arg) => (arg === 'pipe:0' ? rawPath : arg));
    const ffmpegEncodeRow = `ffmpeg encode-only (raw rgb24 file → ${codec})`;
    rows.push({ measurement: ffmpegEncodeRow, frames, seconds: await timedFfmpeg(ffmpeg, args, options.signal) });

    const herdEncoded = path.join(folder, 'herd.mp4');
    const encoding = new ProgressCounter(progress, 'herd encode', frames);
    const encodeStart = performance.now();
    const encoder = await openEncoder({ ...reference, path: herdEncoded, codec });
    const input = fs.openSync(rawPath, 'r');
    try {
      for (let frame = 0; frame < frames; frame++) {
        const buffer = new Uint8Array(frameBytes);
        fs.readSync(input, buffer, 0, frameBytes, frame * frameBytes);
        await encoder.write(buffer);
        encoding.add();
      }
      await encoder.close();
    } catch (error) {
      await encoder.abort();
      throw error;
    } finally {
      fs.closeSync(input);
      encoding.finish();
    }
    rows.push({ measurement: `herd encode (frames from JS → ${codec})`, frames, seconds: since(encodeStart), ratio: { value: 0, against: ffmpegEncodeRow } });

    // 3. Decode the same mp4: ffmpeg alone, ffmpeg with the RGB conversion we ask for, then our stream.
    const decodeOnly = 'ffmpeg decode-only (-f null)';
    rows.push({
      measurement: decodeOnly,
      frames,
      seconds: await timedFfmpeg(ffmpeg, ['-hide_banner', '-nostdin', '-i', herdEncoded, '-map', '0:v:0', '-f', 'null', '-'], options.signal),
    });
    const decodeRgb = 'ffmpeg decode + rgb24 conversion (-f null)';
    rows.push({
      measurement: decodeRgb,
      frames,
      seconds: await timedFfmpeg(
        ffmpeg,
        ['-hide_banner', '-nostdin', '-i', herdEncoded, '-map', '0:v:0', '-pix_fmt', 'rgb24', '-c:v', 'rawvideo', '-f', 'null', '-'],
        options.signal,
      ),
    });
    const decoding = new ProgressCounter(progress, 'herd decode', frames);
    const decodeStart = performance.now();
    let checksum = 0;
    let decoded = 0;
    for await (const frame of decodeFrames(herdEncoded, { signal: options.signal })) {
      checksum = (checksum + frame.data[frame.data.length >> 1]) | 0; // touch the frame as a consumer would
      decoded++;
      decoding.add();
    }
    decoding.finish();
    const herdDecodeSeconds = since(decodeStart);
    if (decoded !== frames) throw new HerdError('BENCH_FAILED', `decoded ${decoded} of ${frames} frames`);
    rows.push({ measurement: 'herd streaming decode (rgb24 frames in JS)', frames, seconds: herdDecodeSeconds, ratio: { value: 0, against: decodeOnly } });
    rows.push({ measurement: 'herd streaming decode (rgb24 frames in JS)', frames, seconds: herdDecodeSeconds, ratio: { value: 0, against: decodeRgb } });

    // 4. Frame extraction on a longer video, encoded once with x264's fastest preset (the default preset takes minutes).
    const extractionFrames = options.extractionFrames ?? 9000;
    const extractionVideo = path.join(folder, 'extraction.mp4');
    await writeFastBenchVideo(extractionVideo, { frames: extractionFrames, width, height, ffmpeg, progress, signal: options.signal });
    rows.push(...(await benchFrameExtraction(extractionVideo, { progress, signal: options.signal, uniform: false })));

    for (const row of rows) {
      if (!row.ratio) continue;
      const reference = rows.find((r) => r.measurement === row.ratio?.against);
      if (reference) row.ratio.value = reference.seconds / row.seconds;
    }
    return {
      rows,
      environment: {
        ffmpeg,
        codec,
        cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
        node: process.version,
        video: `${width}×${height}, ${frames} frames, ${scene.individuals.length} animals, seed 0`,
        'extraction video': `${width}×${height}, ${extractionFrames} frames (${(extractionFrames / scene.fps / 60).toFixed(1)} min), libx264 -preset ultrafast -crf 23`,
      },
    };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

export function formatBench(result: BenchResult): string {
  const lines = ['| measurement | frames | seconds | fps | ratio |', '|---|---:|---:|---:|---|'];
  for (const row of result.rows) {
    const fps = row.frames / row.seconds;
    const ratio = row.ratio ? `${row.ratio.value.toFixed(2)}× ${row.ratio.against}` : '';
    lines.push(`| ${row.measurement} | ${row.frames} | ${row.seconds.toFixed(2)} | ${fps.toFixed(1)} | ${ratio} |`);
  }
  lines.push('', ...Object.entries(result.environment).map(([key, value]) => `- ${key}: ${value}`));
  return lines.join('\n');
}

export interface FrameExtractionBenchOptions {
  /** Frames to pick (numframes2pick; default 20, DeepLabCut's default). */
  numframes2pick?: number;
  /** Also time uniform extraction (default true). */
  uniform?: boolean;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

/**
 * `extract-frames --algo kmeans` on one video against ffmpeg's decode-only of the same file, side by side:
 * k-means decodes the video twice (downsampled for clustering, then at full size up to the last pick),
 * so about 2× decode-only is the floor. Rows carry their ratio against the ffmpeg row (computed here).
 */
export async function benchFrameExtraction(video: string, options: FrameExtractionBenchOptions = {}): Promise<BenchRow[]> {
  const { numframes2pick = 20, signal } = options;
  const progress = options.progress ?? silentProgress;
  const ffmpeg = resolveFfmpeg();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-bench-frames-'));
  try {
    const decodeOnly = 'ffmpeg decode-only (-f null), extraction video';
    const decodeSeconds = await timedFfmpeg(ffmpeg, ['-hide_banner', '-nostdin', '-i', video, '-map', '0:v:0', '-f', 'null', '-'], signal);
    const project = await createProject({ task: 'bench', experimenter: 'herd', videos: [video], workingDirectory: folder, signal });
    fs.writeFileSync(project.configPath, fs.readFileSync(project.configPath, 'utf8').replace(/^numframes2pick:.*$/m, `numframes2pick: ${numframes2pick}`));
    const frameCount = project.videos[0].frameCount;
    const rows: BenchRow[] = [{ measurement: decodeOnly, frames: frameCount, seconds: decodeSeconds }];
    const algos: Array<'kmeans' | 'uniform'> = options.uniform === false ? ['kmeans'] : ['kmeans', 'uniform'];
    for (const algo of algos) {
      const start = performance.now();
      const result = await extractFrames(project.configPath, { algo, force: true, progress, signal });
      const seconds = since(start);
      const picked = result.videos[0].indices.length;
      const report = result.videos[0].clustering;
      const detail = report ? `, ${report.steps} mini-batch steps${report.converged ? '' : ', not converged'}` : '';
      rows.push({
        measurement: `herd extract-frames --algo ${algo} (${picked} PNGs${detail})`,
        frames: frameCount,
        seconds,
        ratio: { value: decodeSeconds / seconds, against: decodeOnly },
      });
    }
    return rows;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * A long synthetic video for the extraction rows, piped straight into ffmpeg with libx264's ultrafast
 * preset: several times faster to make than the encoder's default settings, and decoded like any H.264.
 */
export async function writeFastBenchVideo(
  file: string,
  options: { frames: number; width: number; height: number; ffmpeg?: string; progress?: ProgressReporter; signal?: AbortSignal },
): Promise<void> {
  const { frames, width, height, signal } = options;
  const ffmpeg = options.ffmpeg ?? resolveFfmpeg();
  const scene = simulateScene({ frames, width, height });
  const child = spawn(
    ffmpeg,
    [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`],
      ...['-framerate', String(scene.fps), '-i', 'pipe:0', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23', '-pix_fmt', 'yuv420p'],
      ...['-y', file],
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
  const counter = new ProgressCounter(options.progress ?? silentProgress, 'render extraction bench video', frames);
  const buffers = [0, 1].map(() => new Uint8Array(width * height * 3));
  try {
    for (let frame = 0; frame < frames; frame++) {
      signal?.throwIfAborted();
      const buffer = buffers[frame % 2];
      renderFrame(scene, frame, buffer);
      const accepted = await new Promise<boolean>((resolve) => child.stdin.write(buffer, (error) => resolve(!error)));
      if (!accepted) break;
      counter.add();
    }
    child.stdin.end();
    const code = await exited;
    if (code !== 0) throw new HerdError('BENCH_FAILED', `ffmpeg could not encode the extraction video (exit ${code}):\n${stderr.slice(-800)}`);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    counter.finish();
  }
}
