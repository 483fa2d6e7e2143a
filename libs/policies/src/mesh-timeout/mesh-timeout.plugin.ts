import type { JsonObject } from '@mycel/core';
import type { MeshContext, Proxy, ResourceSet } from '@mycel/xds';
import { TypeUrl, inboundListenerName, localClusterName, resolvedInbounds } from '@mycel/xds';
import type { ProxyDestinations } from '../framework/destinations';
import { mergeAll } from '../framework/merge';
import type { PolicyPlugin, ToEntry } from '../framework/plugin';
import { fromRuleFor, inboundRef, toRuleFor } from '../framework/rule-lookup';
import type { PolicyTypeRules } from '../framework/rules';
import { configureClusterTimeouts } from './cluster.configurer';
import { configureListenerTimeouts } from './listener.configurer';
import type { MeshTimeoutConf, MeshTimeoutSpec } from './mesh-timeout.type';
import { MeshTimeoutType } from './mesh-timeout.type';
import { configureProxylessRouteTimeouts, configureRouteTimeouts } from './route.configurer';

function applyEnvoy(set: ResourceSet, proxy: Proxy, ctx: MeshContext, rules: PolicyTypeRules, destinations: ProxyDestinations): void {
  const routeConfigsDone = new Set<string>();
  for (const outbound of destinations.outbounds) {
    const rule = toRuleFor(rules, outbound.service);
    if (rule === undefined) continue;
    const conf = rule.conf as MeshTimeoutConf;
    configureListenerTimeouts(set.edit(TypeUrl.listener, outbound.listener), 'outbound', conf);
    const rc = outbound.routeConfig;
    if (rc !== undefined && !routeConfigsDone.has(rc) && set.has(TypeUrl.route, rc)) {
      routeConfigsDone.add(rc);
      configureRouteTimeouts(set.edit(TypeUrl.route, rc), conf);
    }
  }
  // Every service cluster, including subsets and other services that routes added, by the rule of its own service.
  for (const cluster of destinations.clusters()) {
    const rule = toRuleFor(rules, cluster.service);
    if (rule === undefined || !set.has(TypeUrl.cluster, cluster.name)) continue;
    configureClusterTimeouts(set.edit(TypeUrl.cluster, cluster.name), ctx.protocols.get(cluster.service) ?? 'tcp', rule.conf as MeshTimeoutConf);
  }
  const localClustersDone = new Set<string>();
  for (const inbound of resolvedInbounds(proxy)) {
    const rule = fromRuleFor(rules, inboundRef(proxy.dataplane, inbound.inbound));
    if (rule === undefined) continue;
    const conf = rule.conf as MeshTimeoutConf;
    const listener = inboundListenerName(inbound.bindAddress, inbound.port);
    if (set.has(TypeUrl.listener, listener)) configureListenerTimeouts(set.edit(TypeUrl.listener, listener), 'inbound', conf);
    // Inbounds forwarding to one application port share its cluster: the first of them configures it.
    const cluster = localClusterName(inbound.servicePort);
    if (!localClustersDone.has(cluster) && set.has(TypeUrl.cluster, cluster)) {
      localClustersDone.add(cluster);
      configureClusterTimeouts(set.edit(TypeUrl.cluster, cluster), inbound.protocol, conf);
    }
  }
}

function applyProxyless(set: ResourceSet, rules: PolicyTypeRules, destinations: ProxyDestinations): void {
  for (const outbound of destinations.outbounds) {
    const rule = toRuleFor(rules, outbound.service);
    if (rule === undefined || outbound.routeConfig === undefined || !set.has(TypeUrl.route, outbound.routeConfig)) continue;
    configureProxylessRouteTimeouts(set.edit(TypeUrl.route, outbound.routeConfig), rule.conf as MeshTimeoutConf);
  }
}

/**
 * MeshTimeout. Envoy: outbound listeners (HCM stream idle, TcpProxy idle), outbound route
 * timeouts, every service cluster (connect, idle, stream and connection durations), inbound
 * listeners (stream idle, request headers, inline route timeouts) and local clusters. Proxyless
 * gRPC clients: the per-route RPC timeout (`max_stream_duration`), the only timeout gRPC reads;
 * inbounds of proxyless servers are left alone (gRPC servers take no timeouts from xDS).
 */
export const MeshTimeoutPlugin: PolicyPlugin = {
  descriptor: MeshTimeoutType,
  toEntries(spec: JsonObject): readonly ToEntry[] {
    return ((spec as MeshTimeoutSpec).to ?? []).map((e) => ({ targetRef: e.targetRef, conf: e.default as JsonObject }));
  },
  fromEntries(spec: JsonObject): readonly JsonObject[] {
    const s = spec as MeshTimeoutSpec;
    return [...(s.from ?? []), ...(s.rules ?? [])].map((e) => e.default as JsonObject);
  },
  merge: mergeAll,
  apply(set: ResourceSet, proxy: Proxy, ctx: MeshContext, rules: PolicyTypeRules, destinations: ProxyDestinations): void {
    if (rules.to.length === 0 && rules.from.length === 0) return;
    if (proxy.kind === 'grpc') applyProxyless(set, rules, destinations);
    else applyEnvoy(set, proxy, ctx, rules, destinations);
  },
};
