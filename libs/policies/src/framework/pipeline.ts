import type { DataplaneSpec, Resource } from '@mycel/core';
import { jsonEqual } from '@mycel/core';
import type { MeshContext, Proxy, ResourceSet } from '@mycel/xds';
import { ProxyDestinations } from './destinations';
import { selectsDataplane, topLevelTargetRef } from './matching';
import type { PolicyPlugin } from './plugin';
import { POLICY_PLUGINS } from './registry';
import type { DataplaneRules } from './rules';
import { computeRules } from './rules';

/**
 * Applies the policies of the proxy's mesh to its generated resources, in place: computes the
 * proxy's rules ({@link computeRules}) from `policies` (every policy resource of the mesh; other
 * types, other meshes and invalid policies are ignored), then runs each plugin in order. Call it
 * between `generateResources` and `toSnapshot`, and check the set with `assertConsistent` before
 * serving it, as `generateSnapshot` does. Returns the rules it applied (what `_rules` shows).
 */
export function applyPolicies(
  resourceSet: ResourceSet,
  proxy: Proxy,
  meshContext: MeshContext,
  policies: readonly Resource[],
  plugins: readonly PolicyPlugin[] = POLICY_PLUGINS,
): DataplaneRules {
  const rules = computeRules(proxy.dataplane, meshContext, policies, plugins);
  const destinations = new ProxyDestinations(resourceSet, proxy, meshContext);
  for (const plugin of plugins) {
    const typeRules = rules.types[plugin.descriptor.name];
    if (typeRules !== undefined) plugin.apply(resourceSet, proxy, meshContext, typeRules, destinations);
  }
  return rules;
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
