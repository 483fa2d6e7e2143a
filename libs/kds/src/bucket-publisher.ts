import { keyOf, type Resource, type ResourceKey } from '@mycel/core';
import { StorageType } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { listPages, type ChangeStream, type ResourceStore } from '@mycel/store';
import type { Logger } from '@mycel/telemetry';
import { Wakeup, backoffMs, type KdsClock } from './kds-clock';
import { decodeResourceEntry, encodeReadyMarker, encodeResourceEntry, syncedResourceOf } from './kds-entry';
import { KdsUnavailableError } from './kds-errors';
import { NO_MESH_TOKEN, READY_KEY, isReservedKey, kdsKey, typeOfKdsKey } from './kds-keys';
import type { KdsMetrics } from './kds-metrics';
import { endsSnapshot, openBucketWatch, type BucketWatch, type WatchEntry } from './bucket-watch';
import type { KdsBucketOptions, ResolvedKdsTimings } from './kds-options';
import { toKdsError, type KdsNats } from './nats-connection';

/** Options of {@link BucketPublisher}. */
export interface BucketPublisherOptions {
  readonly nats: KdsNats;
  readonly bucket: string;
  /** `global` or the zone name; written into the ready marker. */
  readonly writer: string;
  readonly store: ResourceStore;
  /** Types published, in order (global-scoped first, so readers see meshes before their resources). */
  readonly types: readonly string[];
  /** Whether a resource of one of `types` belongs in the bucket (the origin filter that stops echoes). */
  readonly include: (resource: Resource) => boolean;
  readonly bucketOptions: KdsBucketOptions;
  readonly timings: ResolvedKdsTimings;
  readonly clock: KdsClock;
  readonly logger: Logger;
  readonly metrics: KdsMetrics;
  /**
   * Keys of these types are published at most once per `intervalMs` each while following the
   * change feed: a change within the interval after a key's last put waits for its end, and the
   * key's state at that moment is published (the latest state always follows). None by default.
   */
  readonly coalesce?: { readonly types: ReadonlySet<string>; readonly intervalMs: number };
}

/** What a bucket holds under one key, as a reconcile reads it. */
interface BucketValue {
  readonly op: WatchEntry['operation'];
  readonly created: Date;
  /** Content hash of a resource value; undefined for markers and undecodable values. */
  readonly hash: string | undefined;
}

/** Publisher state for status pages and tests. */
export interface PublisherStatus {
  readonly bucket: string;
  /** Resources in the bucket as this publisher last wrote or read them. */
  readonly published: number;
  /** Completed full resyncs since start. */
  readonly resyncs: number;
  /** RFC 3339 time of the last completed full resync. */
  readonly lastResync?: string;
  /** The last error, cleared by a successful resync. */
  readonly lastError?: string;
}

/**
 * Keeps one KV bucket equal to the selected resources of a store: state, not events. A full
 * reconcile (on start, on every NATS reconnect, when the store's feed asks for a resync, every
 * `resyncIntervalMs`, and after any error) lists the store, reads the bucket's current values, puts
 * what is missing or has another content hash, deletes keys whose resource is gone, then writes the
 * ready marker. Between reconciles it follows the store's change feed: each change marks its key
 * dirty, and a dirty key is published from the store's *current* state (never from the event), so
 * a bucket value never goes back to an older version. A put whose hash the bucket already holds
 * is skipped.
 */
export class BucketPublisher {
  private readonly typeSet: ReadonlySet<string>;
  private readonly wakeup: Wakeup;
  private readonly log: Logger;
  private published = new Map<string, string>();
  private stopped = false;
  private running: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private resyncReason: string | undefined;
  private storeWatch: ChangeStream | undefined;
  private readonly aborts = new Set<() => void>();
  private resyncs = 0;
  private lastResync: Date | undefined;
  private lastError: string | undefined;
  private readonly firstSync: Promise<void>;
  private resolveFirstSync: () => void = () => undefined;

  constructor(private readonly options: BucketPublisherOptions) {
    this.typeSet = new Set(options.types);
    this.wakeup = new Wakeup(options.clock);
    this.log = options.logger.child({ bucket: options.bucket, role: 'publisher' });
    this.firstSync = new Promise((resolve) => (this.resolveFirstSync = resolve));
  }

  /** Starts the loop; idempotent. Reconnects of `nats` trigger a full reconcile. */
  start(): void {
    if (this.running !== undefined || this.stopped) return;
    this.resyncReason = 'start';
    this.unsubscribe = this.options.nats.onEvent((event) => {
      if (event.type === 'reconnect') this.requestResync('reconnect');
    });
    this.running = this.run();
  }

  /** Stops the loop and waits for it; idempotent. The bucket keeps its content. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.interrupt();
    await this.running;
  }

  /** Asks for a full reconcile as soon as the current step ends. */
  requestResync(reason: string): void {
    this.resyncReason ??= reason;
    this.interrupt();
  }

  /** Resolves after the first completed full reconcile. */
  whenSynced(): Promise<void> {
    return this.firstSync;
  }

  /** Resources in the bucket per type, as last published. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of this.published.keys()) {
      const type = typeOfKdsKey(key);
      out[type] = (out[type] ?? 0) + 1;
    }
    return out;
  }

  /** Current state, for status pages and tests. */
  status(): PublisherStatus {
    return {
      bucket: this.options.bucket,
      published: this.published.size,
      resyncs: this.resyncs,
      ...(this.lastResync !== undefined ? { lastResync: this.lastResync.toISOString() } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  private interrupt(): void {
    this.wakeup.wake();
    const watch = this.storeWatch;
    // Closing the feed ends the follow loop; close() only fails when the store is already closed.
    if (watch !== undefined) watch.close().catch(() => undefined);
    for (const abort of [...this.aborts]) abort();
  }

  private async run(): Promise<void> {
    const { timings } = this.options;
    let failures = 0;
    while (!this.stopped) {
      const reason = this.resyncReason ?? 'periodic';
      this.resyncReason = undefined;
      try {
        await this.syncOnce(reason);
        failures = 0;
      } catch (err) {
        if (this.stopped) break;
        failures++;
        this.resyncReason ??= 'error';
        const error = toKdsError(err) as Error;
        this.lastError = error.message;
        const delay = backoffMs(failures, timings.retryBaseMs, timings.retryMaxMs);
        // The first failure of a streak is worth a warning; the retries of an outage are not.
        if (failures === 1) this.log.warn('kds: publishing failed; retrying', { error, retryInMs: delay });
        else this.log.debug('kds: publishing failed again; retrying', { error, failures, retryInMs: delay });
        await this.wakeup.wait(delay);
      }
    }
  }

  private async syncOnce(reason: string): Promise<void> {
    const { store, timings, clock } = this.options;
    const kv = await this.openBucket();
    const head = await store.head();
    const watch = store.watch({ fromRevision: head });
    this.storeWatch = watch;
    const cancelPeriodic = timings.resyncIntervalMs > 0 ? clock.setTimeout(() => this.requestResync('periodic'), timings.resyncIntervalMs) : () => undefined;
    try {
      if (this.stopped || this.resyncReason !== undefined) return;
      await this.reconcile(kv, reason);
      await this.follow(kv, watch);
    } finally {
      cancelPeriodic();
      this.storeWatch = undefined;
      await watch.close().catch(() => undefined);
    }
  }

  private async openBucket(): Promise<KV> {
    const { nats, bucket, bucketOptions } = this.options;
    try {
      return await nats.kvm.create(bucket, {
        history: 1,
        replicas: bucketOptions.replicas ?? 1,
        storage: bucketOptions.storage === 'memory' ? StorageType.Memory : StorageType.File,
        description: `Mycel KDS state written by ${this.options.writer}`,
      });
    } catch (err) {
      throw toKdsError(err);
    }
  }

  /** One full reconcile of the bucket against the store. */
  private async reconcile(kv: KV, reason: string): Promise<void> {
    const { store, types, include, metrics, timings, clock, bucket, nats } = this.options;
    metrics.resync({ bucket, role: 'publisher', reason });
    const desired = new Map<string, { hash: string; value: Uint8Array }>();
    for (const type of types) {
      for await (const page of listPages(store, { type })) {
        for (const r of page.items) if (include(r)) desired.set(kdsKey(r), encodeResourceEntry(syncedResourceOf(r)));
      }
    }
    const actual = await this.readBucket(kv);
    const order = new Map(types.map((t, i) => [t, i]));
    const puts = [...desired]
      .filter(([key, d]) => actual.get(key)?.hash !== d.hash)
      .sort(([a], [b]) => (order.get(typeOfKdsKey(a)) ?? 0) - (order.get(typeOfKdsKey(b)) ?? 0));
    const deletes = [...actual].filter(([key, a]) => a.op === 'PUT' && !isReservedKey(key) && !desired.has(key)).map(([key]) => key);
    // Global-scoped resources (meshes) are written, and acknowledged, before mesh-scoped ones.
    const globalScoped = puts.filter(([key]) => key.split('.')[1] === NO_MESH_TOKEN);
    const meshScoped = puts.filter(([key]) => key.split('.')[1] !== NO_MESH_TOKEN);
    for (const phase of [globalScoped, meshScoped]) await this.limited(phase, ([key, d]) => this.write(kv, 'put', key, d.value));
    await this.limited(deletes, (key) => this.write(kv, 'delete', key));
    this.published = new Map([...desired].map(([key, d]) => [key, d.hash]));
    if (actual.get(READY_KEY)?.op !== 'PUT') {
      await this.write(kv, 'put', READY_KEY, encodeReadyMarker({ writer: this.options.writer, time: clock.now().toISOString() }));
    }
    if (timings.markerRetentionMs > 0) {
      const cutoff = clock.now().getTime() - timings.markerRetentionMs;
      // A key re-put just now has a fresh value under the same subject: purging it would drop that value.
      const old = [...actual].filter(([key, a]) => a.op !== 'PUT' && !desired.has(key) && a.created.getTime() < cutoff).map(([key]) => key);
      if (old.length > 0) {
        // Readers converge on the bucket's keys, not on markers, so dropping old markers loses nothing.
        const purged = await nats.purgeKeys(bucket, old);
        this.log.debug('kds: removed old delete markers', { keys: old.length, purged });
      }
    }
    this.resyncs++;
    this.lastResync = clock.now();
    this.lastError = undefined;
    this.log.info('kds: bucket reconciled with the store', { reason, resources: desired.size, puts: puts.length, deletes: deletes.length });
    this.resolveFirstSync();
  }

  /**
   * Follows the store's change feed until it ends (a resync request, stop, or the store's own
   * resync). A key of a coalesced type (see `coalesce`) put less than its interval ago waits, in
   * `deferred`, until the interval is over; its later changes only keep it waiting there.
   */
  private async follow(kv: KV, watch: ChangeStream): Promise<void> {
    const { clock } = this.options;
    const coalesceTypes = this.options.coalesce?.types;
    const intervalMs = this.options.coalesce?.intervalMs ?? 0;
    const coalesced = (type: string): boolean => intervalMs > 0 && coalesceTypes?.has(type) === true;
    const dirty = new Map<string, ResourceKey>();
    const deferred = new Map<string, { readonly resourceKey: ResourceKey; readonly due: number }>();
    /** Coalesced keys → when they were last put (ms); entries older than the interval are dropped. */
    const lastPut = new Map<string, number>();
    let nextDue = Infinity;
    const promoteDue = (): void => {
      const now = clock.now().getTime();
      if (now < nextDue) return;
      nextDue = Infinity;
      for (const [key, d] of deferred) {
        if (d.due <= now) {
          deferred.delete(key);
          dirty.set(key, d.resourceKey);
        } else nextDue = Math.min(nextDue, d.due);
      }
      for (const [key, at] of lastPut) if (now - at >= intervalMs) lastPut.delete(key);
    };
    const signal = new Wakeup(clock);
    let pumpDone = false;
    let pumpError: unknown;
    const pump = (async () => {
      for await (const message of watch) {
        if (message.kind === 'resync') {
          this.requestResync('store-resync');
          break;
        }
        const r = message.event.resource;
        if (!this.typeSet.has(r.type)) continue;
        const key = kdsKey(r);
        if (coalesced(r.type) && !dirty.has(key)) {
          if (deferred.has(key)) continue;
          const last = lastPut.get(key);
          if (last !== undefined && clock.now().getTime() - last < intervalMs) {
            deferred.set(key, { resourceKey: keyOf(r), due: last + intervalMs });
            nextDue = Math.min(nextDue, last + intervalMs);
            signal.wake();
            continue;
          }
        }
        dirty.set(key, keyOf(r));
        signal.wake();
      }
    })()
      .catch((err: unknown) => {
        pumpError = err;
      })
      .finally(() => {
        pumpDone = true;
        signal.wake();
      });
    try {
      for (;;) {
        if (this.stopped || this.resyncReason !== undefined) break;
        if (deferred.size > 0) promoteDue();
        if (dirty.size === 0) {
          if (pumpDone) break;
          await signal.wait(deferred.size > 0 ? Math.max(0, nextDue - clock.now().getTime()) : Infinity);
          continue;
        }
        const batch = [...dirty].slice(0, this.options.timings.concurrency);
        for (const [key] of batch) dirty.delete(key);
        await this.limited(batch, async ([key, resourceKey]) => {
          const put = await this.publishKey(kv, key, resourceKey);
          if (put && coalesced(resourceKey.type)) lastPut.set(key, clock.now().getTime());
        });
      }
    } finally {
      await watch.close().catch(() => undefined);
      await pump;
    }
    if (pumpError !== undefined) throw pumpError;
    if (!this.stopped && this.resyncReason === undefined) throw new KdsUnavailableError('the store change feed ended');
  }

  /** Publishes the store's current state of one key; true when it put a value. */
  private async publishKey(kv: KV, key: string, resourceKey: ResourceKey): Promise<boolean> {
    const r = await this.options.store.find(resourceKey);
    if (r !== undefined && this.options.include(r)) {
      const { hash, value } = encodeResourceEntry(syncedResourceOf(r));
      if (this.published.get(key) === hash) return false;
      await this.write(kv, 'put', key, value);
      this.published.set(key, hash);
      return true;
    } else if (this.published.has(key)) {
      await this.write(kv, 'delete', key);
      this.published.delete(key);
    }
    return false;
  }

  private async write(kv: KV, op: 'put' | 'delete', key: string, value?: Uint8Array): Promise<void> {
    try {
      if (op === 'put') await kv.put(key, value ?? new Uint8Array());
      else await kv.delete(key);
    } catch (err) {
      throw toKdsError(err);
    }
    this.options.metrics.written({ bucket: this.options.bucket, op });
  }

  /** Reads the current value of every key (markers included) through a watch of the whole bucket (see `openBucketWatch`). */
  private async readBucket(kv: KV): Promise<Map<string, BucketValue>> {
    const { bucket, clock, timings } = this.options;
    const out = new Map<string, BucketValue>();
    let watch: BucketWatch;
    try {
      watch = await openBucketWatch(this.options.nats, kv, this.options.bucket);
    } catch (err) {
      throw toKdsError(err);
    }
    const iter = watch;
    const { snapshotEnd } = watch;
    if (snapshotEnd === 0) {
      iter.stop();
      return out;
    }
    let stalled = false;
    let cancelStall = (): void => undefined;
    const armStall = (): void => {
      cancelStall();
      cancelStall = clock.setTimeout(() => {
        stalled = true;
        iter.stop();
      }, timings.snapshotStallMs);
    };
    const abort = (): void => iter.stop();
    this.aborts.add(abort);
    armStall();
    let complete = false;
    try {
      for await (const e of iter) {
        armStall();
        let hash: string | undefined;
        if (e.operation === 'PUT' && !isReservedKey(e.key)) {
          try {
            hash = decodeResourceEntry(bucket, e.key, e.value).hash;
          } catch {
            // An undecodable value counts as different: it is overwritten or deleted.
            hash = undefined;
          }
        }
        out.set(e.key, { op: e.operation, created: e.created, hash });
        if (endsSnapshot(e, snapshotEnd)) {
          complete = true;
          break;
        }
      }
    } finally {
      cancelStall();
      this.aborts.delete(abort);
      iter.stop();
    }
    if (!complete) throw new KdsUnavailableError(stalled ? `reading bucket ${bucket} stalled` : `reading bucket ${bucket} was interrupted`);
    return out;
  }

  /** Runs `fn` over `items` with at most `concurrency` in flight; rejects with the first error once all settled. */
  private async limited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
    const { concurrency } = this.options.timings;
    let next = 0;
    let firstError: unknown;
    const worker = async (): Promise<void> => {
      while (next < items.length && firstError === undefined) {
        const item = items[next++] as T;
        try {
          await fn(item);
        } catch (err) {
          firstError ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => worker()));
    if (firstError !== undefined) throw firstError;
  }
}
