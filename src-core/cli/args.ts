import { HerdError } from '../common/errors';

/** How one command-line option is read. Names mirror DeepLabCut's parameters, with dashes. */
export interface OptionSpec {
  type: 'string' | 'number' | 'boolean' | 'list';
  description: string;
  default?: string | number | boolean | string[];
  /** Placeholder shown in help, e.g. "DIR". */
  value?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments in order; a trailing `...` in the name takes the rest. */
  positionals: Array<{ name: string; description: string; optional?: boolean }>;
  options: Record<string, OptionSpec>;
  /** Extra help paragraphs (examples, notes). */
  details?: string;
}

export interface ParsedArgs {
  positionals: Record<string, string | string[] | undefined>;
  options: Record<string, string | number | boolean | string[] | undefined>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print progress events and the result as JSON lines on stdout' },
  verbose: { type: 'boolean', description: 'show stack traces and ffmpeg commands on errors' },
  help: { type: 'boolean', description: 'show this help' },
};

function usageError(command: string, message: string): HerdError {
  return new HerdError('USAGE', `${message} (see: herd ${command} --help)`);
}

function convert(command: string, name: string, spec: OptionSpec, raw: string): string | number | string[] {
  if (spec.type === 'number') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw usageError(command, `--${name} expects a number, got "${raw}"`);
    return value;
  }
  if (spec.type === 'list') return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return raw;
}

/**
 * Parse `argv` against a command spec: `--name value`, `--name=value`, `--flag`, `--no-flag`,
 * lists as comma-separated values or repeated options. Unknown options are errors, not ignored.
 */
export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const allOptions = { ...spec.options, ...COMMON_OPTIONS };
  const options: ParsedArgs['options'] = {};
  for (const [name, option] of Object.entries(allOptions)) {
    if (option.default !== undefined) options[name] = option.default;
  }
  const rest: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg === '-h') {
        options.help = true;
        continue;
      }
      rest.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    let name = arg.slice(2, equals === -1 ? undefined : equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    const option = allOptions[name];
    if (!option && name.startsWith('no-') && allOptions[name.slice(3)]?.type === 'boolean') {
      name = name.slice(3);
      options[name] = false;
      continue;
    }
    if (!option) throw usageError(spec.name, `unknown option --${name}`);
    if (option.type === 'boolean') {
      if (inline === undefined) options[name] = true;
      else if (inline === 'true' || inline === 'false') options[name] = inline === 'true';
      else throw usageError(spec.name, `--${name} is a flag; use --${name} or --no-${name}`);
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw usageError(spec.name, `--${name} needs a value`);
    const value = convert(spec.name, name, option, raw);
    const previous = options[name];
    // A repeated list option adds to what the user gave before (not to the default).
    options[name] = option.type === 'list' && seen.has(name) ? [...(previous as string[]), ...(value as string[])] : value;
    seen.add(name);
  }
  if (options.help) return { positionals: {}, options };

  const positionals: ParsedArgs['positionals'] = {};
  let index = 0;
  for (const positional of spec.positionals) {
    if (positional.name.endsWith('...')) {
      const values = rest.slice(index);
      index = rest.length;
      if (values.length === 0 && !positional.optional) throw usageError(spec.name, `missing ${positional.name.slice(0, -3)}`);
      positionals[positional.name.slice(0, -3)] = values;
      continue;
    }
    const value = rest[index++];
    if (value === undefined && !positional.optional) throw usageError(spec.name, `missing <${positional.name}>`);
    positionals[positional.name] = value;
  }
  if (index < rest.length) throw usageError(spec.name, `unexpected argument "${rest[index]}"`);
  return { positionals, options };
}

/** The `--help` text of one command. */
export function formatHelp(spec: CommandSpec): string {
  const positionalUsage = spec.positionals
    .map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`))
    .join(' ');
  const lines = [`Usage: herd ${spec.name} ${positionalUsage} [options]`.replace(/\s+/g, ' '), '', spec.summary, ''];
  if (spec.positionals.length > 0) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(28)} ${p.description}`);
    lines.push('');
  }
  lines.push('Options:');
  for (const [name, option] of Object.entries({ ...spec.options, ...COMMON_OPTIONS })) {
    const flag = option.type === 'boolean' ? `--${name}` : `--${name} ${option.value ?? option.type.toUpperCase()}`;
    const shown = option.default === undefined || option.default === false ? '' : ` (default: ${String(option.default)})`;
    lines.push(`  ${flag.padEnd(28)} ${option.description}${shown}`);
  }
  if (spec.details) lines.push('', spec.details.trim());
  return lines.join('\n') + '\n';
}
