import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, LineCounter, parseDocument, type Node } from 'yaml';
import { HerdError } from '../common/errors';
import type { ProjectConfig } from './config';

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

type Check = (config: ProjectConfig) => { key: Array<string | number>; message: string } | undefined;

function isStringList(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');
}

/**
 * The structural checks the engine needs before it can use a config. Full schema validation with
 * every key's rules lives in the language server's schemas; these are the ones that would break a stage.
 */
const CHECKS: Check[] = [
  (c) => (typeof c.Task === 'string' && c.Task !== '' ? undefined : { key: ['Task'], message: '`Task` must be a non-empty string' }),
  (c) => (typeof c.scorer === 'string' && c.scorer !== '' ? undefined : { key: ['scorer'], message: '`scorer` must be a non-empty string' }),
  (c) =>
    c.video_sets === null || c.video_sets === undefined || (typeof c.video_sets === 'object' && !Array.isArray(c.video_sets))
      ? undefined
      : { key: ['video_sets'], message: '`video_sets` must map video paths to {crop: "x1, x2, y1, y2"}' },
  (c) =>
    c.multianimalproject && c.bodyparts !== 'MULTI!'
      ? { key: ['bodyparts'], message: 'a multi-animal project must have `bodyparts: MULTI!` (its parts go in `multianimalbodyparts`)' }
      : undefined,
  (c) =>
    !c.multianimalproject && !isStringList(c.bodyparts)
      ? { key: ['bodyparts'], message: '`bodyparts` must be a list of names in a single-animal project' }
      : undefined,
  (c) =>
    c.multianimalproject && !isStringList(c.individuals)
      ? { key: ['individuals'], message: '`individuals` must be a non-empty list of names' }
      : undefined,
  (c) =>
    c.multianimalproject && !isStringList(listOf(c.multianimalbodyparts))
      ? { key: ['multianimalbodyparts'], message: '`multianimalbodyparts` must be a list of names' }
      : undefined,
  (c) =>
    c.uniquebodyparts !== undefined && c.uniquebodyparts !== null && !isStringList(listOf(c.uniquebodyparts)) 
      ? { key: ['uniquebodyparts'], message: '`uniquebodyparts` must be a list of names' }
      : undefined,
  (c) => {
    const { start, stop } = c;
    if (start === undefined && stop === undefined) return undefined;
    if (typeof start !== 'number' || start < 0 || start > 1) return { key: ['start'], message: '`start` must be a number between 0 and 1' };
    if (typeof stop !== 'number' || stop < 0 || stop > 1) return { key: ['stop'], message: '`stop` must be a number between 0 and 1' };
    return start < stop ? undefined : { key: ['start'], message: '`start` must be smaller than `stop`' };
  },
  (c) => {
    const fractions = listOf(c.TrainingFraction);
    const bad = fractions.findIndex((f) => typeof f !== 'number' || f <= 0 || f >= 1);
    return bad === -1 ? undefined : { key: ['TrainingFraction', bad], message: 'TrainingFraction entries must be numbers in (0, 1)' };
  },
  (c) => {
    const skeleton = listOf(c.skeleton);
    const bad = skeleton.findIndex((edge) => !Array.isArray(edge) || edge.length !== 2 || !isStringList(edge));
    return bad === -1 ? undefined : { key: ['skeleton', bad], message: 'each skeleton edge must be a pair of body-part names' };
  },
  (c) =>
    c.iteration === undefined || (Number.isInteger(c.iteration) && c.iteration >= 0)
      ? undefined
      : { key: ['iteration'], message: '`iteration` must be a whole number ≥ 0' },
];

/** Check a config; the first problem becomes an error pointing at its key in the file. */
export function validateConfig(yaml: LocatedYaml): ProjectConfig {
  if (!isMap(yaml.document.contents)) {
    throw errorAt(yaml, [], 'CONFIG_INVALID', 'config.yaml must be a mapping of keys to values');
  }
  const config = yaml.document.toJS() as ProjectConfig;
  for (const check of CHECKS) {
    const problem = check(config);
    if (problem) throw errorAt(yaml, problem.key, 'CONFIG_INVALID', problem.message);
  }
  return config;
}

/** Load a project from its config.yaml (or the folder holding it). Existing DeepLabCut projects load as they are. */
export function loadProject(configOrFolder: string): Project {
  let configPath = path.resolve(configOrFolder);
  if (fs.existsSync(configPath) && fs.statSync(configPath).isDirectory()) configPath = path.join(configPath, 'config.yaml');
  const yaml = readYamlFile(configPath);
  const config = validateConfig(yaml);
  const root = path.dirname(configPath);
  const multiAnimal = config.multianimalproject === true;
  const warnings: string[] = [];
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
