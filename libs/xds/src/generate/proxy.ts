import { isIP } from 'node:net';
import type { DataplaneInbound, DataplaneSpec, JsonObject, MeshSpec, Protocol, Resource } from '@mycel/core';
import { Labels, MycelError, isProtocol } from '@mycel/core';
import { shareResource } from './encoding-cache';
import type { ResourceEntry } from './resource-set';

/** How a dataplane consumes xDS: an Envoy sidecar, or a gRPC application with an xDS client (proxyless). */
export type ProxyKind = 'envoy' | 'grpc';

/** The proxy a snapshot is generated for. */
export interface Proxy {
  readonly dataplane: Resource<DataplaneSpec>;
  readonly mesh: Resource<MeshSpec>;
  /** Zone the proxy runs in (this zone control plane's zone). */
  readonly zone: string;
  readonly kind: ProxyKind;
}

/** One ready instance of a service, as other proxies reach it. */
export interface Endpoint {
  /** IP address other proxies dial: the dataplane's advertisedAddress, else the inbound's address, else the dataplane's address. */
  readonly address: string;
  /** The inbound's port (the port its proxy, or a proxyless server, listens on). */
  readonly port: number;
  /** Zone of the dataplane: its `mycel.io/zone` label, else the local zone. */
  readonly zone: string;
  /** Tags of the inbound. */
  readonly tags: Readonly<Record<string, string>>;
  /** Name of the dataplane the inbound belongs to. */
  readonly dataplane: string;
}

/** What every proxy of one mesh shares: endpoints and protocols of its services, and resources built once. */
export interface MeshContext {
  readonly mesh: string;
  /** Zone of this control plane: its endpoints get priority 0, other zones' priority 1. */
  readonly localZone: string;
  /** Ready endpoints per service name, sorted by zone, address, port. A service whose instances are all unready maps to []. */
  readonly endpoints: ReadonlyMap<string, readonly Endpoint[]>;
  /** Protocol per service (see {@link commonProtocol}). */
  readonly protocols: ReadonlyMap<string, Protocol>;
  /** Every service with at least one inbound in the mesh, sorted. */
  readonly services: readonly string[];
  /** The ClusterLoadAssignments of the mesh, built once per context, frozen; keyed by cluster name (see `clusterLoadAssignment`). */
  readonly shared: SharedResources;
  /**
   * Resources that depend only on their memo key, never on the mesh's endpoints (listeners,
   * clusters, route configurations built from a proxy's own inbounds and outbounds, the protocol
   * of a destination being part of the key), frozen. May outlive the context: a long-lived one keeps
   * the identity of unchanged resources across batches, so encoding and checks find them by identity.
   */
  readonly templates: SharedResources;
  /**
   * What every ClusterLoadAssignment built through this context was built from, by cluster name
   * (a cluster name stands for one service and subset). May outlive the context, so a caller can
   * rebuild the assignments of a snapshot against a newer context (see `patchLoadAssignments`).
   */
  readonly loadAssignments: LoadAssignmentInputs;
}

/** The service and subset tags a ClusterLoadAssignment was built for. */
export interface LoadAssignmentInput {
  readonly service: string;
  /** Subset tags (see `subsetTags`); empty for the whole service. */
  readonly tags: Readonly<Record<string, string>>;
}

/** {@link LoadAssignmentInput}s by cluster name. */
export type LoadAssignmentInputs = Map<string, LoadAssignmentInput>;

/** Options of {@link buildMeshContext}. */
export interface MeshContextOptions {
  /** Long-lived memo of endpoint-independent resources (see {@link MeshContext.templates}); a fresh one by default. */
  readonly templates?: SharedResources;
  /** Long-lived record of ClusterLoadAssignment inputs (see {@link MeshContext.loadAssignments}); a fresh one by default. */
  readonly loadAssignments?: LoadAssignmentInputs;
}

/** A proxy and a mesh context that do not belong together. */
export class ProxyContextError extends MycelError {
  readonly code = 'INTERNAL' as const;
}

/**
 * Memo of resources shared by many proxies: built on first request, frozen with `shareResource`,
 * then reused. The key must name every input of `build`. Unbounded by default; with `maxEntries`
 * it keeps at least the `maxEntries / 2` most recently used entries and at most `maxEntries`
 * (two generations: a hit in the old one moves the entry to the young one; when the young one is
 * full the old one is dropped), so a hit costs one or two map lookups and never a reordering.
 */
export class SharedResources {
  private young = new Map<string, JsonObject>();
  private old = new Map<string, JsonObject>();
  private readonly generationSize: number;
  private buildCount = 0;

  constructor(maxEntries = Number.POSITIVE_INFINITY) {
    this.generationSize = Math.max(1, Math.floor(maxEntries / 2));
  }

  /** The resource memoised under `key`, built by `build` the first time. */
  get<T extends JsonObject>(key: string, build: () => T): T {
    let message = this.young.get(key);
    if (message !== undefined) return message as T;
    message = this.old.get(key);
    if (message === undefined) {
      message = shareResource(build());
      this.buildCount++;
    } else {
      this.old.delete(key);
    }
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, message);
    return message as T;
  }

  /**
   * Memo of whole generator outputs per dataplane object (see `ResourceGenerator.contextKey`),
   * kept with the resources it refers to and dropped with the dataplane object.
   */
  readonly outputs = new WeakMap<object, Map<string, { readonly key: string; readonly entries: readonly ResourceEntry[] }>>();

  /** Number of memoised resources. */
  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Resources built (memo misses) since creation. */
  get builds(): number {
    return this.buildCount;
  }

  /** Copies into this memo every resource of `from` whose key `keep` accepts (as already built: no build is counted). */
  carryOver(from: SharedResources, keep: (key: string) => boolean): void {
    for (const generation of [from.old, from.young]) {
      for (const [key, message] of generation) if (keep(key) && !this.young.has(key)) this.young.set(key, message);
    }
  }
}

/** Default port of Envoy's admin API when the dataplane does not set `networking.admin.port`. */
export const DEFAULT_ADMIN_PORT = 9901;
/** Address outbound listeners bind when the outbound gives none. */
export const DEFAULT_OUTBOUND_ADDRESS = '127.0.0.1';
/** Address the application of an inbound listens on when `serviceAddress` is absent. */
export const DEFAULT_SERVICE_ADDRESS = '127.0.0.1';

/**
 * Builds the context of mesh `meshName` from every dataplane the zone knows (others' meshes are
 * ignored): ready inbounds (`health.ready !== false`) become endpoints of their service, each in
 * its dataplane's zone. Inbounds whose reachable address is a DNS name are left out: EDS and
 * gRPC need IP addresses and resolving names here would make generation depend on DNS.
 * `options` lets a caller keep the endpoint-independent memo and the ClusterLoadAssignment inputs
 * across contexts.
 */
export function buildMeshContext(meshName: string, dataplanes: readonly Resource<DataplaneSpec>[], localZone: string, options: MeshContextOptions = {}): MeshContext {
  const endpoints = new Map<string, Endpoint[]>();
  const protocolsSeen = new Map<string, Set<Protocol>>();
  for (const dp of dataplanes) {
    if (dp.mesh !== meshName) continue;
    for (const c of serviceContributionsOf(dp, localZone)) {
      let seen = protocolsSeen.get(c.service);
      if (seen === undefined) {
        seen = new Set();
        protocolsSeen.set(c.service, seen);
      }
      seen.add(c.protocol);
      let list = endpoints.get(c.service);
      if (list === undefined) {
        list = [];
        endpoints.set(c.service, list);
      }
      if (c.endpoint !== undefined) list.push(c.endpoint);
    }
  }
  for (const list of endpoints.values()) list.sort(compareEndpoints);
  const protocols = new Map<string, Protocol>();
  for (const [service, seen] of protocolsSeen) protocols.set(service, commonProtocol(seen));
  return {
    mesh: meshName,
    localZone,
    endpoints,
    protocols,
    services: [...endpoints.keys()].sort(),
    shared: new SharedResources(),
    templates: options.templates ?? new SharedResources(),
    loadAssignments: options.loadAssignments ?? new Map(),
  };
}

/** What one inbound of a dataplane lends its service: its protocol, and an endpoint when it is ready and has an IP address. */
export interface ServiceContribution {
  readonly service: string;
  readonly protocol: Protocol;
  readonly endpoint: Endpoint | undefined;
}

/** The contributions of every inbound of `dp` that names a service, in inbound order (see {@link buildMeshContext}). */
export function serviceContributionsOf(dp: Resource<DataplaneSpec>, localZone: string): ServiceContribution[] {
  const out: ServiceContribution[] = [];
  const networking = dp.spec.networking;
  const zone = dp.labels[Labels.zone] ?? localZone;
  for (const inbound of networking.inbound ?? []) {
    const service = inbound.tags[Labels.service];
    if (service === undefined) continue;
    const protocol = protocolOfTags(inbound.tags);
    const address = networking.advertisedAddress ?? inbound.address ?? networking.address;
    const ready = inbound.health?.ready !== false && isIP(address) !== 0;
    out.push({ service, protocol, endpoint: ready ? { address, port: inbound.port, zone, tags: inbound.tags, dataplane: dp.name } : undefined });
  }
  return out;
}

/** The protocol an inbound's tags declare; tcp when `mycel.io/protocol` is absent. */
export function protocolOfTags(tags: Readonly<Record<string, string>>): Protocol {
  const p = tags[Labels.protocol];
  return p !== undefined && isProtocol(p) ? p : 'tcp';
}

/**
 * The protocol all instances of a service agree on: the one they share; http2 when they mix grpc
 * and http2 (both speak HTTP/2); tcp otherwise, since a raw TCP proxy works for every protocol.
 */
export function commonProtocol(protocols: ReadonlySet<Protocol>): Protocol {
  if (protocols.size === 1) return [...protocols][0] as Protocol;
  if ([...protocols].every((p) => p === 'grpc' || p === 'http2')) return 'http2';
  return 'tcp';
}

/** True for protocols served through an HTTP connection manager. */
export function isHttpProtocol(protocol: Protocol): boolean {
  return protocol !== 'tcp';
}

/** True for protocols whose upstream connections must speak HTTP/2. */
export function isHttp2Protocol(protocol: Protocol): boolean {
  return protocol === 'http2' || protocol === 'grpc';
}

/** Throws {@link ProxyContextError} unless `ctx` is the context of the proxy's mesh. */
export function assertSameMesh(proxy: Proxy, ctx: MeshContext): void {
  if (proxy.dataplane.mesh !== ctx.mesh || proxy.mesh.name !== ctx.mesh) {
    throw new ProxyContextError(`dataplane ${String(proxy.dataplane.mesh)}/${proxy.dataplane.name} (mesh resource '${proxy.mesh.name}') cannot use the context of mesh '${ctx.mesh}'`);
  }
}

/** An inbound of the proxy with every default applied. */
export interface ResolvedInbound {
  readonly inbound: DataplaneInbound;
  readonly service: string;
  readonly protocol: Protocol;
  /** IP the proxy's listener binds: the inbound's or the dataplane's address; 0.0.0.0 when that is a DNS name. */
  readonly bindAddress: string;
  readonly port: number;
  /** Where the application listens. */
  readonly serviceAddress: string;
  readonly servicePort: number;
}

/** The proxy's inbounds with defaults applied, in declaration order. */
export function resolvedInbounds(proxy: Proxy): ResolvedInbound[] {
  const networking = proxy.dataplane.spec.networking;
  return (networking.inbound ?? []).map((inbound) => {
    const address = inbound.address ?? networking.address;
    return {
      inbound,
      service: inbound.tags[Labels.service] ?? '',
      protocol: protocolOfTags(inbound.tags),
      bindAddress: isIP(address) === 0 ? '0.0.0.0' : address,
      port: inbound.port,
      serviceAddress: inbound.serviceAddress ?? DEFAULT_SERVICE_ADDRESS,
      servicePort: inbound.servicePort ?? inbound.port,
    };
  });
}

/** Where one outbound of the proxy leads. */
export interface OutboundDestination {
  readonly service: string;
  /** Tags the outbound selects endpoints by (including `mycel.io/service`). */
  readonly tags: Readonly<Record<string, string>>;
  readonly protocol: Protocol;
  readonly listenAddress: string;
  readonly listenPort: number;
}

/**
 * The proxy's tag-based outbounds with defaults applied, in declaration order. Outbounds with a
 * `backendRef` are skipped: they name a MeshService, a resource type Mycel does not have yet, so
 * there is nothing to resolve them against.
 */
export function outboundDestinations(proxy: Proxy, ctx: MeshContext): OutboundDestination[] {
  const out: OutboundDestination[] = [];
  for (const outbound of proxy.dataplane.spec.networking.outbound ?? []) {
    if (outbound.tags === undefined) continue;
    const service = outbound.tags[Labels.service];
    if (service === undefined) continue;
    out.push({
      service,
      tags: outbound.tags,
      protocol: ctx.protocols.get(service) ?? 'tcp',
      listenAddress: outbound.address ?? DEFAULT_OUTBOUND_ADDRESS,
      listenPort: outbound.port,
    });
  }
  return out;
}

/** Order of endpoints within a service: zone, address, port, dataplane name. */
export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  if (a.zone !== b.zone) return a.zone < b.zone ? -1 : 1;
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  return a.dataplane < b.dataplane ? -1 : a.dataplane > b.dataplane ? 1 : 0;
}
