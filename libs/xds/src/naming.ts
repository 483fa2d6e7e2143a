import { isIP } from 'node:net';
import { Labels, contentHash } from '@mycel/core';

/*
 * The single source of Envoy resource names. Generators and policy plugins call these; nothing
 * else concatenates names. IP addresses appear bracket-free (`inbound:::1:8080`), as in Kuma, and
 * IPv6 in its canonical RFC 5952 spelling, so one socket always has one name. The exception is
 * the gRPC server listener name, whose format gRPC itself dictates.
 */

/** Name of the listener and cluster that expose Envoy's admin API (`/ready`, `/stats`). */
export const ADMIN_LISTENER_NAME = 'mycel:envoy:admin';
/** Name of the cluster pointing at Envoy's own admin API on loopback. */
export const ADMIN_CLUSTER_NAME = 'mycel:envoy:admin';
/** gRPC's default `server_listener_resource_name_template` (A36); `%s` is the address the server binds. */
export const GRPC_SERVER_LISTENER_TEMPLATE = 'grpc/server?xds.resource.listening_address=%s';

/** `inbound:<ip>:<port>`: the listener for one inbound of a dataplane. */
export function inboundListenerName(ip: string, port: number): string {
  return `inbound:${canonicalIp(ip)}:${port}`;
}

/** `outbound:<ip>:<port>`: the listener for one outbound of a dataplane. */
export function outboundListenerName(ip: string, port: number): string {
  return `outbound:${canonicalIp(ip)}:${port}`;
}

/** `localhost:<port>`: the cluster an inbound forwards to (the application next to the proxy). */
export function localClusterName(port: number): string {
  return `localhost:${port}`;
}

/** `<service>`: the cluster of every endpoint of a service. */
export function serviceClusterName(service: string): string {
  return service;
}

/**
 * `<service>-<hash>`: the cluster of the endpoints of `service` whose tags include `tags`.
 * Only {@link subsetTags} count; with none this is {@link serviceClusterName}. The hash is over
 * the sorted tags, so key order never matters.
 */
export function subsetClusterName(service: string, tags: Readonly<Record<string, string>>): string {
  const subset = subsetTags(tags);
  if (Object.keys(subset).length === 0) return serviceClusterName(service);
  return `${service}-${contentHash(subset, 10)}`;
}

/**
 * The tags that narrow a service down to a subset, sorted: all but `mycel.io/service` (already in
 * the cluster name) and `mycel.io/protocol` (a property of the whole service, not a selector).
 */
export function subsetTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(tags).sort()) {
    if (key !== Labels.service && key !== Labels.protocol) out[key] = tags[key] as string;
  }
  return out;
}

/** `inbound:<service>`: the inline route configuration of an HTTP inbound. */
export function inboundRouteConfigName(service: string): string {
  return `inbound:${service}`;
}

/** `outbound:<cluster>`: the RDS route configuration of an HTTP outbound towards `cluster`. */
export function outboundRouteConfigName(cluster: string): string {
  return `outbound:${cluster}`;
}

/** Name of the route configuration of the admin listener. */
export function adminRouteConfigName(): string {
  return ADMIN_LISTENER_NAME;
}

/** `<service>`: the api_listener a proxyless gRPC client requests for target `xds:///<service>`. */
export function proxylessListenerName(service: string): string {
  return service;
}

/**
 * `grpc/server?xds.resource.listening_address=<ip>:<port>`: the Listener a proxyless gRPC server
 * requests when it binds `<ip>:<port>` with gRPC's default template; IPv6 in brackets here,
 * because the server fills the template with the very string passed to `bindAsync`.
 */
export function proxylessServerListenerName(ip: string, port: number): string {
  const host = isIP(ip) === 6 ? `[${canonicalIp(ip)}]` : canonicalIp(ip);
  return GRPC_SERVER_LISTENER_TEMPLATE.replace('%s', `${host}:${port}`);
}

/** `identity_cert:<mesh>`: the SDS secret holding a workload's certificate and key. */
export function identityCertSecretName(mesh: string): string {
  return `identity_cert:${mesh}`;
}

/** `mesh_ca:<mesh>`: the SDS secret holding the mesh's trusted CA bundle. */
export function meshCaSecretName(mesh: string): string {
  return `mesh_ca:${mesh}`;
}

/**
 * A stat prefix for a resource name: every character other than letters, digits, `_` and `-`
 * becomes `_` (`inbound:10.0.0.1:8080` → `inbound_10_0_0_1_8080`), so Envoy stat names and their
 * Prometheus form stay one token.
 */
export function statPrefix(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** RFC 5952 spelling of an IPv6 address (`0:0::1` → `::1`); other text is lowercased. */
function canonicalIp(ip: string): string {
  if (isIP(ip) === 6 && !ip.includes('%')) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return ip.toLowerCase();
}
