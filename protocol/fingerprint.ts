import { createHash } from 'node:crypto';
import { PROTOCOL_VERSION, SCHEMA_REVISION, schema, type FieldSpec, type MessageSpec } from './schema.js';

/**
 * The canonical form of the schema as it was at revision `rev`: kinds in
 * declared order, each with what the wire depends on (direction,
 * reliability, fields in order with types and limits), without what later
 * revisions added. Documentation strings and the `since`/`added` marks are
 * left out, so rewording a doc does not change the protocol's identity, and
 * a revision's form is the one boards built at it were given.
 */
export function canonicalSchema(rev = SCHEMA_REVISION): string {
  const kinds = Object.entries(schema as Record<string, MessageSpec>).map(([kind, spec]) => [
    kind,
    spec.dir,
    spec.reliable,
    Object.entries(spec.fields)
      .filter(([, f]) => (f.since ?? 1) <= rev)
      .map(([name, f]) => [name, atRevision(f, rev)]),
  ]);
  return JSON.stringify({ version: PROTOCOL_VERSION, kinds });
}

function atRevision(f: FieldSpec, rev: number): object {
  const { since: _since, ...rest } = f;
  if (rest.type !== 'enum') return rest;
  const { added, ...e } = rest;
  if (!added) return e;
  return { ...e, values: Object.fromEntries(Object.entries(e.values).filter(([name]) => (added[name] ?? 1) <= rev)) };
}

function fingerprintOf(rev: number): string {
  return createHash('sha256').update(canonicalSchema(rev)).digest('hex').slice(0, 8).toUpperCase();
}

/** First 4 bytes of the SHA-256 of the canonical schema, as 8 upper-case hex digits. */
export const SCHEMA_FINGERPRINT: string = fingerprintOf(SCHEMA_REVISION);

/** The fingerprint of every revision this bridge speaks with, newest first. */
export const KNOWN_FINGERPRINTS: ReadonlyMap<string, number> = new Map(
  Array.from({ length: SCHEMA_REVISION }, (_, i) => SCHEMA_REVISION - i).map((rev) => [fingerprintOf(rev), rev]),
);

/** The schema revision a fingerprint is of, or null when it is none this bridge knows. */
export function revisionOf(fingerprint: string): number | null {
  return KNOWN_FINGERPRINTS.get(fingerprint.toUpperCase()) ?? null;
}

/** The fingerprint as the 4 bytes HELLO carries. */
export function fingerprintBytes(): Uint8Array {
  return Uint8Array.from(Buffer.from(SCHEMA_FINGERPRINT, 'hex'));
}
