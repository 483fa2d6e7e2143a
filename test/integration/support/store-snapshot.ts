import { MAX_PAGE_SIZE } from '@mycel/store';
import type { ControlPlane } from '@mycel/runtime';

/** Every stored resource as `type mesh/name` → version, read straight from the control plane's store. */
export type StoreSnapshot = ReadonlyMap<string, string>;

/** Reads every resource of every registered type (all meshes, all pages) from the store. */
export async function snapshotStore(controlPlane: ControlPlane): Promise<StoreSnapshot> {
  const snapshot = new Map<string, string>();
  for (const descriptor of controlPlane.registry.list()) {
    let offset: string | undefined;
    do {
      const page = await controlPlane.store.list({ type: descriptor.name, size: MAX_PAGE_SIZE, ...(offset !== undefined ? { offset } : {}) });
      for (const r of page.items) snapshot.set(`${r.type} ${r.mesh ?? ''}/${r.name}`, r.version);
      offset = page.next;
    } while (offset !== undefined);
  }
  return snapshot;
}

/** The differences between two snapshots, one line each; empty when they are equal. */
export function diffSnapshots(before: StoreSnapshot, after: StoreSnapshot): string[] {
  const out: string[] = [];
  for (const [key, version] of before) {
    const now = after.get(key);
    if (now === undefined) out.push(`deleted ${key} (was version ${version})`);
    else if (now !== version) out.push(`changed ${key}: version ${version} → ${now}`);
  }
  for (const [key, version] of after) if (!before.has(key)) out.push(`created ${key} (version ${version})`);
  return out;
}
