import assert from 'node:assert/strict';

// Assertions on validation results (`{field, reason}` violations, as @mycel/core's validators and
// ValidationError carry them). Only spec files use these.

/** One violation: the field path and what was expected there. */
export interface ViolationLike {
  readonly field: string;
  readonly reason: string;
}

/** A spec that must validate cleanly. */
export interface ValidCase {
  readonly name: string;
  readonly spec: unknown;
}

/** A spec whose violations must be exactly `violations` (order ignored). */
export interface InvalidCase {
  readonly name: string;
  readonly spec: unknown;
  readonly violations: readonly ViolationLike[];
}

function sorted(violations: readonly ViolationLike[]): ViolationLike[] {
  return violations
    .map((x) => ({ field: x.field, reason: x.reason }))
    .sort((a, b) => (a.field + '\0' + a.reason < b.field + '\0' + b.reason ? -1 : 1));
}

/** Asserts that `actual` holds exactly `expected`, as sets of {field, reason}. */
export function assertViolations(actual: readonly ViolationLike[], expected: readonly ViolationLike[]): void {
  assert.deepEqual(sorted(actual), sorted(expected));
}

/** Declares one `it` per case: valid cases give no violation, invalid ones exactly theirs. */
export function specTable(validate: (spec: unknown) => ViolationLike[], valid: readonly ValidCase[], invalid: readonly InvalidCase[]): void {
  describe('accepts', () => {
    for (const c of valid) it(c.name, () => assert.deepEqual(validate(c.spec), []));
  });
  describe('rejects', () => {
    for (const c of invalid) it(c.name, () => assertViolations(validate(c.spec), c.violations));
  });
}

/**
 * Runs `fn`, which must throw a ValidationError (an error named `ValidationError` with
 * `violations`), and returns its violations as `field: reason` lines, in order.
 */
export function violationsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    const violations = (err as { violations?: unknown }).violations;
    assert.ok(err instanceof Error && err.name === 'ValidationError' && Array.isArray(violations), `expected ValidationError, got ${String(err)}`);
    return (violations as ViolationLike[]).map((v) => `${v.field}: ${v.reason}`);
  }
  assert.fail('expected a ValidationError');
}
