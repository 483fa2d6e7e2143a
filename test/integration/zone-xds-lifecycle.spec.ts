import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { register as registerXdsResolver } from '@grpc/grpc-js-xds';
import type { DataplaneInsightSpec } from '@mycel/core';
import { freePort, startRedisServer } from '@mycel/testing';
import type { RedisServer } from '@mycel/testing';
import { expectStatus } from './support/http';
import type { RunningProcess } from './support/process';
import { callEcho, grpcBootstrapFor, grpcDataplane, startEchoBackend, startZoneCp, waitFor, xdsClient } from './support/zone-xds';
import type { EchoBackend, ZoneCpProcess } from './support/zone-xds';

// What a zone-cp restart does to the DataplaneInsights of the proxies it served: a clean stop
// records their disconnects, a crash leaves them online until the next start closes them.

describe('zone-cp xDS across restarts (process, Redis store)', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let dir: string;
  const procs: RunningProcess[] = [];
  let backend: EchoBackend;
  let client: grpc.Client | undefined;

  before(async () => {
    registerXdsResolver();
    redis = await startRedisServer();
    backend = await startEchoBackend('a');
  });
  after(async () => {
    backend?.server.forceShutdown();
    await redis?.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mycel-zone-xds-restart-'));
  });
  afterEach(async () => {
    client?.close();
    client = undefined;
    for (const p of procs.splice(0)) await p.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<ZoneCpProcess> {
    const cp = await startZoneCp(dir, ['--store', 'redis', '--redis-url', redis.url]);
    procs.push(cp.proc);
    return cp;
  }

  /** A mesh with an echo backend and a client Dataplane, and a connected client whose RPC went through. */
  async function connectClient(cp: ZoneCpProcess, mesh: string): Promise<void> {
    expectStatus(await cp.api.put(`/meshes/${mesh}`, { type: 'Mesh', name: mesh, labels: {} }), 201);
    expectStatus(await cp.api.put(`/meshes/${mesh}/dataplanes/echo-a`, grpcDataplane(mesh, 'echo-a', 'echo', backend.port)), 201);
    expectStatus(await cp.api.put(`/meshes/${mesh}/dataplanes/client`, grpcDataplane(mesh, 'client', 'client', await freePort(), ['echo'])), 201);
    client = xdsClient('echo', await grpcBootstrapFor(cp, mesh, 'client'));
    const c = client;
    assert.equal(await waitFor('an RPC through xDS', () => callEcho(c)), 'a');
    await waitFor('the client to show online', async () => ((await insight(cp, mesh)).online === true ? true : undefined));
  }

  async function insight(cp: ZoneCpProcess, mesh: string): Promise<DataplaneInsightSpec> {
    const res = await cp.api.get(`/meshes/${mesh}/dataplane-insights/client`);
    expectStatus(res, 200);
    return (res.json as { spec: DataplaneInsightSpec }).spec;
  }

  it('records the disconnect of connected proxies when it stops on SIGTERM', async () => {
    const first = await start();
    await connectClient(first, 'graceful');
    first.proc.child.kill('SIGTERM');
    assert.deepEqual(await first.proc.exited, { code: 0, signal: null }, first.proc.output());

    const second = await start();
    const spec = await insight(second, 'graceful');
    assert.equal(spec.online, false);
    assert.match(spec.subscriptions?.at(-1)?.disconnectTime ?? '', /^\d{4}-/);
    assert.doesNotMatch(second.proc.output(), /an earlier run of this control plane left online/);
  });

  it('marks offline on start the proxies a crashed run left online', async () => {
    const crashed = await start();
    await connectClient(crashed, 'crash');
    crashed.proc.child.kill('SIGKILL');
    await crashed.proc.exited;
    client?.close();
    client = undefined;
    // Nothing else can close the subscription: the process that served it is gone.
    const restarted = await start();
    // The tidy-up runs in the background once the dataplane server listens.
    const spec = await waitFor('the crashed run\'s subscription to be closed', async () => {
      const s = await insight(restarted, 'crash');
      return s.online === false ? s : undefined;
    });
    assert.equal(spec.online, false);
    assert.match(spec.subscriptions?.at(-1)?.disconnectTime ?? '', /^\d{4}-/);
    assert.match(restarted.proc.output(), /an earlier run of this control plane left online/);
  });
});
