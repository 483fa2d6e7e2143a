import assert from 'node:assert/strict';
import { EnvoyRulesError, EnvoyShapeError } from '../envoy/errors';
import { TypeUrl } from '../resource-types';
import { EncodingCache, bytesVersion, isSharedResource, shareResource } from './encoding-cache';

const cluster = (name: string, seconds = 5): Record<string, unknown> => ({ name, type: 'EDS', connect_timeout: { seconds }, eds_cluster_config: { eds_config: { ads: {} } } });

describe('EncodingCache', () => {
  it('encodes equal messages once and returns the same frozen resource', () => {
    const cache = new EncodingCache();
    const a = cache.encode(TypeUrl.cluster, 'c', cluster('c'));
    const b = cache.encode(TypeUrl.cluster, 'c', { eds_cluster_config: { eds_config: { ads: {} } }, connect_timeout: { seconds: 5 }, type: 'EDS', name: 'c' });
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    assert.equal(a.version, bytesVersion(a.any.value));
    assert.deepEqual([cache.hits, cache.misses, cache.size], [1, 1, 1]);
    const c = cache.encode(TypeUrl.cluster, 'c', cluster('c', 6));
    assert.notEqual(c.version, a.version);
    assert.equal(cache.misses, 2);
  });

  it('recognises shared (deep-frozen) messages by identity', () => {
    const cache = new EncodingCache();
    const message = shareResource(cluster('s'));
    assert.ok(isSharedResource(message));
    assert.ok(Object.isFrozen(message['eds_cluster_config']));
    assert.throws(() => {
      (message['connect_timeout'] as Record<string, unknown>)['seconds'] = 1;
    }, TypeError);
    const first = cache.encode(TypeUrl.cluster, 's', message);
    assert.equal(cache.encode(TypeUrl.cluster, 's', message), first);
    assert.equal(cache.encode(TypeUrl.cluster, 's', cluster('s')), first);
    assert.deepEqual([cache.hits, cache.misses], [2, 1]);
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = new EncodingCache({ maxEntries: 2 });
    const a = cache.encode(TypeUrl.cluster, 'a', cluster('a'));
    cache.encode(TypeUrl.cluster, 'b', cluster('b'));
    cache.encode(TypeUrl.cluster, 'a', cluster('a'));
    cache.encode(TypeUrl.cluster, 'c', cluster('c'));
    assert.equal(cache.size, 2);
    assert.equal(cache.encode(TypeUrl.cluster, 'a', cluster('a')), a, 'a was used recently and stays');
    const misses = cache.misses;
    cache.encode(TypeUrl.cluster, 'b', cluster('b'));
    assert.equal(cache.misses, misses + 1, 'b was evicted');
    cache.clear();
    assert.equal(cache.size, 0);
  });

  it("refuses messages that break Envoy's rules or do not fit the proto", () => {
    const cache = new EncodingCache();
    assert.throws(
      () => cache.encode(TypeUrl.cluster, 'c', cluster('c', -1)),
      (err: unknown) => err instanceof EnvoyRulesError && err.resourceName === 'c' && err.violations[0]?.field === 'connect_timeout',
    );
    assert.throws(() => cache.encode(TypeUrl.cluster, 'c', { name: 'c', typo: 1 }), EnvoyShapeError);
    assert.equal(cache.size, 0);
    // Rule checks can be turned off (e.g. for a benchmark); shape checks cannot.
    new EncodingCache({ checkRules: false }).encode(TypeUrl.cluster, 'c', cluster('c', -1));
  });
});
