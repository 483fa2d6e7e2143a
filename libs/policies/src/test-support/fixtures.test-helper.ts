import type { DataplaneSpec, MeshSpec, Resource } from '@mycel/core';
import type { MeshContext, Proxy, ProxyKind } from '@mycel/xds';
import { buildMeshContext } from '@mycel/xds';

/*
 * Dataplanes of one mesh for the policy specs. zone-1 is the local zone. Services: web (http,
 * calls backend, redis, echo), backend (http; v1 and v2 locally, v2 in zone-2), backend-next
 * (http, another service a route can shift traffic to), redis (tcp), echo (grpc; v1, v2), api
 * (http and tcp inbounds on one dataplane), and a proxyless gRPC client of every service.
 */

export const MESH = 'default';
export const LOCAL_ZONE = 'zone-1';
const TIME = '2026-01-01T00:00:00Z';

/** A stored Dataplane of {@link MESH}; `zone` sets the `mycel.io/zone` label of a remote one. */
export function dataplane(name: string, spec: DataplaneSpec, labels: Record<string, string> = {}): Resource<DataplaneSpec> {
  return { type: 'Dataplane', mesh: MESH, name, labels, spec, creationTime: TIME, modificationTime: TIME, version: '1' };
}

/** A stored policy of {@link MESH}. */
export function policy(type: string, name: string, spec: unknown, labels: Record<string, string> = {}, mesh = MESH): Resource {
  return { type, mesh, name, labels, spec, creationTime: TIME, modificationTime: TIME, version: '1' };
}

/** The stored Mesh {@link MESH}. */
export const meshResource: Resource<MeshSpec> = { type: 'Mesh', name: MESH, labels: {}, spec: {}, creationTime: TIME, modificationTime: TIME, version: '1' };

/** A proxy of kind `kind` in the local zone for `dp`. */
export function proxyOf(dp: Resource<DataplaneSpec>, kind: ProxyKind = 'envoy'): Proxy {
  return { dataplane: dp, mesh: meshResource, zone: LOCAL_ZONE, kind };
}

/** Tags of an inbound or outbound of `service`. */
export function svc(service: string, protocol?: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'mycel.io/service': service, ...(protocol === undefined ? {} : { 'mycel.io/protocol': protocol }), ...extra };
}

export const web1 = dataplane(
  'web-1',
  {
    networking: {
      address: '10.0.0.1',
      inbound: [{ port: 8080, servicePort: 80, tags: svc('web', 'http', { version: 'v1' }) }],
      outbound: [
        { port: 10001, tags: svc('backend') },
        { port: 10002, tags: svc('redis') },
        { port: 10003, tags: svc('echo') },
        { port: 10004, address: '127.0.0.2', tags: svc('backend', undefined, { version: 'v1' }) },
      ],
    },
  },
  { team: 'web' },
);

export const backend1 = dataplane('backend-1', { networking: { address: '10.0.0.2', inbound: [{ port: 8080, tags: svc('backend', 'http', { version: 'v1' }) }] } });
export const backend2 = dataplane('backend-2', { networking: { address: '10.0.0.3', inbound: [{ port: 8080, tags: svc('backend', 'http', { version: 'v2' }) }] } });
export const backend3 = dataplane('backend-3', { networking: { address: '10.1.0.3', inbound: [{ port: 8080, tags: svc('backend', 'http', { version: 'v2' }) }] } }, { 'mycel.io/zone': 'zone-2' });
export const backendNext1 = dataplane('backend-next-1', { networking: { address: '10.0.0.4', inbound: [{ port: 8080, tags: svc('backend-next', 'http') }] } });
export const redis1 = dataplane('redis-1', { networking: { address: '10.0.0.10', inbound: [{ port: 16379, servicePort: 6379, tags: svc('redis') }] } });
export const echo1 = dataplane('echo-1', { networking: { address: '10.0.0.20', inbound: [{ port: 50051, tags: svc('echo', 'grpc', { version: 'v1' }) }] } });
export const echo2 = dataplane('echo-2', { networking: { address: '10.0.0.21', inbound: [{ port: 50051, tags: svc('echo', 'grpc', { version: 'v2' }) }] } });

/** Two inbounds of two protocols on one dataplane. */
export const api1 = dataplane('api-1', {
  networking: {
    address: '10.0.0.30',
    inbound: [
      { port: 8080, servicePort: 80, tags: svc('api', 'http', { version: 'v3' }) },
      { port: 9000, tags: svc('api-admin', 'tcp') },
    ],
  },
});

/** A proxyless gRPC client calling every service (no outbounds, no inbound). */
export const grpcClient1 = dataplane('grpc-client-1', { networking: { address: '10.0.0.60' } }, { team: 'web' });

/** Every dataplane the zone knows. */
export const ALL_DATAPLANES: readonly Resource<DataplaneSpec>[] = [web1, backend1, backend2, backend3, backendNext1, redis1, echo1, echo2, api1, grpcClient1];

/** The mesh context of {@link ALL_DATAPLANES} (a fresh one per call: shared resources are memoised per context). */
export function meshContext(): MeshContext {
  return buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE);
}
