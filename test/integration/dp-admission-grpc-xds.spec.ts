import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { register as registerXdsResolver } from '@grpc/grpc-js-xds';
import type { DataplaneSpec, MeshSpec, Resource } from '@mycel/core';
import { buildMeshContext, generateSnapshot } from '@mycel/xds';
import { ZONE, dataplaneEnvelope, grpcServiceSpec, jtiOf, startDpHarness } from './dp-admission-harness';
import type { DpHarness } from './dp-admission-harness';
import { expectStatus } from './support/http';

// A real @grpc/grpc-js-xds client as a proxyless dataplane: it bootstraps over HTTP on the dataplane
// port, then runs ADS over gRPC on the same port with the returned bootstrap, its token travelling
// in node metadata, and routes an RPC to a real gRPC echo server.

const ECHO_PATH = '/mycel.test.Echo/Echo';
const raw = (b: Buffer): Buffer => b;

async function startEchoServer(): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(
    { Echo: { path: ECHO_PATH, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
    { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, server };
}

function echo(client: grpc.Client, text: string, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(ECHO_PATH, raw, raw, Buffer.from(text), { deadline: Date.now() + deadlineMs }, (err, value) =>
      err || !value ? reject(err ?? new Error('empty reply')) : resolve(value.toString()),
    ),
  );
}

describe('dataplane admission: @grpc/grpc-js-xds through the dataplane port', function () {
  let h: DpHarness;
  let echoServer: { port: number; server: grpc.Server };
  const clients: grpc.Client[] = [];

  before(() => registerXdsResolver());

  beforeEach(async () => {
    h = await startDpHarness();
    echoServer = await startEchoServer();
    await h.store.create(dataplaneEnvelope('echo-1', grpcServiceSpec('echo', echoServer.port)));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await h.stop();
    echoServer.server.forceShutdown();
  });

  /** Bootstraps `name` (registering it) and sets its proxyless snapshot; returns the gRPC bootstrap JSON. */
  async function bootstrapClient(name: string, token: string): Promise<Record<string, unknown>> {
    const res = await h.http.post('/bootstrap', { mesh: 'default', name, token, kind: 'grpc', dataplane: dataplaneEnvelope(name, grpcServiceSpec('client', 1, ['echo'])) });
    expectStatus(res, 200, 'bootstrap');
    const dataplanes = (await h.store.list({ type: 'Dataplane', mesh: 'default' })).items as Resource<DataplaneSpec>[];
    const self = dataplanes.find((d) => d.name === name) as Resource<DataplaneSpec>;
    const mesh = (await h.store.get({ type: 'Mesh', name: 'default' })) as Resource<MeshSpec>;
    h.cache.set(`default.${name}`, generateSnapshot({ dataplane: self, mesh, zone: ZONE, kind: 'grpc' }, buildMeshContext('default', dataplanes, ZONE)));
    return res.json as Record<string, unknown>;
  }

  function xdsClient(bootstrap: Record<string, unknown>): grpc.Client {
    const client = new grpc.Client('xds:///echo', grpc.credentials.createInsecure(), {
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
    });
    clients.push(client);
    return client;
  }

  it('admits the client by the token in its node metadata and routes an RPC to the echo server', async () => {
    const bootstrap = await bootstrapClient('client-1', await h.tokenFor('client-1'));
    assert.equal((bootstrap['xds_servers'] as Array<{ server_uri: string }>)[0]?.server_uri, h.address);
    const client = xdsClient(bootstrap);
    assert.equal(await echo(client, 'ping', 20_000), 'ping');
    await h.events.waitFor(/^connect default.client-1 /);
    for (const type of ['Listener', 'RouteConfiguration', 'Cluster', 'ClusterLoadAssignment']) await h.events.waitFor(new RegExp(`^ack default.client-1 ${type} `));
    assert.deepEqual(h.events.lines.filter((l) => l.startsWith('nack')), []);
  });

  it('does not admit a client whose token was revoked after its bootstrap', async () => {
    const token = await h.tokenFor('client-2');
    const bootstrap = await bootstrapClient('client-2', token);
    await h.revocations.revoke('default', jtiOf(token));
    const client = xdsClient(bootstrap);
    await assert.rejects(echo(client, 'ping', 3_000), (err: grpc.ServiceError) => {
      assert.ok([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED].includes(err.code), `${grpc.status[err.code]}: ${err.details}`);
      return true;
    });
    assert.deepEqual(h.events.lines.filter((l) => l.includes('client-2')), [], 'the ADS stream was never admitted');
  });
});
