/** Envoy v3 type URLs of the resources Mycel serves, in the push order of ADS (CDS → EDS → LDS → RDS → SDS). */
export const TypeUrl = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

/** One of the {@link TypeUrl} values. */
export type XdsTypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** Type URLs in the order a server pushes them, so references resolve before they are used. */
export const PUSH_ORDER: readonly XdsTypeUrl[] = [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.listener, TypeUrl.route, TypeUrl.secret];

/** A `google.protobuf.Any` as grpc-js/protobufjs encode it. */
export interface EncodedAny {
  readonly type_url: string;
  readonly value: Buffer;
}

/**
 * One encoded xDS resource. `version` is a content hash of the encoded bytes, so an unchanged
 * resource keeps its version and is never re-sent; it is compared only for equality.
 */
export interface XdsResource {
  readonly typeUrl: XdsTypeUrl;
  readonly name: string;
  readonly version: string;
  readonly any: EncodedAny;
}

/**
 * Everything one node (dataplane) should have, per type URL and resource name. Immutable once
 * built; the snapshot cache replaces snapshots, it never edits one.
 */
export interface Snapshot {
  readonly resources: ReadonlyMap<XdsTypeUrl, ReadonlyMap<string, XdsResource>>;
}
