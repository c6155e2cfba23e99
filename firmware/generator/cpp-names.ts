/**
 * How schema names become C++ names in the generated protocol runtime, and
 * the facts about the schema the C++ side needs (who decodes what).
 */
import { KINDS, schema, type FieldSpec, type Kind, type MessageSpec } from '../../protocol/schema.js';

/** C++ keywords a field name must not collide with (PONG has a field `long`). */
const KEYWORDS = new Set(
  (
    'alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t class compl const ' +
    'constexpr const_cast continue decltype default delete do double dynamic_cast else enum explicit export extern ' +
    'false float for friend goto if inline int long mutable namespace new noexcept not not_eq nullptr operator or ' +
    'or_eq private protected public register reinterpret_cast return short signed sizeof static static_assert ' +
    'static_cast struct switch template this thread_local throw true try typedef typeid typename union unsigned ' +
    'using virtual void volatile wchar_t while xor xor_eq'
  ).split(' '),
);

const ident = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

/** A field's member name: the schema name, with "_" appended when it is a C++ keyword. */
export function memberName(field: string): string {
  const n = ident(field);
  return KEYWORDS.has(n) ? n + '_' : n;
}

export const lower = (kind: Kind) => kind.toLowerCase();
export const structName = (kind: Kind) => `bd_${lower(kind)}_t`;
export const kindConst = (kind: Kind) => `BD_KIND_${kind}`;
export const enumTypeName = (kind: Kind, field: string) => `bd_${lower(kind)}_${ident(field)}_t`;
export const enumValueName = (kind: Kind, field: string, value: string) =>
  `BD_${kind}_${ident(field).toUpperCase()}_${ident(value).toUpperCase()}`;

/** The fields of a kind, in wire order. */
export function fieldsOf(kind: Kind): [string, FieldSpec][] {
  return Object.entries((schema[kind] as MessageSpec).fields);
}

export const hasFields = (kind: Kind) => fieldsOf(kind).length > 0;
/** Kinds the device receives: the default build decodes and dispatches these. */
export const deviceDecodes = (kind: Kind) => schema[kind].dir !== 'device';
/** Kinds the device sends: the default build has encoders for these. */
export const deviceEncodes = (kind: Kind) => schema[kind].dir !== 'host';

export { KINDS };
