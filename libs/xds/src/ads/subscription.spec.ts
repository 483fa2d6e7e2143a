import assert from 'node:assert/strict';
import { TypeUrl } from '../resource-types';
import { Subscription } from './subscription';

function state(s: Subscription): string {
  return `${s.wildcard ? '* ' : ''}[${[...s.names].sort().join(',')}]`;
}

describe('Subscription', () => {
  describe('SotW (replace)', () => {
    it('follows the spec example for Listener/Cluster', () => {
      const s = new Subscription(TypeUrl.listener);
      s.replace([]);
      assert.equal(state(s), '* []', 'unset names: legacy wildcard');
      s.replace(['*', 'A']);
      assert.equal(state(s), '* [A]');
      s.replace(['A']);
      assert.equal(state(s), '[A]', 'dropping * unsubscribes the wildcard');
      s.replace([]);
      assert.equal(state(s), '[]', 'not a wildcard any more');
      assert.equal(s.empty, true);
    });

    it('has no wildcard for other types: empty means nothing, "*" is a name', () => {
      const s = new Subscription(TypeUrl.endpoint);
      s.replace([]);
      assert.equal(state(s), '[]');
      s.replace(['*']);
      assert.equal(state(s), '[*]');
      assert.equal(s.covers('other'), false);
    });
  });

  describe('delta (update)', () => {
    it('follows the spec example for Listener/Cluster', () => {
      const s = new Subscription(TypeUrl.cluster);
      s.update([], []);
      assert.equal(state(s), '* []');
      s.update(['A'], []);
      assert.equal(state(s), '* [A]', 'the legacy wildcard continues');
      s.update([], ['*']);
      assert.equal(state(s), '[A]');
      s.update([], ['A']);
      assert.equal(state(s), '[]');
      s.update([], []);
      assert.equal(state(s), '[]', 'names were given: no legacy wildcard');
    });

    it('starts without wildcard when the first request names resources', () => {
      const s = new Subscription(TypeUrl.cluster);
      s.update(['A'], []);
      assert.equal(state(s), '[A]');
      s.update(['*'], []);
      assert.equal(state(s), '* [A]');
      assert.equal(s.covers('B'), true);
    });

    it('ignores phantom unsubscriptions and lets unsubscribe win within one request', () => {
      const s = new Subscription(TypeUrl.route);
      s.update(['A', 'B'], ['B', 'ghost']);
      assert.equal(state(s), '[A]');
    });
  });
});
