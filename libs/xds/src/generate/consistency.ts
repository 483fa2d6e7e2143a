import { isIP } from 'node:net';
import type { JsonObject, Violation } from '@mycel/core';
import { MycelError, childPath, isObject } from '@mycel/core';
import { formatViolations } from '../envoy/errors';
import { typeNameOfUrl } from '../envoy/protos';
import { visitMessages } from '../envoy/visit';
import type { XdsTypeUrl } from '../resource-types';
import { TypeUrl } from '../resource-types';
import { isSharedResource } from './encoding-cache';
import type { ResourceSet } from './resource-set';
import { shortTypeName } from './resource-set';

/** A resource set that references resources it does not contain; serving it would leave Envoy (or gRPC) waiting or failing. */
export class SnapshotInconsistencyError extends MycelError {
  readonly code = 'INTERNAL' as const;
  readonly violations: readonly Violation[];

  constructor(violations: readonly Violation[], options?: { cause?: unknown }) {
    super(`inconsistent snapshot: ${formatViolations(violations)}`, options);
    this.violations = violations;
  }
}

/** A name one resource needs from another type, and where it is used. */
interface Reference {
  readonly typeUrl: XdsTypeUrl;
  readonly name: string;
  readonly field: string;
}

/**
 * Checks references between the resources of `set`, as go-control-plane checks a snapshot: every
 * cluster a listener, route configuration or cluster names (route actions, weighted clusters,
 * mirrors, TCP proxies, aggregate clusters) is in the set; every EDS cluster fed over ADS has a
 * ClusterLoadAssignment (its `service_name`, else its name); every RDS route configuration and SDS
 * secret fetched over ADS is in the set. Also checks that no two listeners bind the same socket,
 * which Envoy refuses. Returns one violation per problem (field `<Type> '<name>' <path>`), in
 * resource order.
 */
export function checkConsistency(set: ResourceSet): Violation[] {
  // Nearly every set is consistent: prove that without sorting, and list violations in order only when there are some.
  if (isConsistent(set)) return [];
  const out: Violation[] = [];
  const sockets = new Map<string, string>();
  for (const entry of set.entries()) {
    if (entry.typeUrl === TypeUrl.listener) {
      const socket = socketOf(entry.message);
      const first = socket === undefined ? undefined : sockets.get(socket);
      if (socket !== undefined && first !== undefined) {
        out.push({ field: `Listener '${entry.name}' address`, reason: `binds ${socket}, which Listener '${first}' already binds (Envoy rejects the second)` });
      } else if (socket !== undefined) {
        sockets.set(socket, entry.name);
      }
    }
    const where = `${shortTypeName(entry.typeUrl)} '${entry.name}'`;
    for (const ref of referencesOf(entry.typeUrl, entry.message)) {
      if (!set.has(ref.typeUrl, ref.name)) {
        out.push({ field: `${where} ${ref.field}`.trimEnd(), reason: `references ${shortTypeName(ref.typeUrl)} '${ref.name}', which is not in the snapshot` });
      }
    }
  }
  return out;
}

/** True when {@link checkConsistency} would find nothing; visits resources in any order, stops at the first problem. */
function isConsistent(set: ResourceSet): boolean {
  const sockets = new Set<string>();
  let ok = true;
  set.forEach((typeUrl, _name, message) => {
    if (!ok) return;
    if (typeUrl === TypeUrl.listener) {
      const socket = socketOf(message);
      if (socket !== undefined) {
        if (sockets.has(socket)) ok = false;
        sockets.add(socket);
      }
    }
    for (const ref of referencesOf(typeUrl, message)) {
      if (!set.has(ref.typeUrl, ref.name)) ok = false;
    }
  });
  return ok;
}

/** A resource of a set that replaced one of the same type and name in an earlier, consistent set. */
export interface ReplacedResource {
  readonly typeUrl: XdsTypeUrl;
  readonly message: JsonObject;
  readonly previous: JsonObject;
}

/**
 * True when `set` is provably consistent given that it holds exactly the names of an earlier set
 * that was consistent and differs from it only in `replaced`: every reference of a replaced
 * resource resolves, and a replaced listener binds the socket it bound before. False means
 * "unknown": run {@link checkConsistency} on the whole set.
 */
export function replacementsConsistent(set: ResourceSet, replaced: readonly ReplacedResource[]): boolean {
  for (const r of replaced) {
    if (r.typeUrl === TypeUrl.listener && socketOf(r.message) !== socketOf(r.previous)) return false;
    for (const ref of referencesOf(r.typeUrl, r.message)) if (!set.has(ref.typeUrl, ref.name)) return false;
  }
  return true;
}

/** Throws {@link SnapshotInconsistencyError} when {@link checkConsistency} finds anything. */
export function assertConsistent(set: ResourceSet): void {
  const violations = checkConsistency(set);
  if (violations.length > 0) throw new SnapshotInconsistencyError(violations);
}

const sharedReferences = new WeakMap<object, Reference[]>();
const sharedSockets = new WeakMap<object, string | null>();

/** {@link boundSocket}, computed once per shared (frozen) listener. */
function socketOf(listener: JsonObject): string | undefined {
  if (!isSharedResource(listener)) return boundSocket(listener);
  let socket = sharedSockets.get(listener);
  if (socket === undefined) {
    socket = boundSocket(listener) ?? null;
    sharedSockets.set(listener, socket);
  }
  return socket ?? undefined;
}

function referencesOf(typeUrl: XdsTypeUrl, message: JsonObject): Reference[] {
  // A ClusterLoadAssignment names nothing; endpoints are the bulk of a snapshot, so skip the walk.
  if (typeUrl === TypeUrl.endpoint) return [];
  // Shared resources are frozen, so what they reference cannot change: walk each once.
  if (!isSharedResource(message)) return collectReferences(typeUrl, message);
  let refs = sharedReferences.get(message);
  if (refs === undefined) {
    refs = collectReferences(typeUrl, message);
    sharedReferences.set(message, refs);
  }
  return refs;
}

function collectReferences(typeUrl: XdsTypeUrl, message: JsonObject): Reference[] {
  const refs: Reference[] = [];
  const add = (refType: XdsTypeUrl, name: unknown, field: string): void => {
    if (typeof name === 'string' && name !== '') refs.push({ typeUrl: refType, name, field });
  };
  visitMessages(typeNameOfUrl(typeUrl), message, (typeName, m, path) => {
    switch (typeName) {
      case 'envoy.config.route.v3.RouteAction':
      case 'envoy.config.route.v3.RouteAction.RequestMirrorPolicy':
      case 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy':
        add(TypeUrl.cluster, m['cluster'], childPath(path, 'cluster'));
        break;
      case 'envoy.config.route.v3.WeightedCluster.ClusterWeight':
      case 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.WeightedCluster.ClusterWeight':
        add(TypeUrl.cluster, m['name'], childPath(path, 'name'));
        break;
      case 'envoy.extensions.clusters.aggregate.v3.ClusterConfig':
        if (Array.isArray(m['clusters'])) m['clusters'].forEach((c: unknown, i) => add(TypeUrl.cluster, c, `${childPath(path, 'clusters')}[${i}]`));
        break;
      case 'envoy.extensions.filters.network.http_connection_manager.v3.Rds':
        if (usesAds(m['config_source'])) add(TypeUrl.route, m['route_config_name'], childPath(path, 'route_config_name'));
        break;
      case 'envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig':
        if (usesAds(m['sds_config'])) add(TypeUrl.secret, m['name'], childPath(path, 'name'));
        break;
      case 'envoy.config.cluster.v3.Cluster': {
        const eds = m['eds_cluster_config'];
        if ((m['type'] === 'EDS' || m['type'] === 3) && isObject(eds) && usesAds(eds['eds_config'])) {
          const serviceName = typeof eds['service_name'] === 'string' && eds['service_name'] !== '' ? eds['service_name'] : m['name'];
          add(TypeUrl.endpoint, serviceName, path);
        }
        break;
      }
      default:
        break;
    }
  });
  return refs;
}

/** `address:port/protocol` of the socket a listener binds, or undefined (api_listener, bind_to_port false, pipes). */
function boundSocket(listener: JsonObject): string | undefined {
  const bind = listener['bind_to_port'];
  if (isObject(bind) && bind['value'] === false) return undefined;
  const address = listener['address'];
  const socket = isObject(address) ? address['socket_address'] : undefined;
  if (!isObject(socket) || typeof socket['address'] !== 'string') return undefined;
  const ip = isIP(socket['address']) === 6 ? new URL(`http://[${socket['address']}]/`).hostname : socket['address'];
  const port = socket['port_value'] ?? socket['named_port'];
  return `${ip}:${String(port)}/${typeof socket['protocol'] === 'string' ? socket['protocol'] : 'TCP'}`;
}

function usesAds(configSource: unknown): boolean {
  return isObject(configSource) && isObject(configSource['ads']);
}
