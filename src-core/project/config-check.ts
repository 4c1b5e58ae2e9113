import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import configSchema from '../../schemas/config.schema.json';
import inferenceSchema from '../../schemas/inference_cfg.schema.json';
import pytorchSchema from '../../schemas/pytorch_config.schema.json';

/**
 * The one home of the rules for DeepLabCut's three YAML files: the JSON Schemas in `schemas/` (checked
 * with ajv) plus the rules a schema cannot express that need nothing but the file's own content.
 * The config loader throws the first error; the language server shows them all, with ranges.
 * Rules that need the disk (videos, snapshots, the project of a pytorch_config.yaml) live in the server.
 */

export type ConfigKind = 'project' | 'pytorch' | 'inference';
export type ProblemSeverity = 'error' | 'warning' | 'info';

export interface ConfigProblem {
  /** Keys and indices from the document root to the offending node. */
  path: Array<string | number>;
  /** Point at the key of the last path entry rather than its value. */
  at?: 'key' | 'value';
  severity: ProblemSeverity;
  /** Stable id of the rule (`schema`, `skeleton-unknown-part`, …); code actions key on it. */
  code: string;
  message: string;
  /** Facts for code actions, e.g. the offending name. */
  data?: Record<string, unknown>;
}

export const SCHEMAS: Record<ConfigKind, Record<string, unknown>> = {
  project: configSchema,
  pytorch: pytorchSchema,
  inference: inferenceSchema,
};

/** The literal DeepLabCut writes in inference_cfg.yaml until create_training_dataset replaces it. */
export const INFERENCE_PLACEHOLDER = 'willbeautomaticallyupdatedbycreate_training_datasetcode';

/** Matplotlib colormap names (the `examples` of `colormap` in the schema). */
export const COLORMAPS: readonly string[] = (configSchema.properties.colormap.examples as string[]) ?? [];

let validators: Record<ConfigKind, ValidateFunction> | undefined;
function validatorFor(kind: ConfigKind): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
    // Annotation only: the phrase our messages use for what a key accepts.
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    validators = {
      project: ajv.compile(configSchema),
      pytorch: ajv.compile(pytorchSchema),
      inference: ajv.compile(inferenceSchema),
    };
  }
  return validators[kind];
}

function pointerToPath(pointer: string, data: unknown): Array<string | number> {
  if (pointer === '') return [];
  const path: Array<string | number> = [];
  let value = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(value) ? Number(segment) : segment;
    path.push(key);
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key as string] : undefined;
  }
  return path;
}

/** `TrainingFraction[1]`, `video_sets["/videos/a.mp4"].crop`. */
export function describePath(path: Array<string | number>): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (!/^[\w-]+$/.test(part)) text += `[${JSON.stringify(part)}]`; // a video path as a key
    else text += text === '' ? part : `.${part}`;
  }
  return text || 'the document';
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Reduce ajv's errors to one readable problem per place: unions report the branch the value's type picked. */
function schemaProblems(kind: ConfigKind, data: unknown): ConfigProblem[] {
  const validate = validatorFor(kind);
  if (validate(data)) return [];
  let errors = (validate.errors ?? []).filter((error) => error.keyword !== 'if');
  const expectedOverride = new Map<ErrorObject, string>();
  for (const union of errors.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf')) {
    const prefix = `${union.schemaPath}/`;
    const inside = errors.filter((error) => error.schemaPath.startsWith(prefix));
    const branches = new Map<string, ErrorObject[]>();
    for (const error of inside) {
      const branch = error.schemaPath.slice(prefix.length).split('/')[0];
      branches.set(branch, [...(branches.get(branch) ?? []), error]);
    }
    // A branch whose failures are all deeper than its own type/const test matched the value's shape.
    const matched = [...branches.values()].filter((list) =>
      list.every((error) => !(error.instancePath === union.instancePath && (error.keyword === 'type' || error.keyword === 'const' || error.keyword === 'enum'))),
    );
    const keep = matched.length === 1 ? new Set(matched[0]) : new Set<ErrorObject>();
    // The union's own wording fits failures of the chosen branch at the union's place (e.g. a pattern).
    const unionExpected = (union.parentSchema as Record<string, unknown> | undefined)?.['x-expected'];
    for (const error of keep) if (error.instancePath === union.instancePath && typeof unionExpected === 'string') expectedOverride.set(error, unionExpected);
    errors = errors.filter((error) => (error === union ? matched.length !== 1 : !inside.includes(error) || keep.has(error)));
  }
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const error of errors) {
    let path = pointerToPath(error.instancePath, data);
    let at: 'key' | 'value' = 'value';
    const expected = expectedOverride.get(error) ?? (error.parentSchema as Record<string, unknown> | undefined)?.['x-expected'];
    let message: string;
    if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      message = `missing key \`${missing}\`${path.length ? ` in \`${describePath(path)}\`` : ''}`;
      at = 'key';
    } else if (error.keyword === 'uniqueItems') {
      const { i, j } = error.params as { i: number; j: number };
      const later = Math.max(i, j);
      const duplicate = (error.data as unknown[])[later];
      path = [...path, later];
      message = `\`${describePath(path.slice(0, -1))}\` lists ${JSON.stringify(duplicate)} twice`;
    } else if (typeof expected === 'string') {
      message = `\`${describePath(path)}\` must be ${expected}`;
    } else if (error.keyword === 'type') {
      message = `\`${describePath(path)}\` must be ${String((error.params as { type: string }).type).replace(',', ' or ')}, not ${jsonType(error.data)}`;
    } else {
      message = `\`${describePath(path)}\` ${error.message ?? 'is invalid'}`;
    }
    const id = `${JSON.stringify(path)}|${at}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push({ path, at, severity: 'error', code: 'schema', message });
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Declared body-part names of a project config: multi-animal + unique parts, or the single-animal list. */
export function declaredBodyparts(config: Record<string, unknown>): { list: string; names: string[]; multi: string[]; unique: string[] } {
  if (config.multianimalproject === true) {
    const multi = stringList(config.multianimalbodyparts);
    const unique = stringList(config.uniquebodyparts);
    return { list: 'multianimalbodyparts', names: [...multi, ...unique], multi, unique };
  }
  const parts = stringList(config.bodyparts);
  return { list: 'bodyparts', names: parts, multi: parts, unique: [] };
}

export function parseCropText(crop: unknown): [number, number, number, number] | undefined {
  const parts = Array.isArray(crop) ? crop : typeof crop === 'string' ? crop.split(',') : undefined;
  if (!parts || parts.length !== 4) return undefined;
  const numbers = parts.map((part) => Number(String(part).trim()));
  return numbers.every(Number.isInteger) ? (numbers as [number, number, number, number]) : undefined;
}

function projectRules(config: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const multi = config.multianimalproject === true;
  const problem = (path: Array<string | number>, code: string, message: string, data?: Record<string, unknown>, severity: ProblemSeverity = 'error') =>
    problems.push({ path, severity, code, message, data });

  // Names with spaces break DeepLabCut's column names and file names.
  const nameLists = multi ? ['individuals', 'multianimalbodyparts', 'uniquebodyparts'] : ['bodyparts'];
  for (const key of nameLists) {
    const list = config[key];
    if (!Array.isArray(list)) continue;
    list.forEach((name, index) => {
      if (typeof name === 'string' && /\s/.test(name.trim()) ) {
        problem([key, index], 'name-has-space', `"${name}" has a space; names of ${key === 'individuals' ? 'individuals' : 'body parts'} must not (use "${name.trim().replace(/\s+/g, '_')}")`, { name, key });
      }
    });
  }

  const parts = declaredBodyparts(config);
  if (multi) {
    const multiSet = new Set(parts.multi);
    stringList(config.uniquebodyparts).forEach((name, index) => {
      if (multiSet.has(name)) problem(['uniquebodyparts', index], 'bodypart-unique-and-multi', `"${name}" is both a unique and a multi-animal body part`, { name });
    });
  }

  const declared = new Set(parts.names);
  // Without a readable list of parts (already an error), references cannot be checked.
  const partsReadable = multi ? Array.isArray(config.multianimalbodyparts) : Array.isArray(config.bodyparts);
  if (partsReadable && Array.isArray(config.skeleton)) {
    const edges = new Set<string>();
    config.skeleton.forEach((edge, index) => {
      if (!Array.isArray(edge)) return;
      edge.forEach((name, end) => {
        if (typeof name === 'string' && !declared.has(name)) {
          problem(['skeleton', index, end], 'skeleton-unknown-part', `skeleton edge ${index + 1} names "${name}", which is not in \`${parts.list}\``, { name, list: parts.list, edge: index });
        }
      });
      if (edge.length === 2) {
        const id = [...edge].map(String).sort().join('\u0000');
        if (edges.has(id)) problem(['skeleton', index], 'skeleton-duplicate-edge', `skeleton edge ${index + 1} repeats an earlier edge`, { edge: index }, 'warning');
        edges.add(id);
      }
    });
  }

  if (partsReadable && isRecord(config.SuperAnimalConversionTables)) {
    for (const [model, table] of Object.entries(config.SuperAnimalConversionTables)) {
      if (!isRecord(table)) continue;
      for (const name of Object.keys(table)) {
        if (!declared.has(name)) {
          problems.push({ path: ['SuperAnimalConversionTables', model, name], at: 'key', severity: 'error', code: 'conversion-unknown-part', message: `"${name}" is not a body part of this project` });
        }
      }
    }
  }

  if (typeof config.start === 'number' && typeof config.stop === 'number' && config.start >= config.stop) {
    problem(['start'], 'start-after-stop', '`start` must be smaller than `stop`');
  }

  if (config.identity === true) {
    if (!multi) problem(['identity'], 'identity-single-animal', '`identity` applies to multi-animal projects only', undefined, 'warning');
    else if (stringList(config.individuals).length <= 1) problem(['identity'], 'identity-one-individual', '`identity: true` needs more than one individual');
  }

  if (config.cropping === true) {
    const { x1, x2, y1, y2 } = config;
    if (typeof x1 === 'number' && typeof x2 === 'number' && x1 >= x2) problem(['x2'], 'crop-order', '`x2` must be larger than `x1` when `cropping` is true');
    if (typeof y1 === 'number' && typeof y2 === 'number' && y1 >= y2) problem(['y2'], 'crop-order', '`y2` must be larger than `y1` when `cropping` is true');
  }

  if (isRecord(config.video_sets)) {
    for (const [video, settings] of Object.entries(config.video_sets)) {
      const crop = parseCropText(isRecord(settings) ? settings.crop : undefined);
      if (!crop) continue;
      const [x1, x2, y1, y2] = crop;
      if (x1 < 0 || y1 < 0 || x1 >= x2 || y1 >= y2) {
        problem(['video_sets', video, 'crop'], 'crop-order', `crop "${crop.join(', ')}" must satisfy 0 ≤ x1 < x2 and 0 ≤ y1 < y2`);
      }
    }
  }

  if (typeof config.colormap === 'string' && !COLORMAPS.includes(config.colormap.replace(/_r$/, ''))) {
    problem(['colormap'], 'unknown-colormap', `"${config.colormap}" is not a matplotlib colormap`, undefined, 'warning');
  }
  return problems;
}

function inferenceRules(config: Record<string, unknown>): ConfigProblem[] {
  return ['minimalnumberofconnections', 'topktoretain']
    .filter((key) => config[key] === INFERENCE_PLACEHOLDER)
    .map((key) => ({
      path: [key],
      severity: 'warning' as const,
      code: 'inference-placeholder',
      message: `\`${key}\` still holds DeepLabCut's placeholder; create-training-dataset sets it`,
    }));
}

/** Keys at the top level that the schema does not describe (typos, or keys DeepLabCut ignores). */
function unknownKeys(kind: ConfigKind, config: Record<string, unknown>): ConfigProblem[] {
  const known = (SCHEMAS[kind].properties ?? {}) as Record<string, unknown>;
  return Object.keys(config)
    .filter((key) => !(key in known))
    .map((key) => ({ path: [key], at: 'key' as const, severity: 'info' as const, code: 'unknown-key', message: `\`${key}\` is not a key DeepLabCut knows; it is kept but ignored` }));
}

/** Every problem in a parsed file's data that needs nothing but the data. */
export function checkConfigData(kind: ConfigKind, data: unknown): ConfigProblem[] {
  const problems = schemaProblems(kind, data);
  if (!isRecord(data)) return problems;
  if (kind === 'project') problems.push(...projectRules(data));
  if (kind === 'inference') problems.push(...inferenceRules(data));
  if (kind !== 'pytorch') problems.push(...unknownKeys(kind, data));
  return problems;
}
