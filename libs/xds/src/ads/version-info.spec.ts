import assert from 'node:assert/strict';
import { versionInfo } from './version-info';

describe('versionInfo', () => {
  it('depends on the pairs, not their order', () => {
    assert.equal(versionInfo([['a', '1'], ['b', '2']]), versionInfo([['b', '2'], ['a', '1']]));
    assert.notEqual(versionInfo([['a', '1']]), versionInfo([['a', '2']]));
    assert.notEqual(versionInfo([['a', '1']]), versionInfo([]));
    assert.match(versionInfo([]), /^[0-9a-f]{16}$/);
  });

  it('cannot be fooled by moving characters between name and version', () => {
    assert.notEqual(versionInfo([['ab', 'c']]), versionInfo([['a', 'bc']]));
  });
});
