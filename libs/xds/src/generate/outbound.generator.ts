import type { JsonObject } from '@mycel/core';
import { TypeUrl } from '../resource-types';
import { outboundListenerName, outboundRouteConfigName, statPrefix, subsetClusterName } from '../naming';
import { adsConfigSource, catchAllRoute, httpConnectionManagerFilter, memoKey, routeConfiguration, routerFilter, sharedEdsCluster, socketAddress, tcpProxyFilter } from './envoy-messages';
import type { ResourceGenerator } from './generator';
import type { MeshContext, OutboundDestination, Proxy } from './proxy';
import { isHttp2Protocol, isHttpProtocol, outboundDestinations } from './proxy';
import { ResourceSet } from './resource-set';

/**
 * Per tag-based outbound of an Envoy dataplane: a Listener `outbound:<ip>:<port>` and an EDS
 * cluster named by the destination (`<service>`, or `<service>-<hash>` for a subset). HTTP
 * protocols get an HttpConnectionManager using RDS over ADS and a RouteConfiguration
 * `outbound:<cluster>` sending everything to the cluster; tcp gets a TcpProxy. Outbounds with a
 * `backendRef` are skipped (see `outboundDestinations`). Outbounds sharing a destination share its
 * cluster and route configuration. Every resource is memoised in `ctx.templates` by its inputs
 * (shared, frozen), so proxies with the same outbound share one object.
 */
export const outboundGenerator: ResourceGenerator = {
  name: 'outbound',
  // Reads the context only for the protocols of the destinations.
  contextKey(ctx: MeshContext, proxy: Proxy): string {
    let key = '';
    for (const dest of outboundDestinations(proxy, ctx)) key += `${dest.protocol},`;
    return key;
  },
  generate(ctx: MeshContext, proxy: Proxy): ResourceSet {
    const set = new ResourceSet();
    for (const dest of outboundDestinations(proxy, ctx)) {
      const cluster = subsetClusterName(dest.service, dest.tags);
      if (!set.has(TypeUrl.cluster, cluster)) set.add(TypeUrl.cluster, sharedEdsCluster(ctx, cluster, dest.protocol));
      const http = isHttpProtocol(dest.protocol);
      const rc = outboundRouteConfigName(cluster);
      if (http && !set.has(TypeUrl.route, rc)) {
        set.add(TypeUrl.route, ctx.templates.get(memoKey('outbound-route', cluster), () => routeConfiguration(rc, cluster, ['*'], [catchAllRoute(cluster)])));
      }
      set.add(TypeUrl.listener, ctx.templates.get(memoKey('outbound-listener', dest.listenAddress, dest.listenPort, cluster, dest.protocol), () => outboundListener(dest, cluster, http)));
    }
    return set;
  },
};

function outboundListener(dest: OutboundDestination, cluster: string, http: boolean): JsonObject {
  const filter = http
    ? httpConnectionManagerFilter({
        stat_prefix: statPrefix(cluster),
        codec_type: 'AUTO',
        rds: { config_source: adsConfigSource(), route_config_name: outboundRouteConfigName(cluster) },
        http_filters: [routerFilter()],
        ...(isHttp2Protocol(dest.protocol) ? { http2_protocol_options: {} } : {}),
      })
    : tcpProxyFilter(statPrefix(cluster), cluster);
  return {
    name: outboundListenerName(dest.listenAddress, dest.listenPort),
    address: socketAddress(dest.listenAddress, dest.listenPort),
    traffic_direction: 'OUTBOUND',
    filter_chains: [{ filters: [filter] }],
  };
}
