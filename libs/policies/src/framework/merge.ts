import type { JsonObject } from '@mycel/core';
import { isObject } from '@mycel/core';

/**
 * RFC 7396 JSON Merge Patch: applies `patch` to `target` and returns the result without modifying
 * either. An object patch merges member by member (a `null` member removes that member from the
 * target); any other patch (array, string, number, boolean) replaces the target entirely, so
 * arrays are never concatenated.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * Merges `confs` in order (the first is the least important) with {@link mergePatch}, starting
 * from `{}`. Returns a fresh object sharing nothing with the inputs.
 */
export function mergeAll(confs: readonly JsonObject[]): JsonObject {
  let out: JsonObject = {};
  for (const conf of confs) out = mergePatch(out, conf) as JsonObject;
  return out;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = clone(v);
    return out;
  }
  return value;
}
