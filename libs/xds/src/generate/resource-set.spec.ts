import assert from 'node:assert/strict';
import { TypeUrl } from '../resource-types';
import { isSharedResource, shareResource } from './encoding-cache';
import { DuplicateResourceError, ResourceSet, ResourceSetError, resourceNameOf, shortTypeName } from './resource-set';

describe('ResourceSet', () => {
  it('keys resources by type URL and the name they carry', () => {
    const set = new ResourceSet().add(TypeUrl.cluster, { name: 'b' }).add(TypeUrl.cluster, { name: 'a' }).add(TypeUrl.endpoint, { cluster_name: 'a' });
    assert.equal(set.size, 3);
    assert.deepEqual(set.names(TypeUrl.cluster), ['a', 'b']);
    assert.deepEqual(set.get(TypeUrl.endpoint, 'a'), { cluster_name: 'a' });
    assert.ok(set.has(TypeUrl.cluster, 'b'));
    assert.ok(!set.has(TypeUrl.listener, 'b'));
    assert.equal(set.get(TypeUrl.route, 'a'), undefined);
  });

  it('lists entries in push order, then by name', () => {
    const set = new ResourceSet()
      .add(TypeUrl.route, { name: 'r' })
      .add(TypeUrl.listener, { name: 'l' })
      .add(TypeUrl.endpoint, { cluster_name: 'e' })
      .add(TypeUrl.cluster, { name: 'z' })
      .add(TypeUrl.cluster, { name: 'c' });
    assert.deepEqual(
      set.entries().map((e) => `${shortTypeName(e.typeUrl)}/${e.name}`),
      ['Cluster/c', 'Cluster/z', 'ClusterLoadAssignment/e', 'Listener/l', 'RouteConfiguration/r'],
    );
  });

  it('rejects a second resource with a taken name, also when merging sets', () => {
    const set = new ResourceSet().add(TypeUrl.cluster, { name: 'a' });
    assert.throws(() => set.add(TypeUrl.cluster, { name: 'a', type: 'EDS' }), (err: unknown) => err instanceof DuplicateResourceError && err.resourceName === 'a' && err.typeUrl === TypeUrl.cluster);
    assert.throws(() => new ResourceSet().add(TypeUrl.cluster, { name: 'a' }).addAll(set), DuplicateResourceError);
    // The same name under another type is another resource.
    set.add(TypeUrl.listener, { name: 'a' });
  });

  it('rejects a resource without a name', () => {
    assert.throws(() => new ResourceSet().add(TypeUrl.endpoint, { name: 'x' }), ResourceSetError);
    assert.throws(() => resourceNameOf(TypeUrl.listener, { name: '' }), ResourceSetError);
  });

  it('replaces and removes resources', () => {
    const set = new ResourceSet().add(TypeUrl.cluster, { name: 'a' });
    set.replace(TypeUrl.cluster, { name: 'a', type: 'STATIC' });
    assert.deepEqual(set.get(TypeUrl.cluster, 'a'), { name: 'a', type: 'STATIC' });
    assert.throws(() => set.replace(TypeUrl.cluster, { name: 'b' }), ResourceSetError);
    assert.ok(set.remove(TypeUrl.cluster, 'a'));
    assert.ok(!set.remove(TypeUrl.cluster, 'a'));
    assert.equal(set.size, 0);
  });

  it('edits a shared resource through a private copy, leaving the shared one untouched', () => {
    const shared = shareResource({ cluster_name: 'c', endpoints: [{ lb_endpoints: [] }] });
    const set = new ResourceSet().add(TypeUrl.endpoint, shared).add(TypeUrl.cluster, { name: 'own' });
    const copy = set.edit(TypeUrl.endpoint, 'c');
    assert.notEqual(copy, shared);
    assert.ok(!isSharedResource(copy));
    (copy['endpoints'] as unknown[]).push({ lb_endpoints: [] });
    assert.equal((shared['endpoints'] as unknown[]).length, 1);
    assert.equal(set.get(TypeUrl.endpoint, 'c'), copy);
    assert.equal(set.edit(TypeUrl.endpoint, 'c'), copy, 'the copy is private now: edited in place');
    assert.equal(set.edit(TypeUrl.cluster, 'own'), set.get(TypeUrl.cluster, 'own'));
    assert.throws(() => set.edit(TypeUrl.cluster, 'absent'), ResourceSetError);
  });

  it('shares the result of the same edit of the same shared resource between sets, and edits private ones in place', () => {
    const shared = shareResource({ name: 'c', type: 'EDS' });
    let runs = 0;
    const timeout = (seconds: number) => (m: Record<string, unknown>) => {
      runs++;
      m['connect_timeout'] = { seconds };
    };
    const a = new ResourceSet().add(TypeUrl.cluster, shared);
    const b = new ResourceSet().add(TypeUrl.cluster, shared);
    a.editShared(TypeUrl.cluster, 'c', 'timeout 3', timeout(3));
    b.editShared(TypeUrl.cluster, 'c', 'timeout 3', timeout(3));
    const edited = a.get(TypeUrl.cluster, 'c');
    assert.equal(b.get(TypeUrl.cluster, 'c'), edited, 'one result for both');
    assert.equal(runs, 1, 'the edit ran once');
    assert.ok(edited !== undefined && isSharedResource(edited));
    assert.deepEqual(edited, { name: 'c', type: 'EDS', connect_timeout: { seconds: 3 } });
    assert.deepEqual(shared, { name: 'c', type: 'EDS' }, 'the original is untouched');
    const c = new ResourceSet().add(TypeUrl.cluster, shared);
    c.editShared(TypeUrl.cluster, 'c', 'timeout 4', timeout(4));
    assert.deepEqual(c.get(TypeUrl.cluster, 'c'), { name: 'c', type: 'EDS', connect_timeout: { seconds: 4 } }, 'another key, another result');
    const own = { name: 'own' };
    const d = new ResourceSet().add(TypeUrl.cluster, own);
    d.editShared(TypeUrl.cluster, 'own', 'timeout 3', timeout(3));
    assert.equal(d.get(TypeUrl.cluster, 'own'), own, 'a private resource is edited in place');
    assert.throws(() => d.editShared(TypeUrl.cluster, 'absent', 'k', timeout(1)), ResourceSetError);
  });
});
