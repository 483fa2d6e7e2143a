import { ValidationError } from '@mycel/core';

/** Changes a store keeps for resuming watchers when not configured. */
export const DEFAULT_RETAIN_CHANGES = 10000;

/** The validated `retainChanges` option: an integer ≥ 1, DEFAULT_RETAIN_CHANGES when absent. */
export function retainChangesOption(value: number | undefined): number {
  const retain = value ?? DEFAULT_RETAIN_CHANGES;
  if (!Number.isSafeInteger(retain) || retain < 1) {
    throw new ValidationError(`invalid store option retainChanges=${String(value)}`, [
      { field: 'retainChanges', reason: 'must be an integer of at least 1' },
    ]);
  }
  return retain;
}

/** The current time of `clock` as an RFC 3339 UTC string. */
export function timestamp(clock: () => Date): string {
  return clock().toISOString();
}
