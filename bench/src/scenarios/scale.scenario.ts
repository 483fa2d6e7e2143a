import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawFanout } from '../baseline/raw-fanout';
import { benchMesh } from '../mesh/bench-mesh';
import { putMeshTimeout, registerMesh, roundValue } from '../mesh/mesh-setup';
import type { Figure } from '../report/bench-report';
import type { AdsProtocol } from '../sim/ads-sim-client';
import { roundSlot } from '../sim/replay';
import type { ChannelLayout, ConnectOptions } from '../sim/sim-fleet';
import { SimWorkers } from '../sim/sim-workers';
import { cpMemory, eventLoopDelay, metricSum, startZoneCp } from '../support/cp-process';
import type { CpMemory, CpProcess, EventLoopDelay } from '../support/cp-process';
import { monotonicMs, sleep } from '../support/monotonic-clock';
import { procCpuMs, procStatusKiB, steadyRss } from '../support/proc-status';

// Scenario `scale`: how one zone-cp holds 1,000 → 5,000 → 10,000 connected dataplanes. The
// dataplanes connect in steps to the same zone-cp; after each step: RSS and V8 heap per dataplane
// above the idle zone-cp, event-loop delay (from its own /metrics) while connecting, while holding
// them, and during one policy change that affects all of them, and that change → all ACKed.
// Limit baseline in the same run: the raw grpc-js server replaying the same bytes, holding the same
// streams in the same steps.

/** Options of {@link runScale}. */
export interface ScaleOptions {
  /** Connected dataplanes after each step, ascending. */
  readonly steps: readonly number[];
  readonly services: number;
  readonly outbounds: number;
  readonly protocol: AdsProtocol;
  readonly channels: ChannelLayout;
  /** Worker processes hosting the simulated dataplanes. */
  readonly workers: number;
  /** Most dataplanes connecting at once, per worker. */
  readonly connectConcurrency: number;
  /** How long the event-loop delay of a connected, idle zone-cp is observed per step, in ms. */
  readonly holdMs: number;
  readonly cpuProfDir?: string;
  readonly logLevel: string;
  readonly log: (line: string) => void;
}

/** Default sizes: the Benchmarks issue's 1,000 / 5,000 / 10,000 dataplanes. */
export const SCALE_DEFAULTS = { steps: [1000, 5000, 10_000], workers: 4, holdMs: 5000 } as const;

/** What one step measured, on one side. */
interface StepRecord {
  readonly connected: number;
  /** Connecting this step's new dataplanes: first stream → last synced, ms. */
  readonly connectMs: number;
  readonly failed: number;
  readonly memory: CpMemory;
  readonly rssPerDataplaneKiB: number;
  readonly heapPerDataplaneKiB?: number;
  readonly lagConnecting?: EventLoopDelay;
  readonly lagHolding?: EventLoopDelay;
  readonly lagChange?: EventLoopDelay;
  /** One policy change affecting every dataplane → all ACKed, ms. */
  readonly changeAllAckedMs: number;
  readonly changeMissing: number;
  /** zone-cp: CPU used by the change and dataplanes regenerated. */
  readonly changeCpuMs?: number;
  readonly regenerated?: number;
}

/** What the scenario measured. */
export interface ScaleResult {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

const ROUND_TIMEOUT_MS = 120_000;

/** Runs the scenario. */
export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const { log } = options;
  const max = Math.max(...options.steps);
  const dir = mkdtempSync(join(tmpdir(), 'mycel-bench-scale-'));
  const mesh = benchMesh({ services: options.services, dataplanes: max, outbounds: options.outbounds, hub: true, proxylessClients: 0 });
  const dataplanes = mesh.dataplanes.slice(0, max);
  const workers = new SimWorkers(options.workers);
  let cp: CpProcess | undefined;
  let raw: RawFanout | undefined;
  try {
    cp = await startZoneCp({ dir, logLevel: options.logLevel, inspect: true, ...(options.cpuProfDir !== undefined ? { cpuProfDir: options.cpuProfDir } : {}) });
    const zone = cp;
    log(`scale: zone-cp pid ${zone.pid}; workers ${workers.pids.join(', ')}`);
    const registerStarted = monotonicMs();
    const specs = await registerMesh(zone.api, dataplanes, mesh.hub);
    log(`scale: registered ${specs.length + mesh.hub.length} dataplanes in ${(monotonicMs() - registerStarted).toFixed(0)} ms`);
    await sleep(2000);
    const oursIdle = await cpMemory(zone, true);
    log(`scale: zone-cp idle: RSS ${(oursIdle.rssKiB / 1024).toFixed(0)} MiB, heap ${((oursIdle.heapBytes ?? Number.NaN) / 2 ** 20).toFixed(0)} MiB`);
    const connectOptions: ConnectOptions = {
      address: `127.0.0.1:${zone.dpPort}`,
      protocol: options.protocol,
      channels: options.channels,
      concurrency: options.connectConcurrency,
      timeoutMs: 600_000,
      capture: true,
    };
    let change = 0;
    const ours: StepRecord[] = [];
    let connected = 0;
    for (const target of options.steps) {
      const batch = specs.slice(connected, target);
      await zone.api.metricsText(); // starts the event-loop delay window of the connect
      const result = await workers.connect(batch, connectOptions, connected > 0);
      const lagConnecting = eventLoopDelay(await zone.api.metricsText());
      connected += result.synced;
      log(`scale: ${connected} connected (+${result.synced} in ${result.durationMs.toFixed(0)} ms, ${result.failed} failed${result.failed > 0 ? `: ${JSON.stringify(result.endings)}` : ''}); event-loop delay while connecting p99 ${fmtLag(lagConnecting)}`);
      // DataplaneInsights are written up to a second after the ACKs they record.
      await sleep(3000);
      await zone.api.metricsText();
      await sleep(options.holdMs);
      const lagHolding = eventLoopDelay(await zone.api.metricsText());
      const memory = await cpMemory(zone, true);
      // One policy change that every dataplane's routes carry, learnt (its responses captured for
      // the baseline) as it is measured: nothing else changes meanwhile.
      const metricsBefore = await zone.api.metricsText();
      const cpuBefore = procCpuMs(zone.pid);
      const t0 = monotonicMs();
      await putMeshTimeout(zone.api, roundValue(change));
      const round = await workers.round({ kind: 'scale', t0, mode: 'learn', round: change, quietMs: 500, timeoutMs: ROUND_TIMEOUT_MS });
      const metricsAfter = await zone.api.metricsText();
      const record: StepRecord = {
        connected,
        connectMs: result.durationMs,
        failed: result.failed,
        memory,
        rssPerDataplaneKiB: (memory.rssKiB - oursIdle.rssKiB) / connected,
        ...(memory.heapBytes !== undefined && oursIdle.heapBytes !== undefined ? { heapPerDataplaneKiB: (memory.heapBytes - oursIdle.heapBytes) / 1024 / connected } : {}),
        ...optionalLag('lagConnecting', lagConnecting),
        ...optionalLag('lagHolding', lagHolding),
        ...optionalLag('lagChange', eventLoopDelay(metricsAfter)),
        changeAllAckedMs: round.latencies.length === 0 ? Number.NaN : Math.max(...round.latencies),
        changeMissing: round.missing,
        changeCpuMs: procCpuMs(zone.pid) - cpuBefore,
        regenerated: metricSum(metricsAfter, 'mycel_xds_generations_total', { outcome: 'ok' }) - metricSum(metricsBefore, 'mycel_xds_generations_total', { outcome: 'ok' }),
      };
      change++;
      ours.push(record);
      log(
        `scale: ${connected} connected: RSS ${(memory.rssKiB / 1024).toFixed(0)} MiB (${record.rssPerDataplaneKiB.toFixed(1)} KiB per dataplane), heap ${(record.heapPerDataplaneKiB ?? Number.NaN).toFixed(1)} KiB per dataplane; ` +
          `delay p99 holding ${fmtLag(lagHolding)}, during a change ${fmtLag(record.lagChange)}; change → all ACKed ${record.changeAllAckedMs.toFixed(0)} ms (${round.missing} missing, ${record.regenerated} regenerated)`,
      );
      await sleep(1000);
    }
    const oursPeakKiB = procStatusKiB(zone.pid, 'VmHWM');
    const chunks = await workers.replay();
    await workers.disconnect();
    await zone.stop();
    cp = undefined;

    // ---- baseline: the raw server holding the same streams in the same steps --------------------
    raw = await RawFanout.start(chunks);
    const server = raw;
    await sleep(1000);
    const rawIdleHeap = await server.collectGarbage();
    const rawIdleKiB = await steadyRss(server.pid);
    const baseline: StepRecord[] = [];
    connected = 0;
    change = 0;
    for (const target of options.steps) {
      const batch = specs.slice(connected, target).map((s) => ({ mesh: s.mesh, name: s.name }));
      await server.eventLoopDelay();
      const result = await workers.connect(batch, { ...connectOptions, address: `127.0.0.1:${server.port}`, capture: false }, connected > 0);
      const lagConnecting = await server.eventLoopDelay();
      connected += result.synced;
      await sleep(1000);
      await server.eventLoopDelay();
      await sleep(options.holdMs);
      const lagHolding = await server.eventLoopDelay();
      const heapBytes = await server.collectGarbage();
      const rssKiB = await steadyRss(server.pid);
      const t0 = monotonicMs();
      const [, round] = await Promise.all([server.push(roundSlot('scale', change)), workers.round({ kind: 'scale', t0, mode: 'measure', round: change, quietMs: 0, timeoutMs: ROUND_TIMEOUT_MS })]);
      const lagChange = await server.eventLoopDelay();
      change++;
      baseline.push({
        connected,
        connectMs: result.durationMs,
        failed: result.failed,
        memory: { rssKiB, heapBytes },
        rssPerDataplaneKiB: (rssKiB - rawIdleKiB) / connected,
        heapPerDataplaneKiB: (heapBytes - rawIdleHeap) / 1024 / connected,
        lagConnecting,
        lagHolding,
        lagChange,
        changeAllAckedMs: round.latencies.length === 0 ? Number.NaN : Math.max(...round.latencies),
        changeMissing: round.missing,
      });
      log(`scale: baseline ${connected} streams: ${((rssKiB - rawIdleKiB) / connected).toFixed(1)} KiB per stream, connect ${result.durationMs.toFixed(0)} ms, change → all ACKed ${Math.max(...round.latencies).toFixed(0)} ms`);
    }
    const rawPeakKiB = procStatusKiB(server.pid, 'VmHWM');
    const workerStatus = await workers.status();
    await workers.disconnect();
    return {
      figures: scaleFigures(options, ours, baseline, oursPeakKiB, rawPeakKiB),
      details: {
        steps: options.steps,
        services: mesh.services.length,
        workers: options.workers,
        protocol: options.protocol,
        channels: options.channels,
        idle: { ours: oursIdle, baseline: { rssKiB: rawIdleKiB, heapBytes: rawIdleHeap } },
        ours,
        baseline,
        peakKiB: { ours: oursPeakKiB, baseline: rawPeakKiB },
        workerRssKiB: workerStatus.map((s) => s.rssKiB),
      },
    };
  } finally {
    if (cp) {
      log(`scale: zone-cp output (tail):\n${cp.output().slice(-2000)}`);
      await cp.stop();
    }
    await raw?.stop();
    await workers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function optionalLag<K extends string>(key: K, lag: EventLoopDelay | undefined): Partial<Record<K, EventLoopDelay>> {
  return lag === undefined ? {} : ({ [key]: lag } as Record<K, EventLoopDelay>);
}

function fmtLag(lag: EventLoopDelay | undefined): string {
  return lag === undefined ? '—' : `${lag.p99.toFixed(1)} ms (max ${lag.max.toFixed(0)} ms)`;
}

function scaleFigures(options: ScaleOptions, ours: readonly StepRecord[], baseline: readonly StepRecord[], oursPeakKiB: number, rawPeakKiB: number): Figure[] {
  const figures: Figure[] = [];
  const rawLabel = 'raw grpc-js server, same streams and bytes';
  const last = options.steps[options.steps.length - 1];
  ours.forEach((o, i) => {
    const b = baseline[i];
    const n = o.connected;
    const top = options.steps[i] === last;
    const id = (what: string): string => `scale.${options.steps[i] ?? n}.${what}`;
    figures.push({
      scenario: 'scale',
      id: id('rss-per-dataplane'),
      metric: `${n} connected: RSS per dataplane above idle (after a full GC)`,
      unit: 'KiB',
      ours: o.rssPerDataplaneKiB,
      ...(b ? { baseline: b.rssPerDataplaneKiB, baselineLabel: 'raw grpc-js server, per stream' } : {}),
      ...(top ? { target: '≤ 100 KB, all connected on 2 cores', met: o.rssPerDataplaneKiB * 1.024 <= 100 && o.failed === 0 && n === options.steps[i] } : {}),
    });
    if (o.heapPerDataplaneKiB !== undefined) {
      figures.push({
        scenario: 'scale',
        id: id('heap-per-dataplane'),
        metric: `${n} connected: live V8 heap per dataplane above idle`,
        unit: 'KiB',
        ours: o.heapPerDataplaneKiB,
        ...(b?.heapPerDataplaneKiB !== undefined ? { baseline: b.heapPerDataplaneKiB, baselineLabel: 'raw grpc-js server, per stream' } : {}),
      });
    }
    figures.push(
      { scenario: 'scale', id: id('rss'), metric: `${n} connected: RSS`, unit: 'MiB', ours: o.memory.rssKiB / 1024, ...(b ? { baseline: b.memory.rssKiB / 1024, baselineLabel: rawLabel } : {}) },
      { scenario: 'scale', id: id('connect'), metric: `${n} connected: connecting the step's ${n - (ours[i - 1]?.connected ?? 0)} → all synced`, unit: 'ms', ours: o.connectMs, ...(b ? { baseline: b.connectMs, baselineLabel: rawLabel } : {}) },
      lagFigure(id('lag-connecting'), `${n} connected: event-loop delay p99 while connecting the step`, o.lagConnecting, b?.lagConnecting),
      lagFigure(id('lag-holding'), `${n} connected: event-loop delay p99 holding them (${(options.holdMs / 1000).toFixed(0)} s, no changes)`, o.lagHolding, b?.lagHolding),
      // Max, not p99: zone-cp's window also spans the learning round's quiet wait, the raw server's
      // only the push, so their p99s sample different lengths; the longest stall compares.
      { ...lagFigure(id('lag-change-max'), `${n} connected: longest event-loop stall (delay max) during a change to all`, o.lagChange, b?.lagChange), ours: o.lagChange?.max ?? Number.NaN, ...(b?.lagChange ? { baseline: b.lagChange.max } : {}) },
      { scenario: 'scale', id: id('change'), metric: `${n} connected: policy change → all ACKed`, unit: 'ms', ours: o.changeAllAckedMs, ...(b ? { baseline: b.changeAllAckedMs, baselineLabel: rawLabel } : {}) },
    );
    const missing = o.failed + o.changeMissing + (b ? b.failed + b.changeMissing : 0);
    if (missing > 0) figures.push({ scenario: 'scale', id: id('missing'), metric: `${n} connected: dataplanes that failed to connect or missed the change`, unit: '', ours: missing });
  });
  figures.push({ scenario: 'scale', id: 'scale.peak-rss', metric: 'peak RSS over the run (VmHWM)', unit: 'MiB', ours: oursPeakKiB / 1024, baseline: rawPeakKiB / 1024, baselineLabel: rawLabel });
  return figures;
}

function lagFigure(id: string, metric: string, ours: EventLoopDelay | undefined, baseline: EventLoopDelay | undefined): Figure {
  return {
    scenario: 'scale',
    id,
    metric,
    unit: 'ms',
    ours: ours?.p99 ?? Number.NaN,
    ...(baseline ? { baseline: baseline.p99, baselineLabel: 'raw grpc-js server, same streams' } : {}),
  };
}
