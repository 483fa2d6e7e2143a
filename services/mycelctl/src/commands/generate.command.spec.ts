import assert from 'node:assert/strict';
import { parseTags } from './generate.command';

describe('generate dataplane-token --tag', () => {
  it('collects one value per key, sorted by key; repeating the same pair is harmless', () => {
    assert.deepEqual(parseTags(['version=v1', 'mycel.io/service=web', 'mycel.io/service=web']), {
      'mycel.io/service': 'web',
      version: 'v1',
    });
    assert.deepEqual(parseTags([]), {});
  });

  for (const bad of ['novalue', '=web', 'k=', 'k=a,b']) {
    it(`refuses '${bad}'`, () => {
      assert.throws(() => parseTags([bad]), /--tag must be key=value with one value/);
    });
  }

  it('refuses two values for one key', () => {
    assert.throws(() => parseTags(['mycel.io/service=web', 'mycel.io/service=api']), /--tag mycel\.io\/service is given twice/);
  });
});
