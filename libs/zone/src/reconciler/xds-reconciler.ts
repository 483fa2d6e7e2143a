import { performance } from 'node:perf_hooks';
import type { DataplaneSpec, MeshSpec, Resource, TypeRegistry } from '@mycel/core';
import { DataplaneType, Labels, MESH_TYPE, MycelError, formatKey, keyOf } from '@mycel/core';
import type { ChangeEvent, ChangeStream, ResourceStore } from '@mycel/store';
import { listPages } from '@mycel/store';
import { silentLogger } from '@mycel/telemetry';
import type { Logger } from '@mycel/telemetry';
import type { Meter } from '@opentelemetry/api';
import { EncodingCache, MeshContextBuilder, ResourceSet, isSharedResource, SharedResources, assertConsistent, buildMeshContext, encodeSnapshot, generateResources, patchLoadAssignments, toSnapshot } from '@mycel/xds';
import type { AdsCallbacks, EncodedSnapshot, LoadAssignmentInputs, MeshContext, Proxy, ProxyKind, Snapshot, SnapshotCache, XdsTypeUrl } from '@mycel/xds';
import type { JsonObject } from '@mycel/core';
import { consumesAny, intersects, servicesOfSnapshot } from './affected';
import { dataplaneNodeId, dataplaneRefOfNode, nodeIdCandidates } from './node-id';
import type { DataplaneRef } from './node-id';
import { NO_POLICIES } from './policy-engine';
import type { PolicyEngine } from './policy-engine';
import { proxyKindOfNode } from './proxy-kind';
import { ReconcilerMetrics } from './reconciler-metrics';
import { systemTimers } from './timers';
import type { TimerHandle, Timers } from './timers';
import { ChangeSet, ZoneIndex, isRemoteDataplane } from './zone-index';
import type { MeshChanges, MeshState } from './zone-index';

/** Default time store changes are collected before a batch regenerates: 10 ms. */
export const DEFAULT_DEBOUNCE_MS = 10;
/** Default most dataplanes a batch generates before it yields to the event loop. */
export const DEFAULT_CHUNK_SIZE = 100;
/** Default time a batch generates before it yields to the event loop, in ms (checked after each dataplane). */
export const DEFAULT_CHUNK_BUDGET_MS = 10;
/** Default bound of the memo of endpoint-independent resources shared across batches (a few per dataplane: ample for 10,000). */
export const DEFAULT_TEMPLATE_ENTRIES = 100_000;
/** First and longest wait before re-watching after the change feed failed. */
const WATCH_RETRY_MIN_MS = 100;
const WATCH_RETRY_MAX_MS = 5_000;

/** Options of {@link XdsReconciler}. */
export interface XdsReconcilerOptions {
  readonly store: ResourceStore;
  /** Tells policy types (descriptor `isPolicy`) apart; must hold every policy type before `start`. */
  readonly registry: TypeRegistry;
  /** Where node snapshots go; the ADS server serves from it. */
  readonly cache: SnapshotCache;
  /** This zone's name: endpoints without a `mycel.io/zone` label are in it. */
  readonly zone: string;
  /** Shared by every generation so identical resources are encoded once; a new one by default. */
  readonly encodingCache?: EncodingCache;
  /** Policy plugins; none by default. */
  readonly policies?: PolicyEngine;
  /** How long changes are collected before a batch runs, in ms; {@link DEFAULT_DEBOUNCE_MS} by default. */
  readonly debounceMs?: number;
  /**
   * Most dataplanes a batch generates (and pushes) before yielding to the event loop, so the first
   * ones get their configuration while the rest are generated; {@link DEFAULT_CHUNK_SIZE} by default.
   */
  readonly chunkSize?: number;
  /** A chunk also ends once it has run this long, in ms of `clock`; {@link DEFAULT_CHUNK_BUDGET_MS} by default. */
  readonly chunkBudgetMs?: number;
  readonly timers?: Timers;
  /** Monotonic clock in ms for durations; `performance.now` by default. */
  readonly clock?: () => number;
  readonly logger?: Logger;
  /** Meter for the `mycel.xds.*` reconciler instruments (see ReconcilerMetrics); none by default. */
  readonly meter?: Meter;
  /** Called (synchronously, must not throw) for every Dataplane deletion the feed delivers, e.g. to drop its insight. */
  readonly onDataplaneDeleted?: (ref: DataplaneRef) => void;
}

/** What one batch did. Node ids are sorted. */
export interface BatchStats {
  /** Store changes folded into the batch. */
  readonly changes: number;
  /** Nodes whose snapshot was regenerated (successfully), `patched` ones included. */
  readonly regenerated: readonly string[];
  /**
   * Of those, nodes affected only by endpoint changes: their ClusterLoadAssignments of the changed
   * services were replaced in their snapshot, nothing else was generated.
   */
  readonly patched: readonly string[];
  /** Nodes whose new snapshot changed something (their streams were woken). */
  readonly pushed: readonly string[];
  /** Nodes whose generation failed (they keep their last snapshot). */
  readonly failed: readonly string[];
  readonly durationMs: number;
}

/** Counters since start, for tests, the bench and debugging. */
export interface ReconcilerStats {
  /** Batches that ran. */
  readonly batches: number;
  readonly changes: number;
  readonly regenerated: number;
  readonly failed: number;
  readonly pushes: number;
  /** Nodes with at least one ADS stream. */
  readonly connectedNodes: number;
  /** True while a batch is being generated in chunks. */
  readonly batchRunning: boolean;
  /** Dataplanes in the index (remote ones included). */
  readonly dataplanes: number;
  /** Dataplanes of other zones in the index (endpoints only, never proxies here). */
  readonly remoteDataplanes: number;
  readonly encodingCache: { readonly size: number; readonly hits: number; readonly misses: number };
  /** The memo of endpoint-independent resources (listeners, clusters, routes) shared across batches. */
  readonly templates: { readonly size: number; readonly builds: number };
  readonly lastBatch: BatchStats | undefined;
}

/** A node's configuration as {@link XdsReconciler.configOf} finds it. */
export interface NodeConfig {
  readonly nodeId: string;
  readonly kind: ProxyKind;
  readonly connected: boolean;
  /** `served`: the snapshot the node's streams serve; `generated`: built on demand (the node is not connected). */
  readonly source: 'served' | 'generated';
  readonly snapshot: Snapshot;
}

/** The dataplane runs in another zone: this zone's control plane has no configuration for it. */
export class RemoteDataplaneError extends MycelError {
  readonly code = 'INVALID' as const;
}

interface Connection {
  streams: number;
  kind: ProxyKind;
  /** What the node's metadata says it is, when it says. */
  ref: DataplaneRef | undefined;
}

/** One mesh of a batch: its context (built once for the batch) and what changed in it. */
interface MeshWork {
  readonly mesh: Resource<MeshSpec>;
  readonly ctx: MeshContext;
  readonly policies: readonly Resource[];
  /** Services whose endpoints changed, when nothing but endpoints did (same services, same protocols); else undefined. */
  readonly endpointServices: ReadonlySet<string> | undefined;
}

/** One node of a batch. */
interface WorkItem {
  readonly work: MeshWork;
  readonly nodeId: string;
  readonly dataplane: Resource<DataplaneSpec>;
  readonly kind: ProxyKind;
  /** Only endpoints it consumes changed: patch its ClusterLoadAssignments instead of regenerating it. */
  readonly patch: boolean;
}

/** A batch being generated: its work list and what it did so far. */
interface BatchRun {
  readonly changes: number;
  readonly started: number;
  readonly items: readonly WorkItem[];
  next: number;
  readonly regenerated: string[];
  readonly patched: string[];
  readonly pushed: string[];
  readonly failed: string[];
}

/** What a node's latest generation started from and produced, so the next one redoes only what changed. */
interface NodeGeneration {
  readonly dataplane: Resource<DataplaneSpec>;
  readonly kind: ProxyKind;
  readonly ctx: MeshContext;
  /**
   * The generators' resources (before policies): the same for the same dataplane object, kind and
   * context. Undefined when one of them is private (policies may edit those in place).
   */
  readonly generated: ReadonlyMap<XdsTypeUrl, ReadonlyMap<string, JsonObject>> | undefined;
  readonly encoded: EncodedSnapshot;
}

interface RevisionWaiter {
  /** Revisions processed while the store's head was being read. */
  readonly seen: Set<string>;
  readonly start: string | undefined;
  target: string | undefined;
  readonly resolve: () => void;
}

/**
 * Keeps the snapshots of connected dataplanes equal to what the store says they should be.
 *
 * Event-driven: it lists Meshes, Dataplanes and policies once, then follows the store's change feed
 * (re-listing on `resync`). Changes are collected for `debounceMs` and handled as one batch, which
 * regenerates only the **connected** nodes (node id `<mesh>.<name>`, from the ADS callbacks) that
 * the batch affects — see {@link ZoneIndex} for what a change affects. A service's consumers are
 * the dataplanes whose outbounds name it (`consumedServices`; every service for a proxyless client
 * without outbounds) and those whose current snapshot carries its endpoints (`servicesOfSnapshot`,
 * for destinations that policies add). Each affected mesh's MeshContext is built once per batch and one
 * EncodingCache is shared, so a resource common to many dataplanes is built and encoded once;
 * endpoint-independent resources (listeners, clusters, routes) are memoised across batches by their
 * inputs, so an unchanged one keeps its identity and is encoded and checked once.
 *
 * A node affected only because endpoints it consumes changed — the batch changed no service's
 * existence or protocol, no policy or Mesh, not the node itself — is not regenerated: the
 * ClusterLoadAssignments of the changed services (built once per batch and shared) are patched
 * into its current snapshot. A batch generates and pushes in chunks ({@link XdsReconcilerOptions.chunkSize}),
 * yielding to the event loop in between, so the first nodes get their configuration early and the
 * event loop is never blocked for long; changes arriving meanwhile make the next batch.
 *
 * A dataplane whose generation throws keeps its last good snapshot; the error is logged and counted.
 * A node whose last stream ends loses its snapshot (it is regenerated when it connects again).
 */
export class XdsReconciler {
  /** Hooks for the ADS server: track which nodes are connected, and as which kind of proxy. */
  readonly callbacks: AdsCallbacks;

  private readonly store: ResourceStore;
  private readonly registry: TypeRegistry;
  private readonly cache: SnapshotCache;
  private readonly zone: string;
  private readonly encoding: EncodingCache;
  private readonly policies: PolicyEngine;
  private readonly debounceMs: number;
  private readonly chunkSize: number;
  private readonly chunkBudgetMs: number;
  /** Endpoint-independent resources memoised across batches (see MeshContext.templates). */
  private readonly templates = new SharedResources(DEFAULT_TEMPLATE_ENTRIES);
  /** Per mesh: what each ClusterLoadAssignment built for it was built from (see MeshContext.loadAssignments). */
  private readonly loadAssignments = new Map<string, LoadAssignmentInputs>();
  /** Per mesh: its context, maintained from the Dataplanes each batch touched. */
  private readonly contexts = new Map<string, MeshContextBuilder>();
  /** Per mesh: the context of its latest batch, to tell endpoint-only changes apart. */
  private readonly lastContexts = new Map<string, MeshContext>();
  /** Per connected node: its latest successful generation (see {@link build}). */
  private readonly generations = new Map<string, NodeGeneration>();
  /** Nodes whose latest generation failed: they are regenerated in full, never patched. */
  private readonly failedNodes = new Set<string>();
  private readonly timers: Timers;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly metrics: ReconcilerMetrics;
  private readonly onDataplaneDeleted: ((ref: DataplaneRef) => void) | undefined;

  private index: ZoneIndex;
  private changes = new ChangeSet();
  private readonly connections = new Map<string, Connection>();
  /** Kind each node had on its latest stream, for on-demand generation while it is not connected. */
  private readonly lastKinds = new Map<string, ProxyKind>();
  private readonly newlyConnected = new Set<string>();
  /** Services whose endpoints each connected node's snapshot carries (policies may add some). */
  private readonly servedServices = new Map<string, ReadonlySet<string>>();
  private state: 'new' | 'running' | 'stopped' = 'new';
  private timer: TimerHandle | undefined;
  /** The batch being generated in chunks, and the immediate that runs its next chunk. */
  private run: BatchRun | undefined;
  private chunkHandle: TimerHandle | undefined;
  /** The debounce timer fired while a batch was running: start the next one when it ends. */
  private rerun = false;
  private stream: ChangeStream | undefined;
  private loop: Promise<void> | undefined;
  private lastRevision: string | undefined;
  private readonly waiters = new Set<RevisionWaiter>();
  private wakeSleep: (() => void) | undefined;
  private sleepTimer: TimerHandle | undefined;
  private totals = { batches: 0, changes: 0, regenerated: 0, failed: 0, pushes: 0 };
  private lastBatch: BatchStats | undefined;

  constructor(options: XdsReconcilerOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.cache = options.cache;
    this.zone = options.zone;
    this.encoding = options.encodingCache ?? new EncodingCache();
    this.policies = options.policies ?? NO_POLICIES;
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    this.chunkBudgetMs = options.chunkBudgetMs ?? DEFAULT_CHUNK_BUDGET_MS;
    this.timers = options.timers ?? systemTimers;
    this.clock = options.clock ?? (() => performance.now());
    this.logger = options.logger ?? silentLogger;
    this.metrics = new ReconcilerMetrics(options.meter);
    this.onDataplaneDeleted = options.onDataplaneDeleted;
    this.index = this.newIndex();
    this.callbacks = {
      onConnect: (nodeId, _streamId, info) => this.connect(nodeId, proxyKindOfNode(info.node), dataplaneRefOfNode(nodeId, info.node)),
      onDisconnect: (nodeId) => this.disconnect(nodeId),
    };
  }

  /**
   * Lists everything, then follows the change feed in the background until {@link stop}. Rejects if
   * the initial listing fails (nothing keeps running then).
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('XdsReconciler.start() called twice');
    const head = await this.store.head();
    this.index = await this.listAll();
    this.lastRevision = head;
    this.state = 'running';
    for (const mesh of this.index.meshNames()) this.changes.of(mesh).all = true;
    this.schedule();
    this.loop = this.follow();
    this.logger.info('xDS reconciler started', { dataplanes: this.index.dataplaneCount, debounceMs: this.debounceMs });
  }

  /** Stops following the feed and cancels the pending batch and the rest of a running one. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.chunkHandle !== undefined) this.timers.clearImmediate(this.chunkHandle);
    this.chunkHandle = undefined;
    this.run = undefined;
    this.rerun = false;
    if (this.sleepTimer !== undefined) this.timers.clearTimeout(this.sleepTimer);
    this.wakeSleep?.();
    await this.stream?.close();
    await this.loop;
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters.clear();
  }

  /**
   * A stream of `nodeId` was authorized; the node's snapshot is (re)generated in the next batch.
   * `ref` is the dataplane the node's metadata names, if any (else the id is resolved against the index).
   */
  connect(nodeId: string, kind: ProxyKind, ref?: DataplaneRef): void {
    const connection = this.connections.get(nodeId);
    if (connection) {
      connection.streams++;
      connection.kind = kind;
      connection.ref = ref ?? connection.ref;
    } else {
      this.connections.set(nodeId, { streams: 1, kind, ref });
    }
    this.lastKinds.set(nodeId, kind);
    this.newlyConnected.add(nodeId);
    this.schedule();
  }

  /** A stream of `nodeId` ended; after its last one the node's snapshot is dropped. */
  disconnect(nodeId: string): void {
    const connection = this.connections.get(nodeId);
    if (!connection) return;
    connection.streams--;
    if (connection.streams > 0) return;
    this.connections.delete(nodeId);
    this.newlyConnected.delete(nodeId);
    this.servedServices.delete(nodeId);
    this.failedNodes.delete(nodeId);
    this.generations.delete(nodeId);
    this.cache.clear(nodeId);
  }

  /** Whether `nodeId` has a live stream. */
  isConnected(nodeId: string): boolean {
    return this.connections.has(nodeId);
  }

  /** The dataplane a node id stands for: what a connected node's metadata says, else the indexed dataplane it names. */
  resolveNode(nodeId: string): DataplaneRef | undefined {
    return this.connections.get(nodeId)?.ref ?? this.index.resolve(nodeId);
  }

  /**
   * Resolves once every change committed to the store before the call has been folded into the
   * index (its batch may still be pending: see {@link flush}). Resolves at once when not running.
   */
  async synced(): Promise<void> {
    if (this.state !== 'running') return;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const waiter: RevisionWaiter = { seen: new Set(), start: this.lastRevision, target: undefined, resolve };
    this.waiters.add(waiter);
    const head = await this.store.head();
    if (head === waiter.start || waiter.seen.has(head) || this.state !== 'running') {
      this.waiters.delete(waiter);
      resolve();
    } else {
      waiter.target = head;
      waiter.seen.clear();
    }
    await done;
  }

  /**
   * Runs the pending batch now, synchronously and in one go (instead of in chunks when the debounce
   * timer fires), after finishing a batch that is running in chunks; returns what the last batch it
   * ran did, or undefined when nothing was pending or running.
   */
  flush(): BatchStats | undefined {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.rerun = false;
    let stats: BatchStats | undefined;
    const running = this.run;
    if (running !== undefined) {
      if (this.chunkHandle !== undefined) this.timers.clearImmediate(this.chunkHandle);
      this.chunkHandle = undefined;
      stats = this.runChunk(running, false);
    }
    const run = this.prepareBatch();
    if (run !== undefined) {
      this.run = run;
      stats = this.runChunk(run, false);
    }
    return stats;
  }

  /** Takes the pending changes and newly connected nodes as a new batch: its meshes' contexts and its work list. */
  private prepareBatch(): BatchRun | undefined {
    const changes = this.changes;
    this.changes = new ChangeSet();
    for (const nodeId of this.newlyConnected) {
      if (!this.connections.has(nodeId)) continue;
      const ref = this.resolveNode(nodeId);
      // Without a Dataplane there is nothing to generate; its creation will make it affected.
      if (ref) changes.of(ref.mesh).dataplanes.add(ref.name);
      else this.logger.debug('connected node has no Dataplane yet', { nodeId });
    }
    this.newlyConnected.clear();
    if (changes.empty && changes.count === 0) return undefined;

    const items: WorkItem[] = [];
    for (const meshName of changes.meshNames()) {
      const state = this.index.mesh(meshName);
      const meshChanges = changes.get(meshName);
      if (state?.mesh === undefined) {
        this.lastContexts.delete(meshName);
        this.loadAssignments.delete(meshName);
        this.contexts.delete(meshName);
        continue;
      }
      if (meshChanges === undefined) continue;
      // Kept current even when no connected node is affected: the next batch tells endpoint-only changes by comparing with it.
      const ctx = this.contextOf(meshName, state, meshChanges);
      const previous = this.lastContexts.get(meshName);
      this.lastContexts.set(meshName, ctx);
      const targets = this.targets(meshName, state, meshChanges);
      if (targets.length === 0) continue;
      const work: MeshWork = {
        mesh: state.mesh,
        ctx,
        policies: this.index.policies(meshName),
        endpointServices: !meshChanges.all && previous !== undefined && onlyEndpointsChanged(previous, ctx, meshChanges.services) ? meshChanges.services : undefined,
      };
      for (const { nodeId, dataplane, kind } of targets) {
        const patch = work.endpointServices !== undefined && !meshChanges.dataplanes.has(dataplane.name) && !this.failedNodes.has(nodeId) && this.cache.get(nodeId) !== undefined;
        items.push({ work, nodeId, dataplane, kind, patch });
      }
    }
    return { changes: changes.count, started: this.clock(), items, next: 0, regenerated: [], patched: [], pushed: [], failed: [] };
  }

  /**
   * Generates and pushes the next nodes of `run`. With `chunked`, stops after {@link chunkSize}
   * nodes or {@link chunkBudgetMs} and schedules the rest on the next turn of the event loop;
   * otherwise runs to the end. Returns the batch's stats once it is done.
   */
  private runChunk(run: BatchRun, chunked: boolean): BatchStats | undefined {
    const chunkStart = this.clock();
    let done = 0;
    while (run.next < run.items.length) {
      if (this.run !== run) return undefined; // stopped meanwhile
      if (chunked && done > 0 && (done >= this.chunkSize || this.clock() - chunkStart >= this.chunkBudgetMs)) {
        this.chunkHandle = this.timers.setImmediate(() => {
          this.chunkHandle = undefined;
          this.continueBatch(run);
        });
        return undefined;
      }
      const item = run.items[run.next++] as WorkItem;
      this.generate(run, item);
      done++;
    }
    return this.finishBatch(run);
  }

  private continueBatch(run: BatchRun): void {
    try {
      this.runChunk(run, true);
    } catch (err) {
      // runChunk contains per-dataplane failures itself; anything reaching here is a bug, and throwing
      // from an immediate would crash the process.
      this.logger.error('xDS batch failed', { error: err });
      this.run = undefined;
    }
    this.startPendingBatch();
  }

  /** Generates (or patches) one node of a batch and sets its snapshot. */
  private generate(run: BatchRun, item: WorkItem): void {
    const { nodeId, work } = item;
    // It disconnected while the batch ran: its snapshot is gone and must stay so.
    if (!this.connections.has(nodeId)) return;
    const t0 = this.clock();
    try {
      let snapshot: Snapshot | undefined;
      let patched = false;
      if (item.patch && work.endpointServices !== undefined) {
        const current = this.cache.get(nodeId);
        snapshot = current === undefined ? undefined : patchLoadAssignments(current, work.ctx, work.endpointServices, this.encoding);
        patched = snapshot !== undefined;
      }
      if (snapshot === undefined) {
        snapshot = this.build(work.mesh, item.dataplane, item.kind, work.ctx, work.policies, nodeId);
        this.servedServices.set(nodeId, servicesOfSnapshot(snapshot));
      }
      const changed = this.cache.set(nodeId, snapshot);
      this.failedNodes.delete(nodeId);
      this.metrics.generated('ok', (this.clock() - t0) / 1000);
      run.regenerated.push(nodeId);
      if (patched) run.patched.push(nodeId);
      if (changed.length > 0) {
        run.pushed.push(nodeId);
        this.metrics.pushed();
      }
    } catch (err) {
      this.metrics.generated('error', (this.clock() - t0) / 1000);
      this.failedNodes.add(nodeId);
      run.failed.push(nodeId);
      this.logger.error('xDS generation failed; the dataplane keeps its last configuration', { nodeId, error: err });
    }
  }

  private finishBatch(run: BatchRun): BatchStats {
    this.run = undefined;
    const batch: BatchStats = {
      changes: run.changes,
      regenerated: run.regenerated.sort(),
      patched: run.patched.sort(),
      pushed: run.pushed.sort(),
      failed: run.failed.sort(),
      durationMs: this.clock() - run.started,
    };
    this.lastBatch = batch;
    this.totals.batches++;
    this.totals.changes += batch.changes;
    this.totals.regenerated += batch.regenerated.length;
    this.totals.failed += batch.failed.length;
    this.totals.pushes += batch.pushed.length;
    this.metrics.batchDone(batch.changes);
    if (batch.regenerated.length + batch.failed.length > 0) {
      this.logger.debug('xDS batch done', {
        changes: batch.changes,
        regenerated: batch.regenerated.length,
        patched: batch.patched.length,
        pushed: batch.pushed.length,
        failed: batch.failed.length,
        durationMs: batch.durationMs,
      });
    }
    return batch;
  }

  /**
   * The context of `mesh` after `changes`: its builder follows the Dataplanes the batch touched, so
   * the cost follows what changed, not the size of the mesh. Rebuilt from the index when the whole
   * mesh is affected (start, resync, a Mesh change) or the mesh is new.
   */
  private contextOf(mesh: string, state: MeshState, changes: MeshChanges): MeshContext {
    let builder = this.contexts.get(mesh);
    if (builder === undefined || changes.all) {
      builder = new MeshContextBuilder(mesh, this.zone, this.templates, this.loadAssignmentsOf(mesh));
      for (const dataplane of state.dataplanes.values()) builder.set(dataplane);
      this.contexts.set(mesh, builder);
    } else {
      for (const name of changes.touched) {
        const dataplane = state.dataplanes.get(name);
        if (dataplane === undefined) builder.delete(name);
        else builder.set(dataplane);
      }
    }
    return builder.context();
  }

  /** The record of ClusterLoadAssignment inputs of `mesh`, created empty. */
  private loadAssignmentsOf(mesh: string): LoadAssignmentInputs {
    let inputs = this.loadAssignments.get(mesh);
    if (inputs === undefined) {
      inputs = new Map();
      this.loadAssignments.set(mesh, inputs);
    }
    return inputs;
  }

  /** Counters since start and the last batch. */
  stats(): ReconcilerStats {
    return {
      ...this.totals,
      connectedNodes: this.connections.size,
      batchRunning: this.run !== undefined,
      dataplanes: this.index.dataplaneCount,
      remoteDataplanes: this.index.remoteDataplaneCount,
      encodingCache: { size: this.encoding.size, hits: this.encoding.hits, misses: this.encoding.misses },
      templates: { size: this.templates.size, builds: this.templates.builds },
      lastBatch: this.lastBatch,
    };
  }

  /**
   * The configuration of `dataplane` (as read from the store by the caller, with its `mesh`): the
   * snapshot its streams serve when it is connected, else one generated now (as the kind of proxy
   * it last connected as, Envoy if it never did) and not stored. Generation errors propagate.
   */
  configOf(mesh: Resource<MeshSpec>, dataplane: Resource<DataplaneSpec>): NodeConfig {
    if (isRemoteDataplane(dataplane, this.zone)) {
      throw new RemoteDataplaneError(`${formatKey(keyOf(dataplane))} runs in zone '${dataplane.labels[Labels.zone] ?? ''}'; its configuration is served by that zone's control plane`);
    }
    const nodeId = dataplaneNodeId(mesh.name, dataplane.name);
    const connection = this.connections.get(nodeId);
    const kind = connection?.kind ?? this.lastKinds.get(nodeId) ?? 'envoy';
    const served = connection ? this.cache.get(nodeId) : undefined;
    if (served) return { nodeId, kind, connected: true, source: 'served', snapshot: served };
    const ctx = this.contextWith(mesh.name, dataplane);
    const snapshot = this.build(mesh, dataplane, kind, ctx, this.index.policies(mesh.name));
    return { nodeId, kind, connected: connection !== undefined, source: 'generated', snapshot };
  }

  /** The merged policy rules of `dataplane` (read from the store by the caller). */
  rulesOf(dataplane: Resource<DataplaneSpec>): unknown {
    const mesh = dataplane.mesh ?? '';
    return this.policies.rules(dataplane, this.contextWith(mesh, dataplane), this.index.policies(mesh));
  }

  /**
   * Generates a snapshot. With `nodeId` (a connected node), incrementally from its latest
   * generation: the generators' output is reused for the same Dataplane object, kind and context
   * (the context object only changes when endpoints do), and only resources that are not the very
   * objects of the last snapshot are checked and encoded (see `encodeSnapshot`). Equal to a cold
   * generation byte for byte.
   */
  private build(mesh: Resource<MeshSpec>, dataplane: Resource<DataplaneSpec>, kind: ProxyKind, ctx: MeshContext, policies: readonly Resource[], nodeId?: string): Snapshot {
    const proxy: Proxy = { dataplane, mesh, zone: this.zone, kind };
    if (nodeId === undefined) {
      const set = generateResources(proxy, ctx);
      this.policies.apply(set, proxy, ctx, policies);
      assertConsistent(set);
      return toSnapshot(set, this.encoding);
    }
    const last = this.generations.get(nodeId);
    let set: ResourceSet;
    let generated: ReadonlyMap<XdsTypeUrl, ReadonlyMap<string, JsonObject>> | undefined;
    if (last?.generated !== undefined && last.dataplane === dataplane && last.kind === kind && last.ctx === ctx) {
      generated = last.generated;
      set = ResourceSet.fromContents(generated);
    } else {
      set = generateResources(proxy, ctx);
      const contents = set.sealedContents();
      generated = [...contents.values()].every((names) => [...names.values()].every(isSharedResource)) ? contents : undefined;
    }
    this.policies.apply(set, proxy, ctx, policies);
    const encoded = encodeSnapshot(set, this.encoding, last?.encoded);
    this.generations.set(nodeId, { dataplane, kind, ctx, generated, encoded });
    return encoded.snapshot;
  }

  /** The mesh context of `mesh` from the index, with `dataplane` in its current version. */
  private contextWith(mesh: string, dataplane: Resource<DataplaneSpec>): MeshContext {
    const others = [...(this.index.mesh(mesh)?.dataplanes.values() ?? [])].filter((dp) => dp.name !== dataplane.name);
    // Its own record of assignments: what it builds must not pass for what batches built.
    return buildMeshContext(mesh, [...others, dataplane], this.zone, { templates: this.templates });
  }

  /** Connected dataplanes of a mesh that its pending changes affect, by name. */
  private targets(mesh: string, state: MeshState, changes: MeshChanges): Array<{ nodeId: string; dataplane: Resource<DataplaneSpec>; kind: ProxyKind }> {
    const out: Array<{ nodeId: string; dataplane: Resource<DataplaneSpec>; kind: ProxyKind }> = [];
    // Walk whichever is smaller: the connected nodes (each resolved to the dataplanes of this mesh its
    // id can name) or the mesh's dataplanes, so a batch costs what is connected, not what is registered.
    const candidates: Iterable<[string, Resource<DataplaneSpec>]> =
      this.connections.size < state.dataplanes.size ? this.connectedDataplanes(mesh, state) : state.dataplanes;
    for (const [name, dataplane] of candidates) {
      // Another zone's dataplane only lends its endpoints; it is never served from here.
      if (isRemoteDataplane(dataplane, this.zone)) continue;
      const nodeId = dataplaneNodeId(mesh, name);
      const connection = this.connections.get(nodeId);
      if (!connection) continue;
      const affected =
        changes.all ||
        changes.dataplanes.has(name) ||
        consumesAny(dataplane, connection.kind, changes.services) ||
        intersects(this.servedServices.get(nodeId) ?? new Set(), changes.services);
      if (affected) {
        out.push({ nodeId, dataplane, kind: connection.kind });
      }
    }
    return out.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  /** The dataplanes of `mesh` whose node id is connected, by name (what walking the mesh's dataplanes would find). */
  private *connectedDataplanes(mesh: string, state: MeshState): Generator<[string, Resource<DataplaneSpec>]> {
    for (const nodeId of this.connections.keys()) {
      for (const ref of nodeIdCandidates(nodeId)) {
        if (ref.mesh !== mesh) continue;
        const dataplane = state.dataplanes.get(ref.name);
        if (dataplane !== undefined) yield [ref.name, dataplane];
      }
    }
  }

  private schedule(): void {
    if (this.state !== 'running' || this.timer !== undefined) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.runBatch();
    }, this.debounceMs);
  }

  /** The debounce timer fired: start a batch in chunks, or after the one running. */
  private runBatch(): void {
    if (this.run !== undefined) {
      this.rerun = true;
      return;
    }
    try {
      const run = this.prepareBatch();
      if (run === undefined) return;
      this.run = run;
      this.runChunk(run, true);
    } catch (err) {
      // Per-dataplane failures are contained; anything reaching here is a bug, and throwing from a
      // timer would crash the process.
      this.logger.error('xDS batch failed', { error: err });
      this.run = undefined;
    }
    this.startPendingBatch();
  }

  /** After a batch ended: changes that arrived while it ran (and already waited out the debounce) start the next one. */
  private startPendingBatch(): void {
    if (this.run !== undefined || !this.rerun || this.state !== 'running') return;
    this.rerun = false;
    this.runBatch();
  }

  /** Follows the change feed until stopped; re-watches from the last revision after a failure. */
  private async follow(): Promise<void> {
    let retryMs = WATCH_RETRY_MIN_MS;
    while (this.state === 'running') {
      let stream: ChangeStream;
      try {
        stream = this.store.watch(this.lastRevision !== undefined ? { fromRevision: this.lastRevision } : {});
      } catch (err) {
        this.logger.error('cannot watch the store; retrying', { error: err, retryInMs: retryMs });
        await this.sleep(retryMs);
        retryMs = Math.min(retryMs * 2, WATCH_RETRY_MAX_MS);
        continue;
      }
      this.stream = stream;
      try {
        for await (const message of stream) {
          if (this.state !== 'running') break;
          if (message.kind === 'resync') await this.resync(message.revision);
          else this.onChange(message.event);
          retryMs = WATCH_RETRY_MIN_MS;
        }
        if (this.state === 'running') {
          this.logger.warn('the store change feed ended (store closed); xDS reconciliation stopped');
          return;
        }
      } catch (err) {
        if (this.state !== 'running') return;
        this.logger.error('store change feed failed; re-watching', { error: err, retryInMs: retryMs });
        await this.sleep(retryMs);
        retryMs = Math.min(retryMs * 2, WATCH_RETRY_MAX_MS);
      } finally {
        await stream.close();
        this.stream = undefined;
      }
    }
  }

  private onChange(event: ChangeEvent): void {
    try {
      const relevant = this.index.apply(event, this.changes);
      if (relevant && event.resource.type === DataplaneType.name && event.op === 'deleted' && event.resource.mesh !== undefined && !isRemoteDataplane(event.resource, this.zone)) {
        const ref = { mesh: event.resource.mesh, name: event.resource.name };
        const nodeId = dataplaneNodeId(ref.mesh, ref.name);
        if (this.connections.has(nodeId)) this.logger.info('Dataplane deleted while its proxy is connected; it keeps its last configuration', { nodeId });
        else this.lastKinds.delete(nodeId);
        this.onDataplaneDeleted?.(ref);
      }
    } catch (err) {
      this.logger.error('cannot tell what a store change affects', { error: err, type: event.resource.type, mesh: event.resource.mesh, name: event.resource.name });
    }
    this.advance(event.revision);
    if (!this.changes.empty) this.schedule();
  }

  /** Re-lists everything after the feed lost changes; every mesh (old or new) is regenerated. */
  private async resync(revision: string): Promise<void> {
    this.logger.warn('store change feed asked for a resync; re-listing', { revision });
    const previous = this.index.meshNames();
    const index = await this.listAll();
    this.index = index;
    for (const mesh of [...previous, ...index.meshNames()]) this.changes.of(mesh).all = true;
    this.changes.count++;
    this.lastRevision = revision;
    // Whatever a waiter waited for is older than the state just listed.
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters.clear();
    this.schedule();
  }

  private advance(revision: string): void {
    this.lastRevision = revision;
    for (const waiter of [...this.waiters]) {
      if (waiter.target === undefined) {
        waiter.seen.add(revision);
      } else if (waiter.target === revision) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private newIndex(): ZoneIndex {
    return new ZoneIndex(
      (type) => this.registry.get(type)?.isPolicy === true,
      (before, after, dataplanes) => this.policies.affected(before, after, dataplanes),
      this.zone,
    );
  }

  /** A fresh index of every Mesh, Dataplane and policy in the store. */
  private async listAll(): Promise<ZoneIndex> {
    const index = this.newIndex();
    const types = [MESH_TYPE, DataplaneType.name, ...this.registry.list().filter((d) => d.isPolicy).map((d) => d.name)];
    for (const type of types) {
      for await (const page of listPages(this.store, { type })) for (const resource of page.items) index.load(resource);
    }
    return index;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeSleep = () => {
        this.wakeSleep = undefined;
        this.sleepTimer = undefined;
        resolve();
      };
      this.sleepTimer = this.timers.setTimeout(() => this.wakeSleep?.(), ms);
    });
  }
}

/**
 * True when, between two contexts of a mesh, the services in `changed` kept their existence and
 * their protocol: then only their endpoints differ, and for a proxy that consumes them nothing but
 * their ClusterLoadAssignments can (outbound listeners and clusters depend on the protocol, a
 * proxyless client's listeners on the set of services, policies on neither endpoints nor addresses).
 */
function onlyEndpointsChanged(before: MeshContext, after: MeshContext, changed: ReadonlySet<string>): boolean {
  for (const service of changed) {
    if (before.endpoints.has(service) !== after.endpoints.has(service)) return false;
    if (before.protocols.get(service) !== after.protocols.get(service)) return false;
  }
  return true;
}
