import { CLIError } from '../engine/errors.js';

/**
 * The fields of `generate resource <name> <field:type> ...`. Each type has
 * bounds with safe defaults (the generated model lists them in FIELDS, where
 * the user changes them): no text, list or number the server keeps is
 * unbounded.
 */
export const FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'string[]', 'number[]'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface Field {
  name: string;
  type: FieldType;
  optional: boolean;
}

/** A field name: a plain identifier, so it is a safe object key and a JSDoc property. */
const FIELD_NAME = /^[a-z][A-Za-z0-9]{0,39}$/;
/** Upper bound on fields: a model is read by people, and every field is checked on every request. */
const MAX_FIELDS = 40;

const TYPES_TEXT = `valid types are ${FIELD_TYPES.join(', ')} (end with ? for an optional field), e.g. price:number or note:string?`;

/** `name:string`, `tags:string[]`, `note:string?` -> fields; a bad one is a one-line CLIError naming the valid types. */
export function parseFields(specs: string[]): Field[] {
  if (!specs.length) throw new CLIError(`a resource needs fields: generate resource <name> <field:type>...; ${TYPES_TEXT}`, 'E_FIELD');
  if (specs.length > MAX_FIELDS) throw new CLIError(`a resource takes at most ${MAX_FIELDS} fields, got ${specs.length}`, 'E_FIELD');
  const fields: Field[] = [];
  for (const spec of specs) {
    const match = /^([^:]*):(.*?)(\?)?$/.exec(spec);
    if (!match) throw new CLIError(`bad field "${spec}": write name:type; ${TYPES_TEXT}`, 'E_FIELD');
    const [, name, type, optional] = match;
    if (!FIELD_NAME.test(name)) {
      throw new CLIError(`bad field name "${name}" in "${spec}": use a letter a-z, then letters and digits (at most 40), e.g. price`, 'E_FIELD');
    }
    if (name === 'id') throw new CLIError(`bad field "${spec}": id is made by the server; every record has one`, 'E_FIELD');
    if (!(FIELD_TYPES as readonly string[]).includes(type)) throw new CLIError(`bad field type "${type}" in "${spec}": ${TYPES_TEXT}`, 'E_FIELD');
    if (fields.some((f) => f.name === name)) throw new CLIError(`field "${name}" is given twice`, 'E_FIELD');
    fields.push({ name, type: type as FieldType, optional: optional === '?' });
  }
  return fields;
}

/** The JSDoc type of a field's value. */
export function jsdocType(type: FieldType): string {
  return type === 'integer' ? 'number' : type;
}

/** The rule of a field in the model's FIELDS table: its type and its bounds. */
export function fieldRule(field: Field): string {
  const bounds: Record<FieldType, string> = {
    string: 'minLength: 1, maxLength: 200',
    number: 'min: -1_000_000_000, max: 1_000_000_000',
    integer: 'min: -1_000_000_000, max: 1_000_000_000',
    boolean: '',
    'string[]': 'maxItems: 50, minLength: 1, maxLength: 200',
    'number[]': 'maxItems: 50, min: -1_000_000_000, max: 1_000_000_000',
  };
  const parts = [`type: '${field.type}'`, `optional: ${field.optional}`, bounds[field.type]].filter(Boolean);
  return `${field.name}: { ${parts.join(', ')} },`;
}

/** One valid value of each type, for the docs' example request. */
export function exampleValue(field: Field): unknown {
  const examples: Record<FieldType, unknown> = { string: `a ${field.name}`, number: 9.5, integer: 3, boolean: true, 'string[]': ['one', 'two'], 'number[]': [1, 2.5] };
  return examples[field.type];
}
