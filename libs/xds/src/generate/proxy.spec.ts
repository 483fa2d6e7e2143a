import assert from 'node:assert/strict';
import type { Protocol } from '@mycel/core';
import { ProxyContextError, assertSameMesh, buildMeshContext, commonProtocol, outboundDestinations, resolvedInbounds } from './proxy';
import { ALL_DATAPLANES, LOCAL_ZONE, MESH, dataplane, frontend1, meshResource, proxyOf, redis1 } from './fixtures.test-helper';

describe('buildMeshContext', () => {
  const ctx = buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE);

  it('lists every service and its ready endpoints, by zone, address and port', () => {
    assert.deepEqual(ctx.services, ['backend', 'cross-zone', 'echo', 'frontend', 'ipv6-web', 'redis', 'remote-only', 'web']);
    assert.deepEqual(
      ctx.endpoints.get('backend')?.map((e) => [e.zone, e.address, e.port, e.dataplane]),
      [
        ['zone-1', '10.0.0.2', 8080, 'backend-1'],
        ['zone-1', '10.0.0.3', 8080, 'backend-2'],
        ['zone-2', '10.1.0.4', 8080, 'backend-4'],
        // advertisedAddress wins over the address; backend-3 is not ready.
        ['zone-3', '10.2.0.5', 8080, 'backend-5'],
      ],
    );
    assert.equal(ctx.endpoints.get('ipv6-web')?.[0]?.address, 'fd00::5');
  });

  it('ignores other meshes, keeps services with no ready endpoint, and skips DNS addresses', () => {
    const other = { ...dataplane('x', { networking: { address: '10.9.9.9', inbound: [{ port: 1, tags: { 'mycel.io/service': 'backend' } }] } }), mesh: 'other' };
    const down = dataplane('down', { networking: { address: '10.9.9.8', inbound: [{ port: 1, tags: { 'mycel.io/service': 'down' }, health: { ready: false } }] } });
    const named = dataplane('named', { networking: { address: 'vm-1.example.com', inbound: [{ port: 1, tags: { 'mycel.io/service': 'named' } }] } });
    const c = buildMeshContext(MESH, [other, down, named], 'z');
    assert.deepEqual(c.services, ['down', 'named']);
    assert.deepEqual(c.endpoints.get('down'), []);
    assert.deepEqual(c.endpoints.get('named'), []);
    assert.equal(c.endpoints.get('backend'), undefined);
  });

  it('derives one protocol per service', () => {
    assert.equal(ctx.protocols.get('backend'), 'http');
    assert.equal(ctx.protocols.get('redis'), 'tcp');
    assert.equal(ctx.protocols.get('echo'), 'grpc');
    const p = (...ps: Protocol[]): Protocol => commonProtocol(new Set(ps));
    assert.equal(p('grpc', 'http2'), 'http2');
    assert.equal(p('http', 'http2'), 'tcp');
    assert.equal(p('http', 'tcp'), 'tcp');
    assert.equal(p('http'), 'http');
  });
});

describe('proxy model', () => {
  const ctx = buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE);

  it('applies inbound defaults', () => {
    assert.deepEqual(resolvedInbounds(proxyOf(redis1)).map((i) => [i.service, i.protocol, i.bindAddress, i.port, i.serviceAddress, i.servicePort]), [
      ['redis', 'tcp', '10.0.0.10', 16379, '10.0.0.10', 6379],
    ]);
    const named = dataplane('n', { networking: { address: 'vm.example.com', inbound: [{ port: 8080, tags: { 'mycel.io/service': 's', 'mycel.io/protocol': 'http' } }] } });
    assert.deepEqual(resolvedInbounds(proxyOf(named)).map((i) => [i.bindAddress, i.serviceAddress, i.servicePort]), [['0.0.0.0', '127.0.0.1', 8080]]);
  });

  it('resolves tag outbounds with their service protocol and skips backendRef outbounds', () => {
    assert.deepEqual(
      outboundDestinations(proxyOf(frontend1), ctx).map((d) => [d.service, d.protocol, d.listenAddress, d.listenPort]),
      [
        ['backend', 'http', '127.0.0.1', 10001],
        ['redis', 'tcp', '127.0.0.1', 10002],
        ['backend', 'http', '127.0.0.2', 10003],
        ['echo', 'grpc', '127.0.0.1', 10004],
      ],
    );
  });

  it('refuses a context of another mesh', () => {
    assert.throws(() => assertSameMesh(proxyOf(frontend1), buildMeshContext('other', [], LOCAL_ZONE)), ProxyContextError);
    assert.throws(() => assertSameMesh({ ...proxyOf(frontend1), mesh: { ...meshResource, name: 'other' } }, ctx), ProxyContextError);
    assertSameMesh(proxyOf(frontend1), ctx);
  });
});
