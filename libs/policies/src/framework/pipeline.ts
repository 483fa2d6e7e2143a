import type { DataplaneSpec, JsonObject, Resource } from '@mycel/core';
import { jsonEqual } from '@mycel/core';
import type { MeshContext, Proxy, ResourceSet, XdsTypeUrl } from '@mycel/xds';
import { isSharedResource, shareResource } from '@mycel/xds';
import type { OutboundTarget, ServiceCluster } from './destinations';
import { ProxyDestinations } from './destinations';
import { selectsDataplane, topLevelTargetRef } from './matching';
import type { PolicyPlugin } from './plugin';
import { POLICY_PLUGINS } from './registry';
import type { DataplaneRules, FromRule, PolicyRef, PolicyTypeRules, ToRule } from './rules';
import { typeRules } from './rules';

/** One change a plugin made to a resource set: the resource's new value, or undefined when it removed it. */
interface SetChange {
  readonly typeUrl: XdsTypeUrl;
  readonly name: string;
  readonly message: JsonObject | undefined;
}

/** What one plugin did for one proxy: its inputs (policies of its type, as given), its rules, and its changes. */
interface PluginRun {
  readonly plugin: PolicyPlugin;
  readonly policies: readonly Resource[];
  readonly rules: PolicyTypeRules;
  /** Changes to the set, every message shared (frozen), so replaying them can never be altered by later edits. */
  readonly changes: readonly SetChange[];
  /** Service clusters the plugin added to the proxy's destinations. */
  readonly clusters: readonly ServiceCluster[];
}

/** The last {@link applyPolicies} of one dataplane object: what it started from and what each plugin did. */
interface PolicyRun {
  readonly ctx: MeshContext;
  readonly proxy: Proxy;
  readonly plugins: readonly PolicyPlugin[];
  /** The messages of the set before the plugins ran (identities, in the set's iteration order). */
  readonly input: readonly JsonObject[];
  readonly outbounds: readonly OutboundTarget[];
  readonly runs: readonly PluginRun[];
}

// Per Dataplane object (stored resources are immutable): the last run, so the next one redoes only
// what changed. Dropped with the object.
const lastRuns = new WeakMap<object, PolicyRun>();

/** Counts of plugin work, for tests and benchmarks (never timings). */
export interface PolicyWorkCounts {
  /** Plugin `apply` calls. */
  applied: number;
  /** Plugin runs replayed from the last run of the same dataplane instead of applied. */
  replayed: number;
  /** Rules of one type computed (the rest were reused because that type's policies did not change). */
  rulesComputed: number;
}

/** Totals since the process started (see {@link PolicyWorkCounts}). */
export const policyWorkCounts: PolicyWorkCounts = { applied: 0, replayed: 0, rulesComputed: 0 };

/**
 * Applies the policies of the proxy's mesh to its generated resources, in place: computes the
 * proxy's rules ({@link computeRules}) from `policies` (every policy resource of the mesh; other
 * types, other meshes and invalid policies are ignored), then runs each plugin in order. Call it
 * between `generateResources` and `toSnapshot`, and check the set with `assertConsistent` before
 * serving it, as `generateSnapshot` does. Returns the rules it applied (what `_rules` shows).
 *
 * Incremental per Dataplane object: when the set holds the very resources of the previous call for
 * the same dataplane, kind, mesh context and plugins, a plugin whose policies (the resource objects
 * of its type) did not change — and before which nothing changed — is not applied again: its
 * recorded changes are replayed. So a change of one policy type re-applies that type's plugin and
 * the plugins after it whose input it changed, and rules are recomputed only for changed types.
 * The result equals a cold run: plugins are deterministic functions of the set, the proxy, the
 * context and their rules.
 */
export function applyPolicies(
  resourceSet: ResourceSet,
  proxy: Proxy,
  meshContext: MeshContext,
  policies: readonly Resource[],
  plugins: readonly PolicyPlugin[] = POLICY_PLUGINS,
): DataplaneRules {
  const dataplane = proxy.dataplane;
  const mesh = dataplane.mesh ?? meshContext.mesh;
  const last = lastRuns.get(dataplane);
  const input: JsonObject[] = [];
  resourceSet.forEach((_t, _n, message) => input.push(message));
  const sameInput =
    last !== undefined &&
    last.ctx === meshContext &&
    last.plugins === plugins &&
    last.proxy.kind === proxy.kind &&
    last.proxy.mesh === proxy.mesh &&
    last.proxy.zone === proxy.zone &&
    sameItems(last.input, input);
  const destinations = new ProxyDestinations(resourceSet, proxy, meshContext, sameInput ? last.outbounds : undefined);
  const runs: PluginRun[] = [];
  let replaying = sameInput;
  for (const [i, plugin] of plugins.entries()) {
    const ofType = policies.filter((p) => p.type === plugin.descriptor.name && p.mesh === mesh);
    const previous = last?.runs[i];
    const samePolicies = previous !== undefined && previous.plugin === plugin && sameItems(previous.policies, ofType);
    let rules: PolicyTypeRules;
    if (samePolicies) {
      rules = previous.rules;
    } else {
      rules = typeRules(plugin, dataplane, ofType);
      policyWorkCounts.rulesComputed++;
    }
    // Its policies changed but not what they mean for this proxy (e.g. a policy for other proxies' inbounds): same output.
    if (replaying && previous !== undefined && (samePolicies || sameRules(previous.rules, rules))) {
      for (const c of previous.changes) resourceSet.put(c.typeUrl, c.name, c.message);
      for (const cluster of previous.clusters) destinations.adopt(cluster);
      runs.push(samePolicies ? previous : { ...previous, policies: ofType, rules });
      policyWorkCounts.replayed++;
      continue;
    }
    const clustersBefore = destinations.size;
    resourceSet.trackChanges();
    plugin.apply(resourceSet, proxy, meshContext, rules, destinations);
    policyWorkCounts.applied++;
    const run: PluginRun = {
      plugin,
      policies: ofType,
      rules,
      changes: changesOf(resourceSet),
      clusters: destinations.clustersSince(clustersBefore),
    };
    runs.push(run);
    // The plugins after it may be replayed only if it did exactly what it did last time.
    replaying = replaying && previous !== undefined && sameChanges(previous.changes, run.changes) && sameItems(previous.clusters, run.clusters);
  }
  lastRuns.set(dataplane, { ctx: meshContext, proxy, plugins, input, outbounds: destinations.outbounds, runs });
  const types: Record<string, PolicyTypeRules> = {};
  for (const run of [...runs].sort((a, b) => (a.plugin.descriptor.name < b.plugin.descriptor.name ? -1 : 1))) types[run.plugin.descriptor.name] = run.rules;
  return { mesh, dataplane: dataplane.name, types };
}

/** The changes recorded by `set` since `trackChanges`, each new message shared (a private one is frozen: later edits copy it). */
function changesOf(set: ResourceSet): SetChange[] {
  const changes: SetChange[] = [];
  for (const [typeUrl, names] of set.takeChanges()) {
    for (const name of names) {
      let message = set.get(typeUrl, name);
      if (message !== undefined && !isSharedResource(message)) {
        message = shareResource(message);
        set.put(typeUrl, name, message);
      }
      changes.push({ typeUrl, name, message });
    }
  }
  return changes;
}

/**
 * True when two rules of one type mean the same to a plugin: the same selecting policies, and the
 * same destinations and inbounds with the very same merged confs (merges are shared, so equal
 * entries give the same object). The matched-rule key of a proxy, compared without serialising.
 */
function sameRules(a: PolicyTypeRules, b: PolicyTypeRules): boolean {
  if (a.to.length !== b.to.length || a.from.length !== b.from.length || a.policies.length !== b.policies.length) return false;
  for (let i = 0; i < a.to.length; i++) {
    const x = a.to[i] as ToRule;
    const y = b.to[i] as ToRule;
    if (x.conf !== y.conf || x.destination.kind !== y.destination.kind || ('name' in x.destination ? x.destination.name : undefined) !== ('name' in y.destination ? y.destination.name : undefined)) return false;
  }
  for (let i = 0; i < a.from.length; i++) {
    const x = a.from[i] as FromRule;
    const y = b.from[i] as FromRule;
    if (x.conf !== y.conf || x.inbound.address !== y.inbound.address || x.inbound.port !== y.inbound.port) return false;
  }
  for (let i = 0; i < a.policies.length; i++) {
    const x = a.policies[i] as PolicyRef;
    const y = b.policies[i] as PolicyRef;
    if (x.name !== y.name || x.origin !== y.origin) return false;
  }
  return true;
}

function sameChanges(a: readonly SetChange[], b: readonly SetChange[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as SetChange;
    const y = b[i] as SetChange;
    if (x.typeUrl !== y.typeUrl || x.name !== y.name || x.message !== y.message) return false;
  }
  return true;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Names (sorted) of the dataplanes whose configuration may change when a policy goes from
 * `before` to `after` (undefined for a create or a delete): those its old or new top-level
 * targetRef selects, in the policy's mesh. A policy only ever changes the proxies it selects —
 * its `to[]` entries configure their outbounds, its `from[]` entries their inbounds. An
 * unparsable targetRef counts as selecting every dataplane of the mesh; a policy of a type no
 * plugin handles, or an update that changes neither spec nor labels, affects none.
 */
export function affectedByPolicy(
  before: Resource | undefined,
  after: Resource | undefined,
  dataplanes: readonly Resource<DataplaneSpec>[],
  plugins: readonly PolicyPlugin[] = POLICY_PLUGINS,
): string[] {
  const versions = [before, after].filter((p): p is Resource => p !== undefined && plugins.some((pl) => pl.descriptor.name === p.type));
  if (versions.length === 0) return [];
  if (before !== undefined && after !== undefined && before.type === after.type && before.mesh === after.mesh && jsonEqual(before.spec, after.spec) && jsonEqual(before.labels, after.labels)) {
    return [];
  }
  const names = new Set<string>();
  for (const policy of versions) {
    const ref = topLevelTargetRef(policy.spec);
    for (const dp of dataplanes) {
      if (dp.mesh === policy.mesh && (ref === undefined || selectsDataplane(ref, dp))) names.add(dp.name);
    }
  }
  return [...names].sort();
}
