import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import * as protobuf from 'protobufjs';
import { UnknownEnvoyTypeError } from './errors';

/**
 * Proto files Mycel builds Envoy config from, relative to the include dirs. Their imports load
 * transitively (core, matchers, validate, udpa/xds annotations, well-known types). A message type
 * used in a `typed_config` must be reachable from this list, or encoding fails with
 * {@link UnknownEnvoyTypeError}. The OpenTelemetry access logger is absent on purpose: it imports
 * `opentelemetry/proto/*`, which `@grpc/grpc-js-xds` does not ship.
 */
export const ENVOY_PROTO_FILES: readonly string[] = Object.freeze([
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  'envoy/config/trace/v3/zipkin.proto',
  'envoy/extensions/stat_sinks/open_telemetry/v3/open_telemetry.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/maglev/v3/maglev.proto',
  'envoy/extensions/load_balancing_policies/random/v3/random.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/client_side_weighted_round_robin/v3/client_side_weighted_round_robin.proto',
  'envoy/extensions/clusters/aggregate/v3/cluster.proto',
]);

/** Prefix of every type URL: `type.googleapis.com/<fully qualified message name>`. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/**
 * Directories proto imports resolve against, in order: the four `deps/` folders of
 * `@grpc/grpc-js-xds` (envoy, xds/udpa, googleapis, protoc-gen-validate), then the protobufjs
 * package folder, which ships `google/protobuf/descriptor.proto` — without it the
 * `(validate.rules)` custom options do not resolve into `parsedOptions`.
 */
export function protoIncludeDirs(): string[] {
  const xdsDir = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const protobufDir = dirname(require.resolve('protobufjs/package.json'));
  return [...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(xdsDir, 'deps', d)), protobufDir];
}

let memo: protobuf.Root | undefined;

/**
 * The one protobufjs `Root` holding {@link ENVOY_PROTO_FILES} with field names as in the protos
 * (`keepCase`), fully resolved. Loaded on first use (a few hundred ms) and shared by the process.
 */
export function envoyProtoRoot(): protobuf.Root {
  if (memo === undefined) memo = loadProtoRoot(ENVOY_PROTO_FILES);
  return memo;
}

/**
 * A new, fully resolved Root of `files` (paths relative to {@link protoIncludeDirs}), fields named
 * as in the protos. Not memoised: for tests and tools; generation uses {@link envoyProtoRoot}.
 */
export function loadProtoRoot(files: readonly string[]): protobuf.Root {
  const dirs = protoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (origin: string, target: string): string | null => {
    if (isAbsolute(target)) return target;
    for (const dir of dirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    // protobufjs serves the well-known types it bundles (any, duration, struct …) by bare name.
    return target;
  };
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}

const typeMemo = new Map<string, protobuf.Type>();

/** The message type named `typeName` (fully qualified, with or without a leading dot); memoised. */
export function lookupMessageType(typeName: string): protobuf.Type {
  const known = typeMemo.get(typeName);
  if (known !== undefined) return known;
  const name = typeName.startsWith('.') ? typeName.slice(1) : typeName;
  let found: protobuf.ReflectionObject | null;
  try {
    // A leading dot makes protobufjs resolve from the root instead of searching every namespace.
    found = envoyProtoRoot().lookup(`.${name}`);
  } catch (err) {
    throw new UnknownEnvoyTypeError(name, { cause: err });
  }
  if (!(found instanceof protobuf.Type)) throw new UnknownEnvoyTypeError(name);
  typeMemo.set(typeName, found);
  return found;
}

/** The message name a type URL carries: everything after its last `/`. */
export function typeNameOfUrl(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

/** `type.googleapis.com/<typeName>`. */
export function typeUrlOf(typeName: string): string {
  return `${TYPE_URL_PREFIX}${typeName.startsWith('.') ? typeName.slice(1) : typeName}`;
}

const nameMemo = new WeakMap<protobuf.ReflectionObject, string>();

/**
 * The fully qualified name of a message or enum type, without the leading dot. Memoised:
 * protobufjs recomputes `fullName` by walking parents on every access, which dominated walks.
 */
export function qualifiedName(type: protobuf.ReflectionObject): string {
  let name = nameMemo.get(type);
  if (name === undefined) {
    name = type.fullName.slice(1);
    nameMemo.set(type, name);
  }
  return name;
}
