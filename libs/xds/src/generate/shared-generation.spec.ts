import assert from 'node:assert/strict';
import type { DataplaneSpec, Resource } from '@mycel/core';
import fc from 'fast-check';
import type { Snapshot } from '../resource-types';
import { PUSH_ORDER, TypeUrl } from '../resource-types';
import { EncodingCache, isSharedResource } from './encoding-cache';
import { patchLoadAssignments } from './endpoints-patch';
import { LOCAL_ZONE, MESH, dataplane, proxyOf } from './fixtures.test-helper';
import { generateSnapshot } from './generate';
import type { LoadAssignmentInputs, ProxyKind } from './proxy';
import { SharedResources, buildMeshContext } from './proxy';
import { ResourceSet } from './resource-set';

/** `type name version` of every resource, in push order. */
function versions(snapshot: Snapshot): string[] {
  return PUSH_ORDER.flatMap((typeUrl) => [...(snapshot.resources.get(typeUrl) ?? new Map()).values()].map((r) => `${typeUrl.slice(typeUrl.lastIndexOf('.') + 1)} ${r.name} ${r.version}`));
}

/** Every resource's bytes, base64, in push order. */
function bytes(snapshot: Snapshot): string[] {
  return PUSH_ORDER.flatMap((typeUrl) => [...(snapshot.resources.get(typeUrl) ?? new Map()).values()].map((r) => r.any.value.toString('base64')));
}

const svc = (service: string, protocol: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'mycel.io/service': service, 'mycel.io/protocol': protocol, ...extra });

function backend(name: string, service: string, address: string, port = 8080, protocol = 'http'): Resource<DataplaneSpec> {
  return dataplane(name, { networking: { address, inbound: [{ port, tags: svc(service, protocol, { version: name.endsWith('2') ? 'v2' : 'v1' }) }] } });
}

function client(name: string, address: string, calls: Array<{ service: string; version?: string }>): Resource<DataplaneSpec> {
  return dataplane(name, {
    networking: {
      address,
      inbound: [{ port: 7000, tags: svc(`${name}-svc`, 'http') }],
      outbound: calls.map((c, i) => ({ port: 10001 + i, tags: { 'mycel.io/service': c.service, ...(c.version === undefined ? {} : { version: c.version }) } })),
    },
  });
}

describe('generation with shared, input-keyed resources', () => {
  it('shares the generated listeners, clusters and routes of equal inputs between proxies', () => {
    const dps = [backend('api-1', 'api', '10.0.0.1'), client('c-1', '10.0.1.1', [{ service: 'api' }]), client('c-2', '10.0.1.2', [{ service: 'api' }])];
    const ctx = buildMeshContext(MESH, dps, LOCAL_ZONE);
    const cache = new EncodingCache();
    const a = generateSnapshot(proxyOf(dps[1] as Resource<DataplaneSpec>), ctx, { cache });
    const b = generateSnapshot(proxyOf(dps[2] as Resource<DataplaneSpec>), ctx, { cache });
    for (const typeUrl of [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.route]) {
      for (const name of ['api', 'outbound:api']) {
        const ra = a.resources.get(typeUrl)?.get(name);
        if (ra !== undefined) assert.equal(ra, b.resources.get(typeUrl)?.get(name), `${typeUrl} ${name} is one object`);
      }
    }
    assert.equal(a.resources.get(TypeUrl.listener)?.get('outbound:127.0.0.1:10001'), b.resources.get(TypeUrl.listener)?.get('outbound:127.0.0.1:10001'));
    const templates = new SharedResources();
    const set = new ResourceSet();
    set.add(TypeUrl.cluster, templates.get('k', () => ({ name: 'x', type: 'EDS' })));
    assert.ok(isSharedResource(set.get(TypeUrl.cluster, 'x') as object));
    assert.equal(templates.builds, 1);
  });

  it('patches only the ClusterLoadAssignments of the changed service; everything else keeps its object and version', () => {
    const before = [backend('api-1', 'api', '10.0.0.1'), backend('api-2', 'api', '10.0.0.2'), backend('db-1', 'db', '10.0.0.9', 5432, 'tcp')];
    const c = client('c-1', '10.0.1.1', [{ service: 'api' }, { service: 'api', version: 'v2' }, { service: 'db' }]);
    const loadAssignments: LoadAssignmentInputs = new Map();
    const templates = new SharedResources();
    const cache = new EncodingCache();
    const ctx1 = buildMeshContext(MESH, [...before, c], LOCAL_ZONE, { templates, loadAssignments });
    const old = generateSnapshot(proxyOf(c), ctx1, { cache });
    const after = [backend('api-1', 'api', '10.0.0.1'), backend('api-2', 'api', '10.0.0.22'), before[2] as Resource<DataplaneSpec>];
    const ctx2 = buildMeshContext(MESH, [...after, c], LOCAL_ZONE, { templates, loadAssignments });
    const misses = cache.misses;
    const patched = patchLoadAssignments(old, ctx2, new Set(['api']), cache);
    assert.ok(patched);
    const cold = generateSnapshot(proxyOf(c), buildMeshContext(MESH, [...after, c], LOCAL_ZONE), { cache: new EncodingCache() });
    assert.deepEqual(versions(patched), versions(cold), 'the same as a full generation');
    assert.deepEqual(bytes(patched), bytes(cold));
    for (const typeUrl of [TypeUrl.cluster, TypeUrl.listener, TypeUrl.route, TypeUrl.secret]) assert.equal(patched.resources.get(typeUrl), old.resources.get(typeUrl), `${typeUrl} untouched`);
    const eds = patched.resources.get(TypeUrl.endpoint);
    assert.equal(eds?.get('db'), old.resources.get(TypeUrl.endpoint)?.get('db'), 'db endpoints untouched');
    assert.notEqual(eds?.get('api')?.version, old.resources.get(TypeUrl.endpoint)?.get('api')?.version);
    assert.equal(cache.misses - misses, 2, 'api and its v2 subset encoded once each');
    // A second proxy gets the very same objects: built and encoded once per context.
    assert.equal(patchLoadAssignments(old, ctx2, new Set(['api']), cache)?.resources.get(TypeUrl.endpoint)?.get('api'), eds?.get('api'));
    assert.equal(cache.misses - misses, 2);
    assert.equal(patchLoadAssignments(old, ctx2, new Set(['other']), cache), old, 'nothing to patch');
    assert.equal(patchLoadAssignments(old, buildMeshContext(MESH, after, LOCAL_ZONE), new Set(['api']), cache), undefined, 'unknown inputs: regenerate instead');
  });

  it('gives the same bytes and versions with warm caches as a cold generation (random meshes)', () => {
    const protocols = ['http', 'http2', 'grpc', 'tcp'] as const;
    const instanceArb = fc.record({ host: fc.integer({ min: 1, max: 40 }), port: fc.constantFrom(8080, 8081, 9090), ready: fc.boolean(), v2: fc.boolean(), zone: fc.constantFrom(undefined, 'zone-2') });
    const meshArb = fc.record({
      services: fc.array(fc.record({ protocol: fc.constantFrom(...protocols), later: fc.constantFrom(...protocols), instances: fc.array(instanceArb, { minLength: 0, maxLength: 3 }) }), { minLength: 1, maxLength: 5 }),
      clients: fc.array(fc.record({ kind: fc.constantFrom<ProxyKind>('envoy', 'grpc'), host: fc.integer({ min: 41, max: 60 }), calls: fc.array(fc.record({ service: fc.nat(6), v2: fc.boolean() }), { maxLength: 4 }) }), { minLength: 1, maxLength: 4 }),
    });
    // Long-lived, small (evictions happen), shared by every run: as the reconciler keeps them.
    const templates = new SharedResources(64);
    const cache = new EncodingCache({ maxEntries: 256 });
    const loadAssignments: LoadAssignmentInputs = new Map();
    fc.assert(
      fc.property(meshArb, ({ services, clients }) => {
        const backends = (later: boolean): Array<Resource<DataplaneSpec>> =>
          services.flatMap((s, i) =>
            s.instances.map((inst, j) =>
              dataplane(
                `s${i}-${j}`,
                { networking: { address: `10.0.${i}.${inst.host}`, inbound: [{ port: inst.port, tags: svc(`s${i}`, later ? s.later : s.protocol, inst.v2 ? { version: 'v2' } : {}), health: { ready: inst.ready } }] } },
                inst.zone,
              ),
            ),
          );
        // The same client objects in both states, as the reconciler's index keeps an unchanged dataplane.
        const proxies = clients.map((c, i) => ({
          kind: c.kind,
          dp: dataplane(`c${i}`, {
            networking: {
              address: `10.9.0.${c.host}`,
              inbound: [{ port: 7000 + i, tags: svc(`c${i}`, 'grpc') }],
              outbound: c.calls.map((call, k) => ({ port: 20000 + k, tags: { 'mycel.io/service': `s${call.service}`, ...(call.v2 ? { version: 'v2' } : {}) } })),
            },
          }),
        }));
        for (const later of [false, true]) {
          const all = [...backends(later), ...proxies.map((p) => p.dp)];
          const warmCtx = buildMeshContext(MESH, all, LOCAL_ZONE, { templates, loadAssignments });
          for (const p of proxies) {
            const warm = generateSnapshot(proxyOf(p.dp, p.kind), warmCtx, { cache });
            const cold = generateSnapshot(proxyOf(p.dp, p.kind), buildMeshContext(MESH, all, LOCAL_ZONE), { cache: new EncodingCache() });
            assert.deepEqual(versions(warm), versions(cold));
            assert.deepEqual(bytes(warm), bytes(cold));
          }
        }
      }),
      { numRuns: 80, seed: 20261121 },
    );
  });
});
