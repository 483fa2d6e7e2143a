import assert from 'node:assert/strict';
import { mergeAll, mergePatch } from './merge';

describe('mergePatch (RFC 7396)', () => {
  // The test vectors of RFC 7396, Appendix A.
  const vectors: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  vectors.forEach(([target, patch, expected], i) => {
    it(`vector ${i + 1}: ${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => assert.deepEqual(mergePatch(target, patch), expected));
  });

  it('never modifies its inputs and shares nothing with them', () => {
    const target = { a: { b: 1 }, list: [1] };
    const patch = { a: { c: 2 }, list: [{ x: 1 }] };
    const out = mergePatch(target, patch) as { a: object; list: { x: number }[] };
    assert.deepEqual(target, { a: { b: 1 }, list: [1] });
    assert.deepEqual(patch, { a: { c: 2 }, list: [{ x: 1 }] });
    assert.notEqual(out.list[0], patch.list[0]);
  });

  it('mergeAll applies confs least important first', () => {
    assert.deepEqual(mergeAll([{ a: 1, http: { x: '1s', y: '2s' } }, { http: { y: '3s' } }, { a: 2 }]), { a: 2, http: { x: '1s', y: '3s' } });
    assert.deepEqual(mergeAll([]), {});
  });
});
