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
  /** Reopen a stream that ended, as Envoy does; absent: an ended stream stays ended. */
  readonly reconnect?: ReconnectBackoff;
}

/** Envoy's xDS retry backoff: jittered exponential from `initialMs` (500) up to `maxMs` (30,000). */
export interface ReconnectBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Options of {@link SimFleet.awaitResync}. */
export interface ResyncOptions {
  /** When the server went away (monotonic ms): only streams opened after it count. */
  readonly since: number;
  readonly timeoutMs: number;
}

/** What {@link SimFleet.awaitResync} observed. */
export interface ResyncResult {
  /** Per dataplane back: `since` → synced again, in ms. */
  readonly latencies: number[];
  /** Dataplanes not back before the timeout. */
  readonly missing: number;
  /** Dataplanes back on exactly the versions they held before. */
  readonly sameVersions: number;
  /** Dataplanes back on other versions (the configuration changed, or versions are not stable across restarts). */
  readonly otherVersions: number;
  /** Streams reopened meanwhile (each failed attempt counts). */
  readonly attempts: number;
  /** Statuses of the streams that ended meanwhile, `code: details` → count. */
  readonly endings: Record<string, number>;
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
 * A stream's final status as a counting key: `code: details` without what differs per connection
 * (timestamps, ports, grpc-js' resolution note), so equal causes count together.
 */
function endingKey(status: grpc.StatusObject): string {
  const details = status.details
    .replace(/\. Resolution note:.*$/s, '')
    .replace(/\s*\(\d{4}-\d{2}-\d{2}T[^)]*\)/g, '')
    .replace(/:\d{2,5}\b/g, ':<port>');
  return `${status.code}: ${details}`;
}

/** Type URL → version of every type `dp` has received. */
function versionsOf(dp: SimDataplane): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of dp.progress.values()) if (p.responses > 0) out[p.typeUrl] = p.lastVersion;
  return out;
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
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
  private ending: ((dp: SimDataplane, status: grpc.StatusObject) => void) | undefined;
  private lastArrival = 0;
  private capture = false;
  private options: ConnectOptions | undefined;
  /** With shared channels: the channel being filled and its streams. */
  private shared: grpc.Client | undefined;
  private onShared = 0;
  private closed = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Streams reopened after one ended. */
  private attempts = 0;
  /** Per dataplane name: type URL → version, as {@link recordVersions} saw them. */
  private readonly versions = new Map<string, Record<string, string>>();

  /**
   * Connects every spec and resolves once all are synced (or failed, or timed out). Dataplanes
   * connected by an earlier call stay connected (the worker starts a new fleet when they should not).
   */
  connect(specs: readonly SimSpec[], options: ConnectOptions): Promise<ConnectResult> {
    this.capture = options.capture;
    this.options = options;
    const endings: Record<string, number> = {};
    const startedAt = new Map<SimDataplane, number>();
    const perDataplaneMs: number[] = [];
    let next = 0;
    let inFlight = 0;
    let synced = 0;
    let failed = 0;
    const t0 = monotonicMs();
    let lastSync = t0;
    return new Promise<ConnectResult>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.activity = undefined;
        this.ending = undefined;
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
      this.activity = (d) => {
        if (startedAt.has(d) && d.synced) settle(d, true);
      };
      this.ending = (d, status) => {
        const key = endingKey(status);
        endings[key] = (endings[key] ?? 0) + 1;
        settle(d, false);
      };
      const launch = (): void => {
        while (inFlight < options.concurrency && next < specs.length) {
          const dp = this.openDataplane(specs[next++] as SimSpec);
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

  /**
   * Remembers every dataplane's current version of each type it holds: what {@link awaitResync}
   * compares against after the control plane restarted.
   */
  recordVersions(): { dataplanes: number } {
    this.versions.clear();
    for (const dp of this.dataplanes) this.versions.set(dp.name, versionsOf(dp));
    return { dataplanes: this.versions.size };
  }

  /**
   * After the server went away at `since` (monotonic ms): waits until every dataplane of the fleet
   * is back — a stream opened after `since` (reconnected with the Envoy-like backoff of
   * {@link ConnectOptions.reconnect}) holds a response of every type it subscribes to — and reports
   * when each got there and whether it holds the versions {@link recordVersions} remembered.
   */
  awaitResync(options: ResyncOptions): Promise<ResyncResult> {
    const { since } = options;
    const pending = new Set(this.dataplanes.map((dp) => dp.name));
    const latencies: number[] = [];
    let sameVersions = 0;
    let otherVersions = 0;
    const endings: Record<string, number> = {};
    return new Promise<ResyncResult>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.activity = undefined;
        this.ending = undefined;
        resolve({ latencies, missing: pending.size, sameVersions, otherVersions, attempts: this.attempts - attemptsBefore, endings });
      };
      this.ending = (_dp, status) => {
        const key = endingKey(status);
        endings[key] = (endings[key] ?? 0) + 1;
      };
      const attemptsBefore = this.attempts;
      const check = (dp: SimDataplane): void => {
        if (!pending.has(dp.name) || dp.startedAt < since || !dp.synced) return;
        pending.delete(dp.name);
        latencies.push(monotonicMs() - since);
        const before = this.versions.get(dp.name);
        const now = versionsOf(dp);
        if (before !== undefined && sameRecord(before, now)) sameVersions++;
        else otherVersions++;
        if (pending.size === 0) done();
      };
      const timer = setTimeout(done, options.timeoutMs);
      this.activity = check;
      for (const dp of this.dataplanes) check(dp);
      if (pending.size === 0) done();
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

  /** Ends every stream and closes every channel; no dataplane reconnects after this. */
  close(): void {
    this.closed = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const dp of this.dataplanes) dp.close();
    for (const channel of this.channels) channel.close();
    this.dataplanes.length = 0;
    this.channels.length = 0;
  }

  /** A new (not yet started) simulated dataplane for `spec`, on a channel as the layout says. */
  private openDataplane(spec: SimSpec, attempt = 0): SimDataplane {
    const options = this.options;
    if (!options) throw new Error('open before connect');
    let channel: grpc.Client;
    if (options.channels.mode === 'own') {
      channel = simChannel(options.address, true);
      this.channels.push(channel);
    } else {
      if (!this.shared || this.onShared >= options.channels.streamsPerChannel) {
        this.shared = simChannel(options.address, false);
        this.channels.push(this.shared);
        this.onShared = 0;
      }
      this.onShared++;
      channel = this.shared;
    }
    const dp = simDataplane(options.protocol, {
      channel,
      mesh: spec.mesh,
      name: spec.name,
      ...(spec.token !== undefined ? { token: spec.token } : {}),
      capture: options.capture,
      onActivity: (d) => {
        this.lastArrival = monotonicMs();
        this.activity?.(d);
      },
      onEnd: (d, status) => {
        this.ending?.(d, status);
        if (options.reconnect !== undefined && !this.closed) this.scheduleReconnect(d, spec, channel, attempt, options.reconnect);
      },
    });
    this.dataplanes.push(dp);
    return dp;
  }

  /**
   * Opens a new stream for `spec` after an Envoy-like backoff (jittered exponential: a uniform
   * delay up to `initialMs · 2^attempt`, at most `maxMs`), on a new channel when each dataplane has
   * its own (as Envoy opens a new connection), replacing the ended dataplane.
   */
  private scheduleReconnect(ended: SimDataplane, spec: SimSpec, channel: grpc.Client, attempt: number, backoff: ReconnectBackoff): void {
    const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.closed) return;
      const i = this.dataplanes.indexOf(ended);
      if (i >= 0) this.dataplanes.splice(i, 1);
      if (this.options?.channels.mode === 'own') {
        channel.close();
        const c = this.channels.indexOf(channel);
        if (c >= 0) this.channels.splice(c, 1);
      }
      this.attempts++;
      // A stream that synced resets the backoff, as Envoy's does after a successful connection.
      const dp = this.openDataplane(spec, ended.everSynced ? 0 : attempt + 1);
      dp.start();
    }, Math.random() * ceiling);
    this.retryTimers.add(timer);
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
