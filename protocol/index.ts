export * from './schema.js';
export * from './codec.js';
export { crc16 } from './crc.js';
export { SCHEMA_FINGERPRINT, canonicalSchema, fingerprintBytes } from './fingerprint.js';
export { LineSplitter, type LineSplitterEvents } from './lines.js';
