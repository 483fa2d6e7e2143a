import assert from 'node:assert/strict';
import type { DataplaneSpec, Resource } from '@mycel/core';
import { changedServices, consumedServices, consumesAny } from './affected';

const TIME = '2026-01-01T00:00:00Z';
function dp(spec: DataplaneSpec, labels: Record<string, string> = {}): Resource<DataplaneSpec> {
  return { type: 'Dataplane', mesh: 'm', name: 'd', labels, spec, creationTime: TIME, modificationTime: TIME, version: '1' };
}
const tags = (service: string, extra: Record<string, string> = {}) => ({ 'mycel.io/service': service, ...extra });

describe('affected dataplanes', () => {
  const base = dp({ networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: tags('web') }, { port: 81, tags: tags('api') }] } });

  it('finds the services whose endpoints a dataplane change alters', () => {
    assert.deepEqual(changedServices(undefined, base), ['api', 'web']);
    assert.deepEqual(changedServices(base, undefined), ['api', 'web']);
    assert.deepEqual(changedServices(base, dp(base.spec, { team: 'x' })), [], 'labels other than the zone are not endpoint data');
    assert.deepEqual(changedServices(base, dp(base.spec, { 'mycel.io/zone': 'z2' })), ['api', 'web']);
    assert.deepEqual(changedServices(base, dp({ networking: { ...base.spec.networking, advertisedAddress: '1.2.3.4' } })), ['api', 'web']);
    assert.deepEqual(
      changedServices(base, dp({ networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: tags('web', { 'mycel.io/protocol': 'http' }) }, { port: 81, tags: tags('api') }] } })),
      ['web'],
      'a protocol change is a change of the service',
    );
    assert.deepEqual(
      changedServices(base, dp({ networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: tags('web') }, { port: 81, tags: tags('api'), health: { ready: false } }] } })),
      ['api'],
    );
    assert.deepEqual(changedServices(base, dp({ networking: { ...base.spec.networking, outbound: [{ port: 1, tags: tags('x') }] } })), [], 'outbounds are not endpoints');
  });

  it('knows which services a dataplane consumes', () => {
    const caller = dp({ networking: { address: '10.0.0.2', inbound: [{ port: 80, tags: tags('c') }], outbound: [{ port: 1, tags: tags('web') }, { port: 2, backendRef: { kind: 'MeshService', name: 'api' } }] } });
    assert.deepEqual([...(consumedServices(caller, 'envoy') as Set<string>)], ['web']);
    assert.equal(consumedServices(base, 'grpc'), 'all', 'a proxyless client without outbounds may call any service');
    assert.deepEqual([...(consumedServices(base, 'envoy') as Set<string>)], [], 'an Envoy without outbounds calls nothing');
    assert.equal(consumesAny(caller, 'grpc', new Set(['web', 'x'])), true);
    assert.equal(consumesAny(caller, 'grpc', new Set(['api'])), false);
    assert.equal(consumesAny(base, 'grpc', new Set(['x'])), true);
    assert.equal(consumesAny(base, 'grpc', new Set()), false);
  });
});
