import { applies, describeValues, groupById, groups, matches, optionValues, selectedFeatures } from '../registry.js';
import { presets } from '../presets.js';
import type { AnswerValue, Answers, Group } from '../types.js';
import { CLIError } from './errors.js';

/** npm's rules for a package name (the project folder's base name is used). */
const NPM_NAME = /^(?:@[a-z0-9-*~][a-z0-9-*._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

export function validateName(name: string): void {
  if (!name || name.length > 214 || !NPM_NAME.test(name) || /^[-._]/.test(name)) {
    throw new CLIError(`invalid project name "${name}": use lower-case letters, digits, "-", "." and "_", starting with a letter or digit (npm package name rules), e.g. my-app`, 'E_NAME');
  }
}

export function findPreset(name: string) {
  const preset = presets.find((p) => p.name === name);
  if (!preset) {
    throw new CLIError(`unknown preset "${name}": valid presets are ${presets.map((p) => p.name).join(', ')}`, 'E_PRESET');
  }
  return preset;
}

/**
 * Parses a flag's text into the group's value type, or says which values are
 * valid. `text` of a multi group is a comma list; `none` means empty.
 */
export function parseValue(group: Group, text: string): AnswerValue {
  const valid = optionValues(group);
  switch (group.kind) {
    case 'single':
      if (!valid.includes(text)) throw badValue(group, text, valid);
      return text;
    case 'multi': {
      if (text.trim() === 'none' || text.trim() === '') return [];
      const values = text
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      for (const v of values) if (!valid.includes(v)) throw badValue(group, v, ['none', ...valid]);
      return [...new Set(values)];
    }
    case 'boolean':
      if (/^(true|yes|1|on)$/i.test(text)) return true;
      if (/^(false|no|0|off)$/i.test(text)) return false;
      throw badValue(group, text, ['true', 'false']);
    case 'number': {
      const n = Number(text);
      const { min, max } = group.range ?? { min: 0, max: Number.MAX_SAFE_INTEGER };
      if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
        throw new CLIError(`invalid value "${text}" for --${group.id}: use a whole number from ${min} to ${max}`, 'E_VALUE');
      }
      return n;
    }
  }
}

function badValue(group: Group, text: string, valid: string[]): CLIError {
  return new CLIError(`invalid value "${text}" for --${group.id}: valid values are ${valid.join(', ')}`, 'E_VALUE');
}

/**
 * Completes and checks answers: fills defaults, drops groups that do not
 * apply, and rejects unknown keys, bad values and unmet requirements.
 * `given` says which groups the user chose explicitly (to blame the right flag).
 */
export function resolveAnswers(partial: Record<string, unknown>, given: Set<string> = new Set(Object.keys(partial))): Answers {
  for (const key of Object.keys(partial)) {
    if (key !== 'name' && !groupById(key)) {
      throw new CLIError(`unknown answer "${key}": valid keys are name, ${groups.map((g) => g.id).join(', ')}`, 'E_ANSWER');
    }
  }
  const answers: Answers = { name: String(partial.name ?? '') };
  for (const group of groups) {
    const raw = partial[group.id];
    answers[group.id] = raw === undefined ? structuredClone(group.default) : checkValue(group, raw);
  }
  for (const group of groups) {
    if (applies(group, answers)) continue;
    if (given.has(group.id) && partial[group.id] !== undefined && !sameValue(partial[group.id], group.default)) {
      throw new CLIError(`--${group.id} applies ${group.whenText ?? `only with --${group.when!.group} ${group.when!.values.join('|')}`}`, 'E_CONFLICT');
    }
    delete answers[group.id];
  }
  for (const feature of selectedFeatures(answers)) {
    for (const req of feature.requires ?? []) {
      if (!matches(answers[req.group], req.values)) throw new CLIError(req.message, 'E_CONFLICT');
    }
  }
  return answers;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Checks a value from an answers file or a preset (already typed JSON). */
function checkValue(group: Group, raw: unknown): AnswerValue {
  if (group.kind === 'multi') {
    if (typeof raw === 'string') return parseValue(group, raw);
    if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) {
      throw new CLIError(`invalid value ${JSON.stringify(raw)} for ${group.id}: expected a list of ${optionValues(group).join(', ')}`, 'E_VALUE');
    }
    return parseValue(group, raw.join(','));
  }
  if (group.kind === 'boolean' && typeof raw === 'boolean') return raw;
  if (group.kind === 'number' && typeof raw === 'number') return parseValue(group, String(raw));
  if (typeof raw === 'string') return parseValue(group, raw);
  throw new CLIError(`invalid value ${JSON.stringify(raw)} for ${group.id}: valid values are ${describeValues(group)}`, 'E_VALUE');
}

/** Default answers, then a preset, then explicit choices. */
export function withPreset(presetName: string | undefined, explicit: Record<string, unknown>): Record<string, unknown> {
  const fromPreset = presetName ? findPreset(presetName).answers : {};
  return { ...fromPreset, ...explicit };
}
