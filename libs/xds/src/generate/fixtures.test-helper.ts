import type { DataplaneSpec, MeshSpec, Resource } from '@mycel/core';
import type { Proxy, ProxyKind } from './proxy';

/*
 * Dataplanes of one mesh spread over three zones, shared by the generator specs. zone-1 is the
 * local zone. Services: web (http), backend (http, versions v1/v2, in three zones), redis (tcp),
 * echo (grpc, in two zones), remote-only (http, only in zone-2), ipv6-web (http, IPv6).
 */

export const MESH = 'default';
export const LOCAL_ZONE = 'zone-1';

const TIME = '2026-01-01T00:00:00Z';

/** A stored Dataplane of {@link MESH}; `zone` sets the `mycel.io/zone` label of a remote one. */
export function dataplane(name: string, spec: DataplaneSpec, zone?: string): Resource<DataplaneSpec> {
  return { type: 'Dataplane', mesh: MESH, name, labels: zone === undefined ? {} : { 'mycel.io/zone': zone }, spec, creationTime: TIME, modificationTime: TIME, version: '1' };
}

/** The stored Mesh {@link MESH}. */
export const meshResource: Resource<MeshSpec> = { type: 'Mesh', name: MESH, labels: {}, spec: {}, creationTime: TIME, modificationTime: TIME, version: '1' };

/** A proxy of kind `kind` in the local zone for `dp`. */
export function proxyOf(dp: Resource<DataplaneSpec>, kind: ProxyKind = 'envoy'): Proxy {
  return { dataplane: dp, mesh: meshResource, zone: LOCAL_ZONE, kind };
}

const svc = (service: string, protocol?: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'mycel.io/service': service,
  ...(protocol === undefined ? {} : { 'mycel.io/protocol': protocol }),
  ...extra,
});

export const web1 = dataplane('web-1', {
  networking: { address: '10.0.0.1', inbound: [{ port: 8080, servicePort: 80, tags: svc('web', 'http') }] },
});

export const redis1 = dataplane('redis-1', {
  networking: { address: '10.0.0.10', admin: { port: 9902 }, inbound: [{ port: 16379, servicePort: 6379, serviceAddress: '10.0.0.10', tags: svc('redis') }] },
});

export const echo1 = dataplane('echo-1', {
  networking: { address: '10.0.0.20', inbound: [{ port: 50051, servicePort: 50052, tags: svc('echo', 'grpc') }] },
});
export const echo2 = dataplane('echo-2', { networking: { address: '10.1.0.20', inbound: [{ port: 50051, tags: svc('echo', 'grpc') }] } }, 'zone-2');

export const backend1 = dataplane('backend-1', { networking: { address: '10.0.0.2', inbound: [{ port: 8080, tags: svc('backend', 'http', { version: 'v1' }) }] } });
export const backend2 = dataplane('backend-2', {
  networking: { address: '10.0.0.3', inbound: [{ port: 8080, tags: svc('backend', 'http', { version: 'v2' }), health: { ready: true } }] },
});
/** Not ready: never an endpoint. */
export const backend3 = dataplane('backend-3', {
  networking: { address: '10.0.0.4', inbound: [{ port: 8080, tags: svc('backend', 'http', { version: 'v2' }), health: { ready: false } }] },
});
export const backend4 = dataplane('backend-4', { networking: { address: '10.1.0.4', inbound: [{ port: 8080, tags: svc('backend', 'http', { version: 'v1' }) }] } }, 'zone-2');
/** Reached at its advertised address (behind NAT). */
export const backend5 = dataplane(
  'backend-5',
  { networking: { address: '192.168.0.5', advertisedAddress: '10.2.0.5', inbound: [{ port: 8080, tags: svc('backend', 'http', { version: 'v2' }) }] } },
  'zone-3',
);

export const remoteOnly1 = dataplane('remote-only-1', { networking: { address: '10.1.0.30', inbound: [{ port: 9090, tags: svc('remote-only', 'http') }] } }, 'zone-2');
export const remoteOnly2 = dataplane('remote-only-2', { networking: { address: '10.2.0.30', inbound: [{ port: 9090, tags: svc('remote-only', 'http') }] } }, 'zone-3');

/** Outbounds of every protocol, a subset, and a backendRef (skipped: no MeshService yet). */
export const frontend1 = dataplane('frontend-1', {
  networking: {
    address: '10.0.0.40',
    inbound: [{ port: 8080, tags: svc('frontend', 'http') }],
    outbound: [
      { port: 10001, tags: svc('backend') },
      { port: 10002, tags: svc('redis') },
      { port: 10003, address: '127.0.0.2', tags: svc('backend', undefined, { version: 'v2' }) },
      { port: 10004, tags: svc('echo') },
      { port: 10005, backendRef: { kind: 'MeshService', name: 'backend' } },
    ],
  },
});

export const crossZone1 = dataplane('cross-zone-1', {
  networking: {
    address: '10.0.0.50',
    inbound: [{ port: 8080, tags: svc('cross-zone', 'tcp') }],
    outbound: [
      { port: 10001, tags: svc('remote-only') },
      { port: 10002, tags: svc('unknown') },
    ],
  },
});

export const ipv6Web1 = dataplane('ipv6-web-1', {
  networking: {
    address: 'fd00::5',
    inbound: [{ port: 8080, serviceAddress: '::1', tags: svc('ipv6-web', 'http') }],
    outbound: [{ port: 10001, address: '::1', tags: svc('backend') }],
  },
});

/** A proxyless gRPC client calling every service (no outbounds, no inbound). */
export const grpcClient1 = dataplane('grpc-client-1', { networking: { address: '10.0.0.60' } });

/** A proxyless gRPC server (echo) that calls backend. */
export const grpcServer1 = dataplane('grpc-server-1', {
  networking: {
    address: '10.0.0.70',
    inbound: [{ port: 50051, tags: svc('echo', 'grpc') }],
    outbound: [{ port: 10001, tags: svc('backend') }],
  },
});

/** Every dataplane the zone knows. */
export const ALL_DATAPLANES: readonly Resource<DataplaneSpec>[] = [
  web1,
  redis1,
  echo1,
  echo2,
  backend1,
  backend2,
  backend3,
  backend4,
  backend5,
  remoteOnly1,
  remoteOnly2,
  frontend1,
  crossZone1,
  ipv6Web1,
  grpcClient1,
  grpcServer1,
];
