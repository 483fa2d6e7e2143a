import type { DataplaneSpec, Resource } from '@mycel/core';
import type { MeshContext, Proxy, ResourceSet } from '@mycel/xds';

/**
 * What the reconciler needs from the policy plugins (`@mycel/policies`), as an interface so the
 * reconciler can be tested with hand-written fakes and runs without any policy type registered.
 */
export interface PolicyEngine {
  /** Applies the policies of the proxy's mesh to its generated resources (between generation and encoding). */
  apply(set: ResourceSet, proxy: Proxy, ctx: MeshContext, policies: readonly Resource[]): void;
  /**
   * Names of the dataplanes (among `dataplanes`, all of one mesh) whose configuration a policy
   * change may alter; `before` is absent for a creation, `after` for a deletion.
   */
  affected(before: Resource | undefined, after: Resource | undefined, dataplanes: readonly Resource<DataplaneSpec>[]): readonly string[];
  /** The merged policy rules of a dataplane, for `GET …/dataplanes/{name}/_rules`. */
  rules(dataplane: Resource<DataplaneSpec>, ctx: MeshContext, policies: readonly Resource[]): unknown;
}

/** A policy engine without policies: changes nothing, affects nothing, and reports empty rules. */
export const NO_POLICIES: PolicyEngine = {
  apply: () => undefined,
  affected: () => [],
  rules: () => ({}),
};
