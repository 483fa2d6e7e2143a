/*
 * Node metadata keys the bootstraps set and the ADS authorizer reads. The xDS node id of a dataplane
 * is `<mesh>.<name>`; since mesh names may contain dots too, the bootstraps also say which part is
 * which, and the authorizer then requires the id to agree with them.
 */

/** Node metadata key naming the dataplane's mesh. */
export const NODE_MESH_KEY = 'mycel.io/mesh';
/** Node metadata key naming the dataplane. */
export const NODE_NAME_KEY = 'mycel.io/name';
/**
 * Node metadata key carrying the dataplane token of a proxyless gRPC client (gRPC's xDS clients
 * cannot add call credentials to their ADS stream). Envoy sends its token as call metadata instead.
 */
export const NODE_TOKEN_KEY = 'mycel.io/token';
/** Node metadata key saying which kind of dataplane the node is (`envoy` or `grpc`). */
export const NODE_PROXY_KIND_KEY = 'mycel.io/proxy-kind';
/** Node metadata key holding the versions the dataplane reported at bootstrap (`{mycelDp?, envoy?}`). */
export const NODE_VERSION_KEY = 'mycel.io/version';

/**
 * A string field of node metadata, which arrives as a decoded `google.protobuf.Struct` —
 * `{fields: {k: {stringValue}}}` as proto-loader gives it (protobufjs bundles the well-known types
 * with camelCase fields), `string_value` accepted too — or as plain JSON. Undefined when the key is
 * absent or not a string.
 */
export function nodeMetadataString(metadata: unknown, key: string): string | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const fields = (metadata as { fields?: unknown }).fields;
  if (typeof fields === 'object' && fields !== null && !Array.isArray(fields)) {
    const value = (fields as Record<string, unknown>)[key];
    if (typeof value !== 'object' || value === null) return undefined;
    const s = (value as { string_value?: unknown; stringValue?: unknown }).string_value ?? (value as { stringValue?: unknown }).stringValue;
    return typeof s === 'string' ? s : undefined;
  }
  const plain = (metadata as Record<string, unknown>)[key];
  return typeof plain === 'string' ? plain : undefined;
}
