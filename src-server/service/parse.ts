import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { ConfigKind } from '../../src-core/project/config-check';

/** One YAML file as the service sees it: text, positions, the `yaml` document with source ranges, and its kind. */
export interface ParsedFile {
  uri: string;
  /** Local path of a `file:` URI (undefined for untitled documents). */
  filePath?: string;
  text: TextDocument;
  document: Document;
  /** `document.toJS()`, or undefined when it cannot be built. */
  data: unknown;
  kind: ConfigKind | undefined;
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

const PROJECT_KEY = /^(Task|scorer|multianimalproject|bodyparts|multianimalbodyparts|video_sets)\s*:/m;

/** Which schema applies: by file name, and for config.yaml only when it looks like a DeepLabCut project. */
export function kindOf(uri: string, text: string): ConfigKind | undefined {
  const name = path.posix.basename(uri.split(/[?#]/)[0]).toLowerCase();
  if (name === 'pytorch_config.yaml') return 'pytorch';
  if (name === 'inference_cfg.yaml') return 'inference';
  if (name === 'config.yaml' && PROJECT_KEY.test(text)) return 'project';
  return undefined;
}

export function parseFile(uri: string, content: string, version = 0): ParsedFile {
  const text = TextDocument.create(uri, 'yaml', version, content);
  const document = parseDocument(content, { uniqueKeys: true, keepSourceTokens: false, prettyErrors: false });
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 1000 });
  } catch {
    data = undefined;
  }
  return { uri, filePath: uriToPath(uri), text, document, data, kind: kindOf(uri, content) };
}

export function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

export interface Located {
  /** The pair whose key is the last path entry (undefined for sequence items and the root). */
  pair?: Pair;
  /** The node at the path (undefined if the path does not exist). */
  node?: Node;
  /** How many path entries were found. */
  depth: number;
  /** The deepest node found on the way (the node itself when found). */
  nearest?: Node;
  nearestPair?: Pair;
}

/** Follow keys and indices from the root. */
export function locate(document: Document, keys: Array<string | number>): Located {
  let current: unknown = document.contents;
  let pair: Pair | undefined;
  let nearestPair: Pair | undefined;
  let depth = 0;
  for (const key of keys) {
    if (isMap(current)) {
      const found = current.items.find((item) => keyText(item.key) === String(key));
      if (!found) return { depth, nearest: current as Node, nearestPair };
      pair = found;
      nearestPair = found;
      current = found.value;
    } else if (isSeq(current) && typeof key === 'number' && key < current.items.length) {
      pair = undefined;
      current = current.items[key];
    } else {
      return { depth, nearest: current as Node | undefined, nearestPair };
    }
    depth++;
  }
  return { pair, node: (current ?? undefined) as Node | undefined, depth, nearest: (current ?? undefined) as Node | undefined, nearestPair };
}

export type OffsetRange = [number, number];

/** The source range of a key or value: keys and scalars exactly; a collection that is a pair's value points at its key. */
export function rangeFor(document: Document, keys: Array<string | number>, at: 'key' | 'value' = 'value'): OffsetRange {
  const found = locate(document, keys);
  if (keys.length === 0) {
    const first = isMap(document.contents) ? (document.contents.items[0]?.key as Node | undefined)?.range : undefined;
    return first ? [first[0], first[1]] : [0, 0];
  }
  const keyRange = (pair: Pair | undefined): OffsetRange | undefined => {
    const range = (pair?.key as Node | undefined)?.range;
    return range ? [range[0], range[1]] : undefined;
  };
  if (found.depth === keys.length) {
    if (at === 'key' && found.pair) return keyRange(found.pair) ?? [0, 0];
    const node = found.node;
    const range = node?.range;
    const isCollection = isMap(node) || isSeq(node);
    if (range && range[1] > range[0] && (!isCollection || !found.pair || (isSeq(node) && node.flow))) return [range[0], range[1]];
    const fromKey = keyRange(found.pair);
    if (fromKey) return fromKey;
    if (range) return [range[0], Math.max(range[0], range[1])];
  }
  // The path stops early: point at the deepest key that exists, or the document's first key.
  const fromKey = keyRange(found.nearestPair);
  if (fromKey) return fromKey;
  const contents = document.contents;
  if (isMap(contents) && contents.items[0]) return keyRange(contents.items[0]) ?? [0, 0];
  return [0, 0];
}

export interface NodeAtOffset {
  path: Array<string | number>;
  /** The cursor is on the key of the last path entry. */
  onKey: boolean;
  node?: Node;
}

/** The deepest key or value that holds `offset`. */
export function nodeAtOffset(document: Document, offset: number): NodeAtOffset | undefined {
  const inside = (node: unknown) => {
    const range = (node as Node | undefined)?.range;
    return !!range && range[0] <= offset && offset <= range[1];
  };
  const walk = (node: unknown, keys: Array<string | number>): NodeAtOffset | undefined => {
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const key = keyText(item.key);
        if (inside(item.key)) return { path: [...keys, key], onKey: true, node: item.key as Node };
        if (inside(item.value)) return walk(item.value, [...keys, key]) ?? { path: [...keys, key], onKey: false, node: item.value as Node };
      }
      return undefined;
    }
    if (isSeq(node)) {
      for (let index = 0; index < node.items.length; index++) {
        const item = node.items[index];
        if (inside(item)) return walk(item, [...keys, index]) ?? { path: [...keys, index], onKey: false, node: item as Node };
      }
      return undefined;
    }
    if (inside(node)) return { path: keys, onKey: false, node: node as Node };
    return undefined;
  };
  return walk(document.contents, []);
}
