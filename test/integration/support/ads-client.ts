import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { AdsServer, SnapshotCache, TypeUrl, adsServiceDefinition } from '@mycel/xds';
import type {
  AdsServerOptions,
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
  EncodedAny,
  RpcStatus,
  Snapshot,
  XdsResource,
  XdsTypeUrl,
} from '@mycel/xds';

// A raw ADS test client over real gRPC (SotW and delta), an in-process ADS server to test against,
// and hand-built encoded Envoy resources. Tests drive the protocol message by message.

/** How long `next()` waits before failing the test: a guard against hangs, never a timing assertion. */
const DEFAULT_WAIT_MS = 10_000;

/** Responses of a stream in arrival order, awaited one by one. */
class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: { resolve: (item: T) => void; reject: (err: Error) => void }[] = [];
  private endedWith: Error | undefined;

  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.items.push(item);
  }

  end(err: Error): void {
    this.endedWith ??= err;
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
  }

  next(what: string, timeoutMs: number): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.endedWith) return Promise.reject(this.endedWith);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: (v: T) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Responses received but not taken yet. */
  get buffered(): number {
    return this.items.length;
  }
}

/** Options of {@link connectSotw} / {@link connectDelta}. */
export interface AdsClientOptions {
  /** Call metadata, e.g. `{ authorization: 'Bearer …' }`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** One ADS stream; the first request sent carries `node.id` unless the request sets `node` itself. */
abstract class AdsTestStream<Req extends { node?: unknown }, Res> {
  /** Resolves with the stream's final status (also for errors). */
  readonly status: Promise<grpc.StatusObject>;
  private readonly inbox = new Inbox<Res>();
  private readonly call: grpc.ClientDuplexStream<Req, Res>;
  private sentFirst = false;

  protected constructor(
    private readonly client: grpc.Client,
    method: string,
    readonly nodeId: string,
    options: AdsClientOptions,
  ) {
    const definition = adsServiceDefinition()[method];
    if (!definition) throw new Error(`ADS method ${method} missing`);
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
    this.call = client.makeBidiStreamRequest<Req, Res>(
      definition.path,
      definition.requestSerialize as (req: Req) => Buffer,
      definition.responseDeserialize as (bytes: Buffer) => Res,
      metadata,
    );
    this.status = new Promise((resolve) => this.call.on('status', resolve));
    this.call.on('data', (res: Res) => this.inbox.push(res));
    // The status (including errors) is reported through `status`; without a listener 'error' would throw.
    this.call.on('error', () => undefined);
    void this.status.then((s) => this.inbox.end(new Error(`stream ended: ${grpc.status[s.code]} ${s.details}`)));
  }

  /** Sends `request` as is (plus `node` on the first one). */
  send(request: Req): void {
    const withNode = this.sentFirst || request.node !== undefined ? request : { ...request, node: { id: this.nodeId } };
    this.sentFirst = true;
    this.call.write(withNode);
  }

  /** The next response; rejects if the stream ends first (with its status) or none arrives in `timeoutMs`. */
  next(timeoutMs = DEFAULT_WAIT_MS): Promise<Res> {
    return this.inbox.next('ADS response', timeoutMs);
  }

  /** Responses received and not yet taken with `next()`. */
  get buffered(): number {
    return this.inbox.buffered;
  }

  /** Half-closes the stream (the server ends it with OK). */
  end(): void {
    this.call.end();
  }

  /** Cancels the stream and closes the channel. */
  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** Options of one SotW request. */
export interface SotwRequestOptions {
  readonly version?: string;
  readonly nonce?: string;
  readonly error?: RpcStatus;
  readonly node?: DiscoveryRequest['node'];
}

/** A State-of-the-World ADS stream. */
export class SotwTestStream extends AdsTestStream<DiscoveryRequest, DiscoveryResponse> {
  constructor(address: string, nodeId: string, options: AdsClientOptions = {}) {
    super(new grpc.Client(address, grpc.credentials.createInsecure()), 'StreamAggregatedResources', nodeId, options);
  }

  /** Sends a request for `typeUrl` subscribing `names` (empty: wildcard for LDS/CDS on a fresh type). */
  request(typeUrl: string, names: readonly string[] = [], options: SotwRequestOptions = {}): void {
    this.send({
      type_url: typeUrl,
      resource_names: names,
      version_info: options.version ?? '',
      response_nonce: options.nonce ?? '',
      ...(options.error ? { error_detail: options.error } : {}),
      ...(options.node !== undefined ? { node: options.node } : {}),
    });
  }

  /** ACKs `response`, keeping the subscription `names`. */
  ack(response: DiscoveryResponse, names: readonly string[] = []): void {
    this.request(response.type_url, names, { version: response.version_info, nonce: response.nonce });
  }

  /** NACKs `response`, reporting `lastGood` as the applied version. */
  nack(response: DiscoveryResponse, lastGood: string, message: string, names: readonly string[] = []): void {
    this.request(response.type_url, names, { version: lastGood, nonce: response.nonce, error: { code: grpc.status.INVALID_ARGUMENT, message } });
  }
}

/** Options of one delta request. */
export interface DeltaRequestOptions {
  readonly subscribe?: readonly string[];
  readonly unsubscribe?: readonly string[];
  readonly initialVersions?: Readonly<Record<string, string>>;
  readonly nonce?: string;
  readonly error?: RpcStatus;
}

/** An incremental (delta) ADS stream. */
export class DeltaTestStream extends AdsTestStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  constructor(address: string, nodeId: string, options: AdsClientOptions = {}) {
    super(new grpc.Client(address, grpc.credentials.createInsecure()), 'DeltaAggregatedResources', nodeId, options);
  }

  /** Sends a delta request for `typeUrl`. */
  request(typeUrl: string, options: DeltaRequestOptions = {}): void {
    this.send({
      type_url: typeUrl,
      resource_names_subscribe: options.subscribe ?? [],
      resource_names_unsubscribe: options.unsubscribe ?? [],
      initial_resource_versions: options.initialVersions ?? {},
      response_nonce: options.nonce ?? '',
      ...(options.error ? { error_detail: options.error } : {}),
    });
  }

  /** ACKs `response` (optionally changing the subscription in the same request). */
  ack(response: DeltaDiscoveryResponse, options: Omit<DeltaRequestOptions, 'nonce' | 'error'> = {}): void {
    this.request(response.type_url, { ...options, nonce: response.nonce });
  }

  /** NACKs `response`. */
  nack(response: DeltaDiscoveryResponse, message: string): void {
    this.request(response.type_url, { nonce: response.nonce, error: { code: grpc.status.INVALID_ARGUMENT, message } });
  }
}

/** What the test server's callbacks saw, as strings such as `ack node-1 Cluster <version>`. */
export class AdsEventLog {
  readonly lines: string[] = [];
  private readonly waiters = new Set<() => void>();

  add(line: string): void {
    this.lines.push(line);
    for (const w of this.waiters) w();
  }

  /** Resolves once a line matching `pattern` was recorded (counting earlier ones). */
  waitFor(pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const line = this.lines.find((l) => pattern.test(l));
        if (line === undefined) return false;
        cleanup();
        resolve(line);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no event matching ${pattern} within ${timeoutMs} ms; saw:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => void check();
      this.waiters.add(waiter);
      check();
    });
  }
}

/** A gRPC server with an {@link AdsServer} on a random loopback port. */
export interface TestAdsServer {
  readonly address: string;
  readonly cache: SnapshotCache;
  readonly ads: AdsServer;
  readonly events: AdsEventLog;
  /** Ends every ADS stream and shuts the gRPC server down. */
  stop(): Promise<void>;
}

/** Short type name of a type URL (`Cluster`, `ClusterLoadAssignment` …). */
export function shortType(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

/**
 * Starts a gRPC server on 127.0.0.1 (random port) serving ADS from a fresh cache. Callbacks are
 * recorded in `events`: `connect <node> <stream>`, `disconnect <node> <stream>`,
 * `ack <node> <Type> <version> <nonce>`, `nack <node> <Type> <version> <nonce> <message>`.
 */
export async function startTestAdsServer(options: Omit<AdsServerOptions, 'cache' | 'callbacks'> = {}): Promise<TestAdsServer> {
  const cache = new SnapshotCache();
  const events = new AdsEventLog();
  const ads = new AdsServer({
    ...options,
    cache,
    callbacks: {
      onConnect: (node, stream) => events.add(`connect ${node} ${stream}`),
      onDisconnect: (node, stream) => events.add(`disconnect ${node} ${stream}`),
      onAck: (node, typeUrl, version, ctx) => events.add(`ack ${node} ${shortType(typeUrl)} ${version} ${ctx.nonce}`),
      onNack: (node, typeUrl, version, detail, ctx) => events.add(`nack ${node} ${shortType(typeUrl)} ${version} ${ctx.nonce} ${detail.message}`),
    },
  });
  const server = new grpc.Server();
  ads.register(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    cache,
    ads,
    events,
    stop: async () => {
      ads.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

// ---- Encoded Envoy resources ------------------------------------------------------------------

const TYPE_NAMES: Readonly<Record<XdsTypeUrl, { readonly message: string; readonly nameField: string }>> = {
  [TypeUrl.cluster]: { message: 'envoy.config.cluster.v3.Cluster', nameField: 'name' },
  [TypeUrl.endpoint]: { message: 'envoy.config.endpoint.v3.ClusterLoadAssignment', nameField: 'cluster_name' },
  [TypeUrl.listener]: { message: 'envoy.config.listener.v3.Listener', nameField: 'name' },
  [TypeUrl.route]: { message: 'envoy.config.route.v3.RouteConfiguration', nameField: 'name' },
  [TypeUrl.secret]: { message: 'envoy.extensions.transport_sockets.tls.v3.Secret', nameField: 'name' },
};

let envoyRoot: protobuf.Root | undefined;

/** A protobufjs root with the Envoy messages tests build, loaded once from `@grpc/grpc-js-xds`'s protos. */
export function envoyProtos(): protobuf.Root {
  if (envoyRoot) return envoyRoot;
  const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const includes = [...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(deps, d)), dirname(require.resolve('protobufjs/package.json'))];
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => includes.map((dir) => join(dir, target)).find((p) => existsSync(p)) ?? protobuf.util.path.resolve(origin, target);
  root.loadSync(
    [
      'envoy/config/cluster/v3/cluster.proto',
      'envoy/config/endpoint/v3/endpoint.proto',
      'envoy/config/listener/v3/listener.proto',
      'envoy/config/route/v3/route.proto',
      'envoy/extensions/transport_sockets/tls/v3/secret.proto',
      'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
      'envoy/extensions/filters/http/router/v3/router.proto',
    ],
    { keepCase: true },
  );
  root.resolveAll();
  envoyRoot = root;
  return root;
}

/**
 * Encodes `fields` as the Envoy message `messageName` into an Any. Throws on a top-level field the
 * message does not have (protobufjs would drop it silently).
 */
export function encodeAny(messageName: string, fields: Record<string, unknown>): EncodedAny {
  const type = envoyProtos().lookupType(messageName);
  for (const key of Object.keys(fields)) {
    if (!type.fields[key]) throw new Error(`${messageName} has no field ${key}`);
  }
  return { type_url: `type.googleapis.com/${messageName}`, value: Buffer.from(type.encode(type.fromObject(fields)).finish()) };
}

/** An encoded xDS resource named `name` (plus `fields`), versioned by a hash of its bytes. */
export function xdsResource(typeUrl: XdsTypeUrl, name: string, fields: Record<string, unknown> = {}): XdsResource {
  const { message, nameField } = TYPE_NAMES[typeUrl];
  const any = encodeAny(message, { ...fields, [nameField]: name });
  return { typeUrl, name, version: createHash('sha256').update(any.value).digest('hex').slice(0, 16), any };
}

/** The resource name inside an encoded Any of one of our type URLs. */
export function resourceName(any: EncodedAny): string {
  const spec = TYPE_NAMES[any.type_url as XdsTypeUrl];
  if (!spec) throw new Error(`unexpected type ${any.type_url}`);
  const decoded = envoyProtos().lookupType(spec.message).decode(any.value) as unknown as Record<string, unknown>;
  return String(decoded[spec.nameField] ?? '');
}

/** A snapshot of the given resources. */
export function snapshot(...resources: XdsResource[]): Snapshot {
  const byType = new Map<XdsTypeUrl, Map<string, XdsResource>>();
  for (const r of resources) {
    let map = byType.get(r.typeUrl);
    if (!map) byType.set(r.typeUrl, (map = new Map()));
    map.set(r.name, r);
  }
  return { resources: byType };
}
