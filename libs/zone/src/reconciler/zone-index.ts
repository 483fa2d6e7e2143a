import type { DataplaneSpec, MeshSpec, Resource } from '@mycel/core';
import { DataplaneType, Labels, MESH_TYPE, MycelError } from '@mycel/core';
import type { ChangeEvent } from '@mycel/store';
import { changedServices } from './affected';
import type { DataplaneRef } from './node-id';
import { nodeIdCandidates } from './node-id';

/** The resources of one mesh that xDS generation reads. */
export interface MeshState {
  /** Absent until the Mesh resource is seen (a feed may deliver a mesh's contents first after a resync). */
  mesh: Resource<MeshSpec> | undefined;
  readonly dataplanes: Map<string, Resource<DataplaneSpec>>;
  /** Keyed by `<type>/<name>`. */
  readonly policies: Map<string, Resource>;
}

/**
 * True when `dataplane` runs in another zone than `localZone`: its `mycel.io/zone` label names
 * another zone (a copy KDS brought from global for cross-zone endpoints). A dataplane without the
 * label is local. Remote dataplanes contribute endpoints but are never proxies of this zone.
 */
export function isRemoteDataplane(dataplane: Pick<Resource, 'labels'>, localZone: string): boolean {
  const zone = dataplane.labels[Labels.zone];
  return zone !== undefined && zone !== localZone;
}

/** What the changes of one batch require in one mesh. */
export interface MeshChanges {
  /** Every dataplane of the mesh (the Mesh changed, a resync, a policy engine failure). */
  all: boolean;
  /** Dataplanes that changed themselves or that a policy change affects. */
  readonly dataplanes: Set<string>;
  /** Services whose endpoints or protocol changed: their consumers are affected. */
  readonly services: Set<string>;
  /** Every Dataplane (local or remote) created, updated or deleted: the mesh context follows them. */
  readonly touched: Set<string>;
}

/** Pending changes of a batch, per mesh. */
export class ChangeSet {
  private readonly meshes = new Map<string, MeshChanges>();
  /** Store changes that touched the index. */
  count = 0;

  /** The entry of `mesh`, created empty. */
  of(mesh: string): MeshChanges {
    let entry = this.meshes.get(mesh);
    if (entry === undefined) {
      entry = { all: false, dataplanes: new Set(), services: new Set(), touched: new Set() };
      this.meshes.set(mesh, entry);
    }
    return entry;
  }

  /** Meshes with pending changes, sorted. */
  meshNames(): string[] {
    return [...this.meshes.keys()].sort();
  }

  get(mesh: string): MeshChanges | undefined {
    return this.meshes.get(mesh);
  }

  get empty(): boolean {
    return this.meshes.size === 0;
  }
}

/**
 * Decides which dataplanes a policy change affects: the names returned must belong to
 * `dataplanes` (every dataplane of the policy's mesh). Throwing makes the whole mesh affected.
 */
export type PolicyImpact = (before: Resource | undefined, after: Resource | undefined, dataplanes: readonly Resource<DataplaneSpec>[]) => readonly string[];

/**
 * The reconciler's in-memory copy of the store: per mesh its Mesh resource, dataplanes and policies.
 * `apply` folds one change in and records in a {@link ChangeSet} what it affects:
 * - a Dataplane: itself, plus the consumers of the services whose endpoints it changed (remote
 *   dataplanes of other zones too: their endpoints are in lower-priority localities);
 * - a policy: what the {@link PolicyImpact} says, among the local dataplanes;
 * - a Mesh: everything in it.
 */
export class ZoneIndex {
  private readonly meshes = new Map<string, MeshState>();

  /** `localZone`: this zone; dataplanes labelled with another zone are remote (see {@link isRemoteDataplane}). */
  constructor(
    private readonly isPolicyType: (type: string) => boolean,
    private readonly policyImpact: PolicyImpact,
    private readonly localZone?: string,
  ) {}

  /** Whether changes of `type` matter to xDS generation. */
  isRelevant(type: string): boolean {
    return type === MESH_TYPE || type === DataplaneType.name || this.isPolicyType(type);
  }

  /** Puts a listed resource in without recording changes (initial load and resync). */
  load(resource: Resource): void {
    if (!this.isRelevant(resource.type)) return;
    this.set(resource);
  }

  /** Folds one change in; returns false (and records nothing) for a type the index ignores. */
  apply(event: ChangeEvent, changes: ChangeSet): boolean {
    const resource = event.resource;
    if (!this.isRelevant(resource.type)) return false;
    const after = event.op === 'deleted' ? undefined : resource;
    if (resource.type === MESH_TYPE) {
      if (after === undefined) this.meshes.delete(resource.name);
      else this.state(resource.name).mesh = after as Resource<MeshSpec>;
      changes.of(resource.name).all = true;
      changes.count++;
      return true;
    }
    const meshName = resource.mesh;
    if (meshName === undefined) return false; // mesh-scoped types always carry a mesh; ignore a malformed event
    const state = this.state(meshName);
    const entry = changes.of(meshName);
    changes.count++;
    if (resource.type === DataplaneType.name) {
      const before = state.dataplanes.get(resource.name);
      if (after === undefined) state.dataplanes.delete(resource.name);
      else state.dataplanes.set(resource.name, after as Resource<DataplaneSpec>);
      // A remote dataplane is no proxy here: only its endpoints (the services below) matter.
      if (!this.isRemote(before) && !this.isRemote(after)) entry.dataplanes.add(resource.name);
      entry.touched.add(resource.name);
      for (const service of changedServices(before, after as Resource<DataplaneSpec> | undefined)) entry.services.add(service);
    } else {
      const key = policyKey(resource);
      const before = state.policies.get(key);
      if (after === undefined) state.policies.delete(key);
      else state.policies.set(key, after);
      if (!entry.all) {
        try {
          for (const name of this.policyImpact(before, after, this.localDataplanes(state))) entry.dataplanes.add(name);
        } catch (err) {
          entry.all = true;
          throw new PolicyImpactError(`cannot tell which dataplanes ${resource.type} ${meshName}/${resource.name} affects; regenerating the whole mesh`, { cause: err });
        }
      }
    }
    if (state.mesh === undefined && state.dataplanes.size === 0 && state.policies.size === 0) this.meshes.delete(meshName);
    return true;
  }

  /** The state of `mesh`, if the index knows anything of it. */
  mesh(mesh: string): MeshState | undefined {
    return this.meshes.get(mesh);
  }

  /** Names of the meshes the index knows, sorted. */
  meshNames(): string[] {
    return [...this.meshes.keys()].sort();
  }

  /** A dataplane, if indexed. */
  dataplane(mesh: string, name: string): Resource<DataplaneSpec> | undefined {
    return this.meshes.get(mesh)?.dataplanes.get(name);
  }

  /** The dataplane a node id stands for: the first (mesh, name) split of it that is an indexed local dataplane. */
  resolve(nodeId: string): DataplaneRef | undefined {
    return nodeIdCandidates(nodeId).find((ref) => {
      const dp = this.dataplane(ref.mesh, ref.name);
      return dp !== undefined && !this.isRemote(dp);
    });
  }

  /** True when `dataplane` is indexed as another zone's (see {@link isRemoteDataplane}); never without a local zone. */
  isRemote(dataplane: Pick<Resource, 'labels'> | undefined): boolean {
    return dataplane !== undefined && this.localZone !== undefined && isRemoteDataplane(dataplane, this.localZone);
  }

  /** The dataplanes of `state` that run in this zone. */
  localDataplanes(state: MeshState): Resource<DataplaneSpec>[] {
    return [...state.dataplanes.values()].filter((dp) => !this.isRemote(dp));
  }

  /** Policies of `mesh`, sorted by type then name. */
  policies(mesh: string): Resource[] {
    const state = this.meshes.get(mesh);
    if (state === undefined) return [];
    return [...state.policies.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, policy]) => policy);
  }

  /** Number of indexed dataplanes over all meshes (remote ones included). */
  get dataplaneCount(): number {
    let n = 0;
    for (const state of this.meshes.values()) n += state.dataplanes.size;
    return n;
  }

  /** Number of indexed dataplanes of other zones over all meshes. */
  get remoteDataplaneCount(): number {
    let n = 0;
    for (const state of this.meshes.values()) for (const dp of state.dataplanes.values()) if (this.isRemote(dp)) n++;
    return n;
  }

  private set(resource: Resource): void {
    if (resource.type === MESH_TYPE) {
      this.state(resource.name).mesh = resource as Resource<MeshSpec>;
      return;
    }
    if (resource.mesh === undefined) return;
    const state = this.state(resource.mesh);
    if (resource.type === DataplaneType.name) state.dataplanes.set(resource.name, resource as Resource<DataplaneSpec>);
    else state.policies.set(policyKey(resource), resource);
  }

  private state(mesh: string): MeshState {
    let state = this.meshes.get(mesh);
    if (state === undefined) {
      state = { mesh: undefined, dataplanes: new Map(), policies: new Map() };
      this.meshes.set(mesh, state);
    }
    return state;
  }
}

/** The policy engine failed to say what a policy change affects; the index fell back to the whole mesh. */
export class PolicyImpactError extends MycelError {
  readonly code = 'INTERNAL' as const;
}

function policyKey(resource: Resource): string {
  return `${resource.type}/${resource.name}`;
}
