// Decoded video frames for the panels that show a video (refinement, frame grabber): a small LRU cache of
// decoded frames, filled a short run at a time (ffmpeg's start-up and seek dominate one frame, so a run around
// it costs little more). No vscode import; the decoding itself is injected (src-core's readFrameRange in use).
import { LruCache } from '../src-core/common/lru';
import type { Frame, VideoInfo } from '../src-core/video/types';

/** Decoded frames kept around (each is width × height × 3 bytes). */
export const FRAME_CACHE = 24;
/** Frames decoded per request. */
export const DECODE_AHEAD = 8;

/** Frames [start, end) of a video. */
export type FrameRangeReader = (video: VideoInfo, start: number, end: number) => Promise<Frame[]>;

/**
 * The frames of one video at a time, by index. Stepping forwards decodes a run starting at the asked frame;
 * stepping backwards (the next frame is cached) decodes a run ending there. `clear()` when the video changes.
 */
export class VideoFrameCache {
  private readonly cache: LruCache<number, Frame>;

  constructor(
    private readonly read: FrameRangeReader,
    private readonly limits: { cache?: number; ahead?: number } = {},
  ) {
    this.cache = new LruCache(limits.cache ?? FRAME_CACHE);
  }

  clear(): void {
    this.cache.clear();
  }

  has(index: number): boolean {
    return this.cache.has(index);
  }

  /** Frame `index` of `video`, or undefined past its end or where it cannot be decoded (a damaged stretch). */
  async frame(video: VideoInfo | undefined, index: number): Promise<Frame | undefined> {
    const cached = this.cache.get(index);
    if (cached) return cached;
    if (!video) return undefined;
    if (index < 0 || (index >= video.frameCount && video.frameCount > 0)) return undefined;
    try {
      return await this.decode(video, index);
    } catch {
      return undefined;
    }
  }

  private async decode(video: VideoInfo, index: number): Promise<Frame | undefined> {
    const ahead = this.limits.ahead ?? DECODE_AHEAD;
    const last = video.frameCount > 0 ? video.frameCount : Number.MAX_SAFE_INTEGER;
    const backwards = this.cache.has(index + 1);
    const start = backwards ? Math.max(0, index - ahead + 1) : index;
    const end = Math.min(backwards ? index + 1 : index + ahead, last);
    const frames = await this.read(video, start, end);
    for (const f of frames) this.cache.set(f.index, f);
    return frames.find((f) => f.index === index);
  }
}
