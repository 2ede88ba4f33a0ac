/**
 * Field metadata that maps a zod issue back to a slipway issue code. The schema stays the
 * single source of truth: the mapper walks it along an issue's path to find the field.
 */
import { z } from 'zod';
import type { ConfigCode } from './codes.js';
import type { ConfigPath } from './issue.js';

export interface FieldMeta {
  readonly code: ConfigCode;
  /** What the field takes, completing "expected …" (e.g. 'a duration such as "30s"'). */
  readonly expected: string;
  /** Safe to quote the user's value in messages (never for env values, which may be secrets). */
  readonly quoteValue?: boolean;
  /** A sharper explanation for a particular bad value, when one exists. */
  readonly explain?: (value: unknown) => { message?: string; hint?: string } | undefined;
}

const fieldMeta = z.registry<FieldMeta>();

export function tag<T extends z.ZodType>(schema: T, meta: FieldMeta): T {
  fieldMeta.add(schema, meta);
  return schema;
}

type Def = Record<string, unknown> & { type: string };
const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch']);

/** The schema and its wrappers (optional, default…) at one position, outermost first. */
function layers(schema: z.ZodType): z.ZodType[] {
  const out = [schema];
  let def = defOf(schema);
  while (WRAPPERS.has(def.type)) {
    const inner = def['innerType'] as z.ZodType;
    out.push(inner);
    def = defOf(inner);
  }
  return out;
}

function step(schema: z.ZodType, segment: string | number): z.ZodType | undefined {
  const inner = layers(schema).at(-1);
  if (!inner) return undefined;
  const def = defOf(inner);
  if (def.type === 'object') return (def['shape'] as Record<string, z.ZodType>)[String(segment)];
  if (def.type === 'record') return def['valueType'] as z.ZodType;
  if (def.type === 'array') return def['element'] as z.ZodType;
  if (def.type === 'union') {
    // The first option that has this segment (e.g. the mapping form of `strategy`).
    for (const option of def['options'] as z.ZodType[]) {
      const next = step(option, segment);
      if (next) return next;
    }
  }
  return undefined;
}

/** The schema at `path`, or the deepest one reachable. */
export function schemaAt(root: z.ZodType, path: ConfigPath): z.ZodType {
  let current = root;
  for (const segment of path) {
    const next = step(current, segment);
    if (!next) return current;
    current = next;
  }
  return current;
}

export function metaAt(root: z.ZodType, path: ConfigPath): FieldMeta | undefined {
  for (const layer of layers(schemaAt(root, path))) {
    const meta = fieldMeta.get(layer);
    if (meta) return meta;
  }
  return undefined;
}

/** Metadata of the key schema of the record at `path` (service names, env var names…). */
export function keyMetaAt(root: z.ZodType, path: ConfigPath): FieldMeta | undefined {
  const inner = layers(schemaAt(root, path)).at(-1);
  if (!inner || defOf(inner).type !== 'record') return undefined;
  return fieldMeta.get(defOf(inner)['keyType'] as z.ZodType);
}

/** Keys the object at `path` accepts (for "did you mean" suggestions). */
export function knownKeysAt(root: z.ZodType, path: ConfigPath): string[] {
  const inner = layers(schemaAt(root, path)).at(-1);
  if (!inner || defOf(inner).type !== 'object') return [];
  return Object.keys(defOf(inner)['shape'] as object);
}
