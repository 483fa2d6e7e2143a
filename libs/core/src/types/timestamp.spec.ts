import assert from 'node:assert/strict';
import { isRfc3339, timestampProblem } from './timestamp';

describe('timestamp', () => {
  const cases: [string, boolean][] = [
    ['2024-05-01T12:00:00Z', true],
    ['2024-05-01t12:00:00z', true],
    ['2024-05-01T12:00:00.123456789Z', true],
    ['2024-05-01T14:00:00+02:00', true],
    ['2024-05-01T07:00:00-05:30', true],
    ['2024-02-29T00:00:00Z', true],
    ['2000-02-29T00:00:00Z', true],
    ['2016-12-31T23:59:60Z', true],
    ['1900-02-29T00:00:00Z', false],
    ['2023-02-29T00:00:00Z', false],
    ['2024-04-31T00:00:00Z', false],
    ['2024-00-10T00:00:00Z', false],
    ['2024-05-00T00:00:00Z', false],
    ['2024-05-01T24:00:00Z', false],
    ['2024-05-01T12:60:00Z', false],
    ['2024-05-01T12:00:61Z', false],
    ['2024-05-01T12:00:00', false],
    ['2024-05-01T12:00:00+0200', false],
    ['2024-05-01T12:00:00+02:60', false],
    ['2024-05-01 12:00:00Z', false],
    ['2024-05-01T12:00Z', false],
    ['2024-05-01T12:00:00.Z', false],
    ['2024-05-01', false],
    ['', false],
  ];
  for (const [text, ok] of cases) {
    it(`${JSON.stringify(text)} is ${ok ? '' : 'not '}RFC 3339`, () => assert.equal(isRfc3339(text), ok));
  }

  it('says what it expected and what it got', () => {
    assert.equal(timestampProblem('now'), "must be an RFC 3339 timestamp such as '2024-05-01T12:00:00Z', got 'now'");
    assert.equal(timestampProblem('2024-05-01T12:00:00Z'), undefined);
  });
});
