import type { JsonObject } from '@mycel/core';
import { isObject } from '@mycel/core';
import type { MeshContext, Proxy, ResourceSet } from '@mycel/xds';
import { TypeUrl } from '@mycel/xds';
import type { ProxyDestinations } from '../framework/destinations';
import type { PolicyPlugin, ToEntry } from '../framework/plugin';
import { toRuleFor } from '../framework/rule-lookup';
import type { PolicyTypeRules } from '../framework/rules';
import { mergeRouteConfs, normalizeMatch } from './mesh-http-route.merge';
import type { HttpRouteRule, MeshHTTPRouteSpec } from './mesh-http-route.type';
import { MeshHTTPRouteType } from './mesh-http-route.type';
import { buildRoutes } from './route.configurer';

// Ids of merged rule lists (frozen, one object per distinct list of policy entries): an edit key
// naming the object costs a lookup, not a serialisation. Ids are never reused.
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(o, id);
  }
  return id;
}

/**
 * MeshHTTPRoute. For each HTTP outbound of an Envoy proxy (RDS `outbound:<cluster>`) and each
 * service a proxyless gRPC client calls (RDS `outbound:<service>`), replaces the routes of the
 * route configuration with the merged rules for that service; backends that are other services or
 * subsets get their cluster and ClusterLoadAssignment added. Outbounds of TCP services are left alone.
 */
export const MeshHTTPRoutePlugin: PolicyPlugin = {
  descriptor: MeshHTTPRouteType,
  toEntries(spec: JsonObject): readonly ToEntry[] {
    return (spec as unknown as MeshHTTPRouteSpec).to.map((e) => ({
      targetRef: e.targetRef,
      conf: { rules: e.rules.map((r): HttpRouteRule => ({ matches: r.matches.map(normalizeMatch), default: r.default })) },
    }));
  },
  fromEntries(): readonly JsonObject[] {
    return [];
  },
  merge: mergeRouteConfs,
  apply(set: ResourceSet, proxy: Proxy, _ctx: MeshContext, rules: PolicyTypeRules, destinations: ProxyDestinations): void {
    if (rules.to.length === 0) return;
    const done = new Set<string>();
    for (const outbound of destinations.outbounds) {
      const rc = outbound.routeConfig;
      if (rc === undefined || done.has(rc) || !set.has(TypeUrl.route, rc)) continue;
      done.add(rc);
      const routeRules = (toRuleFor(rules, outbound.service)?.conf['rules'] ?? []) as readonly HttpRouteRule[];
      if (routeRules.length === 0) continue;
      const proxyless = proxy.kind === 'grpc';
      // Built for every proxy: building calls ensureCluster, which adds the backends' clusters to this proxy's set.
      const routes = buildRoutes(routeRules, { cluster: outbound.cluster, proxyless }, (service, tags) => destinations.ensureCluster(service, tags));
      // The routes are a function of the merged rules (one shared object per distinct rule list), the
      // destination cluster and the kind of proxy: every proxy with those shares one route configuration.
      const key = `routes\n${objectId(routeRules)}\n${outbound.cluster}\n${proxyless ? 'grpc' : 'envoy'}`;
      set.editShared(TypeUrl.route, rc, key, (routeConfiguration) => {
        const hosts = routeConfiguration['virtual_hosts'];
        if (Array.isArray(hosts) && isObject(hosts[0])) hosts[0]['routes'] = routes;
      });
    }
  },
};
