import assert from 'node:assert/strict';
import type { Resource } from '@mycel/core';
import { EncodingCache, SharedResources, assertConsistent, buildMeshContext, generateResources, toSnapshot } from '@mycel/xds';
import type { ProxyKind, Snapshot } from '@mycel/xds';
import fc from 'fast-check';
import { ALL_DATAPLANES, LOCAL_ZONE, MESH, policy, proxyOf } from '../test-support/fixtures.test-helper';
import { applyPolicies } from './pipeline';

/** `type name version` of every resource. */
function versions(snapshot: Snapshot): string[] {
  return [...snapshot.resources].flatMap(([typeUrl, resources]) => [...resources.values()].map((r) => `${typeUrl} ${r.name} ${r.version}`));
}

const durations = ['1s', '5s', '15s', '16s', '0s'] as const;

describe('policies on shared resources', () => {
  it('give the same bytes and versions with warm memos (shared edits across proxies and changes) as cold', () => {
    const templates = new SharedResources();
    const cache = new EncodingCache();
    const confArb = fc.record(
      {
        connectionTimeout: fc.constantFrom(...durations),
        idleTimeout: fc.constantFrom(...durations),
        http: fc.record({ requestTimeout: fc.constantFrom(...durations), streamIdleTimeout: fc.constantFrom(...durations), maxStreamDuration: fc.constantFrom(...durations) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    const specArb = fc.record({ meshWide: confArb, backend: fc.option(confArb, { nil: undefined }), from: fc.option(confArb, { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 3 }), (specs) => {
        // Several successive versions of the policy, as a changing MeshTimeout brings.
        for (const s of specs) {
          const policies: Resource[] = [
            policy('MeshTimeout', 'timeouts', {
              targetRef: { kind: 'Mesh' },
              to: [{ targetRef: { kind: 'Mesh' }, default: s.meshWide }, ...(s.backend ? [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: s.backend }] : [])],
              ...(s.from ? { from: [{ targetRef: { kind: 'Mesh' }, default: s.from }] } : {}),
            }),
          ];
          const warmCtx = buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE, { templates });
          for (const dp of ALL_DATAPLANES) {
            for (const kind of ['envoy', 'grpc'] as ProxyKind[]) {
              const run = (ctx: ReturnType<typeof buildMeshContext>, encoding: EncodingCache): Snapshot => {
                const set = generateResources(proxyOf(dp, kind), ctx);
                applyPolicies(set, proxyOf(dp, kind), ctx, policies);
                assertConsistent(set);
                return toSnapshot(set, encoding);
              };
              const cold = run(buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE), new EncodingCache());
              assert.deepEqual(versions(run(warmCtx, cache)), versions(cold), `${dp.name} as ${kind}`);
            }
          }
        }
      }),
      { numRuns: 10, seed: 7 },
    );
  });
});
