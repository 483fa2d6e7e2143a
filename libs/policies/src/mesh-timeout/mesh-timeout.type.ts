import type { ResourceTypeDescriptor } from '@mycel/core';
import { POLICY_KDS } from '../framework/kds';
import type { MeshServiceTargetRef, MeshTargetRef, TargetRef } from '../framework/target-ref';
import { validateMeshTimeoutSpec } from './mesh-timeout.validator';

/** HTTP timeouts (http, http2 and grpc traffic). Durations are Go-style texts: `500ms`, `15s`, `1h`. */
export interface MeshTimeoutHttpConf {
  /** Time for a whole request and its response (Envoy route `timeout`; the RPC deadline of proxyless gRPC). `0s` disables. */
  readonly requestTimeout?: string;
  /** Time a stream may go without activity (HttpConnectionManager `stream_idle_timeout`). `0s` disables. */
  readonly streamIdleTimeout?: string;
  /** Longest life of a stream (cluster `max_stream_duration`; bounds the RPC deadline of proxyless gRPC). `0s` disables. */
  readonly maxStreamDuration?: string;
  /** Longest life of an upstream connection (cluster `max_connection_duration`). `0s` disables. */
  readonly maxConnectionDuration?: string;
  /** Time to receive the request headers, inbound only (HttpConnectionManager `request_headers_timeout`). `0s` disables. */
  readonly requestHeadersTimeout?: string;
}

/** The timeouts a MeshTimeout entry sets; absent fields leave the generated value (or a less specific policy's) alone. */
export interface MeshTimeoutConf {
  /** Time to establish a TCP connection to an upstream (cluster `connect_timeout`); greater than 0. */
  readonly connectionTimeout?: string;
  /** Time a connection may stay idle: upstream HTTP connections (cluster `idle_timeout`) or TCP sessions (TcpProxy `idle_timeout`). `0s` disables. */
  readonly idleTimeout?: string;
  readonly http?: MeshTimeoutHttpConf;
}

/** Timeouts for outbound traffic to `targetRef` (every destination, or one service). */
export interface MeshTimeoutTo {
  readonly targetRef: MeshTargetRef | MeshServiceTargetRef;
  readonly default: MeshTimeoutConf;
}

/** Timeouts for inbound traffic from `targetRef` (only `Mesh`: every source). */
export interface MeshTimeoutFrom {
  readonly targetRef: MeshTargetRef;
  readonly default: MeshTimeoutConf;
}

/** Timeouts for all inbound traffic (the newer Kuma form of `from[{targetRef: Mesh}]`). */
export interface MeshTimeoutRule {
  readonly default: MeshTimeoutConf;
}

/** Spec of a `MeshTimeout`: at least one entry in `to`, `from` or `rules`; `from` and `rules` do not mix. */
export interface MeshTimeoutSpec {
  /** The proxies it applies to; `{kind: Mesh}` when absent. Kinds: Mesh, MeshSubset, MeshService, Dataplane. */
  readonly targetRef?: TargetRef;
  readonly to?: readonly MeshTimeoutTo[];
  readonly from?: readonly MeshTimeoutFrom[];
  readonly rules?: readonly MeshTimeoutRule[];
}

/** `MeshTimeout`: connection, idle and HTTP request timeouts of outbound and inbound traffic. */
export const MeshTimeoutType: ResourceTypeDescriptor = Object.freeze({
  name: 'MeshTimeout',
  plural: 'meshtimeouts',
  singular: 'meshtimeout',
  scope: 'mesh',
  kds: POLICY_KDS,
  isPolicy: true,
  readOnly: false,
  sensitive: false,
  description: 'Connection, idle and HTTP request timeouts for traffic to destinations (to) and to inbounds (from, rules).',
  validate: (spec: unknown) => validateMeshTimeoutSpec(spec),
});
