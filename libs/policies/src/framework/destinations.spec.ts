import assert from 'node:assert/strict';
import { TypeUrl, generateResources } from '@mycel/xds';
import { dataplane, grpcClient1, meshContext, proxyOf, svc, web1 } from '../test-support/fixtures.test-helper';
import { ProxyDestinations } from './destinations';

describe('ProxyDestinations', () => {
  it('lists an Envoy proxy’s outbounds with their listener, cluster and route configuration', () => {
    const ctx = meshContext();
    const proxy = proxyOf(web1);
    const d = new ProxyDestinations(generateResources(proxy, ctx), proxy, ctx);
    assert.deepEqual(
      d.outbounds.map((o) => [o.service, o.listener, o.cluster, o.routeConfig ?? '-']),
      [
        ['backend', 'outbound:127.0.0.1:10001', 'backend', 'outbound:backend'],
        ['redis', 'outbound:127.0.0.1:10002', 'redis', '-'],
        ['echo', 'outbound:127.0.0.1:10003', 'echo', 'outbound:echo'],
        ['backend', 'outbound:127.0.0.2:10004', 'backend-c0fcc87400', 'outbound:backend-c0fcc87400'],
      ],
    );
    assert.deepEqual(d.cluster('backend-c0fcc87400'), { name: 'backend-c0fcc87400', service: 'backend', tags: { version: 'v1' } });
    assert.equal(d.cluster('localhost:80'), undefined);
  });

  it('adds a missing cluster and its ClusterLoadAssignment once, shaped for the proxy kind', () => {
    const ctx = meshContext();
    const envoy = proxyOf(web1);
    const envoySet = generateResources(envoy, ctx);
    const d = new ProxyDestinations(envoySet, envoy, ctx);
    const name = d.ensureCluster('echo', { version: 'v2' });
    assert.equal(d.ensureCluster('echo', { version: 'v2' }), name);
    assert.equal(envoySet.get(TypeUrl.cluster, name)?.['connect_timeout'] !== undefined, true, 'Envoy clusters carry a connect timeout');
    assert.ok(envoySet.get(TypeUrl.cluster, name)?.['typed_extension_protocol_options'], 'grpc services get HTTP/2 options');
    const endpoints = envoySet.get(TypeUrl.endpoint, name)?.['endpoints'] as { lb_endpoints: unknown[] }[];
    assert.equal(endpoints.flatMap((e) => e.lb_endpoints).length, 1, 'only the v2 endpoint');
    assert.deepEqual(d.cluster(name), { name, service: 'echo', tags: { version: 'v2' } });

    const grpc = proxyOf(grpcClient1, 'grpc');
    const grpcSet = generateResources(grpc, ctx);
    new ProxyDestinations(grpcSet, grpc, ctx).ensureCluster('echo', { version: 'v2' });
    assert.deepEqual(grpcSet.get(TypeUrl.cluster, name), { name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } } });
  });

  it('lists a proxyless client’s declared outbounds only, when it has some', () => {
    const ctx = meshContext();
    const client = dataplane('client', { networking: { address: '10.9.9.9', outbound: [{ port: 1, tags: svc('echo') }, { port: 2, tags: svc('echo', undefined, { version: 'v1' }) }] } });
    const proxy = proxyOf(client, 'grpc');
    const d = new ProxyDestinations(generateResources(proxy, ctx), proxy, ctx);
    assert.deepEqual(d.outbounds.map((o) => [o.service, o.listener, o.cluster, o.routeConfig]), [['echo', 'echo', 'echo', 'outbound:echo']]);
  });
});
