import type { JsonObject } from '@mycel/core';
import { durationMs, envoyDuration } from '../framework/duration';
import { routeActionsOf } from '../framework/envoy-edit';
import type { MeshTimeoutConf } from './mesh-timeout.type';

/** Envoy route timeouts: every forwarding route's `timeout` from `http.requestTimeout` (`0s` disables Envoy's 15 s default). */
export function configureRouteTimeouts(routeConfiguration: JsonObject, conf: MeshTimeoutConf): void {
  const requestTimeout = conf.http?.requestTimeout;
  if (requestTimeout === undefined) return;
  for (const action of routeActionsOf(routeConfiguration)) action['timeout'] = envoyDuration(durationMs(requestTimeout));
}

/**
 * The RPC timeout a proxyless gRPC client applies (gRFC A31), in milliseconds: the smaller of
 * `http.requestTimeout` and `http.maxStreamDuration` among those set to more than zero — both
 * bound how long a call may live, and gRPC has one knob for it. Undefined when neither applies.
 */
export function proxylessTimeoutMs(conf: MeshTimeoutConf): number | undefined {
  const limits = [conf.http?.requestTimeout, conf.http?.maxStreamDuration].flatMap((t) => (t === undefined ? [] : [durationMs(t)])).filter((ms) => ms > 0);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/**
 * Proxyless gRPC route timeouts: every forwarding route gets `max_stream_duration.max_stream_duration`
 * (gRPC fails calls that outlive it with DEADLINE_EXCEEDED, or keeps the application's deadline
 * when that is shorter). Nothing changes when {@link proxylessTimeoutMs} gives no timeout; the
 * generator sets none, so the application's deadline alone applies.
 */
export function configureProxylessRouteTimeouts(routeConfiguration: JsonObject, conf: MeshTimeoutConf): void {
  const ms = proxylessTimeoutMs(conf);
  if (ms === undefined) return;
  for (const action of routeActionsOf(routeConfiguration)) action['max_stream_duration'] = { max_stream_duration: envoyDuration(ms) };
}
