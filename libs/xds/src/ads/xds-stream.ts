import { MalformedInputError } from '@mycel/core';
import { PUSH_ORDER } from '../resource-types';
import type { Snapshot, XdsResource } from '../resource-types';
import type { CancelWatch, SnapshotCache } from '../snapshot-cache';
import type { RpcStatus } from './ads-proto';
import { Subscription } from './subscription';

/** A NACK's `error_detail`, normalised. */
export interface NackDetail {
  /** gRPC status code the client put in `error_detail` (0 when it left it unset). */
  readonly code: number;
  readonly message: string;
}

/** What one stream reports, per type URL; the server turns these into callbacks and metrics. */
export interface XdsStreamEvents {
  /** A response left for the client; `version` is its `version_info` / `system_version_info`. */
  response(typeUrl: string, version: string, nonce: string): void;
  /** The client applied the response `nonce` carrying `version`. */
  ack(typeUrl: string, version: string, nonce: string): void;
  /** The client rejected the response `nonce` carrying `version`. */
  nack(typeUrl: string, version: string, nonce: string, detail: NackDetail): void;
}

/** Everything a stream needs besides its transport. */
export interface XdsStreamContext<Res> {
  readonly nodeId: string;
  readonly cache: SnapshotCache;
  readonly events: XdsStreamEvents;
  /** Sends one response on the transport. */
  readonly send: (response: Res) => void;
  /** Called when reacting to a snapshot change failed; the stream is unusable and must be ended. */
  readonly fail: (err: unknown) => void;
}

/** Per-type state shared by both protocol variants. */
export interface TypeState {
  readonly typeUrl: string;
  readonly subscription: Subscription;
  /** At least one request of this type arrived on the stream. */
  requested: boolean;
  /** At least one response of this type was sent on the stream. */
  responded: boolean;
  /** The latest response of this type has not been answered (ACK or NACK) yet. */
  awaiting: boolean;
  /** Nonce of the latest response of this type. */
  lastNonce: string | undefined;
  /** Version of the latest response of this type. */
  lastVersion: string | undefined;
  /** Version of the latest response the client ACKed. */
  ackedVersion: string | undefined;
}

/** The fields of a request the shared logic reads (both variants use the same names). */
interface RequestCommon {
  readonly type_url?: string;
  readonly response_nonce?: string;
  readonly error_detail?: RpcStatus | null;
}

/**
 * Protocol logic common to SotW and delta ADS streams, independent of gRPC.
 *
 * - **One outstanding response per type.** After a response of type T is sent, T is not sent again
 *   until the client answers it (ACK or NACK); snapshot changes in between are coalesced into the
 *   next response. This is the arrangement for which the xDS spec allows ignoring stale nonces, and it
 *   keeps a slow proxy from being flooded with intermediate versions.
 * - **Stale nonces.** A request whose nonce is not the one of the unanswered latest response of its
 *   type is stale: its subscription change is recorded (requests supersede earlier ones, and the delta
 *   spec requires honouring it), but it is neither an ACK/NACK nor answered. The client's answer to
 *   the pending response carries its subscription again and is answered then. When nothing is
 *   pending there is nothing a request can race with, so a request with any nonce is current.
 * - **Push order.** Types are sent in {@link PUSH_ORDER} (then any other type URL, sorted). A type
 *   that has something to send is held back while an earlier type still has an unsent change waiting
 *   for its previous response to be answered, so CDS → EDS → LDS → RDS → SDS holds across coalescing.
 * - **NACK.** The rejected resources count as sent: nothing is re-sent until the snapshot (or the
 *   subscription) changes, so a NACK never loops.
 */
export abstract class XdsStream<Req extends RequestCommon, Res, S extends TypeState, Plan> {
  private nonceCounter = 0;
  private readonly states = new Map<string, S>();
  private ordered: S[] = [];
  private cancelWatch: CancelWatch | undefined;
  private closed = false;

  constructor(protected readonly ctx: XdsStreamContext<Res>) {}

  /** Starts watching the node's snapshot. */
  start(): void {
    if (this.closed || this.cancelWatch) return;
    this.cancelWatch = this.ctx.cache.watch(this.ctx.nodeId, () => {
      try {
        this.flush();
      } catch (err) {
        // The cache must not see stream failures; the owner ends this stream instead.
        this.ctx.fail(err);
      }
    });
  }

  /** Stops watching; later requests and snapshot changes are ignored. Idempotent. */
  close(): void {
    this.closed = true;
    this.cancelWatch?.();
    this.cancelWatch = undefined;
  }

  /** Processes one request. Throws `MalformedInputError` for a request that breaks the protocol. */
  handle(request: Req): void {
    if (this.closed) return;
    const typeUrl = request.type_url ?? '';
    if (typeUrl === '') throw new MalformedInputError('ADS request without type_url');
    const state = this.stateOf(typeUrl);
    const nonce = request.response_nonce ?? '';
    const answersLatest = state.awaiting && nonce === state.lastNonce;
    const stale = state.awaiting && !answersLatest;
    this.applySubscription(state, request, !state.requested);
    state.requested = true;
    if (stale) return;
    if (answersLatest) {
      state.awaiting = false;
      const version = state.lastVersion ?? '';
      const error = request.error_detail;
      if (error) {
        this.ctx.events.nack(typeUrl, version, nonce, { code: error.code ?? 0, message: error.message ?? '' });
      } else {
        state.ackedVersion = version;
        this.ctx.events.ack(typeUrl, version, nonce);
      }
    }
    this.flush();
  }

  /** The state of `typeUrl`, if a request of that type arrived (for tests and diagnostics). */
  typeState(typeUrl: string): Readonly<S> | undefined {
    return this.states.get(typeUrl);
  }

  /** Sends whatever the current snapshot requires, in push order. */
  protected flush(): void {
    if (this.closed) return;
    const snapshot = this.ctx.cache.get(this.ctx.nodeId);
    if (!snapshot) return;
    let blocked = false;
    for (const state of this.ordered) {
      if (!state.requested) continue;
      const plan = this.plan(state, snapshot);
      if (plan === undefined) continue;
      if (state.awaiting || blocked) {
        blocked = true;
        continue;
      }
      const nonce = String(++this.nonceCounter);
      const { response, version } = this.commit(state, plan, nonce);
      state.awaiting = true;
      state.responded = true;
      state.lastNonce = nonce;
      state.lastVersion = version;
      this.ctx.send(response);
      this.ctx.events.response(state.typeUrl, version, nonce);
    }
  }

  /** A fresh per-type state. */
  protected abstract newState(typeUrl: string, subscription: Subscription): S;

  /** Applies the request's subscription change; `first` is true for the first request of the type. */
  protected abstract applySubscription(state: S, request: Req, first: boolean): void;

  /** What to send for `state` given `snapshot`, or undefined when nothing needs sending. */
  protected abstract plan(state: S, snapshot: Snapshot): Plan | undefined;

  /** Records `plan` as sent and builds the response. */
  protected abstract commit(state: S, plan: Plan, nonce: string): { response: Res; version: string };

  private stateOf(typeUrl: string): S {
    let state = this.states.get(typeUrl);
    if (!state) {
      state = this.newState(typeUrl, new Subscription(typeUrl));
      this.states.set(typeUrl, state);
      this.ordered = [...this.states.values()].sort((a, b) => compareTypes(a.typeUrl, b.typeUrl));
    }
    return state;
  }
}

/** The snapshot's resources of `typeUrl`, which may be any type URL a client asked for. */
export function resourcesOf(snapshot: Snapshot, typeUrl: string): ReadonlyMap<string, XdsResource> | undefined {
  const byType: ReadonlyMap<string, ReadonlyMap<string, XdsResource>> = snapshot.resources;
  return byType.get(typeUrl);
}

/** Orders type URLs by {@link PUSH_ORDER}, unknown ones after, alphabetically. */
function compareTypes(a: string, b: string): number {
  const rank = (t: string): number => {
    const i = (PUSH_ORDER as readonly string[]).indexOf(t);
    return i < 0 ? PUSH_ORDER.length : i;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
