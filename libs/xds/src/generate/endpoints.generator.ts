import type { JsonObject } from '@mycel/core';
import { TypeUrl } from '../resource-types';
import { subsetClusterName, subsetTags } from '../naming';
import { socketAddress } from './envoy-messages';
import type { ResourceGenerator } from './generator';
import type { Endpoint, MeshContext, Proxy } from './proxy';
import { outboundDestinations } from './proxy';
import { ResourceSet } from './resource-set';

/** Priority of the localities of the local zone; other zones get the next one, so they take traffic only on failover. */
export const LOCAL_PRIORITY = 0;
/** Weight set on every locality (gRPC drops a locality without one, see the grpc-js-xds notes). */
export const DEFAULT_LOCALITY_WEIGHT = 1;

/**
 * The ClusterLoadAssignment of `cluster`: the ready endpoints of `service` whose tags include the
 * subset `tags` (see `subsetTags`), one locality `{zone}` per zone (remote dataplanes, synced
 * from other zones through global, carry their zone in `mycel.io/zone`). Local-zone localities
 * have priority 0 and the others priority 1, so a client (Envoy, or gRPC's own priority policy)
 * uses other zones only on failover; when the local zone has no *ready* endpoint of the subset
 * (none, or all `health.ready: false` — unready ones are never endpoints) the other zones get
 * priority 0, because priorities must be contiguous from 0 (gRPC NACKs a gap and Envoy would
 * skip an empty level anyway). Every locality has
 * `load_balancing_weight` {@link DEFAULT_LOCALITY_WEIGHT}. Built once per mesh context and shared.
 */
export function clusterLoadAssignment(ctx: MeshContext, cluster: string, service: string, tags: Readonly<Record<string, string>>): JsonObject {
  // ctx.shared holds only ClusterLoadAssignments: the cluster name is the whole key.
  return ctx.shared.get(cluster, () => {
    if (!ctx.loadAssignments.has(cluster)) ctx.loadAssignments.set(cluster, Object.freeze({ service, tags: Object.freeze(subsetTags(tags)) }));
    return buildLoadAssignment(ctx, cluster, service, tags);
  });
}

function buildLoadAssignment(ctx: MeshContext, cluster: string, service: string, tags: Readonly<Record<string, string>>): JsonObject {
  const subset = Object.entries(subsetTags(tags));
  const byZone = new Map<string, Endpoint[]>();
  for (const ep of ctx.endpoints.get(service) ?? []) {
    if (!subset.every(([key, value]) => ep.tags[key] === value)) continue;
    let list = byZone.get(ep.zone);
    if (list === undefined) {
      list = [];
      byZone.set(ep.zone, list);
    }
    list.push(ep);
  }
  const hasLocal = byZone.has(ctx.localZone);
  const zones = [...byZone.keys()].sort((a, b) => (a === ctx.localZone ? -1 : b === ctx.localZone ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const localities = zones.map((zone) => {
    const priority = hasLocal && zone !== ctx.localZone ? LOCAL_PRIORITY + 1 : LOCAL_PRIORITY;
    const locality: JsonObject = {
      locality: { zone },
      lb_endpoints: (byZone.get(zone) ?? []).map((ep) => ({ endpoint: { address: socketAddress(ep.address, ep.port) } })),
      load_balancing_weight: { value: DEFAULT_LOCALITY_WEIGHT },
    };
    if (priority !== 0) locality['priority'] = priority;
    return locality;
  });
  return { cluster_name: cluster, endpoints: localities };
}

/** A ClusterLoadAssignment for every EDS cluster the proxy's outbounds use (shared across proxies). */
export const endpointsGenerator: ResourceGenerator = {
  name: 'endpoints',
  generate(ctx: MeshContext, proxy: Proxy): ResourceSet {
    const set = new ResourceSet();
    for (const dest of outboundDestinations(proxy, ctx)) {
      const cluster = subsetClusterName(dest.service, dest.tags);
      if (!set.has(TypeUrl.endpoint, cluster)) set.add(TypeUrl.endpoint, clusterLoadAssignment(ctx, cluster, dest.service, dest.tags));
    }
    return set;
  },
};
