import { isIP } from 'node:net';
import type { JsonObject } from '@mycel/core';
import { TypeUrl } from '../resource-types';
import { inboundListenerName, inboundRouteConfigName, outboundRouteConfigName, proxylessListenerName, proxylessServerListenerName, serviceClusterName, statPrefix } from '../naming';
import { packAny } from '../envoy/encode';
import { EnvoyTypes } from '../envoy/type-names';
import { adsConfigSource, httpConnectionManagerFilter, memoKey, routeConfiguration, routerFilter, sharedProxylessCluster, socketAddress } from './envoy-messages';
import { clusterLoadAssignment } from './endpoints.generator';
import type { ResourceGenerator } from './generator';
import type { MeshContext, Proxy, ResolvedInbound } from './proxy';
import { outboundDestinations, resolvedInbounds } from './proxy';
import { ResourceSet } from './resource-set';

/**
 * Resources for a proxyless gRPC application (`@grpc/grpc-js-xds` and the other gRPC xDS clients).
 *
 * Client side, for every service it may call — the services of its outbounds when it declares
 * any, else every service of the mesh — what `xds:///<service>` resolves through: a Listener
 * `<service>` with an `api_listener` HttpConnectionManager using RDS over ADS (router filter last,
 * as gRPC requires), a RouteConfiguration `outbound:<service>` with one virtual host for
 * `<service>` and `<service>:*`, an EDS Cluster `<service>` (ADS) and its ClusterLoadAssignment
 * (weights on every locality). gRPC targets name a service only, so outbound subset tags do not
 * apply here; the first outbound of a service counts.
 *
 * Server side (gRFC A36), per inbound: the Listener gRPC's default template names for the address
 * the server binds, `grpc/server?xds.resource.listening_address=<ip>:<port>`, with the inbound's
 * address and port as `address` (gRPC compares them with what it bound), and one filter chain
 * holding an HttpConnectionManager with an inline route configuration whose route is a
 * `non_forwarding_action` (the only action a gRPC server accepts) and the router filter. Since
 * servers commonly bind the wildcard, the same listener is also generated for `0.0.0.0:<port>`
 * (`[::]:<port>` for an IPv6 inbound). The server listens on the inbound's `port`: there is no
 * proxy in front of it, and other proxies dial that port.
 */
export const proxylessGenerator: ResourceGenerator = {
  name: 'proxyless',
  generate(ctx: MeshContext, proxy: Proxy): ResourceSet {
    const set = new ResourceSet();
    for (const service of clientServices(ctx, proxy)) {
      const cluster = serviceClusterName(service);
      set.add(TypeUrl.listener, ctx.templates.get(memoKey('api-listener', service), () => apiListener(service, cluster)));
      set.add(
        TypeUrl.route,
        ctx.templates.get(memoKey('proxyless-route', service), () => routeConfiguration(outboundRouteConfigName(cluster), service, [service, `${service}:*`], [{ match: { prefix: '/' }, route: { cluster } }])),
      );
      set.add(TypeUrl.cluster, sharedProxylessCluster(ctx, cluster));
      set.add(TypeUrl.endpoint, clusterLoadAssignment(ctx, cluster, service, {}));
    }
    for (const inbound of resolvedInbounds(proxy)) {
      const wildcard = isIP(inbound.bindAddress) === 6 ? '::' : '0.0.0.0';
      for (const ip of inbound.bindAddress === wildcard ? [wildcard] : [inbound.bindAddress, wildcard]) {
        const listener = ctx.templates.get(memoKey('server-listener', ip, inbound.port, inbound.service), () => serverListener(inbound, ip));
        // Two inbounds on one port (different addresses) both map to the wildcard name; the first one serves it.
        if (!set.has(TypeUrl.listener, listener['name'] as string)) set.add(TypeUrl.listener, listener);
      }
    }
    return set;
  },
};

function clientServices(ctx: MeshContext, proxy: Proxy): string[] {
  const outbounds = outboundDestinations(proxy, ctx);
  const services = outbounds.length > 0 ? outbounds.map((d) => d.service) : ctx.services;
  return [...new Set(services)];
}

function apiListener(service: string, cluster: string): JsonObject {
  return {
    name: proxylessListenerName(service),
    api_listener: {
      api_listener: packAny(EnvoyTypes.httpConnectionManager, {
        stat_prefix: statPrefix(service),
        rds: { config_source: adsConfigSource(), route_config_name: outboundRouteConfigName(cluster) },
        http_filters: [routerFilter()],
      }),
    },
  };
}

/** Reads only port and service of `inbound` (with `ip` they make its memo key). */
function serverListener(inbound: ResolvedInbound, ip: string): JsonObject {
  const name = proxylessServerListenerName(ip, inbound.port);
  return {
    name,
    address: socketAddress(ip, inbound.port),
    traffic_direction: 'INBOUND',
    filter_chains: [
      {
        filters: [
          httpConnectionManagerFilter({
            stat_prefix: statPrefix(inboundListenerName(ip, inbound.port)),
            route_config: routeConfiguration(inboundRouteConfigName(inbound.service), inbound.service, ['*'], [{ match: { prefix: '/' }, non_forwarding_action: {} }]),
            http_filters: [routerFilter()],
          }),
        ],
      },
    ],
  };
}
