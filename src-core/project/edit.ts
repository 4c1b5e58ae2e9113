import { writeFileAtomic } from '../common/atomic';
import { HerdError } from '../common/errors';
import { parseYamlFile, readYamlFile, validateConfig } from './load';
import { YAML_STYLE } from './config';

export type ConfigEdits = Array<{ key: Array<string | number>; value: unknown }>;

/**
 * Set keys in a config.yaml, keeping its comments, key order and formatting (the `yaml` Document API),
 * validate the result, and write it atomically. Nothing is written if the result would be invalid.
 */
export function editConfig(configPath: string, edits: ConfigEdits): void {
  // Re-parse so the checks see exactly what will be on disk and point at real lines.
  editYamlFile(configPath, edits, (text) => validateConfig(parseYamlFile(configPath, text)));
}

/**
 * Set keys in any YAML file (pytorch_config.yaml, inference_cfg.yaml) the same way: comments and order kept,
 * `check` (if any) sees the new text before it is written atomically.
 */
export function editYamlFile(file: string, edits: ConfigEdits, check?: (text: string) => void): void {
  const yaml = readYamlFile(file);
  for (const { key, value } of edits) {
    if (key.length === 0) throw new HerdError('USAGE', 'empty config key');
    yaml.document.setIn(key, value === undefined ? null : yaml.document.createNode(value));
  }
  const text = yaml.document.toString(YAML_STYLE);
  check?.(text);
  writeFileAtomic(file, text);
}

/** `key.sub=value` from the command line; the value is read as YAML (`0.5`, `true`, `[a, b]`). */
export function parseEditArgument(argument: string): { key: string[]; value: unknown } {
  const equals = argument.indexOf('=');
  if (equals <= 0) throw new HerdError('USAGE', `expected key=value, got "${argument}"`);
  const keyText = argument.slice(0, equals).trim();
  const valueText = argument.slice(equals + 1);
  const value = parseYamlFile(`<value of ${keyText}>`, valueText).document.toJS();
  return { key: keyText.split('.'), value };
}
