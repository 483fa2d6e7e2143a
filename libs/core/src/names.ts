import type { Violations } from './validation';
import { childPath, describe, isObject } from './validation';

/** Longest resource name accepted (DNS-1123 subdomain length). */
export const MAX_NAME_LENGTH = 253;
/** Longest label value, and longest label key name part (Kubernetes rules). */
export const MAX_LABEL_PART_LENGTH = 63;
/** Longest label key prefix (a DNS subdomain). */
export const MAX_LABEL_PREFIX_LENGTH = 253;

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Reason a resource name is invalid, or undefined when it is valid. Names are DNS-1123 subdomains:
 * lowercase alphanumerics, '-' and '.', starting and ending alphanumeric, at most 253 characters.
 */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters, got ${name.length}`;
  if (!DNS_1123_SUBDOMAIN.test(name)) {
    return `must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got '${name}'`;
  }
  return undefined;
}

/** Reason a label (or tag) key is invalid, or undefined: `[prefix/]name`, Kubernetes rules. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0) return 'key prefix must not be empty';
    if (prefix.length > MAX_LABEL_PREFIX_LENGTH) return `key prefix must be at most ${MAX_LABEL_PREFIX_LENGTH} characters, got ${prefix.length}`;
    if (!DNS_1123_SUBDOMAIN.test(prefix)) return 'key prefix must be a lowercase DNS subdomain';
  }
  if (name.length === 0) return 'key name must not be empty';
  if (name.length > MAX_LABEL_PART_LENGTH) return `key name must be at most ${MAX_LABEL_PART_LENGTH} characters, got ${name.length}`;
  if (!LABEL_NAME.test(name)) {
    return "key name must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character";
  }
  return undefined;
}

/** Reason a label value is invalid, or undefined: empty, or up to 63 of `[A-Za-z0-9-_.]` starting/ending alphanumeric. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > MAX_LABEL_PART_LENGTH) return `value must be at most ${MAX_LABEL_PART_LENGTH} characters, got ${value.length}`;
  if (!LABEL_NAME.test(value)) {
    return `value must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character, got '${value}'`;
  }
  return undefined;
}

/**
 * Validates a string→string map of labels or tags at `path`; records each bad key/value.
 * Returns the map when it is an object of strings (even with bad keys), undefined otherwise.
 */
export function checkLabels(v: Violations, value: unknown, path: string): Record<string, string> | undefined {
  if (!isObject(value)) {
    v.add(path, `must be an object of string values, got ${describe(value)}`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [key, val] of Object.entries(value)) {
    const p = childPath(path, key);
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) v.add(p, keyProblem);
    if (typeof val !== 'string') {
      v.add(p, `must be a string, got ${describe(val)}`);
      continue;
    }
    const valueProblem = labelValueProblem(val);
    if (valueProblem) v.add(p, valueProblem);
    out[key] = val;
  }
  return out;
}
