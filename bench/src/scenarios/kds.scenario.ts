import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createCoreRegistry } from '@mycel/core';
import type { ResourceInput } from '@mycel/core';
import { GLOBAL_BUCKET, GLOBAL_NATS_USER, GlobalKdsSync, connectNats, encodeResourceEntry, renderNatsServerConfig, syncedResourceOf } from '@mycel/kds';
import type { KdsNats } from '@mycel/kds';
import { MemoryStore } from '@mycel/store';
import { startNatsServer } from '@mycel/testing';
import type { NatsServer } from '@mycel/testing';
import { RAW_STREAM, createRawStream, purgeRawStream, rawConnect, rawPublish } from '../kds/raw-jetstream';
import { KDS_BENCH_TYPES, listAll, stateDigest, storeState, writeId } from '../kds/kds-state';
import type { Figure } from '../report/bench-report';
import { summarize } from '../report/percentiles';
import type { Summary } from '../report/percentiles';
import { ChildRpc } from '../support/child-rpc';
import { monotonicMs, sleep } from '../support/monotonic-clock';
import { procCpuMs, procStatusKiB } from '../support/proc-status';

// Scenario `kds`: multi-zone sync over a real nats-server. Global (GlobalKdsSync + MemoryStore) in
// this process, N zones (ZoneKdsSync + MemoryStore each, own NATS user) in worker processes. A
// writer updates Secrets at global at a fixed rate; each zone records when each write (KDS key +
// content hash) reached its store → global write → zone store latency. Then one zone is stopped,
// global makes 10,000 changes, and the zone's resync is timed until its store equals global's.
// Limit baseline, same run: raw JetStream (a KV-like stream, the same bytes, the same rate, ordered
// consumers in the same worker layout) publish → consume, and a raw read of the whole bucket content.
//
// Clock: process.hrtime (CLOCK_MONOTONIC), which every process of one machine shares, so a write
// time taken here and an apply time taken in a worker subtract exactly.

/** Options of {@link runKds}. */
export interface KdsOptions {
  readonly zones: number;
  /** Worker processes hosting the zones (zones spread round-robin). */
  readonly workers: number;
  /** Writes per second at global during the measured phase. */
  readonly rate: number;
  /** Length of the measured phase, in s. */
  readonly durationS: number;
  readonly meshes: number;
  /** Secrets the writer updates round-robin (so each key is written every keys/rate s and no write is coalesced). */
  readonly keys: number;
  /** Bytes of random data in each Secret (base64 in the spec). */
  readonly secretBytes: number;
  /** Changes made at global while one zone is offline. */
  readonly offlineChanges: number;
  readonly cpuProfDir?: string;
  readonly log: (line: string) => void;
}

/** What the scenario measured. */
export interface KdsResult {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

/** Default options: the Benchmarks issue's 10 zones × 200 writes/s for 60 s, 10,000 offline changes. */
export const KDS_DEFAULTS: Omit<KdsOptions, 'log'> = {
  zones: 10,
  workers: 2,
  rate: 200,
  durationS: 60,
  meshes: 4,
  keys: 2000,
  secretBytes: 256,
  offlineChanges: 10_000,
};

const WORKER_MAIN = join(__dirname, '..', 'kds', 'kds-zone-worker.main.js');
const CONVERGE_TIMEOUT_MS = 120_000;
const LATENCY_TARGET_MS = 100;

interface Taken {
  readonly zone: string;
  readonly ids: string[];
  readonly times: number[];
}

interface RawTaken {
  readonly seqs: number[];
  readonly times: number[];
}

interface Equal {
  readonly zone: string;
  readonly equalAt: number;
  readonly listed: [string, string][];
}

/** Runs the scenario. */
export async function runKds(options: KdsOptions): Promise<KdsResult> {
  const { log } = options;
  const zoneNames = Array.from({ length: options.zones }, (_, i) => `zone-${String(i + 1).padStart(2, '0')}`);
  const passwords = new Map(zoneNames.map((z) => [z, randomBytes(12).toString('hex')]));
  const globalPassword = randomBytes(12).toString('hex');
  const execArgv = options.cpuProfDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [];
  const workers = Array.from({ length: Math.max(1, Math.min(options.workers, options.zones)) }, () => new ChildRpc(WORKER_MAIN, [], execArgv));
  const workerOf = new Map(zoneNames.map((z, i) => [z, workers[i % workers.length] as ChildRpc]));
  const zonesOf = (w: ChildRpc): string[] => zoneNames.filter((z) => workerOf.get(z) === w);
  let server: NatsServer | undefined;
  let globalNats: KdsNats | undefined;
  let sync: GlobalKdsSync | undefined;
  const store = new MemoryStore({ retainChanges: 200_000 });
  try {
    server = await startNatsServer({
      config: ({ jetstreamDir }) =>
        renderNatsServerConfig({ zones: zoneNames.map((name) => ({ name, password: passwords.get(name) as string })), global: { password: globalPassword }, jetstreamDir }),
    });
    const url = server.url;
    globalNats = await connectNats({ servers: url, user: GLOBAL_NATS_USER, pass: globalPassword, name: 'bench global' });
    sync = new GlobalKdsSync({ store, registry: createCoreRegistry(), nats: globalNats, zones: zoneNames, discoveryIntervalMs: 0, acrossZones: false });
    sync.start();
    await Promise.all(workers.map((w) => w.call('init', { url, zones: zonesOf(w).map((name) => ({ name, password: passwords.get(name) })) })));
    await Promise.all(zoneNames.map((zone) => (workerOf.get(zone) as ChildRpc).call('startZone', { zone })));
    log(`kds: nats-server ${url}, global here (pid ${process.pid}), ${zoneNames.length} zones in ${workers.length} workers (pids ${workers.map((w) => w.pid).join(', ')})`);

    /** Sets global's current state as every listed zone's target and waits until each holds it; returns the equal times. */
    const converge = async (zones: readonly string[]): Promise<{ equal: Equal[]; digest: string; keys: number }> => {
      const state = await storeState(store, 'global');
      const digest = stateDigest(state);
      const byWorker = workers.map((w) => ({ w, zones: zones.filter((z) => workerOf.get(z) === w) })).filter((x) => x.zones.length > 0);
      await Promise.all(byWorker.map(({ w, zones: zs }) => w.call('expect', { zones: zs, state })));
      const equal = (await Promise.all(byWorker.map(({ w, zones: zs }) => w.call<Equal[]>('whenEqual', { zones: zs, timeoutMs: CONVERGE_TIMEOUT_MS })))).flat();
      for (const e of equal) if (stateDigest(e.listed) !== digest) throw new Error(`zone ${e.zone}'s store lists a state other than global's`);
      return { equal, digest, keys: state.length };
    };

    // Seed: meshes and the Secrets the writer will update; every zone receives them.
    const meshes = Array.from({ length: options.meshes }, (_, i) => `mesh-${i + 1}`);
    const secretOf = (k: number, data: string): ResourceInput => ({
      type: 'Secret',
      mesh: meshes[k % meshes.length] as string,
      name: `secret-${String(k).padStart(5, '0')}`,
      labels: { team: `team-${k % 7}` },
      spec: { data },
    });
    const payload = (): string => randomBytes(options.secretBytes).toString('base64');
    const seedStart = monotonicMs();
    for (const name of meshes) await store.create({ type: 'Mesh', name, labels: {}, spec: {} });
    for (let k = 0; k < options.keys; k++) await store.create(secretOf(k, payload()));
    const seeded = await converge(zoneNames);
    const initialSyncMs = Math.max(...seeded.equal.map((e) => e.equalAt)) - seedStart;
    log(`kds: ${seeded.keys} resources at global reached all ${zoneNames.length} zones in ${initialSyncMs.toFixed(0)} ms`);
    await Promise.all(workers.map((w) => w.call('take')));

    // Measured phase: `rate` Secret updates per second, paced on a fixed schedule (a late write does not delay the next ones' schedule).
    const total = Math.round(options.rate * options.durationS);
    const writeTimes = new Map<string, number>();
    const entryBytes: number[] = [];
    const intervalMs = 1000 / options.rate;
    const cpu0 = { global: procCpuMs('self'), workers: await Promise.all(workers.map((w) => w.call<{ cpuMs: number }>('status'))) };
    log(`kds: writing ${total} Secret updates at ${options.rate}/s for ${options.durationS} s`);
    const phaseStart = monotonicMs();
    let lagMax = 0;
    for (let i = 0; i < total; i++) {
      const due = phaseStart + i * intervalMs;
      const wait = due - monotonicMs();
      if (wait > 1) await sleep(wait);
      const input = secretOf(i % options.keys, payload());
      const t = monotonicMs();
      lagMax = Math.max(lagMax, t - due);
      writeTimes.set(writeId(input), t);
      await store.update(input);
      if (entryBytes.length < 1000) entryBytes.push(encodeResourceEntry(syncedResourceOf(input)).value.length);
    }
    const phaseMs = monotonicMs() - phaseStart;
    await converge(zoneNames);
    const cpu1 = { global: procCpuMs('self'), workers: await Promise.all(workers.map((w) => w.call<{ cpuMs: number; rssKiB: number }>('status'))) };
    const taken = (await Promise.all(workers.map((w) => w.call<Taken[]>('take')))).flat();
    const latency = applyLatencies(taken, writeTimes, phaseStart);
    const latencyS = summarize(latency.samples);
    log(
      `kds: ${total} writes in ${(phaseMs / 1000).toFixed(1)} s (pacing lag max ${lagMax.toFixed(1)} ms); apply latency over ${latencyS.n} (write, zone) pairs: p50 ${latencyS.p50.toFixed(1)} ms, p99 ${latencyS.p99.toFixed(1)} ms, max ${latencyS.max.toFixed(1)} ms; ${latency.missing} never applied`,
    );

    // Resync: one zone offline while global makes `offlineChanges` changes (60% updates, 30% creates, 10% deletes).
    const offline = zoneNames[0] as string;
    const online = zoneNames.slice(1);
    await (workerOf.get(offline) as ChildRpc).call('stopZone', { zone: offline });
    const bucketSeq = async (): Promise<number> => (await (globalNats as KdsNats).kvm.open(GLOBAL_BUCKET).then((kv) => kv.status())).streamInfo.state.last_seq;
    const seqBefore = await bucketSeq();
    const burstStart = monotonicMs();
    const counts = { updated: 0, created: 0, deleted: 0 };
    let nextDelete = 0;
    // Deletes take the highest seeded keys; updates stay below them.
    const updatable = options.keys - Math.ceil(options.offlineChanges / 10);
    if (updatable < 1) throw new Error(`--kds keys (${options.keys}) must exceed a tenth of the offline changes (${options.offlineChanges})`);
    for (let c = 0; c < options.offlineChanges; c++) {
      const kind = c % 10;
      if (kind < 6) {
        await store.update(secretOf((c * 7) % updatable, payload()));
        counts.updated++;
      } else if (kind < 9) {
        await store.create(secretOf(options.keys + c, payload()));
        counts.created++;
      } else {
        const k = options.keys - 1 - nextDelete++;
        await store.delete({ type: 'Secret', mesh: meshes[k % meshes.length] as string, name: `secret-${String(k).padStart(5, '0')}` });
        counts.deleted++;
      }
    }
    const burstWriteMs = monotonicMs() - burstStart;
    const onlineConverged = await converge(online);
    const onlineCatchUpMs = Math.max(...onlineConverged.equal.map((e) => e.equalAt)) - burstStart;
    // Messages global's publisher wrote for the burst (puts and delete markers): fewer than the changes when it coalesced.
    const burstBucketWrites = (await bucketSeq()) - seqBefore;
    log(`kds: ${options.offlineChanges} changes at global in ${burstWriteMs.toFixed(0)} ms (${burstBucketWrites} bucket writes); the ${online.length} online zones held them ${onlineCatchUpMs.toFixed(0)} ms after the first`);
    await Promise.all(workers.map((w) => w.call('take')));
    const expected = await storeState(store, 'global');
    const offlineWorker = workerOf.get(offline) as ChildRpc;
    const [differing] = await offlineWorker.call<number[]>('expect', { zones: [offline], state: expected });
    const resyncStart = monotonicMs();
    await offlineWorker.call('startZone', { zone: offline });
    const [resynced] = await offlineWorker.call<Equal[]>('whenEqual', { zones: [offline], timeoutMs: CONVERGE_TIMEOUT_MS });
    if (!resynced || stateDigest(resynced.listed) !== stateDigest(expected)) throw new Error(`zone ${offline} did not end with global's state`);
    const resyncMs = resynced.equalAt - resyncStart;
    log(`kds: ${offline} was behind in ${String(differing)} keys (of ${expected.length}); resync (connect included) until its store equalled global's: ${resyncMs.toFixed(0)} ms`);
    const bucketValues = (await Promise.all(KDS_BENCH_TYPES.map((type) => listAll(store, type)))).flat().map((r) => encodeResourceEntry(syncedResourceOf(r)));
    const globalStatus = sync.publisherStatus();

    await Promise.all(workers.map((w) => Promise.all(zonesOf(w).map((zone) => w.call('stopZone', { zone })))));
    await sync.stop();
    sync = undefined;
    await globalNats.close();
    globalNats = undefined;
    await server.stop();
    server = undefined;

    // Baseline, on a fresh nats-server (no auth), nothing of Mycel running.
    const raw = await rawBaseline(options, workers, zonesOf, bucketValues, log);
    const rawS = summarize(raw.latency);
    const baseLabel = `raw JetStream publish → consume, ${options.zones} ordered consumers, same bytes and rate`;
    const readLabel = `raw ordered consumer reading the same ${bucketValues.length} entries`;
    const figures: Figure[] = [
      fig('apply.p50', `global write → zone store, ${options.zones} zones × ${options.rate} writes/s, p50`, 'ms', latencyS.p50, rawS.p50, baseLabel),
      {
        ...fig('apply.p99', `global write → zone store, ${options.zones} zones × ${options.rate} writes/s, p99`, 'ms', latencyS.p99, rawS.p99, baseLabel),
        target: `≤ ${LATENCY_TARGET_MS} ms`,
        met: latencyS.p99 <= LATENCY_TARGET_MS,
      },
      fig('apply.max', `global write → zone store, max`, 'ms', latencyS.max, rawS.max, baseLabel),
      {
        ...fig('resync', `resync of a zone that missed ${options.offlineChanges.toLocaleString('en-US')} changes, until its store equals global's`, 'ms', resyncMs, raw.readAllMs, readLabel),
        note: `${String(differing)} keys missing, changed or deleted (global holds ${expected.length}); NATS connect included`,
      },
      fig('online.catch-up', `${online.length} online zones hold those ${options.offlineChanges.toLocaleString('en-US')} changes, from the first write`, 'ms', onlineCatchUpMs),
      fig('initial-sync', `first sync of ${seeded.keys} resources to ${options.zones} zones`, 'ms', initialSyncMs),
    ];
    const cpuOf = (a: { cpuMs: number }[], b: { cpuMs: number }[]): number[] => b.map((x, i) => x.cpuMs - (a[i]?.cpuMs ?? 0));
    return {
      figures,
      details: {
        zones: options.zones,
        workers: workers.length,
        rate: options.rate,
        durationS: options.durationS,
        writes: total,
        keys: options.keys,
        meshes: options.meshes,
        entryBytes: summarize(entryBytes),
        phaseMs,
        pacingLagMaxMs: lagMax,
        applyLatencyMs: latencyS,
        applyLatencyPerZoneMs: latency.perZone,
        slowestApplies: latency.slowest,
        neverApplied: latency.missing,
        cpuMsDuringPhase: { global: cpu1.global - cpu0.global, workers: cpuOf(cpu0.workers, cpu1.workers) },
        rssKiB: { global: procStatusKiB('self'), workers: cpu1.workers.map((w) => w.rssKiB) },
        offline: { zone: offline, changes: counts, burstWriteMs, burstBucketWrites, keysDiffering: differing, keysAtGlobal: expected.length, resyncMs, onlineCatchUpMs },
        globalPublisher: globalStatus,
        baseline: { publishConsumeMs: rawS, lost: raw.lost, readAllMs: raw.readAllMs, readAllEntries: bucketValues.length },
      },
    };
  } finally {
    await sync?.stop();
    await globalNats?.close();
    await server?.stop();
    await Promise.all(workers.map((w) => w.stop()));
    await store.close();
  }
}

function fig(id: string, metric: string, unit: string, ours: number, baseline?: number, baselineLabel?: string): Figure {
  return { scenario: 'kds', id: `kds.${id}`, metric, unit, ours, ...(baseline !== undefined ? { baseline, baselineLabel } : {}) };
}

/** Latency of every (write, zone) pair: the zone's first apply of that write minus its write time. */
function applyLatencies(
  taken: readonly Taken[],
  writeTimes: ReadonlyMap<string, number>,
  phaseStart: number,
): { samples: number[]; missing: number; perZone: Record<string, Summary>; slowest: Array<{ zone: string; writtenAtMs: number; latencyMs: number }> } {
  const samples: number[] = [];
  const perZone: Record<string, Summary> = {};
  const all: Array<{ zone: string; writtenAtMs: number; latencyMs: number }> = [];
  let matched = 0;
  for (const { zone, ids, times } of taken) {
    const seen = new Set<string>();
    const own: number[] = [];
    ids.forEach((id, i) => {
      const written = writeTimes.get(id);
      if (written === undefined || seen.has(id)) return;
      seen.add(id);
      own.push((times[i] as number) - written);
      all.push({ zone, writtenAtMs: Math.round(written - phaseStart), latencyMs: (times[i] as number) - written });
    });
    matched += own.length;
    samples.push(...own);
    perZone[zone] = summarize(own);
  }
  // The slowest 20 pairs, with when in the phase they were written: tells a one-off stall from a periodic one.
  const slowest = all.sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 20);
  return { samples, missing: writeTimes.size * taken.length - matched, perZone, slowest };
}

/**
 * The limit baseline: a KV-like stream on a fresh nats-server; consumers (one connection each, as
 * many as zones, in the same workers) follow it while this process publishes the same number of
 * messages of the KDS entries' sizes at the same rate, awaiting each ack; latency = receive − publish
 * start. Then a fresh consumer reads the whole final bucket content (the resync's floor).
 */
async function rawBaseline(
  options: KdsOptions,
  workers: readonly ChildRpc[],
  zonesOf: (w: ChildRpc) => string[],
  bucketValues: ReadonlyArray<{ hash: string; value: Uint8Array }>,
  log: (line: string) => void,
): Promise<{ latency: number[]; lost: number; readAllMs: number }> {
  const server = await startNatsServer();
  const nc = await rawConnect(server.url, 'bench raw publisher');
  try {
    await createRawStream(nc);
    await Promise.all(workers.map((w) => w.call('rawStart', { url: server.url, consumers: zonesOf(w).length })));
    const total = Math.round(options.rate * options.durationS);
    const intervalMs = 1000 / options.rate;
    const sent = new Map<number, number>();
    log(`kds baseline: publishing ${total} messages at ${options.rate}/s to ${RAW_STREAM} with ${options.zones} consumers`);
    const start = monotonicMs();
    const sample = bucketValues.filter((_, i) => i >= options.meshes);
    for (let i = 0; i < total; i++) {
      const due = start + i * intervalMs;
      const wait = due - monotonicMs();
      if (wait > 1) await sleep(wait);
      const k = i % options.keys;
      const data = (sample[i % sample.length] ?? bucketValues[0])?.value ?? new Uint8Array(0);
      const t = monotonicMs();
      const seq = await rawPublish(nc, `Secret.mesh-${(k % options.meshes) + 1}.secret-${String(k).padStart(5, '0')}`, data);
      sent.set(seq, t);
    }
    await sleep(2000);
    const taken = (await Promise.all(workers.map((w) => w.call<RawTaken[]>('rawTake')))).flat();
    const latency: number[] = [];
    for (const { seqs, times } of taken) seqs.forEach((seq, i) => {
      const t = sent.get(seq);
      if (t !== undefined) latency.push((times[i] as number) - t);
    });
    const lost = sent.size * taken.length - latency.length;
    const s = summarize(latency);
    log(`kds baseline: publish → consume p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(1)} ms; ${lost} not received`);

    // The resync floor: the bucket's final content (one message per key) read by a fresh ordered consumer.
    await purgeRawStream(nc);
    for (const [i, { value }] of bucketValues.entries()) await rawPublish(nc, `entry.${i}`, value);
    const first = workers[0] as ChildRpc;
    const readAllMs = await first.call<number>('rawReadAll', { url: server.url, count: bucketValues.length });
    log(`kds baseline: a fresh consumer read ${bucketValues.length} entries in ${readAllMs.toFixed(0)} ms`);
    return { latency, lost, readAllMs };
  } finally {
    await nc.close();
    await server.stop();
  }
}
