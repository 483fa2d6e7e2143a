#!/usr/bin/env node
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, writeResults } from './report/bench-report';
import type { BenchResults, Figure, Scenario } from './report/bench-report';
import { CHANGE_KINDS, runFanout } from './scenarios/fanout.scenario';
import type { ChangeKind } from './scenarios/fanout.scenario';
import { runGeneration } from './scenarios/generation.scenario';
import { KDS_DEFAULTS, runKds } from './scenarios/kds.scenario';
import { SCALE_DEFAULTS, runScale } from './scenarios/scale.scenario';
import { CONVERGENCE_DEFAULTS, runConvergence } from './scenarios/convergence.scenario';
import { STORM_DEFAULTS, runStorm } from './scenarios/storm.scenario';
import { CERTIFICATES_DEFAULTS, runCertificates } from './scenarios/certificates.scenario';

// Mycel benchmarks. Build first (`npm run build`), then `npm run bench` or
// `node bench/dist/main.js --scenario all`. Results go to bench/results/<date>.json and latest.md.

const USAGE = `usage: node bench/dist/main.js [options]
  --scenario LIST                    comma-separated: generation, fanout, convergence, scale, storm, kds,
                                     certificates, or all (default all)
  --services N                       services in the mesh (default 100)
  --dataplanes N                     fanout: connected dataplanes (default 1000)
  --changes N                        generation, fanout: measured changes per kind (default 20)
  --kinds endpoints,policy           fanout: change kinds (default both)
  --protocol sotw|delta              ADS variant of the simulated dataplanes (default sotw)
  --workers N                        fanout: worker processes hosting them (default 1)
  --channels own|shared              own HTTP/2 connection per dataplane (default) or shared
  --streams-per-channel N            with --channels shared (default 50)
  --gap-ms N                         fanout: pause after each round (default 1500)
  --zones N                          convergence: zones (default 2)
  --zone-dataplanes N                convergence: connected dataplanes per zone (default 1000)
  --convergence-changes N            convergence: measured policy changes at global (default 100)
  --convergence-gap-ms N             convergence: pause after each round (default 300)
  --zone-workers N                   convergence: worker processes per zone hosting its dataplanes (default 1)
  --scale-steps N,N,…                scale: connected dataplanes after each step (default 1000,5000,10000)
  --scale-workers N                  scale: worker processes hosting the dataplanes (default 4)
  --scale-hold-ms N                  scale: idle observation per step (default 5000)
  --storm-dataplanes N               storm: dataplanes connected when zone-cp is killed (default 10000)
  --storm-workers N                  storm: worker processes hosting them (default 4)
  --storm-timeout-s S                storm: give up on dataplanes not back after this long (default 180)
  --kds-duration S                   kds: seconds of writes at global (default 60)
  --kds-rate N                       kds: writes per second at global (default 200)
  --kds-zones N                      kds: zones, spread over 2 worker processes (default 10)
  --kds-offline-changes N            kds: changes made while one zone is offline (default 10000)
  --cpu-prof-dir DIR                 V8 CPU profiles of the control planes (kds: of the zone workers)
  --log-level LEVEL                  control planes' log level (default info)
  --heap-snapshot-dir DIR            fanout: V8 heap snapshot of zone-cp after its rounds
  --results DIR                      where results (merged by scenario) go (default bench/results)
  --no-write                         print the results, write nothing`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'all' },
      services: { type: 'string' },
      dataplanes: { type: 'string' },
      changes: { type: 'string' },
      kinds: { type: 'string' },
      protocol: { type: 'string', default: 'sotw' },
      workers: { type: 'string' },
      channels: { type: 'string', default: 'own' },
      'streams-per-channel': { type: 'string' },
      'gap-ms': { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
      'heap-snapshot-dir': { type: 'string' },
      zones: { type: 'string' },
      'zone-dataplanes': { type: 'string' },
      'convergence-changes': { type: 'string' },
      'convergence-gap-ms': { type: 'string' },
      'zone-workers': { type: 'string' },
      'scale-steps': { type: 'string' },
      'scale-workers': { type: 'string' },
      'scale-hold-ms': { type: 'string' },
      'storm-dataplanes': { type: 'string' },
      'storm-workers': { type: 'string' },
      'storm-timeout-s': { type: 'string' },
      'kds-duration': { type: 'string' },
      'kds-rate': { type: 'string' },
      'kds-zones': { type: 'string' },
      'kds-offline-changes': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      results: { type: 'string', default: join(__dirname, '..', 'results') },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const scenario = values.scenario;
  const selected = new Set(scenario === 'all' ? SCENARIOS : scenario.split(',').map((x) => x.trim()));
  for (const x of selected) if (!(SCENARIOS as readonly string[]).includes(x)) throw new Error(`--scenario takes a comma-separated list of ${SCENARIOS.join(', ')}, or all; got ${x}`);
  const runs = (name: Scenario): boolean => selected.has(name);
  if (values.protocol !== 'sotw' && values.protocol !== 'delta') throw new Error(`--protocol must be sotw or delta, got ${values.protocol}`);
  if (values.channels !== 'own' && values.channels !== 'shared') throw new Error(`--channels must be own or shared, got ${values.channels}`);
  const kinds = (values.kinds ?? CHANGE_KINDS.join(',')).split(',').map((k) => k.trim());
  for (const k of kinds) if (!(CHANGE_KINDS as readonly string[]).includes(k)) throw new Error(`--kinds takes ${CHANGE_KINDS.join(', ')}; got ${k}`);
  const services = positive('services', values.services, 100);
  const dataplanes = positive('dataplanes', values.dataplanes, 1000);
  const changes = positive('changes', values.changes, 20);
  const workers = positive('workers', values.workers, 1);
  const streamsPerChannel = positive('streams-per-channel', values['streams-per-channel'], 50);
  const kdsDuration = positive('kds-duration', values['kds-duration'], KDS_DEFAULTS.durationS);
  const kdsRate = positive('kds-rate', values['kds-rate'], KDS_DEFAULTS.rate);
  const kdsZones = positive('kds-zones', values['kds-zones'], KDS_DEFAULTS.zones);
  const kdsOfflineChanges = positive('kds-offline-changes', values['kds-offline-changes'], KDS_DEFAULTS.offlineChanges);
  const scaleSteps = (values['scale-steps'] ?? SCALE_DEFAULTS.steps.join(',')).split(',').map((x) => positive('scale-steps', x.trim(), 0));
  for (let i = 1; i < scaleSteps.length; i++) if ((scaleSteps[i] as number) <= (scaleSteps[i - 1] as number)) throw new Error('--scale-steps must ascend');
  const scaleWorkers = positive('scale-workers', values['scale-workers'], SCALE_DEFAULTS.workers);
  const scaleHoldMs = positive('scale-hold-ms', values['scale-hold-ms'], SCALE_DEFAULTS.holdMs);
  const zones = positive('zones', values.zones, CONVERGENCE_DEFAULTS.zones);
  const zoneDataplanes = positive('zone-dataplanes', values['zone-dataplanes'], CONVERGENCE_DEFAULTS.dataplanesPerZone);
  const convergenceChanges = positive('convergence-changes', values['convergence-changes'], CONVERGENCE_DEFAULTS.changes);
  const zoneWorkers = positive('zone-workers', values['zone-workers'], CONVERGENCE_DEFAULTS.workersPerZone);
  const convergenceGapMs = values['convergence-gap-ms'] === undefined ? CONVERGENCE_DEFAULTS.gapMs : Number(values['convergence-gap-ms']);
  const stormDataplanes = positive('storm-dataplanes', values['storm-dataplanes'], STORM_DEFAULTS.dataplanes);
  const stormWorkers = positive('storm-workers', values['storm-workers'], STORM_DEFAULTS.workers);
  const stormTimeoutS = positive('storm-timeout-s', values['storm-timeout-s'], STORM_DEFAULTS.timeoutMs / 1000);
  const gapMs = values['gap-ms'] === undefined ? 1500 : Number(values['gap-ms']);
  const log = (line: string): void => {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  };

  const startedAt = new Date().toISOString();
  // Other processes on the machine skew every figure: record the load the run started and ended with.
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  if (loadAtStart > 0.5) log(`warning: 1-minute load average is ${loadAtStart.toFixed(2)}; other work on this machine will skew the figures`);
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  if (runs('generation')) {
    const result = await runGeneration({ services, dataplanesPerService: 2, outbounds: 5, proxylessClients: 20, warmPasses: 5, changes, log });
    figures.push(...result.figures);
    details['generation'] = result.details;
  }
  if (runs('fanout')) {
    const result = await runFanout({
      dataplanes,
      services,
      outbounds: 5,
      changes,
      kinds: kinds as ChangeKind[],
      protocol: values.protocol,
      workers,
      channels: { mode: values.channels, streamsPerChannel },
      connectConcurrency: 100,
      gapMs,
      roundTimeoutMs: 60_000,
      ...(values['cpu-prof-dir'] !== undefined ? { cpuProfDir: values['cpu-prof-dir'] } : {}),
      ...(values['heap-snapshot-dir'] !== undefined ? { heapSnapshotDir: values['heap-snapshot-dir'] } : {}),
      logLevel: values['log-level'],
      log,
    });
    figures.push(...result.figures);
    details['fanout'] = result.details;
  }
  if (runs('convergence')) {
    const result = await runConvergence({
      ...CONVERGENCE_DEFAULTS,
      zones,
      dataplanesPerZone: zoneDataplanes,
      services,
      outbounds: 5,
      changes: convergenceChanges,
      workersPerZone: zoneWorkers,
      protocol: values.protocol,
      channels: { mode: values.channels, streamsPerChannel },
      gapMs: convergenceGapMs,
      ...(values['cpu-prof-dir'] !== undefined ? { cpuProfDir: values['cpu-prof-dir'] } : {}),
      logLevel: values['log-level'],
      log,
    });
    figures.push(...result.figures);
    details['convergence'] = result.details;
  }
  if (runs('scale')) {
    const result = await runScale({
      steps: scaleSteps,
      services,
      outbounds: 5,
      protocol: values.protocol,
      channels: { mode: values.channels, streamsPerChannel },
      workers: scaleWorkers,
      connectConcurrency: 100,
      holdMs: scaleHoldMs,
      ...(values['cpu-prof-dir'] !== undefined ? { cpuProfDir: values['cpu-prof-dir'] } : {}),
      logLevel: values['log-level'],
      log,
    });
    figures.push(...result.figures);
    details['scale'] = result.details;
  }
  if (runs('storm')) {
    const result = await runStorm({
      ...STORM_DEFAULTS,
      dataplanes: stormDataplanes,
      services,
      outbounds: 5,
      protocol: values.protocol,
      channels: { mode: values.channels, streamsPerChannel },
      workers: stormWorkers,
      timeoutMs: stormTimeoutS * 1000,
      connectConcurrency: 100,
      ...(values['cpu-prof-dir'] !== undefined ? { cpuProfDir: values['cpu-prof-dir'] } : {}),
      logLevel: values['log-level'],
      log,
    });
    figures.push(...result.figures);
    details['storm'] = result.details;
  }
  if (runs('kds')) {
    const result = await runKds({
      ...KDS_DEFAULTS,
      durationS: kdsDuration,
      rate: kdsRate,
      zones: kdsZones,
      offlineChanges: kdsOfflineChanges,
      keys: Math.max(KDS_DEFAULTS.keys, Math.ceil(kdsOfflineChanges / 10) + 1000),
      ...(values['cpu-prof-dir'] !== undefined ? { cpuProfDir: values['cpu-prof-dir'] } : {}),
      ...(values['heap-snapshot-dir'] !== undefined ? { heapSnapshotDir: values['heap-snapshot-dir'] } : {}),
      log,
    });
    figures.push(...result.figures);
    details['kds'] = result.details;
  }
  if (runs('certificates')) {
    const result = runCertificates({ ...CERTIFICATES_DEFAULTS, log });
    figures.push(...result.figures);
    details['certificates'] = result.details;
  }
  const results: BenchResults = {
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: {
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      platform: `${process.platform}-${process.arch}`,
      loadavg1mStart: Number(loadAtStart.toFixed(2)),
      loadavg1mEnd: Number((loadavg()[0] ?? Number.NaN).toFixed(2)),
    },
    parameters: {
      scenario,
      services,
      ...(runs('generation') || runs('fanout') ? { changes } : {}),
      ...(runs('fanout') ? { dataplanes, kinds: kinds.join(','), workers } : {}),
      protocol: values.protocol,
      channels: values.channels,
      ...(values.channels === 'shared' ? { 'streams-per-channel': streamsPerChannel } : {}),
      ...(runs('convergence') ? { zones, 'zone-dataplanes': zoneDataplanes, 'convergence-changes': convergenceChanges, 'convergence-gap-ms': convergenceGapMs, 'zone-workers': zoneWorkers } : {}),
      ...(runs('scale') ? { 'scale-steps': scaleSteps.join(','), 'scale-workers': scaleWorkers, 'scale-hold-ms': scaleHoldMs } : {}),
      ...(runs('storm') ? { 'storm-dataplanes': stormDataplanes, 'storm-workers': stormWorkers, 'storm-timeout-s': stormTimeoutS } : {}),
      ...(runs('kds') ? { 'kds-duration': kdsDuration, 'kds-rate': kdsRate, 'kds-zones': kdsZones, 'kds-offline-changes': kdsOfflineChanges } : {}),
    },
    figures,
    details,
  };
  if (values['no-write']) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  const written = writeResults(values.results, results);
  log(`results: ${written.json}, ${written.latestJson}, ${written.markdown}`);
}

// Exit through process.exit on SIGINT/SIGTERM, so the exit hooks that kill the control planes,
// nats-server and redis-server this run started still run (forked workers follow their parent).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
