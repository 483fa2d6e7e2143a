import { createCoreRegistry } from '@mycel/core';
import type { DataplaneSpec, ResourceInput } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { AdsServer, SnapshotCache } from '@mycel/xds';
import {
  DataplaneTokenIssuer,
  DataplaneTokenRevocations,
  DataplaneTokenValidator,
  DpServer,
  MeshKeyReconciler,
  MeshSigningKeys,
  createAdsAuthorizer,
  createBootstrapHandler,
} from '@mycel/zone';
import { AdsEventLog, shortType } from './support/ads-client';
import { ApiClient } from './support/http';

// The dataplane side of a zone control plane wired as zone-cp wires it, in process: a MemoryStore,
// mesh signing keys (kept by the MeshKeyReconciler), dataplane tokens, and one DpServer on a random
// loopback port serving POST /bootstrap and ADS (AdsServer + SnapshotCache + the token authorizer).

/** The zone name the harness runs as. */
export const ZONE = 'zone-1';
const HOUR = 3_600_000;

/** A running dataplane port and what it is wired to. */
export interface DpHarness {
  readonly store: MemoryStore;
  readonly keys: MeshSigningKeys;
  readonly issuer: DataplaneTokenIssuer;
  readonly revocations: DataplaneTokenRevocations;
  readonly cache: SnapshotCache;
  readonly ads: AdsServer;
  readonly dp: DpServer;
  /** ADS callbacks as lines: `connect <node> <stream>`, `ack <node> <Type> <version> <nonce>` … */
  readonly events: AdsEventLog;
  /** `127.0.0.1:<port>` of the dataplane port (gRPC target). */
  readonly address: string;
  /** An HTTP client of the dataplane port (no API token). */
  readonly http: ApiClient;
  /** A dataplane token of mesh `default` bound to `name`, valid for an hour. */
  tokenFor(name: string, mesh?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the harness with meshes `default` and `other`. */
export async function startDpHarness(): Promise<DpHarness> {
  const store = new MemoryStore();
  const keys = new MeshSigningKeys({ store });
  const reconciler = new MeshKeyReconciler({ store, keys });
  await reconciler.start();
  for (const name of ['default', 'other']) await store.create({ type: 'Mesh', name, labels: {}, spec: {} });
  const revocations = new DataplaneTokenRevocations({ store });
  const validator = new DataplaneTokenValidator({ keys, revocations, now: () => new Date() });
  const issuer = new DataplaneTokenIssuer({ keys, now: () => new Date() });
  const cache = new SnapshotCache();
  const events = new AdsEventLog();
  const ads = new AdsServer({
    cache,
    authorize: createAdsAuthorizer({ store, validator }),
    callbacks: {
      onConnect: (node, stream) => events.add(`connect ${node} ${stream}`),
      onDisconnect: (node, stream) => events.add(`disconnect ${node} ${stream}`),
      onAck: (node, typeUrl, version, ctx) => events.add(`ack ${node} ${shortType(typeUrl)} ${version} ${ctx.nonce}`),
      onNack: (node, typeUrl, version, detail, ctx) => events.add(`nack ${node} ${shortType(typeUrl)} ${version} ${ctx.nonce} ${detail.message}`),
    },
  });
  // The advertised port is asked per request: it is known only once the server has bound port 0.
  const bootstrap = createBootstrapHandler({ store, registry: createCoreRegistry(), tokens: validator, advertisedAddress: '127.0.0.1', advertisedPort: () => dp.port, zone: ZONE });
  const dp: DpServer = new DpServer({ bootstrap, shutdownGraceMs: 1000 });
  ads.register(dp.grpcServer);
  await dp.start({ address: '127.0.0.1', port: 0 });
  const address = `127.0.0.1:${dp.port}`;
  return {
    store,
    keys,
    issuer,
    revocations,
    cache,
    ads,
    dp,
    events,
    address,
    http: new ApiClient(`http://${address}`, null),
    tokenFor: (name, mesh = 'default') => issuer.issue({ mesh, name, validForMs: HOUR }),
    stop: async () => {
      ads.close();
      await dp.stop();
      await reconciler.stop();
      await store.close();
    },
  };
}

/** A Dataplane envelope as an agent sends it for self-registration. */
export function dataplaneEnvelope(name: string, spec: DataplaneSpec, mesh = 'default'): ResourceInput<DataplaneSpec> {
  return { type: 'Dataplane', mesh, name, labels: {}, spec };
}

/** A spec with one inbound on 127.0.0.1:`port` tagged with `service` (protocol grpc). */
export function grpcServiceSpec(service: string, port: number, outbounds: readonly string[] = []): DataplaneSpec {
  return {
    networking: {
      address: '127.0.0.1',
      inbound: [{ port, tags: { 'mycel.io/service': service, 'mycel.io/protocol': 'grpc' } }],
      ...(outbounds.length > 0 ? { outbound: outbounds.map((s, i) => ({ port: 10_001 + i, tags: { 'mycel.io/service': s } })) } : {}),
    },
  };
}

/** The `jti` of a compact token. */
export function jtiOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as { jti: string }).jti;
}
