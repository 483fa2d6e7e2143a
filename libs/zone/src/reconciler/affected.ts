import type { DataplaneSpec, Resource } from '@mycel/core';
import { Labels, canonicalJson } from '@mycel/core';
import { TypeUrl } from '@mycel/xds';
import type { ProxyKind, Snapshot } from '@mycel/xds';

/**
 * What each service gets from one dataplane, in a comparable form: per service, the canonical JSON
 * of everything of its inbounds that can reach another proxy's configuration (address, port, zone,
 * readiness, tags — the protocol is a tag). Two versions of a dataplane change a service's
 * endpoints (or its protocol) only if their entries for that service differ.
 */
export function serviceContributions(dataplane: Resource<DataplaneSpec> | undefined): Map<string, string> {
  const perService = new Map<string, unknown[]>();
  if (dataplane === undefined) return new Map();
  const networking = dataplane.spec.networking;
  const zone = dataplane.labels[Labels.zone] ?? '';
  for (const inbound of networking.inbound ?? []) {
    const service = inbound.tags[Labels.service];
    if (service === undefined) continue;
    let list = perService.get(service);
    if (list === undefined) {
      list = [];
      perService.set(service, list);
    }
    list.push({
      address: networking.advertisedAddress ?? inbound.address ?? networking.address,
      port: inbound.port,
      zone,
      ready: inbound.health?.ready !== false,
      tags: inbound.tags,
    });
  }
  const out = new Map<string, string>();
  for (const [service, list] of perService) out.set(service, canonicalJson(list));
  return out;
}

/** Services whose endpoints or protocol differ between two versions of a dataplane (either may be absent), sorted. */
export function changedServices(before: Resource<DataplaneSpec> | undefined, after: Resource<DataplaneSpec> | undefined): string[] {
  const a = serviceContributions(before);
  const b = serviceContributions(after);
  const changed = new Set<string>();
  for (const [service, value] of a) if (b.get(service) !== value) changed.add(service);
  for (const service of b.keys()) if (!a.has(service)) changed.add(service);
  return [...changed].sort();
}

/**
 * The services whose endpoints a dataplane's configuration contains: those of its tag outbounds,
 * or — for a proxyless gRPC client without any — every service of the mesh (`'all'`), since it may
 * dial any `xds:///<service>`. Mirrors what the outbound, endpoints and proxyless generators read.
 */
export function consumedServices(dataplane: Resource<DataplaneSpec>, kind: ProxyKind): ReadonlySet<string> | 'all' {
  const services = new Set<string>();
  for (const outbound of dataplane.spec.networking.outbound ?? []) {
    const service = outbound.tags?.[Labels.service];
    if (service !== undefined) services.add(service);
  }
  if (kind === 'grpc' && services.size === 0) return 'all';
  return services;
}

/** True when a dataplane of `kind` consumes at least one of `services`. */
export function consumesAny(dataplane: Resource<DataplaneSpec>, kind: ProxyKind, services: ReadonlySet<string>): boolean {
  if (services.size === 0) return false;
  const consumed = consumedServices(dataplane, kind);
  if (consumed === 'all') return true;
  for (const service of consumed) if (services.has(service)) return true;
  return false;
}

const SUBSET_SUFFIX = /-[0-9a-f]{10}$/;

/**
 * The services whose endpoints a snapshot carries, from its ClusterLoadAssignment names: a
 * cluster is named `<service>` or, for a subset, `<service>-<10 hex>` (see `subsetClusterName`),
 * so both readings count. This catches destinations that policies add (a MeshHTTPRoute splitting
 * traffic to another service), which the dataplane's outbounds do not show.
 */
export function servicesOfSnapshot(snapshot: Snapshot): Set<string> {
  const services = new Set<string>();
  for (const cluster of snapshot.resources.get(TypeUrl.endpoint)?.keys() ?? []) {
    services.add(cluster);
    if (SUBSET_SUFFIX.test(cluster)) services.add(cluster.slice(0, -11));
  }
  return services;
}

/** True when the two sets share an element. */
export function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) return true;
  return false;
}
