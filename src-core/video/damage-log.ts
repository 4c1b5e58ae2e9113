/**
 * ffmpeg's error-level output during a decode, minus lines that are no sign of damage.
 * Decoding runs at `-loglevel error`, where an intact video prints nothing, except for
 * complaints about our own output's timestamps: after a seek in Matroska (millisecond
 * timestamps) two frames can round to the same time, which the rawvideo muxer reports even
 * though every frame is written.
 */
const HARMLESS = [/non monotonically increasing dts/, /^\[(rawvideo|null) @/];
const KEPT_LINES = 6;

export class DamageLog {
  private pendingLine = '';
  private readonly recent: string[] = [];
  /** Lines that do suggest damage. */
  count = 0;

  push(text: string): void {
    const lines = (this.pendingLine + text).split(/\r?\n|\r/);
    this.pendingLine = lines.pop()!;
    lines.forEach((line) => this.consider(line));
  }

  /** Call once the stream has ended, for a last line without a newline. */
  flush(): void {
    this.consider(this.pendingLine);
    this.pendingLine = '';
  }

  /** The last damage reports, for an error message. */
  summary(): string {
    return this.recent.join('\n');
  }

  private consider(line: string): void {
    const trimmed = line.trim();
    if (!trimmed || HARMLESS.some((pattern) => pattern.test(trimmed))) return;
    this.count += 1;
    // "[h264 @ 0x55d0c3a8]" → "[h264]": the addresses only add noise for people.
    this.recent.push(trimmed.replace(/ @ 0x[0-9a-f]+\]/, ']'));
    if (this.recent.length > KEPT_LINES) this.recent.shift();
  }
}
