import type { JsonObject, Violations } from '@mycel/core';
import { durationProblem, parseDuration } from '@mycel/core';

/** Longest duration a policy accepts: what a `google.protobuf.Duration` can hold is far more; ten years is plenty. */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

/**
 * Validates an optional duration text at `path` (`250ms`, `10s`, `1h30m`); when `positive`, zero
 * is rejected (for Envoy fields that must be greater than 0). Returns it in milliseconds.
 */
export function optionalDuration(v: Violations, value: unknown, path: string, positive = false): number | undefined {
  if (value === undefined) return undefined;
  const text = v.string(value, path);
  if (text === undefined) return undefined;
  const problem = durationProblem(text, 0, MAX_DURATION_MS);
  if (problem !== undefined) {
    v.add(path, problem);
    return undefined;
  }
  const ms = parseDuration(text) ?? 0;
  if (positive && ms === 0) {
    v.add(path, `must be greater than 0, got '${text}'`);
    return undefined;
  }
  return ms;
}

/** `google.protobuf.Duration` for `ms` milliseconds (`{seconds}`, plus `nanos` below a second). */
export function envoyDuration(ms: number): JsonObject {
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  return nanos === 0 ? { seconds } : { seconds, nanos };
}

/** Milliseconds of a duration text that already passed validation (`10s`, `1m30s`); 0 for anything unparsable. */
export function durationMs(text: string): number {
  return parseDuration(text) ?? 0;
}
