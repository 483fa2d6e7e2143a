import type { Violations } from '../validation';
import { childPath, describe, isObject } from '../validation';
import { timestampProblem } from './timestamp';

// Field checks shared by the insight types. The control plane writes those, so they are checked for
// shape (types, timestamps, counters, no unknown fields) but not for cross-field consistency.

/** An optional string that may be empty (xDS versions and nonces start out empty). */
export function optionalText(v: Violations, value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    v.add(path, `must be a string, got ${describe(value)}`);
    return undefined;
  }
  return value;
}

/** An RFC 3339 timestamp; `required` decides whether absence is a violation. */
export function timestamp(v: Violations, value: unknown, path: string, required: boolean): void {
  const text = required ? v.string(value, path) : v.optionalString(value, path);
  const problem = text === undefined ? undefined : timestampProblem(text);
  if (problem) v.add(path, problem);
}

/** An optional non-negative integer counter. */
export function counter(v: Violations, value: unknown, path: string): void {
  v.optionalInteger(value, path, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * An optional object used as a map with free-form, non-empty keys (xDS type URLs, KDS type names);
 * calls `entry` for each value with its path.
 */
export function optionalMap(v: Violations, value: unknown, path: string, entry: (value: unknown, path: string) => void): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    v.add(path, `must be an object, got ${describe(value)}`);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const p = childPath(path, key);
    if (key === '') v.add(p, 'key must not be empty');
    else entry(item, p);
  }
}
