import { describeValues, groups } from '../../generators/registry.js';
import type { ParsedArgs } from '../args.js';
import { paint, print, printJson } from '../output.js';

/** `create-nodeserver list`: the registry, as a user reads it (or as JSON). */
export function list(args: ParsedArgs): number {
  if (args.flags.json) {
    printJson(
      groups.map(({ id, kind, message, description, default: d, options, whenText }) => ({
        id,
        kind,
        message,
        description,
        default: d,
        when: whenText,
        options: options?.map(({ value, title, description: desc, feature }) => ({ value, title, description: desc, feature: feature?.id })),
      })),
    );
    return 0;
  }
  for (const group of groups) {
    print(`${paint.bold(group.id)} ${paint.dim(`(${describeValues(group)})`)}  ${group.description}${group.whenText ? paint.dim(`, ${group.whenText}`) : ''}`);
    for (const option of group.options ?? []) {
      const isDefault = Array.isArray(group.default) ? group.default.includes(option.value) : group.default === option.value;
      print(`  ${paint.cmd(option.value.padEnd(14))}${option.description}${isDefault ? paint.dim(' (default)') : ''}`);
    }
  }
  return 0;
}
