import * as grpc from '@grpc/grpc-js';
import { TypeUrl, adsServiceDefinition } from '@mycel/xds';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse } from '@mycel/xds';
import { monotonicMs } from '../support/monotonic-clock';
import { followsOf } from './resource-follow';

// A simulated Envoy: a protocol-correct ADS client (State of the World or delta) that subscribes
// like Envoy does — Cluster and Listener by wildcard, then the ClusterLoadAssignments of its EDS
// clusters and the RouteConfigurations its listeners name — ACKs every response at once (it never
// validates, so it never NACKs) and records when each type's latest response arrived and was ACKed.

/** The two ADS variants. */
export type AdsProtocol = 'sotw' | 'delta';

/** Any response a simulated dataplane can receive. */
export type AnyDiscoveryResponse = DiscoveryResponse | DeltaDiscoveryResponse;

/** Per type URL: what arrived and when (times from {@link SimDataplaneOptions.clock}). */
export interface TypeProgress {
  readonly typeUrl: string;
  /** Responses of this type received. */
  responses: number;
  /** When the latest response arrived; 0 before the first. */
  lastResponseAt: number;
  /** When the ACK of the latest response was written; 0 before the first. */
  lastAckAt: number;
  /** `version_info` (SotW) or `system_version_info` (delta) of the latest response. */
  lastVersion: string;
  lastNonce: string;
  /** When the subscription of this type last changed (its first request included). */
  subscribedAt: number;
  /** True while the subscription names something (or is a wildcard). */
  interested: boolean;
}

/** A response as received, for replaying the same bytes elsewhere. */
export interface CapturedResponse {
  readonly at: number;
  readonly response: AnyDiscoveryResponse;
}

/** Options of a simulated dataplane. */
export interface SimDataplaneOptions {
  /** The channel the stream runs on: its own (what a real proxy has) or one shared with others. */
  readonly channel: grpc.Client;
  readonly mesh: string;
  readonly name: string;
  /** Dataplane token, sent as `authorization: Bearer` call metadata as Envoy does; none for servers that do not check. */
  readonly token?: string;
  /** Monotonic clock in ms; {@link monotonicMs} by default, so times compare across processes. */
  readonly clock?: () => number;
  /** Keep every response received (for the raw fan-out baseline); off by default. */
  readonly capture?: boolean;
  /** Called after each response was handled (ACK and any subscription change written). */
  readonly onActivity?: (dp: SimDataplane) => void;
  /** Called once when the stream ends, with its status. */
  readonly onEnd?: (dp: SimDataplane, status: grpc.StatusObject) => void;
}

/** Subscription order of an Envoy: clusters (then their endpoints), listeners (then their routes). */
const FOLLOWED: ReadonlyMap<string, string> = new Map([
  [TypeUrl.cluster, TypeUrl.endpoint],
  [TypeUrl.listener, TypeUrl.route],
]);

/** One simulated dataplane: one ADS stream. Start with {@link start}, end with {@link close}. */
export abstract class SimDataplane {
  /** Dataplane name. */
  readonly name: string;
  /** `<mesh>.<name>`. */
  readonly nodeId: string;
  /** Progress per type URL, for the four types an Envoy uses. */
  readonly progress = new Map<string, TypeProgress>();
  /** Responses received, when capturing. */
  readonly captured: CapturedResponse[] = [];
  /** The stream's final status, once it ended. */
  ended: grpc.StatusObject | undefined;
  /** When {@link start} opened the stream (clock ms); 0 before. */
  startedAt = 0;
  /** True once the dataplane was {@link synced} at least once. */
  everSynced = false;
  protected readonly clock: () => number;
  /** Names followed per type (ClusterLoadAssignments, RouteConfigurations), sorted. */
  protected readonly followed = new Map<string, readonly string[]>();
  private call: grpc.ClientDuplexStream<unknown, AnyDiscoveryResponse> | undefined;
  private sentNode = false;

  protected constructor(
    protected readonly options: SimDataplaneOptions,
    private readonly method: 'StreamAggregatedResources' | 'DeltaAggregatedResources',
  ) {
    this.name = options.name;
    this.nodeId = `${options.mesh}.${options.name}`;
    this.clock = options.clock ?? monotonicMs;
    for (const typeUrl of [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.listener, TypeUrl.route]) {
      this.progress.set(typeUrl, { typeUrl, responses: 0, lastResponseAt: 0, lastAckAt: 0, lastVersion: '', lastNonce: '', subscribedAt: 0, interested: false });
    }
  }

  /** Opens the stream and sends the wildcard Cluster and Listener requests. */
  start(): void {
    if (this.call) throw new Error(`${this.nodeId}: already started`);
    this.startedAt = this.clock();
    const definition = adsServiceDefinition()[this.method];
    if (!definition) throw new Error(`ADS method ${this.method} missing`);
    const metadata = new grpc.Metadata();
    if (this.options.token !== undefined) metadata.set('authorization', `Bearer ${this.options.token}`);
    const call = this.options.channel.makeBidiStreamRequest<unknown, AnyDiscoveryResponse>(
      definition.path,
      definition.requestSerialize as (req: unknown) => Buffer,
      definition.responseDeserialize as (bytes: Buffer) => AnyDiscoveryResponse,
      metadata,
    );
    this.call = call;
    call.on('data', (response: AnyDiscoveryResponse) => this.receive(response));
    // The final status arrives on 'status'; without an 'error' listener an error status would throw.
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => {
      this.ended ??= status;
      this.options.onEnd?.(this, status);
    });
    for (const typeUrl of FOLLOWED.keys()) {
      this.markSubscribed(typeUrl, true);
      this.subscribeWildcard(typeUrl);
    }
  }

  /** Cancels the stream (the channel is its owner's to close). */
  close(): void {
    this.call?.cancel();
  }

  /**
   * True once every type the dataplane is interested in has received a response after its latest
   * subscription change, and the stream is alive: the dataplane has its whole configuration.
   */
  get synced(): boolean {
    if (this.ended) return false;
    for (const p of this.progress.values()) {
      if (p.interested && (p.responses === 0 || p.lastResponseAt < p.subscribedAt)) return false;
    }
    return true;
  }

  /** Writes one request, with the node on the first one only (as Envoy's `set_node_on_first_message_only`). */
  protected write(request: DiscoveryRequest | DeltaDiscoveryRequest): void {
    if (!this.call || this.ended) return;
    if (!this.sentNode) {
      this.sentNode = true;
      request = { ...request, node: this.node() };
    }
    this.call.write(request);
  }

  /** Sends the first request of a wildcard type. */
  protected abstract subscribeWildcard(typeUrl: string): void;
  /** Handles one response: ACK it, then change the followed type's subscription when it must. */
  protected abstract handle(response: AnyDiscoveryResponse, progress: TypeProgress): void;

  /** Records a changed subscription of `typeUrl`. */
  protected markSubscribed(typeUrl: string, interested: boolean): void {
    const p = this.progress.get(typeUrl);
    if (!p) return;
    p.subscribedAt = this.clock();
    p.interested = interested;
  }

  /** Records that the ACK of the latest response of `typeUrl` was written. */
  protected markAcked(progress: TypeProgress): void {
    progress.lastAckAt = this.clock();
  }

  /** The type a response of `typeUrl` makes the dataplane follow, if any. */
  protected followedType(typeUrl: string): string | undefined {
    return FOLLOWED.get(typeUrl);
  }

  private receive(response: AnyDiscoveryResponse): void {
    const at = this.clock();
    if (this.options.capture) this.captured.push({ at, response });
    let progress = this.progress.get(response.type_url);
    if (!progress) {
      progress = { typeUrl: response.type_url, responses: 0, lastResponseAt: 0, lastAckAt: 0, lastVersion: '', lastNonce: '', subscribedAt: 0, interested: false };
      this.progress.set(response.type_url, progress);
    }
    progress.responses++;
    progress.lastResponseAt = at;
    progress.lastNonce = response.nonce;
    progress.lastVersion = 'version_info' in response ? response.version_info : response.system_version_info;
    this.handle(response, progress);
    if (!this.everSynced && this.synced) this.everSynced = true;
    this.options.onActivity?.(this);
  }

  private node(): Record<string, unknown> {
    const str = (value: string) => ({ string_value: value });
    return {
      id: this.nodeId,
      user_agent_name: 'envoy',
      locality: {},
      metadata: {
        fields: {
          'mycel.io/mesh': str(this.options.mesh),
          'mycel.io/name': str(this.options.name),
          'mycel.io/proxy-kind': str('envoy'),
        },
      },
    };
  }
}

/** A State-of-the-World simulated Envoy (`StreamAggregatedResources`). */
export class SotwSimDataplane extends SimDataplane {
  constructor(options: SimDataplaneOptions) {
    super(options, 'StreamAggregatedResources');
  }

  protected subscribeWildcard(typeUrl: string): void {
    this.write({ type_url: typeUrl, resource_names: [], version_info: '', response_nonce: '' });
  }

  protected handle(response: AnyDiscoveryResponse, progress: TypeProgress): void {
    const res = response as DiscoveryResponse;
    const typeUrl = res.type_url;
    const followedType = this.followedType(typeUrl);
    // SotW responses of Cluster and Listener are the complete set: what they name is the new subscription.
    const follows = followedType === undefined ? undefined : sortedUnion(res.resources.map((any) => followsOf(any).names));
    this.write({ type_url: typeUrl, resource_names: this.followed.get(typeUrl) ?? [], version_info: res.version_info, response_nonce: res.nonce });
    this.markAcked(progress);
    if (followedType !== undefined && follows !== undefined && !sameNames(follows, this.followed.get(followedType) ?? [])) {
      this.followed.set(followedType, follows);
      const p = this.progress.get(followedType);
      this.markSubscribed(followedType, follows.length > 0);
      this.write({ type_url: followedType, resource_names: follows, version_info: p?.lastVersion ?? '', response_nonce: p?.lastNonce ?? '' });
    }
  }
}

/** An incremental simulated Envoy (`DeltaAggregatedResources`). */
export class DeltaSimDataplane extends SimDataplane {
  /** Per wildcard type: resource name → the names it makes the dataplane follow. */
  private readonly held = new Map<string, Map<string, readonly string[]>>();

  constructor(options: SimDataplaneOptions) {
    super(options, 'DeltaAggregatedResources');
  }

  protected subscribeWildcard(typeUrl: string): void {
    this.write({ type_url: typeUrl, resource_names_subscribe: [], resource_names_unsubscribe: [], initial_resource_versions: {}, response_nonce: '' });
  }

  protected handle(response: AnyDiscoveryResponse, progress: TypeProgress): void {
    const res = response as DeltaDiscoveryResponse;
    const typeUrl = res.type_url;
    const followedType = this.followedType(typeUrl);
    let follows: string[] | undefined;
    if (followedType !== undefined) {
      let held = this.held.get(typeUrl);
      if (!held) this.held.set(typeUrl, (held = new Map()));
      for (const r of res.resources) if (r.resource) held.set(r.name, followsOf(r.resource).names);
      for (const name of res.removed_resources) held.delete(name);
      follows = sortedUnion([...held.values()]);
    }
    this.write({ type_url: typeUrl, response_nonce: res.nonce, resource_names_subscribe: [], resource_names_unsubscribe: [], initial_resource_versions: {} });
    this.markAcked(progress);
    if (followedType !== undefined && follows !== undefined) {
      const before = this.followed.get(followedType) ?? [];
      if (!sameNames(follows, before)) {
        const now = new Set(follows);
        const was = new Set(before);
        this.followed.set(followedType, follows);
        this.markSubscribed(followedType, follows.length > 0);
        this.write({
          type_url: followedType,
          resource_names_subscribe: follows.filter((n) => !was.has(n)),
          resource_names_unsubscribe: before.filter((n) => !now.has(n)),
          initial_resource_versions: {},
          response_nonce: '',
        });
      }
    }
  }
}

/** A simulated dataplane of `protocol`. */
export function simDataplane(protocol: AdsProtocol, options: SimDataplaneOptions): SimDataplane {
  return protocol === 'delta' ? new DeltaSimDataplane(options) : new SotwSimDataplane(options);
}

/**
 * A channel to `address` for simulated dataplanes. `own: true` gives it its own subchannel pool,
 * hence its own HTTP/2 connection, as every real proxy has; otherwise grpc-js shares one
 * connection among channels to the same address.
 */
export function simChannel(address: string, own: boolean): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure(), {
    ...(own ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
    // Responses of a large mesh exceed the 4 MiB default in SotW.
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
}

function sortedUnion(lists: Iterable<readonly string[]>): string[] {
  const all = new Set<string>();
  for (const list of lists) for (const name of list) all.add(name);
  return [...all].sort();
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
