import { tidyLogLine } from './ffmpeg';

/**
 * ffmpeg's error-level output during a decode, minus lines that are no sign of damage.
 * Decoding runs at `-loglevel error`, where an intact video prints nothing, except for
 * complaints about our own output's timestamps: after a seek in Matroska (millisecond
 * timestamps) two frames can round to the same time, which the rawvideo muxer reports even
 * though every frame is written.
 */
const HARMLESS = [/non monotonically increasing dts/, /^\[(rawvideo|null) @/];

/**
 * After a seek, decoding starts at a keyframe, and frames just after it may refer to frames
 * before it (open GOPs); the decoder complains and drops them. They lie before the wanted
 * frame (see the seek preroll), so these complaints say nothing about the frames delivered.
 */
const HARMLESS_AFTER_SEEK = [
  /mmco: unref short failure/,
  /co located POCs unavailable/,
  /reference picture missing during reorder/,
  /Missing reference picture/,
  /number of reference frames .* exceeds max/,
  /Could not find ref with POC/,
  /Error constructing the frame RPS/,
];

const KEPT_LINES = 6;

export class DamageLog {
  private pendingLine = '';
  private readonly recent: string[] = [];
  private readonly harmless: RegExp[];
  /** Lines that do suggest damage. */
  count = 0;

  constructor(options: { startedAfterSeek: boolean }) {
    this.harmless = options.startedAfterSeek ? [...HARMLESS, ...HARMLESS_AFTER_SEEK] : HARMLESS;
  }

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
    if (!trimmed || this.harmless.some((pattern) => pattern.test(trimmed))) return;
    this.count += 1;
    this.recent.push(tidyLogLine(trimmed));
    if (this.recent.length > KEPT_LINES) this.recent.shift();
  }
}
