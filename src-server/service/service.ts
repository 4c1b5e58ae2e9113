import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  MarkupKind,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type DocumentLink,
  type Hover,
  type Position,
  type Range,
  type TextEdit,
} from 'vscode-languageserver';
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLSeq } from 'yaml';
import { checkConfigData, declaredBodyparts, type ConfigProblem } from '../../src-core/project/config-check';
import { contextProblems, resolveVideo, type ContextEnv, type VideoFacts } from './context';
import { keyText, locate, nodeAtOffset, parseFile, rangeFor, type ParsedFile } from './parse';
import { schemaAt, suggestedValues } from './schema-info';

export { kindOf, parseFile } from './parse';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

export interface ServiceOptions {
  /** Text of open (possibly unsaved) documents by local path; the service reads the disk otherwise. */
  openText?: (file: string) => string | undefined;
  /** How to learn a video's size and frame count (the server passes src-core's probeVideo). */
  probeVideo?: (file: string) => Promise<VideoFacts>;
}

/** Data attached to each diagnostic so code actions know what it was about. */
interface DiagnosticData {
  path: Array<string | number>;
  [key: string]: unknown;
}

/**
 * The language service for DeepLabCut's config.yaml, pytorch_config.yaml and inference_cfg.yaml:
 * text in, LSP values out. It never writes a file; the LSP connection is a thin layer over it.
 */
export class HerdLanguageService {
  private readonly probeCache = new Map<string, Promise<VideoFacts | undefined>>();
  // A probe reads the whole file with ffmpeg: a config with 40 videos must not start 40 at once.
  private readonly probeSlots = new Slots(2);
  private readonly env: ContextEnv;

  constructor(private readonly options: ServiceOptions = {}) {
    this.env = {
      readText: (file) => {
        const open = options.openText?.(file);
        if (open !== undefined) return open;
        try {
          return fs.readFileSync(file, 'utf8');
        } catch {
          return undefined;
        }
      },
      probe: (file) => this.probe(file),
    };
  }

  /** Probe once per file version (path + size + mtime). */
  probe(file: string): Promise<VideoFacts | undefined> {
    const probeVideo = this.options.probeVideo;
    if (!probeVideo) return Promise.resolve(undefined);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return Promise.resolve(undefined);
    }
    const key = `${file}\u0000${stat.size}\u0000${stat.mtimeMs}`;
    let facts = this.probeCache.get(key);
    if (!facts) {
      facts = this.probeSlots.run(() => probeVideo(file)).then(
        (info) => ({ width: info.width, height: info.height, frameCount: info.frameCount, fps: info.fps, codec: info.codec }),
        () => undefined,
      );
      this.probeCache.set(key, facts);
    }
    return facts;
  }

  parse(uri: string, text: string): ParsedFile {
    return parseFile(uri, text);
  }

  toRange(file: ParsedFile, [start, end]: [number, number]): Range {
    return { start: file.text.positionAt(start), end: file.text.positionAt(end) };
  }

  private toDiagnostic(file: ParsedFile, problem: ConfigProblem): Diagnostic {
    const data: DiagnosticData = { path: problem.path, ...problem.data };
    return {
      range: this.toRange(file, rangeFor(file.document, problem.path, problem.at)),
      severity: SEVERITY[problem.severity],
      source: 'herd',
      code: problem.code,
      message: problem.message,
      data,
    };
  }

  /** Syntax errors only (no schema): what every YAML file we serve gets. */
  syntaxDiagnostics(file: ParsedFile): Diagnostic[] {
    const source = file.text.getText();
    const convert = (error: { pos: [number, number]; message: string; code: string }, severity: DiagnosticSeverity): Diagnostic => {
      const start = error.pos[0];
      let end = Math.max(error.pos[1], start);
      // The parser marks one character; widen it to the word there (a duplicate key, the line that broke a list).
      if (end - start <= 1) while (end < source.length && /[^\s:,[\]{}#]/.test(source[end])) end++;
      return {
        range: this.toRange(file, [start, Math.max(end, error.pos[1])]),
        severity,
        source: 'herd',
        code: `yaml-${error.code}`,
        message: error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
      };
    };
    return [...file.document.errors.map((error) => convert(error, DiagnosticSeverity.Error)), ...file.document.warnings.map((warning) => convert(warning, DiagnosticSeverity.Warning))];
  }

  /** Problems that need only the text (fast path: no disk, no videos). */
  localDiagnostics(file: ParsedFile): Diagnostic[] {
    if (!file.kind) return [];
    const syntax = this.syntaxDiagnostics(file);
    if (file.document.errors.length > 0) return syntax;
    return [...syntax, ...checkConfigData(file.kind, file.data).map((problem) => this.toDiagnostic(file, problem))];
  }

  /** Problems that look beyond the text: the disk, videos (probed, cached), the project of a model. */
  async contextDiagnostics(file: ParsedFile): Promise<Diagnostic[]> {
    if (!file.kind || file.document.errors.length > 0) return [];
    const problems = await contextProblems(file.kind, file.data, file.filePath, this.env);
    return problems.map((problem) => this.toDiagnostic(file, problem));
  }

  /** Every diagnostic of a document, sorted by position. */
  async diagnostics(file: ParsedFile): Promise<Diagnostic[]> {
    return sortDiagnostics([...this.localDiagnostics(file), ...(await this.contextDiagnostics(file))]);
  }

  async hover(file: ParsedFile, position: Position): Promise<Hover | null> {
    if (!file.kind) return null;
    const offset = file.text.offsetAt(position);
    const at = nodeAtOffset(file.document, offset);
    if (!at) return null;
    const sections: string[] = [];
    const range = at.node?.range ? this.toRange(file, [at.node.range[0], at.node.range[1]]) : undefined;
    // A video path: its size and length.
    if (file.kind === 'project' && at.path[0] === 'video_sets' && at.path.length === 2 && at.onKey && file.filePath) {
      const video = String(at.path[1]);
      const found = resolveVideo(file.filePath, video);
      if (!found) sections.push(`**${path.basename(video)}**: not found`);
      else {
        const facts = await this.probe(found);
        sections.push(facts
          ? `**${path.basename(video)}**: ${facts.width}×${facts.height}, ${facts.frameCount} frames, ${round(facts.fps)} fps, ${facts.codec}${found !== video ? `\n\nfound at \`${found}\`` : ''}`
          : `**${path.basename(video)}**: could not be probed`);
      }
    }
    // The innermost path with a description (a list item shows its list's).
    for (let depth = at.path.length; depth > 0; depth--) {
      const keys = at.path.slice(0, depth);
      const schema = schemaAt(file.kind, keys);
      if (!schema?.description) continue;
      const name = keys.filter((key) => typeof key === 'string').pop();
      let text = `**${file.kind === 'project' && keys[0] === 'video_sets' && depth === 2 ? 'video' : name}**\n\n${schema.description}`;
      if (schema.default !== undefined) text += `\n\nDefault: \`${JSON.stringify(schema.default)}\``;
      sections.push(text);
      break;
    }
    if (sections.length === 0) return null;
    return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') }, range };
  }

  completion(file: ParsedFile, position: Position): CompletionItem[] {
    if (!file.kind) return [];
    const lines = file.text.getText().split(/\r?\n/);
    const line = lines[position.line] ?? '';
    const before = line.slice(0, position.character);
    const data = (file.data ?? {}) as Record<string, unknown>;

    // Body-part names inside `skeleton` (block items `- - nose` or flow `[nose, ...]`).
    const topKey = /^[\s-]/.test(line) ? topLevelKey(lines, position.line) : undefined;
    const onSkeletonLine = /^skeleton\s*:/.test(line);
    if (file.kind === 'project' && (topKey === 'skeleton' || onSkeletonLine)) {
      const inBlockItem = /^\s*(-\s+)+[\w.-]*$/.test(before) || /^\s*-\s*\[[^\]]*$/.test(before);
      const inFlow = onSkeletonLine && /\[[^\]]*$/.test(before);
      if (inBlockItem || inFlow) {
        return declaredBodyparts(data).names.map((name) => ({ label: name, kind: CompletionItemKind.Value, detail: 'body part' }));
      }
    }

    // A value after `key: `.
    const valueMatch = /^(\s*)([^\s#:][^:#]*?)\s*:\s+([^\s#]*)$/.exec(before);
    if (valueMatch) {
      const keys = [...enclosingKeys(lines, position.line, valueMatch[1].length), valueMatch[2]];
      const schema = schemaAt(file.kind, keys);
      if (!schema) return [];
      return suggestedValues(schema).map((value) => ({
        label: value,
        kind: CompletionItemKind.Value,
        detail: keys[keys.length - 1] === 'colormap' ? 'matplotlib colormap' : undefined,
      }));
    }

    // A key at this indentation.
    const keyMatch = /^(\s*)([\w-]*)$/.exec(before);
    if (keyMatch) {
      const parents = enclosingKeys(lines, position.line, keyMatch[1].length);
      const schema = parents.length === 0 ? schemaAt(file.kind, []) : schemaAt(file.kind, parents);
      const present = locate(file.document, parents).node;
      const existing = new Set(isMap(present) ? present.items.map((item) => keyText(item.key)) : []);
      return Object.entries(schema?.properties ?? {})
        .filter(([key]) => !existing.has(key))
        .map(([key, property]) => ({
          label: key,
          kind: CompletionItemKind.Property,
          detail: property['x-expected'],
          documentation: property.description ? { kind: MarkupKind.Markdown, value: property.description } : undefined,
          insertText: `${key}: `,
        }));
    }
    return [];
  }

  /** Quick fixes for our own diagnostics. */
  codeActions(file: ParsedFile, diagnostics: Diagnostic[]): CodeAction[] {
    const actions: CodeAction[] = [];
    const fix = (title: string, diagnostic: Diagnostic, edits: TextEdit[], preferred = false) =>
      actions.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: preferred, edit: { changes: { [file.uri]: edits } } });
    for (const diagnostic of diagnostics) {
      if (diagnostic.source !== 'herd') continue;
      const data = diagnostic.data as DiagnosticData | undefined;
      if (!data) continue;
      if (diagnostic.code === 'name-has-space' && typeof data.name === 'string') {
        const name = data.name;
        const replacement = name.trim().replace(/\s+/g, '_');
        const keys = data.key === 'individuals' ? ['individuals'] : ['bodyparts', 'multianimalbodyparts', 'uniquebodyparts', 'skeleton'];
        fix(`Rename "${name}" to "${replacement}"`, diagnostic, this.renameScalars(file, keys, name, replacement), true);
      }
      if (diagnostic.code === 'skeleton-unknown-part' && typeof data.name === 'string' && typeof data.list === 'string') {
        const edit = this.appendToList(file, data.list, data.name);
        if (edit) fix(`Add "${data.name}" to ${data.list}`, diagnostic, [edit], true);
      }
      if ((diagnostic.code === 'skeleton-unknown-part' || diagnostic.code === 'skeleton-duplicate-edge') && typeof data.edge === 'number') {
        const edit = this.removeSeqItem(file, ['skeleton'], data.edge);
        if (edit) fix(`Remove skeleton edge ${data.edge + 1}`, diagnostic, [edit]);
      }
    }
    return actions;
  }

  documentLinks(file: ParsedFile): DocumentLink[] {
    if (file.kind !== 'project' || !file.filePath) return [];
    const sets = locate(file.document, ['video_sets']).node;
    if (!isMap(sets)) return [];
    const links: DocumentLink[] = [];
    for (const item of sets.items) {
      const key = item.key as Node | undefined;
      if (!key?.range) continue;
      const found = resolveVideo(file.filePath, keyText(item.key));
      if (!found) continue;
      links.push({ range: this.toRange(file, [key.range[0], key.range[1]]), target: pathToFileURL(found).toString(), tooltip: 'Open video' });
    }
    return links;
  }

  private renameScalars(file: ParsedFile, keys: string[], from: string, to: string): TextEdit[] {
    const edits: TextEdit[] = [];
    const source = file.text.getText();
    const visit = (node: unknown) => {
      if (isSeq(node)) node.items.forEach(visit);
      else if (isScalar(node) && node.value === from && node.range) {
        const quote = /^['"]/.test(source[node.range[0]]) ? source[node.range[0]] : '';
        edits.push({ range: this.toRange(file, [node.range[0], node.range[1]]), newText: `${quote}${to}${quote}` });
      }
    };
    for (const key of keys) visit(locate(file.document, [key]).node);
    return edits;
  }

  private appendToList(file: ParsedFile, key: string, name: string): TextEdit | undefined {
    const found = locate(file.document, [key]);
    const source = file.text.getText();
    const list = found.node;
    if (isSeq(list) && list.range) {
      const last = list.items[list.items.length - 1] as Node | undefined;
      if (list.flow) {
        if (last?.range) return { range: this.toRange(file, [last.range[1], last.range[1]]), newText: `, ${name}` };
        const open = source.indexOf('[', list.range[0]);
        return { range: this.toRange(file, [open + 1, open + 1]), newText: name };
      }
      if (last?.range) {
        const lineStart = source.lastIndexOf('\n', last.range[0] - 1) + 1;
        const prefix = source.slice(lineStart, last.range[0]);
        return { range: this.toRange(file, [last.range[1], last.range[1]]), newText: `\n${prefix}${name}` };
      }
    }
    const pair = found.pair as Pair | undefined;
    const keyRange = (pair?.key as Node | undefined)?.range;
    if (!keyRange) return undefined;
    // No list yet (`key:` or `key: ''`): write a flow list as the value.
    const colon = source.indexOf(':', keyRange[1]);
    const valueEnd = (list?.range?.[1] ?? colon + 1);
    return { range: this.toRange(file, [colon + 1, Math.max(colon + 1, valueEnd)]), newText: ` [${name}]` };
  }

  private removeSeqItem(file: ParsedFile, keys: string[], index: number): TextEdit | undefined {
    const list = locate(file.document, keys).node as YAMLSeq | undefined;
    if (!isSeq(list)) return undefined;
    const item = list.items[index] as Node | undefined;
    if (!item?.range) return undefined;
    const source = file.text.getText();
    if (list.flow) {
      const next = list.items[index + 1] as Node | undefined;
      const previous = list.items[index - 1] as Node | undefined;
      const [start, end] = next?.range ? [item.range[0], next.range[0]] : previous?.range ? [previous.range[1], item.range[1]] : [item.range[0], item.range[1]];
      return { range: this.toRange(file, [start, end]), newText: '' };
    }
    // Block item: delete its whole lines, from the `-` to the end of its last line.
    const start = source.lastIndexOf('\n', item.range[0] - 1) + 1;
    let end = source.indexOf('\n', Math.max(item.range[0], item.range[1] - 1));
    end = end === -1 ? source.length : end + 1;
    return { range: this.toRange(file, [start, end]), newText: '' };
  }
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** At most `size` tasks at a time, the rest wait their turn. */
class Slots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function indentOf(line: string): number {
  return /^\s*/.exec(line)![0].length;
}

/** Keys of the block maps enclosing a line at `indent`, outermost first (block YAML, as DeepLabCut writes it). */
function enclosingKeys(lines: string[], lineNumber: number, indent: number): string[] {
  const keys: string[] = [];
  let limit = indent;
  for (let index = lineNumber - 1; index >= 0 && limit > 0; index--) {
    const line = lines[index];
    if (/^\s*(#|$)/.test(line)) continue;
    const lineIndent = indentOf(line);
    const match = /^(\s*)([^\s#:-][^:#]*?)\s*:\s*(#.*)?$/.exec(line);
    if (lineIndent < limit && match) {
      keys.unshift(match[2]);
      limit = lineIndent;
    } else if (lineIndent < limit && !/^\s*-/.test(line)) {
      limit = lineIndent;
    }
  }
  return keys;
}

/** The top-level key whose block holds a line (for lines inside lists and nested maps). */
function topLevelKey(lines: string[], lineNumber: number): string | undefined {
  for (let index = lineNumber - 1; index >= 0; index--) {
    const match = /^([^\s#-][^:#]*?)\s*:/.exec(lines[index]);
    if (match) return match[1];
  }
  return undefined;
}
