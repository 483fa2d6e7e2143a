import type { JsonObject, Protocol } from '@mycel/core';
import { isObject } from '@mycel/core';
import { EnvoyExtensionNames, EnvoyTypes, isHttp2Protocol, packAny, typeUrlOf } from '@mycel/xds';

/*
 * Small accessors for the parts of generated Envoy messages that configurers change. They work on
 * the plain message objects of a ResourceSet (proto field names, nested `typed_config` as AnyJson)
 * and return the live objects, so callers must hold a private copy (`ResourceSet.edit`).
 */

const HCM_TYPE_URL = typeUrlOf(EnvoyTypes.httpConnectionManager);
const TCP_PROXY_TYPE_URL = typeUrlOf(EnvoyTypes.tcpProxy);

function arrayOf(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function typedConfigsOf(listener: JsonObject, typeUrl: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const chain of arrayOf(listener['filter_chains'])) {
    for (const filter of arrayOf(chain['filters'])) {
      const config = filter['typed_config'];
      if (isObject(config) && config['@type'] === typeUrl) out.push(config);
    }
  }
  return out;
}

/** The HttpConnectionManager configs of a listener: in its filter chains, or its `api_listener` (proxyless gRPC). */
export function httpConnectionManagers(listener: JsonObject): JsonObject[] {
  const out = typedConfigsOf(listener, HCM_TYPE_URL);
  const api = listener['api_listener'];
  if (isObject(api) && isObject(api['api_listener']) && api['api_listener']['@type'] === HCM_TYPE_URL) out.push(api['api_listener']);
  return out;
}

/** The TcpProxy configs of a listener's filter chains. */
export function tcpProxies(listener: JsonObject): JsonObject[] {
  return typedConfigsOf(listener, TCP_PROXY_TYPE_URL);
}

/** Every route of a RouteConfiguration (or of an HCM's inline `route_config`), in virtual host then route order. */
export function routesOf(routeConfiguration: JsonObject): JsonObject[] {
  return arrayOf(routeConfiguration['virtual_hosts']).flatMap((vh) => arrayOf(vh['routes']));
}

/** The RouteAction of routes that forward (`route`), skipping redirects, direct responses and non-forwarding routes. */
export function routeActionsOf(routeConfiguration: JsonObject): JsonObject[] {
  return routesOf(routeConfiguration).flatMap((r) => (isObject(r['route']) ? [r['route']] : []));
}

/**
 * Sets `fields` (e.g. `idle_timeout`) in the `common_http_protocol_options` of a cluster's
 * `envoy.extensions.upstreams.http.v3.HttpProtocolOptions`, creating those options when the
 * cluster has none: explicit HTTP/2 for http2 and grpc, explicit HTTP/1.1 otherwise (what Envoy
 * uses for a cluster without options), so adding them never changes the upstream protocol.
 */
export function setCommonHttpProtocolOptions(cluster: JsonObject, protocol: Protocol, fields: JsonObject): void {
  let extensions = cluster['typed_extension_protocol_options'];
  if (!isObject(extensions)) {
    extensions = {};
    cluster['typed_extension_protocol_options'] = extensions;
  }
  const key = EnvoyExtensionNames.httpProtocolOptions;
  const existing = (extensions as JsonObject)[key];
  let options: JsonObject;
  if (isObject(existing)) {
    options = existing;
  } else {
    const explicit = isHttp2Protocol(protocol) ? { http2_protocol_options: {} } : { http_protocol_options: {} };
    options = packAny(EnvoyTypes.httpProtocolOptions, { explicit_http_config: explicit }) as JsonObject;
    (extensions as JsonObject)[key] = options;
  }
  const common = isObject(options['common_http_protocol_options']) ? options['common_http_protocol_options'] : {};
  options['common_http_protocol_options'] = { ...common, ...fields };
}
