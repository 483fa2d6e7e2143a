import type { DataplaneSpec, MeshSpec, Resource } from '@mycel/core';
import { createCoreRegistry } from '@mycel/core';
import { registerPolicyTypes } from '@mycel/policies';
import { MemoryStore } from '@mycel/store';
import { EncodingCache, SnapshotCache, buildMeshContext, changedTypes, checkMessageShape, generateResources, generateSnapshot, lookupMessageType, toSnapshot, typeNameOfUrl } from '@mycel/xds';
import type { MeshContext, Proxy, Snapshot } from '@mycel/xds';
import { MYCEL_POLICIES, XdsReconciler } from '@mycel/zone';
import { BENCH_MESH, INBOUND_PORT, benchMesh, dataplaneResource, serviceProtocol } from '../mesh/bench-mesh';
import type { BenchDataplane } from '../mesh/bench-mesh';
import { summarize } from '../report/percentiles';
import type { Summary } from '../report/percentiles';
import type { Figure } from '../report/bench-report';
import { monotonicMs } from '../support/monotonic-clock';

// Scenario `generation`: what it costs to generate one dataplane's xDS snapshot in a 100-service
// mesh, cold and warm, next to the floor of just protobuf-encoding the same resources; and how many
// dataplanes the real XdsReconciler regenerates for a change of one service, next to the number
// whose configuration actually changes.

/** Options of {@link runGeneration}. */
export interface GenerationOptions {
  readonly services: number;
  /** Envoy dataplanes per service (each 1 inbound + `outbounds` outbounds). */
  readonly dataplanesPerService: number;
  readonly outbounds: number;
  readonly proxylessClients: number;
  /** Warm passes over every dataplane (each with a new MeshContext, as every reconciler batch). */
  readonly warmPasses: number;
  /** One-service changes pushed through the reconciler. */
  readonly changes: number;
  readonly log: (line: string) => void;
}

/** What the scenario measured. */
export interface GenerationResult {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

const ZONE = 'default';
const TIME = '2026-01-01T00:00:00Z';
const MESH_RESOURCE: Resource<MeshSpec> = { type: 'Mesh', name: BENCH_MESH, labels: {}, spec: {}, creationTime: TIME, modificationTime: TIME, version: '1' };

/** A mesh-wide MeshTimeout, so the reconciler runs a policy plugin on every dataplane as a real mesh would. */
const MESH_TIMEOUT = {
  type: 'MeshTimeout',
  mesh: BENCH_MESH,
  name: 'bench-timeouts',
  labels: {},
  spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: '3s', http: { requestTimeout: '15s' } } }] },
};

/** Runs the scenario. */
export async function runGeneration(options: GenerationOptions): Promise<GenerationResult> {
  const { log } = options;
  const mesh = benchMesh({
    services: options.services,
    dataplanes: options.services * options.dataplanesPerService,
    outbounds: options.outbounds,
    hub: false,
    proxylessClients: options.proxylessClients,
  });
  const resources = mesh.dataplanes.map((dp) => dataplaneResource(dp));
  const proxies: Proxy[] = mesh.dataplanes.map((dp, i) => ({ dataplane: resources[i] as Resource<DataplaneSpec>, mesh: MESH_RESOURCE, zone: ZONE, kind: dp.kind }));
  const context = (): MeshContext => buildMeshContext(BENCH_MESH, resources, ZONE);
  log(`generation: ${mesh.services.length} services, ${proxies.length} dataplanes (${options.proxylessClients} proxyless)`);

  // JIT warm-up with a throwaway cache, so "cold" below means a cold EncodingCache, not cold code.
  const warmupCache = new EncodingCache();
  for (let pass = 0; pass < 2; pass++) {
    const ctx = context();
    for (const proxy of proxies) generateSnapshot(proxy, ctx, { cache: warmupCache });
  }

  const cache = new EncodingCache();
  const cold = timePass(proxies, context(), cache);
  const warm: number[] = [];
  for (let pass = 0; pass < options.warmPasses; pass++) warm.push(...timePass(proxies, context(), cache));
  const baseline = rawEncodeSamples(proxies, context(), options.warmPasses);
  const sizes = snapshotSizes(proxies, context(), cache);
  log(`generation: cold p50 ${summarize(cold).p50.toFixed(3)} ms, warm p50 ${summarize(warm).p50.toFixed(3)} ms, raw encode p50 ${summarize(baseline).p50.toFixed(3)} ms`);

  const protocolOf = (service: string): string => serviceProtocol(mesh.services.indexOf(service));
  const reconciler = await reconcilerChanges(mesh.dataplanes, resources, options.changes, protocolOf, log);

  const coldS = summarize(cold);
  const warmS = summarize(warm);
  const baseS = summarize(baseline);
  const label = 'raw protobufjs encode of the same resources';
  const figures: Figure[] = [
    fig('cold.p50', 'generateSnapshot per dataplane, cold EncodingCache, p50', 'ms', coldS.p50, baseS.p50, label),
    fig('cold.p99', 'generateSnapshot per dataplane, cold EncodingCache, p99', 'ms', coldS.p99, baseS.p99, label),
    fig('warm.p50', 'generateSnapshot per dataplane, warm EncodingCache, p50', 'ms', warmS.p50, baseS.p50, label),
    fig('warm.p99', 'generateSnapshot per dataplane, warm EncodingCache, p99', 'ms', warmS.p99, baseS.p99, label),
    fig('reconciler.initial.per-dataplane', 'reconciler: first batch, per connected dataplane (policies included)', 'ms', reconciler.initialPerDataplaneMs),
    fig(
      'reconciler.one-service.regenerated',
      'dataplanes regenerated for a change of one service instance (mean)',
      'dataplanes',
      reconciler.regenerated.mean,
      reconciler.necessary.mean,
      'dataplanes whose snapshot changed',
    ),
    fig('reconciler.one-service.pushed', 'dataplanes pushed for that change (mean)', 'dataplanes', reconciler.pushed.mean, reconciler.necessary.mean, 'dataplanes whose snapshot changed'),
    fig('reconciler.one-service.batch.p50', 'reconciler batch for that change, p50', 'ms', reconciler.batchMs.p50),
  ];
  return {
    figures,
    details: {
      dataplanes: proxies.length,
      services: mesh.services.length,
      snapshot: sizes,
      coldMs: coldS,
      warmMs: warmS,
      rawEncodeMs: baseS,
      encodingCache: { size: cache.size, hits: cache.hits, misses: cache.misses },
      reconciler,
    },
  };
}

function fig(id: string, metric: string, unit: string, ours: number, baseline?: number, baselineLabel?: string): Figure {
  return { scenario: 'generation', id: `generation.${id}`, metric, unit, ours, ...(baseline !== undefined ? { baseline, baselineLabel } : {}) };
}

/** Times `generateSnapshot` of every proxy once, in ms each. */
function timePass(proxies: readonly Proxy[], ctx: MeshContext, cache: EncodingCache): number[] {
  const samples: number[] = [];
  for (const proxy of proxies) {
    const t0 = monotonicMs();
    generateSnapshot(proxy, ctx, { cache });
    samples.push(monotonicMs() - t0);
  }
  return samples;
}

/**
 * The floor of generation: per proxy, the time protobufjs alone takes to encode the resources its
 * snapshot holds (`fromObject` + `encode` of the already generated and normalised objects) — no
 * generators, shape checks, validation rules, hashing or caching.
 */
function rawEncodeSamples(proxies: readonly Proxy[], ctx: MeshContext, passes: number): number[] {
  const prepared = proxies.map((proxy) =>
    [...generateResources(proxy, ctx).entries()].map((entry) => {
      const typeName = typeNameOfUrl(entry.typeUrl);
      return { type: lookupMessageType(typeName), object: checkMessageShape(typeName, entry.message) };
    }),
  );
  const samples: number[] = [];
  for (let pass = 0; pass < passes + 1; pass++) {
    for (const entries of prepared) {
      const t0 = monotonicMs();
      for (const { type, object } of entries) type.encode(type.fromObject(object)).finish();
      if (pass > 0) samples.push(monotonicMs() - t0);
    }
  }
  return samples;
}

/** Resources and encoded bytes per snapshot. */
function snapshotSizes(proxies: readonly Proxy[], ctx: MeshContext, cache: EncodingCache): { resources: Summary; bytes: Summary } {
  const counts: number[] = [];
  const bytes: number[] = [];
  for (const proxy of proxies) {
    const snapshot = generateSnapshot(proxy, ctx, { cache });
    let n = 0;
    let b = 0;
    for (const byName of snapshot.resources.values()) {
      for (const r of byName.values()) {
        n++;
        b += r.any.value.length;
      }
    }
    counts.push(n);
    bytes.push(b);
  }
  return { resources: summarize(counts), bytes: summarize(bytes) };
}

interface ReconcilerFigures {
  readonly initialPerDataplaneMs: number;
  readonly initialBatchMs: number;
  readonly regenerated: Summary;
  readonly pushed: Summary;
  readonly necessary: Summary;
  /** Dataplanes whose snapshot changed but were not regenerated (should be 0 for every change). */
  readonly missed: number;
  readonly batchMs: Summary;
  readonly perChange: Array<{ service: string; regenerated: number; pushed: number; necessary: number; durationMs: number }>;
}

/**
 * The real XdsReconciler over a MemoryStore holding the mesh and a mesh-wide MeshTimeout, every
 * dataplane connected through its ADS callbacks. Then `changes` times: move the inbound port of one
 * instance of one service, flush the batch, and count what it regenerated and pushed — next to the
 * dataplanes whose snapshot (generated independently, before and after) really differs.
 */
async function reconcilerChanges(
  dataplanes: readonly BenchDataplane[],
  resources: readonly Resource<DataplaneSpec>[],
  changes: number,
  protocolOf: (service: string) => string,
  log: (line: string) => void,
): Promise<ReconcilerFigures> {
  const store = new MemoryStore();
  const registry = createCoreRegistry();
  registerPolicyTypes(registry);
  await store.create({ type: 'Mesh', name: BENCH_MESH, labels: {}, spec: {} });
  for (const dp of resources) await store.create({ type: 'Dataplane', mesh: BENCH_MESH, name: dp.name, labels: {}, spec: dp.spec });
  const policy = await store.create(MESH_TIMEOUT);
  const reconciler = new XdsReconciler({
    store,
    registry,
    cache: new SnapshotCache(),
    zone: ZONE,
    encodingCache: new EncodingCache(),
    policies: MYCEL_POLICIES,
    // Batches are flushed by hand so each holds exactly one change.
    debounceMs: 3_600_000,
  });
  await reconciler.start();
  try {
    dataplanes.forEach((dp, i) => {
      const nodeId = `${BENCH_MESH}.${dp.name}`;
      const node = { id: nodeId, metadata: { fields: { 'mycel.io/mesh': { string_value: BENCH_MESH }, 'mycel.io/name': { string_value: dp.name }, 'mycel.io/proxy-kind': { string_value: dp.kind } } } };
      reconciler.callbacks.onConnect?.(nodeId, String(i + 1), { streamId: String(i + 1), protocol: 'sotw', node, peer: 'bench' });
    });
    const initial = reconciler.flush();
    if (!initial || initial.failed.length > 0) throw new Error(`initial batch failed for ${initial?.failed.join(', ') ?? 'every dataplane'}`);
    log(`generation: reconciler first batch regenerated ${initial.regenerated.length} dataplanes in ${initial.durationMs.toFixed(0)} ms`);

    let current = [...resources];
    const kinds = new Map(dataplanes.map((dp) => [dp.name, dp.kind]));
    const snapshotsOf = (dps: readonly Resource<DataplaneSpec>[]): Map<string, Snapshot> => {
      const ctx = buildMeshContext(BENCH_MESH, dps, ZONE);
      const cache = new EncodingCache();
      const out = new Map<string, Snapshot>();
      for (const dp of dps) {
        const proxy: Proxy = { dataplane: dp, mesh: MESH_RESOURCE, zone: ZONE, kind: kinds.get(dp.name) ?? 'envoy' };
        const set = generateResources(proxy, ctx);
        MYCEL_POLICIES.apply(set, proxy, ctx, [policy]);
        out.set(dp.name, toSnapshot(set, cache));
      }
      return out;
    };
    const envoyServices = [...new Set(dataplanes.filter((dp) => dp.kind === 'envoy').map((dp) => dp.service))];
    const perChange: ReconcilerFigures['perChange'] = [];
    let missed = 0;
    let before = snapshotsOf(current);
    for (let c = 0; c < changes; c++) {
      // Spread the changes over services (and so over protocols).
      const service = envoyServices[(c * 37) % envoyServices.length] as string;
      const target = current.find((dp) => dp.name === `${service}-0`);
      if (!target) throw new Error(`no dataplane ${service}-0`);
      const inbound = target.spec.networking.inbound?.[0];
      if (!inbound) throw new Error(`${target.name} has no inbound`);
      const port = inbound.port === INBOUND_PORT ? INBOUND_PORT + 2 : INBOUND_PORT;
      const spec: DataplaneSpec = { networking: { ...target.spec.networking, inbound: [{ ...inbound, port, servicePort: port + 1 }] } };
      const updated = (await store.update({ type: 'Dataplane', mesh: BENCH_MESH, name: target.name, labels: {}, spec })) as Resource<DataplaneSpec>;
      current = current.map((dp) => (dp.name === target.name ? updated : dp));
      await reconciler.synced();
      const batch = reconciler.flush();
      if (!batch) throw new Error('the change produced no batch');
      const after = snapshotsOf(current);
      const necessary = [...after.entries()].filter(([name, snap]) => {
        const prev = before.get(name);
        return prev === undefined || changedTypes(prev, snap).length > 0;
      });
      const regenerated = new Set(batch.regenerated.map((id) => id.slice(BENCH_MESH.length + 1)));
      missed += necessary.filter(([name]) => !regenerated.has(name)).length;
      perChange.push({ service: `${service} (${protocolOf(service)})`, regenerated: batch.regenerated.length, pushed: batch.pushed.length, necessary: necessary.length, durationMs: batch.durationMs });
      before = after;
    }
    const stats = reconciler.stats();
    log(`generation: ${changes} one-service changes, regenerated ${perChange.map((p) => p.regenerated).join(',')}; necessary ${perChange.map((p) => p.necessary).join(',')}; encoding cache ${stats.encodingCache.hits} hits / ${stats.encodingCache.misses} misses`);
    return {
      initialPerDataplaneMs: initial.durationMs / initial.regenerated.length,
      initialBatchMs: initial.durationMs,
      regenerated: summarize(perChange.map((p) => p.regenerated)),
      pushed: summarize(perChange.map((p) => p.pushed)),
      necessary: summarize(perChange.map((p) => p.necessary)),
      missed,
      batchMs: summarize(perChange.map((p) => p.durationMs)),
      perChange,
    };
  } finally {
    await reconciler.stop();
    await store.close();
  }
}
