import assert from 'node:assert/strict';
import type { DataplaneSpec, Resource } from '@mycel/core';
import fc from 'fast-check';
import { clusterLoadAssignment } from './endpoints.generator';
import { LOCAL_ZONE, MESH, dataplane } from './fixtures.test-helper';
import { MeshContextBuilder } from './mesh-context-builder';
import type { LoadAssignmentInputs, MeshContext } from './proxy';
import { SharedResources, buildMeshContext } from './proxy';

const SERVICES = ['a', 'b', 'c', 'd'];
const PROTOCOLS = ['http', 'grpc', 'tcp', 'http2'];
const NAMES = ['dp-0', 'dp-1', 'dp-2', 'dp-3', 'dp-4', 'dp-5'];

/** A random dataplane: 0–2 inbounds of random services, protocols, readiness, zone (local, remote, or none), address (IP or DNS name). */
const dataplaneArb = fc
  .record({
    name: fc.constantFrom(...NAMES),
    zone: fc.constantFrom<string | undefined>(undefined, LOCAL_ZONE, 'zone-2', 'zone-3'),
    address: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3', 'host.example'),
    advertised: fc.constantFrom<string | undefined>(undefined, '192.168.0.9'),
    inbounds: fc.array(
      fc.record({
        service: fc.constantFrom(...SERVICES),
        protocol: fc.constantFrom(...PROTOCOLS),
        port: fc.integer({ min: 8000, max: 8003 }),
        ready: fc.constantFrom<boolean | undefined>(undefined, true, false),
        version: fc.constantFrom('v1', 'v2'),
      }),
      { maxLength: 2 },
    ),
    mesh: fc.constantFrom(MESH, MESH, MESH, 'other'),
  })
  .map(({ name, zone, address, advertised, inbounds, mesh }): Resource<DataplaneSpec> => {
    const spec: DataplaneSpec = {
      networking: {
        address,
        ...(advertised === undefined ? {} : { advertisedAddress: advertised }),
        inbound: inbounds.map((i, n) => ({
          port: i.port + n * 10,
          tags: { 'mycel.io/service': i.service, 'mycel.io/protocol': i.protocol, version: i.version },
          ...(i.ready === undefined ? {} : { health: { ready: i.ready } }),
        })),
      },
    };
    return { ...dataplane(name, spec, zone), mesh };
  });

const changeArb = fc.oneof(
  dataplaneArb.map((dp) => ({ op: 'set' as const, dp })),
  fc.constantFrom(...NAMES).map((name) => ({ op: 'delete' as const, name })),
);

/** What generation reads of a context, comparable with deepEqual (maps compare regardless of insertion order). */
function contentOf(ctx: MeshContext): unknown {
  return { mesh: ctx.mesh, localZone: ctx.localZone, endpoints: ctx.endpoints, protocols: ctx.protocols, services: ctx.services };
}

/** The ClusterLoadAssignment of every service and of a `version: v1` subset of each, built through `ctx`. */
function loadAssignmentsOf(ctx: MeshContext): unknown[] {
  return SERVICES.flatMap((service) => [clusterLoadAssignment(ctx, service, service, {}), clusterLoadAssignment(ctx, `${service}-v1`, service, { 'mycel.io/service': service, version: 'v1' })]);
}

describe('MeshContextBuilder', () => {
  it('equals a full rebuild after every step of random change sequences (endpoints, zones, readiness, protocols, meshes)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(changeArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), (batches) => {
        const inputs: LoadAssignmentInputs = new Map();
        const builder = new MeshContextBuilder(MESH, LOCAL_ZONE, new SharedResources(), inputs);
        const current = new Map<string, Resource<DataplaneSpec>>();
        for (const batch of batches) {
          for (const change of batch) {
            if (change.op === 'set') {
              current.set(change.dp.name, change.dp);
              if (change.dp.mesh === MESH) builder.set(change.dp);
              else builder.delete(change.dp.name); // it moved to another mesh
            } else {
              current.delete(change.name);
              builder.delete(change.name);
            }
          }
          const incremental = builder.context();
          const full = buildMeshContext(MESH, [...current.values()], LOCAL_ZONE);
          assert.deepEqual(contentOf(incremental), contentOf(full));
          // ClusterLoadAssignments carried over from the previous context must equal fresh ones.
          assert.deepEqual(loadAssignmentsOf(incremental), loadAssignmentsOf(full));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('returns the same context while nothing changed, and keeps the ClusterLoadAssignments of unchanged services', () => {
    const builder = new MeshContextBuilder(MESH, LOCAL_ZONE, new SharedResources(), new Map());
    const a = dataplane('a-1', { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'mycel.io/service': 'a' } }] } });
    const b = dataplane('b-1', { networking: { address: '10.0.0.2', inbound: [{ port: 8080, tags: { 'mycel.io/service': 'b' } }] } });
    builder.set(a);
    builder.set(b);
    const first = builder.context();
    assert.equal(builder.context(), first);
    const claA = clusterLoadAssignment(first, 'a', 'a', {});
    const claB = clusterLoadAssignment(first, 'b', 'b', {});
    builder.set({ ...b, spec: { networking: { address: '10.0.0.3', inbound: [{ port: 8080, tags: { 'mycel.io/service': 'b' } }] } } });
    const second = builder.context();
    assert.notEqual(second, first);
    assert.equal(clusterLoadAssignment(second, 'a', 'a', {}), claA);
    assert.notEqual(clusterLoadAssignment(second, 'b', 'b', {}), claB);
    assert.equal(second.services, first.services);
  });
});
