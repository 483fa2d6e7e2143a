import type { Logger } from '@mycel/telemetry';
import { Wakeup, backoffMs, type KdsClock } from './kds-clock';
import { decodeHeartbeat, decodeResourceEntry, type Heartbeat, type ResourceEntry } from './kds-entry';
import { KdsEntryError, KdsUnavailableError } from './kds-errors';
import { HEARTBEAT_KEY, READY_KEY, isReservedKey } from './kds-keys';
import type { KdsMetrics } from './kds-metrics';
import { endsSnapshot, openBucketWatch, type BucketWatch, type WatchEntry } from './bucket-watch';
import type { ResolvedKdsTimings } from './kds-options';
import { isStreamNotFound, toKdsError, type KdsNats } from './nats-connection';
import type { StoreApplier } from './store-applier';

/** Where a consumer is: waiting for the bucket, reading its snapshot, following it, or failing. */
export type ConsumerState = 'waiting' | 'syncing' | 'synced' | 'error';

/** Consumer state for status pages and tests. */
export interface ConsumerStatus {
  readonly bucket: string;
  readonly state: ConsumerState;
  /** Completed snapshots since start. */
  readonly resyncs: number;
  /** RFC 3339 time of the last completed snapshot. */
  readonly lastResync?: string;
  /** The last error, cleared by a completed snapshot. */
  readonly lastError?: string;
  /**
   * The KDS version this side holds: the bucket revision (JetStream stream sequence) up to which
   * entries have been applied to the store; 0 before the first snapshot completes.
   */
  readonly revision: number;
}

/** Options of {@link BucketConsumer}. */
export interface BucketConsumerOptions {
  readonly nats: KdsNats;
  readonly bucket: string;
  readonly applier: StoreApplier;
  /** Called for every heartbeat value (`live`: false for the one found in a snapshot). */
  readonly onHeartbeat?: (heartbeat: Heartbeat, meta: { readonly written: Date; readonly live: boolean }) => void;
  readonly timings: ResolvedKdsTimings;
  readonly clock: KdsClock;
  readonly logger: Logger;
  readonly metrics: KdsMetrics;
}

/**
 * Keeps a store equal to one KV bucket. Each (re)subscription — on start, on every NATS reconnect,
 * every `resyncIntervalMs`, after any error — opens a watch of the whole bucket: it first delivers
 * the current value of every key (the snapshot; where it ends: `openBucketWatch`), which is applied
 * as a whole (including deletion of owned local copies whose key is absent, once the writer's ready
 * marker is there), then every later write in bucket order. A missing bucket is waited for, never
 * treated as empty.
 */
export class BucketConsumer {
  private readonly wakeup: Wakeup;
  private readonly log: Logger;
  private stopped = false;
  private running: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private resyncReason: string | undefined;
  private stopWatch: (() => void) | undefined;
  private state: ConsumerState = 'waiting';
  private resyncs = 0;
  private lastResync: Date | undefined;
  private lastError: string | undefined;
  private appliedRevision = 0;
  private cancelPendingRetry: () => void = () => undefined;
  private pendingRetry: Promise<void> | undefined;

  constructor(private readonly options: BucketConsumerOptions) {
    this.wakeup = new Wakeup(options.clock);
    this.log = options.logger.child({ bucket: options.bucket, role: 'consumer' });
  }

  /** Starts the loop; idempotent. */
  start(): void {
    if (this.running !== undefined || this.stopped) return;
    this.resyncReason = 'start';
    this.unsubscribe = this.options.nats.onEvent((event) => {
      if (event.type === 'reconnect') this.requestResync('reconnect');
    });
    this.running = this.run();
  }

  /** Stops the loop and waits for it; idempotent. The store keeps what was applied. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.cancelPendingRetry();
    this.interrupt();
    await this.running;
    await this.pendingRetry;
  }

  /** Asks for a fresh subscription (and so a full snapshot) as soon as possible. */
  requestResync(reason: string): void {
    this.resyncReason ??= reason;
    this.interrupt();
  }

  /** Current state, for status pages and tests. */
  status(): ConsumerStatus {
    return {
      bucket: this.options.bucket,
      state: this.state,
      resyncs: this.resyncs,
      ...(this.lastResync !== undefined ? { lastResync: this.lastResync.toISOString() } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      revision: this.appliedRevision,
    };
  }

  private interrupt(): void {
    this.wakeup.wake();
    this.stopWatch?.();
  }

  private async run(): Promise<void> {
    const { timings } = this.options;
    let failures = 0;
    while (!this.stopped) {
      const reason = this.resyncReason ?? 'periodic';
      this.resyncReason = undefined;
      try {
        await this.subscribeOnce(reason);
        failures = 0;
      } catch (err) {
        if (this.stopped) break;
        failures++;
        this.resyncReason ??= 'error';
        const error = toKdsError(err) as Error;
        const missing = isStreamNotFound(err);
        this.state = missing ? 'waiting' : 'error';
        this.lastError = missing ? `bucket ${this.options.bucket} does not exist yet` : error.message;
        const delay = backoffMs(failures, timings.retryBaseMs, timings.retryMaxMs);
        if (missing || failures > 1) this.log.debug('kds: cannot follow the bucket yet; retrying', { error, failures, retryInMs: delay });
        else this.log.warn('kds: following the bucket failed; retrying', { error, retryInMs: delay });
        await this.wakeup.wait(delay);
      }
    }
  }

  private async subscribeOnce(reason: string): Promise<void> {
    const { nats, bucket, applier, clock, timings, metrics } = this.options;
    const kv = await nats.kvm.open(bucket);
    if (this.stopped || this.resyncReason !== undefined) return;
    let watch: BucketWatch;
    try {
      watch = await openBucketWatch(this.options.nats, kv, this.options.bucket);
    } catch (err) {
      throw isStreamNotFound(err) ? err : toKdsError(err);
    }
    const iter = watch;
    const { snapshotEnd } = watch;
    this.state = 'syncing';
    let stalled = false;
    let cancelStall = (): void => undefined;
    const armStall = (): void => {
      cancelStall();
      cancelStall = clock.setTimeout(() => {
        stalled = true;
        iter.stop();
      }, timings.snapshotStallMs);
    };
    this.stopWatch = () => iter.stop();
    this.log.debug('kds: subscribed to the bucket', { reason, snapshotEnd });
    const cancelPeriodic = timings.resyncIntervalMs > 0 ? clock.setTimeout(() => this.requestResync('periodic'), timings.resyncIntervalMs) : () => undefined;
    metrics.resync({ bucket, role: 'consumer', reason });
    const snapshot = new Map<string, ResourceEntry>();
    let ready = false;
    let inSnapshot = snapshotEnd > 0;
    let staleRemoved = false;
    let caughtUpTo = snapshotEnd;
    let progressed = false;
    let cancelCheck = (): void => undefined;
    let checking: Promise<void> | undefined;
    // A watch can silently miss messages (nats-server 2.9 under load); the stream's own last
    // sequence tells: if a message at least one check period old has not arrived and nothing
    // arrived meanwhile (a slow watch makes progress, a broken one does not), resubscribe.
    const scheduleCheck = (seenLast: number | undefined): void => {
      if (timings.watchCheckMs <= 0) return;
      progressed = false;
      cancelCheck = clock.setTimeout(() => {
        checking = kv.status().then(
          (status) => {
            if (seenLast !== undefined && seenLast > caughtUpTo && !progressed) {
              this.log.warn('kds: the watch missed messages; resubscribing', { streamLast: seenLast, received: caughtUpTo });
              this.requestResync('missed-messages');
              return;
            }
            scheduleCheck(status.values === 0 ? caughtUpTo : status.streamInfo.state.last_seq);
          },
          (err: unknown) => {
            // NATS unreachable: the reconnect resubscribes; keep checking meanwhile.
            this.log.debug('kds: checking the watch failed', { error: toKdsError(err) as Error });
            scheduleCheck(seenLast);
          },
        );
      }, timings.watchCheckMs);
    };
    const completeSnapshot = async (): Promise<void> => {
      cancelStall();
      scheduleCheck(undefined);
      inSnapshot = false;
      await applier.applySnapshot(snapshot, ready);
      this.appliedRevision = Math.max(this.appliedRevision, snapshotEnd);
      staleRemoved = ready;
      snapshot.clear();
      this.state = 'synced';
      this.resyncs++;
      this.lastResync = clock.now();
      this.lastError = undefined;
      this.log.info('kds: store reconciled with the bucket', { reason, ready, ...applier.stats });
      this.schedulePendingRetry();
    };
    try {
      if (this.stopped || this.resyncReason !== undefined) return;
      if (inSnapshot) armStall();
      else await completeSnapshot();
      for await (const e of iter) {
        caughtUpTo = Math.max(caughtUpTo, e.revision);
        progressed = true;
        if (e.key !== HEARTBEAT_KEY) this.log.debug('kds: entry', { key: e.key, revision: e.revision, op: e.operation, inSnapshot });
        if (inSnapshot) {
          armStall();
          if (e.key === READY_KEY) ready = e.operation === 'PUT';
          else if (e.key === HEARTBEAT_KEY) this.heartbeat(e, false);
          else if (!isReservedKey(e.key)) {
            // Later messages of a key (up to the snapshot's end) replace earlier ones; a marker removes it.
            const entry = e.operation === 'PUT' ? this.decode(e) : undefined;
            if (entry !== undefined) snapshot.set(e.key, entry);
            else snapshot.delete(e.key);
          }
          if (endsSnapshot(e, snapshotEnd)) await completeSnapshot();
          continue;
        }
        if (e.key === READY_KEY) {
          if (e.operation === 'PUT' && !staleRemoved) {
            staleRemoved = true;
            await applier.removeStale();
          }
          this.appliedRevision = Math.max(this.appliedRevision, e.revision);
          continue;
        }
        if (e.key === HEARTBEAT_KEY) {
          this.heartbeat(e, true);
          this.appliedRevision = Math.max(this.appliedRevision, e.revision);
          continue;
        }
        // Reserved entries change nothing here, but this side has still seen the bucket up to them.
        if (isReservedKey(e.key)) {
          this.appliedRevision = Math.max(this.appliedRevision, e.revision);
          continue;
        }
        const started = clock.now().getTime();
        if (e.operation === 'PUT') {
          const entry = this.decode(e);
          if (entry === undefined) await applier.applyDelete(e.key);
          else await applier.applyPut(e.key, entry);
        } else {
          await applier.applyDelete(e.key);
        }
        metrics.lag((started - e.created.getTime()) / 1000, { bucket });
        this.appliedRevision = Math.max(this.appliedRevision, e.revision);
        this.schedulePendingRetry();
      }
    } finally {
      cancelStall();
      cancelCheck();
      await checking;
      cancelCheck();
      cancelPeriodic();
      this.stopWatch = undefined;
      iter.stop();
    }
    if (this.stopped || this.resyncReason !== undefined) return;
    throw new KdsUnavailableError(stalled ? `the snapshot of bucket ${bucket} stalled` : `the watch of bucket ${bucket} ended`);
  }

  private decode(e: WatchEntry): ResourceEntry | undefined {
    try {
      return decodeResourceEntry(this.options.bucket, e.key, e.value);
    } catch (err) {
      // A value this version cannot read is treated as absent (its local copy goes), never guessed at.
      if (err instanceof KdsEntryError) {
        this.log.warn('kds: ignoring an undecodable entry', { key: e.key, error: err });
        return undefined;
      }
      throw err;
    }
  }

  private heartbeat(e: WatchEntry, live: boolean): void {
    if (e.operation !== 'PUT' || this.options.onHeartbeat === undefined) return;
    try {
      this.options.onHeartbeat(decodeHeartbeat(this.options.bucket, e.key, e.value), { written: e.created, live });
    } catch (err) {
      // A malformed heartbeat only means the zone is not seen as alive by it; keep syncing.
      this.log.warn('kds: ignoring a malformed heartbeat', { error: err as Error });
    }
  }

  /** While entries wait for their mesh, retries them every `retryMaxMs` (a mesh may appear locally). */
  private schedulePendingRetry(): void {
    const { applier, clock, timings } = this.options;
    this.cancelPendingRetry();
    if (!applier.hasPending || this.stopped) return;
    this.cancelPendingRetry = clock.setTimeout(() => {
      this.pendingRetry = applier
        .retryPending()
        .then(() => this.schedulePendingRetry())
        .catch((err: unknown) => this.log.warn('kds: retrying entries that wait for their mesh failed', { error: err as Error }));
    }, timings.retryMaxMs);
  }
}
