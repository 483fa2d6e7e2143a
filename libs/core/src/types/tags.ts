import { checkLabels, labelValueProblem } from '../names';
import type { Protocol } from '../resource';
import { Labels, PROTOCOLS } from '../resource';
import type { Violations } from '../validation';
import { childPath } from '../validation';

/**
 * Validates a required tag map at `path`: keys and values follow the label rules (`checkLabels`),
 * values must not be empty (a tag selects traffic, and an empty value selects nothing useful),
 * `mycel.io/service` must be present and `mycel.io/protocol`, when present, must be one of
 * {@link PROTOCOLS}. Returns the map when it is an object of strings, undefined otherwise.
 */
export function checkTags(v: Violations, value: unknown, path: string): Record<string, string> | undefined {
  if (value === undefined) {
    v.add(path, 'is required');
    return undefined;
  }
  const tags = checkLabels(v, value, path);
  if (!tags) return undefined;
  for (const [key, val] of Object.entries(tags)) {
    if (val === '') v.add(childPath(path, key), 'value must not be empty');
  }
  // `checkLabels` drops non-string values from its result; look at the input to tell "absent" from "wrong type".
  const raw = value as Record<string, unknown>;
  if (!Object.hasOwn(raw, Labels.service)) v.add(childPath(path, Labels.service), 'is required');
  const protocol = tags[Labels.protocol];
  if (protocol !== undefined && protocol !== '' && labelValueProblem(protocol) === undefined && !isProtocol(protocol)) {
    v.add(childPath(path, Labels.protocol), `must be one of ${PROTOCOLS.map((p) => `'${p}'`).join(', ')}, got '${protocol}'`);
  }
  return tags;
}

/** True when `value` is one of {@link PROTOCOLS}. */
export function isProtocol(value: string): value is Protocol {
  return (PROTOCOLS as readonly string[]).includes(value);
}
