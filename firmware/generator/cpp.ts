/**
 * The firmware's C++ protocol runtime, generated from protocol/schema.ts:
 * bd_protocol.h (types, limits, API) and bd_protocol.cpp (a table-driven
 * decoder and encoder, the dispatcher, CRC-16). Output is deterministic.
 *
 * The default build is the device side: it decodes and dispatches the kinds
 * the host sends (and 'both'), and encodes the kinds the device sends (and
 * 'both'). With -DBD_ALL_KINDS every kind goes both ways (host test harness).
 *
 * Only what depends on the schema is generated here: the types, the tables
 * and the per-kind entry points. The fixed part (CRC, decoder, encoder) is
 * hand-written C++ in firmware/runtime/bd_runtime.inc, which the generated
 * bd_protocol.cpp includes after its tables.
 */
import { SCHEMA_FINGERPRINT } from '../../protocol/fingerprint.js';
import { PROTOCOL_VERSION, schema, uintMax, type FieldSpec, type Kind } from '../../protocol/schema.js';
import {
  KINDS,
  deviceDecodes,
  deviceEncodes,
  allKindsGroups,
  banner,
  fieldsOf,
  hasFields,
  kindConst,
  lower,
  memberName,
  structName,
} from './cpp-names.js';

function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(`protocol/schema.ts cannot be generated as C++: ${message}`);
}

/** Field type codes in the descriptor table; a bool is read and written as an enum with the codes "0" and "1". */
const TYPE_CODE = { u8: 0, u16: 1, u32: 2, enum: 3, char: 4, str: 5, bytes: 6 } as const;
type TypeCode = (typeof TYPE_CODE)[keyof typeof TYPE_CODE];
const TYPE_MACRO: readonly string[] = ['BD_F_U8', 'BD_F_U16', 'BD_F_U32', 'BD_F_ENUM', 'BD_F_CHAR', 'BD_F_STR', 'BD_F_BYTES'];
const typeCode = (f: FieldSpec): TypeCode => (f.type === 'bool' ? TYPE_CODE.enum : TYPE_CODE[f.type]);
const enumCodesOf = (f: FieldSpec): string => (f.type === 'bool' ? '01' : f.type === 'enum' ? Object.values(f.values).join('') : '');

/** Bit mask of the field types in the given kinds. */
function typeMask(kinds: Kind[]): number {
  let mask = 0;
  for (const k of kinds) for (const [, f] of fieldsOf(k)) mask |= 1 << typeCode(f);
  return mask;
}

/** The C++ type that holds every number the default build decodes (a seq at least). */
function decodedUintType(): string {
  let widest = 8;
  for (const k of KINDS.filter(deviceDecodes))
    for (const [, f] of fieldsOf(k)) if (f.type === 'u16' || f.type === 'u32') widest = Math.max(widest, Number(f.type.slice(1)));
  return `uint${widest}_t`;
}

const hex2 = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(2, '0');

/**
 * The kind table's hash, as bd_runtime.inc computes it from a name s[0..n):
 * (uint8_t)(s[0] * a + s[1] * b + n) & (size - 1). The smallest table, and
 * in it the smallest multipliers, that give each of `names` a slot of its
 * own, holding its index in KINDS.
 */
export function kindHash(names: readonly string[]): { a: number; b: number; size: number; table: number[] } {
  const none = 0xff;
  check(
    names.every((n) => n.length >= 2),
    'every kind name needs 2 characters or more (the kind hash reads the second)',
  );
  for (let size = 16; size <= 256; size *= 2)
    for (let a = 1; a < 256; a++)
      for (let b = 1; b < 256; b++) {
        const table = new Array<number>(size).fill(none);
        const ok = names.every((name) => {
          const h = (name.charCodeAt(0) * a + name.charCodeAt(1) * b + name.length) & 0xff & (size - 1);
          if (table[h] !== none) return false;
          table[h] = KINDS.indexOf(name as Kind);
          return true;
        });
        if (ok) return { a, b, size, table };
      }
  throw new Error('protocol/schema.ts cannot be generated as C++: no kind hash without collisions');
}

/** The generated bd_protocol.cpp. */
export function runtimeSource(): string {
  const fp = SCHEMA_FINGERPRINT;
  // field descriptors, kind rows, enum codes
  let enumCodes = '';
  const fieldRows: string[] = [];
  const kindRows: string[] = [];
  let nameAt = 0;
  for (const k of KINDS) {
    const list = fieldsOf(k);
    check(list.length < 64, `${k} has more than 63 fields`);
    const flags = [schema[k].reliable ? 'BD_K_RELIABLE' : '', deviceDecodes(k) ? 'BD_K_DEVICE_DECODES' : ''].filter(Boolean);
    kindRows.push(`  {${fieldRows.length}, ${[String(list.length), ...flags].join(' | ')}, ${nameAt}}, /* ${k} */`);
    nameAt += k.length + 1;
    for (const [name, f] of list) {
      const m = memberName(name);
      const off = `offsetof(${structName(k)}, ${f.type === 'str' || (f.type === 'bytes' && f.min !== f.max) ? m + '_len' : m})`;
      let x = 0; // the upper 5 bits of the type byte
      let a = 0;
      switch (f.type) {
        case 'u8':
          a = uintMax(f);
          break;
        case 'u16':
        case 'u32':
          check(
            uintMax(f) === (f.type === 'u16' ? 0xffff : 0xffffffff),
            `${k}.${name}: a ${f.type} with a limit is not supported (use a u8, or no limit)`,
          );
          break;
        case 'bool':
        case 'enum': {
          const codes = enumCodesOf(f);
          check(
            [...codes].every((c) => c.charCodeAt(0) > 0x20 && c.charCodeAt(0) < 0x7f && c !== '*') && new Set(codes).size === codes.length,
            `${k}.${name}: enum codes must be distinct printable characters other than "*"`,
          );
          check(codes.length < 32, `${k}.${name}: an enum has at most 31 values`);
          let at = enumCodes.indexOf(codes);
          if (at < 0) {
            at = enumCodes.length;
            enumCodes += codes;
          }
          check(at < 256, 'too many enum codes');
          x = codes.length;
          a = at;
          break;
        }
        case 'str':
          check(f.max < 256, `${k}.${name}: strings are limited to 255 bytes`);
          a = f.max;
          break;
        case 'bytes':
          check(f.max < 256 && f.min <= f.max && f.min < 32, `${k}.${name}: byte strings are limited to 255 bytes (and at least 31)`);
          x = f.min;
          a = f.max;
          break;
        default:
          break;
      }
      const tp = x ? `${TYPE_MACRO[typeCode(f)]} | ${x} << 3` : TYPE_MACRO[typeCode(f)];
      fieldRows.push(`  {${tp}, ${off}, ${a}}, /* ${k}.${name}${f.type === 'bool' ? ' (bool)' : ''} */`);
    }
  }
  check(fieldRows.length < 256, 'too many fields in all');
  check(nameAt <= 256, 'the kind names are longer than 255 characters in all');
  check(KINDS.length < 0xff, 'too many kinds');
  const hashAll = kindHash(KINDS);
  const hashDevice = kindHash(KINDS.filter(deviceDecodes));
  const hashTable = (h: ReturnType<typeof kindHash>) => [
    `#define BD_KIND_HASH_A ${h.a}`,
    `#define BD_KIND_HASH_B ${h.b}`,
    `#define BD_KIND_HASH_SIZE ${h.size}`,
    `static const uint8_t BD_KIND_HASH[BD_KIND_HASH_SIZE] BD_ROM = {${h.table.map(hex2).join(', ')}};`,
  ];

  const send = allKindsGroups(
    KINDS.map((k) => [
      deviceEncodes(k),
      hasFields(k)
        ? `void bd_send_${lower(k)}(bd_write_fn w, uint8_t seq, const ${structName(k)} *m) { encode(w, ${kindConst(k)}, seq, (const uint8_t *)m); }`
        : `void bd_send_${lower(k)}(bd_write_fn w, uint8_t seq) { encode(w, ${kindConst(k)}, seq, NULL); }`,
    ]),
  );
  const dispatch = allKindsGroups(
    KINDS.map((k) => [
      deviceDecodes(k),
      `    case ${kindConst(k)}: ${hasFields(k) ? `bd_on_${lower(k)}(msg->seq, &msg->m.${lower(k)});` : `bd_on_${lower(k)}(msg->seq);`} break;`,
    ]),
  );
  const sizeChecks = KINDS.filter(hasFields).map(
    (k) => `static_assert(sizeof(${structName(k)}) <= 256, "${structName(k)} is too large for 8-bit field offsets");`,
  );

  return [
    banner('bd_protocol.cpp', "botduino's wire protocol for the firmware: decoder, encoder, dispatcher."),
    '#include "bd_protocol.h"',
    '',
    '#include <string.h>',
    '',
    '/* ---- Version lock: the header must come from the same schema ---- */',
    `#if !defined(BD_SCHEMA_FP_U32) || BD_SCHEMA_FP_U32 != 0x${fp}UL || BD_PROTOCOL_VERSION != ${PROTOCOL_VERSION}`,
    `#error "bd_protocol.h was generated from another protocol schema than bd_protocol.cpp (${fp}): run \`npm run generate\` and use both files from firmware/runtime/"`,
    '#endif',
    ...sizeChecks,
    '',
    '/* ---- Constant tables live in flash on AVR ---- */',
    '#if defined(__AVR__)',
    '#include <avr/pgmspace.h>',
    '#define BD_ROM PROGMEM',
    '#define bd_rom_byte(p) pgm_read_byte(p)',
    '#define bd_rom_dword(p) pgm_read_dword(p)',
    '#else',
    '#define BD_ROM',
    '#define bd_rom_byte(p) (*(const uint8_t *)(p))',
    '#define bd_rom_dword(p) (*(const uint32_t *)(p))',
    '#endif',
    '',
    '/* ---- Schema tables ---- */',
    '/* Field types (a bool is an enum with the codes "0" and "1"). */',
    ...TYPE_MACRO.map((m, i) => `#define ${m} ${i}`),
    "/* One field: its type in the low 3 bits (the upper 5: an enum's count of codes, a byte",
    " * string's shortest length), its offset in its struct, and a parameter: u8: the limit;",
    ' * enum: its first code in BD_ENUM_CODES; str, bytes: the longest length. */',
    'struct bd_field_desc { uint8_t tp, off, a; };',
    '/* One kind: its first field in BD_FIELDS, its field count with flags, where its name starts in BD_NAMES. */',
    '#define BD_K_RELIABLE 0x80',
    '#define BD_K_DEVICE_DECODES 0x40',
    '#define BD_K_COUNT 0x3F',
    'struct bd_kind_desc { uint8_t first, info, name; };',
    '',
    'static const bd_field_desc BD_FIELDS[] BD_ROM = {',
    ...fieldRows,
    '};',
    'static const bd_kind_desc BD_KINDS[BD_KIND_COUNT] BD_ROM = {',
    ...kindRows,
    '};',
    `static const char BD_NAMES[] BD_ROM = "${KINDS.join('\\0')}";`,
    `static const char BD_ENUM_CODES[] BD_ROM = "${enumCodes}";`,
    'static const uint32_t BD_POW10[9] BD_ROM = {1000000000UL, 100000000UL, 10000000UL, 1000000UL, 100000UL, 10000UL, 1000UL, 100UL, 10UL};',
    '/* The kind a name s[0..n) can be:',
    ' * BD_KIND_HASH[(uint8_t)(s[0] * BD_KIND_HASH_A + s[1] * BD_KIND_HASH_B + n) & (BD_KIND_HASH_SIZE - 1)]',
    ' * (0xFF: none), among the kinds this build decodes; the name itself is compared after. */',
    '#if defined(BD_ALL_KINDS)',
    ...hashTable(hashAll),
    '#else',
    ...hashTable(hashDevice),
    '#endif',
    '',
    '/* ---- The field types each build reads and writes: the code of the others is left out ---- */',
    '#if defined(BD_ALL_KINDS)',
    '#define BD_DECODES(t) 1',
    '#define BD_ENCODES(t) 1',
    'typedef uint32_t bd_uint_t;',
    '#else',
    `#define BD_DECODES(t) ((${hex2(typeMask(KINDS.filter(deviceDecodes)))} >> (t)) & 1)`,
    `#define BD_ENCODES(t) ((${hex2(typeMask(KINDS.filter(deviceEncodes)))} >> (t)) & 1)`,
    `typedef ${decodedUintType()} bd_uint_t; /* holds every number this build decodes */`,
    '#endif',
    '',
    '/* ---- The fixed part: CRC, decoder, encoder (hand-written, firmware/runtime/bd_runtime.inc) ---- */',
    '#include "bd_runtime.inc"',
    '',
    '/* ---- Encoders ---- */',
    ...send,
    '',
    '/* ---- Dispatch ---- */',
    'void bd_dispatch(const bd_msg_t *msg) {',
    '  switch (msg->kind) {',
    ...dispatch,
    '    default: break;',
    '  }',
    '}',
    '',
  ].join('\n');
}
