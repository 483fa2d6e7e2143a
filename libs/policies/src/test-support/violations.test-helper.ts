import assert from 'node:assert/strict';
import type { Violation } from '@mycel/core';

// Table-driven validator specs. Only spec files import this module.

/** A spec that must validate cleanly. */
export interface ValidCase {
  readonly name: string;
  readonly spec: unknown;
}

/** A spec whose violations must be exactly `violations` (order ignored). */
export interface InvalidCase {
  readonly name: string;
  readonly spec: unknown;
  readonly violations: readonly Violation[];
}

function sorted(violations: readonly Violation[]): Violation[] {
  return violations.map((x) => ({ field: x.field, reason: x.reason })).sort((a, b) => (a.field + '\0' + a.reason < b.field + '\0' + b.reason ? -1 : 1));
}

/** Asserts that `actual` holds exactly `expected`, as sets of {field, reason}. */
export function assertViolations(actual: readonly Violation[], expected: readonly Violation[]): void {
  assert.deepEqual(sorted(actual), sorted(expected));
}

/** Declares one `it` per case: valid cases give no violation, invalid ones exactly theirs. */
export function specTable(validate: (spec: unknown) => Violation[], valid: readonly ValidCase[], invalid: readonly InvalidCase[]): void {
  describe('accepts', () => {
    for (const c of valid) it(c.name, () => assert.deepEqual(validate(c.spec), []));
  });
  describe('rejects', () => {
    for (const c of invalid) it(c.name, () => assertViolations(validate(c.spec), c.violations));
  });
}
