import assert from 'node:assert/strict';
import { formatAge, humanDuration } from './age';

describe('age', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: Array<[number, string]> = [
    [-5 * s, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m, '3m'],
    [5 * m + 30 * s, '5m30s'],
    [10 * m, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 20 * m, '3h20m'],
    [8 * h, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [4 * d, '4d'],
    [4 * d + 6 * h, '4d6h'],
    [8 * d, '8d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [760 * d, '2y30d'],
    [9 * 365 * d, '9y'],
  ];
  for (const [ms, want] of cases) {
    it(`shows ${ms} ms as ${want}`, () => assert.equal(humanDuration(ms), want));
  }

  it('measures from an RFC 3339 time to now, and shows - for missing or bad times', () => {
    const now = new Date('2026-01-02T03:04:05Z');
    assert.equal(formatAge('2026-01-02T03:00:00.000Z', now), '4m5s');
    assert.equal(formatAge(undefined, now), '-');
    assert.equal(formatAge('yesterday', now), '-');
  });
});
