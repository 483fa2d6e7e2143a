import assert from 'node:assert/strict';
import {
  ADMIN_CLUSTER_NAME,
  ADMIN_LISTENER_NAME,
  identityCertSecretName,
  inboundListenerName,
  inboundRouteConfigName,
  localClusterName,
  meshCaSecretName,
  outboundListenerName,
  outboundRouteConfigName,
  proxylessListenerName,
  proxylessServerListenerName,
  serviceClusterName,
  statPrefix,
  subsetClusterName,
  subsetTags,
} from './naming';

describe('naming', () => {
  it('names listeners by direction, address and port', () => {
    assert.equal(inboundListenerName('10.0.0.1', 8080), 'inbound:10.0.0.1:8080');
    assert.equal(outboundListenerName('127.0.0.1', 10001), 'outbound:127.0.0.1:10001');
  });

  it('writes IPv6 addresses without brackets, in their canonical spelling', () => {
    assert.equal(inboundListenerName('::1', 8080), 'inbound:::1:8080');
    assert.equal(outboundListenerName('0:0:0:0:0:0:0:1', 80), 'outbound:::1:80');
    assert.equal(inboundListenerName('FD00::0005', 1), 'inbound:fd00::5:1');
  });

  it('names clusters: local by port, services by name, subsets by a stable hash of their tags', () => {
    assert.equal(localClusterName(80), 'localhost:80');
    assert.equal(serviceClusterName('backend'), 'backend');
    const a = subsetClusterName('backend', { 'mycel.io/service': 'backend', version: 'v2', region: 'eu' });
    const b = subsetClusterName('backend', { region: 'eu', version: 'v2' });
    assert.equal(a, b);
    assert.match(a, /^backend-[0-9a-f]{10}$/);
    assert.notEqual(a, subsetClusterName('backend', { version: 'v1', region: 'eu' }));
    assert.equal(subsetClusterName('backend', { 'mycel.io/service': 'backend', 'mycel.io/protocol': 'http' }), 'backend');
    assert.deepEqual(subsetTags({ version: 'v2', 'mycel.io/service': 'x', 'mycel.io/protocol': 'grpc', a: '1' }), { a: '1', version: 'v2' });
  });

  it('names route configurations, the admin listener and secrets', () => {
    assert.equal(inboundRouteConfigName('web'), 'inbound:web');
    assert.equal(outboundRouteConfigName('backend'), 'outbound:backend');
    assert.equal(ADMIN_LISTENER_NAME, 'mycel:envoy:admin');
    assert.equal(ADMIN_CLUSTER_NAME, 'mycel:envoy:admin');
    assert.equal(identityCertSecretName('default'), 'identity_cert:default');
    assert.equal(meshCaSecretName('default'), 'mesh_ca:default');
  });

  it("names proxyless listeners as gRPC requests them, IPv6 in brackets per gRPC's bind format", () => {
    assert.equal(proxylessListenerName('echo'), 'echo');
    assert.equal(proxylessServerListenerName('0.0.0.0', 50051), 'grpc/server?xds.resource.listening_address=0.0.0.0:50051');
    assert.equal(proxylessServerListenerName('::', 50051), 'grpc/server?xds.resource.listening_address=[::]:50051');
  });

  it('turns names into single-token stat prefixes', () => {
    assert.equal(statPrefix('inbound:10.0.0.1:8080'), 'inbound_10_0_0_1_8080');
    assert.equal(statPrefix('backend-abc_1'), 'backend-abc_1');
  });
});
