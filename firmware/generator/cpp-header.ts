/**
 * The generated bd_protocol.h of the firmware's protocol runtime: version and
 * limits, reject reasons, kinds, enums, one struct per kind, and the API the
 * firmware calls (decode, dispatch, send) and implements (the bd_on_* handlers).
 */
import { SCHEMA_FINGERPRINT } from '../../protocol/fingerprint.js';
import {
  MAX_DEVICE_FRAME,
  MAX_DEVICE_ID,
  MAX_HOST_FRAME,
  MAX_TEXT,
  PROTOCOL_VERSION,
  REJECT_REASONS,
  frameMaxLength,
  schema,
  uintMax,
  type FieldSpec,
  type Kind,
} from '../../protocol/schema.js';
import {
  KINDS,
  deviceDecodes,
  allKindsGroups,
  banner,
  deviceEncodes,
  enumTypeName,
  enumValueName,
  fieldsOf,
  hasFields,
  kindConst,
  lower,
  memberName,
  structName,
} from './cpp-names.js';

const ALL_KINDS_LINE = MAX_DEVICE_FRAME > MAX_HOST_FRAME ? MAX_DEVICE_FRAME : MAX_HOST_FRAME;

function memberDecl(kind: Kind, name: string, f: FieldSpec): string[] {
  const m = memberName(name);
  switch (f.type) {
    case 'u8':
    case 'u16':
    case 'u32':
      return [`uint${f.type.slice(1)}_t ${m};`];
    case 'bool':
      return [`bool ${m};`];
    case 'char':
      return [`char ${m};`];
    case 'enum':
      return [`${enumTypeName(kind, name)} ${m};`];
    case 'str':
      return [`uint8_t ${m}_len;`, `uint8_t ${m}[${f.max}];`];
    case 'bytes':
      return f.min === f.max ? [`uint8_t ${m}[${f.max}];`] : [`uint8_t ${m}_len;`, `uint8_t ${m}[${f.max}];`];
  }
}

function fieldComment(f: FieldSpec): string {
  switch (f.type) {
    case 'u8':
    case 'u16':
    case 'u32':
      return `0..${uintMax(f)}`;
    case 'str':
      return `up to ${f.max} bytes`;
    case 'bytes':
      return f.min === f.max ? `${f.min} bytes` : `${f.min}..${f.max} bytes`;
    case 'enum':
      return Object.keys(f.values).join(' | ');
    case 'bool':
      return '0 | 1';
    case 'char':
      return 'printable, not space';
  }
}

/** The generated bd_protocol.h. */
export function runtimeHeader(): string {
  const fp = SCHEMA_FINGERPRINT;
  const out: string[] = [banner('bd_protocol.h', "botduino's wire protocol for the firmware: types, limits, API.")];
  out.push(
    '#ifndef BD_PROTOCOL_H',
    '#define BD_PROTOCOL_H',
    '',
    '#include <stdbool.h>',
    '#include <stddef.h>',
    '#include <stdint.h>',
    '',
    '/* ---- Version and limits ---- */',
    `#define BD_PROTOCOL_VERSION ${PROTOCOL_VERSION}`,
    `#define BD_SCHEMA_FP "${fp}"`,
    `#define BD_SCHEMA_FP_U32 0x${fp}UL`,
    `/* Longest line the host sends (the device's line buffer), terminator excluded. */`,
    `#define BD_MAX_HOST_FRAME ${MAX_HOST_FRAME}`,
    `/* Longest line the device sends, terminator excluded. */`,
    `#define BD_MAX_DEVICE_FRAME ${MAX_DEVICE_FRAME}`,
    `#define BD_MAX_TEXT ${MAX_TEXT}`,
    `#define BD_MAX_DEVICE_ID ${MAX_DEVICE_ID}`,
    '',
    '/* Longest line bd_decode() accepts in this build, and the type of a line length. */',
    '#if defined(BD_ALL_KINDS)',
    `#define BD_MAX_RX_FRAME ${ALL_KINDS_LINE}`,
    `typedef ${ALL_KINDS_LINE > 255 ? 'uint16_t' : 'uint8_t'} bd_len_t;`,
    '#else',
    `#define BD_MAX_RX_FRAME BD_MAX_HOST_FRAME`,
    `typedef ${MAX_HOST_FRAME > 255 ? 'uint16_t' : 'uint8_t'} bd_len_t;`,
    '#endif',
    '',
    '/* Longest line of each kind, terminator excluded. */',
    ...KINDS.map((k) => `#define BD_FRAME_MAX_${k} ${frameMaxLength(k)}`),
    '',
    '/* Limits of string and byte fields, and of numbers with a limit below their width. */',
  );
  for (const k of KINDS)
    for (const [name, f] of fieldsOf(k)) {
      const macro = `BD_${k}_${memberName(name).toUpperCase()}_MAX`;
      if (f.type === 'str' || f.type === 'bytes') out.push(`#define ${macro} ${f.max}`);
      else if ((f.type === 'u8' || f.type === 'u16' || f.type === 'u32') && f.max !== undefined) out.push(`#define ${macro} ${f.max}`);
    }
  out.push(
    '',
    '/* ---- Why a line was rejected (BD_OK: it was not) ---- */',
    `enum bd_reject_t : uint8_t { BD_OK = 0, ${REJECT_REASONS.map((r) => `BD_REJECT_${r.toUpperCase()}`).join(', ')} };`,
    `#define BD_REJECT_REASONS ${REJECT_REASONS.length}`,
    '',
    '/* ---- Message kinds, in schema order ---- */',
    `enum bd_kind_t : uint8_t { ${KINDS.map(kindConst).join(', ')} };`,
    `#define BD_KIND_COUNT ${KINDS.length}`,
    '',
    '/* ---- Enumerated fields: the value is the index in the schema; the wire carries its code ---- */',
  );
  for (const k of KINDS)
    for (const [name, f] of fieldsOf(k))
      if (f.type === 'enum') {
        const vals = Object.entries(f.values).map(([v, code]) => `${enumValueName(k, name, v)} /* '${code}' */`);
        out.push(`enum ${enumTypeName(k, name)} : uint8_t { ${vals.join(', ')} };`);
      }

  const nak = (schema as Record<string, { fields: Record<string, FieldSpec> }>).NAK?.fields.why;
  if (nak?.type === 'enum' && REJECT_REASONS.every((r, i) => Object.keys(nak.values)[i] === r)) {
    out.push(
      '/* The NAK reason for a rejected line (r != BD_OK). */',
      'static inline bd_nak_why_t bd_nak_why(bd_reject_t r) { return (bd_nak_why_t)(r - 1); }',
    );
  }

  out.push('', '/* ---- One struct per kind with fields; strings carry their length in <name>_len ---- */');
  for (const k of KINDS) {
    if (!hasFields(k)) continue;
    out.push(`/* ${k}: ${schema[k].doc} */`, `struct ${structName(k)} {`);
    for (const [name, f] of fieldsOf(k)) {
      const decl = memberDecl(k, name, f);
      decl[decl.length - 1] += ` /* ${fieldComment(f)} */`;
      out.push(...decl.map((d) => '  ' + d));
    }
    out.push('};');
  }

  out.push(
    '',
    '/* ---- A decoded message: the union holds the kinds this build decodes ---- */',
    'struct bd_msg_t {',
    '  bd_kind_t kind;',
    '  uint8_t seq;',
    '  union {',
  );
  out.push(...allKindsGroups(KINDS.filter(hasFields).map((k) => [deviceDecodes(k), `    ${structName(k)} ${lower(k)};`])));
  out.push('  } m;', '};');

  out.push(
    '',
    '/* ---- Decoding ---- */',
    '/*',
    ' * Decodes one line. `len` excludes the line terminator (a trailing "\\n" and',
    ' * "\\r" are ignored if present). Returns BD_OK and fills `out`, or the reason',
    " * the line was rejected as a whole; `out->seq` is the line's seq when it",
    ' * could be read, else 0. A kind this build does not decode is BD_REJECT_KIND.',
    ' */',
    'bd_reject_t bd_decode(const char *line, bd_len_t len, bd_msg_t *out);',
    '/*',
    ' * The same for a receiver that computes the CRC as the bytes come in: `crc`',
    ' * is the CRC-16 (bd_crc16_update from 0xFFFF) of the bytes before the',
    ' * line\'s last "*" (any value when it has none: it is then rejected before',
    ' * the CRC counts). Accepts and rejects exactly the lines bd_decode() does,',
    ' * for the same reasons.',
    ' */',
    'bd_reject_t bd_decode_crc(const char *line, bd_len_t len, uint16_t crc, bd_msg_t *out);',
    '',
    '/* True for kinds that carry a seq 1..255 and are acknowledged. */',
    'bool bd_kind_reliable(bd_kind_t kind);',
    '',
    '/* Calls the handler of msg->kind (one of the bd_on_* below). */',
    'void bd_dispatch(const bd_msg_t *msg);',
    '',
    '/* Handlers: declared here, defined by the firmware (or the test harness). */',
  );
  out.push(
    ...allKindsGroups(
      KINDS.map((k) => [
        deviceDecodes(k),
        hasFields(k) ? `void bd_on_${lower(k)}(uint8_t seq, const ${structName(k)} *m);` : `void bd_on_${lower(k)}(uint8_t seq);`,
      ]),
    ),
  );

  out.push(
    '',
    '/* ---- Encoding ---- */',
    '/*',
    ' * Each bd_send_* writes one whole line through `w`: kind, seq, fields, "*",',
    ' * the CRC and "\\n", computing the CRC on the fly (no line buffer). Values',
    ' * out of their limits are clamped so that every line written is valid.',
    ' * Not reentrant: do not send from inside `w`.',
    ' */',
    'typedef void (*bd_write_fn)(uint8_t byte);',
  );
  out.push(
    ...allKindsGroups(
      KINDS.map((k) => [
        deviceEncodes(k),
        hasFields(k)
          ? `void bd_send_${lower(k)}(bd_write_fn w, uint8_t seq, const ${structName(k)} *m);`
          : `void bd_send_${lower(k)}(bd_write_fn w, uint8_t seq);`,
      ]),
    ),
  );
  out.push(
    '',
    '/* ---- CRC-16/CCITT-FALSE: start from 0xFFFF ---- */',
    'uint16_t bd_crc16_update(uint16_t crc, uint8_t byte);',
    '',
    '#endif /* BD_PROTOCOL_H */',
    '',
  );
  return out.join('\n');
}
