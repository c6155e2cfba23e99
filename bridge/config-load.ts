/**
 * Layered configuration: flags, then environment, then the config file, then
 * defaults. Each layer is a partial object of the same shape; the merged
 * result is validated once, and a problem names the field and the layer it
 * came from.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from '../common/errors.js';

export type Layer = { name: string; values: Record<string, unknown> };

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges plain objects; later layers win; arrays are replaced whole. */
export function mergeLayers(layers: Layer[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const merge = (dst: Record<string, unknown>, src: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(src)) {
      if (v === undefined) continue;
      if (isPlain(v) && isPlain(dst[k])) merge(dst[k] as Record<string, unknown>, v);
      else dst[k] = isPlain(v) ? merge({}, v) : v;
    }
    return dst;
  };
  for (const l of layers) merge(out, l.values);
  return out;
}

function layerOf(layers: Layer[], path: PropertyKey[]): string | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    let v: unknown = layers[i].values;
    for (const p of path) v = isPlain(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[p] : undefined;
    if (v !== undefined) return layers[i].name;
  }
  return undefined;
}

/** The object schemas a value may be checked against, under wrappers (optional, default, pipe…). */
function objectShapes(schema: z.ZodType): Record<string, z.ZodType>[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'object':
      return [def.shape as Record<string, z.ZodType>];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return objectShapes(def.innerType as z.ZodType);
    case 'pipe':
      return objectShapes(def.in as z.ZodType);
    case 'union':
      return (def.options as z.ZodType[]).flatMap(objectShapes);
    default:
      return [];
  }
}

function arrayElement(schema: z.ZodType): z.ZodType | undefined {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  if (def.type === 'array') return def.element as z.ZodType;
  if (['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional'].includes(def.type))
    return arrayElement(def.innerType as z.ZodType);
  if (def.type === 'pipe') return arrayElement(def.in as z.ZodType);
  return undefined;
}

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** The known key closest to `key`, if it is close enough to be a typo. */
export function didYouMean(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

export interface UnknownKey {
  path: PropertyKey[];
  key: string;
  suggestion?: string;
}

/** Keys of `value` that the schema does not have, at every level (records take any key). */
export function unknownKeys(schema: z.ZodType, value: unknown, path: PropertyKey[] = []): UnknownKey[] {
  const out: UnknownKey[] = [];
  if (Array.isArray(value)) {
    const el = arrayElement(schema);
    if (el) value.forEach((v, i) => out.push(...unknownKeys(el, v, [...path, i])));
    return out;
  }
  if (!isPlain(value)) return out;
  const shapes = objectShapes(schema);
  if (!shapes.length) return out;
  const known = [...new Set(shapes.flatMap((s) => Object.keys(s)))];
  for (const [k, v] of Object.entries(value)) {
    const inner = shapes.filter((s) => k in s).map((s) => s[k]);
    if (!inner.length) {
      out.push({ path: [...path, k], key: k, suggestion: didYouMean(k, known) });
      continue;
    }
    // the first shape that has the key decides (the config's unions of objects share their keys)
    out.push(...unknownKeys(inner[0], v, [...path, k]));
  }
  return out;
}

/** Validates the merged layers; throws a ConfigError naming every bad field, and every unknown key with the likely one meant. */
export function resolveLayers<S extends z.ZodType>(schema: S, layers: Layer[]): z.output<S> {
  const merged = mergeLayers(layers);
  const unknown = unknownKeys(schema, merged).map((u) => {
    const where = u.path.slice(0, -1).map(String).join('.');
    const from = layerOf(layers, u.path);
    const hint = u.suggestion
      ? ` — did you mean \`${u.suggestion}\`?`
      : ` — not a botduino setting${where ? ` under \`${where}\`` : ''}: remove it`;
    return `  unknown key \`${u.path.map(String).join('.')}\`${hint}${from ? ` (from ${from})` : ''}`;
  });
  const r = schema.safeParse(merged);
  if (r.success && !unknown.length) return r.data;
  const lines = r.success
    ? unknown
    : [
        ...unknown,
        ...r.error.issues.map((i) => {
          const path = i.path.length ? i.path.map(String).join('.') : '(config)';
          const from = layerOf(layers, i.path);
          return `  ${path}: ${i.message}${from ? ` (from ${from})` : ''}`;
        }),
      ];
  throw new ConfigError(
    `The configuration is not valid:\n${lines.join('\n')}\nFix these fields (see \`botduino config --help\` and config.schema.json).`,
  );
}

/** Reads a JSON config file; a syntax error says where. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError(`Cannot read the config file ${path}: ${err.code === 'ENOENT' ? 'it does not exist' : err.message}.`);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (!isPlain(v)) throw new ConfigError(`The config file ${path} must hold a JSON object ({ … }).`);
    return v;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const m = /position (\d+)/.exec((e as Error).message);
    let where = '';
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      where = ` at line ${before.split('\n').length}, column ${pos - before.lastIndexOf('\n')}`;
    }
    throw new ConfigError(
      `The config file ${path} is not valid JSON${where}: ${(e as Error).message}. Fix it, or check it with \`botduino doctor\`.`,
    );
  }
}

/** Sets `value` at a dotted path in a fresh object (for env and flag layers). */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  if (value === undefined) return;
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isPlain(o[p])) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]] = value;
}
