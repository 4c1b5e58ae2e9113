/**
 * The last few kilobytes of a long-running process's text output. A damaged video can make
 * ffmpeg print an error per frame for hours; only the end matters for the error message.
 */
export class OutputTail {
  private chunks: string[] = [];
  private length = 0;

  constructor(private readonly limit = 64 * 1024) {}

  push(text: string): void {
    if (!text) return;
    this.chunks.push(text);
    this.length += text.length;
    while (this.length > this.limit && this.chunks.length > 1) {
      this.length -= this.chunks.shift()!.length;
    }
  }

  text(): string {
    return this.chunks.join('');
  }
}
