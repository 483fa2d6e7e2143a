import type { JsonObject, Protocol } from '@mycel/core';
import { Labels } from '@mycel/core';
import type { MeshContext, OutboundDestination, Proxy, ResourceSet } from '@mycel/xds';
import {
  TypeUrl,
  clusterLoadAssignment,
  isHttpProtocol,
  outboundDestinations,
  outboundListenerName,
  outboundRouteConfigName,
  proxylessListenerName,
  serviceClusterName,
  sharedEdsCluster,
  sharedProxylessCluster,
  subsetClusterName,
  subsetTags,
} from '@mycel/xds';

/** Where one outbound of the proxy leads, and the resources that carry its traffic. */
export interface OutboundTarget {
  readonly service: string;
  /** Tags the outbound selects endpoints by (`mycel.io/service` included; only that for proxyless clients). */
  readonly tags: Readonly<Record<string, string>>;
  readonly protocol: Protocol;
  /** The cluster the generator routes this outbound to. */
  readonly cluster: string;
  /** The Listener: `outbound:<ip>:<port>` (Envoy) or the api_listener `<service>` (proxyless). */
  readonly listener: string;
  /** The RDS RouteConfiguration of an HTTP outbound (`outbound:<cluster>`); undefined for TCP. */
  readonly routeConfig?: string;
}

/** An EDS cluster of the proxy that sends to (a subset of) a service. */
export interface ServiceCluster {
  readonly name: string;
  readonly service: string;
  /** The subset tags (see `subsetTags`); empty for the whole service. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The outbound side of one proxy while policies are applied: its outbounds and the service
 * clusters in its resource set. Plugins that route to new destinations (subsets, other services)
 * add them through {@link ensureCluster}, so every cluster has its ClusterLoadAssignment and later
 * plugins (timeouts, circuit breakers …) find every cluster with the service it belongs to.
 */
export class ProxyDestinations {
  /** The proxy's outbounds whose listener the generators produced, in declaration order. */
  readonly outbounds: readonly OutboundTarget[];
  private readonly byCluster = new Map<string, ServiceCluster>();

  /** `outbounds`: what an earlier instance for the same proxy, context and set contents found (they depend on nothing else). */
  constructor(
    private readonly set: ResourceSet,
    private readonly proxy: Proxy,
    private readonly ctx: MeshContext,
    outbounds?: readonly OutboundTarget[],
  ) {
    this.outbounds = outbounds ?? (proxy.kind === 'grpc' ? proxylessOutbounds(proxy, ctx) : envoyOutbounds(proxy, ctx)).filter((o) => set.has(TypeUrl.listener, o.listener));
    for (const o of this.outbounds) {
      if (set.has(TypeUrl.cluster, o.cluster)) this.byCluster.set(o.cluster, { name: o.cluster, service: o.service, tags: subsetTags(o.tags) });
    }
  }

  /** Every service cluster of the proxy, sorted by name. */
  clusters(): ServiceCluster[] {
    return [...this.byCluster.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Number of service clusters known (outbound ones and those added since). */
  get size(): number {
    return this.byCluster.size;
  }

  /** The service clusters registered after the first `count` (in the order they were added). */
  clustersSince(count: number): ServiceCluster[] {
    return count >= this.byCluster.size ? [] : [...this.byCluster.values()].slice(count);
  }

  /** Registers a service cluster that a replayed plugin run added to the set (as {@link ensureCluster} did when it ran). */
  adopt(cluster: ServiceCluster): void {
    this.byCluster.set(cluster.name, cluster);
  }

  /** The service cluster named `name`, or undefined (not a service cluster, e.g. `localhost:8080`). */
  cluster(name: string): ServiceCluster | undefined {
    return this.byCluster.get(name);
  }

  /**
   * The name of the cluster for the endpoints of `service` carrying `tags` (`<service>`, or
   * `<service>-<hash>` for a subset), adding an EDS cluster (HTTP/2 options per the service's
   * protocol for Envoy; the bare EDS cluster gRPC wants for proxyless) and its
   * ClusterLoadAssignment (shared per mesh, filtered by the subset tags) when the set lacks them.
   */
  ensureCluster(service: string, tags: Readonly<Record<string, string>> = {}): string {
    const name = subsetClusterName(service, tags);
    if (!this.set.has(TypeUrl.cluster, name)) {
      // Same shape as the proxyless generator's clusters: gRPC ignores connect_timeout and protocol options.
      const cluster: JsonObject =
        this.proxy.kind === 'grpc' ? sharedProxylessCluster(this.ctx, name) : sharedEdsCluster(this.ctx, name, this.ctx.protocols.get(service) ?? 'tcp');
      this.set.add(TypeUrl.cluster, cluster);
    }
    if (!this.set.has(TypeUrl.endpoint, name)) this.set.add(TypeUrl.endpoint, clusterLoadAssignment(this.ctx, name, service, tags));
    if (!this.byCluster.has(name)) this.byCluster.set(name, { name, service, tags: subsetTags(tags) });
    return name;
  }
}

// An Envoy proxy's outbound targets depend on its (immutable) Dataplane object and the protocols of its destinations only.
const envoyTargets = new WeakMap<object, { readonly key: string; readonly targets: readonly OutboundTarget[] }>();

function envoyOutbounds(proxy: Proxy, ctx: MeshContext): readonly OutboundTarget[] {
  const destinations = outboundDestinations(proxy, ctx);
  let key = '';
  for (const d of destinations) key += `${d.protocol},`;
  const known = envoyTargets.get(proxy.dataplane);
  if (known !== undefined && known.key === key) return known.targets;
  const targets = Object.freeze(buildEnvoyOutbounds(destinations));
  envoyTargets.set(proxy.dataplane, { key, targets });
  return targets;
}

function buildEnvoyOutbounds(destinations: readonly OutboundDestination[]): OutboundTarget[] {
  return destinations.map((d) => {
    const cluster = subsetClusterName(d.service, d.tags);
    return {
      service: d.service,
      tags: d.tags,
      protocol: d.protocol,
      cluster,
      listener: outboundListenerName(d.listenAddress, d.listenPort),
      ...(isHttpProtocol(d.protocol) ? { routeConfig: outboundRouteConfigName(cluster) } : {}),
    };
  });
}

/** As the proxyless generator decides: the services of the outbounds when there are any, else every service of the mesh. */
function proxylessOutbounds(proxy: Proxy, ctx: MeshContext): OutboundTarget[] {
  const declared = outboundDestinations(proxy, ctx).map((d) => d.service);
  const services = [...new Set(declared.length > 0 ? declared : ctx.services)];
  return services.map((service) => {
    const cluster = serviceClusterName(service);
    return { service, tags: { [Labels.service]: service }, protocol: 'grpc', cluster, listener: proxylessListenerName(service), routeConfig: outboundRouteConfigName(cluster) };
  });
}
