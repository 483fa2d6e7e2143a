import { Labels, contentHash } from '@mycel/core';
import type { Resource, ResourceInput } from '@mycel/core';
import { listAll as listAllOf } from '@mycel/store';
import type { ResourceStore } from '@mycel/store';
import { isGlobalOrigin, kdsKey } from '@mycel/kds';

// What "a zone holds global's state" means for the benchmark: the same set of KDS keys, each with
// the same content hash of what KDS carries (type, mesh, name, labels without the sync's own, spec).

/** Types global sends to zones in this benchmark. */
export const KDS_BENCH_TYPES: readonly string[] = ['Mesh', 'Secret'];

const SYNC_LABELS = new Set<string>([Labels.origin, Labels.zone, Labels.displayName]);

/** Content hash of what KDS carries of `r`, sync labels removed; equal at global and in a zone for a synced resource. */
export function syncedContentHash(r: ResourceInput): string {
  const labels = Object.fromEntries(Object.entries(r.labels).filter(([k]) => !SYNC_LABELS.has(k)));
  return contentHash({ type: r.type, ...(r.mesh !== undefined ? { mesh: r.mesh } : {}), name: r.name, labels, spec: r.spec });
}

/** Identifies one write: its KDS key and the content written, so the zone side can tell which write it applied. */
export function writeId(r: ResourceInput): string {
  return `${kdsKey(r)} ${syncedContentHash(r)}`;
}

/** True for a resource of a benchmarked type that global owns (at global) or that came from global (in a zone). */
export function isTracked(r: Resource, side: 'global' | 'zone'): boolean {
  if (!KDS_BENCH_TYPES.includes(r.type)) return false;
  return side === 'zone' ? isGlobalOrigin(r) : r.labels[Labels.origin] !== 'zone';
}

/**
 * A store's state as key → content hash, kept up to date from its change feed, and how many keys
 * differ from an expected state — maintained per change, so checking "equal to global" costs O(1)
 * per change instead of a re-list of ten thousand resources.
 */
export class TrackedState {
  private readonly actual = new Map<string, string>();
  private expected = new Map<string, string>();
  private mismatches = 0;

  /** Applies one change of the store. */
  apply(key: string, hash: string | undefined): void {
    const before = this.actual.get(key) !== this.expected.get(key) ? 1 : 0;
    if (hash === undefined) this.actual.delete(key);
    else this.actual.set(key, hash);
    const after = this.actual.get(key) !== this.expected.get(key) ? 1 : 0;
    this.mismatches += after - before;
  }

  /** Sets the state to compare with; recounts the differences. */
  expect(entries: ReadonlyArray<readonly [string, string]>): void {
    this.expected = new Map(entries);
    let n = 0;
    for (const [k, h] of this.actual) if (this.expected.get(k) !== h) n++;
    for (const k of this.expected.keys()) if (!this.actual.has(k)) n++;
    this.mismatches = n;
  }

  /** Keys whose hash differs from the expected state (missing and extra keys included). */
  get differences(): number {
    return this.mismatches;
  }

  get size(): number {
    return this.actual.size;
  }
}

/** (key, hash) of every tracked resource of `resources`, sorted by key. */
export function stateOf(resources: readonly Resource[], side: 'global' | 'zone'): [string, string][] {
  return resources
    .filter((r) => isTracked(r, side))
    .map((r): [string, string] => [kdsKey(r), syncedContentHash(r)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** SHA-256 (16 hex) of a sorted state: two stores hold the same state exactly when their digests are equal. */
export function stateDigest(state: ReadonlyArray<readonly [string, string]>): string {
  return contentHash(state.map(([k, h]) => `${k} ${h}`));
}

/** Every resource of `type` in `store`, all pages. */
export function listAll(store: ResourceStore, type: string): Promise<Resource[]> {
  return listAllOf(store, { type });
}

/** (key, hash) of every tracked resource of `store`, sorted by key. */
export async function storeState(store: ResourceStore, side: 'global' | 'zone'): Promise<[string, string][]> {
  const all: Resource[] = [];
  for (const type of KDS_BENCH_TYPES) all.push(...(await listAll(store, type)));
  return stateOf(all, side);
}
