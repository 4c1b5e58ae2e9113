/** Where in a file an error was found (1-based line and column, as editors show them). */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
}

/**
 * An error a scientist can act on: a stable code for programs, a plain message for people,
 * and the file (row, column) it concerns when known. Hosts print it without a stack trace.
 */
export class HerdError extends Error {
  readonly code: string;
  readonly location: ErrorLocation;

  constructor(code: string, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HerdError';
    this.code = code;
    this.location = location;
  }

  /** `file:line:col: message`, the part of the CLI's error line that problem matchers read. */
  describe(): string {
    const { file, line, column } = this.location;
    if (!file) return this.message;
    if (line === undefined) return `${file}: ${this.message}`;
    return `${file}:${line}:${column ?? 1}: ${this.message}`;
  }
}

export function isHerdError(error: unknown): error is HerdError {
  return error instanceof HerdError;
}
