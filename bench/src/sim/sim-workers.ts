import { join } from 'node:path';
import { ChildRpc } from '../support/child-rpc';
import { procCpuMs } from '../support/proc-status';
import type { ReplayChunk } from './replay';
import type { ConnectOptions, ConnectResult, ResyncOptions, ResyncResult, RoundOptions, RoundResult, SimSpec } from './sim-fleet';

/** Path of the compiled worker entry point. */
const WORKER_MAIN = join(__dirname, 'sim-worker.main.js');

/** The simulated dataplanes of all workers, connected together. */
export interface FleetConnectResult {
  readonly synced: number;
  readonly failed: number;
  /** First stream opened → last dataplane synced, over every worker, in ms. */
  readonly durationMs: number;
  readonly perDataplaneMs: number[];
  readonly endings: Record<string, number>;
}

/** What one round observed over every worker. */
export interface FleetRoundResult {
  readonly latencies: number[];
  readonly missing: number;
  readonly responses: number;
}

/**
 * Worker processes hosting simulated dataplanes (`sim-worker.main.js`), dataplanes dealt to them
 * round-robin. The bench talks to all of them at once.
 */
export class SimWorkers {
  private readonly workers: ChildRpc[];

  constructor(count: number) {
    this.workers = Array.from({ length: Math.max(1, count) }, () => new ChildRpc(WORKER_MAIN));
  }

  /** CPU used so far by every worker process, in ms. */
  cpuMs(): number {
    return this.pids.reduce((sum, pid) => sum + procCpuMs(pid), 0);
  }

  /** Worker pids. */
  get pids(): number[] {
    return this.workers.map((w) => w.pid);
  }

  /**
   * Connects `specs` (dealt round-robin) and resolves once every worker's dataplanes are synced or
   * failed. `append`: keep the dataplanes connected before (else they are disconnected first).
   */
  async connect(specs: readonly SimSpec[], options: ConnectOptions, append = false): Promise<FleetConnectResult> {
    const parts = this.workers.map((_, w) => specs.filter((_s, i) => i % this.workers.length === w));
    const results = await Promise.all(this.workers.map((worker, w) => worker.call<ConnectResult>('connect', { specs: parts[w], options, append })));
    const endings = mergeCounts(results.map((r) => r.endings));
    return {
      synced: results.reduce((a, r) => a + r.synced, 0),
      failed: results.reduce((a, r) => a + r.failed, 0),
      durationMs: Math.max(...results.map((r) => r.durationMs)),
      perDataplaneMs: results.flatMap((r) => r.perDataplaneMs),
      endings,
    };
  }

  /** Waits for one round in every worker. */
  async round(options: RoundOptions): Promise<FleetRoundResult> {
    const results = await Promise.all(this.workers.map((worker) => worker.call<RoundResult>('round', options)));
    return {
      latencies: results.flatMap((r) => r.latencies),
      missing: results.reduce((a, r) => a + r.missing, 0),
      responses: results.reduce((a, r) => a + r.responses, 0),
    };
  }

  /** Makes every worker remember its dataplanes' current versions (see SimFleet.recordVersions). */
  async recordVersions(): Promise<number> {
    const results = await Promise.all(this.workers.map((worker) => worker.call<{ dataplanes: number }>('recordVersions')));
    return results.reduce((a, r) => a + r.dataplanes, 0);
  }

  /** Waits until every worker's dataplanes are back after the server went away (see SimFleet.awaitResync). */
  async resync(options: ResyncOptions): Promise<ResyncResult> {
    const results = await Promise.all(this.workers.map((worker) => worker.call<ResyncResult>('resync', options)));
    return {
      latencies: results.flatMap((r) => r.latencies),
      missing: results.reduce((a, r) => a + r.missing, 0),
      sameVersions: results.reduce((a, r) => a + r.sameVersions, 0),
      otherVersions: results.reduce((a, r) => a + r.otherVersions, 0),
      attempts: results.reduce((a, r) => a + r.attempts, 0),
      endings: mergeCounts(results.map((r) => r.endings)),
    };
  }

  /** The captured responses, one chunk per worker. */
  replay(): Promise<ReplayChunk[]> {
    return Promise.all(this.workers.map((worker) => worker.call<ReplayChunk>('replay')));
  }

  /** Open streams and RSS (KiB) of every worker. */
  status(): Promise<Array<{ open: number; rssKiB: number }>> {
    return Promise.all(this.workers.map((worker) => worker.call<{ open: number; rssKiB: number }>('status')));
  }

  /** Ends every stream (the workers keep running). */
  async disconnect(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.call('disconnect')));
  }

  /** Stops every worker. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }
}

/** Sums count records key by key. */
function mergeCounts(records: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}
