import type { ResourceTypeDescriptor } from '../descriptor';
import { parseDuration } from '../duration';
import { nameProblem } from '../names';
import { MESH_TYPE } from '../resource';
import type { JsonObject, Violation } from '../validation';
import { Violations, childPath, indexPath } from '../validation';
import { MAX_PORT, MIN_PORT, hostPortProblem } from './address';
import { GLOBAL_TO_ZONE } from './kds-flags';

/** How strictly a mesh with mTLS enabled treats plaintext traffic. */
export type MeshMtlsMode = 'PERMISSIVE' | 'STRICT';

/** Names a Secret of the same mesh. */
export interface MeshSecretRef {
  /** Name of a Secret in the mesh; its existence is not checked when the Mesh is written. */
  readonly secret: string;
}

/** Fields every mTLS backend has. */
export interface MeshMtlsBackendCommon {
  /** Unique among `mtls.backends`; a resource name. */
  readonly name: string;
  /** Dataplane certificates; `rotation.expiration` is a duration such as `24h`. */
  readonly dpCert?: { readonly rotation?: { readonly expiration: string } };
}

/** A CA generated and kept by the control plane. */
export interface MeshBuiltinMtlsBackend extends MeshMtlsBackendCommon {
  readonly type: 'builtin';
  /** `caCert.expiration` is the lifetime of the generated CA certificate, a duration such as `8760h`. */
  readonly conf?: { readonly caCert?: { readonly expiration?: string } };
}

/** A CA whose certificate and key the user supplies as Secrets. */
export interface MeshProvidedMtlsBackend extends MeshMtlsBackendCommon {
  readonly type: 'provided';
  readonly conf: { readonly cert: MeshSecretRef; readonly key: MeshSecretRef };
}

/** One certificate authority a mesh may use for mTLS. */
export type MeshMtlsBackend = MeshBuiltinMtlsBackend | MeshProvidedMtlsBackend;

/** mTLS settings of a mesh. Validated and stored; not yet acted on. */
export interface MeshMtls {
  /** Name of the backend in use; mTLS is off when absent. Must name one of `backends`. */
  readonly enabledBackend?: string;
  readonly backends?: readonly MeshMtlsBackend[];
  readonly mode?: MeshMtlsMode;
}

/** A Prometheus scrape endpoint exposed by every dataplane. */
export interface MeshMetricsBackend {
  /** Unique among `metrics.backends`; a resource name. */
  readonly name: string;
  readonly type: 'prometheus';
  /** `port` 1..65535; `path` an absolute URL path such as `/metrics`. */
  readonly conf?: { readonly port?: number; readonly path?: string };
}

/** Metrics settings of a mesh. Validated and stored; not yet acted on. */
export interface MeshMetrics {
  /** Must name one of `backends`; metrics are off when absent. */
  readonly enabledBackend?: string;
  readonly backends?: readonly MeshMetricsBackend[];
}

/** Fields every tracing backend has. */
export interface MeshTracingBackendCommon {
  /** Unique among `tracing.backends`; a resource name. */
  readonly name: string;
  /** Percentage of requests traced, 0..100 (fractions allowed). */
  readonly sampling?: number;
}

/** Sends spans to a Zipkin collector. */
export interface MeshZipkinTracingBackend extends MeshTracingBackendCommon {
  readonly type: 'zipkin';
  /** `url` is an absolute http(s) URL such as `http://zipkin:9411/api/v2/spans`. */
  readonly conf: { readonly url: string };
}

/** Sends spans to an OpenTelemetry collector over OTLP/gRPC. */
export interface MeshOtlpTracingBackend extends MeshTracingBackendCommon {
  readonly type: 'otlp';
  /** `endpoint` is `host:port`, e.g. `otel-collector:4317`. */
  readonly conf: { readonly endpoint: string };
}

/** One place a mesh may send traces. */
export type MeshTracingBackend = MeshZipkinTracingBackend | MeshOtlpTracingBackend;

/** Tracing settings of a mesh. Validated and stored; not yet acted on. */
export interface MeshTracing {
  /** Must name one of `backends`. */
  readonly defaultBackend?: string;
  readonly backends?: readonly MeshTracingBackend[];
}

/** Fields every access-log backend has. */
export interface MeshLoggingBackendCommon {
  /** Unique among `logging.backends`; a resource name. */
  readonly name: string;
  /** Envoy access-log format string; Envoy's default format when absent. */
  readonly format?: string;
}

/** Appends access logs to a file on the dataplane's host. */
export interface MeshFileLoggingBackend extends MeshLoggingBackendCommon {
  readonly type: 'file';
  /** `path` is absolute, e.g. `/var/log/access.log`. */
  readonly conf: { readonly path: string };
}

/** Streams access logs to a TCP listener. */
export interface MeshTcpLoggingBackend extends MeshLoggingBackendCommon {
  readonly type: 'tcp';
  /** `address` is `host:port`. */
  readonly conf: { readonly address: string };
}

/** Sends access logs to an OpenTelemetry collector over OTLP/gRPC. */
export interface MeshOtlpLoggingBackend extends MeshLoggingBackendCommon {
  readonly type: 'otlp';
  /** `endpoint` is `host:port`. */
  readonly conf: { readonly endpoint: string };
}

/** One place a mesh may send access logs. */
export type MeshLoggingBackend = MeshFileLoggingBackend | MeshTcpLoggingBackend | MeshOtlpLoggingBackend;

/** Access-log settings of a mesh. Validated and stored; not yet acted on. */
export interface MeshLogging {
  /** Must name one of `backends`. */
  readonly defaultBackend?: string;
  readonly backends?: readonly MeshLoggingBackend[];
}

/** Network settings of a mesh. Validated and stored; not yet acted on. */
export interface MeshNetworking {
  /** `passthrough`: whether traffic to destinations outside the mesh is let through (Kuma's default: true). */
  readonly outbound?: { readonly passthrough?: boolean };
}

/** Routing settings of a mesh. Validated and stored; not yet acted on. */
export interface MeshRouting {
  /** Prefer endpoints in the caller's zone and locality. */
  readonly localityAwareLoadBalancing?: boolean;
  /** Send cross-zone and external traffic through a ZoneEgress. */
  readonly zoneEgress?: boolean;
}

/** Spec of a `Mesh`; every section is optional and an empty spec is a valid mesh. */
export interface MeshSpec {
  readonly mtls?: MeshMtls;
  readonly metrics?: MeshMetrics;
  readonly tracing?: MeshTracing;
  readonly logging?: MeshLogging;
  readonly networking?: MeshNetworking;
  readonly routing?: MeshRouting;
}

const MTLS_MODES: readonly MeshMtlsMode[] = ['PERMISSIVE', 'STRICT'];
const MTLS_BACKEND_TYPES = ['builtin', 'provided'] as const;
const TRACING_BACKEND_TYPES = ['zipkin', 'otlp'] as const;
const LOGGING_BACKEND_TYPES = ['file', 'tcp', 'otlp'] as const;
const URL_PATH = /^\/[^\s?#]*$/;

/** A positive duration such as `24h`; `required` decides whether absence is a violation. */
function positiveDuration(v: Violations, value: unknown, path: string, required: boolean): void {
  const text = required ? v.string(value, path) : v.optionalString(value, path);
  if (text === undefined) return;
  const ms = parseDuration(text);
  if (ms === undefined) v.add(path, `must be a duration such as '500ms', '10s', '5m' or '24h', got '${text}'`);
  else if (ms <= 0) v.add(path, `must be a positive duration, got '${text}'`);
}

/** Requires a `{secret: <name>}` reference. */
function secretRef(v: Violations, value: unknown, path: string): void {
  if (value === undefined) {
    v.add(path, 'is required');
    return;
  }
  const o = v.object(value, path, ['secret']);
  if (!o) return;
  const name = v.string(o['secret'], childPath(path, 'secret'));
  const problem = name === undefined ? undefined : nameProblem(name);
  if (problem) v.add(childPath(path, 'secret'), problem);
}

/** Requires `value` to be present (with a reason naming the type that needs it), then an object. */
function requiredConf(v: Violations, value: unknown, path: string, type: string, allowed: readonly string[]): JsonObject | undefined {
  if (value === undefined) {
    v.add(path, `is required for type '${type}'`);
    return undefined;
  }
  return v.object(value, path, allowed);
}

/**
 * Walks `section.backends`: checks each item's envelope (`name`, `type`, the keys allowed for it)
 * and hands the object to `item` for type-specific checks. Returns every string name seen, so the
 * enabled/default backend can be checked against it without piling a second violation on a bad name.
 */
function backends<T extends string>(
  v: Violations,
  value: unknown,
  path: string,
  keys: readonly string[],
  types: readonly T[],
  item: (o: JsonObject, type: T | undefined, path: string) => void,
): Set<string> {
  const names = new Map<string, string>();
  const list = v.optionalArray(value, path);
  list?.forEach((raw, i) => {
    const p = indexPath(path, i);
    const o = v.object(raw, p, keys);
    if (!o) return;
    const namePath = childPath(p, 'name');
    const name = v.string(o['name'], namePath);
    if (name !== undefined) {
      const problem = nameProblem(name);
      if (problem) v.add(namePath, problem);
      const first = names.get(name);
      if (first !== undefined) v.add(namePath, `must be unique within ${path}, got '${name}' which ${first} already uses`);
      else names.set(name, namePath);
    }
    item(o, v.oneOf(o['type'], childPath(p, 'type'), types), p);
  });
  return new Set(names.keys());
}

/** An optional name that must be one of `names` (the backends of `listPath`). */
function backendReference(v: Violations, value: unknown, path: string, names: Set<string>, listPath: string): void {
  const name = v.optionalString(value, path);
  if (name === undefined || names.has(name)) return;
  if (names.size === 0) v.add(path, `must name a backend of ${listPath}, got '${name}' but no backend is declared`);
  else {
    const known = [...names].sort().map((n) => `'${n}'`).join(', ');
    v.add(path, `must name a backend of ${listPath} (one of ${known}), got '${name}'`);
  }
}

function validateMtls(v: Violations, value: unknown, path: string): void {
  const o = v.optionalObject(value, path, ['enabledBackend', 'backends', 'mode']);
  if (!o) return;
  const listPath = childPath(path, 'backends');
  const names = backends(v, o['backends'], listPath, ['name', 'type', 'dpCert', 'conf'], MTLS_BACKEND_TYPES, (b, type, p) => {
    const dpCert = v.optionalObject(b['dpCert'], childPath(p, 'dpCert'), ['rotation']);
    if (dpCert) {
      const rotationPath = childPath(childPath(p, 'dpCert'), 'rotation');
      const rotation = v.optionalObject(dpCert['rotation'], rotationPath, ['expiration']);
      if (rotation) positiveDuration(v, rotation['expiration'], childPath(rotationPath, 'expiration'), true);
    }
    const confPath = childPath(p, 'conf');
    if (type === 'builtin') {
      const conf = v.optionalObject(b['conf'], confPath, ['caCert']);
      const caCert = conf && v.optionalObject(conf['caCert'], childPath(confPath, 'caCert'), ['expiration']);
      if (caCert) positiveDuration(v, caCert['expiration'], childPath(childPath(confPath, 'caCert'), 'expiration'), false);
    } else if (type === 'provided') {
      const conf = requiredConf(v, b['conf'], confPath, type, ['cert', 'key']);
      if (conf) {
        secretRef(v, conf['cert'], childPath(confPath, 'cert'));
        secretRef(v, conf['key'], childPath(confPath, 'key'));
      }
    }
  });
  backendReference(v, o['enabledBackend'], childPath(path, 'enabledBackend'), names, listPath);
  v.optionalOneOf(o['mode'], childPath(path, 'mode'), MTLS_MODES);
}

function validateMetrics(v: Violations, value: unknown, path: string): void {
  const o = v.optionalObject(value, path, ['enabledBackend', 'backends']);
  if (!o) return;
  const listPath = childPath(path, 'backends');
  const names = backends(v, o['backends'], listPath, ['name', 'type', 'conf'], ['prometheus'] as const, (b, type, p) => {
    if (type !== 'prometheus') return;
    const confPath = childPath(p, 'conf');
    const conf = v.optionalObject(b['conf'], confPath, ['port', 'path']);
    if (!conf) return;
    v.optionalInteger(conf['port'], childPath(confPath, 'port'), MIN_PORT, MAX_PORT);
    const urlPath = v.optionalString(conf['path'], childPath(confPath, 'path'));
    if (urlPath !== undefined && !URL_PATH.test(urlPath)) {
      v.add(childPath(confPath, 'path'), `must be a URL path starting with '/' and without spaces, '?' or '#', got '${urlPath}'`);
    }
  });
  backendReference(v, o['enabledBackend'], childPath(path, 'enabledBackend'), names, listPath);
}

function httpUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // An unparseable URL is simply invalid input; the reason below says so.
    return `must be an absolute http or https URL, got '${text}'`;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : `must be an absolute http or https URL, got '${text}'`;
}

/** Checks a required string field of a backend `conf` with `problem`. */
function confString(v: Violations, conf: JsonObject, confPath: string, key: string, problem: (text: string) => string | undefined): void {
  const p = childPath(confPath, key);
  const text = v.string(conf[key], p);
  const reason = text === undefined ? undefined : problem(text);
  if (reason) v.add(p, reason);
}

function validateTracing(v: Violations, value: unknown, path: string): void {
  const o = v.optionalObject(value, path, ['defaultBackend', 'backends']);
  if (!o) return;
  const listPath = childPath(path, 'backends');
  const names = backends(v, o['backends'], listPath, ['name', 'type', 'sampling', 'conf'], TRACING_BACKEND_TYPES, (b, type, p) => {
    v.optionalNumber(b['sampling'], childPath(p, 'sampling'), 0, 100);
    if (type === undefined) return;
    const confPath = childPath(p, 'conf');
    const key = type === 'zipkin' ? 'url' : 'endpoint';
    const conf = requiredConf(v, b['conf'], confPath, type, [key]);
    if (conf) confString(v, conf, confPath, key, type === 'zipkin' ? httpUrlProblem : hostPortProblem);
  });
  backendReference(v, o['defaultBackend'], childPath(path, 'defaultBackend'), names, listPath);
}

function absolutePathProblem(text: string): string | undefined {
  return text.startsWith('/') ? undefined : `must be an absolute file path, got '${text}'`;
}

function validateLogging(v: Violations, value: unknown, path: string): void {
  const o = v.optionalObject(value, path, ['defaultBackend', 'backends']);
  if (!o) return;
  const listPath = childPath(path, 'backends');
  const names = backends(v, o['backends'], listPath, ['name', 'type', 'format', 'conf'], LOGGING_BACKEND_TYPES, (b, type, p) => {
    v.optionalString(b['format'], childPath(p, 'format'));
    if (type === undefined) return;
    const confPath = childPath(p, 'conf');
    const key = type === 'file' ? 'path' : type === 'tcp' ? 'address' : 'endpoint';
    const conf = requiredConf(v, b['conf'], confPath, type, [key]);
    if (conf) confString(v, conf, confPath, key, type === 'file' ? absolutePathProblem : hostPortProblem);
  });
  backendReference(v, o['defaultBackend'], childPath(path, 'defaultBackend'), names, listPath);
}

function validateNetworking(v: Violations, value: unknown, path: string): void {
  const o = v.optionalObject(value, path, ['outbound']);
  if (!o) return;
  const outbound = v.optionalObject(o['outbound'], childPath(path, 'outbound'), ['passthrough']);
  if (outbound) v.optionalBoolean(outbound['passthrough'], childPath(childPath(path, 'outbound'), 'passthrough'));
}

function validateRouting(v: Violations, value: unknown, path: string): void {
  const o = v.optionalObject(value, path, ['localityAwareLoadBalancing', 'zoneEgress']);
  if (!o) return;
  v.optionalBoolean(o['localityAwareLoadBalancing'], childPath(path, 'localityAwareLoadBalancing'));
  v.optionalBoolean(o['zoneEgress'], childPath(path, 'zoneEgress'));
}

/** Validates a Mesh spec; every violation's field starts with `spec`. */
export function validateMeshSpec(spec: unknown): Violation[] {
  const v = new Violations();
  const s = v.object(spec, 'spec', ['mtls', 'metrics', 'tracing', 'logging', 'networking', 'routing']);
  if (s) {
    validateMtls(v, s['mtls'], 'spec.mtls');
    validateMetrics(v, s['metrics'], 'spec.metrics');
    validateTracing(v, s['tracing'], 'spec.tracing');
    validateLogging(v, s['logging'], 'spec.logging');
    validateNetworking(v, s['networking'], 'spec.networking');
    validateRouting(v, s['routing'], 'spec.routing');
  }
  return v.all;
}

/** `Mesh`: a global type, sent from global to every zone; deleting one deletes everything in it. */
export const MeshType: ResourceTypeDescriptor = Object.freeze({
  name: MESH_TYPE,
  plural: 'meshes',
  singular: 'mesh',
  scope: 'global',
  kds: GLOBAL_TO_ZONE,
  isPolicy: false,
  readOnly: false,
  sensitive: false,
  description: 'An isolated service mesh: its mTLS, metrics, tracing, logging, networking and routing settings.',
  validate: (spec: unknown) => validateMeshSpec(spec),
});
