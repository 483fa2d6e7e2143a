import { ValidationError } from '@mycel/core';
import type { Violation } from '@mycel/core';
import { PUSH_ORDER } from './resource-types';
import type { Snapshot, XdsTypeUrl } from './resource-types';

/**
 * Called synchronously by {@link SnapshotCache.set} with the node's new snapshot and the type URLs
 * whose resources changed (in {@link PUSH_ORDER}, never empty). Must not throw.
 */
export type SnapshotWatcher = (snapshot: Snapshot, changed: readonly XdsTypeUrl[]) => void;

/** Cancels a {@link SnapshotCache.watch}; idempotent. */
export type CancelWatch = () => void;

/**
 * One snapshot per node and the watchers (one per xDS stream) waiting for it to change.
 *
 * A type URL counts as changed only when its (name → version) pairs differ, so replacing a snapshot
 * by an equal one wakes nobody. Memory is bounded by the nodes that have a snapshot plus the live
 * watches: nothing is kept for a node once it has neither (`clear` and the last cancel drop it).
 */
export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly watchers = new Map<string, Set<SnapshotWatcher>>();

  /**
   * Stores `snapshot` for `nodeId` and notifies the node's watchers if any type changed. The first
   * snapshot of a node (or the first after `clear`) changes every type in {@link PUSH_ORDER}, even
   * empty ones, so a stream waiting for it can answer. Returns the changed types in push order.
   * Throws `ValidationError` if a resource is filed under a type URL or name that is not its own.
   * If a watcher throws, the others are still notified and the first error is rethrown afterwards.
   */
  set(nodeId: string, snapshot: Snapshot): readonly XdsTypeUrl[] {
    const previous = this.snapshots.get(nodeId);
    const violations = checkSnapshot(snapshot, previous);
    if (violations.length > 0) throw new ValidationError(`invalid snapshot for node ${nodeId}`, violations);
    this.snapshots.set(nodeId, snapshot);
    const changed = previous ? changedTypes(previous, snapshot) : PUSH_ORDER;
    if (changed.length > 0) this.notify(nodeId, snapshot, changed);
    return changed;
  }

  /** The node's current snapshot, if any. */
  get(nodeId: string): Snapshot | undefined {
    return this.snapshots.get(nodeId);
  }

  /**
   * Drops the node's snapshot; returns whether there was one. Watchers stay registered (they belong
   * to live streams) and are not notified: streams keep what they have until a new snapshot is set.
   */
  clear(nodeId: string): boolean {
    return this.snapshots.delete(nodeId);
  }

  /** Registers `watcher` for `nodeId`, whether or not the node has a snapshot yet. */
  watch(nodeId: string, watcher: SnapshotWatcher): CancelWatch {
    let set = this.watchers.get(nodeId);
    if (!set) {
      set = new Set();
      this.watchers.set(nodeId, set);
    }
    set.add(watcher);
    return () => {
      const current = this.watchers.get(nodeId);
      if (!current) return;
      current.delete(watcher);
      if (current.size === 0) this.watchers.delete(nodeId);
    };
  }

  /** Node ids that have a snapshot, sorted. */
  nodeIds(): string[] {
    return [...this.snapshots.keys()].sort();
  }

  /** Number of live watches on `nodeId`. */
  watcherCount(nodeId: string): number {
    return this.watchers.get(nodeId)?.size ?? 0;
  }

  private notify(nodeId: string, snapshot: Snapshot, changed: readonly XdsTypeUrl[]): void {
    const set = this.watchers.get(nodeId);
    if (!set) return;
    let firstError: unknown;
    let failed = false;
    // Copy: a watcher may cancel itself (its stream failed) while we iterate.
    for (const watcher of [...set]) {
      try {
        watcher(snapshot, changed);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
    if (failed) throw firstError;
  }
}

/** Type URLs whose (name → version) pairs differ between two snapshots, in push order. */
export function changedTypes(previous: Snapshot, next: Snapshot): XdsTypeUrl[] {
  return PUSH_ORDER.filter((typeUrl) => {
    const a = previous.resources.get(typeUrl);
    const b = next.resources.get(typeUrl);
    if (a === b) return false; // the same (immutable) map, e.g. kept by an endpoint-only patch
    if ((a?.size ?? 0) !== (b?.size ?? 0)) return true;
    if (!a || !b) return false;
    for (const [name, resource] of b) {
      if (a.get(name)?.version !== resource.version) return true;
    }
    return false;
  });
}

/** Problems of `snapshot`; a type map that is the very (immutable) map of `previous`, already checked then, is skipped. */
function checkSnapshot(snapshot: Snapshot, previous: Snapshot | undefined): Violation[] {
  const violations: Violation[] = [];
  for (const [typeUrl, resources] of snapshot.resources) {
    if (previous?.resources.get(typeUrl) === resources) continue;
    for (const [name, resource] of resources) {
      const field = `resources[${typeUrl}][${name}]`;
      if (resource.typeUrl !== typeUrl) violations.push({ field, reason: `resource of type ${resource.typeUrl} filed under ${typeUrl}` });
      if (resource.name !== name) violations.push({ field, reason: `resource named ${resource.name} filed under ${name}` });
      if (resource.any.type_url !== typeUrl) violations.push({ field, reason: `encoded as ${resource.any.type_url}` });
      if (resource.version === '') violations.push({ field, reason: 'empty version' });
    }
  }
  return violations;
}
