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

/** Validates the merged layers; throws a ConfigError naming every bad field. */
export function resolveLayers<S extends z.ZodType>(schema: S, layers: Layer[]): z.output<S> {
  const merged = mergeLayers(layers);
  const r = schema.safeParse(merged);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : '(config)';
    const from = layerOf(layers, i.path);
    return `  ${path}: ${i.message}${from ? ` (from ${from})` : ''}`;
  });
  throw new ConfigError(`The configuration is not valid:\n${lines.join('\n')}\nFix these fields (see \`botduino config --help\` and config.schema.json).`);
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
    throw new ConfigError(`The config file ${path} is not valid JSON${where}: ${(e as Error).message}. Fix it, or check it with \`botduino doctor\`.`);
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
