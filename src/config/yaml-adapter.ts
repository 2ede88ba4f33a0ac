/** The only file that imports the `yaml` package: parse with positions, locate paths, quote scalars. */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, stringify, visit, type Document, type Node } from 'yaml';
import type { ConfigPath } from './issue.js';

export interface LineCol {
  readonly line: number;
  readonly col: number;
}

export interface YamlProblem extends LineCol {
  readonly kind: 'syntax' | 'duplicate-key' | 'recursive-alias' | 'reserved-key';
  readonly message: string;
}

export interface Located extends LineCol {
  /** False when only a prefix of the path exists; the position is then the deepest node found. */
  readonly exact: boolean;
}

export interface ParsedYaml {
  /** The plain JavaScript value; undefined when the document has no content or has problems. */
  readonly data: unknown;
  readonly problems: readonly YamlProblem[];
  /** Position (1-based) of the node at `path`: its key, or its value. */
  locate(path: ConfigPath, at: 'key' | 'value'): Located | undefined;
}

/** `merge`: read YAML 1.1 merge keys (`<<: *defaults`), as Compose files use them; slipway.yaml does not. */
export function parseYaml(text: string, o: { merge?: boolean } = {}): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, ...(o.merge === true ? { merge: true } : {}) });
  const pos = (offset: number): LineCol => lineCounter.linePos(offset);
  const problems: YamlProblem[] = doc.errors.map((err) => ({
    kind: err.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'syntax',
    // The parser recurses per level: thousands of levels exhaust its stack before any limit of ours.
    message: /call stack/i.test(err.message) ? TOO_DEEP : (err.message.split('\n')[0] ?? err.message),
    ...pos(err.pos[0]),
  }));
  if (problems.length === 0) problems.push(...structureProblems(doc, pos));
  let data: unknown;
  if (problems.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      problems.push({ kind: 'syntax', message: err instanceof Error ? err.message : String(err), line: 1, col: 1 });
    }
  }
  return { data, problems, locate: (path, at) => locateIn(doc, path, at, pos) };
}

/** Deepest nesting of collections read (a slipway.yaml needs fewer than 10 levels). */
const MAX_DEPTH = 64;
const TOO_DEEP = `collections are nested more than ${MAX_DEPTH} levels deep`;

/** Keys refused anywhere: they would reach or replace an object's prototype. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Problems the YAML is free of but a config must be: an alias inside the node its anchor
 * names (`services: &s { web: *s }`, an infinitely deep value), nesting past MAX_DEPTH and
 * prototype keys.
 */
function structureProblems(doc: Document, pos: (offset: number) => LineCol): YamlProblem[] {
  const problems: YamlProblem[] = [];
  visit(doc, {
    Alias(_key, node, path) {
      const source = node.resolve(doc);
      if (source && path.includes(source)) {
        problems.push({ kind: 'recursive-alias', message: `alias *${node.source} is inside the node its anchor &${node.source} names`, ...pos(node.range?.[0] ?? 0) });
        return visit.SKIP;
      }
      return undefined;
    },
    Collection(_key, node, path) {
      if (path.length < MAX_DEPTH || path.filter((n) => isMap(n) || isSeq(n)).length < MAX_DEPTH) return undefined;
      problems.push({ kind: 'syntax', message: TOO_DEEP, ...pos(node.range?.[0] ?? 0) });
      return visit.BREAK;
    },
    Pair(_key, pair) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key === 'string' && RESERVED_KEYS.has(key)) {
        problems.push({ kind: 'reserved-key', message: `"${key}" may not be used as a key`, ...pos(rangeStart(pair.key) ?? 0) });
      }
    },
  });
  return problems;
}

function locateIn(doc: Document, path: ConfigPath, at: 'key' | 'value', pos: (o: number) => LineCol): Located | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  let found = 0;
  for (const segment of path) {
    const next = child(doc, node, segment);
    if (!next) break;
    [keyNode, node] = next;
    found += 1;
  }
  const exact = found === path.length;
  const target = exact && at === 'key' && keyNode ? keyNode : (node ?? keyNode);
  const offset = rangeStart(target) ?? rangeStart(keyNode);
  return offset === undefined ? undefined : { ...pos(offset), exact };
}

function child(doc: Document, node: unknown, segment: string | number): [unknown, unknown] | undefined {
  const resolved = isAlias(node) ? node.resolve(doc) : node;
  if (isMap(resolved)) {
    for (const pair of resolved.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(key) === String(segment)) return [pair.key, pair.value];
    }
    return undefined;
  }
  if (isSeq(resolved) && typeof segment === 'number') {
    const item = resolved.items[segment];
    return item === undefined ? undefined : [undefined, item];
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Renders a string, number or boolean as a single-line YAML scalar, quoted only when needed. */
export function yamlScalar(value: string | number | boolean): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** Renders a plain JSON-like value as a YAML document (long lines kept whole). */
export function toYamlDocument(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}
