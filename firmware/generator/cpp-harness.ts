/**
 * test/cpp/bd_harness.h: the schema-dependent part of the host test
 * harnesses (conformance runner and libFuzzer target). It defines every
 * bd_on_* handler (recording the dispatched message), prints a message as
 * the JSON the TypeScript codec produces, and re-encodes a message through
 * the public bd_send_* functions.
 */
import type { Kind } from '../../protocol/schema.js';
import { banner } from './cpp-names.js';
import {
  KINDS,
  deviceDecodes,
  deviceEncodes,
  enumValueName,
  fieldsOf,
  hasFields,
  kindConst,
  lower,
  memberName,
  structName,
} from './cpp-names.js';

function wrap(always: boolean, lines: string[]): string[] {
  return always ? lines : ['#if defined(BD_ALL_KINDS)', ...lines, '#endif'];
}

function printKind(k: Kind): string[] {
  const out = [`    case ${kindConst(k)}: {`];
  if (hasFields(k)) out.push(`      const ${structName(k)} *x = &m->m.${lower(k)};`, '      (void)x;');
  out.push(`      bdh_puts("{\\"kind\\":\\"${k}\\",\\"seq\\":"); bdh_putu(m->seq);`);
  for (const [name, f] of fieldsOf(k)) {
    const mem = memberName(name);
    out.push(`      bdh_puts(",\\"${name}\\":");`);
    switch (f.type) {
      case 'u8':
      case 'u16':
      case 'u32':
        out.push(`      bdh_putu(x->${mem});`);
        break;
      case 'bool':
        out.push(`      bdh_puts(x->${mem} ? "true" : "false");`);
        break;
      case 'char':
        out.push(`      bdh_putstr((const uint8_t *)&x->${mem}, 1);`);
        break;
      case 'str':
        out.push(`      bdh_putstr(x->${mem}, x->${mem}_len);`);
        break;
      case 'bytes':
        out.push(f.min === f.max ? `      bdh_puthex(x->${mem}, ${f.max});` : `      bdh_puthex(x->${mem}, x->${mem}_len);`);
        break;
      case 'enum':
        out.push(`      switch (x->${mem}) {`);
        for (const v of Object.keys(f.values)) out.push(`        case ${enumValueName(k, name, v)}: bdh_puts("\\"${v}\\""); break;`);
        out.push('        default: bdh_puts("null"); break;', '      }');
        break;
    }
  }
  out.push('      bdh_puts("}");', '      break;', '    }');
  return out;
}

/** The generated test/cpp/bd_harness.h. */
export function harnessHeader(): string {
  const out: string[] = [
    banner('bd_harness.h', 'handlers, JSON printer and re-encoder for the host test harnesses.'),
    '#ifndef BD_HARNESS_H',
    '#define BD_HARNESS_H',
    '',
    '#include <stdio.h>',
    '#include <string.h>',
    '',
    '#include "bd_protocol.h"',
    '',
    '/* The last message bd_dispatch() delivered, and its kind (-1: none yet). */',
    'static bd_msg_t bdh_last;',
    'static int bdh_dispatched = -1;',
    '',
  ];
  for (const k of KINDS) {
    const def = hasFields(k)
      ? [
          `void bd_on_${lower(k)}(uint8_t seq, const ${structName(k)} *m) {`,
          `  bdh_dispatched = ${kindConst(k)}; bdh_last.kind = ${kindConst(k)}; bdh_last.seq = seq; memcpy(&bdh_last.m.${lower(k)}, m, sizeof *m);`,
          '}',
        ]
      : [
          `void bd_on_${lower(k)}(uint8_t seq) {`,
          `  bdh_dispatched = ${kindConst(k)}; bdh_last.kind = ${kindConst(k)}; bdh_last.seq = seq;`,
          '}',
        ];
    out.push(...wrap(deviceDecodes(k), def));
  }
  out.push(
    '',
    '/* JSON output on stdout: strings as latin1 code points, byte strings as upper-case hex. */',
    'static inline void bdh_puts(const char *s) { fputs(s, stdout); }',
    'static inline void bdh_putu(unsigned long v) { printf("%lu", v); }',
    'static inline void bdh_putstr(const uint8_t *s, unsigned n) {',
    "  putchar('\"');",
    '  for (unsigned i = 0; i < n; i++) {',
    "    if (s[i] < 0x20 || s[i] > 0x7E || s[i] == '\"' || s[i] == '\\\\') printf(\"\\\\u%04x\", s[i]);",
    '    else putchar(s[i]);',
    '  }',
    "  putchar('\"');",
    '}',
    'static inline void bdh_puthex(const uint8_t *s, unsigned n) {',
    "  putchar('\"');",
    '  for (unsigned i = 0; i < n; i++) printf("%02X", s[i]);',
    "  putchar('\"');",
    '}',
    '',
    '/* Prints a decoded message as one JSON object. */',
    'static inline void bdh_print(const bd_msg_t *m) {',
    '  switch (m->kind) {',
  );
  for (const k of KINDS) out.push(...wrap(deviceDecodes(k), printKind(k)));
  out.push('    default: bdh_puts("null"); break;', '  }', '}', '');
  out.push(
    '/* Re-encodes a decoded message with the bd_send_* functions; false when this build has no encoder for its kind. */',
    'static inline bool bdh_encode(const bd_msg_t *m, bd_write_fn w) {',
    '  switch (m->kind) {',
  );
  for (const k of KINDS) {
    if (!deviceDecodes(k) && !deviceEncodes(k)) continue;
    const call = hasFields(k) ? `bd_send_${lower(k)}(w, m->seq, &m->m.${lower(k)});` : `bd_send_${lower(k)}(w, m->seq);`;
    // the message must be decodable (in the union) and encodable in this build
    out.push(...wrap(deviceDecodes(k) && deviceEncodes(k), [`    case ${kindConst(k)}: ${call} return true;`]));
  }
  out.push('    default: return false;', '  }', '}', '', '#endif /* BD_HARNESS_H */', '');
  return out.join('\n');
}
