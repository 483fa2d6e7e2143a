import assert from 'node:assert/strict';
import { Violations } from './validation';

function check(fn: (v: Violations) => unknown): { value: unknown; violations: unknown } {
  const v = new Violations();
  const value = fn(v);
  return { value, violations: v.all };
}

describe('Violations', () => {
  it('treats null in an optional field as a wrong type, not as absence', () => {
    assert.deepEqual(check((v) => v.optionalString(null, 'a')), { value: undefined, violations: [{ field: 'a', reason: 'must be a string, got null' }] });
    assert.deepEqual(check((v) => v.optionalOneOf(null, 'a', ['x'])), { value: undefined, violations: [{ field: 'a', reason: 'must be a string, got null' }] });
    assert.deepEqual(check((v) => v.optionalInteger(null, 'a', 0, 1)), { value: undefined, violations: [{ field: 'a', reason: 'must be an integer, got null' }] });
    assert.deepEqual(check((v) => v.optionalArray(null, 'a')), { value: undefined, violations: [{ field: 'a', reason: 'must be an array, got null' }] });
    assert.deepEqual(check((v) => v.optionalObject(null, 'a', [])), { value: undefined, violations: [{ field: 'a', reason: 'must be an object, got null' }] });
  });

  it('still treats absence in an optional field as fine', () => {
    for (const fn of [
      (v: Violations) => v.optionalString(undefined, 'a'),
      (v: Violations) => v.optionalOneOf(undefined, 'a', ['x']),
      (v: Violations) => v.optionalInteger(undefined, 'a', 0, 1),
      (v: Violations) => v.optionalArray(undefined, 'a'),
    ]) {
      assert.deepEqual(check(fn), { value: undefined, violations: [] });
    }
  });

  it('keeps "is required" for required fields that are absent or null', () => {
    assert.deepEqual(check((v) => v.string(null, 'a')).violations, [{ field: 'a', reason: 'is required' }]);
    assert.deepEqual(check((v) => v.integer(undefined, 'a', 0, 1)).violations, [{ field: 'a', reason: 'is required' }]);
  });

  it('shows the value of a fractional number where an integer is expected', () => {
    assert.deepEqual(check((v) => v.integer(1.5, 'a', 0, 10)).violations, [{ field: 'a', reason: 'must be an integer, got 1.5' }]);
    assert.deepEqual(check((v) => v.integer('1', 'a', 0, 10)).violations, [{ field: 'a', reason: 'must be an integer, got string' }]);
  });
});
