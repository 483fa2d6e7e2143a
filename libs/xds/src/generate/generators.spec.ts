import assert from 'node:assert/strict';
import { TypeUrl } from '../resource-types';
import { adminGenerator } from './admin.generator';
import { clusterLoadAssignment } from './endpoints.generator';
import { ALL_DATAPLANES, LOCAL_ZONE, MESH, dataplane, proxyOf } from './fixtures.test-helper';
import { generateSnapshot } from './generate';
import { grpcRejection } from './grpc-acceptance.test-helper';
import { inboundGenerator } from './inbound.generator';
import { outboundGenerator } from './outbound.generator';
import { buildMeshContext } from './proxy';
import { proxylessGenerator } from './proxyless.generator';
import { DuplicateResourceError } from './resource-set';

const ctx = buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE);
const tags = (service: string, protocol = 'http'): Record<string, string> => ({ 'mycel.io/service': service, 'mycel.io/protocol': protocol });

describe('generators', () => {
  it('inbound: inbounds forwarding to one service address and port share the local cluster', () => {
    const dp = dataplane('two', {
      networking: {
        address: '10.0.0.1',
        inbound: [
          { port: 8080, servicePort: 80, tags: tags('a') },
          { port: 8081, servicePort: 80, tags: tags('b') },
        ],
      },
    });
    const set = inboundGenerator.generate(ctx, proxyOf(dp));
    assert.deepEqual(set.names(TypeUrl.cluster), ['localhost:80']);
    assert.deepEqual(set.names(TypeUrl.listener), ['inbound:10.0.0.1:8080', 'inbound:10.0.0.1:8081']);
  });

  it('inbound: one service port on two service addresses is a name collision', () => {
    const dp = dataplane('clash', {
      networking: {
        address: '10.0.0.1',
        inbound: [
          { port: 8080, servicePort: 80, serviceAddress: '127.0.0.2', tags: tags('a') },
          { port: 8081, servicePort: 80, tags: tags('b') },
        ],
      },
    });
    assert.throws(() => inboundGenerator.generate(ctx, proxyOf(dp)), DuplicateResourceError);
  });

  it('outbound: outbounds to one destination share its cluster and route configuration', () => {
    const dp = dataplane('o', {
      networking: {
        address: '10.0.0.1',
        inbound: [{ port: 8080, tags: tags('o') }],
        outbound: [
          { port: 10001, tags: tags('backend') },
          { port: 10002, tags: tags('backend') },
        ],
      },
    });
    const set = outboundGenerator.generate(ctx, proxyOf(dp));
    assert.deepEqual(set.names(TypeUrl.cluster), ['backend']);
    assert.deepEqual(set.names(TypeUrl.route), ['outbound:backend']);
    assert.deepEqual(set.names(TypeUrl.listener), ['outbound:127.0.0.1:10001', 'outbound:127.0.0.1:10002']);
  });

  it('admin: exposed on the dataplane address, not for loopback or DNS addresses', () => {
    const on = (address: string): string[] => {
      const dp = dataplane('a', { networking: { address, admin: { port: 9000 }, inbound: [{ port: 8080, tags: tags('a') }] } });
      const set = adminGenerator.generate(ctx, proxyOf(dp));
      return set.entries().map((e) => `${e.name}@${JSON.stringify((e.message['address'] as Record<string, unknown> | undefined) ?? (e.message['load_assignment'] as Record<string, unknown>)['endpoints'])}`);
    };
    assert.equal(on('10.0.0.1').length, 2);
    assert.match(on('10.0.0.1')[1] ?? '', /^mycel:envoy:admin@.*"10\.0\.0\.1".*9000/);
    assert.deepEqual(on('127.0.0.1'), []);
    assert.deepEqual(on('::1'), []);
    assert.deepEqual(on('vm.example.com'), []);
  });

  it('endpoints: builds each ClusterLoadAssignment once per mesh context and freezes it', () => {
    const a = clusterLoadAssignment(ctx, 'backend', 'backend', {});
    assert.equal(clusterLoadAssignment(ctx, 'backend', 'backend', {}), a);
    assert.ok(Object.isFrozen(a));
  });

  it('proxyless: one wildcard listener per port, IPv6 inbounds in brackets, all accepted by grpc-js-xds', () => {
    const dp = dataplane('s', {
      networking: {
        address: '10.0.0.1',
        inbound: [
          { port: 50051, tags: tags('a', 'grpc') },
          { port: 50051, address: '10.0.0.2', tags: tags('b', 'grpc') },
          { port: 50052, address: 'fd00::1', tags: tags('c', 'grpc') },
        ],
        outbound: [{ port: 1, tags: tags('echo') }],
      },
    });
    const set = proxylessGenerator.generate(ctx, proxyOf(dp, 'grpc'));
    assert.deepEqual(set.names(TypeUrl.listener), [
      'echo',
      'grpc/server?xds.resource.listening_address=0.0.0.0:50051',
      'grpc/server?xds.resource.listening_address=10.0.0.1:50051',
      'grpc/server?xds.resource.listening_address=10.0.0.2:50051',
      'grpc/server?xds.resource.listening_address=[::]:50052',
      'grpc/server?xds.resource.listening_address=[fd00::1]:50052',
    ]);
    const snapshot = generateSnapshot(proxyOf(dp, 'grpc'), buildMeshContext(MESH, [...ALL_DATAPLANES, dp], LOCAL_ZONE));
    for (const byName of snapshot.resources.values()) for (const r of byName.values()) assert.equal(grpcRejection(r), undefined, r.name);
  });
});
