import type { ProgressEvent, ProgressReporter } from '../common/progress';

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

interface TaskState {
  started: number;
  lastDrawn: number;
  last: ProgressEvent;
}

/**
 * Progress bars on stderr: `task [#####.....] 120/300 frames  85.3 frames/s  ETA 0:02`.
 * On a terminal the bar redraws in place about 10 times a second; in a log (not a TTY) it prints
 * a line every few seconds so CI logs stay short.
 */
export class TerminalProgress implements ProgressReporter {
  private readonly tasks = new Map<string, TaskState>();
  private readonly interactive: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.interactive = Boolean(stream.isTTY);
  }

  update(event: ProgressEvent): void {
    const now = performance.now();
    let state = this.tasks.get(event.task);
    if (!state) {
      state = { started: now, lastDrawn: -Infinity, last: event };
      this.tasks.set(event.task, state);
    }
    state.last = event;
    const interval = this.interactive ? 100 : 5000;
    if (now - state.lastDrawn < interval) return;
    state.lastDrawn = now;
    this.draw(state, now, false);
  }

  finish(task: string): void {
    const state = this.tasks.get(task);
    if (!state) return;
    this.draw(state, performance.now(), true);
    this.tasks.delete(task);
  }

  private draw(state: TaskState, now: number, final: boolean): void {
    const { task, done, total, unit, detail } = state.last;
    const seconds = (now - state.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    let line: string;
    if (total !== undefined && total > 0) {
      const fraction = Math.min(1, done / total);
      const width = 24;
      const filled = Math.round(fraction * width);
      const eta = final ? `in ${formatDuration(seconds)}` : `ETA ${formatDuration((total - done) / rate)}`;
      line = `${task} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${unit}  ${rate.toFixed(1)} ${unit}/s  ${eta}`;
    } else {
      line = `${task} ${done} ${unit}  ${rate.toFixed(1)} ${unit}/s  ${formatDuration(seconds)}`;
    }
    if (detail) line += `  ${detail}`;
    if (this.interactive) this.stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}

/** Progress as JSON lines on stdout, for the extension and other programs (at most 4 per second per task). */
export class JsonProgress implements ProgressReporter {
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly write: (line: string) => void) {}

  update(event: ProgressEvent): void {
    const now = performance.now();
    const finished = event.total !== undefined && event.done >= event.total;
    if (!finished && now - (this.lastSent.get(event.task) ?? -Infinity) < 250) return;
    this.lastSent.set(event.task, now);
    this.write(JSON.stringify({ type: 'progress', ...event }));
  }

  finish(task: string): void {
    this.lastSent.delete(task);
  }
}
