import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { DataplaneSpec } from '@mycel/core';
import { DpServer, checkEnvoyBootstrap } from '@mycel/zone';
import { ZONE, dataplaneEnvelope, startDpHarness } from './dp-admission-harness';
import type { DpHarness } from './dp-admission-harness';
import { expectProblem, expectStatus } from './support/http';

// POST /bootstrap over real HTTP/1.1 on the dataplane port (which also serves gRPC).

const webSpec: DataplaneSpec = { networking: { address: '10.0.0.1', inbound: [{ port: 8080, servicePort: 80, tags: { 'mycel.io/service': 'web', 'mycel.io/protocol': 'http' } }] } };

function at(value: unknown, ...path: Array<string | number>): unknown {
  let v = value;
  for (const p of path) v = (v as Record<string | number, unknown>)[p];
  return v;
}

/** Sends `request` in chunks of `chunk` bytes, each in its own write, and returns the raw response. */
function rawExchange(port: number, request: string, chunk: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (response += d));
    socket.on('end', () => resolve(response));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no response in time')));
    const bytes = Buffer.from(request);
    let offset = 0;
    const writeNext = (): void => {
      if (offset >= bytes.length) return;
      socket.write(bytes.subarray(offset, offset + chunk), () => setImmediate(writeNext));
      offset += chunk;
    };
    writeNext();
  });
}

describe('dataplane admission: POST /bootstrap on the dataplane port', function () {
  let h: DpHarness;

  beforeEach(async () => {
    h = await startDpHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  const dataplaneNames = async (): Promise<string[]> => (await h.store.list({ type: 'Dataplane' })).items.map((r) => `${r.mesh}/${r.name}`);

  it('answers /healthz', async () => {
    const res = await h.http.get('/healthz');
    expectStatus(res, 200);
    assert.deepEqual(res.json, { status: 'ok' });
  });

  it('registers an Envoy dataplane and returns a bootstrap that Envoy’s protos and rules accept', async () => {
    const token = await h.tokenFor('web-1');
    const res = await h.http.post('/bootstrap', { mesh: 'default', name: 'web-1', token, kind: 'envoy', dataplane: dataplaneEnvelope('web-1', webSpec), version: { envoy: '1.31.0' } });
    expectStatus(res, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const bootstrap = res.json as Record<string, unknown>;
    checkEnvoyBootstrap(bootstrap);
    assert.equal(at(bootstrap, 'node', 'id'), 'default.web-1');
    assert.deepEqual(at(bootstrap, 'static_resources', 'clusters', 0, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address', 'socket_address'), {
      address: '127.0.0.1',
      port_value: h.dp.port,
    });
    assert.equal(at(bootstrap, 'dynamic_resources', 'ads_config', 'grpc_services', 0, 'initial_metadata', 0, 'value'), `Bearer ${token}`);
    assert.ok(!JSON.stringify(at(bootstrap, 'node')).includes(token), 'the token is not in node metadata');
    const stored = await h.store.get({ type: 'Dataplane', mesh: 'default', name: 'web-1' });
    assert.deepEqual(stored.spec, webSpec);
  });

  it('returns a gRPC xDS bootstrap with node locality for a proxyless dataplane that already exists', async () => {
    await h.store.create({ ...dataplaneEnvelope('echo-1', webSpec) });
    const token = await h.tokenFor('echo-1');
    const res = await h.http.post('/bootstrap', { mesh: 'default', name: 'echo-1', token, kind: 'grpc' });
    expectStatus(res, 200);
    assert.deepEqual(at(res.json, 'node', 'locality'), { zone: ZONE });
    assert.equal(at(res.json, 'node', 'metadata', 'mycel.io/token'), token);
    assert.equal(at(res.json, 'xds_servers', 0, 'server_uri'), h.address);
  });

  it('refuses bad requests with problem documents and stores nothing', async () => {
    const token = await h.tokenFor('web-1');
    const dataplane = dataplaneEnvelope('web-1', webSpec);
    const bad = expectProblem(await h.http.post('/bootstrap', { mesh: 'default', name: 'web-1', token, kind: 'envoy', dataplane, proxyType: 'sidecar' }), 400, ['proxyType']);
    assert.deepEqual(bad.invalidParameters, [{ field: 'proxyType', reason: 'unknown field' }]);
    expectProblem(await h.http.post('/bootstrap', { mesh: 'default', name: 'web-1', token, kind: 'envoy', dataplane: { ...dataplane, spec: { networking: { address: '10.0.0.1' } } } }), 400, ['dataplane.spec.networking']);

    const noToken = await h.http.post('/bootstrap', { mesh: 'default', name: 'web-1', kind: 'envoy', dataplane });
    expectProblem(noToken, 401);
    assert.equal(noToken.headers.get('www-authenticate'), 'Bearer realm="mycel"');
    assert.match(expectProblem(await h.http.post('/bootstrap', { mesh: 'default', name: 'web-1', token: `${token}x`, kind: 'envoy', dataplane }), 401).detail, /signature is invalid|malformed/);
    assert.match(expectProblem(await h.http.post('/bootstrap', { mesh: 'default', name: 'web-2', token, kind: 'envoy', dataplane: dataplaneEnvelope('web-2', webSpec) }), 403).detail, /token is for dataplane 'web-1'/);
    const otherMesh = await h.tokenFor('web-1', 'other');
    assert.match(expectProblem(await h.http.post('/bootstrap', { mesh: 'default', name: 'web-1', token: otherMesh, kind: 'envoy', dataplane }), 403).detail, /token is for mesh 'other'/);
    const dbToken = await h.issuer.issue({ mesh: 'default', tags: { 'mycel.io/service': 'db' }, validForMs: 60_000 });
    assert.match(expectProblem(await h.http.post('/bootstrap', { mesh: 'default', name: 'web-1', token: dbToken, kind: 'envoy', dataplane }), 403).detail, /the token allows 'db'/);
    assert.match(expectProblem(await h.http.post('/bootstrap', { mesh: 'default', name: 'web-1', token, kind: 'envoy' }), 404).detail, /does not exist/);

    expectProblem(await h.http.request('POST', '/bootstrap', { body: '{"mesh":', headers: { 'content-type': 'application/json' } }), 400, ['body']);
    expectProblem(await h.http.request('POST', '/bootstrap', { body: 'mesh: default', headers: { 'content-type': 'application/yaml' } }), 415);
    expectProblem(await h.http.request('POST', '/bootstrap', { body: JSON.stringify({ mesh: 'x'.repeat(300_000) }), headers: { 'content-type': 'application/json' } }), 413);
    const get = await h.http.get('/bootstrap');
    expectProblem(get, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    expectProblem(await h.http.get('/nothing-here'), 404);
    assert.deepEqual(await dataplaneNames(), []);
  });

  it('reads a request that arrives a few bytes at a time (the protocol sniffing waits for enough bytes)', async () => {
    const token = await h.tokenFor('web-1');
    const body = JSON.stringify({ mesh: 'default', name: 'web-1', token, kind: 'envoy', dataplane: dataplaneEnvelope('web-1', webSpec) });
    const request = `POST /bootstrap HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    const response = await rawExchange(h.dp.port, request, 1);
    assert.match(response, /^HTTP\/1.1 200 OK\r\n/);
    assert.match(response, /"id":"default.web-1"/);
    // Starts like the HTTP/2 preface and diverges at byte 12: the sniffer must keep waiting, then hand
    // the connection to the HTTP/1.1 server (whose parser refuses the PRI method), not to gRPC.
    const pri = await rawExchange(h.dp.port, 'PRI * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 2);
    assert.match(pri, /^HTTP\/1.1 400 Bad Request\r\n/);
    assert.deepEqual(await dataplaneNames(), ['default/web-1']);
  });

  it('serves keep-alive connections and stops cleanly with one open', async () => {
    const token = await h.tokenFor('web-1');
    for (let i = 0; i < 3; i++) expectStatus(await h.http.post('/bootstrap', { mesh: 'default', name: 'web-1', token, kind: 'envoy', dataplane: dataplaneEnvelope('web-1', webSpec) }), 200);
    await h.dp.stop();
    await assert.rejects(h.http.get('/healthz'));
  });
});

describe('dataplane admission: DpServer connection handling', function () {
  it('closes a connection that sends no protocol preface in time, and refuses to start twice', async () => {
    const dp = new DpServer({ bootstrap: (_req, _res, next) => next(), prefaceTimeoutMs: 100 });
    await dp.start({ address: '127.0.0.1', port: 0 });
    try {
      const closed = await new Promise<boolean>((resolve, reject) => {
        const socket = connect(dp.port, '127.0.0.1');
        socket.on('error', reject);
        socket.on('close', () => resolve(true));
        socket.write('P'); // a prefix of both "POST" and the HTTP/2 preface: undecided
      });
      assert.equal(closed, true);
      await assert.rejects(dp.start({ address: '127.0.0.1', port: 0 }), /only be started once/);
    } finally {
      await dp.stop();
    }
  });

  it('reports a port it cannot bind', async () => {
    const first = new DpServer({ bootstrap: (_req, _res, next) => next() });
    await first.start({ address: '127.0.0.1', port: 0 });
    const second = new DpServer({ bootstrap: (_req, _res, next) => next() });
    try {
      await assert.rejects(second.start({ address: '127.0.0.1', port: first.port }), /EADDRINUSE/);
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});
