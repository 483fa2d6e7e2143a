import type { Snapshot, XdsResource, XdsTypeUrl } from '../resource-types';
import { TypeUrl } from '../resource-types';
import type { EncodingCache } from './encoding-cache';
import { clusterLoadAssignment } from './endpoints.generator';
import type { MeshContext } from './proxy';

/**
 * `snapshot` with the ClusterLoadAssignments of `services` rebuilt against `ctx`, for a change
 * that touched only the endpoints of those services (same services in the mesh, same protocols):
 * then nothing else of a proxy's configuration can differ, so its clusters, listeners and routes
 * are kept as they are (the very same objects). Each ClusterLoadAssignment is built once per
 * context (`ctx.shared`) and encoded once (`cache`), whichever snapshots it is patched into.
 *
 * A ClusterLoadAssignment is matched to its service through `ctx.loadAssignments`, which records
 * the inputs of every one built through a context sharing that record. Returns `undefined` when
 * the snapshot holds one it has no record of: the caller must regenerate the proxy instead.
 * Returns `snapshot` itself when nothing differs.
 */
export function patchLoadAssignments(snapshot: Snapshot, ctx: MeshContext, services: ReadonlySet<string>, cache: EncodingCache): Snapshot | undefined {
  const current = snapshot.resources.get(TypeUrl.endpoint);
  if (current === undefined || current.size === 0 || services.size === 0) return snapshot;
  let next: Map<string, XdsResource> | undefined;
  for (const [name, resource] of current) {
    const input = ctx.loadAssignments.get(name);
    if (input === undefined) return undefined;
    if (!services.has(input.service)) continue;
    const patched = cache.encode(TypeUrl.endpoint, name, clusterLoadAssignment(ctx, name, input.service, input.tags));
    if (patched.version === resource.version) continue;
    next ??= new Map(current);
    next.set(name, patched);
  }
  if (next === undefined) return snapshot;
  const resources = new Map<XdsTypeUrl, ReadonlyMap<string, XdsResource>>(snapshot.resources);
  resources.set(TypeUrl.endpoint, next);
  return { resources };
}
