import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, LineCounter, parseDocument, type Node } from 'yaml';
import { HerdError } from '../common/errors';
import type { ProjectConfig } from './config';
import { checkConfigData } from './config-check';

/** A DeepLabCut/Herd project: its parsed config plus the folder it lives in. */
export interface Project {
  configPath: string;
  /** The folder holding config.yaml (DeepLabCut trusts this over `project_path`, and so do we). */
  root: string;
  config: ProjectConfig;
  multiAnimal: boolean;
  /** Multi-animal projects: `individuals`; single-animal projects: one unnamed animal, []. */
  individuals: string[];
  /** Body parts every animal has (`multianimalbodyparts`, or `bodyparts` for a single animal). */
  bodyparts: string[];
  uniqueBodyparts: string[];
  /** Things worth telling the user that do not stop work (e.g. a stale project_path). */
  warnings: string[];
}

/** A parsed YAML file that remembers where each key is, so errors can point at it. */
export interface LocatedYaml {
  file: string;
  document: Document;
  lineCounter: LineCounter;
}

export function parseYamlFile(file: string, text: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const first = document.errors[0];
  if (first) {
    const position = first.linePos?.[0];
    const message = first.message.split('\n')[0];
    throw new HerdError('CONFIG_YAML', `invalid YAML: ${message}`, { file, line: position?.line, column: position?.col });
  }
  return { file, document, lineCounter };
}

export function readYamlFile(file: string): LocatedYaml {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HerdError('CONFIG_NOT_FOUND', 'no such file', { file });
    if (code === 'EISDIR') throw new HerdError('CONFIG_NOT_FOUND', 'is a folder, expected a config.yaml file', { file });
    throw new HerdError('CONFIG_READ', `cannot read: ${(error as Error).message}`, { file });
  }
  return parseYamlFile(file, text);
}

/** An error located at the value of `keyPath` (or the key's map when the key is missing). */
export function errorAt(yaml: LocatedYaml, keyPath: Array<string | number>, code: string, message: string): HerdError {
  let node = yaml.document.getIn(keyPath, true) as Node | undefined;
  for (let depth = keyPath.length - 1; !node?.range && depth >= 0; depth--) {
    node = (depth === 0 ? yaml.document.contents : yaml.document.getIn(keyPath.slice(0, depth), true)) as Node | undefined;
  }
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = yaml.lineCounter.linePos(offset);
  return new HerdError(code, message, { file: yaml.file, line, column: col });
}

// DeepLabCut's older configs write an empty string or nothing for unset lists.
function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// Errors in the order of the file; missing keys (located at the document) last.
function positionOf(error: HerdError, atRoot: boolean): number {
  return atRoot ? Infinity : (error.location.line ?? 0) * 1e6 + (error.location.column ?? 0);
}

/**
 * Check a config with the project schema (`schemas/config.schema.json`) and the rules of
 * `config-check.ts` — the same ones the language server shows. The first error in the file becomes
 * a HerdError pointing at its key; warnings are returned for the caller to pass on.
 */
/** Problems no stage can work around: a wrong type or shape, an empty frame range, duplicate columns. */
const BLOCKING_CODES = new Set(['schema', 'start-after-stop', 'crop-order', 'bodypart-unique-and-multi']);

export function validateConfig(yaml: LocatedYaml, warnings: string[] = []): ProjectConfig {
  if (!isMap(yaml.document.contents)) {
    throw errorAt(yaml, [], 'CONFIG_INVALID', 'config.yaml must be a mapping of keys to values');
  }
  const config = yaml.document.toJS() as ProjectConfig;
  const problems = checkConfigData('project', config);
  const blocking = problems.filter((problem) => problem.severity === 'error' && BLOCKING_CODES.has(problem.code));
  // The other errors (a skeleton naming an undeclared part, a name with a space…) are shown by the
  // language server; DeepLabCut opens such projects, so the engine does too and reports them as warnings.
  for (const problem of problems) {
    if (problem.severity === 'error' && !BLOCKING_CODES.has(problem.code)) warnings.push(problem.message);
  }
  const errors = blocking
    .map((problem) => {
      const error = errorAt(yaml, problem.path, 'CONFIG_INVALID', problem.message);
      return { error, position: positionOf(error, problem.path.length === 0) };
    });
  if (errors.length > 0) throw errors.reduce((first, next) => (next.position < first.position ? next : first)).error;
  for (const problem of problems) if (problem.severity === 'warning') warnings.push(problem.message);
  return config;
}

/** Load a project from its config.yaml (or the folder holding it). Existing DeepLabCut projects load as they are. */
export function loadProject(configOrFolder: string): Project {
  let configPath = path.resolve(configOrFolder);
  if (fs.existsSync(configPath) && fs.statSync(configPath).isDirectory()) configPath = path.join(configPath, 'config.yaml');
  const yaml = readYamlFile(configPath);
  const warnings: string[] = [];
  const config = validateConfig(yaml, warnings);
  const root = path.dirname(configPath);
  const multiAnimal = config.multianimalproject === true;
  if (typeof config.project_path === 'string' && path.resolve(config.project_path) !== root) {
    warnings.push(`project_path says ${config.project_path}, but the config is in ${root}; using ${root}`);
  }
  return {
    configPath,
    root,
    config,
    multiAnimal,
    individuals: multiAnimal ? (config.individuals ?? []) : [],
    bodyparts: (multiAnimal ? listOf(config.multianimalbodyparts) : listOf(config.bodyparts)) as string[],
    uniqueBodyparts: listOf(config.uniquebodyparts) as string[],
    warnings,
  };
}
