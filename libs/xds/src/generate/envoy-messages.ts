import type { JsonObject, Protocol } from '@mycel/core';
import { packAny } from '../envoy/encode';
import { EnvoyExtensionNames, EnvoyTypes } from '../envoy/type-names';
import type { MeshContext } from './proxy';
import { isHttp2Protocol } from './proxy';

/*
 * Constructors of the Envoy message fragments several generators build the same way. Each returns
 * a fresh plain object (proto field names) that the caller may keep modifying.
 */

/** Seconds an Envoy cluster waits for a TCP connection before failing it (Envoy's own default, made explicit). */
export const CONNECT_TIMEOUT_SECONDS = 5;

/** `envoy.config.core.v3.Address` of a TCP socket. */
export function socketAddress(address: string, port: number): JsonObject {
  return { socket_address: { address, port_value: port } };
}

/** A ConfigSource that says "over the same ADS stream", xDS v3. */
export function adsConfigSource(): JsonObject {
  return { ads: {}, resource_api_version: 'V3' };
}

/** The router HTTP filter (always last in an HCM's `http_filters`). */
export function routerFilter(): JsonObject {
  return { name: EnvoyExtensionNames.router, typed_config: packAny(EnvoyTypes.router, {}) };
}

/** A network filter holding an HttpConnectionManager. */
export function httpConnectionManagerFilter(hcm: JsonObject): JsonObject {
  return { name: EnvoyExtensionNames.httpConnectionManager, typed_config: packAny(EnvoyTypes.httpConnectionManager, hcm) };
}

/** A network filter proxying TCP to `cluster`. */
export function tcpProxyFilter(statPrefix: string, cluster: string): JsonObject {
  return { name: EnvoyExtensionNames.tcpProxy, typed_config: packAny(EnvoyTypes.tcpProxy, { stat_prefix: statPrefix, cluster }) };
}

/** A route matching every path and sending it to `cluster`. */
export function catchAllRoute(cluster: string): JsonObject {
  return { match: { prefix: '/' }, route: { cluster } };
}

/** A RouteConfiguration with one virtual host for `domains` whose routes are `routes`. */
export function routeConfiguration(name: string, virtualHost: string, domains: readonly string[], routes: readonly JsonObject[]): JsonObject {
  return { name, virtual_hosts: [{ name: virtualHost, domains: [...domains], routes: [...routes] }] };
}

/**
 * `typed_extension_protocol_options` that make a cluster speak HTTP/2 to its upstream, for
 * protocols that need it (http2, grpc); undefined for the others.
 */
export function upstreamProtocolOptions(protocol: Protocol): JsonObject | undefined {
  if (!isHttp2Protocol(protocol)) return undefined;
  return {
    [EnvoyExtensionNames.httpProtocolOptions]: packAny(EnvoyTypes.httpProtocolOptions, { explicit_http_config: { http2_protocol_options: {} } }),
  };
}

/** A STATIC cluster with one endpoint, `address:port` (the application next to the proxy, or Envoy's admin). */
export function staticCluster(name: string, address: string, port: number, protocol: Protocol): JsonObject {
  const cluster: JsonObject = {
    name,
    type: 'STATIC',
    connect_timeout: { seconds: CONNECT_TIMEOUT_SECONDS },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, port) } }] }] },
  };
  const options = upstreamProtocolOptions(protocol);
  if (options) cluster['typed_extension_protocol_options'] = options;
  return cluster;
}

/** An EDS cluster whose ClusterLoadAssignment (named like the cluster) comes over ADS. */
export function edsCluster(name: string, protocol: Protocol): JsonObject {
  const cluster: JsonObject = {
    name,
    type: 'EDS',
    connect_timeout: { seconds: CONNECT_TIMEOUT_SECONDS },
    eds_cluster_config: { eds_config: adsConfigSource() },
  };
  const options = upstreamProtocolOptions(protocol);
  if (options) cluster['typed_extension_protocol_options'] = options;
  return cluster;
}

/**
 * A memo key for `ctx.templates` (see `SharedResources`): the kind of resource and every input
 * its constructor reads, unambiguously joined.
 */
export function memoKey(kind: string, ...inputs: ReadonlyArray<string | number>): string {
  let key = kind;
  for (const input of inputs) {
    // NUL separates the inputs; the rare input containing one makes the key JSON instead.
    if (typeof input === 'string' && input.includes('\u0000')) return JSON.stringify([kind, ...inputs]);
    key += `\u0000${input}`;
  }
  return key;
}

/** {@link edsCluster}, memoised in `ctx.templates` by name and protocol (shared, frozen). */
export function sharedEdsCluster(ctx: MeshContext, name: string, protocol: Protocol): JsonObject {
  return ctx.templates.get(memoKey('eds-cluster', name, protocol), () => edsCluster(name, protocol));
}

/** The bare EDS cluster a proxyless gRPC client gets (gRPC ignores timeouts and protocol options), memoised in `ctx.templates`. */
export function sharedProxylessCluster(ctx: MeshContext, name: string): JsonObject {
  return ctx.templates.get(memoKey('proxyless-cluster', name), () => ({ name, type: 'EDS', eds_cluster_config: { eds_config: adsConfigSource() } }));
}
