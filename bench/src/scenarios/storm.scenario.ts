import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '@mycel/testing';
import type { RedisServer } from '@mycel/testing';
import { RawFanout } from '../baseline/raw-fanout';
import { benchMesh } from '../mesh/bench-mesh';
import { registerMesh } from '../mesh/mesh-setup';
import type { Figure } from '../report/bench-report';
import { summarize } from '../report/percentiles';
import type { Summary } from '../report/percentiles';
import type { AdsProtocol } from '../sim/ads-sim-client';
import type { ChannelLayout, ConnectOptions, ReconnectBackoff, ResyncResult } from '../sim/sim-fleet';
import { SimWorkers } from '../sim/sim-workers';
import { eventLoopDelay, startZoneCp } from '../support/cp-process';
import type { CpProcess, EventLoopDelay } from '../support/cp-process';
import { monotonicMs, sleep } from '../support/monotonic-clock';
import { procStatusKiB } from '../support/proc-status';

// Scenario `storm`: a zone-cp on a Redis store (as in production: the restarted process finds the
// Dataplanes and the token signing keys there) holds N connected dataplanes; it is killed with
// SIGKILL and started again at once on the same ports. The simulated dataplanes reconnect as Envoy
// does (jittered exponential backoff from 500 ms to 30 s, a new connection per attempt). Measured:
// kill → every dataplane back on the current version (synced again, versions compared with those
// held before the kill), the restarted process's peak RSS and its event-loop delay. Limit baseline
// in the same run: the same storm against the raw grpc-js server replaying the same bytes.

/** Options of {@link runStorm}. */
export interface StormOptions {
  readonly dataplanes: number;
  readonly services: number;
  readonly outbounds: number;
  readonly protocol: AdsProtocol;
  readonly channels: ChannelLayout;
  readonly workers: number;
  readonly connectConcurrency: number;
  /** The dataplanes' reconnect backoff (Envoy's default: 500 ms → 30 s). */
  readonly backoff: ReconnectBackoff;
  readonly timeoutMs: number;
  readonly cpuProfDir?: string;
  readonly logLevel: string;
  readonly log: (line: string) => void;
}

/** Default sizes: the Benchmarks issue's 10,000 dataplanes. */
export const STORM_DEFAULTS = { dataplanes: 10_000, workers: 4, backoff: { initialMs: 500, maxMs: 30_000 }, timeoutMs: 180_000 } as const;

/** One storm, on one side. */
interface StormRecord {
  /** kill → the new process serves (zone-cp: API ready; raw: listening), ms. */
  readonly upMs: number;
  /** kill → every dataplane back, ms (NaN when some never came back). */
  readonly allBackMs: number;
  readonly perDataplane: Summary;
  readonly resync: Omit<ResyncResult, 'latencies'>;
  /** Peak RSS of the restarted process (VmHWM), KiB. */
  readonly peakKiB: number;
  /** RSS before the kill (all connected), KiB. */
  readonly beforeKiB: number;
  readonly lag?: EventLoopDelay;
}

/** What the scenario measured. */
export interface StormResult {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

/** Runs the scenario. */
export async function runStorm(options: StormOptions): Promise<StormResult> {
  const { log } = options;
  const dir = mkdtempSync(join(tmpdir(), 'mycel-bench-storm-'));
  const mesh = benchMesh({ services: options.services, dataplanes: options.dataplanes, outbounds: options.outbounds, hub: true, proxylessClients: 0 });
  const dataplanes = mesh.dataplanes.slice(0, options.dataplanes);
  const workers = new SimWorkers(options.workers);
  let redis: RedisServer | undefined;
  let cp: CpProcess | undefined;
  let raw: RawFanout | undefined;
  try {
    redis = await startRedisServer();
    cp = await startZoneCp({
      dir,
      logLevel: options.logLevel,
      args: ['--store', 'redis', '--redis-url', redis.url],
      ...(options.cpuProfDir !== undefined ? { cpuProfDir: options.cpuProfDir } : {}),
    });
    const zone = cp;
    log(`storm: redis-server pid ${redis.pid}, zone-cp pid ${zone.pid}; workers ${workers.pids.join(', ')}`);
    const registerStarted = monotonicMs();
    const specs = await registerMesh(zone.api, dataplanes, mesh.hub);
    log(`storm: registered ${specs.length + mesh.hub.length} dataplanes in Redis in ${(monotonicMs() - registerStarted).toFixed(0)} ms`);
    const connectOptions: ConnectOptions = {
      address: `127.0.0.1:${zone.dpPort}`,
      protocol: options.protocol,
      channels: options.channels,
      concurrency: 100,
      timeoutMs: 600_000,
      capture: true,
      reconnect: options.backoff,
    };
    const connected = await workers.connect(specs, connectOptions);
    if (connected.synced !== specs.length) throw new Error(`only ${connected.synced} of ${specs.length} dataplanes synced with zone-cp: ${JSON.stringify(connected.endings)}\n${zone.output().slice(-4000)}`);
    log(`storm: ${connected.synced} dataplanes connected in ${connected.durationMs.toFixed(0)} ms`);
    // Let the DataplaneInsights of the connect land in Redis: the restart reads them back.
    await sleep(5000);
    const ours = await storm('zone-cp', workers, options, async () => {
      const beforeKiB = procStatusKiB(zone.pid);
      await zone.kill9();
      return beforeKiB;
    }, async () => {
      await zone.restart();
    }, async () => ({ peakKiB: procStatusKiB(zone.pid, 'VmHWM'), lag: eventLoopDelay(await zone.api.metricsText()) }));
    log(`storm: zone-cp output after the restart (tail):\n${zone.output().slice(-1500)}`);
    const chunks = await workers.replay();
    await workers.disconnect();
    await zone.stop();
    cp = undefined;
    await redis.stop();
    redis = undefined;

    // ---- baseline: the same storm against the raw server -----------------------------------------
    raw = await RawFanout.start(chunks);
    const server = raw;
    const rawConnect = await workers.connect(specs.map((s) => ({ mesh: s.mesh, name: s.name })), { ...connectOptions, address: `127.0.0.1:${server.port}`, capture: false });
    if (rawConnect.synced !== specs.length) throw new Error(`only ${rawConnect.synced} of ${specs.length} dataplanes synced with the raw server`);
    await sleep(1000);
    const baseline = await storm('baseline', workers, options, async () => {
      const beforeKiB = procStatusKiB(server.pid);
      await server.kill9();
      return beforeKiB;
    }, () => server.restart(), async () => ({ peakKiB: procStatusKiB(server.pid, 'VmHWM'), lag: await server.eventLoopDelay() }));
    await workers.disconnect();
    return {
      figures: stormFigures(options, ours, baseline),
      details: { dataplanes: specs.length, workers: options.workers, protocol: options.protocol, backoff: options.backoff, connectMs: connected.durationMs, ours, baseline },
    };
  } finally {
    if (cp) {
      log(`storm: zone-cp output (tail):\n${cp.output().slice(-2000)}`);
      await cp.stop();
    }
    await raw?.stop();
    await workers.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One storm: records the versions every dataplane holds, kills the server, restarts it at once and
 * waits until every dataplane is back.
 */
async function storm(
  side: string,
  workers: SimWorkers,
  options: StormOptions,
  kill: () => Promise<number>,
  restart: () => Promise<void>,
  after: () => Promise<{ peakKiB: number; lag?: EventLoopDelay | undefined }>,
): Promise<StormRecord> {
  await workers.recordVersions();
  const since = monotonicMs();
  const beforeKiB = await kill();
  const resyncing = workers.resync({ since, timeoutMs: options.timeoutMs });
  await restart();
  const upMs = monotonicMs() - since;
  const resync = await resyncing;
  const { peakKiB, lag } = await after();
  const perDataplane = summarize(resync.latencies);
  const record: StormRecord = {
    upMs,
    allBackMs: resync.missing === 0 ? perDataplane.max : Number.NaN,
    perDataplane,
    resync: { missing: resync.missing, sameVersions: resync.sameVersions, otherVersions: resync.otherVersions, attempts: resync.attempts, endings: resync.endings },
    peakKiB,
    beforeKiB,
    ...(lag !== undefined ? { lag } : {}),
  };
  options.log(
    `storm: ${side}: up again ${upMs.toFixed(0)} ms after the kill; all back after ${record.allBackMs.toFixed(0)} ms (p50 ${perDataplane.p50.toFixed(0)} ms; ` +
      `${resync.missing} missing, ${resync.sameVersions} on the same versions, ${resync.otherVersions} on others, ${resync.attempts} stream attempts, endings ${JSON.stringify(resync.endings)}); peak RSS ${(peakKiB / 1024).toFixed(0)} MiB`,
  );
  return record;
}

function stormFigures(options: StormOptions, ours: StormRecord, baseline: StormRecord): Figure[] {
  const n = options.dataplanes;
  const label = 'raw grpc-js server killed and restarted, same bytes';
  const figures: Figure[] = [
    {
      scenario: 'storm',
      id: 'storm.all-back',
      metric: `kill -9 with ${n} connected → all back on the current version`,
      unit: 'ms',
      ours: ours.allBackMs,
      ...(ours.resync.missing > 0 ? { oursLabel: `> ${(options.timeoutMs / 1000).toFixed(0)} s: ${ours.resync.missing} of ${n} not back` } : {}),
      baseline: baseline.allBackMs,
      baselineLabel: label,
      target: '≤ 10 s',
      met: ours.allBackMs <= 10_000 && ours.resync.otherVersions === 0,
    },
    { scenario: 'storm', id: 'storm.per-dataplane.p50', metric: 'kill -9 → one dataplane back, p50 of those back', unit: 'ms', ours: ours.perDataplane.p50, baseline: baseline.perDataplane.p50, baselineLabel: label },
    { scenario: 'storm', id: 'storm.per-dataplane.p90', metric: 'kill -9 → one dataplane back, p90 of those back', unit: 'ms', ours: ours.perDataplane.p90, baseline: baseline.perDataplane.p90, baselineLabel: label },
    { scenario: 'storm', id: 'storm.up', metric: 'kill -9 → restarted process serving (zone-cp: API ready)', unit: 'ms', ours: ours.upMs, baseline: baseline.upMs, baselineLabel: label },
    { scenario: 'storm', id: 'storm.peak-rss', metric: 'peak RSS of the restarted process (VmHWM)', unit: 'MiB', ours: ours.peakKiB / 1024, baseline: baseline.peakKiB / 1024, baselineLabel: label },
    { scenario: 'storm', id: 'storm.rss-before', metric: `RSS before the kill (${n} connected)`, unit: 'MiB', ours: ours.beforeKiB / 1024, baseline: baseline.beforeKiB / 1024, baselineLabel: label },
    {
      scenario: 'storm',
      id: 'storm.lag.max',
      metric: 'event-loop delay max, restart → all back',
      unit: 'ms',
      ours: ours.lag?.max ?? Number.NaN,
      ...(baseline.lag ? { baseline: baseline.lag.max, baselineLabel: label } : {}),
    },
    {
      scenario: 'storm',
      id: 'storm.lag.p99',
      metric: 'event-loop delay p99, restart → all back',
      unit: 'ms',
      ours: ours.lag?.p99 ?? Number.NaN,
      ...(baseline.lag ? { baseline: baseline.lag.p99, baselineLabel: label } : {}),
    },
    { scenario: 'storm', id: 'storm.attempts', metric: 'stream attempts until all were back (Envoy-like backoff 500 ms → 30 s)', unit: '', ours: ours.resync.attempts, baseline: baseline.resync.attempts, baselineLabel: label },
  ];
  const off = ours.resync.otherVersions + ours.resync.missing;
  if (off > 0) {
    figures.push({
      scenario: 'storm',
      id: 'storm.off',
      metric: `dataplanes not back within ${(options.timeoutMs / 1000).toFixed(0)} s, or back on other versions than before the kill`,
      unit: 'dataplanes',
      ours: off,
      baseline: baseline.resync.otherVersions + baseline.resync.missing,
      baselineLabel: label,
    });
  }
  return figures;
}
