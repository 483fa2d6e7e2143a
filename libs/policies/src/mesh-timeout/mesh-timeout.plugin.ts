import type { JsonObject } from '@mycel/core';
import { canonicalJson } from '@mycel/core';
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

/** The `ResourceSet.editShared` keys of every MeshTimeout edit for one conf. */
interface EditKeys {
  readonly outboundListener: string;
  readonly inboundListener: string;
  readonly route: string;
  readonly proxylessRoute: string;
  /** By the protocol of the cluster's service. */
  readonly cluster: Map<string, string>;
}

// Rules are computed per dataplane, but one dataplane looks up the same conf object many times.
const editKeys = new WeakMap<object, EditKeys>();

/**
 * The edit keys of a conf, from its canonical JSON: configurers are pure functions of the resource
 * and the conf (and, for clusters, the protocol), so proxies making the same edit to the same
 * shared resource share its result (`ResourceSet.editShared`) and it is built and encoded once.
 */
function keysOf(conf: MeshTimeoutConf): EditKeys {
  let keys = editKeys.get(conf);
  if (keys === undefined) {
    const json = canonicalJson(conf as JsonObject);
    keys = { outboundListener: `outbound-listener\n${json}`, inboundListener: `inbound-listener\n${json}`, route: `route\n${json}`, proxylessRoute: `proxyless-route\n${json}`, cluster: new Map() };
    editKeys.set(conf, keys);
  }
  return keys;
}

function clusterKey(keys: EditKeys, protocol: string): string {
  let key = keys.cluster.get(protocol);
  if (key === undefined) {
    key = `cluster\n${protocol}\n${keys.route}`;
    keys.cluster.set(protocol, key);
  }
  return key;
}

function applyEnvoy(set: ResourceSet, proxy: Proxy, ctx: MeshContext, rules: PolicyTypeRules, destinations: ProxyDestinations): void {
  const routeConfigsDone = new Set<string>();
  for (const outbound of destinations.outbounds) {
    const rule = toRuleFor(rules, outbound.service);
    if (rule === undefined) continue;
    const conf = rule.conf as MeshTimeoutConf;
    const keys = keysOf(conf);
    set.editShared(TypeUrl.listener, outbound.listener, keys.outboundListener, (m) => configureListenerTimeouts(m, 'outbound', conf));
    const rc = outbound.routeConfig;
    if (rc !== undefined && !routeConfigsDone.has(rc) && set.has(TypeUrl.route, rc)) {
      routeConfigsDone.add(rc);
      set.editShared(TypeUrl.route, rc, keys.route, (m) => configureRouteTimeouts(m, conf));
    }
  }
  // Every service cluster, including subsets and other services that routes added, by the rule of its own service.
  for (const cluster of destinations.clusters()) {
    const rule = toRuleFor(rules, cluster.service);
    if (rule === undefined || !set.has(TypeUrl.cluster, cluster.name)) continue;
    const protocol = ctx.protocols.get(cluster.service) ?? 'tcp';
    const conf = rule.conf as MeshTimeoutConf;
    set.editShared(TypeUrl.cluster, cluster.name, clusterKey(keysOf(conf), protocol), (m) => configureClusterTimeouts(m, protocol, conf));
  }
  const localClustersDone = new Set<string>();
  for (const inbound of resolvedInbounds(proxy)) {
    const rule = fromRuleFor(rules, inboundRef(proxy.dataplane, inbound.inbound));
    if (rule === undefined) continue;
    const conf = rule.conf as MeshTimeoutConf;
    const keys = keysOf(conf);
    const listener = inboundListenerName(inbound.bindAddress, inbound.port);
    if (set.has(TypeUrl.listener, listener)) set.editShared(TypeUrl.listener, listener, keys.inboundListener, (m) => configureListenerTimeouts(m, 'inbound', conf));
    // Inbounds forwarding to one application port share its cluster: the first of them configures it.
    const cluster = localClusterName(inbound.servicePort);
    if (!localClustersDone.has(cluster) && set.has(TypeUrl.cluster, cluster)) {
      localClustersDone.add(cluster);
      const protocol = inbound.protocol;
      set.editShared(TypeUrl.cluster, cluster, clusterKey(keys, protocol), (m) => configureClusterTimeouts(m, protocol, conf));
    }
  }
}

function applyProxyless(set: ResourceSet, rules: PolicyTypeRules, destinations: ProxyDestinations): void {
  for (const outbound of destinations.outbounds) {
    const rule = toRuleFor(rules, outbound.service);
    if (rule === undefined || outbound.routeConfig === undefined || !set.has(TypeUrl.route, outbound.routeConfig)) continue;
    const conf = rule.conf as MeshTimeoutConf;
    set.editShared(TypeUrl.route, outbound.routeConfig, keysOf(conf).proxylessRoute, (m) => configureProxylessRouteTimeouts(m, conf));
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
