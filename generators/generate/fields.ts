import { CLIError } from '../engine/errors.js';
import { generatedObject, objectEntries, setKeys } from '../engine/snippets.js';

/** Where the rules of the field types are (snippets.ts). */
const MODEL_SNIPPETS = 'generate/resource/common';

/**
 * The fields of `generate resource <name> <field:type> ...`. Each type has
 * bounds with safe defaults (the generated model lists them in FIELDS, where
 * the user changes them): no text, list or number the server keeps is
 * unbounded. The bounds are code of the model, so they are in a snippet
 * (`fieldData`), not here.
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

/** The JSDoc type of a field's value: a type name. */
function jsdocType(type: FieldType): string {
  return type === 'integer' ? 'number' : type;
}

/** One valid value of each type, for the docs' example request. */
function exampleValue(field: Field): unknown {
  const examples: Record<FieldType, unknown> = { string: `a ${field.name}`, number: 9.5, integer: 3, boolean: true, 'string[]': ['one', 'two'], 'number[]': [1, 2.5] };
  return examples[field.type];
}

/**
 * What the resource's templates need of each field, as plain values: the
 * templates write the model's JSDoc, its FIELDS and the docs from them. A
 * field's rule is the one of its type in the snippet
 * `generate/resource/common/snippets/model.js.hbs` (its bounds), with
 * `optional` set; `bounds` are its other entries, for the docs.
 */
export function fieldData(fields: Field[], data: Record<string, unknown>) {
  const rules = generatedObject(MODEL_SNIPPETS, 'model.js', 'fieldRules', data);
  return fields.map((field) => {
    const typeRule = rules.get(field.type);
    if (typeRule === undefined) throw new Error(`snippet ${MODEL_SNIPPETS}/snippets/model.js.hbs: fieldRules has no rule for ${field.type}`);
    const what = `snippet ${MODEL_SNIPPETS}/snippets/model.js.hbs: fieldRules['${field.type}']`;
    const rule = setKeys(typeRule, { optional: String(field.optional) }, what);
    const bounds = objectEntries(typeRule, what)
      .filter(([key]) => key !== 'type' && key !== 'optional')
      .map(([key, value]) => ({ key, value: value.replace(/_/g, '') }));
    return { name: field.name, type: field.type, optional: field.optional, jsdocType: jsdocType(field.type), rule, bounds };
  });
}

/** The docs' example request body: one valid value per field. */
export function exampleBody(fields: Field[]): string {
  return JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, exampleValue(f)])));
}
