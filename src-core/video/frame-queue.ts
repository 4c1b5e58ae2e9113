import type { Readable } from 'node:stream';

/**
 * Cuts a raw video byte stream into frames of a fixed size and buffers at most `capacity` of them
 * ahead of the consumer. When the buffer is full the stream is paused, so the pipe fills and
 * ffmpeg blocks: memory stays flat however long the video is.
 */
export class FrameQueue {
  private readonly ready: Uint8Array[] = [];
  private filling: Uint8Array | undefined;
  private filled = 0;
  private ended = false;
  private failure: Error | undefined;
  private wakeConsumer: (() => void) | undefined;

  constructor(
    private readonly source: Readable,
    private readonly frameBytes: number,
    private readonly capacity: number,
  ) {
    source.on('data', (chunk: Buffer) => this.accept(chunk));
    source.on('error', (error) => this.finish(error));
    // 'close' also covers a stream destroyed before its 'end' (ffmpeg killed).
    source.on('end', () => this.finish());
    source.on('close', () => this.finish());
  }

  /** The next whole frame, or undefined once the stream has ended and every frame was taken. */
  async next(): Promise<Uint8Array | undefined> {
    while (this.ready.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
    if (this.failure) throw this.failure;
    const frame = this.ready.shift();
    if (this.ready.length < this.capacity && this.source.isPaused() && !this.ended) this.source.resume();
    return frame;
  }

  /** Bytes of an incomplete last frame (non-zero only when the stream stopped mid-frame). */
  get leftoverBytes(): number {
    return this.filled;
  }

  private accept(chunk: Buffer): void {
    let offset = 0;
    // Copy into a fresh buffer per frame: the consumer owns the frames it gets, and this avoids
    // re-concatenating chunks (quadratic for frames spanning many 64 KiB pipe reads).
    while (offset < chunk.length) {
      this.filling ??= new Uint8Array(this.frameBytes);
      const count = Math.min(chunk.length - offset, this.frameBytes - this.filled);
      this.filling.set(chunk.subarray(offset, offset + count), this.filled);
      this.filled += count;
      offset += count;
      if (this.filled === this.frameBytes) {
        this.ready.push(this.filling);
        this.filling = undefined;
        this.filled = 0;
      }
    }
    if (this.ready.length >= this.capacity) this.source.pause();
    this.wake();
  }

  private finish(error?: Error): void {
    this.failure ??= error;
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeConsumer;
    this.wakeConsumer = undefined;
    wake?.();
  }
}
