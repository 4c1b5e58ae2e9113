#!/usr/bin/env node
import { isHerdError } from '../common/errors';
import { HERD_VERSION } from '../common/version';
import { COMMON_OPTIONS, formatHelp, parseArgs } from './args';
import type { CliContext, Command } from './command';
import { COMMANDS } from './registry';
import { JsonProgress, TerminalProgress } from './reporters';

function overview(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((n) => n.length)) + 2;
  const lines = ['Usage: herd <command> [arguments] [options]', '', 'Herd: multi-animal pose estimation and tracking in DeepLabCut project layout.', '', 'Commands:'];
  for (const [name, command] of COMMANDS) lines.push(`  ${name.padEnd(width)}${command.spec.summary}`);
  lines.push('', 'Options for every command:');
  for (const [name, option] of Object.entries(COMMON_OPTIONS)) lines.push(`  --${name.padEnd(width - 2)}${option.description}`);
  lines.push('', 'Run `herd <command> --help` for its arguments.');
  return lines.join('\n') + '\n';
}

/** Exit codes: 0 done, 1 failed, 2 usage error, 130 cancelled. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return 0;
  }
  if (name === '--version') {
    process.stdout.write(`${HERD_VERSION}\n`);
    return 0;
  }
  const json = rest.includes('--json');
  const verbose = rest.includes('--verbose');
  const emit = (line: string) => process.stdout.write(line + '\n');
  const fail = (code: string, message: string, location: object = {}, exitCode = 1) => {
    process.stderr.write(`herd: error: ${message}\n`);
    if (json) emit(JSON.stringify({ type: 'error', code, message, ...location }));
    return exitCode;
  };

  const command: Command | undefined = COMMANDS.get(name);
  if (!command) {
    return fail('USAGE', `unknown command "${name}" (see: herd --help)`, {}, 2);
  }

  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nherd: cancelling (Ctrl+C again to quit at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const context: CliContext = {
    progress: json ? new JsonProgress(emit) : new TerminalProgress(),
    signal: controller.signal,
    note: (message) => {
      if (!json) process.stderr.write(`${message}\n`);
      else emit(JSON.stringify({ type: 'note', message }));
    },
  };
  try {
    const args = parseArgs(command.spec, rest);
    if (args.options.help) {
      process.stdout.write(formatHelp(command.spec));
      return 0;
    }
    const result = await command.run(args, context);
    if (json) emit(JSON.stringify({ type: 'result', command: name, ...result.data }));
    else if (result.text) process.stdout.write(result.text + '\n');
    return 0;
  } catch (error) {
    if (controller.signal.aborted) return fail('CANCELLED', 'cancelled; nothing was left half-written', {}, 130);
    if (isHerdError(error)) {
      if (verbose && error.stack) process.stderr.write(error.stack + '\n');
      return fail(error.code, error.describe(), error.location, error.code === 'USAGE' ? 2 : 1);
    }
    const unexpected = error instanceof Error ? error : new Error(String(error));
    if (verbose) process.stderr.write(`${unexpected.stack}\n`);
    return fail('INTERNAL', `unexpected failure: ${unexpected.message}${verbose ? '' : ' (run with --verbose for details)'}`);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
