import type { DataplaneSpec, Resource } from '@mycel/core';
import { Labels, Violations, isObject } from '@mycel/core';
import type { TargetRef } from './target-ref';
import { MESH_TARGET_REF, TARGET_REF_KINDS, hasAllTags, serviceOfTags, targetRefSpecificity, validateTargetRef } from './target-ref';

/** Where a policy was created: on global (synced down) or in this zone. */
export type PolicyOrigin = 'global' | 'zone';

/**
 * The origin of a resource from its `mycel.io/origin` label: `global` only when the label says so;
 * anything else (absent on a standalone zone, `zone`) counts as zone, so local policies override
 * global ones of equal specificity.
 */
export function originOf(labels: Readonly<Record<string, string>>): PolicyOrigin {
  return labels[Labels.origin] === 'global' ? 'global' : 'zone';
}

/**
 * The top-level targetRef of a policy spec, read leniently (for specs that were not validated):
 * `{kind: Mesh}` when absent, the targetRef when it is valid, undefined when it is malformed.
 */
export function topLevelTargetRef(spec: unknown): TargetRef | undefined {
  if (!isObject(spec) || spec['targetRef'] === undefined) return MESH_TARGET_REF;
  return validateTargetRef(new Violations(), spec['targetRef'], 'spec.targetRef', TARGET_REF_KINDS);
}

/** Tag sets a dataplane offers to MeshService/MeshSubset selection: each inbound's, and the gateway's. */
function tagSets(dp: Resource<DataplaneSpec>): Readonly<Record<string, string>>[] {
  const networking = dp.spec.networking;
  const sets: Readonly<Record<string, string>>[] = (networking.inbound ?? []).map((i) => i.tags);
  if (networking.gateway) sets.push(networking.gateway.tags);
  return sets;
}

/**
 * True when a top-level targetRef selects the dataplane as a whole (for its outbound `to[]`
 * rules): Mesh always; MeshSubset when one inbound (or the gateway) carries all its tags;
 * MeshService when one inbound serves that service; Dataplane by name or by resource labels.
 * A dataplane without inbounds (a proxyless client) is selected only by Mesh and Dataplane.
 */
export function selectsDataplane(ref: TargetRef, dp: Resource<DataplaneSpec>): boolean {
  switch (ref.kind) {
    case 'Mesh':
      return true;
    case 'MeshSubset':
      return tagSets(dp).some((tags) => hasAllTags(tags, ref.tags));
    case 'MeshService':
      return tagSets(dp).some((tags) => serviceOfTags(tags) === ref.name);
    case 'Dataplane':
      return ref.name !== undefined ? dp.name === ref.name : hasAllTags(dp.labels, ref.labels ?? {});
  }
}

/**
 * True when a top-level targetRef selects one inbound (with tags `tags`) of the dataplane, for
 * inbound `from[]`/`rules[]` rules: MeshSubset and MeshService look at that inbound only; Mesh and
 * Dataplane select every inbound of the dataplanes they select.
 */
export function selectsInbound(ref: TargetRef, dp: Resource<DataplaneSpec>, tags: Readonly<Record<string, string>>): boolean {
  switch (ref.kind) {
    case 'MeshSubset':
      return hasAllTags(tags, ref.tags);
    case 'MeshService':
      return serviceOfTags(tags) === ref.name;
    default:
      return selectsDataplane(ref, dp);
  }
}

/** A policy with its parsed top-level targetRef, ready to be ordered. */
export interface RankedPolicy {
  readonly resource: Resource;
  readonly targetRef: TargetRef;
}

/**
 * Merge order of policies, least important first: by specificity of the top-level targetRef
 * (Mesh < MeshSubset < MeshService < Dataplane by labels < Dataplane by name), then origin
 * (global before zone), then name. Later policies override earlier ones when merged.
 */
export function comparePolicies(a: RankedPolicy, b: RankedPolicy): number {
  const bySpecificity = targetRefSpecificity(a.targetRef) - targetRefSpecificity(b.targetRef);
  if (bySpecificity !== 0) return bySpecificity;
  const byOrigin = originRank(originOf(a.resource.labels)) - originRank(originOf(b.resource.labels));
  if (byOrigin !== 0) return byOrigin;
  return a.resource.name < b.resource.name ? -1 : a.resource.name > b.resource.name ? 1 : 0;
}

/** A sorted copy of `policies` in merge order (see {@link comparePolicies}). */
export function sortPolicies<T extends RankedPolicy>(policies: readonly T[]): T[] {
  return [...policies].sort(comparePolicies);
}

function originRank(origin: PolicyOrigin): number {
  return origin === 'global' ? 0 : 1;
}
