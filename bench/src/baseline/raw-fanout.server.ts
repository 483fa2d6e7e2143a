import * as grpc from '@grpc/grpc-js';
import { PUSH_ORDER, adsServiceDefinition } from '@mycel/xds';
import type { AdsNode, EncodedAny } from '@mycel/xds';
import type { ReplayChunk, ReplayResponse } from '../sim/replay';

// The limit baseline of a fan-out: a minimal ADS server on raw grpc-js that knows nothing but the
// responses the control plane sent to each dataplane (captured by the simulated dataplanes) and
// writes the same bytes again — no store, no generation, no snapshot diff, no authorization, no
// insights. What it takes to push them to every stream and get every ACK back is the floor any
// control plane written on grpc-js in one Node process can reach.

type Message = Record<string, unknown>;

interface NodeResponses {
  /** Per type URL, the responses that answer its first request. */
  readonly initial: Map<string, Message[]>;
  /** Per round slot, the responses a push of that slot writes (push order). */
  readonly rounds: Map<string, Message[]>;
}

interface StreamState {
  readonly call: grpc.ServerDuplexStream<Message, Message>;
  readonly node: NodeResponses;
  readonly requested: Set<string>;
  /** Nonces written and not answered yet. */
  readonly outstanding: Set<string>;
  nonce: number;
}

/** A push in progress: resolves once every response it wrote was answered. */
interface PushWaiter {
  remaining: number;
  readonly nonces: Set<string>;
  readonly resolve: () => void;
}

/** What a push did, in monotonic ms (`process.hrtime`) like the simulated dataplanes' clocks. */
export interface PushResult {
  readonly streams: number;
  readonly responses: number;
  readonly bytes: number;
  readonly startedAt: number;
  /** Every response handed to grpc-js. */
  readonly writtenAt: number;
  /** The last ACK arrived. */
  readonly ackedAt: number;
}

/** The raw replaying ADS server (State of the World and delta). */
export class RawFanoutServer {
  private readonly nodes = new Map<string, NodeResponses>();
  private readonly streams = new Set<StreamState>();
  private readonly server = new grpc.Server({ 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  private waiter: PushWaiter | undefined;
  private pushed: PushWaiter | undefined;
  private port = 0;

  /** Adds the dataplanes of one captured chunk (their encoded resources are shared, as in the control plane). */
  load(chunk: ReplayChunk): void {
    const anys: EncodedAny[] = chunk.blobs.map((b) => ({ type_url: b.type_url, value: Buffer.from(b.value) }));
    for (const node of chunk.nodes) {
      const initial = new Map<string, Message[]>();
      for (const r of node.initial) {
        let list = initial.get(r.typeUrl);
        if (!list) initial.set(r.typeUrl, (list = []));
        list.push(toMessage(r, anys));
      }
      const rounds = new Map<string, Message[]>();
      for (const [slot, responses] of Object.entries(node.rounds)) rounds.set(slot, sortByPushOrder(responses).map((r) => toMessage(r, anys)));
      this.nodes.set(node.name, { initial, rounds });
    }
  }

  /** Starts serving on 127.0.0.1:`port` (a free port by default); resolves with the port. */
  async start(port = 0): Promise<number> {
    const definition = adsServiceDefinition();
    this.server.addService(definition, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<Message, Message>) => this.accept(call),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<Message, Message>) => this.accept(call),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    return this.port;
  }

  /** Open streams. */
  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * Writes the responses of `slot` to every stream whose dataplane has them, each with a fresh
   * nonce, and resolves once every one of them was ACKed.
   */
  push(slot: string, now: () => number): Promise<PushResult> {
    const startedAt = now();
    const nonces = new Set<string>();
    let responses = 0;
    let bytes = 0;
    let streams = 0;
    for (const stream of this.streams) {
      const list = stream.node.rounds.get(slot);
      if (!list || list.length === 0) continue;
      streams++;
      for (const template of list) {
        const nonce = `${++stream.nonce}`;
        stream.outstanding.add(nonce);
        nonces.add(`${streamKey(stream)}/${nonce}`);
        stream.call.write({ ...template, nonce });
        responses++;
        bytes += sizeOf(template);
      }
    }
    const writtenAt = now();
    return new Promise<PushResult>((resolve) => {
      const waiter: PushWaiter = { remaining: nonces.size, nonces, resolve: () => resolve({ streams, responses, bytes, startedAt, writtenAt, ackedAt: now() }) };
      this.pushed = waiter;
      if (waiter.remaining === 0) waiter.resolve();
    });
  }

  /** Ends every stream and stops the server. */
  async stop(): Promise<void> {
    for (const stream of this.streams) stream.call.end();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private accept(call: grpc.ServerDuplexStream<Message, Message>): void {
    let state: StreamState | undefined;
    call.on('data', (request: Message) => {
      if (!state) {
        const id = String((request['node'] as AdsNode | undefined)?.id ?? '');
        const node = this.nodes.get(id.slice(id.indexOf('.') + 1));
        if (!node) {
          call.emit('error', { code: grpc.status.NOT_FOUND, details: `no replay for node ${id}` });
          return;
        }
        state = { call, node, requested: new Set(), outstanding: new Set(), nonce: 0 };
        this.streams.add(state);
      }
      this.handle(state, request);
    });
    const release = (): void => {
      if (state) this.streams.delete(state);
    };
    call.on('end', () => {
      release();
      call.end();
    });
    call.on('cancelled', release);
    call.on('error', release);
  }

  private handle(state: StreamState, request: Message): void {
    const typeUrl = String(request['type_url'] ?? '');
    const nonce = String(request['response_nonce'] ?? '');
    if (nonce !== '' && state.outstanding.delete(nonce)) {
      const pushed = this.pushed;
      if (pushed && pushed.nonces.delete(`${streamKey(state)}/${nonce}`)) {
        pushed.remaining--;
        if (pushed.remaining === 0) pushed.resolve();
      }
    }
    if (state.requested.has(typeUrl)) return;
    state.requested.add(typeUrl);
    for (const template of state.node.initial.get(typeUrl) ?? []) {
      const n = `${++state.nonce}`;
      state.outstanding.add(n);
      state.call.write({ ...template, nonce: n });
    }
  }
}

const keys = new WeakMap<StreamState, number>();
let nextKey = 0;

function streamKey(state: StreamState): number {
  let key = keys.get(state);
  if (key === undefined) keys.set(state, (key = ++nextKey));
  return key;
}

function toMessage(r: ReplayResponse, anys: readonly EncodedAny[]): Message {
  const any = (i: number): EncodedAny => {
    const found = anys[i];
    if (!found) throw new Error(`replay references missing resource ${i}`);
    return found;
  };
  if (r.protocol === 'sotw') return { version_info: r.version, type_url: r.typeUrl, resources: r.resources.map(any) };
  return {
    system_version_info: r.version,
    type_url: r.typeUrl,
    resources: r.resources.map((x) => ({ name: x.name, version: x.version, resource: any(x.blob) })),
    removed_resources: r.removed,
  };
}

function sortByPushOrder(responses: readonly ReplayResponse[]): ReplayResponse[] {
  const rank = (t: string): number => {
    const i = (PUSH_ORDER as readonly string[]).indexOf(t);
    return i < 0 ? PUSH_ORDER.length : i;
  };
  return [...responses].sort((a, b) => rank(a.typeUrl) - rank(b.typeUrl));
}

function sizeOf(message: Message): number {
  const resources = (message['resources'] as Array<EncodedAny | { resource: EncodedAny }> | undefined) ?? [];
  return resources.reduce((sum, r) => sum + ('value' in r ? r.value.length : r.resource.value.length), 0);
}
