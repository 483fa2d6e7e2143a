import { isIP } from 'node:net';
import type { JsonObject } from '@mycel/core';
import { TypeUrl } from '../resource-types';
import { ADMIN_CLUSTER_NAME, ADMIN_LISTENER_NAME, adminRouteConfigName, statPrefix } from '../naming';
import { httpConnectionManagerFilter, memoKey, routeConfiguration, routerFilter, socketAddress, staticCluster } from './envoy-messages';
import type { ResourceGenerator } from './generator';
import type { MeshContext, Proxy } from './proxy';
import { DEFAULT_ADMIN_PORT } from './proxy';
import { ResourceSet } from './resource-set';

/** Address Envoy's admin API binds (set by the bootstrap); the admin cluster points there. */
export const ENVOY_ADMIN_ADDRESS = '127.0.0.1';

/**
 * Exposes a safe part of Envoy's admin API: `/ready` (readiness probes) and `/stats`, `/stats/…`
 * (metrics scraping) and nothing else, on the dataplane's own address at the admin port, routed to
 * a STATIC cluster `mycel:envoy:admin` that points at the admin API on 127.0.0.1:<admin port>
 * (default 9901). As in Kuma the listener binds the dataplane's address, not loopback: the admin
 * API itself holds 127.0.0.1:<admin port>, and a second socket there would fail to bind. For the
 * same reason nothing is generated when the dataplane's address is loopback or a DNS name (binding
 * 0.0.0.0 would collide with the admin socket too); the admin API is reachable locally anyway.
 */
export const adminGenerator: ResourceGenerator = {
  name: 'admin',
  // Reads nothing of the context: the dataplane alone decides.
  contextKey: () => '',
  generate(ctx: MeshContext, proxy: Proxy): ResourceSet {
    const set = new ResourceSet();
    const networking = proxy.dataplane.spec.networking;
    const port = networking.admin?.port ?? DEFAULT_ADMIN_PORT;
    const address = networking.address;
    if (isIP(address) === 0 || isLoopback(address)) return set;
    set.add(TypeUrl.cluster, ctx.templates.get(memoKey('admin-cluster', port), () => staticCluster(ADMIN_CLUSTER_NAME, ENVOY_ADMIN_ADDRESS, port, 'http')));
    set.add(TypeUrl.listener, ctx.templates.get(memoKey('admin-listener', address, port), () => adminListener(address, port)));
    return set;
  },
};

function adminListener(address: string, port: number): JsonObject {
  const toAdmin = { cluster: ADMIN_CLUSTER_NAME };
  const routes = [
    { match: { path: '/ready' }, route: toAdmin },
    { match: { path: '/stats' }, route: toAdmin },
    { match: { prefix: '/stats/' }, route: toAdmin },
  ];
  return {
    name: ADMIN_LISTENER_NAME,
    address: socketAddress(address, port),
    traffic_direction: 'INBOUND',
    filter_chains: [
      {
        filters: [
          httpConnectionManagerFilter({
            stat_prefix: statPrefix(ADMIN_LISTENER_NAME),
            codec_type: 'AUTO',
            route_config: routeConfiguration(adminRouteConfigName(), ADMIN_LISTENER_NAME, ['*'], routes),
            http_filters: [routerFilter()],
          }),
        ],
      },
    ],
  };
}

function isLoopback(address: string): boolean {
  if (isIP(address) === 6) return new URL(`http://[${address}]/`).hostname === '[::1]';
  return address.startsWith('127.');
}
