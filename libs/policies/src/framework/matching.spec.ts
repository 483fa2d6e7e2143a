import assert from 'node:assert/strict';
import type { Resource } from '@mycel/core';
import { api1, backend1, grpcClient1, policy, web1 } from '../test-support/fixtures.test-helper';
import type { RankedPolicy } from './matching';
import { originOf, selectsDataplane, selectsInbound, sortPolicies, topLevelTargetRef } from './matching';
import type { TargetRef } from './target-ref';

describe('matching', () => {
  describe('selectsDataplane', () => {
    const table: [string, TargetRef, string[]][] = [
      ['Mesh selects every dataplane', { kind: 'Mesh' }, ['web-1', 'backend-1', 'api-1', 'grpc-client-1']],
      ['MeshService selects the dataplanes serving it', { kind: 'MeshService', name: 'backend' }, ['backend-1']],
      ['MeshService matches any inbound', { kind: 'MeshService', name: 'api-admin' }, ['api-1']],
      ['MeshSubset needs one inbound with every tag', { kind: 'MeshSubset', tags: { 'mycel.io/service': 'api', version: 'v3' } }, ['api-1']],
      ['MeshSubset does not combine tags of two inbounds', { kind: 'MeshSubset', tags: { 'mycel.io/service': 'api-admin', version: 'v3' } }, []],
      ['MeshSubset by a shared tag', { kind: 'MeshSubset', tags: { version: 'v1' } }, ['web-1', 'backend-1']],
      ['Dataplane by name', { kind: 'Dataplane', name: 'web-1' }, ['web-1']],
      ['Dataplane by resource labels (a proxyless client too)', { kind: 'Dataplane', labels: { team: 'web' } }, ['web-1', 'grpc-client-1']],
    ];
    for (const [name, ref, expected] of table) {
      it(name, () => assert.deepEqual([web1, backend1, api1, grpcClient1].filter((dp) => selectsDataplane(ref, dp)).map((dp) => dp.name), expected));
    }
  });

  it('selectsInbound looks at the one inbound for MeshService and MeshSubset, at the dataplane otherwise', () => {
    const [http, tcp] = api1.spec.networking.inbound ?? [];
    assert.ok(http && tcp);
    assert.equal(selectsInbound({ kind: 'MeshService', name: 'api-admin' }, api1, http.tags), false);
    assert.equal(selectsInbound({ kind: 'MeshService', name: 'api-admin' }, api1, tcp.tags), true);
    assert.equal(selectsInbound({ kind: 'MeshSubset', tags: { version: 'v3' } }, api1, tcp.tags), false);
    assert.equal(selectsInbound({ kind: 'Dataplane', name: 'api-1' }, api1, tcp.tags), true);
    assert.equal(selectsInbound({ kind: 'Mesh' }, api1, http.tags), true);
  });

  it('reads the origin label: only `global` is global', () => {
    assert.equal(originOf({ 'mycel.io/origin': 'global' }), 'global');
    assert.equal(originOf({ 'mycel.io/origin': 'zone' }), 'zone');
    assert.equal(originOf({}), 'zone');
  });

  it('reads a top-level targetRef leniently: absent is Mesh, malformed is undefined', () => {
    assert.deepEqual(topLevelTargetRef({ to: [] }), { kind: 'Mesh' });
    assert.deepEqual(topLevelTargetRef({ targetRef: { kind: 'MeshService', name: 'a' } }), { kind: 'MeshService', name: 'a' });
    assert.equal(topLevelTargetRef({ targetRef: { kind: 'Nope' } }), undefined);
    assert.deepEqual(topLevelTargetRef('not a spec'), { kind: 'Mesh' });
  });

  it('orders policies by specificity, then origin (global first), then name', () => {
    const ranked = (name: string, targetRef: TargetRef, origin?: string): RankedPolicy => ({
      resource: policy('MeshTimeout', name, {}, origin === undefined ? {} : { 'mycel.io/origin': origin }) as Resource,
      targetRef,
    });
    const input = [
      ranked('z-dp-name', { kind: 'Dataplane', name: 'web-1' }),
      ranked('b-mesh-zone', { kind: 'Mesh' }, 'zone'),
      ranked('a-mesh-zone', { kind: 'Mesh' }),
      ranked('z-mesh-global', { kind: 'Mesh' }, 'global'),
      ranked('a-dp-labels', { kind: 'Dataplane', labels: { team: 'web' } }),
      ranked('a-service', { kind: 'MeshService', name: 'web' }, 'global'),
      ranked('b-subset', { kind: 'MeshSubset', tags: { version: 'v1' } }),
      ranked('a-subset', { kind: 'MeshSubset', tags: { version: 'v1' } }),
    ];
    assert.deepEqual(
      sortPolicies(input).map((p) => p.resource.name),
      ['z-mesh-global', 'a-mesh-zone', 'b-mesh-zone', 'a-subset', 'b-subset', 'a-service', 'a-dp-labels', 'z-dp-name'],
    );
  });
});
