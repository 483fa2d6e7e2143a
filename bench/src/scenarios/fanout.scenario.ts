import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawFanout } from '../baseline/raw-fanout';
import { benchMesh } from '../mesh/bench-mesh';
import type { BenchDataplane } from '../mesh/bench-mesh';
import { moveHubEndpoint, putMeshTimeout, registerMesh, roundValue } from '../mesh/mesh-setup';
import type { Figure } from '../report/bench-report';
import { summarize } from '../report/percentiles';
import type { Summary } from '../report/percentiles';
import type { AdsProtocol } from '../sim/ads-sim-client';
import { roundSlot } from '../sim/replay';
import type { ChannelLayout } from '../sim/sim-fleet';
import { SimWorkers } from '../sim/sim-workers';
import type { FleetRoundResult } from '../sim/sim-workers';
import { monotonicMs, sleep } from '../support/monotonic-clock';
import { procCpuMs, procStatusKiB, steadyRss } from '../support/proc-status';
import { cpMemory, metricSum, startZoneCp } from '../support/cp-process';
import type { ApiClient, CpProcess } from '../support/cp-process';

// Scenario `fanout`: the real zone-cp as a process, N simulated Envoys (in worker processes) on
// their own HTTP/2 connections; memory per connected dataplane, and change → every dataplane ACKed
// for changes that affect all of them. The limit baseline runs in the same run: a raw grpc-js server
// replaying the very responses the control plane sent, to the same number of streams.

/** The changes a round can make; each affects every simulated dataplane. */
export type ChangeKind = 'endpoints' | 'policy';
/** Every change kind, in the order they run. */
export const CHANGE_KINDS: readonly ChangeKind[] = ['endpoints', 'policy'];

/** Options of {@link runFanout}. */
export interface FanoutOptions {
  readonly dataplanes: number;
  readonly services: number;
  /** Outbounds per dataplane (the hub plus the next services). */
  readonly outbounds: number;
  /** Measured changes per kind (after 2–3 warm-up rounds). */
  readonly changes: number;
  readonly kinds: readonly ChangeKind[];
  readonly protocol: AdsProtocol;
  readonly workers: number;
  readonly channels: ChannelLayout;
  /** Most dataplanes connecting at once, per worker. */
  readonly connectConcurrency: number;
  /** Pause after each round, so the control plane's deferred work (insight writes) is not measured as the next push. */
  readonly gapMs: number;
  readonly roundTimeoutMs: number;
  readonly cpuProfDir?: string;
  /** Write a V8 heap snapshot of zone-cp into this directory after its rounds (`--heapsnapshot-signal`). */
  readonly heapSnapshotDir?: string;
  readonly logLevel: string;
  readonly log: (line: string) => void;
}

/** What the scenario measured. */
export interface FanoutResult {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

/** Per round of one side (ours or baseline). */
interface RoundRecord {
  readonly round: number;
  readonly warmup: boolean;
  /** t0 → the last dataplane ACKed, ms. */
  readonly allAckedMs: number;
  readonly perDataplane: Summary;
  readonly missing: number;
  readonly responses: number;
  /** Control plane: dataplanes regenerated, generation time summed over them, CPU used (ms). */
  readonly regenerated?: number;
  readonly generationMs?: number;
  readonly cpuMs?: number;
  /** zone-cp RSS right after the round, KiB: V8 collects a batch's garbage lazily, so this saws up and down. */
  readonly rssKiB?: number;
  /** CPU the simulated dataplanes' worker processes used during the round (ms): near the round's length means the simulator, not the server, was the bottleneck. */
  readonly workerCpuMs: number;
  /** Baseline server: push start → every ACK back at the server. */
  readonly serverMs?: number;
  readonly bytes?: number;
}

/** Memory of one side. */
interface MemoryRecord {
  readonly idleKiB: number;
  readonly connectedKiB: number;
  readonly perDataplaneKiB: number;
  /** Highest RSS over the whole run (`VmHWM`), KiB. */
  readonly peakKiB?: number;
  /** Growth of the used V8 heap per dataplane, when the control plane's `/metrics` reports the heap. */
  readonly heapPerDataplaneKiB?: number;
}

/** Runs the scenario. */
export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  const { log } = options;
  const dir = mkdtempSync(join(tmpdir(), 'mycel-bench-'));
  const mesh = benchMesh({ services: options.services, dataplanes: options.dataplanes, outbounds: options.outbounds, hub: true, proxylessClients: 0 });
  const dataplanes = mesh.dataplanes.slice(0, options.dataplanes);
  const workers = new SimWorkers(options.workers);
  const warmups = 2 + (options.changes % 2); // an even number of rounds in all ends every kind on its first value
  let cp: CpProcess | undefined;
  let raw: RawFanout | undefined;
  try {
    // ---- ours ---------------------------------------------------------------------------------
    cp = await startZoneCp({
      dir,
      logLevel: options.logLevel,
      ...(options.cpuProfDir !== undefined ? { cpuProfDir: options.cpuProfDir } : {}),
      ...(options.heapSnapshotDir !== undefined ? { heapSnapshotDir: options.heapSnapshotDir } : {}),
    });
    const cpPid = cp.pid;
    log(`fanout: zone-cp pid ${cpPid} (API ${cp.api.base}, dp port ${cp.dpPort}); workers ${workers.pids.join(', ')}`);
    const registerStarted = monotonicMs();
    const specs = await registerMesh(cp.api, dataplanes, mesh.hub);
    log(`fanout: registered ${dataplanes.length + mesh.hub.length} dataplanes and issued ${new Set(dataplanes.map((d) => d.service)).size} tokens in ${(monotonicMs() - registerStarted).toFixed(0)} ms`);
    await sleep(2000);
    const idle = await cpMemory(cp);
    const oursIdle = idle.rssKiB;
    const oursIdleHeap = idle.heapBytes;

    const connectOptions = { address: `127.0.0.1:${cp.dpPort}`, protocol: options.protocol, channels: options.channels, concurrency: options.connectConcurrency, timeoutMs: 300_000 };
    const oursConnect = await workers.connect(specs, { ...connectOptions, capture: true });
    if (oursConnect.synced !== specs.length) throw new Error(`only ${oursConnect.synced} of ${specs.length} dataplanes synced with zone-cp: ${JSON.stringify(oursConnect.endings)}\n${cp.output().slice(-4000)}`);
    log(`fanout: ${oursConnect.synced} dataplanes connected and synced in ${oursConnect.durationMs.toFixed(0)} ms`);
    // DataplaneInsights are written up to a second after the ACKs they record.
    await sleep(3000);
    const connected = await cpMemory(cp);
    const oursConnected = connected.rssKiB;
    const oursPeakAfterConnectKiB = procStatusKiB(cpPid, 'VmHWM');
    const oursConnectedHeap = connected.heapBytes;
    const oursMemory: MemoryRecord = {
      idleKiB: oursIdle,
      connectedKiB: oursConnected,
      perDataplaneKiB: (oursConnected - oursIdle) / specs.length,
      ...(oursIdleHeap !== undefined && oursConnectedHeap !== undefined ? { heapPerDataplaneKiB: (oursConnectedHeap - oursIdleHeap) / 1024 / specs.length } : {}),
    };
    log(`fanout: zone-cp RSS ${(oursIdle / 1024).toFixed(0)} MiB idle → ${(oursConnected / 1024).toFixed(0)} MiB connected: ${oursMemory.perDataplaneKiB.toFixed(1)} KiB per dataplane`);

    const oursRounds = new Map<ChangeKind, RoundRecord[]>();
    for (const kind of options.kinds) {
      const records: RoundRecord[] = [];
      for (let r = 0; r < warmups + options.changes; r++) {
        const api = cp.api;
        const metricsBefore = await api.metricsText();
        const cpuBefore = procCpuMs(cpPid);
        const workerCpuBefore = workers.cpuMs();
        const t0 = monotonicMs();
        await applyChange(api, kind, r, mesh.hub);
        const result = await workers.round({ kind, t0, mode: r < warmups ? 'learn' : 'measure', round: r, quietMs: 500, timeoutMs: options.roundTimeoutMs });
        const cpuMs = procCpuMs(cpPid) - cpuBefore;
        const workerCpuMs = workers.cpuMs() - workerCpuBefore;
        const metricsAfter = await api.metricsText();
        const regenerated = metricSum(metricsAfter, 'mycel_xds_generations_total', { outcome: 'ok' }) - metricSum(metricsBefore, 'mycel_xds_generations_total', { outcome: 'ok' });
        const generationMs = (metricSum(metricsAfter, 'mycel_xds_generation_duration_seconds_sum') - metricSum(metricsBefore, 'mycel_xds_generation_duration_seconds_sum')) * 1000;
        records.push({ ...roundRecord(r, r < warmups, result, workerCpuMs), regenerated, generationMs, cpuMs, rssKiB: procStatusKiB(cpPid) });
        log(`fanout: ours ${kind} round ${r}${r < warmups ? ' (warm-up)' : ''}: all ACKed in ${Math.max(...result.latencies).toFixed(1)} ms, ${result.missing} missing, ${regenerated} regenerated (${generationMs.toFixed(0)} ms generating), CPU ${cpuMs.toFixed(0)} ms`);
        await sleep(options.gapMs);
      }
      oursRounds.set(kind, records);
    }
    const oursPeakKiB = procStatusKiB(cpPid, 'VmHWM');
    const oursAfterRoundsKiB = await steadyRss(cpPid);
    if (options.heapSnapshotDir !== undefined) log(`fanout: zone-cp heap snapshot: ${await cp.heapSnapshot()}`);
    const chunks = await workers.replay();
    await workers.disconnect();
    const exitCode = await cp.stop();
    cp = undefined;
    if (exitCode !== 0) log(`fanout: zone-cp exited with ${String(exitCode)}`);

    // ---- baseline -----------------------------------------------------------------------------
    raw = await RawFanout.start(chunks);
    const port = raw.port;
    await sleep(1000);
    const rawIdle = await steadyRss(raw.pid);
    const rawConnect = await workers.connect(
      specs.map((s) => ({ mesh: s.mesh, name: s.name })),
      { ...connectOptions, address: `127.0.0.1:${port}`, capture: false },
    );
    if (rawConnect.synced !== specs.length) throw new Error(`only ${rawConnect.synced} of ${specs.length} dataplanes synced with the raw server: ${JSON.stringify(rawConnect.endings)}`);
    log(`fanout: baseline: ${rawConnect.synced} dataplanes connected and synced in ${rawConnect.durationMs.toFixed(0)} ms`);
    await sleep(1000);
    const rawConnected = await steadyRss(raw.pid);
    const rawMemory: MemoryRecord = { idleKiB: rawIdle, connectedKiB: rawConnected, perDataplaneKiB: (rawConnected - rawIdle) / specs.length };
    const rawRounds = new Map<ChangeKind, RoundRecord[]>();
    for (const kind of options.kinds) {
      const records: RoundRecord[] = [];
      for (let r = 0; r < warmups + options.changes; r++) {
        const workerCpuBefore = workers.cpuMs();
        const t0 = monotonicMs();
        const rawServer = raw;
        const [push, result] = await Promise.all([
          rawServer.push(roundSlot(kind, r)),
          workers.round({ kind, t0, mode: 'measure', round: r, quietMs: 0, timeoutMs: options.roundTimeoutMs }),
        ]);
        records.push({ ...roundRecord(r, r < warmups, result, workers.cpuMs() - workerCpuBefore), serverMs: push.ackedAt - push.startedAt, bytes: push.bytes });
        log(`fanout: baseline ${kind} round ${r}${r < warmups ? ' (warm-up)' : ''}: all ACKed in ${Math.max(...result.latencies).toFixed(1)} ms (server: ${(push.ackedAt - push.startedAt).toFixed(1)} ms, ${push.responses} responses, ${(push.bytes / 1024).toFixed(0)} KiB)`);
        await sleep(Math.min(options.gapMs, 200));
      }
      rawRounds.set(kind, records);
    }
    const rawPeakKiB = procStatusKiB(raw.pid, 'VmHWM');
    const workerStatus = await workers.status();
    await workers.disconnect();

    return {
      figures: fanoutFigures(options, { ...oursMemory, peakKiB: oursPeakKiB }, { ...rawMemory, peakKiB: rawPeakKiB }, oursConnect.durationMs, rawConnect.durationMs, oursRounds, rawRounds),
      details: {
        dataplanes: specs.length,
        services: mesh.services.length,
        protocol: options.protocol,
        channels: options.channels,
        workers: options.workers,
        warmupRounds: warmups,
        memory: { ours: { ...oursMemory, peakAfterConnectKiB: oursPeakAfterConnectKiB, peakKiB: oursPeakKiB, afterRoundsKiB: oursAfterRoundsKiB }, baseline: { ...rawMemory, peakKiB: rawPeakKiB }, workerRssKiB: workerStatus.map((s) => s.rssKiB) },
        connect: {
          ours: { durationMs: oursConnect.durationMs, perDataplaneMs: summarize(oursConnect.perDataplaneMs) },
          baseline: { durationMs: rawConnect.durationMs, perDataplaneMs: summarize(rawConnect.perDataplaneMs) },
        },
        rounds: Object.fromEntries(options.kinds.map((k) => [k, { ours: oursRounds.get(k), baseline: rawRounds.get(k) }])),
      },
    };
  } finally {
    if (cp) {
      log(`fanout: zone-cp output (tail):\n${cp.output().slice(-2000)}`);
      await cp.stop();
    }
    await raw?.stop();
    await workers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Makes round `r`'s change of `kind` (see {@link moveHubEndpoint}, {@link putMeshTimeout}). */
async function applyChange(api: ApiClient, kind: ChangeKind, r: number, hub: readonly BenchDataplane[]): Promise<void> {
  if (kind === 'endpoints') await moveHubEndpoint(api, r, hub);
  else await putMeshTimeout(api, roundValue(r));
}

function roundRecord(round: number, warmup: boolean, result: FleetRoundResult, workerCpuMs: number): RoundRecord {
  return {
    round,
    warmup,
    workerCpuMs,
    allAckedMs: result.latencies.length === 0 ? Number.NaN : Math.max(...result.latencies),
    perDataplane: summarize(result.latencies),
    missing: result.missing,
    responses: result.responses,
  };
}

function fanoutFigures(
  options: FanoutOptions,
  ours: MemoryRecord,
  raw: MemoryRecord,
  oursConnectMs: number,
  rawConnectMs: number,
  oursRounds: ReadonlyMap<ChangeKind, RoundRecord[]>,
  rawRounds: ReadonlyMap<ChangeKind, RoundRecord[]>,
): Figure[] {
  const n = options.dataplanes;
  const rawLabel = 'raw grpc-js server, same bytes';
  const figures: Figure[] = [
    {
      scenario: 'fanout',
      id: 'fanout.memory.per-dataplane',
      metric: `RSS per connected dataplane (${n} connected)`,
      unit: 'KiB',
      ours: ours.perDataplaneKiB,
      baseline: raw.perDataplaneKiB,
      baselineLabel: 'raw grpc-js server, per stream',
      target: '≤ 100 KB',
      met: ours.perDataplaneKiB * 1.024 <= 100,
    },
    ...(ours.heapPerDataplaneKiB !== undefined
      ? [{ scenario: 'fanout', id: 'fanout.memory.heap-per-dataplane', metric: `V8 heap per connected dataplane (${n} connected)`, unit: 'KiB', ours: ours.heapPerDataplaneKiB }]
      : []),
    { scenario: 'fanout', id: 'fanout.memory.connected', metric: `RSS with ${n} dataplanes connected`, unit: 'MiB', ours: ours.connectedKiB / 1024, baseline: raw.connectedKiB / 1024, baselineLabel: rawLabel },
    {
      scenario: 'fanout',
      id: 'fanout.memory.peak',
      metric: 'peak RSS over the run (VmHWM)',
      unit: 'MiB',
      ours: (ours.peakKiB ?? Number.NaN) / 1024,
      baseline: (raw.peakKiB ?? Number.NaN) / 1024,
      baselineLabel: rawLabel,
    },
    { scenario: 'fanout', id: 'fanout.connect.all-synced', metric: `${n} dataplanes connect → all synced`, unit: 'ms', ours: oursConnectMs, baseline: rawConnectMs, baselineLabel: rawLabel },
  ];
  for (const kind of options.kinds) {
    const o = (oursRounds.get(kind) ?? []).filter((r) => !r.warmup);
    const b = (rawRounds.get(kind) ?? []).filter((r) => !r.warmup);
    const oAll = summarize(o.map((r) => r.allAckedMs));
    const bAll = summarize(b.map((r) => r.allAckedMs));
    const what = kind === 'endpoints' ? 'endpoint change' : 'policy change';
    const within = (value: number, limit: number, base: number): boolean => value <= limit && value / base <= 3;
    figures.push(
      {
        scenario: 'fanout',
        id: `fanout.${kind}.all-acked.p50`,
        metric: `${what} → all ${n} ACKed, p50 of ${o.length}`,
        unit: 'ms',
        ours: oAll.p50,
        baseline: bAll.p50,
        baselineLabel: rawLabel,
        target: '≤ 150 ms and ≤ 3×',
        met: within(oAll.p50, 150, bAll.p50),
      },
      {
        scenario: 'fanout',
        id: `fanout.${kind}.all-acked.p99`,
        metric: `${what} → all ${n} ACKed, p99 of ${o.length}`,
        unit: 'ms',
        ours: oAll.p99,
        baseline: bAll.p99,
        baselineLabel: rawLabel,
        target: '≤ 500 ms and ≤ 3×',
        met: within(oAll.p99, 500, bAll.p99),
      },
      { scenario: 'fanout', id: `fanout.${kind}.all-acked.max`, metric: `${what} → all ${n} ACKed, max`, unit: 'ms', ours: oAll.max, baseline: bAll.max, baselineLabel: rawLabel },
      {
        scenario: 'fanout',
        id: `fanout.${kind}.per-dataplane.p50`,
        metric: `${what} → one dataplane ACKed, median over rounds of the per-round p50`,
        unit: 'ms',
        ours: summarize(o.map((r) => r.perDataplane.p50)).p50,
        baseline: summarize(b.map((r) => r.perDataplane.p50)).p50,
        baselineLabel: rawLabel,
      },
      {
        scenario: 'fanout',
        id: `fanout.${kind}.regenerated`,
        metric: `${what}: dataplanes regenerated per change (mean)`,
        unit: 'dataplanes',
        ours: summarize(o.map((r) => r.regenerated ?? Number.NaN)).mean,
      },
      {
        scenario: 'fanout',
        id: `fanout.${kind}.generation`,
        metric: `${what}: generation time per change, all dataplanes (p50)`,
        unit: 'ms',
        ours: summarize(o.map((r) => r.generationMs ?? Number.NaN)).p50,
      },
      {
        scenario: 'fanout',
        id: `fanout.${kind}.simulator-cpu`,
        metric: `${what}: CPU of the simulated dataplanes' process per change (p50)`,
        unit: 'ms',
        ours: summarize(o.map((r) => r.workerCpuMs)).p50,
        baseline: summarize(b.map((r) => r.workerCpuMs)).p50,
        baselineLabel: rawLabel,
      },
      {
        scenario: 'fanout',
        id: `fanout.${kind}.cpu`,
        metric: `${what}: zone-cp CPU per change (p50)`,
        unit: 'ms',
        ours: summarize(o.map((r) => r.cpuMs ?? Number.NaN)).p50,
      },
    );
    const missing = o.reduce((a, r) => a + r.missing, 0) + b.reduce((a, r) => a + r.missing, 0);
    if (missing > 0) figures.push({ scenario: 'fanout', id: `fanout.${kind}.missing`, metric: `${what}: dataplane-rounds that timed out`, unit: '', ours: missing });
  }
  return figures;
}
