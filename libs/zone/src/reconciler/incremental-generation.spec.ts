import assert from 'node:assert/strict';
import type { DataplaneSpec, MeshSpec, Resource, ResourceInput } from '@mycel/core';
import { createCoreRegistry } from '@mycel/core';
import { affectedByPolicy, applyPolicies, computeRules, registerPolicyTypes } from '@mycel/policies';
import { MemoryStore } from '@mycel/store';
import { EncodingCache, SnapshotCache, assertConsistent, buildMeshContext, generateResources, toSnapshot } from '@mycel/xds';
import type { ProxyKind, Snapshot } from '@mycel/xds';
import fc from 'fast-check';
import type { PolicyEngine } from './policy-engine';
import { XdsReconciler } from './xds-reconciler';

const ZONE = 'zone-1';
const MESH = 'm1';

/** The policy plugins of `@mycel/policies`, as zone-cp wires them. */
const POLICIES: PolicyEngine = {
  apply: (set, proxy, ctx, policies) => void applyPolicies(set, proxy, ctx, policies),
  affected: (before, after, dataplanes) => affectedByPolicy(before, after, dataplanes),
  rules: (dataplane, ctx, policies) => computeRules(dataplane, ctx, policies),
};

const tags = (service: string, protocol: string, version = 'v1'): Record<string, string> => ({ 'mycel.io/service': service, 'mycel.io/protocol': protocol, version });

function backend(name: string, service: string, protocol: string, address: string, port: number, ready: boolean, zone?: string): ResourceInput<DataplaneSpec> {
  return {
    type: 'Dataplane',
    mesh: MESH,
    name,
    labels: zone === undefined ? {} : { 'mycel.io/zone': zone },
    spec: { networking: { address, inbound: [{ port, tags: tags(service, protocol, name.endsWith('2') ? 'v2' : 'v1'), ...(ready ? {} : { health: { ready: false } }) }] } },
  };
}

function client(name: string, calls: string[]): ResourceInput<DataplaneSpec> {
  return {
    type: 'Dataplane',
    mesh: MESH,
    name,
    labels: {},
    spec: {
      networking: {
        address: '10.9.0.1',
        inbound: [{ port: 7000, tags: tags(`${name}-svc`, 'http') }],
        ...(calls.length > 0 ? { outbound: calls.map((service, i) => ({ port: 10001 + i, tags: { 'mycel.io/service': service } })) } : {}),
      },
    },
  };
}

const timeout = (requestTimeout: string): ResourceInput => ({
  type: 'MeshTimeout',
  mesh: MESH,
  name: 'timeouts',
  labels: {},
  spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout } } }] },
});

const route = (header: string): ResourceInput => ({
  type: 'MeshHTTPRoute',
  mesh: MESH,
  name: 'route',
  labels: {},
  spec: {
    targetRef: { kind: 'Mesh' },
    to: [
      {
        targetRef: { kind: 'MeshService', name: 'web' },
        rules: [{ matches: [{ headers: [{ name: header, value: 'true' }] }], default: { backendRefs: [{ kind: 'MeshServiceSubset', name: 'web', tags: { version: 'v2' } }] } }],
      },
    ],
  },
});

type Change =
  | { readonly op: 'backend'; readonly name: string; readonly address: string; readonly port: number; readonly ready: boolean; readonly protocol: string; readonly zone: string | undefined }
  | { readonly op: 'delete-backend'; readonly name: string }
  | { readonly op: 'timeout'; readonly value: string | undefined }
  | { readonly op: 'route'; readonly header: string | undefined };

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({
    op: fc.constant('backend' as const),
    name: fc.constantFrom('web-1', 'web-2', 'web-3', 'db-1'),
    address: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.7'),
    port: fc.constantFrom(8080, 8082),
    ready: fc.boolean(),
    protocol: fc.constantFrom('http', 'http', 'grpc', 'tcp'),
    zone: fc.constantFrom<string | undefined>(undefined, undefined, 'zone-2'),
  }),
  fc.record({ op: fc.constant('delete-backend' as const), name: fc.constantFrom('web-1', 'web-2', 'web-3', 'db-1') }),
  fc.record({ op: fc.constant('timeout' as const), value: fc.constantFrom<string | undefined>(undefined, '1s', '15s', '16s') }),
  fc.record({ op: fc.constant('route' as const), header: fc.constantFrom<string | undefined>(undefined, 'x-a', 'x-b') }),
);

/** Whether the store holds `key` (its `get` throws NotFoundError otherwise). */
function has(store: MemoryStore, key: Parameters<MemoryStore['get']>[0]): Promise<boolean> {
  return store.get(key).then(
    () => true,
    () => false,
  );
}

/** Every resource's type, name, version and bytes. */
function bytes(snapshot: Snapshot): string[] {
  return [...snapshot.resources].flatMap(([typeUrl, resources]) => [...resources.values()].map((r) => `${typeUrl} ${r.name} ${r.version} ${r.any.value.toString('base64')}`));
}

describe('XdsReconciler: incremental generation', () => {
  it('serves, after any sequence of endpoint, Dataplane and policy changes, the bytes of a cold generation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(changeArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }), async (batches) => {
        const store = new MemoryStore();
        const registry = createCoreRegistry();
        registerPolicyTypes(registry);
        const meshResource = (await store.create({ type: 'Mesh', name: MESH, labels: {}, spec: {} })) as Resource<MeshSpec>;
        await store.create(backend('web-1', 'web', 'http', '10.0.0.1', 8080, true));
        await store.create(backend('web-2', 'web', 'http', '10.0.0.2', 8080, true));
        await store.create(client('web-client', ['web', 'db']));
        await store.create(client('db-client', ['db']));
        await store.create(client('any-client', []));
        const cache = new SnapshotCache();
        const reconciler = new XdsReconciler({ store, registry, cache, zone: ZONE, policies: POLICIES, encodingCache: new EncodingCache(), debounceMs: 3_600_000 });
        await reconciler.start();
        const kinds = new Map<string, ProxyKind>([
          ['web-client', 'envoy'],
          ['db-client', 'envoy'],
          ['any-client', 'grpc'],
          ['web-1', 'envoy'],
        ]);
        for (const [name, kind] of kinds) reconciler.connect(`${MESH}.${name}`, kind);
        reconciler.flush();
        try {
          for (const batch of batches) {
            for (const change of batch) {
              if (change.op === 'backend') {
                const service = change.name.startsWith('web') ? 'web' : 'db';
                // web-1 is connected: it stays in this zone (another zone's dataplane is never served here).
                const input = backend(change.name, service, change.protocol, change.address, change.port, change.ready, change.name === 'web-1' ? undefined : change.zone);
                if (await has(store, { type: 'Dataplane', mesh: MESH, name: change.name })) await store.update(input);
                else await store.create(input);
              } else if (change.op === 'delete-backend') {
                if (change.name !== 'web-1' && (await has(store, { type: 'Dataplane', mesh: MESH, name: change.name }))) await store.delete({ type: 'Dataplane', mesh: MESH, name: change.name });
              } else {
                const input = change.op === 'timeout' ? (change.value === undefined ? undefined : timeout(change.value)) : change.header === undefined ? undefined : route(change.header);
                const key = { type: change.op === 'timeout' ? 'MeshTimeout' : 'MeshHTTPRoute', mesh: MESH, name: change.op === 'timeout' ? 'timeouts' : 'route' };
                const exists = await has(store, key);
                if (input === undefined) {
                  if (exists) await store.delete(key);
                } else if (exists) await store.update(input);
                else await store.create(input);
              }
            }
            await reconciler.synced();
            reconciler.flush();
            // Cold: a new context over every Dataplane, new copies (no memo knows them), a new encoding cache.
            const dataplanes = (await store.list({ type: 'Dataplane', mesh: MESH })).items.map((d) => structuredClone(d) as Resource<DataplaneSpec>);
            const policies = [...(await store.list({ type: 'MeshHTTPRoute', mesh: MESH })).items, ...(await store.list({ type: 'MeshTimeout', mesh: MESH })).items].map((p) => structuredClone(p));
            const ctx = buildMeshContext(MESH, dataplanes, ZONE);
            for (const [name, kind] of kinds) {
              const dataplane = dataplanes.find((d) => d.name === name) as Resource<DataplaneSpec>;
              const proxy = { dataplane, mesh: meshResource, zone: ZONE, kind };
              const set = generateResources(proxy, ctx);
              applyPolicies(set, proxy, ctx, policies);
              assertConsistent(set);
              const served = cache.get(`${MESH}.${name}`);
              assert.ok(served, `${name} has a snapshot`);
              assert.deepEqual(bytes(served), bytes(toSnapshot(set, new EncodingCache())), `${name} as ${kind}`);
            }
          }
        } finally {
          await reconciler.stop();
          await store.close();
        }
      }),
      { numRuns: 25, seed: 5 },
    );
  });
});
