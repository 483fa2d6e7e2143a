import assert from 'node:assert/strict';
import { TypeRegistry, createCoreRegistry } from '@mycel/core';
import { TypeUrl, checkConsistency, generateResources } from '@mycel/xds';
import { ALL_DATAPLANES, grpcClient1, meshContext, policy, proxyOf, web1 } from '../test-support/fixtures.test-helper';
import { affectedByPolicy, applyPolicies } from './pipeline';
import { POLICY_PLUGINS, registerPolicyTypes } from './registry';

const route = (name: string, targetRef: unknown, labels: Record<string, string> = {}) =>
  policy('MeshHTTPRoute', name, { targetRef, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ matches: [{}], default: {} }] }] }, labels);

describe('pipeline', () => {
  describe('affectedByPolicy', () => {
    const table: [string, ReturnType<typeof policy> | undefined, ReturnType<typeof policy> | undefined, string[]][] = [
      ['a new Mesh-wide policy affects every dataplane of the mesh', undefined, route('r', { kind: 'Mesh' }), ALL_DATAPLANES.map((d) => d.name).sort()],
      ['a deleted MeshService policy affects that service’s dataplanes', route('r', { kind: 'MeshService', name: 'backend' }), undefined, ['backend-1', 'backend-2', 'backend-3']],
      [
        'a retargeted policy affects the old and the new selection',
        route('r', { kind: 'Dataplane', name: 'web-1' }),
        route('r', { kind: 'MeshSubset', tags: { version: 'v2' } }),
        ['backend-2', 'backend-3', 'echo-2', 'web-1'],
      ],
      ['a policy selecting by labels affects proxyless clients too', undefined, route('r', { kind: 'Dataplane', labels: { team: 'web' } }), ['grpc-client-1', 'web-1']],
      ['an unchanged spec and labels affect nothing', route('r', { kind: 'Mesh' }), { ...route('r', { kind: 'Mesh' }), version: '2' }, []],
      ['a changed origin label reorders merges: it affects the selection', route('r', { kind: 'Dataplane', name: 'web-1' }), route('r', { kind: 'Dataplane', name: 'web-1' }, { 'mycel.io/origin': 'global' }), ['web-1']],
      ['an unparsable targetRef counts as selecting the whole mesh', undefined, route('r', { kind: 'Nope' }), ALL_DATAPLANES.map((d) => d.name).sort()],
      ['a policy of another mesh affects none of these', undefined, policy('MeshTimeout', 't', { to: [] }, {}, 'other'), []],
      ['a type no plugin handles affects nothing', undefined, policy('MeshRetry', 'x', { targetRef: { kind: 'Mesh' } }), []],
      ['nothing before and after', undefined, undefined, []],
    ];
    for (const [name, before, after, expected] of table) it(name, () => assert.deepEqual(affectedByPolicy(before, after, ALL_DATAPLANES), expected));
  });

  describe('applyPolicies', () => {
    it('changes nothing without policies and returns the rules it applied', () => {
      const ctx = meshContext();
      const proxy = proxyOf(web1);
      const set = generateResources(proxy, ctx);
      const before = JSON.stringify(set.entries());
      const rules = applyPolicies(set, proxy, ctx, []);
      assert.equal(JSON.stringify(set.entries()), before);
      assert.equal(rules.dataplane, 'web-1');
    });

    it('never changes resources shared with other proxies (copy on write)', () => {
      const ctx = meshContext();
      const cla = () => JSON.stringify(generateResources(proxyOf(grpcClient1, 'grpc'), ctx).get(TypeUrl.endpoint, 'echo'));
      const pristine = cla();
      const proxy = proxyOf(grpcClient1, 'grpc');
      const set = generateResources(proxy, ctx);
      applyPolicies(set, proxy, ctx, [
        policy('MeshHTTPRoute', 'r', {
          to: [{ targetRef: { kind: 'MeshService', name: 'echo' }, rules: [{ matches: [{}], default: { backendRefs: [{ kind: 'MeshServiceSubset', name: 'echo', tags: { version: 'v2' } }] } }] }],
        }),
        policy('MeshTimeout', 't', { to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: '1s', http: { requestTimeout: '1s' } } }] }),
      ]);
      assert.deepEqual(checkConsistency(set), []);
      assert.equal(cla(), pristine);
      assert.ok(set.has(TypeUrl.endpoint, 'echo-0923c04472'));
    });
  });

  describe('registry', () => {
    it('runs routing before timeouts', () => assert.deepEqual(POLICY_PLUGINS.map((p) => p.descriptor.name), ['MeshHTTPRoute', 'MeshTimeout']));

    it('registers every policy type idempotently, reachable by Kuma’s plurals', () => {
      const registry = createCoreRegistry();
      registerPolicyTypes(registry);
      registerPolicyTypes(registry);
      assert.equal(registry.byPlural('meshtimeouts')?.name, 'MeshTimeout');
      assert.equal(registry.byPlural('meshhttproutes')?.name, 'MeshHTTPRoute');
      for (const plugin of POLICY_PLUGINS) {
        const d = plugin.descriptor;
        assert.equal(d.isPolicy, true);
        assert.equal(d.scope, 'mesh');
        assert.deepEqual(d.kds, { globalToZone: true, zoneToGlobal: true, acrossZones: false });
        assert.equal(d.readOnly, false);
        assert.equal(d.sensitive, false);
        assert.ok(Object.isFrozen(d));
      }
      assert.doesNotThrow(() => registerPolicyTypes(new TypeRegistry()));
    });
  });
});
