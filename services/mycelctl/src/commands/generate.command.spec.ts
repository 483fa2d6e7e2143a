import assert from 'node:assert/strict';
import { parseTags } from './generate.command';

describe('generate dataplane-token --tag', () => {
  it('collects repeated and comma-separated values per key, deduplicated and sorted', () => {
    assert.deepEqual(parseTags(['mycel.io/service=web,api', 'version=v1', 'mycel.io/service=web', 'mycel.io/service=admin']), {
      'mycel.io/service': ['admin', 'api', 'web'],
      version: ['v1'],
    });
    assert.deepEqual(parseTags([]), {});
  });

  for (const bad of ['novalue', '=web', 'k=', 'k=,']) {
    it(`refuses '${bad}'`, () => {
      assert.throws(() => parseTags([bad]), /--tag must be key=value or key=value1,value2/);
    });
  }
});
