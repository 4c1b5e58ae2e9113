/** One progress event of a long job; hosts turn these into bars, JSON lines or notifications. */
export interface ProgressEvent {
  /** What is being done, e.g. "render frames". */
  task: string;
  done: number;
  /** Undefined when the total is unknown. */
  total?: number;
  unit: string;
  /** A short status shown after the bar (e.g. `loss 0.0123`). */
  detail?: string;
}

/** Receives progress from a long job. Calls are cheap: reporters throttle their own output. */
export interface ProgressReporter {
  update(event: ProgressEvent): void;
  /** The task has finished (successfully or not); a bar may print its final line. */
  finish(task: string): void;
}

export const silentProgress: ProgressReporter = {
  update() {},
  finish() {},
};

/** Convenience wrapper for a counted loop reporting into a reporter. */
export class ProgressCounter {
  private done = 0;
  constructor(
    private readonly reporter: ProgressReporter,
    private readonly task: string,
    private readonly total: number | undefined,
    private readonly unit = 'frames',
  ) {
    reporter.update({ task, done: 0, total, unit });
  }

  add(count = 1): void {
    this.done += count;
    this.reporter.update({ task: this.task, done: this.done, total: this.total, unit: this.unit });
  }

  finish(): void {
    this.reporter.finish(this.task);
  }
}
