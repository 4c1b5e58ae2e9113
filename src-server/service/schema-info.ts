import { SCHEMAS, type ConfigKind } from '../../src-core/project/config-check';

export interface SchemaNode {
  description?: string;
  default?: unknown;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  examples?: unknown[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  'x-expected'?: string;
}

function child(schema: SchemaNode, key: string | number): SchemaNode | undefined {
  if (typeof key === 'string' && schema.properties?.[key]) return schema.properties[key];
  if (typeof key === 'number' && schema.items) return schema.items;
  if (typeof key === 'string' && typeof schema.additionalProperties === 'object') return schema.additionalProperties;
  for (const branch of schema.anyOf ?? []) {
    const found = child(branch, key);
    if (found) return found;
  }
  return undefined;
}

/** The schema of the value at a path (properties, items, additionalProperties, union branches). */
export function schemaAt(kind: ConfigKind, keys: Array<string | number>): SchemaNode | undefined {
  let schema: SchemaNode | undefined = SCHEMAS[kind] as SchemaNode;
  for (const key of keys) {
    schema = schema && child(schema, key);
    if (!schema) return undefined;
  }
  return schema;
}

/** Values worth offering for a key: enums, constants, examples, booleans. */
export function suggestedValues(schema: SchemaNode): string[] {
  const values = new Set<string>();
  const add = (node: SchemaNode) => {
    for (const value of node.enum ?? []) values.add(String(value));
    if (node.const !== undefined && node.const !== '') values.add(String(node.const));
    for (const value of node.examples ?? []) if (typeof value !== 'object') values.add(String(value));
    const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
    if (types.includes('boolean')) ['true', 'false'].forEach((value) => values.add(value));
    node.anyOf?.forEach(add);
  };
  add(schema);
  return [...values];
}
