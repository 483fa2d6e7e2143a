import assert from 'node:assert/strict';
import type { DataplaneSpec, Resource } from '@mycel/core';
import { EncodingCache, SharedResources, assertConsistent, buildMeshContext, generateResources, toSnapshot } from '@mycel/xds';
import type { MeshContext, ProxyKind, Snapshot } from '@mycel/xds';
import fc from 'fast-check';
import { ALL_DATAPLANES, LOCAL_ZONE, MESH, policy, proxyOf } from '../test-support/fixtures.test-helper';
import { applyPolicies } from './pipeline';
import type { PolicyPlugin } from './plugin';
import { POLICY_PLUGINS } from './registry';

/** Every resource's type, name and bytes (base64). */
function bytes(snapshot: Snapshot): string[] {
  return [...snapshot.resources].flatMap(([typeUrl, resources]) => [...resources.values()].map((r) => `${typeUrl} ${r.name} ${r.any.value.toString('base64')}`));
}

/** The real plugins, counting their `apply` calls by type. */
function countingPlugins(): { plugins: readonly PolicyPlugin[]; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const plugins = POLICY_PLUGINS.map(
    (p): PolicyPlugin => ({
      ...p,
      apply(...args) {
        counts.set(p.descriptor.name, (counts.get(p.descriptor.name) ?? 0) + 1);
        p.apply(...args);
      },
    }),
  );
  return { plugins, counts };
}

const timeout = (requestTimeout: string, name = 'timeouts'): Resource =>
  policy('MeshTimeout', name, { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout } } }] });

const route = (header: string, backend: 'subset' | 'other'): Resource =>
  policy('MeshHTTPRoute', 'route', {
    targetRef: { kind: 'Mesh' },
    to: [
      {
        targetRef: { kind: 'MeshService', name: 'backend' },
        rules: [
          {
            matches: [{ headers: [{ name: header, value: 'true' }] }],
            default: { backendRefs: [backend === 'subset' ? { kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v2' } } : { kind: 'MeshService', name: 'backend-next' }] },
          },
        ],
      },
    ],
  });

/** Generation + policies + encoding of `dp` through `ctx`, as the reconciler does it. */
function generate(dp: Resource<DataplaneSpec>, kind: ProxyKind, ctx: MeshContext, policies: readonly Resource[], plugins: readonly PolicyPlugin[], cache: EncodingCache): Snapshot {
  const proxy = { ...proxyOf(dp, kind), dataplane: dp };
  const set = generateResources(proxy, ctx);
  applyPolicies(set, proxy, ctx, policies, plugins);
  assertConsistent(set);
  return toSnapshot(set, cache);
}

/** The same from scratch: a copy of the Dataplane object (no memo knows it), a new context, plugins and cache. */
function cold(dp: Resource<DataplaneSpec>, kind: ProxyKind, policies: readonly Resource[]): Snapshot {
  const copy = structuredClone(dp);
  const ctx = buildMeshContext(MESH, ALL_DATAPLANES.map((d) => (d.name === dp.name ? copy : d)), LOCAL_ZONE);
  return generate(copy, kind, ctx, policies, [...POLICY_PLUGINS], new EncodingCache());
}

describe('incremental policy application', () => {
  const web = ALL_DATAPLANES.find((d) => d.name === 'web-1') as Resource<DataplaneSpec>;

  it('re-applies only the plugin of the changed type (and those after it whose input changed)', () => {
    const { plugins, counts } = countingPlugins();
    const ctx = buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE, { templates: new SharedResources() });
    const cache = new EncodingCache();
    // The index hands the same object for an unchanged policy.
    const routeA = route('x-a', 'subset');
    let policies = [routeA, timeout('15s')];
    generate(web, 'envoy', ctx, policies, plugins, cache);
    assert.deepEqual(Object.fromEntries(counts), { MeshHTTPRoute: 1, MeshTimeout: 1 });

    // Nothing changed: nothing is applied again.
    generate(web, 'envoy', ctx, policies, plugins, cache);
    assert.deepEqual(Object.fromEntries(counts), { MeshHTTPRoute: 1, MeshTimeout: 1 });

    // A MeshTimeout change: MeshHTTPRoute is not run again.
    policies = [routeA, timeout('16s')];
    const afterTimeout = generate(web, 'envoy', ctx, policies, plugins, cache);
    assert.deepEqual(Object.fromEntries(counts), { MeshHTTPRoute: 1, MeshTimeout: 2 });
    assert.deepEqual(bytes(afterTimeout), bytes(cold(web, 'envoy', policies)));

    // A MeshHTTPRoute change: it runs, and MeshTimeout runs again because the routes it edits changed.
    const routeB = route('x-b', 'other');
    const timeout16 = policies[1] as Resource;
    policies = [routeB, timeout16];
    const afterRoute = generate(web, 'envoy', ctx, policies, plugins, cache);
    assert.deepEqual(Object.fromEntries(counts), { MeshHTTPRoute: 2, MeshTimeout: 3 });
    assert.deepEqual(bytes(afterRoute), bytes(cold(web, 'envoy', policies)));

    // A new MeshTimeout object whose rules for this proxy are the same (same spec): replayed, not applied.
    policies = [routeB, { ...timeout16, version: '9' }];
    generate(web, 'envoy', ctx, policies, plugins, cache);
    assert.deepEqual(Object.fromEntries(counts), { MeshHTTPRoute: 2, MeshTimeout: 3 });
  });

  it('gives, after any sequence of policy changes, the bytes of a cold generation', () => {
    const templates = new SharedResources();
    const cache = new EncodingCache();
    const plugins = [...POLICY_PLUGINS];
    const stepArb = fc.record({
      timeout: fc.option(fc.constantFrom('1s', '15s', '16s'), { nil: undefined }),
      second: fc.option(fc.constantFrom('2s', '15s'), { nil: undefined }),
      route: fc.option(fc.record({ header: fc.constantFrom('x-a', 'x-b'), backend: fc.constantFrom<'subset' | 'other'>('subset', 'other') }), { nil: undefined }),
      // An endpoint change makes a new context (as a batch with a Dataplane change does).
      newContext: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 6 }), (steps) => {
        let ctx = buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE, { templates });
        for (const step of steps) {
          if (step.newContext) ctx = buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE, { templates });
          const policies: Resource[] = [
            ...(step.route ? [route(step.route.header, step.route.backend)] : []),
            ...(step.timeout ? [timeout(step.timeout)] : []),
            ...(step.second ? [timeout(step.second, 'more')] : []),
          ];
          for (const dp of ALL_DATAPLANES) {
            for (const kind of ['envoy', 'grpc'] as ProxyKind[]) {
              assert.deepEqual(bytes(generate(dp, kind, ctx, policies, plugins, cache)), bytes(cold(dp, kind, policies)), `${dp.name} as ${kind}`);
            }
          }
        }
      }),
      { numRuns: 15, seed: 11 },
    );
  });
});
