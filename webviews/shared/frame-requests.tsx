// The frame requests of the panels that show video frames decoded by the host (grabber, refinement): the pictures
// received, the latest KEEP_FRAMES kept (the oldest dropped), ONE request in flight at a time (while scrubbing only the
// latest wanted frame is asked for next), and the frames the host could not decode (never asked for again). The
// picture type is the panel's (the grabber keeps ImageData, the refinement panel a canvas). A .tsx, like host.tsx:
// React code, which the Node tsconfig skips.
import { useRef, useState } from 'react';
import { LruCache } from '../../src-core/common/lru';

/** How many decoded pictures a panel keeps. */
export const KEEP_FRAMES = 48;

export interface FrameRequestsOptions<Picture> {
  /** Ask the host for frame `index` (e.g. post `grabber-get-frame`). */
  request(index: number): void;
  /** Put this picture on screen: it is that of the wanted frame. */
  show(index: number, picture: Picture): void;
  /** A picture arrived for a frame no longer wanted (before the wanted one is asked for); the panel may show it meanwhile. */
  stale?(index: number, picture: Picture): void;
  /** A frame failed: how many have (the panel re-renders its "no picture" note). */
  failedCount?(count: number): void;
}

export class FrameRequests<Picture> {
  private readonly pictures: LruCache<number, Picture>;
  private readonly failedFrames = new Set<number>();
  private inFlight: number | undefined;

  constructor(
    public options: FrameRequestsOptions<Picture>,
    keep = KEEP_FRAMES,
  ) {
    this.pictures = new LruCache(keep);
  }

  /** Frame `index` is the one to show: shown at once when kept, else asked for unless a request is in flight (the
   *  answer to that one asks for the then wanted frame) or the frame failed. */
  want(index: number): void {
    const cached = this.pictures.get(index);
    if (cached) {
      this.options.show(index, cached);
      return;
    }
    if (this.failedFrames.has(index)) return;
    if (this.inFlight === undefined) {
      this.inFlight = index;
      this.options.request(index);
    }
  }

  /** The host's picture of `index` (a `*-frame` message); `current` is the frame the panel is on now. */
  received(index: number, picture: Picture, current: number | undefined): void {
    this.pictures.set(index, picture);
    if (this.inFlight === index) this.inFlight = undefined;
    if (current === index) this.options.show(index, picture);
    else if (current !== undefined) {
      this.options.stale?.(index, picture);
      this.want(current);
    }
  }

  /** The host could not decode `index` (a `*-error {frame}` message); `current` is the frame the panel is on now. */
  failed(index: number, current: number | undefined): void {
    this.inFlight = undefined;
    this.failedFrames.add(index);
    this.options.failedCount?.(this.failedFrames.size);
    if (current !== undefined && current !== index) this.want(current);
  }

  /** No request counts as in flight any more (the next `want` asks). */
  release(): void {
    this.inFlight = undefined;
  }

  /** Whether the host could not decode `index`. */
  hasFailed(index: number): boolean {
    return this.failedFrames.has(index);
  }

  /** The kept picture of `index`, if any (without counting as a use). */
  cached(index: number): Picture | undefined {
    return this.pictures.peek(index);
  }

  /** Forget everything (a new video or table). */
  clear(): void {
    this.pictures.clear();
    this.failedFrames.clear();
    this.inFlight = undefined;
  }
}

/** One `FrameRequests` for the component's lifetime (the same object every render, so it can sit in effect
 *  dependencies); its callbacks are this render's, and a failed frame re-renders the component. */
export function useFrameRequests<Picture>(options: Omit<FrameRequestsOptions<Picture>, 'failedCount'>): FrameRequests<Picture> {
  const [, setFailedCount] = useState(0);
  const requests = useRef<FrameRequests<Picture> | undefined>(undefined);
  requests.current ??= new FrameRequests<Picture>({ ...options, failedCount: setFailedCount });
  requests.current.options = { ...options, failedCount: setFailedCount };
  return requests.current;
}
