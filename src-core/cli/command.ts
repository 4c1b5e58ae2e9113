import type { ProgressReporter } from '../common/progress';
import type { CommandSpec, ParsedArgs } from './args';

/** What a command gets from the CLI host. */
export interface CliContext {
  progress: ProgressReporter;
  /** Aborted on Ctrl+C; long jobs stop and clean up. */
  signal: AbortSignal;
  /** Human-readable notes (warnings, what is happening) on stderr; silent in --json mode. */
  note(message: string): void;
}

/** A command's outcome: lines for people, and data for `--json`. */
export interface CommandResult {
  text: string;
  data: Record<string, unknown>;
}

export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs, context: CliContext): Promise<CommandResult>;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options[name];
  return typeof value === 'string' ? value : undefined;
}

export function numberOption(args: ParsedArgs, name: string): number | undefined {
  const value = args.options[name];
  return typeof value === 'number' ? value : undefined;
}

export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const value = args.options[name];
  return Array.isArray(value) ? value : undefined;
}

export function listPositional(args: ParsedArgs, name: string): string[] {
  const value = args.positionals[name];
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

export function positional(args: ParsedArgs, name: string): string {
  const value = args.positionals[name];
  return Array.isArray(value) ? value[0] : (value ?? '');
}
