export * from './schema.js';
export * from './codec.js';
export { crc16 } from './crc.js';
export { KNOWN_FINGERPRINTS, SCHEMA_FINGERPRINT, canonicalSchema, fingerprintBytes, revisionOf } from './fingerprint.js';
export { LineSplitter, type LineSplitterEvents } from './lines.js';
