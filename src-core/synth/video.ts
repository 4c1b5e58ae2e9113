import { ProgressCounter, silentProgress, type ProgressReporter } from '../common/progress';
import { openEncoder } from '../video/index';
import { renderFrame } from './render';
import type { SynthScene } from './scene';

export interface SynthVideoOptions {
  progress?: ProgressReporter;
  /** ffmpeg encoder name (default: the video module's choice, libx264 when available). */
  codec?: string;
  /** Encoder quality (CRF for libx264). */
  quality?: number;
  overwrite?: boolean;
  /** ffmpeg binary (default: the video module's resolution). */
  ffmpeg?: string;
  signal?: AbortSignal;
}

/**
 * Renders every frame of the scene into a video file. The file appears only when encoding
 * succeeded (the encoder writes a temporary file and renames it).
 */
export async function writeSynthVideo(scene: SynthScene, videoPath: string, options: SynthVideoOptions = {}): Promise<void> {
  const encoder = await openEncoder({
    path: videoPath,
    width: scene.width,
    height: scene.height,
    fps: scene.fps,
    codec: options.codec,
    quality: options.quality,
    overwrite: options.overwrite,
    ffmpeg: options.ffmpeg,
  });
  const counter = new ProgressCounter(options.progress ?? silentProgress, 'render synthetic video', scene.frames);
  // Two buffers: the next frame is rendered while ffmpeg is still taking in the previous one.
  const buffers = [0, 1].map(() => new Uint8Array(scene.width * scene.height * 3));
  try {
    let pending: Promise<void> | undefined;
    for (let frame = 0; frame < scene.frames; frame++) {
      options.signal?.throwIfAborted();
      const buffer = buffers[frame % 2];
      renderFrame(scene, frame, buffer);
      await pending;
      pending = encoder.write(buffer);
      pending.catch(() => {}); // awaited on the next turn; this only keeps an early exit quiet
      counter.add();
    }
    await pending;
    await encoder.close();
  } catch (error) {
    await encoder.abort();
    throw error;
  } finally {
    counter.finish();
  }
}
