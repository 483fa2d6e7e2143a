import type { TypeRegistry } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import { silentLogger, type Logger } from '@mycel/telemetry';
import { BucketConsumer } from './bucket-consumer';
import { BucketPublisher, type PublisherStatus } from './bucket-publisher';
import { Wakeup, systemClock, type KdsClock } from './kds-clock';
import { GLOBAL_BUCKET, ZONE_BUCKET_PREFIX, zoneBucket, zoneOfBucket } from './kds-keys';
import { createKdsMetrics, type KdsMeter, type KdsMetrics } from './kds-metrics';
import { resolveTimings, type KdsBucketOptions, type KdsTimings, type ResolvedKdsTimings } from './kds-options';
import { logNatsEvent, toKdsError, type KdsNats } from './nats-connection';
import { StoreApplier, globalPublishedTypes, globalSideMapping, isGloballyPublished } from './store-applier';
import { ZoneHeartbeats, type ZoneStatus } from './zone-status';

/** Options of {@link GlobalKdsSync}. */
export interface GlobalKdsSyncOptions {
  /** Global's store: the source of `globalToZone` resources and the home of zone copies. */
  readonly store: ResourceStore;
  readonly registry: TypeRegistry;
  /** Connected as the `global` NATS user. */
  readonly nats: KdsNats;
  readonly clock?: KdsClock;
  readonly logger?: Logger;
  /** OpenTelemetry meter for `mycel.kds.*` instruments; none by default. */
  readonly meter?: KdsMeter;
  /** Zones to follow from the start, even before their bucket exists (e.g. every Zone resource). */
  readonly zones?: readonly string[];
  /** Look for new zone buckets this often (and at every reconnect), in ms; default 10000; 0 = follow only `zones`. */
  readonly discoveryIntervalMs?: number;
  /** A zone is offline after this long without a heartbeat, in ms; default 30000 (three default heartbeats). */
  readonly offlineAfterMs?: number;
  /** How `mycel-global` is created (replicas, storage). */
  readonly bucket?: KdsBucketOptions;
  readonly timings?: KdsTimings;
  /**
   * Send the zones' resources of `acrossZones` types (Dataplanes: remote endpoints) on to every
   * zone through `mycel-global`; default true. Each zone ignores its own.
   */
  readonly acrossZones?: boolean;
}

interface FollowedZone {
  readonly consumer: BucketConsumer;
  readonly applier: StoreApplier;
}

/**
 * Global's side of KDS: publishes every `globalToZone` resource of global's store (except copies
 * that came from zones) into `mycel-global` — plus, with `acrossZones`, its copies of the zones'
 * `acrossZones` resources (remote Dataplanes), so every zone learns the others' — and applies each zone's bucket `mycel-zone-<zone>`
 * to global's store under suffixed names (see `globalNameOf`), tracking zone heartbeats for
 * {@link GlobalKdsSync.zoneStatus}. Every loop is owned here and ends in {@link GlobalKdsSync.stop}.
 */
export class GlobalKdsSync {
  private readonly clock: KdsClock;
  private readonly logger: Logger;
  private readonly metrics: KdsMetrics;
  private readonly timings: ResolvedKdsTimings;
  private readonly publisher: BucketPublisher;
  private readonly zones = new Map<string, FollowedZone>();
  private readonly heartbeats: ZoneHeartbeats;
  private readonly discoveryWakeup: Wakeup;
  private discovery: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly options: GlobalKdsSyncOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'kds', side: 'global' });
    this.metrics = createKdsMetrics(options.meter);
    this.timings = resolveTimings(options.timings);
    this.heartbeats = new ZoneHeartbeats(options.offlineAfterMs ?? 30_000);
    this.discoveryWakeup = new Wakeup(this.clock);
    const { registry } = options;
    const acrossZones = options.acrossZones ?? true;
    this.publisher = new BucketPublisher({
      nats: options.nats,
      bucket: GLOBAL_BUCKET,
      writer: 'global',
      store: options.store,
      types: globalPublishedTypes(registry, acrossZones),
      include: (r) => isGloballyPublished(registry, r, acrossZones),
      bucketOptions: options.bucket ?? {},
      timings: this.timings,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
    });
  }

  /** Starts publishing, following the configured zones and discovering new ones; idempotent. Does not wait for NATS. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    const interval = this.options.discoveryIntervalMs ?? 10_000;
    this.unsubscribe = this.options.nats.onEvent((event) => {
      logNatsEvent(this.logger, event);
      if (event.type === 'reconnect') this.discoveryWakeup.wake();
    });
    this.publisher.start();
    for (const zone of this.options.zones ?? []) this.followZone(zone);
    if (interval > 0) this.discovery = this.discover(interval);
  }

  /** Stops every loop and waits for them; idempotent. Stores and buckets keep their content. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.discoveryWakeup.wake();
    await Promise.all([this.publisher.stop(), this.discovery, ...[...this.zones.values()].map((z) => z.consumer.stop())]);
  }

  /** Follows zone `zone`'s bucket (waiting for it to exist); idempotent. */
  followZone(zone: string): void {
    if (this.stopped || this.zones.has(zone)) return;
    const bucket = zoneBucket(zone);
    const logger = this.logger.child({ zone });
    const applier = new StoreApplier({
      store: this.options.store,
      mapping: globalSideMapping(this.options.registry, zone),
      logger,
      metrics: this.metrics,
      attributes: { bucket },
    });
    const consumer = new BucketConsumer({
      nats: this.options.nats,
      bucket,
      applier,
      onHeartbeat: (heartbeat, meta) => {
        if (heartbeat.zone !== zone) {
          logger.warn('kds: ignoring a heartbeat that names another zone', { claimed: heartbeat.zone });
          return;
        }
        this.heartbeats.record(zone, heartbeat, this.clock.now(), meta.written, meta.live);
      },
      timings: this.timings,
      clock: this.clock,
      logger,
      metrics: this.metrics,
    });
    this.zones.set(zone, { consumer, applier });
    if (this.started) consumer.start();
    logger.info('kds: following zone', { bucket });
  }

  /** Status of every followed zone, sorted by name: online/offline, last heartbeat, synced resources per type. */
  zoneStatus(): ZoneStatus[] {
    const now = this.clock.now();
    return [...this.zones]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([zone, z]) => ({
        zone,
        bucket: zoneBucket(zone),
        ...this.heartbeats.describe(zone, now),
        resources: z.applier.counts(),
        sync: z.consumer.status(),
      }));
  }

  /** State of the `mycel-global` publisher. */
  publisherStatus(): PublisherStatus {
    return this.publisher.status();
  }

  /** Resolves once `mycel-global` has been fully reconciled with the store for the first time. */
  whenPublished(): Promise<void> {
    return this.publisher.whenSynced();
  }

  /** (key, hash) of zone `zone`'s bucket as global last applied it, sorted by key; empty for an unknown zone. */
  appliedState(zone: string): [string, string][] {
    return this.zones.get(zone)?.applier.snapshot() ?? [];
  }

  private async discover(intervalMs: number): Promise<void> {
    while (!this.stopped) {
      try {
        for (const bucket of await this.options.nats.listBuckets(ZONE_BUCKET_PREFIX)) {
          const zone = zoneOfBucket(bucket);
          if (zone !== undefined) this.followZone(zone);
        }
      } catch (err) {
        // NATS down or not yet ready: the next round (or the reconnect) tries again.
        this.logger.debug('kds: zone discovery failed', { error: toKdsError(err) as Error });
      }
      if (this.stopped) break;
      await this.discoveryWakeup.wait(intervalMs);
    }
  }
}
