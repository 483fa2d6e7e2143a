import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { DataplaneInsightSpec } from '@mycel/core';
import { freePort } from '@mycel/testing';
import { versionInfo } from '@mycel/xds';
import type { DataplaneConfigView } from '@mycel/zone';
import { ApiClient } from './http';
import { serviceMain, startNode } from './process';
import type { RunningProcess } from './process';

/** Deadline of every RPC and HTTP call of the zone xDS tests. */
export const RPC_DEADLINE_MS = 5_000;
/** Longest a zone xDS test waits for a condition to hold. */
export const WAIT_MS = 30_000;
const ECHO_PATH = '/mycel.test.Echo/Echo';
const raw = (b: Buffer): Buffer => b;

/** A gRPC echo server of the tests. */
export interface EchoBackend {
  readonly id: string;
  readonly port: number;
  readonly server: grpc.Server;
}

/** Call metadata an echo backend started with `honourDelay` reads: milliseconds to wait before answering. */
export const DELAY_METADATA = 'x-delay-ms';

/** Options of {@link startEchoBackend}. */
export interface EchoBackendOptions {
  /** Wait the number of milliseconds in the call's {@link DELAY_METADATA} metadata before answering (a slow backend on demand). */
  readonly honourDelay?: boolean;
}

/** A gRPC server on a random loopback port answering the echo method with its own `id`. */
export async function startEchoBackend(id: string, options: EchoBackendOptions = {}): Promise<EchoBackend> {
  const server = new grpc.Server();
  const answer = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void => {
    const delay = options.honourDelay ? Number(call.metadata.get(DELAY_METADATA)[0] ?? 0) : 0;
    if (!(delay > 0)) {
      callback(null, Buffer.from(id));
      return;
    }
    const timer = setTimeout(() => callback(null, Buffer.from(id)), delay);
    call.on('cancelled', () => clearTimeout(timer));
  };
  server.addService(
    { Echo: { path: ECHO_PATH, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
    { Echo: answer },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { id, port, server };
}

/** One echo RPC with a deadline: the id of the backend that answered. */
export function callEcho(client: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(ECHO_PATH, raw, raw, Buffer.from('ping'), { deadline: Date.now() + RPC_DEADLINE_MS }, (err, value) =>
      err || !value ? reject(err ?? new Error('empty reply')) : resolve(value.toString()),
    ),
  );
}

/** `n` sequential echo RPCs: the ids that answered, in order. */
export async function callMany(client: grpc.Client, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await callEcho(client));
  return ids;
}

/** What {@link callEchoWith} sends besides the request. */
export interface EchoCallOptions {
  /** Call metadata (request headers), e.g. `{ 'x-canary': 'true' }`. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The RPC's own deadline in milliseconds; RPC_DEADLINE_MS when absent. */
  readonly deadlineMs?: number;
}

/** One echo RPC with metadata and a deadline: the id of the backend that answered; rejects with the grpc.ServiceError. */
export function callEchoWith(client: grpc.Client, options: EchoCallOptions = {}): Promise<string> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
  const deadline = Date.now() + (options.deadlineMs ?? RPC_DEADLINE_MS);
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(ECHO_PATH, raw, raw, Buffer.from('ping'), metadata, { deadline }, (err, value) =>
      err || !value ? reject(err ?? new Error('empty reply')) : resolve(value.toString()),
    ),
  );
}

/**
 * `n` echo RPCs, at most `concurrency` in flight at a time: how many each backend id answered
 * (ids sorted). Any failed RPC fails the whole count.
 */
export async function countAnswers(client: grpc.Client, n: number, options: EchoCallOptions & { readonly concurrency?: number } = {}): Promise<Record<string, number>> {
  const counts = new Map<string, number>();
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < n) {
      started++;
      const id = await callEchoWith(client, options);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 20, n) }, worker));
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Retries `probe` until it returns something other than undefined; fails after WAIT_MS with the last error. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + WAIT_MS;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last error: ${last instanceof Error ? last.message : String(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Dataplane of `mesh` serving `service` (gRPC) on 127.0.0.1:`port` with `tags` added, with outbounds to `calls`. */
export function grpcDataplane(mesh: string, name: string, service: string, port: number, calls: readonly string[] = [], tags: Record<string, string> = {}) {
  return {
    type: 'Dataplane',
    mesh,
    name,
    labels: {},
    spec: {
      networking: {
        address: '127.0.0.1',
        inbound: [{ port, tags: { 'mycel.io/service': service, 'mycel.io/protocol': 'grpc', ...tags } }],
        ...(calls.length > 0 ? { outbound: calls.map((s, i) => ({ port: 10001 + i, tags: { 'mycel.io/service': s } })) } : {}),
      },
    },
  };
}

/** Sum of the Prometheus samples of `name` at `base`/metrics whose labels include `labels`. */
export async function metric(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(RPC_DEADLINE_MS) })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const sample = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => sample.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** A zone-cp process started from its build, with its API client and dataplane port. */
export interface ZoneCpProcess {
  readonly proc: RunningProcess;
  readonly base: string;
  readonly dpPort: number;
  readonly api: ApiClient;
}

/** Starts `zone-cp run` on free loopback ports (API and dataplane) with its admin token in `dir`; waits for the API. */
export async function startZoneCp(dir: string, args: readonly string[] = []): Promise<ZoneCpProcess> {
  const apiPort = await freePort();
  const dpPort = await freePort();
  const tokenFile = join(dir, 'admin-token');
  const proc = startNode(serviceMain('zone-cp'), ['run', '--address', '127.0.0.1', '--port', String(apiPort), '--dp-port', String(dpPort), '--admin-token-file', tokenFile, ...args]);
  await proc.waitFor((out) => out.includes('"API listening"'));
  const base = `http://127.0.0.1:${apiPort}`;
  return { proc, base, dpPort, api: new ApiClient(base, readFileSync(tokenFile, 'utf8').trim()) };
}

/**
 * Issues a dataplane token for `mesh/name` through the API and fetches the gRPC xDS bootstrap from
 * the dataplane port: the JSON for `grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config`.
 */
export async function grpcBootstrapFor(cp: ZoneCpProcess, mesh: string, name: string): Promise<string> {
  const issued = await cp.api.post('/tokens/dataplane', { mesh, name });
  assert.equal(issued.status, 200, issued.text);
  const token = (issued.json as { token: string }).token;
  const res = await fetch(`http://127.0.0.1:${cp.dpPort}/bootstrap`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mesh, name, kind: 'grpc', token }),
    signal: AbortSignal.timeout(RPC_DEADLINE_MS),
  });
  const bootstrap = await res.text();
  assert.equal(res.status, 200, bootstrap);
  return bootstrap;
}

/** A proxyless gRPC client of `xds:///<service>` using `bootstrap`. */
export function xdsClient(service: string, bootstrap: string): grpc.Client {
  return new grpc.Client(`xds:///${service}`, grpc.credentials.createInsecure(), { 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': bootstrap });
}

/**
 * Waits until dataplane `mesh/name` is served a configuration for which `servedWhen` holds, and
 * has ACKed the resources of `typeUrl` in it on its newest ADS subscription: its
 * DataplaneInsight's acked version of that type equals the SotW `version_info` of those resources
 * (`versionInfo` over their names and versions — the client must be subscribed to every resource
 * of the type in `_config`, as a proxyless client calling only declared outbounds is). Insights
 * are written at most once a second, so this can take about a second longer than the ACK itself.
 * Returns the served config.
 */
export async function waitForAck(
  cp: ZoneCpProcess,
  mesh: string,
  name: string,
  typeUrl: string,
  servedWhen: (config: DataplaneConfigView) => boolean,
): Promise<DataplaneConfigView> {
  return waitFor(`${mesh}/${name} to be served and ACK the expected ${typeUrl.split('.').at(-1) ?? typeUrl}`, async () => {
    const config = await cp.api.getJson<DataplaneConfigView>(`/meshes/${mesh}/dataplanes/${name}/_config`);
    if (config.source !== 'served' || !servedWhen(config)) return undefined;
    const expected = versionInfo((config.resources[typeUrl] ?? []).map((r) => [r.name, r.version] as const));
    const res = await cp.api.get(`/meshes/${mesh}/dataplane-insights/${name}`);
    if (res.status !== 200) return undefined;
    const spec = (res.json as { spec: DataplaneInsightSpec }).spec;
    return spec.subscriptions?.at(-1)?.status?.perType?.[typeUrl]?.ackedVersion === expected ? config : undefined;
  });
}
