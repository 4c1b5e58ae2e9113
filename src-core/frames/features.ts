import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HerdError } from '../common/errors';
import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { decodeFrames } from '../video';
import type { CropBox, VideoInfo } from '../video/types';
import type { FeatureStore } from './kmeans';

/** Size of the downsampled frames clustered by k-means: `width` wide, the height keeping the aspect ratio. */
export function clusterFrameSize(sourceWidth: number, sourceHeight: number, width: number): { width: number; height: number } {
  return { width, height: Math.max(1, Math.round((sourceHeight * width) / sourceWidth)) };
}

/** Frames as one grey byte per pixel in a temporary file, read back a batch at a time. */
export class SpillFeatureStore implements FeatureStore {
  private fd: number | undefined;
  private constructor(
    private readonly folder: string,
    file: string,
    readonly count: number,
    readonly dim: number,
  ) {
    this.fd = fs.openSync(file, 'r');
  }

  static create(folder: string, file: string, count: number, dim: number): SpillFeatureStore {
    return new SpillFeatureStore(folder, file, count, dim);
  }

  read(positions: ArrayLike<number>, out: Uint8Array): void {
    if (this.fd === undefined) throw new Error('feature store is closed');
    // Consecutive positions are read together (the final assignment reads whole runs).
    for (let i = 0; i < positions.length; ) {
      let run = 1;
      while (i + run < positions.length && positions[i + run] === positions[i] + run) run++;
      const bytes = run * this.dim;
      const got = fs.readSync(this.fd, out, i * this.dim, bytes, positions[i] * this.dim);
      if (got !== bytes) throw new Error(`feature store: short read (${got} of ${bytes} bytes)`);
      i += run;
    }
  }

  /** Closes and deletes the temporary file. */
  dispose(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}

export interface FeatureDecodeOptions {
  info: VideoInfo;
  first: number;
  end: number;
  /** Every `step`-th frame from `first` (DeepLabCut's cluster_step). */
  step: number;
  /** Only these frames of [first, end), instead of every `step`-th (outlier extraction clusters its candidates). */
  indices?: readonly number[];
  crop?: CropBox;
  /** Width of the downsampled frames (DeepLabCut's cluster_resizewidth). */
  resizeWidth: number;
  /** Frames buffered before they are written out (one batch). */
  batchSize: number;
  ffmpeg?: string;
  progress?: ProgressReporter;
  task?: string;
  signal?: AbortSignal;
}

/**
 * One decoding pass at cluster size (ffmpeg crops and scales; we average RGB to grey, as DeepLabCut
 * does), spilling the frames to a temporary file. Returns undefined when aborted.
 */
export async function decodeClusterFeatures(video: string, options: FeatureDecodeOptions): Promise<SpillFeatureStore | undefined> {
  const { info, first, end, step, crop, signal } = options;
  const source = crop ? { width: crop.x2 - crop.x1, height: crop.y2 - crop.y1 } : { width: info.width, height: info.height };
  const size = clusterFrameSize(source.width, source.height, options.resizeWidth);
  const dim = size.width * size.height;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herd-kmeans-'));
  const file = path.join(folder, 'features.u8');
  let out: number | undefined = fs.openSync(file, 'w');
  const buffer = new Uint8Array(options.batchSize * dim);
  let buffered = 0;
  let count = 0;
  const counter = new ProgressCounter(options.progress ?? silentProgress, options.task ?? 'read frames for clustering', end - first);
  let store: SpillFeatureStore | undefined;
  const only = options.indices ? new Set(options.indices) : undefined;
  try {
    // Nearest-neighbour thumbnails, as DeepLabCut resizes for clustering (and several times faster than bicubic).
    const scale = { ...size, interpolation: 'neighbor' as const };
    for await (const frame of decodeFrames(video, { info, start: first, end, crop, scale, signal, ffmpeg: options.ffmpeg })) {
      counter.add();
      if (only ? !only.has(frame.index) : (frame.index - first) % step !== 0) continue;
      const rgb = frame.data;
      const offset = buffered * dim;
      for (let p = 0, q = 0; p < dim; p++, q += 3) buffer[offset + p] = Math.round((rgb[q] + rgb[q + 1] + rgb[q + 2]) / 3);
      buffered++;
      count++;
      if (buffered === options.batchSize) {
        fs.writeSync(out, buffer, 0, buffered * dim);
        buffered = 0;
      }
    }
    if (buffered > 0) fs.writeSync(out, buffer, 0, buffered * dim);
    fs.closeSync(out);
    out = undefined;
    if (signal?.aborted) return undefined;
    if (count === 0) throw new HerdError('NO_FRAMES', `no frames in [${first}, ${end}) to cluster`, { file: video });
    store = SpillFeatureStore.create(folder, file, count, dim);
    return store;
  } finally {
    counter.finish();
    if (!store) {
      if (out !== undefined) fs.closeSync(out);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }
}
