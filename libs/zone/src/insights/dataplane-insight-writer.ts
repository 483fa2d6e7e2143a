import type { DataplaneInsightSpec, DataplaneInsightSubscription, Resource, ResourceKey } from '@mycel/core';
import { AlreadyExistsError, ConflictError, DataplaneInsightType, DataplaneType, NotFoundError, ValidationError, isObject, jsonEqual } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import { listPages } from '@mycel/store';
import { silentLogger } from '@mycel/telemetry';
import type { Logger } from '@mycel/telemetry';
import type { AdsCallbacks, AdsEventContext, AdsStreamInfo, NackDetail } from '@mycel/xds';
import type { DataplaneRef } from '../reconciler/node-id';
import { dataplaneRefOfNode, nodeIdCandidates } from '../reconciler/node-id';
import { systemTimers } from '../reconciler/timers';
import type { TimerHandle, Timers } from '../reconciler/timers';
import { MAX_SUBSCRIPTIONS, SubscriptionState, closeSubscriptions, mergeSubscriptions } from './insight-state';

/** Default time counters and versions are collected before they are written: 1 s. */
export const DEFAULT_INSIGHT_FLUSH_MS = 1_000;
/** Default {@link DataplaneInsightWriterOptions.tidyQuietMs}: 5 s without a connect. */
export const DEFAULT_TIDY_QUIET_MS = 5_000;
/**
 * Default {@link DataplaneInsightWriterOptions.tidyMaxDelayMs}: 60 s, two of Envoy's longest xDS
 * retry intervals, by when every dataplane still running has tried to reconnect.
 */
export const DEFAULT_TIDY_MAX_DELAY_MS = 60_000;
/** How long after the tidy-up the insights it listed are kept for first writes: 2 min. */
const LISTED_TTL_MS = 120_000;
/** Insight writes one flush keeps in flight at once. */
export const FLUSH_CONCURRENCY = 128;
/** Tidy-up writes in flight at once (see {@link DataplaneInsightWriter.tidy}). */
export const TIDY_CONCURRENCY = 64;
/** Attempts of one read-modify-write before it gives up on concurrent writers. */
const MAX_WRITE_ATTEMPTS = 5;

/** Options of {@link DataplaneInsightWriter}. */
export interface DataplaneInsightWriterOptions {
  readonly store: ResourceStore;
  /** This control-plane instance: recorded on each subscription it serves. */
  readonly instanceId: string;
  /**
   * The dataplane a node id stands for when the node's metadata does not say (`mycel.io/mesh`,
   * `mycel.io/name`); by default the split at the first dot (`<mesh>.<name>`).
   */
  readonly resolve?: (nodeId: string) => DataplaneRef | undefined;
  /**
   * Instance ids of earlier runs of this control plane (a crash leaves their subscriptions open);
   * `start()` closes those. None by default.
   */
  readonly isEarlierRun?: (controlPlaneInstanceId: string) => boolean;
  /** How long changes are coalesced before they are written, in ms; {@link DEFAULT_INSIGHT_FLUSH_MS} by default. */
  readonly flushIntervalMs?: number;
  /**
   * `start()` begins the tidy-up once no dataplane has connected for this long, in ms;
   * {@link DEFAULT_TIDY_QUIET_MS} by default; 0 starts it at once.
   */
  readonly tidyQuietMs?: number;
  /** … and at the latest this long after `start()`, in ms; {@link DEFAULT_TIDY_MAX_DELAY_MS} by default. */
  readonly tidyMaxDelayMs?: number;
  readonly maxSubscriptions?: number;
  readonly timers?: Timers;
  readonly now?: () => Date;
  readonly logger?: Logger;
}

/** What a tidy-up did; `stopped` when `stop()` ended it before it walked every insight. */
export interface TidyResult {
  readonly deleted: number;
  readonly closed: number;
  readonly stopped: boolean;
}

interface NodeState {
  readonly ref: DataplaneRef;
  readonly subscriptions: Map<string, SubscriptionState>;
  dirty: boolean;
  /** The insight as this writer last wrote it: the next write starts from it instead of a read. */
  stored: Resource | undefined;
  /** Writes of this node run one after another. */
  chain: Promise<void>;
}

/**
 * Keeps each connected dataplane's `DataplaneInsight` up to date from the ADS server's callbacks:
 * one subscription per stream (id = stream id, this instance, connect/disconnect times), ACKed
 * version and last NACK per type, and response totals; `online` while any subscription is open.
 *
 * Disconnects are written at once; connects, responses, ACKs and NACKs are coalesced so a
 * dataplane costs at most one store write per `flushIntervalMs` (a flush keeps at most
 * {@link FLUSH_CONCURRENCY} writes in flight, so a herd's flush does not hog the event loop).
 * Every write is a read-modify-write with the stored version as precondition, keeping
 * subscriptions other instances wrote. Write failures are logged and retried with the next flush;
 * they never reach the ADS stream.
 */
export class DataplaneInsightWriter implements AdsCallbacks {
  private readonly store: ResourceStore;
  private readonly instanceId: string;
  private readonly resolve: (nodeId: string) => DataplaneRef | undefined;
  private readonly isEarlierRun: ((controlPlaneInstanceId: string) => boolean) | undefined;
  private readonly flushIntervalMs: number;
  private readonly tidyQuietMs: number;
  private readonly tidyMaxDelayMs: number;
  private lastConnectMs = 0;
  private quietTimer: TimerHandle | undefined;
  private quietResolve: (() => void) | undefined;
  private readonly maxSubscriptions: number;
  private readonly timers: Timers;
  private readonly now: () => Date;
  private readonly logger: Logger;
  private readonly nodes = new Map<string, NodeState>();
  /**
   * Insights as the tidy-up listed or wrote them, by dataplane: a node's first write starts from
   * its entry instead of reading the store (reconnecting herds write every insight once). Dropped
   * when used, and all {@link LISTED_TTL_MS} after the tidy-up ended.
   */
  private readonly listed = new Map<string, Resource>();
  private listedTimer: TimerHandle | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: TimerHandle | undefined;
  private tidying: Promise<TidyResult> | undefined;
  private stopped = false;
  private writes = 0;

  constructor(options: DataplaneInsightWriterOptions) {
    this.store = options.store;
    this.instanceId = options.instanceId;
    this.resolve = options.resolve ?? ((nodeId) => nodeIdCandidates(nodeId)[0]);
    this.isEarlierRun = options.isEarlierRun;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_INSIGHT_FLUSH_MS;
    this.tidyQuietMs = Math.max(0, options.tidyQuietMs ?? DEFAULT_TIDY_QUIET_MS);
    this.tidyMaxDelayMs = Math.max(0, options.tidyMaxDelayMs ?? DEFAULT_TIDY_MAX_DELAY_MS);
    this.maxSubscriptions = options.maxSubscriptions ?? MAX_SUBSCRIPTIONS;
    this.timers = options.timers ?? systemTimers;
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Starts {@link tidy} in the background and returns at once, so the dataplane server can listen
   * while it runs: the tidy-up only closes subscriptions of earlier runs and deletes orphans, which
   * nothing a new stream writes depends on (both are compare-and-set writes, so a concurrent write
   * of a connecting dataplane wins and the tidy-up re-reads). It waits until the reconnecting herd
   * has passed (no connect for `tidyQuietMs`, or `tidyMaxDelayMs` at the latest): meanwhile every
   * returning dataplane's own first write closes its earlier-run subscriptions, so the tidy-up is
   * left with the dataplanes that did not come back, and none of its work competes with the herd.
   * The outcome is logged; `stop()` ends it (waiting or between pages) and waits for it. Idempotent.
   */
  start(): void {
    if (this.stopped || this.tidying !== undefined) return;
    this.tidying = this.herdPassed().then(() => this.tidy()).then(
      (result) => result,
      (err: unknown) => {
        // The next run tidies again; a failure here must not take the control plane down.
        this.logger.warn('cannot tidy DataplaneInsights left by earlier runs; the next start tries again', { error: err });
        return { deleted: 0, closed: 0, stopped: false };
      },
    );
  }

  /** Resolves once no dataplane connected for `tidyQuietMs`, `tidyMaxDelayMs` after the call, or on stop. */
  private herdPassed(): Promise<void> {
    if (this.tidyQuietMs === 0 || this.tidyMaxDelayMs === 0) return Promise.resolve();
    const begun = this.now().getTime();
    this.lastConnectMs = Math.max(this.lastConnectMs, begun);
    return new Promise<void>((resolve) => {
      this.quietResolve = resolve;
      const check = (): void => {
        this.quietTimer = undefined;
        const now = this.now().getTime();
        const quietFor = now - this.lastConnectMs;
        const waited = now - begun;
        if (this.stopped || quietFor >= this.tidyQuietMs || waited >= this.tidyMaxDelayMs) {
          this.quietResolve = undefined;
          resolve();
          return;
        }
        this.quietTimer = this.timers.setTimeout(check, Math.max(1, Math.min(this.tidyQuietMs - quietFor, this.tidyMaxDelayMs - waited)));
      };
      this.quietTimer = this.timers.setTimeout(check, this.tidyQuietMs);
    });
  }

  /** The outcome of the tidy-up {@link start} began (resolved at once when none was started). */
  tidied(): Promise<TidyResult> {
    return this.tidying ?? Promise.resolve({ deleted: 0, closed: 0, stopped: false });
  }

  /**
   * Tidies the insights a previous run could not, in bulk: deletes those whose Dataplane no longer
   * exists, and closes the subscriptions that earlier runs of this instance left open (see
   * `isEarlierRun`) so their dataplanes stop showing online. It lists the Dataplanes once, then
   * walks the insights page by page (MAX_PAGE_SIZE each), writing each page's changes with up to
   * {@link TIDY_CONCURRENCY} in flight (one compare-and-set each against the listed version; a store
   * such as Redis pipelines them on its connection), and yields to the event loop between pages.
   * `stop()` ends it after the page in flight (`stopped: true`). Returns how many it deleted and closed.
   */
  async tidy(): Promise<TidyResult> {
    const stale = this.isStale;
    const time = this.timestamp();
    const counts = { deleted: 0, closed: 0 };
    const existing = new Set<string>();
    if (this.stopped) return { ...counts, stopped: true };
    for await (const page of listPages(this.store, { type: DataplaneType.name })) {
      for (const dp of page.items) existing.add(refKey(dp.mesh ?? '', dp.name));
      if (this.stopped) return { ...counts, stopped: true };
    }
    for await (const page of listPages(this.store, { type: DataplaneInsightType.name })) {
      if (this.stopped) return { ...counts, stopped: true };
      const work: Array<() => Promise<void>> = [];
      for (const insight of page.items) {
        if (insight.mesh === undefined) continue;
        const ref = { mesh: insight.mesh, name: insight.name };
        if (!existing.has(refKey(ref.mesh, ref.name))) {
          work.push(async () => {
            if (await this.deleteOrphan(ref, insight.version)) counts.deleted++;
          });
          continue;
        }
        const closedSpec = closeSubscriptions(specOf(insight), stale, time);
        if (closedSpec === undefined) {
          this.listed.set(refKey(ref.mesh, ref.name), insight);
          continue;
        }
        work.push(async () => {
          const written = await this.closeStale(ref, insight, closedSpec, stale, time);
          if (written === undefined) return;
          counts.closed++;
          this.listed.set(refKey(ref.mesh, ref.name), written);
        });
      }
      await runLimited(work, TIDY_CONCURRENCY);
      // Between pages, whatever else is queued (connects, ACKs) runs first.
      // Not a timer: yielding is not about time, so it does not go through the injected ones.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped) return { ...counts, stopped: true };
    }
    if (this.listedTimer !== undefined) this.timers.clearTimeout(this.listedTimer);
    if (!this.stopped) this.listedTimer = this.timers.setTimeout(() => this.listed.clear(), LISTED_TTL_MS);
    if (counts.closed > 0) this.logger.info('marked dataplanes offline that an earlier run of this control plane left online', { insights: counts.closed });
    if (counts.deleted > 0) this.logger.info('deleted the insights of dataplanes that no longer exist', { insights: counts.deleted });
    return { ...counts, stopped: false };
  }

  /**
   * Deletes the insight of a Dataplane the listing did not hold, after confirming it is still gone
   * (it may have been registered since) and only at the listed version (a connect may have written
   * it since). False when it was kept.
   */
  private async deleteOrphan(ref: DataplaneRef, version: string): Promise<boolean> {
    if ((await this.store.find({ type: DataplaneType.name, ...ref })) !== undefined) return false;
    try {
      await this.store.delete({ type: DataplaneInsightType.name, mesh: ref.mesh, name: ref.name }, { expectedVersion: version });
      return true;
    } catch (err) {
      // Written or deleted meanwhile: whoever did it knows better; the next tidy-up looks again.
      if (err instanceof NotFoundError || err instanceof ConflictError) return false;
      throw err;
    }
  }

  /** Writes `closedSpec` over the listed `insight`; on a concurrent write, re-reads and closes again. Returns what it wrote. */
  private async closeStale(
    ref: DataplaneRef,
    insight: Resource,
    closedSpec: DataplaneInsightSpec,
    stale: (s: DataplaneInsightSubscription) => boolean,
    time: string,
  ): Promise<Resource | undefined> {
    this.writes++;
    try {
      return await this.store.update(
        { type: DataplaneInsightType.name, mesh: ref.mesh, name: ref.name, labels: insight.labels, spec: closedSpec },
        { expectedVersion: insight.version },
      );
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      if (!(err instanceof ConflictError)) throw err;
    }
    return this.upsert(ref, (spec) => closeSubscriptions(spec, stale, time));
  }

  /**
   * The Dataplane `ref` was deleted: its insight goes too, and nothing more is written for it (a
   * proxy still connected keeps its stream, unrecorded). Failures are logged; `start()` of the
   * next run deletes what is left.
   */
  dataplaneDeleted(ref: DataplaneRef): void {
    if (this.stopped) return;
    // After any write of the node already queued, so none recreates the insight.
    this.listed.delete(refKey(ref.mesh, ref.name));
    const queued: Promise<void>[] = [];
    for (const [nodeId, node] of this.nodes) {
      if (node.ref.mesh !== ref.mesh || node.ref.name !== ref.name) continue;
      queued.push(node.chain);
      this.nodes.delete(nodeId);
    }
    const deletion = Promise.all(queued).then(() => this.deleteInsight(ref)).then(
      () => undefined,
      (err: unknown) => this.logger.warn('cannot delete the DataplaneInsight of a deleted dataplane', { mesh: ref.mesh, name: ref.name, error: err }),
    );
    this.inFlight.add(deletion);
    void deletion.finally(() => this.inFlight.delete(deletion));
  }

  /**
   * Ends a running tidy-up after its page in flight, writes what is pending, waits for every write,
   * and ignores callbacks from then on. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.flush();
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.quietTimer !== undefined) this.timers.clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.quietResolve?.();
    await this.tidying;
    if (this.listedTimer !== undefined) this.timers.clearTimeout(this.listedTimer);
    this.listed.clear();
    await this.idle();
  }

  /** Starts writing every node with coalesced changes now; resolves when those writes finished. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const dirty = [...this.nodes.entries()].filter(([, node]) => node.dirty).map(([nodeId]) => nodeId);
    await runLimited(
      dirty.map((nodeId) => () => (this.nodes.get(nodeId)?.dirty === true ? this.enqueue(nodeId) : Promise.resolve())),
      FLUSH_CONCURRENCY,
    );
  }

  /** Resolves once no write is in flight (writes started meanwhile included). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Store writes attempted so far (each read-modify-write counts once). */
  get writeCount(): number {
    return this.writes;
  }

  onConnect(nodeId: string, streamId: string, info: AdsStreamInfo): void {
    if (this.stopped) return;
    const ref = dataplaneRefOfNode(nodeId, info.node) ?? this.resolve(nodeId);
    if (ref === undefined) {
      this.logger.warn('cannot tell which dataplane an ADS node is; no insight is kept for it', { nodeId });
      return;
    }
    let node = this.nodes.get(nodeId);
    if (node === undefined) {
      node = { ref, subscriptions: new Map(), dirty: false, stored: undefined, chain: Promise.resolve() };
      this.nodes.set(nodeId, node);
    }
    const now = this.now();
    this.lastConnectMs = now.getTime();
    node.subscriptions.set(streamId, new SubscriptionState(streamId, this.instanceId, now.toISOString()));
    // Coalesced with the responses and ACKs that follow within the flush interval: a reconnecting
    // herd costs one write per dataplane, not two.
    this.markDirty(nodeId);
  }

  onDisconnect(nodeId: string, streamId: string): void {
    const subscription = this.subscription(nodeId, streamId);
    if (subscription === undefined) return;
    subscription.closed(this.timestamp());
    void this.enqueue(nodeId);
  }

  onResponse(nodeId: string, _typeUrl: string, _version: string, context: AdsEventContext): void {
    this.subscription(nodeId, context.streamId)?.sent(this.timestamp());
    this.markDirty(nodeId);
  }

  onAck(nodeId: string, typeUrl: string, version: string, context: AdsEventContext): void {
    this.subscription(nodeId, context.streamId)?.acked(typeUrl, version, this.timestamp());
    this.markDirty(nodeId);
  }

  onNack(nodeId: string, typeUrl: string, version: string, errorDetail: NackDetail, context: AdsEventContext): void {
    this.subscription(nodeId, context.streamId)?.nacked(typeUrl, version, context.nonce, errorDetail.message, this.timestamp());
    this.markDirty(nodeId);
  }

  private subscription(nodeId: string, streamId: string): SubscriptionState | undefined {
    if (this.stopped) return undefined;
    return this.nodes.get(nodeId)?.subscriptions.get(streamId);
  }

  private markDirty(nodeId: string): void {
    const node = this.nodes.get(nodeId);
    if (node === undefined || this.stopped) return;
    node.dirty = true;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushIntervalMs);
  }

  /** Queues a write of `nodeId` behind its earlier ones; the promise never rejects. */
  private enqueue(nodeId: string): Promise<void> {
    const node = this.nodes.get(nodeId);
    if (node === undefined) return Promise.resolve();
    node.dirty = false;
    const write = node.chain.then(() => this.write(nodeId, node));
    node.chain = write;
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
    return write;
  }

  private async write(nodeId: string, node: NodeState): Promise<void> {
    const states = [...node.subscriptions.values()];
    const ours = states.map((s) => s.toSubscription());
    try {
      const known = node.stored ?? this.takeListed(node.ref);
      const time = this.timestamp();
      const mutate = (spec: DataplaneInsightSpec): DataplaneInsightSpec => {
        const merged = mergeSubscriptions(spec.subscriptions ?? [], ours, this.maxSubscriptions);
        // What an earlier run of this instance left open is closed by the dataplane's own write.
        return closeSubscriptions(merged, this.isStale, time) ?? merged;
      };
      const written = await this.upsert(node.ref, mutate, known);
      if (written !== undefined) node.stored = written;
    } catch (err) {
      node.stored = undefined;
      if (err instanceof NotFoundError) {
        // The mesh is gone (and with it the dataplane): there is nowhere to write, now or later.
        this.logger.debug('no DataplaneInsight written: the mesh does not exist', { nodeId });
      } else if (err instanceof ValidationError) {
        // A bug in how the insight is built; retrying would fail the same way.
        this.logger.error('DataplaneInsight not written: it would be invalid', { nodeId, error: err, violations: err.violations });
      } else {
        this.logger.warn('cannot write DataplaneInsight; retrying with the next flush', { nodeId, error: err });
        node.dirty = true;
        this.scheduleFlush();
        return;
      }
    }
    // Closed subscriptions are recorded now; nothing more will happen to them.
    for (const s of states) if (s.disconnectTime !== undefined) node.subscriptions.delete(s.id);
    if (node.subscriptions.size === 0 && !node.dirty && this.nodes.get(nodeId) === node) this.nodes.delete(nodeId);
  }

  /** Whether `s` is a subscription an earlier run of this instance left (see `isEarlierRun`). */
  private readonly isStale = (s: DataplaneInsightSubscription): boolean =>
    s.controlPlaneInstanceId !== this.instanceId && (this.isEarlierRun?.(s.controlPlaneInstanceId) ?? false);

  /** Deletes the insight of `ref`; false when there was none. */
  private async deleteInsight(ref: DataplaneRef): Promise<boolean> {
    try {
      await this.store.delete({ type: DataplaneInsightType.name, mesh: ref.mesh, name: ref.name });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /**
   * Read-modify-write of one DataplaneInsight with the stored version as precondition, retried on
   * conflicts. `mutate` returns the new spec, or undefined to leave it. `known` is the insight as
   * this writer last wrote it: the first attempt starts from it instead of reading the store (a
   * conflict means someone else wrote since, and the retry reads). Returns the written insight, or
   * undefined when nothing needed writing.
   */
  private async upsert(
    ref: DataplaneRef,
    mutate: (spec: DataplaneInsightSpec) => DataplaneInsightSpec | undefined,
    known?: Resource,
  ): Promise<Resource | undefined> {
    const key: ResourceKey = { type: DataplaneInsightType.name, mesh: ref.mesh, name: ref.name };
    let hint = known;
    for (let attempt = 1; ; attempt++) {
      this.writes++;
      const existing = hint ?? (await this.store.find(key));
      hint = undefined;
      const spec = mutate(existing ? specOf(existing) : {});
      if (spec === undefined || (existing !== undefined && jsonEqual(existing.spec, spec))) return undefined;
      const violations = DataplaneInsightType.validate(spec, { name: ref.name, mesh: ref.mesh, labels: existing?.labels ?? {} });
      if (violations.length > 0) {
        throw new ValidationError(`DataplaneInsight ${ref.mesh}/${ref.name} would be invalid`, violations);
      }
      try {
        if (existing) return await this.store.update({ ...key, labels: existing.labels, spec }, { expectedVersion: existing.version });
        return await this.store.create({ ...key, labels: {}, spec });
      } catch (err) {
        const raced = err instanceof ConflictError || err instanceof AlreadyExistsError || (err instanceof NotFoundError && existing !== undefined);
        if (!raced || attempt >= MAX_WRITE_ATTEMPTS) throw err;
      }
    }
  }

  private takeListed(ref: DataplaneRef): Resource | undefined {
    const key = refKey(ref.mesh, ref.name);
    const found = this.listed.get(key);
    this.listed.delete(key);
    return found;
  }

  private timestamp(): string {
    return this.now().toISOString();
  }
}

/** The spec of a stored insight, tolerating a malformed one (its subscriptions are then dropped). */
function specOf(insight: Resource): DataplaneInsightSpec {
  const spec = insight.spec;
  if (!isObject(spec) || !Array.isArray(spec['subscriptions'])) return {};
  return spec as DataplaneInsightSpec;
}

function refKey(mesh: string, name: string): string {
  return `${mesh}\n${name}`;
}

/** Runs `tasks` with at most `limit` in flight; rejects with the first error once all settled. */
async function runLimited(tasks: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (err) {
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, () => worker()));
  if (firstError !== undefined) throw firstError;
}
