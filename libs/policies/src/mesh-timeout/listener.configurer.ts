import type { JsonObject } from '@mycel/core';
import { isObject } from '@mycel/core';
import { durationMs, envoyDuration } from '../framework/duration';
import { httpConnectionManagers, tcpProxies } from '../framework/envoy-edit';
import type { MeshTimeoutConf } from './mesh-timeout.type';
import { configureRouteTimeouts } from './route.configurer';

/** Which side of the proxy a listener serves: request header timeouts only make sense where requests arrive. */
export type TrafficDirection = 'inbound' | 'outbound';

/**
 * Listener timeouts (Envoy): on an HttpConnectionManager `stream_idle_timeout` (and, inbound,
 * `request_headers_timeout`), plus the route timeouts of its inline route configuration; on a
 * TcpProxy `idle_timeout` from `idleTimeout`. Absent fields change nothing.
 */
export function configureListenerTimeouts(listener: JsonObject, direction: TrafficDirection, conf: MeshTimeoutConf): void {
  for (const hcm of httpConnectionManagers(listener)) {
    if (conf.http?.streamIdleTimeout !== undefined) hcm['stream_idle_timeout'] = envoyDuration(durationMs(conf.http.streamIdleTimeout));
    if (direction === 'inbound' && conf.http?.requestHeadersTimeout !== undefined) {
      hcm['request_headers_timeout'] = envoyDuration(durationMs(conf.http.requestHeadersTimeout));
    }
    const inline = hcm['route_config'];
    if (isObject(inline)) configureRouteTimeouts(inline, conf);
  }
  for (const tcp of tcpProxies(listener)) {
    if (conf.idleTimeout !== undefined) tcp['idle_timeout'] = envoyDuration(durationMs(conf.idleTimeout));
  }
}
