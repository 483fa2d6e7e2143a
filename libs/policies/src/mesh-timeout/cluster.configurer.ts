import type { JsonObject, Protocol } from '@mycel/core';
import { isHttpProtocol } from '@mycel/xds';
import { durationMs, envoyDuration } from '../framework/duration';
import { setCommonHttpProtocolOptions } from '../framework/envoy-edit';
import type { MeshTimeoutConf } from './mesh-timeout.type';

/**
 * Cluster timeouts (Envoy): `connect_timeout` from `connectionTimeout`; for HTTP protocols the
 * upstream `common_http_protocol_options` — `idle_timeout` from `idleTimeout`,
 * `max_stream_duration` and `max_connection_duration` from `http`. A TCP cluster's idle timeout
 * lives on the TcpProxy instead (see the listener configurer). Absent fields change nothing.
 */
export function configureClusterTimeouts(cluster: JsonObject, protocol: Protocol, conf: MeshTimeoutConf): void {
  if (conf.connectionTimeout !== undefined) cluster['connect_timeout'] = envoyDuration(durationMs(conf.connectionTimeout));
  if (!isHttpProtocol(protocol)) return;
  const common: JsonObject = {};
  if (conf.idleTimeout !== undefined) common['idle_timeout'] = envoyDuration(durationMs(conf.idleTimeout));
  if (conf.http?.maxStreamDuration !== undefined) common['max_stream_duration'] = envoyDuration(durationMs(conf.http.maxStreamDuration));
  if (conf.http?.maxConnectionDuration !== undefined) common['max_connection_duration'] = envoyDuration(durationMs(conf.http.maxConnectionDuration));
  if (Object.keys(common).length > 0) setCommonHttpProtocolOptions(cluster, protocol, common);
}
