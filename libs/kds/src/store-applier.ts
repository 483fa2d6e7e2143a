import {
  AlreadyExistsError,
  ConflictError,
  Labels,
  MESH_TYPE,
  NotFoundError,
  formatKey,
  jsonEqual,
  keyOf,
  type Resource,
  type ResourceInput,
  type ResourceKey,
  type TypeRegistry,
} from '@mycel/core';
import { listPages, type ResourceStore } from '@mycel/store';
import type { Logger } from '@mycel/telemetry';
import type { ResourceEntry, SyncedResource } from './kds-entry';
import { kdsKey, parseKdsKey, typeOfKdsKey } from './kds-keys';
import type { KdsMetricAttributes, KdsMetrics } from './kds-metrics';
import { ORIGIN_GLOBAL, ORIGIN_ZONE, globalLabelsOf, globalNameOf, isGlobalOrigin, isZoneOrigin, zoneLabelsOf } from './kds-naming';

/**
 * How the resources of one bucket map onto a local store: which types are accepted, what a synced
 * resource becomes locally, and which local resources are copies this sync owns (and so may
 * update and delete). Everything else in the store is never touched.
 */
export interface SyncMapping {
  /** Types the bucket may carry, in application order (global-scoped first, Mesh first of all). */
  readonly types: readonly string[];
  /** Labels every owned local copy carries (the list filter of the stale scan). */
  readonly ownedLabels: Readonly<Record<string, string>>;
  /**
   * What to do when the local key holds a resource this sync does not own: take it over, or leave
   * it and report a conflict; a function decides per synced resource.
   */
  readonly onConflict: 'overwrite' | 'skip' | ((resource: SyncedResource) => 'overwrite' | 'skip');
  /**
   * Whether a synced resource of an accepted type is applied at all; all are when absent. A
   * refused entry is treated as absent from the bucket (e.g. a zone's own dataplanes coming back
   * from global through `acrossZones`).
   */
  accepts?(resource: SyncedResource): boolean;
  /** The local input of a synced resource. */
  toLocal(resource: SyncedResource): ResourceInput;
  /** The local key of a bucket resource key. */
  localKey(key: ResourceKey): ResourceKey;
  /** True when `local` is a copy this sync owns. */
  owns(local: Resource): boolean;
  /** The bucket key an owned local copy came from, or undefined when it cannot be told (then it is stale). */
  sourceKey(local: Resource): string | undefined;
}

/** Types with `kds.globalToZone`, Mesh first, then global-scoped, then mesh-scoped, each by name. */
export function globalToZoneTypes(registry: TypeRegistry): string[] {
  return orderTypes(registry, registry.list().filter((d) => d.kds.globalToZone).map((d) => d.name));
}

/** Types with `kds.zoneToGlobal`, ordered like {@link globalToZoneTypes}. */
export function zoneToGlobalTypes(registry: TypeRegistry): string[] {
  return orderTypes(registry, registry.list().filter((d) => d.kds.zoneToGlobal).map((d) => d.name));
}

/** Types with `kds.acrossZones`: zones' copies at global that global sends on to every other zone. */
export function acrossZonesTypes(registry: TypeRegistry): string[] {
  return orderTypes(registry, registry.list().filter((d) => d.kds.acrossZones).map((d) => d.name));
}

/**
 * Types global publishes into `mycel-global`: `globalToZone` ones and, with `acrossZones`, the
 * `acrossZones` ones (their zone-origin copies), ordered like {@link globalToZoneTypes}.
 */
export function globalPublishedTypes(registry: TypeRegistry, acrossZones: boolean): string[] {
  return orderTypes(registry, registry.list().filter((d) => d.kds.globalToZone || (acrossZones && d.kds.acrossZones)).map((d) => d.name));
}

/**
 * Whether global publishes `resource` into `mycel-global`: its own resources of `globalToZone`
 * types, and (with `acrossZones`) the copies it holds of zone resources of `acrossZones` types,
 * which carry their zone in `mycel.io/zone` so each zone can tell its own apart.
 */
export function isGloballyPublished(registry: TypeRegistry, resource: Resource, acrossZones: boolean): boolean {
  const kds = registry.get(resource.type)?.kds;
  if (kds === undefined) return false;
  if (!isZoneOrigin(resource)) return kds.globalToZone;
  return acrossZones && kds.acrossZones && (resource.labels[Labels.zone] ?? '') !== '';
}

function orderTypes(registry: TypeRegistry, names: string[]): string[] {
  const rank = (name: string): number => (name === MESH_TYPE ? 0 : registry.get(name)?.scope === 'global' ? 1 : 2);
  return names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The mapping of a zone applying `mycel-global`: same names, plus `mycel.io/origin: global`;
 * global wins a clash. With `zone` (the applying zone), it also takes the other zones' resources
 * of `acrossZones` types that global sends on (e.g. remote Dataplanes for cross-zone endpoints):
 * they keep global's name (`<name>-<hash8(zone)>`) and their `mycel.io/zone` and
 * `mycel.io/display-name` labels, become `mycel.io/origin: global` (read-only, never published
 * again), never replace a resource of the zone's own, and the zone's own resources coming back
 * are ignored.
 */
export function zoneSideMapping(registry: TypeRegistry, zone?: string): SyncMapping {
  const types = zone === undefined ? globalToZoneTypes(registry) : orderTypes(registry, registry.list().filter((d) => d.kds.globalToZone || d.kds.acrossZones).map((d) => d.name));
  return {
    types,
    ownedLabels: { [Labels.origin]: ORIGIN_GLOBAL },
    onConflict: (r) => (r.labels[Labels.origin] === ORIGIN_ZONE ? 'skip' : 'overwrite'),
    accepts: (r) => {
      const kds = registry.get(r.type)?.kds;
      if (r.labels[Labels.origin] !== ORIGIN_ZONE) return kds?.globalToZone === true;
      const from = r.labels[Labels.zone] ?? '';
      return zone !== undefined && kds?.acrossZones === true && from !== '' && from !== zone;
    },
    toLocal: (r) => withLabels(r, r.name, zoneLabelsOf(r.labels)),
    localKey: (k) => k,
    owns: (local) => isGlobalOrigin(local),
    sourceKey: (local) => kdsKey(local),
  };
}

/**
 * The mapping of global applying zone `zone`'s bucket: names get the zone hash suffix, labels get
 * origin, zone and display name; a clash with a resource global owns (or another zone's) is skipped.
 */
export function globalSideMapping(registry: TypeRegistry, zone: string): SyncMapping {
  return {
    types: zoneToGlobalTypes(registry),
    ownedLabels: { [Labels.origin]: ORIGIN_ZONE, [Labels.zone]: zone },
    onConflict: 'skip',
    toLocal: (r) => withLabels(r, globalNameOf(r.name, zone), globalLabelsOf(r.labels, r.name, zone)),
    localKey: (k) => ({ ...k, name: globalNameOf(k.name, zone) }),
    owns: (local) => local.labels[Labels.origin] === ORIGIN_ZONE && local.labels[Labels.zone] === zone,
    sourceKey: (local) => {
      const name = local.labels[Labels.displayName];
      if (name === undefined || name === '' || globalNameOf(name, zone) !== local.name) return undefined;
      return kdsKey({ ...keyOf(local), name });
    },
  };
}

function withLabels(r: SyncedResource, name: string, labels: Record<string, string>): ResourceInput {
  return r.mesh === undefined
    ? { type: r.type, name, labels, spec: r.spec }
    : { type: r.type, mesh: r.mesh, name, labels, spec: r.spec };
}

/** Outcome counters of one applier, for logs and status. */
export interface ApplierStats {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Puts skipped because the local key holds a resource this sync does not own. */
  conflicts: number;
  /** Entries waiting for their mesh to exist locally. */
  pending: number;
}

/** Options of {@link StoreApplier}. */
export interface StoreApplierOptions {
  readonly store: ResourceStore;
  readonly mapping: SyncMapping;
  readonly logger: Logger;
  readonly metrics: KdsMetrics;
  /** Attributes added to every metric (e.g. `{bucket}`). */
  readonly attributes: KdsMetricAttributes;
}

/**
 * Applies bucket state to a local store, idempotently: applying an entry whose content the store
 * already holds writes nothing, so at-least-once delivery never duplicates or bumps versions.
 * Operations are serialised (one at a time, in call order), so a timer-driven retry never races
 * the watch. Mesh-scoped entries whose mesh does not exist yet wait and are applied when it is
 * created by this applier, or at {@link StoreApplier.retryPending}.
 */
export class StoreApplier {
  /** Resource keys of the bucket's current state (as last applied) → content hash. */
  private readonly present = new Map<string, string>();
  private readonly pending = new Map<string, ResourceEntry>();
  private readonly accepted: ReadonlySet<string>;
  private readonly warnedTypes = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  readonly stats: ApplierStats = { created: 0, updated: 0, unchanged: 0, deleted: 0, conflicts: 0, pending: 0 };

  constructor(private readonly options: StoreApplierOptions) {
    this.accepted = new Set(options.mapping.types);
  }

  /**
   * Makes the store match a complete snapshot of the bucket (`entries`: every resource key with a
   * value). Applies every entry (global-scoped types first, so meshes exist before their
   * resources); when `ready` (the writer finished a full reconcile into the bucket) also deletes
   * owned copies whose key is absent. Without `ready` nothing is deleted: an empty or half-written
   * bucket (e.g. a NATS server that lost its data) must not wipe the store.
   */
  applySnapshot(entries: ReadonlyMap<string, ResourceEntry>, ready: boolean): Promise<void> {
    return this.serial(async () => {
      this.present.clear();
      this.pending.clear();
      const order = new Map(this.options.mapping.types.map((t, i) => [t, i]));
      const sorted = [...entries].sort(([a], [b]) => (order.get(typeOfKdsKey(a)) ?? 99) - (order.get(typeOfKdsKey(b)) ?? 99) || (a < b ? -1 : a > b ? 1 : 0));
      for (const [key, entry] of sorted) await this.put(key, entry);
      if (ready) await this.deleteStale();
    });
  }

  /** Applies one live value of `key`. */
  applyPut(key: string, entry: ResourceEntry): Promise<void> {
    return this.serial(() => this.put(key, entry));
  }

  /** Applies the deletion of `key` (a DEL or PURGE marker): deletes the owned copy, if any. */
  applyDelete(key: string): Promise<void> {
    return this.serial(() => this.remove(key));
  }

  /** Deletes every owned copy whose key the bucket does not hold (after the writer's ready marker appears). */
  removeStale(): Promise<void> {
    return this.serial(() => this.deleteStale());
  }

  /** Tries the entries waiting for their mesh again. */
  retryPending(): Promise<void> {
    return this.serial(async () => {
      for (const [key, entry] of [...this.pending]) await this.put(key, entry);
    });
  }

  /** True when entries wait for their mesh. */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Resources in the bucket's current state, per type. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of this.present.keys()) {
      const type = typeOfKdsKey(key);
      out[type] = (out[type] ?? 0) + 1;
    }
    return out;
  }

  /** (key, hash) of the bucket's current state as last applied, sorted by key. */
  snapshot(): [string, string][] {
    return [...this.present].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    // The queue only orders operations; each caller sees its own result or error.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async put(key: string, entry: ResourceEntry): Promise<void> {
    const { mapping, store, logger } = this.options;
    const type = entry.resource.type;
    if (!this.accepted.has(type)) {
      if (!this.warnedTypes.has(type)) {
        this.warnedTypes.add(type);
        logger.warn('kds: ignoring a type this direction does not sync', { type, key });
      }
      return;
    }
    if (mapping.accepts !== undefined && !mapping.accepts(entry.resource)) {
      // Treated as absent: a copy applied under this key earlier is now stale.
      if (this.present.delete(key)) await this.deleteOwned(mapping.localKey(parseKdsKey(key)));
      this.pending.delete(key);
      this.stats.pending = this.pending.size;
      return;
    }
    this.present.set(key, entry.hash);
    const input = mapping.toLocal(entry.resource);
    const localKey = keyOf(input);
    const started = performance.now();
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await store.find(localKey);
      let op: 'create' | 'update' | 'unchanged';
      try {
        if (existing === undefined) {
          await store.create(input);
          op = 'create';
        } else {
          if (!mapping.owns(existing)) {
            const onConflict = typeof mapping.onConflict === 'function' ? mapping.onConflict(entry.resource) : mapping.onConflict;
            if (onConflict === 'skip') {
              this.stats.conflicts++;
              logger.warn('kds: a local resource not synced from this bucket has the same key; leaving it', { key, resource: formatKey(localKey) });
              this.pending.delete(key);
              return;
            }
            logger.warn('kds: replacing a local resource by the synced one of the same key', { key, resource: formatKey(localKey) });
          }
          if (jsonEqual(existing.labels, input.labels) && jsonEqual(existing.spec, input.spec)) {
            op = 'unchanged';
          } else {
            await store.update(input, { expectedVersion: existing.version });
            op = 'update';
          }
        }
      } catch (err) {
        // Raced a local write (or a cascade): read again and redo.
        if (err instanceof AlreadyExistsError || err instanceof ConflictError) continue;
        if (err instanceof NotFoundError) {
          if (existing === undefined && input.mesh !== undefined) {
            this.pending.set(key, entry);
            this.stats.pending = this.pending.size;
            logger.debug('kds: waiting for the mesh of a synced resource', { key, mesh: input.mesh });
            return;
          }
          continue;
        }
        throw err;
      }
      this.pending.delete(key);
      this.stats.pending = this.pending.size;
      this.count(op);
      this.options.metrics.applyDuration((performance.now() - started) / 1000, { ...this.options.attributes, op });
      if (op === 'create' && input.type === MESH_TYPE) {
        for (const [k, e] of [...this.pending]) if (e.resource.mesh === input.name) await this.put(k, e);
      }
      return;
    }
    throw new ConflictError(`kds: ${formatKey(localKey)} kept changing under concurrent local writes; will retry at the next resync`);
  }

  private async remove(key: string): Promise<void> {
    this.present.delete(key);
    this.pending.delete(key);
    this.stats.pending = this.pending.size;
    let source: ResourceKey;
    try {
      source = parseKdsKey(key);
    } catch {
      // Not a resource key (a foreign or malformed key): nothing local can stem from it.
      return;
    }
    if (!this.accepted.has(source.type)) return;
    await this.deleteOwned(this.options.mapping.localKey(source));
  }

  private async deleteOwned(localKey: ResourceKey): Promise<void> {
    const { store, mapping } = this.options;
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await store.find(localKey);
      if (existing === undefined || !mapping.owns(existing)) return;
      try {
        await store.delete(localKey, { expectedVersion: existing.version });
        this.count('delete');
        return;
      } catch (err) {
        if (err instanceof NotFoundError) return;
        if (err instanceof ConflictError) continue;
        throw err;
      }
    }
    throw new ConflictError(`kds: ${formatKey(localKey)} kept changing under concurrent local writes; will retry at the next resync`);
  }

  private async deleteStale(): Promise<void> {
    const { store, mapping } = this.options;
    const stale: ResourceKey[] = [];
    // Mesh-scoped types first and meshes last, so a mesh's cascade never races its own resources.
    for (const type of [...mapping.types].reverse()) {
      for await (const page of listPages(store, { type, labels: mapping.ownedLabels })) {
        for (const r of page.items) {
          if (!mapping.owns(r)) continue;
          const source = mapping.sourceKey(r);
          if (source === undefined || !this.present.has(source)) stale.push(keyOf(r));
        }
      }
    }
    for (const key of stale) await this.deleteOwned(key);
    if (stale.length > 0) this.options.logger.info('kds: deleted local copies no longer in the bucket', { count: stale.length });
  }

  private count(op: 'create' | 'update' | 'unchanged' | 'delete'): void {
    if (op === 'create') this.stats.created++;
    else if (op === 'update') this.stats.updated++;
    else if (op === 'unchanged') this.stats.unchanged++;
    else this.stats.deleted++;
    this.options.metrics.applied({ ...this.options.attributes, op });
  }
}
