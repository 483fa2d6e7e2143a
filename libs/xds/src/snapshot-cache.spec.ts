import assert from 'node:assert/strict';
import { ValidationError } from '@mycel/core';
import { PUSH_ORDER, TypeUrl } from './resource-types';
import type { Snapshot, XdsResource, XdsTypeUrl } from './resource-types';
import { SnapshotCache, changedTypes } from './snapshot-cache';
import { resource, snapshotOf } from './snapshot.test-helper';

const { cluster: CDS, endpoint: EDS, listener: LDS, route: RDS, secret: SDS } = TypeUrl;

describe('SnapshotCache', () => {
  let cache: SnapshotCache;
  let seen: { node: string; changed: readonly XdsTypeUrl[] }[];
  const record = (node: string) => (_: Snapshot, changed: readonly XdsTypeUrl[]) => seen.push({ node, changed });

  beforeEach(() => {
    cache = new SnapshotCache();
    seen = [];
  });

  it('stores one snapshot per node and drops it on clear', () => {
    const a = snapshotOf({ [CDS]: { c1: 'v1' } });
    cache.set('a', a);
    assert.equal(cache.get('a'), a);
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual(cache.nodeIds(), ['a']);
    assert.equal(cache.clear('a'), true);
    assert.equal(cache.clear('a'), false);
    assert.equal(cache.get('a'), undefined);
    assert.deepEqual(cache.nodeIds(), []);
  });

  it('reports every type as changed for a first snapshot, even empty ones', () => {
    cache.watch('a', record('a'));
    assert.deepEqual(cache.set('a', snapshotOf({})), PUSH_ORDER);
    assert.deepEqual(seen, [{ node: 'a', changed: PUSH_ORDER }]);
  });

  it('notifies only for types whose resource versions changed, in push order', () => {
    cache.set('a', snapshotOf({ [CDS]: { c1: 'v1' }, [EDS]: { c1: 'v1' }, [LDS]: { l1: 'v1' }, [RDS]: { r1: 'v1' } }));
    cache.watch('a', record('a'));
    const changed = cache.set('a', snapshotOf({ [RDS]: { r1: 'v2' }, [CDS]: { c1: 'v1' }, [EDS]: { c1: 'v1' }, [LDS]: { l1: 'v1', l2: 'v1' } }));
    assert.deepEqual(changed, [LDS, RDS]);
    assert.deepEqual(seen, [{ node: 'a', changed: [LDS, RDS] }]);
  });

  it('does not notify when an equal snapshot replaces the current one', () => {
    cache.set('a', snapshotOf({ [CDS]: { c1: 'v1' } }));
    cache.watch('a', record('a'));
    assert.deepEqual(cache.set('a', snapshotOf({ [CDS]: { c1: 'v1' }, [SDS]: {} })), []);
    assert.deepEqual(seen, []);
  });

  it('notifies only the watchers of the node whose snapshot changed', () => {
    cache.watch('a', record('a'));
    cache.watch('b', record('b'));
    cache.set('b', snapshotOf({}));
    assert.deepEqual(seen.map((s) => s.node), ['b']);
  });

  it('keeps watchers across clear and treats the next snapshot as a first one', () => {
    cache.set('a', snapshotOf({ [CDS]: { c1: 'v1' } }));
    cache.watch('a', record('a'));
    cache.clear('a');
    assert.deepEqual(seen, []);
    cache.set('a', snapshotOf({ [CDS]: { c1: 'v1' } }));
    assert.deepEqual(seen, [{ node: 'a', changed: PUSH_ORDER }]);
  });

  it('forgets a node once its last watch is cancelled, and cancelling twice is harmless', () => {
    const cancel1 = cache.watch('a', record('a'));
    const cancel2 = cache.watch('a', record('a'));
    assert.equal(cache.watcherCount('a'), 2);
    cancel1();
    cancel1();
    assert.equal(cache.watcherCount('a'), 1);
    cancel2();
    assert.equal(cache.watcherCount('a'), 0);
    cache.set('a', snapshotOf({}));
    assert.deepEqual(seen, []);
  });

  it('lets a watcher cancel itself while being notified', () => {
    const cancel = cache.watch('a', () => cancel());
    cache.watch('a', record('a'));
    cache.set('a', snapshotOf({}));
    assert.equal(seen.length, 1);
    assert.equal(cache.watcherCount('a'), 1);
  });

  it('notifies every watcher even if one throws, then rethrows the first error', () => {
    cache.watch('a', () => {
      throw new Error('boom');
    });
    cache.watch('a', record('a'));
    assert.throws(() => cache.set('a', snapshotOf({})), /boom/);
    assert.equal(seen.length, 1);
    assert.ok(cache.get('a'), 'the snapshot is stored anyway');
  });

  it('rejects a snapshot whose resources are filed under the wrong type or name', () => {
    const misfiled: XdsResource = resource(EDS, 'c1');
    const bad: Snapshot = { resources: new Map([[CDS, new Map([['c2', misfiled]])]]) };
    assert.throws(
      () => cache.set('a', bad),
      (err: unknown) => err instanceof ValidationError && err.violations.length === 3,
    );
    assert.equal(cache.get('a'), undefined);
  });
});

describe('changedTypes', () => {
  it('compares per-resource versions, not snapshot identity', () => {
    const before = snapshotOf({ [CDS]: { a: 'v1', b: 'v1' }, [EDS]: { a: 'v1' } });
    assert.deepEqual(changedTypes(before, snapshotOf({ [CDS]: { b: 'v1', a: 'v1' }, [EDS]: { a: 'v1' } })), []);
    assert.deepEqual(changedTypes(before, snapshotOf({ [CDS]: { a: 'v1', c: 'v1' }, [EDS]: { a: 'v1' } })), [CDS]);
    assert.deepEqual(changedTypes(before, snapshotOf({ [CDS]: { a: 'v1', b: 'v1' } })), [EDS]);
    assert.deepEqual(changedTypes(before, snapshotOf({ [EDS]: { a: 'v2' }, [CDS]: { a: 'v1', b: 'v1' }, [SDS]: { s: 'v1' } })), [EDS, SDS]);
  });
});
