import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DataplaneInsightType, ValidationError, nameProblem, type TypeRegistry } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import { silentLogger, type Logger } from '@mycel/telemetry';
import { BucketConsumer, type ConsumerStatus } from './bucket-consumer';
import { BucketPublisher, type PublisherStatus } from './bucket-publisher';
import { systemClock, type KdsClock } from './kds-clock';
import { encodeHeartbeat } from './kds-entry';
import { GLOBAL_BUCKET, HEARTBEAT_KEY, zoneBucket } from './kds-keys';
import { createKdsMetrics, type KdsMeter, type KdsMetrics } from './kds-metrics';
import { isGlobalOrigin } from './kds-naming';
import { resolveTimings, type KdsBucketOptions, type KdsTimings, type ResolvedKdsTimings } from './kds-options';
import { logNatsEvent, toKdsError, type KdsNats } from './nats-connection';
import { StoreApplier, zoneSideMapping, zoneToGlobalTypes } from './store-applier';

/** Options of {@link ZoneKdsSync}. */
export interface ZoneKdsSyncOptions {
  /** The zone's store: the home of global's resources and the source of the zone's own. */
  readonly store: ResourceStore;
  readonly registry: TypeRegistry;
  /** Connected as this zone's NATS user (`zone-<zone>`). */
  readonly nats: KdsNats;
  /** The zone name (a DNS-1123 subdomain). */
  readonly zone: string;
  /** Heartbeat period, in ms; default 10000. Global's offline timeout should be a few of these. */
  readonly heartbeatIntervalMs?: number;
  /** Identifies this control plane instance in heartbeats; default `<hostname>-<random>`. */
  readonly instanceId?: string;
  readonly clock?: KdsClock;
  readonly logger?: Logger;
  /** OpenTelemetry meter for `mycel.kds.*` instruments; none by default. */
  readonly meter?: KdsMeter;
  /** How the zone's bucket is created (replicas, storage). */
  readonly bucket?: KdsBucketOptions;
  readonly timings?: KdsTimings;
  /**
   * Each DataplaneInsight is published to global at most once per this many ms: its first change
   * goes at once, later ones within the interval wait for its end and its state then goes (the
   * latest state always arrives; deletions too, at most this late). Insights change with every
   * ACK, so without this a mesh-wide change costs every dataplane a KV put and an apply at global.
   * {@link DEFAULT_INSIGHT_PUBLISH_INTERVAL_MS} by default; 0 publishes every change.
   */
  readonly insightPublishIntervalMs?: number;
  /**
   * Apply the other zones' resources of `acrossZones` types that global sends on (remote
   * Dataplanes, for cross-zone endpoints), as read-only copies; default true.
   */
  readonly acrossZones?: boolean;
}

/** Default of {@link ZoneKdsSyncOptions.insightPublishIntervalMs}: 5 s. */
export const DEFAULT_INSIGHT_PUBLISH_INTERVAL_MS = 5_000;

/** State of a zone's sync, for status pages and tests. */
export interface ZoneSyncStatus {
  readonly zone: string;
  /** `mycel-global` → zone store. */
  readonly consumer: ConsumerStatus;
  /** Zone store → `mycel-zone-<zone>`. */
  readonly publisher: PublisherStatus;
  /** RFC 3339 time of the last heartbeat NATS acknowledged. */
  readonly lastHeartbeat?: string;
}

/**
 * A zone's side of KDS: applies `mycel-global` to the zone's store (with `mycel.io/origin: global`),
 * including the other zones' `acrossZones` resources global sends on (never the zone's own back),
 * publishes the zone's `zoneToGlobal` resources (except global's copies) into `mycel-zone-<zone>`,
 * and writes a heartbeat there every interval. The zone's store stays the source of truth for the
 * zone's own data whether or not global or NATS is reachable; on reconnect both directions resync.
 */
export class ZoneKdsSync {
  private readonly clock: KdsClock;
  private readonly logger: Logger;
  private readonly metrics: KdsMetrics;
  private readonly timings: ResolvedKdsTimings;
  private readonly applier: StoreApplier;
  private readonly consumer: BucketConsumer;
  private readonly publisher: BucketPublisher;
  private readonly bucket: string;
  private readonly heartbeatIntervalMs: number;
  private readonly instanceId: string;
  private cancelHeartbeat: () => void = () => undefined;
  private heartbeatInFlight: Promise<void> | undefined;
  private lastHeartbeat: Date | undefined;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly options: ZoneKdsSyncOptions) {
    const problem = nameProblem(options.zone);
    if (problem !== undefined) throw new ValidationError(`invalid zone name: ${problem}`, [{ field: 'zone', reason: problem }]);
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'kds', side: 'zone', zone: options.zone });
    this.metrics = createKdsMetrics(options.meter);
    this.timings = resolveTimings(options.timings);
    this.bucket = zoneBucket(options.zone);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 10_000;
    this.instanceId = options.instanceId ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
    const { registry } = options;
    this.applier = new StoreApplier({
      store: options.store,
      mapping: zoneSideMapping(registry, options.acrossZones === false ? undefined : options.zone),
      logger: this.logger,
      metrics: this.metrics,
      attributes: { bucket: GLOBAL_BUCKET },
    });
    this.consumer = new BucketConsumer({
      nats: options.nats,
      bucket: GLOBAL_BUCKET,
      applier: this.applier,
      timings: this.timings,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
    });
    this.publisher = new BucketPublisher({
      nats: options.nats,
      bucket: this.bucket,
      writer: options.zone,
      store: options.store,
      types: zoneToGlobalTypes(registry),
      include: (r) => registry.get(r.type)?.kds.zoneToGlobal === true && !isGlobalOrigin(r),
      coalesce: {
        types: new Set([DataplaneInsightType.name]),
        intervalMs: Math.max(0, options.insightPublishIntervalMs ?? DEFAULT_INSIGHT_PUBLISH_INTERVAL_MS),
      },
      bucketOptions: options.bucket ?? {},
      timings: this.timings,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
    });
  }

  /** Starts both directions and, once the zone's bucket exists, the heartbeat; idempotent. Does not wait for NATS. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.unsubscribe = this.options.nats.onEvent((event) => logNatsEvent(this.logger, event));
    this.consumer.start();
    this.publisher.start();
    this.publisher.whenSynced().then(
      () => {
        if (!this.stopped) this.scheduleHeartbeat(0);
      },
      () => undefined,
    );
  }

  /** Stops every loop and waits for them; idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.cancelHeartbeat();
    await Promise.all([this.consumer.stop(), this.publisher.stop(), this.heartbeatInFlight]);
  }

  /** Resolves once the zone's bucket has been fully reconciled with the store for the first time. */
  whenPublished(): Promise<void> {
    return this.publisher.whenSynced();
  }

  /** Current state of both directions and the heartbeat. */
  status(): ZoneSyncStatus {
    return {
      zone: this.options.zone,
      consumer: this.consumer.status(),
      publisher: this.publisher.status(),
      ...(this.lastHeartbeat !== undefined ? { lastHeartbeat: this.lastHeartbeat.toISOString() } : {}),
    };
  }

  /** (key, hash) of `mycel-global` as this zone last applied it, sorted by key. */
  appliedState(): [string, string][] {
    return this.applier.snapshot();
  }

  private scheduleHeartbeat(delayMs: number): void {
    this.cancelHeartbeat = this.clock.setTimeout(() => {
      this.heartbeatInFlight = this.beat().finally(() => {
        if (!this.stopped) this.scheduleHeartbeat(this.heartbeatIntervalMs);
      });
    }, delayMs);
  }

  private async beat(): Promise<void> {
    const now = this.clock.now();
    try {
      const kv = await this.options.nats.kvm.open(this.bucket);
      await kv.put(
        HEARTBEAT_KEY,
        encodeHeartbeat({
          zone: this.options.zone,
          instanceId: this.instanceId,
          time: now.toISOString(),
          intervalMs: this.heartbeatIntervalMs,
          resources: this.publisher.counts(),
          globalRevision: this.consumer.status().revision,
        }),
      );
      this.lastHeartbeat = now;
    } catch (err) {
      // NATS unreachable: the zone keeps working; global marks it offline until heartbeats resume.
      this.logger.debug('kds: heartbeat failed', { error: toKdsError(err) as Error });
    }
  }
}
