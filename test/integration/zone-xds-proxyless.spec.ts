import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { register as registerXdsResolver } from '@grpc/grpc-js-xds';
import type { DataplaneInsightSpec } from '@mycel/core';
import { freePort } from '@mycel/testing';
import { TypeUrl } from '@mycel/xds';
import type { DataplaneConfigView } from '@mycel/zone';
import { expectStatus } from './support/http';
import { callMany, grpcBootstrapFor, grpcDataplane, metric, startEchoBackend, startZoneCp, waitFor, xdsClient } from './support/zone-xds';
import type { EchoBackend, ZoneCpProcess } from './support/zone-xds';

// The built zone-cp as a process, a real @grpc/grpc-js-xds client in this process as the dataplane,
// and real gRPC echo servers as the backends it calls through `xds:///echo`.

const MESH = 'xds';
const dataplane = (name: string, service: string, port: number, calls: string[] = [], tags: Record<string, string> = {}) =>
  grpcDataplane(MESH, name, service, port, calls, tags);

describe('zone-cp xDS with a proxyless gRPC client (process)', function () {
  this.timeout(120_000);
  let dir: string;
  let cp: ZoneCpProcess;
  const backends = new Map<string, EchoBackend>();
  let client: grpc.Client;

  before(async () => {
    registerXdsResolver();
    dir = mkdtempSync(join(tmpdir(), 'mycel-zone-xds-'));
    cp = await startZoneCp(dir);
    const { api } = cp;
    expectStatus(await api.put(`/meshes/${MESH}`, { type: 'Mesh', name: MESH, labels: {} }), 201, 'create the mesh');
    for (const id of ['a', 'b']) {
      const backend = await startEchoBackend(id);
      backends.set(id, backend);
      expectStatus(await api.put(`/meshes/${MESH}/dataplanes/echo-${id}`, dataplane(`echo-${id}`, 'echo', backend.port)), 201);
    }
    expectStatus(await api.put(`/meshes/${MESH}/dataplanes/other-1`, dataplane('other-1', 'other', await freePort())), 201);
    // The client's own inbound is never dialled here; a Dataplane needs one (or a gateway).
    expectStatus(await api.put(`/meshes/${MESH}/dataplanes/echo-client`, dataplane('echo-client', 'echo-client', await freePort(), ['echo'])), 201);
    client = xdsClient('echo', await grpcBootstrapFor(cp, MESH, 'echo-client'));
  });

  after(async () => {
    client?.close();
    if (cp) {
      cp.proc.child.kill('SIGTERM');
      assert.deepEqual(await cp.proc.exited, { code: 0, signal: null }, cp.proc.output());
    }
    for (const backend of backends.values()) backend.server.forceShutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('round-robins the traffic over both backends', async () => {
    // Round robin is uneven until every subchannel is READY: warm up until both answered.
    await waitFor('both backends to answer', async () => {
      const ids = new Set(await callMany(client, 4));
      return ids.has('a') && ids.has('b') ? true : undefined;
    });
    const ids = await callMany(client, 20);
    const a = ids.filter((id) => id === 'a').length;
    const b = ids.filter((id) => id === 'b').length;
    assert.equal(a + b, 20, `only a and b answer: ${ids.join('')}`);
    assert.ok(Math.abs(a - b) <= 2, `round robin splits evenly: ${ids.join('')}`);
  });

  it('shows the connected client in its DataplaneInsight, with the versions it ACKed', async () => {
    const types = [TypeUrl.listener, TypeUrl.route, TypeUrl.cluster, TypeUrl.endpoint];
    const spec = await waitFor('an insight with every type ACKed', async () => {
      const res = await cp.api.get(`/meshes/${MESH}/dataplane-insights/echo-client`);
      if (res.status !== 200) return undefined;
      const s = (res.json as { spec: DataplaneInsightSpec }).spec;
      const perType = s.subscriptions?.at(-1)?.status?.perType ?? {};
      return types.every((t) => (perType[t]?.ackedVersion ?? '') !== '') ? s : undefined;
    });
    assert.equal(spec.online, true);
    const subscription = spec.subscriptions?.at(-1);
    assert.match(subscription?.controlPlaneInstanceId ?? '', /^zone-cp-/);
    assert.equal(subscription?.disconnectTime, undefined);
    assert.ok((subscription?.status?.total?.responsesAcknowledged ?? 0) >= 4);
    assert.equal(subscription?.status?.total?.responsesRejected, 0);
  });

  it('serves GET …/dataplanes/echo-client/_config: the resources the client is served', async () => {
    const view = await cp.api.getJson<DataplaneConfigView>(`/meshes/${MESH}/dataplanes/echo-client/_config`);
    assert.equal(view.proxyKind, 'grpc');
    assert.equal(view.connected, true);
    assert.equal(view.source, 'served');
    const names = (typeUrl: string) => (view.resources[typeUrl] ?? []).map((r) => r.name);
    assert.ok(names(TypeUrl.listener).includes('echo'), `listeners: ${names(TypeUrl.listener).join(', ')}`);
    assert.ok(!names(TypeUrl.listener).includes('other'), 'nothing for services the client does not call');
    assert.deepEqual(names(TypeUrl.route), ['outbound:echo']);
    assert.deepEqual(names(TypeUrl.cluster), ['echo']);
    const cla = view.resources[TypeUrl.endpoint]?.[0]?.resource as { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { port_value: number } } } }> }> };
    const ports = cla.endpoints.flatMap((l) => l.lb_endpoints.map((e) => e.endpoint.address.socket_address.port_value)).sort();
    assert.deepEqual(ports, [backends.get('a')?.port, backends.get('b')?.port].sort());
    expectStatus(await cp.api.get(`/meshes/${MESH}/dataplanes/nope/_config`), 404);
  });

  it('moves traffic when backends are added and removed, without restarting the client', async () => {
    const third = await startEchoBackend('c');
    backends.set('c', third);
    expectStatus(await cp.api.put(`/meshes/${MESH}/dataplanes/echo-c`, dataplane('echo-c', 'echo', third.port)), 201);
    await waitFor('the new backend to get traffic', async () => ((await callMany(client, 6)).includes('c') ? true : undefined));

    expectStatus(await cp.api.delete(`/meshes/${MESH}/dataplanes/echo-b`), 204);
    const ids = await waitFor('the removed backend to get no traffic', async () => {
      const window = await callMany(client, 10);
      return window.includes('b') ? undefined : window;
    });
    assert.deepEqual([...new Set(ids)].sort(), ['a', 'c']);
  });

  it('regenerates none of the client configuration when an unrelated service changes', async () => {
    const { api, base } = cp;
    const before = {
      changes: await metric(base, 'mycel_xds_reconciler_changes_total'),
      generations: await metric(base, 'mycel_xds_generations_total'),
      pushes: await metric(base, 'mycel_xds_snapshot_pushes_total'),
      config: await api.getJson<DataplaneConfigView>(`/meshes/${MESH}/dataplanes/echo-client/_config`),
    };
    expectStatus(await api.put(`/meshes/${MESH}/dataplanes/other-1`, dataplane('other-1', 'other', await freePort())), 200);
    // The changes counter moves once the batch holding the change has finished.
    await waitFor('the reconciler to process the change', async () => ((await metric(base, 'mycel_xds_reconciler_changes_total')) > before.changes ? true : undefined));
    assert.equal(await metric(base, 'mycel_xds_generations_total'), before.generations, 'no dataplane was regenerated');
    assert.equal(await metric(base, 'mycel_xds_snapshot_pushes_total'), before.pushes, 'nothing was pushed');
    const after = await api.getJson<DataplaneConfigView>(`/meshes/${MESH}/dataplanes/echo-client/_config`);
    assert.deepEqual(after.resources, before.config.resources);

    // The same counter does move for a change of a service the client calls (a new tag on an echo instance).
    const echoA = dataplane('echo-a', 'echo', (backends.get('a') as EchoBackend).port, [], { version: 'v2' });
    expectStatus(await api.put(`/meshes/${MESH}/dataplanes/echo-a`, echoA), 200);
    await waitFor('the client to be regenerated', async () => ((await metric(base, 'mycel_xds_generations_total', { outcome: 'ok' })) > before.generations ? true : undefined));
  });
});
