import { createHash } from 'node:crypto';
import { PROTOCOL_VERSION, schema, type MessageSpec } from './schema.js';

/**
 * The canonical form of the schema: kinds in declared order, each with what
 * the wire depends on (direction, reliability, fields in order with types
 * and limits). Documentation strings are left out, so rewording a doc does
 * not change the protocol's identity.
 */
export function canonicalSchema(): string {
  const kinds = Object.entries(schema as Record<string, MessageSpec>).map(([kind, spec]) => [
    kind,
    spec.dir,
    spec.reliable,
    Object.entries(spec.fields).map(([name, f]) => [name, f]),
  ]);
  return JSON.stringify({ version: PROTOCOL_VERSION, kinds });
}

/** First 4 bytes of the SHA-256 of the canonical schema, as 8 upper-case hex digits. */
export const SCHEMA_FINGERPRINT: string = createHash('sha256').update(canonicalSchema()).digest('hex').slice(0, 8).toUpperCase();

/** The fingerprint as the 4 bytes HELLO carries. */
export function fingerprintBytes(): Uint8Array {
  return Uint8Array.from(Buffer.from(SCHEMA_FINGERPRINT, 'hex'));
}
