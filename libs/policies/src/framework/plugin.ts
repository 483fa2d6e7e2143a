import type { JsonObject, ResourceTypeDescriptor } from '@mycel/core';
import type { MeshContext, Proxy, ResourceSet } from '@mycel/xds';
import type { ProxyDestinations } from './destinations';
import type { PolicyTypeRules } from './rules';
import type { MeshServiceTargetRef, MeshTargetRef } from './target-ref';

/** One `to[]` entry of a policy: the destinations it applies to and the conf it contributes. */
export interface ToEntry {
  /** `Mesh` (every destination) or `MeshService` (one service). */
  readonly targetRef: MeshTargetRef | MeshServiceTargetRef;
  readonly conf: JsonObject;
}

/**
 * One policy type: its resource descriptor, how its entries become rules, and how it changes the
 * Envoy (or proxyless gRPC) resources of a proxy. Self-contained: a plugin never imports another.
 */
export interface PolicyPlugin {
  /** The type: `isPolicy` true, mesh scope, synced global → zone and, for zone-origin policies, zone → global. */
  readonly descriptor: ResourceTypeDescriptor;
  /** The `to[]` entries of a valid spec, in spec order. */
  toEntries(spec: JsonObject): readonly ToEntry[];
  /** The confs a valid spec contributes to every inbound its top-level targetRef selects (`from[]`, `rules[]`), in spec order. */
  fromEntries(spec: JsonObject): readonly JsonObject[];
  /** Merges confs given least important first (RFC 7396 JSON Merge Patch for most types). */
  merge(confs: readonly JsonObject[]): JsonObject;
  /**
   * Applies the merged rules of this type to the proxy's resources, in place. Runs after the
   * generators and after the plugins before it in `POLICY_PLUGINS`; must be deterministic and
   * must change shared (frozen) resources only through `ResourceSet.edit`. Clusters it routes to
   * come from `destinations.ensureCluster`, so each has its ClusterLoadAssignment.
   */
  apply(set: ResourceSet, proxy: Proxy, ctx: MeshContext, rules: PolicyTypeRules, destinations: ProxyDestinations): void;
}
