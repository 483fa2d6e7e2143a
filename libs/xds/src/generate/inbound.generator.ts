import type { JsonObject } from '@mycel/core';
import { TypeUrl } from '../resource-types';
import { inboundListenerName, inboundRouteConfigName, localClusterName, statPrefix } from '../naming';
import {
  catchAllRoute,
  httpConnectionManagerFilter,
  memoKey,
  routeConfiguration,
  routerFilter,
  socketAddress,
  staticCluster,
  tcpProxyFilter,
} from './envoy-messages';
import type { ResourceGenerator } from './generator';
import type { MeshContext, Proxy, ResolvedInbound } from './proxy';
import { isHttp2Protocol, isHttpProtocol, resolvedInbounds } from './proxy';
import { ResourceSet } from './resource-set';

/**
 * Per inbound of an Envoy dataplane: a Listener `inbound:<ip>:<port>` and a STATIC cluster
 * `localhost:<servicePort>` pointing at the application (`serviceAddress`, default 127.0.0.1).
 * HTTP protocols (http, http2, grpc) get an HttpConnectionManager with an inline route to the
 * local cluster (HTTP/2 options for http2 and grpc); tcp gets a TcpProxy. Two inbounds forwarding
 * to the same service address and port share one cluster; the same port on two service addresses
 * is a name collision (cluster names carry only the port, as in Kuma) and throws.
 */
export const inboundGenerator: ResourceGenerator = {
  name: 'inbound',
  // Reads nothing of the context: the dataplane alone decides.
  contextKey: () => '',
  generate(ctx: MeshContext, proxy: Proxy): ResourceSet {
    const set = new ResourceSet();
    const targets = new Map<string, string>();
    for (const inbound of resolvedInbounds(proxy)) {
      const cluster = localClusterName(inbound.servicePort);
      // Same port, other address: the names collide and `add` reports the duplicate.
      if (targets.get(cluster) !== inbound.serviceAddress) {
        const { serviceAddress, servicePort, protocol } = inbound;
        set.add(TypeUrl.cluster, ctx.templates.get(memoKey('static-cluster', cluster, serviceAddress, servicePort, protocol), () => staticCluster(cluster, serviceAddress, servicePort, protocol)));
        targets.set(cluster, inbound.serviceAddress);
      }
      const key = memoKey('inbound-listener', inbound.bindAddress, inbound.port, inbound.service, inbound.protocol, cluster);
      set.add(TypeUrl.listener, ctx.templates.get(key, () => inboundListener(inbound, cluster)));
    }
    return set;
  },
};

/** Reads only bindAddress, port, service and protocol of `inbound` (they make its memo key). */
function inboundListener(inbound: ResolvedInbound, cluster: string): JsonObject {
  const name = inboundListenerName(inbound.bindAddress, inbound.port);
  const filter = isHttpProtocol(inbound.protocol)
    ? httpConnectionManagerFilter({
        stat_prefix: statPrefix(cluster),
        codec_type: 'AUTO',
        route_config: routeConfiguration(inboundRouteConfigName(inbound.service), inbound.service, ['*'], [catchAllRoute(cluster)]),
        http_filters: [routerFilter()],
        ...(isHttp2Protocol(inbound.protocol) ? { http2_protocol_options: {} } : {}),
      })
    : tcpProxyFilter(statPrefix(cluster), cluster);
  return {
    name,
    address: socketAddress(inbound.bindAddress, inbound.port),
    traffic_direction: 'INBOUND',
    filter_chains: [{ filters: [filter] }],
  };
}
