import type { DataplaneSpec, Protocol, Resource } from '@mycel/core';
import type { Endpoint, LoadAssignmentInputs, MeshContext } from './proxy';
import { SharedResources, commonProtocol, compareEndpoints, serviceContributionsOf } from './proxy';
import type { ServiceContribution } from './proxy';

/**
 * The {@link MeshContext} of one mesh, maintained from changes of its dataplanes instead of rebuilt
 * from all of them: {@link set} and {@link delete} record which services a dataplane's inbounds
 * lend to, and {@link context} recomputes only the services whose contributions changed since the
 * last context (their endpoint lists, protocols, and the sorted service list when services came or
 * went). The result equals `buildMeshContext` over the same dataplanes.
 *
 * {@link context} returns the *same* object while nothing changed, so whatever is memoised by
 * context identity (its ClusterLoadAssignments, policy results) stays valid; a new context takes
 * over the ClusterLoadAssignments of the services that did not change (by `loadAssignments`).
 */
export class MeshContextBuilder {
  /** Contributions of each dataplane (by name), as last set. */
  private readonly byDataplane = new Map<string, readonly ServiceContribution[]>();
  /** Per service, the dataplanes contributing to it and what they contribute. */
  private readonly byService = new Map<string, Map<string, readonly ServiceContribution[]>>();
  private readonly dirty = new Set<string>();
  private current: MeshContext | undefined;

  constructor(
    readonly mesh: string,
    private readonly localZone: string,
    private readonly templates: SharedResources,
    private readonly loadAssignments: LoadAssignmentInputs,
  ) {}

  /** Adds or replaces a dataplane of the mesh (one of another mesh is ignored). */
  set(dataplane: Resource<DataplaneSpec>): void {
    if (dataplane.mesh !== this.mesh) return;
    this.replace(dataplane.name, serviceContributionsOf(dataplane, this.localZone));
  }

  /** Removes a dataplane; a name the builder does not hold is ignored. */
  delete(name: string): void {
    this.replace(name, []);
  }

  /** Number of dataplanes held. */
  get size(): number {
    return this.byDataplane.size;
  }

  /** Services changed since the last {@link context} (their endpoints, protocol, or existence may differ). */
  get pending(): ReadonlySet<string> {
    return this.dirty;
  }

  /** The context of the mesh as set: the previous object when nothing changed since. */
  context(): MeshContext {
    const previous = this.current;
    if (previous !== undefined && this.dirty.size === 0) return previous;
    const endpoints = new Map<string, readonly Endpoint[]>(previous?.endpoints ?? []);
    const protocols = new Map<string, Protocol>(previous?.protocols ?? []);
    let servicesChanged = previous === undefined;
    for (const service of this.dirty) {
      const contributors = this.byService.get(service);
      if (contributors === undefined || contributors.size === 0) {
        if (endpoints.delete(service)) servicesChanged = true;
        protocols.delete(service);
        continue;
      }
      if (!endpoints.has(service)) servicesChanged = true;
      const list: Endpoint[] = [];
      const seen = new Set<Protocol>();
      for (const contributions of contributors.values()) {
        for (const c of contributions) {
          if (c.service !== service) continue;
          seen.add(c.protocol);
          if (c.endpoint !== undefined) list.push(c.endpoint);
        }
      }
      list.sort(compareEndpoints);
      endpoints.set(service, list);
      protocols.set(service, commonProtocol(seen));
    }
    const shared = new SharedResources();
    if (previous !== undefined) {
      const dirty = this.dirty;
      const inputs = this.loadAssignments;
      // ctx.shared holds only ClusterLoadAssignments, keyed by cluster name: keep those of unchanged services.
      shared.carryOver(previous.shared, (cluster) => {
        const input = inputs.get(cluster);
        return input !== undefined && !dirty.has(input.service);
      });
    }
    this.dirty.clear();
    this.current = {
      mesh: this.mesh,
      localZone: this.localZone,
      endpoints,
      protocols,
      services: servicesChanged || previous === undefined ? [...endpoints.keys()].sort() : previous.services,
      shared,
      templates: this.templates,
      loadAssignments: this.loadAssignments,
    };
    return this.current;
  }

  private replace(name: string, next: readonly ServiceContribution[]): void {
    const before = this.byDataplane.get(name);
    if (before === undefined && next.length === 0) return;
    for (const c of before ?? []) {
      const contributors = this.byService.get(c.service);
      contributors?.delete(name);
      if (contributors !== undefined && contributors.size === 0) this.byService.delete(c.service);
      this.dirty.add(c.service);
    }
    if (next.length === 0) {
      this.byDataplane.delete(name);
      return;
    }
    this.byDataplane.set(name, next);
    for (const c of next) {
      let contributors = this.byService.get(c.service);
      if (contributors === undefined) {
        contributors = new Map();
        this.byService.set(c.service, contributors);
      }
      contributors.set(name, next);
      this.dirty.add(c.service);
    }
  }
}
