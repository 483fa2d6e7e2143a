import type * as grpc from '@grpc/grpc-js';
import { monotonicMs } from '../support/monotonic-clock';
import { simChannel, simDataplane } from './ads-sim-client';
import type { AdsProtocol, CapturedResponse, SimDataplane } from './ads-sim-client';
import { ReplayBuilder, roundSlot } from './replay';
import type { NodeReplay, ReplayChunk, ReplayResponse } from './replay';

/** One dataplane a fleet simulates. */
export interface SimSpec {
  readonly mesh: string;
  readonly name: string;
  readonly token?: string;
}

/** How the fleet's streams map onto HTTP/2 connections. */
export interface ChannelLayout {
  /** `own`: one channel and connection per dataplane (as real proxies); `shared`: `streamsPerChannel` streams per connection. */
  readonly mode: 'own' | 'shared';
  readonly streamsPerChannel: number;
}

/** Options of {@link SimFleet.connect}. */
export interface ConnectOptions {
  readonly address: string;
  readonly protocol: AdsProtocol;
  readonly channels: ChannelLayout;
  /** Most dataplanes connecting (connected, not yet synced) at once. */
  readonly concurrency: number;
  /** Keep received responses for a replay. */
  readonly capture: boolean;
  /** Give up on dataplanes not synced after this long. */
  readonly timeoutMs: number;
}

/** What {@link SimFleet.connect} observed. */
export interface ConnectResult {
  readonly synced: number;
  readonly failed: number;
  /** First stream opened → last dataplane synced, in ms. */
  readonly durationMs: number;
  /** Per synced dataplane: its stream opened → synced, in ms. */
  readonly perDataplaneMs: number[];
  /** Statuses of streams that ended, `code: details` → count. */
  readonly endings: Record<string, number>;
}

/** A round: something changed at `t0` (monotonic ms) and every dataplane should receive and ACK it. */
export interface RoundOptions {
  /** Change kind; expectations and captures are kept per kind. */
  readonly kind: string;
  readonly t0: number;
  /**
   * `learn`: wait until every dataplane received something after t0 and nothing arrived for
   * `quietMs`; remember per dataplane the types that arrived as what rounds of this kind bring.
   * `measure`: wait until every dataplane ACKed a response of each remembered type received after t0.
   */
  readonly mode: 'learn' | 'measure';
  /** Round number of this kind (0-based); its parity names the capture slot. */
  readonly round: number;
  readonly quietMs: number;
  readonly timeoutMs: number;
}

/** What one round observed. */
export interface RoundResult {
  /** Per dataplane that completed: t0 → its last expected ACK written, in ms. */
  readonly latencies: number[];
  /** Dataplanes that did not complete before the timeout. */
  readonly missing: number;
  /** Responses received after t0, all dataplanes together. */
  readonly responses: number;
}

/**
 * Expected types per change kind and dataplane name. Module-level on purpose: they are learnt
 * against the control plane and then reused, in the same worker, by the fleet that measures the
 * raw fan-out baseline with the same dataplanes.
 */
const expectations = new Map<string, Map<string, readonly string[]>>();

/** Many simulated dataplanes in one process: connecting, waiting for rounds, exporting a replay. */
export class SimFleet {
  private readonly dataplanes: SimDataplane[] = [];
  private readonly channels: grpc.Client[] = [];
  private readonly replay = new Map<string, { initial: ReplayResponse[]; rounds: Record<string, ReplayResponse[]> }>();
  private readonly builder = new ReplayBuilder();
  private activity: ((dp: SimDataplane) => void) | undefined;
  private lastArrival = 0;
  private capture = false;

  /** Connects every spec and resolves once all are synced (or failed, or timed out). */
  connect(specs: readonly SimSpec[], options: ConnectOptions): Promise<ConnectResult> {
    this.capture = options.capture;
    const endings: Record<string, number> = {};
    const startedAt = new Map<SimDataplane, number>();
    const perDataplaneMs: number[] = [];
    let next = 0;
    let inFlight = 0;
    let synced = 0;
    let failed = 0;
    let channel: grpc.Client | undefined;
    let onChannel = 0;
    const t0 = monotonicMs();
    let lastSync = t0;
    return new Promise<ConnectResult>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.activity = undefined;
        resolve({ synced, failed, durationMs: lastSync - t0, perDataplaneMs, endings });
      };
      const settle = (dp: SimDataplane, ok: boolean): void => {
        if (!startedAt.has(dp)) return;
        const at = startedAt.get(dp) as number;
        startedAt.delete(dp);
        inFlight--;
        if (ok) {
          synced++;
          lastSync = monotonicMs();
          perDataplaneMs.push(lastSync - at);
          if (this.capture) this.takeInitial(dp);
        } else failed++;
        launch();
        if (synced + failed === specs.length) finish();
      };
      const launch = (): void => {
        while (inFlight < options.concurrency && next < specs.length) {
          const spec = specs[next++] as SimSpec;
          if (options.channels.mode === 'own') channel = simChannel(options.address, true);
          else if (!channel || onChannel >= options.channels.streamsPerChannel) {
            channel = simChannel(options.address, false);
            onChannel = 0;
          }
          if (options.channels.mode === 'own' || onChannel === 0) this.channels.push(channel);
          onChannel++;
          const dp = simDataplane(options.protocol, {
            channel,
            mesh: spec.mesh,
            name: spec.name,
            ...(spec.token !== undefined ? { token: spec.token } : {}),
            capture: options.capture,
            onActivity: (d) => {
              this.lastArrival = monotonicMs();
              if (startedAt.has(d) && d.synced) settle(d, true);
              this.activity?.(d);
            },
            onEnd: (d, status) => {
              const key = `${status.code}: ${status.details}`;
              endings[key] = (endings[key] ?? 0) + 1;
              settle(d, false);
            },
          });
          this.dataplanes.push(dp);
          inFlight++;
          startedAt.set(dp, monotonicMs());
          dp.start();
        }
      };
      const timer = setTimeout(() => {
        failed += startedAt.size + (specs.length - next);
        startedAt.clear();
        next = specs.length;
        finish();
      }, options.timeoutMs);
      if (specs.length === 0) finish();
      else launch();
    });
  }

  /** Waits for one round (see {@link RoundOptions}). */
  awaitRound(options: RoundOptions): Promise<RoundResult> {
    const { kind, t0 } = options;
    let expected = expectations.get(kind);
    if (!expected) expectations.set(kind, (expected = new Map()));
    const known = expected;
    const pending = new Set(this.dataplanes.filter((dp) => !dp.ended));
    const latencies: number[] = [];
    const typesSince = (dp: SimDataplane): string[] => [...dp.progress.values()].filter((p) => p.lastResponseAt >= t0).map((p) => p.typeUrl);
    const latencyOf = (dp: SimDataplane, types: readonly string[]): number => Math.max(...types.map((t) => (dp.progress.get(t)?.lastAckAt ?? t0) - t0));
    const complete = (dp: SimDataplane): boolean => {
      const types = known.get(dp.name);
      if (!types || types.length === 0) return false;
      return types.every((t) => {
        const p = dp.progress.get(t);
        return p !== undefined && p.lastResponseAt >= t0 && p.lastAckAt >= p.lastResponseAt;
      });
    };
    return new Promise<RoundResult>((resolve) => {
      let finished = false;
      const done = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.activity = undefined;
        let responses = 0;
        for (const dp of this.dataplanes) {
          responses += dp.captured.filter((c) => c.at >= t0).length;
          if (options.mode === 'learn' && this.capture) this.takeRound(dp, roundSlot(kind, options.round), t0);
          dp.captured.length = 0;
        }
        resolve({ latencies, missing: pending.size, responses: this.capture ? responses : Number.NaN });
      };
      const timer = setTimeout(done, options.timeoutMs);
      let poll: NodeJS.Timeout | undefined;
      if (options.mode === 'measure') {
        const check = (dp: SimDataplane): void => {
          if (!pending.has(dp) || !complete(dp)) return;
          pending.delete(dp);
          latencies.push(latencyOf(dp, known.get(dp.name) ?? []));
          if (pending.size === 0) done();
        };
        this.activity = check;
        for (const dp of [...pending]) check(dp);
        if (pending.size === 0) done();
      } else {
        poll = setInterval(() => {
          const all = [...pending].every((dp) => typesSince(dp).length > 0);
          if (!all || monotonicMs() - this.lastArrival < options.quietMs) return;
          for (const dp of [...pending]) {
            const types = typesSince(dp);
            known.set(dp.name, types);
            latencies.push(latencyOf(dp, types));
            pending.delete(dp);
          }
          done();
        }, 20);
      }
    });
  }

  /** The responses captured so far as a replay chunk. */
  exportReplay(): ReplayChunk {
    const nodes: NodeReplay[] = [...this.replay.entries()].map(([name, r]) => ({ name, initial: r.initial, rounds: r.rounds }));
    return this.builder.chunk(nodes);
  }

  /** Dataplanes whose stream is still open. */
  get open(): number {
    return this.dataplanes.filter((dp) => !dp.ended).length;
  }

  /** Ends every stream and closes every channel. */
  close(): void {
    for (const dp of this.dataplanes) dp.close();
    for (const channel of this.channels) channel.close();
    this.dataplanes.length = 0;
    this.channels.length = 0;
  }

  private takeInitial(dp: SimDataplane): void {
    this.replayOf(dp).initial.push(...dp.captured.map((c) => this.builder.add(c.response)));
    dp.captured.length = 0;
  }

  private takeRound(dp: SimDataplane, slot: string, t0: number): void {
    const responses = dp.captured.filter((c: CapturedResponse) => c.at >= t0).map((c) => this.builder.add(c.response));
    this.replayOf(dp).rounds[slot] = responses;
  }

  private replayOf(dp: SimDataplane): { initial: ReplayResponse[]; rounds: Record<string, ReplayResponse[]> } {
    let r = this.replay.get(dp.name);
    if (!r) this.replay.set(dp.name, (r = { initial: [], rounds: {} }));
    return r;
  }
}
