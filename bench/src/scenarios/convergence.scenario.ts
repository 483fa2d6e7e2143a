import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawFanout } from '../baseline/raw-fanout';
import { BENCH_MESH, benchMesh } from '../mesh/bench-mesh';
import type { BenchMesh } from '../mesh/bench-mesh';
import { TIMEOUT_POLICY, issueTokens, putMeshTimeout, registerDataplanes, roundValue } from '../mesh/mesh-setup';
import type { Figure } from '../report/bench-report';
import { summarize } from '../report/percentiles';
import type { Summary } from '../report/percentiles';
import type { AdsProtocol } from '../sim/ads-sim-client';
import { roundSlot } from '../sim/replay';
import type { ChannelLayout, ConnectOptions, SimSpec } from '../sim/sim-fleet';
import { SimWorkers } from '../sim/sim-workers';
import type { FleetRoundResult } from '../sim/sim-workers';
import { metricSum } from '../support/cp-process';
import type { CpProcess } from '../support/cp-process';
import { monotonicMs, sleep } from '../support/monotonic-clock';
import { procCpuMs } from '../support/proc-status';
import { startGlobal, startMultizoneNats, startZone } from '../support/multizone';
import type { MultizoneNats } from '../support/multizone';

// Scenario `convergence`: a policy change made at global reaches every affected dataplane of every
// zone. Processes: nats-server (config from `mycel-global-cp nats-config`), global-cp, one zone-cp
// per zone (zone mode, KDS over NATS), and per zone the simulated dataplanes in worker processes
// connected to their zone-cp. Each round changes the mesh-wide MeshTimeout through global's REST
// API; the figure is global's 2xx → the last dataplane of every zone has ACKed the change.
// Limit baseline in the same run: per zone a raw grpc-js server replaying the very responses that
// zone's dataplanes received, pushed to the same streams at once, until all ACK.

/** Options of {@link runConvergence}. */
export interface ConvergenceOptions {
  readonly zones: number;
  /** Connected dataplanes per zone. */
  readonly dataplanesPerZone: number;
  readonly services: number;
  readonly outbounds: number;
  /** Measured policy changes (after 2–3 warm-up rounds). */
  readonly changes: number;
  readonly protocol: AdsProtocol;
  readonly channels: ChannelLayout;
  /** Worker processes per zone hosting its simulated dataplanes. */
  readonly workersPerZone: number;
  /** Pause after each round, ms. */
  readonly gapMs: number;
  readonly cpuProfDir?: string;
  readonly logLevel: string;
  readonly log: (line: string) => void;
}

/** Default sizes: the Benchmarks issue's 2 zones × 1,000 dataplanes over 100 services, 100 changes. */
export const CONVERGENCE_DEFAULTS = { zones: 2, dataplanesPerZone: 1000, changes: 100, workersPerZone: 1, gapMs: 300 } as const;

/** One zone's side: its control plane, mesh, dataplane specs and workers. */
interface ZoneSide {
  readonly name: string;
  readonly mesh: BenchMesh;
  readonly workers: SimWorkers;
  cp?: CpProcess;
  specs?: SimSpec[];
  raw?: RawFanout;
}

/** One round on one side. */
interface RoundRecord {
  readonly round: number;
  readonly warmup: boolean;
  /** Ours: the REST call at global (request → 2xx), ms; it precedes the measured interval. */
  readonly writeMs?: number;
  /** Ours: global's 2xx → the last dataplane of every zone ACKed; baseline: push start → the same. */
  readonly allAckedMs: number;
  /** Per zone: the same, for that zone's dataplanes. */
  readonly perZoneMs: number[];
  readonly perDataplane: Summary;
  readonly missing: number;
  /** Ours: per zone, dataplanes regenerated, time generating them (ms) and zone-cp CPU used (ms). */
  readonly regenerated?: number[];
  readonly generationMs?: number[];
  readonly cpuMs?: number[];
  /** Ours: CPU global-cp used during the round (ms): the write, KDS, and applying the zones' insights. */
  readonly globalCpuMs?: number;
}

/** What the scenario measured. */
export interface ConvergenceResult {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

const ROUND_TIMEOUT_MS = 60_000;
const KIND = 'global-policy';

/** Runs the scenario. */
export async function runConvergence(options: ConvergenceOptions): Promise<ConvergenceResult> {
  const { log } = options;
  const dir = mkdtempSync(join(tmpdir(), 'mycel-bench-mz-'));
  const names = Array.from({ length: options.zones }, (_, z) => `zone-${String.fromCharCode(97 + z)}`);
  const zones: ZoneSide[] = names.map((name, z) => ({
    name,
    // Distinct dataplane names and addresses per zone; the services are the same mesh-wide.
    mesh: benchMesh({ services: options.services, dataplanes: options.dataplanesPerZone, outbounds: options.outbounds, hub: true, proxylessClients: 0, namePrefix: `${name}-`, firstAddress: z * (options.dataplanesPerZone + 10) }),
    workers: new SimWorkers(options.workersPerZone),
  }));
  const warmups = 2 + (options.changes % 2);
  let nats: MultizoneNats | undefined;
  let global: CpProcess | undefined;
  try {
    nats = await startMultizoneNats(names);
    const cpOptions = { dir, logLevel: options.logLevel, ...(options.cpuProfDir !== undefined ? { cpuProfDir: options.cpuProfDir } : {}) };
    global = await startGlobal(nats, cpOptions);
    for (const zone of zones) zone.cp = await startZone(nats, zone.name, cpOptions);
    const g = global;
    log(`convergence: nats-server pid ${nats.server.pid}, global-cp pid ${g.pid}, ${zones.map((z) => `${z.name} pid ${z.cp?.pid} (workers ${z.workers.pids.join(', ')})`).join(', ')}`);

    // The policy lives at global; every zone must hold it (and the mesh) before dataplanes arrive.
    await putMeshTimeout(g.api, 0);
    await Promise.all(zones.map((z) => until(`${z.name} holds the MeshTimeout`, async () => (await cpOf(z).api.call('GET', `/meshes/${BENCH_MESH}/meshtimeouts/${TIMEOUT_POLICY}`, undefined, [200, 404])).status === 200)));
    const registerStarted = monotonicMs();
    await Promise.all(
      zones.map(async (z) => {
        const dataplanes = z.mesh.dataplanes.slice(0, options.dataplanesPerZone);
        await registerDataplanes(cpOf(z).api, [...z.mesh.hub, ...dataplanes]);
        z.specs = await issueTokens(cpOf(z).api, dataplanes);
      }),
    );
    // Dataplanes travel zone → global → other zones (cross-zone endpoints): wait until every zone holds them all.
    const everywhere = zones.reduce((a, z) => a + z.mesh.hub.length + options.dataplanesPerZone, 0);
    await Promise.all(zones.map((z) => until(`${z.name} holds all ${everywhere} dataplanes`, async () => (await dataplaneCount(cpOf(z))) >= everywhere, 120_000)));
    log(`convergence: registered ${everywhere} dataplanes in ${zones.length} zones; every zone holds them all after ${(monotonicMs() - registerStarted).toFixed(0)} ms`);

    const connectOptions = (z: ZoneSide, address: string, capture: boolean): ConnectOptions => ({
      address,
      protocol: options.protocol,
      channels: options.channels,
      concurrency: 100,
      timeoutMs: 300_000,
      capture,
    });
    const connects = await Promise.all(zones.map((z) => z.workers.connect(specsOf(z), connectOptions(z, `127.0.0.1:${cpOf(z).dpPort}`, true))));
    connects.forEach((c, i) => {
      const z = zones[i] as ZoneSide;
      if (c.synced !== specsOf(z).length) throw new Error(`only ${c.synced} of ${specsOf(z).length} dataplanes synced with ${z.name}: ${JSON.stringify(c.endings)}\n${cpOf(z).output().slice(-4000)}`);
    });
    log(`convergence: connected and synced: ${connects.map((c, i) => `${zones[i]?.name} ${c.synced} in ${c.durationMs.toFixed(0)} ms`).join(', ')}`);
    // DataplaneInsights, and their way to global, settle before the first round.
    await sleep(5000);

    const ours: RoundRecord[] = [];
    for (let r = 0; r < warmups + options.changes; r++) {
      const warmup = r < warmups;
      const before = await Promise.all(zones.map((z) => cpOf(z).api.metricsText()));
      const cpuBefore = zones.map((z) => procCpuMs(cpOf(z).pid));
      const globalCpuBefore = procCpuMs(g.pid);
      const t0 = monotonicMs();
      const rounds = zones.map((z) => z.workers.round({ kind: KIND, t0, mode: warmup ? 'learn' : 'measure', round: r, quietMs: 500, timeoutMs: ROUND_TIMEOUT_MS }));
      await putMeshTimeout(g.api, roundValue(r));
      const writeMs = monotonicMs() - t0;
      const results = await Promise.all(rounds);
      const cpuMs = zones.map((z, i) => procCpuMs(cpOf(z).pid) - (cpuBefore[i] as number));
      const globalCpuMs = procCpuMs(g.pid) - globalCpuBefore;
      const after = await Promise.all(zones.map((z) => cpOf(z).api.metricsText()));
      const regenerated = after.map((text, i) => metricSum(text, 'mycel_xds_generations_total', { outcome: 'ok' }) - metricSum(before[i] as string, 'mycel_xds_generations_total', { outcome: 'ok' }));
      const generationMs = after.map((text, i) => (metricSum(text, 'mycel_xds_generation_duration_seconds_sum') - metricSum(before[i] as string, 'mycel_xds_generation_duration_seconds_sum')) * 1000);
      const record = { ...roundRecord(r, warmup, results, writeMs), writeMs, regenerated, generationMs, cpuMs, globalCpuMs };
      ours.push(record);
      if (warmup || r % 10 === 0 || r === warmups + options.changes - 1) {
        log(`convergence: ours round ${r}${warmup ? ' (warm-up)' : ''}: write ${writeMs.toFixed(0)} ms, 2xx → all ACKed ${record.allAckedMs.toFixed(0)} ms (${record.perZoneMs.map((x) => x.toFixed(0)).join(' / ')} per zone), ${record.missing} missing, regenerated ${regenerated.join(' / ')} in ${generationMs.map((g) => g.toFixed(0)).join(' / ')} ms, zone CPU ${cpuMs.join(' / ')} ms, global CPU ${globalCpuMs} ms`);
      }
      await sleep(options.gapMs);
    }
    const chunks = await Promise.all(zones.map((z) => z.workers.replay()));
    await Promise.all(zones.map((z) => z.workers.disconnect()));
    for (const z of zones) {
      await z.cp?.stop();
      delete z.cp;
    }
    await global.stop();
    global = undefined;
    await nats.stop();
    nats = undefined;

    // ---- baseline: per zone a raw server replaying what that zone's dataplanes received ----------
    for (const [i, z] of zones.entries()) z.raw = await RawFanout.start(chunks[i] ?? []);
    await Promise.all(zones.map((z) => z.workers.connect(specsOf(z).map((s) => ({ mesh: s.mesh, name: s.name })), connectOptions(z, `127.0.0.1:${rawOf(z).port}`, false))));
    await sleep(1000);
    const baseline: RoundRecord[] = [];
    for (let r = 0; r < warmups + options.changes; r++) {
      const t0 = monotonicMs();
      const rounds = zones.map((z) => z.workers.round({ kind: KIND, t0, mode: 'measure', round: r, quietMs: 0, timeoutMs: ROUND_TIMEOUT_MS }));
      await Promise.all(zones.map((z) => rawOf(z).push(roundSlot(KIND, r))));
      const record = roundRecord(r, r < warmups, await Promise.all(rounds), 0);
      baseline.push(record);
      if (r % 20 === 0) log(`convergence: baseline round ${r}: all ACKed ${record.allAckedMs.toFixed(0)} ms`);
      await sleep(Math.min(options.gapMs, 200));
    }
    await Promise.all(zones.map((z) => z.workers.disconnect()));
    return {
      figures: convergenceFigures(options, ours, baseline),
      details: {
        zones: names,
        dataplanesPerZone: options.dataplanesPerZone,
        services: options.services,
        protocol: options.protocol,
        warmupRounds: warmups,
        connect: connects.map((c) => ({ durationMs: c.durationMs, perDataplaneMs: summarize(c.perDataplaneMs) })),
        rounds: { ours, baseline },
      },
    };
  } finally {
    for (const z of zones) {
      if (z.cp) {
        log(`convergence: ${z.name} output (tail):\n${z.cp.output().slice(-1500)}`);
        await z.cp.stop();
      }
      await z.raw?.stop();
      await z.workers.stop();
    }
    if (global) {
      log(`convergence: global-cp output (tail):\n${global.output().slice(-1500)}`);
      await global.stop();
    }
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpOf(z: ZoneSide): CpProcess {
  if (!z.cp) throw new Error(`${z.name} has no control plane`);
  return z.cp;
}

function rawOf(z: ZoneSide): RawFanout {
  if (!z.raw) throw new Error(`${z.name} has no raw server`);
  return z.raw;
}

function specsOf(z: ZoneSide): SimSpec[] {
  if (!z.specs) throw new Error(`${z.name} has no registered dataplanes`);
  return z.specs;
}

/** Dataplanes the zone's store holds (its own and other zones'). */
async function dataplaneCount(cp: CpProcess): Promise<number> {
  const res = await cp.api.call('GET', `/meshes/${BENCH_MESH}/dataplanes?size=1`);
  return (JSON.parse(res.text) as { total: number }).total;
}

/** Polls `check` every 200 ms until true; throws after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = monotonicMs() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (monotonicMs() > deadline) throw new Error(`convergence: timed out waiting until ${what}`);
    await sleep(200);
  }
}

/** A round over every zone; latencies (measured from t0) are shifted by `offsetMs` (ours: the write's duration, so they count from the 2xx). */
function roundRecord(round: number, warmup: boolean, results: readonly FleetRoundResult[], offsetMs: number): RoundRecord {
  const all = results.flatMap((r) => r.latencies.map((l) => l - offsetMs));
  const maxOf = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : Math.max(...xs));
  return {
    round,
    warmup,
    allAckedMs: maxOf(all),
    perZoneMs: results.map((r) => maxOf(r.latencies) - offsetMs),
    perDataplane: summarize(all),
    missing: results.reduce((a, r) => a + r.missing, 0),
  };
}

function convergenceFigures(options: ConvergenceOptions, ours: readonly RoundRecord[], baseline: readonly RoundRecord[]): Figure[] {
  const o = ours.filter((r) => !r.warmup);
  const b = baseline.filter((r) => !r.warmup);
  const oAll = summarize(o.map((r) => r.allAckedMs));
  const bAll = summarize(b.map((r) => r.allAckedMs));
  const n = options.zones * options.dataplanesPerZone;
  const label = `raw grpc-js fan-out of the same bytes, one server per zone`;
  const within = (value: number, limit: number, base: number): boolean => value <= limit && value / base <= 3;
  const what = `policy change at global → all ${n} dataplanes of ${options.zones} zones ACKed`;
  const figures: Figure[] = [
    { scenario: 'convergence', id: 'convergence.all-acked.p50', metric: `${what}, p50 of ${o.length}`, unit: 'ms', ours: oAll.p50, baseline: bAll.p50, baselineLabel: label, target: '≤ 150 ms and ≤ 3×', met: within(oAll.p50, 150, bAll.p50) },
    { scenario: 'convergence', id: 'convergence.all-acked.p99', metric: `${what}, p99 of ${o.length}`, unit: 'ms', ours: oAll.p99, baseline: bAll.p99, baselineLabel: label, target: '≤ 500 ms and ≤ 3×', met: within(oAll.p99, 500, bAll.p99) },
    { scenario: 'convergence', id: 'convergence.all-acked.max', metric: `${what}, max`, unit: 'ms', ours: oAll.max, baseline: bAll.max, baselineLabel: label },
    {
      scenario: 'convergence',
      id: 'convergence.per-dataplane.p50',
      metric: 'global 2xx → one dataplane ACKed, median over rounds of the per-round p50',
      unit: 'ms',
      ours: summarize(o.map((r) => r.perDataplane.p50)).p50,
      baseline: summarize(b.map((r) => r.perDataplane.p50)).p50,
      baselineLabel: label,
    },
    { scenario: 'convergence', id: 'convergence.write', metric: 'the write at global: PUT → 2xx (p50; not part of the figures above)', unit: 'ms', ours: summarize(o.map((r) => r.writeMs ?? Number.NaN)).p50 },
    { scenario: 'convergence', id: 'convergence.regenerated', metric: 'dataplanes regenerated per change, per zone (mean)', unit: 'dataplanes', ours: summarize(o.flatMap((r) => r.regenerated ?? [])).mean },
    { scenario: 'convergence', id: 'convergence.generation', metric: 'generation time per change, per zone (p50)', unit: 'ms', ours: summarize(o.flatMap((r) => r.generationMs ?? [])).p50 },
    { scenario: 'convergence', id: 'convergence.zone-cpu', metric: 'zone-cp CPU per change, per zone (p50)', unit: 'ms', ours: summarize(o.flatMap((r) => r.cpuMs ?? [])).p50 },
    { scenario: 'convergence', id: 'convergence.global-cpu', metric: 'global-cp CPU per change (p50)', unit: 'ms', ours: summarize(o.map((r) => r.globalCpuMs ?? Number.NaN)).p50 },
  ];
  const missing = o.reduce((a, r) => a + r.missing, 0) + b.reduce((a, r) => a + r.missing, 0);
  if (missing > 0) figures.push({ scenario: 'convergence', id: 'convergence.missing', metric: 'dataplane-rounds that timed out', unit: '', ours: missing });
  return figures;
}
