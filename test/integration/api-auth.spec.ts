import assert from 'node:assert/strict';
import { ApiClient, expectProblem, expectStatus } from './support/http';
import type { ApiResponse, Page } from './support/http';
import { dataplaneBody, meshBody } from './support/resources';
import { startTestControlPlane } from './support/start-control-plane';
import type { TestControlPlane } from './support/start-control-plane';
import { diffSnapshots, snapshotStore } from './support/store-snapshot';
import { adminClaims, decodeClaims, jtiOf, tamperedToken, tokenSignedByForeignKey, unsignedToken } from './support/tokens';

/** Asserts a 401 with a Bearer challenge. */
function expectUnauthenticated(res: ApiResponse): void {
  const p = expectProblem(res, 401);
  assert.equal(p.type, '/problems/unauthenticated');
  assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/);
}

describe('REST API: authentication and authorization', function () {
  let cp: TestControlPlane;
  let admin: ApiClient;
  let anonymous: ApiClient;

  before(async function () {
    cp = await startTestControlPlane();
    admin = new ApiClient(cp.baseUrl, cp.adminToken);
    anonymous = admin.as(null);
    for (const mesh of ['a', 'b']) expectStatus(await admin.put(`/meshes/${mesh}`, meshBody(mesh)), 201);
    expectStatus(await admin.put('/meshes/b/dataplanes/dp-b', dataplaneBody('b', 'dp-b')), 201);
    expectStatus(await admin.put('/meshes/default/secrets/s1', { spec: { data: 'c2VjcmV0' } }), 201);
  });

  after(async function () {
    await cp?.stop();
  });

  async function issue(body: Record<string, unknown>): Promise<string> {
    const res = await admin.post('/tokens/user', body);
    expectStatus(res, 200, `POST /tokens/user ${JSON.stringify(body)}`);
    const token = (res.json as { token: string }).token;
    assert.equal(typeof token, 'string');
    return token;
  }

  describe('authentication', function () {
    it('the admin token from the admin token file is an admin ES256 token', async function () {
      const claims = decodeClaims(cp.adminToken);
      assert.equal(claims['role'], 'admin');
      assert.equal(claims.iss, 'mycel');
      assert.equal(JSON.parse(Buffer.from(cp.adminToken.split('.')[0] as string, 'base64url').toString()).alg, 'ES256');
      expectStatus(await admin.get('/meshes'), 200);
    });

    it('answers 401 with WWW-Authenticate when no token is sent, before reading the body', async function () {
      expectUnauthenticated(await anonymous.get('/meshes'));
      expectUnauthenticated(await anonymous.get('/_resources'));
      expectUnauthenticated(await anonymous.put('/meshes/x', meshBody('x')));
      expectUnauthenticated(await anonymous.post('/tokens/user', { name: 'x', role: 'admin' }));
      // Not 400 or 413: an anonymous caller learns nothing about bodies.
      expectUnauthenticated(await anonymous.request('PUT', '/meshes/x', { body: '{', headers: { 'content-type': 'application/json' } }));
      expectUnauthenticated(await anonymous.request('PUT', '/meshes/x', { body: 'x'.repeat(cp.config.apiServer.maxBodyBytes + 1), headers: { 'content-type': 'application/json' } }));
      expectUnauthenticated(await anonymous.get('/no/such/path'));
    });

    it('answers 401 to tokens that do not verify', async function () {
      const viewer = await issue({ name: 'eve', role: 'viewer' });
      const kid = JSON.parse(Buffer.from(cp.adminToken.split('.')[0] as string, 'base64url').toString()).kid as string;
      const bad = [
        'garbage',
        'a.b.c',
        `${cp.adminToken}x`,
        tokenSignedByForeignKey(adminClaims(), kid),
        tokenSignedByForeignKey(adminClaims(), '999'),
        unsignedToken(adminClaims(), kid),
        tamperedToken(viewer, { ...decodeClaims(viewer), role: 'admin' }),
        'x'.repeat(10000),
      ];
      for (const token of bad) expectUnauthenticated(await admin.as(token).get('/meshes'));
      for (const header of ['Basic YWRtaW46YWRtaW4=', 'Bearer', `Bearer ${cp.adminToken} extra`, `Token ${cp.adminToken}`, '']) {
        expectUnauthenticated(await admin.request('GET', '/meshes', { token: null, headers: { authorization: header } }));
      }
    });

    it('accepts the scheme name in any case', async function () {
      expectStatus(await admin.request('GET', '/meshes', { token: null, headers: { authorization: `bearer ${cp.adminToken}` } }), 200);
    });
  });

  describe('unauthenticated endpoints', function () {
    it('serves /healthz, /readyz and / without a token', async function () {
      const health = await anonymous.get('/healthz');
      expectStatus(health, 200);
      assert.deepEqual(health.json, { status: 'ok' });
      const ready = await anonymous.get('/readyz');
      expectStatus(ready, 200);
      assert.deepEqual(ready.json, { status: 'ready' });
      const root = await anonymous.get('/');
      expectStatus(root, 200);
      assert.equal((root.json as { product: string }).product, 'Mycel');
    });

    it('serves Prometheus metrics with the request-duration histogram by route template', async function () {
      expectStatus(await admin.get('/meshes/default/dataplanes'), 200);
      const res = await anonymous.get('/metrics');
      expectStatus(res, 200);
      assert.match(res.text, /http_server_request_duration_seconds/);
      assert.match(res.text, /http_route="\/meshes\/\{mesh\}\/\{plural\}"/);
      assert.doesNotMatch(res.text, /http_route="\/meshes\/default/, 'raw paths must not become label values');
    });

    it('serves the OpenAPI 3 document with the API paths', async function () {
      const res = await anonymous.get('/openapi.json');
      expectStatus(res, 200);
      const doc = res.json as { openapi: string; paths: Record<string, Record<string, unknown>> };
      assert.match(doc.openapi, /^3\./);
      for (const path of ['/meshes', '/meshes/{name}', '/meshes/{mesh}/{plural}', '/meshes/{mesh}/{plural}/{name}', '/{plural}', '/{plural}/{name}', '/_resources', '/tokens/user', '/tokens/revocations']) {
        assert.ok(doc.paths[path], `OpenAPI document lacks ${path}`);
      }
      assert.ok(doc.paths['/meshes/{name}']?.['put']);
    });

    it('serves the API docs page as HTML', async function () {
      const res = await anonymous.get('/docs/');
      expectStatus(res, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.text, /<html/i);
    });
  });

  describe('roles', function () {
    let viewer: ApiClient;
    let operator: ApiClient;

    before(async function () {
      viewer = admin.as(await issue({ name: 'vera', role: 'viewer', validFor: '1h' }));
      operator = admin.as(await issue({ name: 'otto', role: 'operator', meshes: ['a'] }));
    });

    it('a viewer reads resources but writes nothing', async function () {
      expectStatus(await viewer.get('/meshes'), 200);
      expectStatus(await viewer.get('/meshes/b/dataplanes'), 200);
      expectStatus(await viewer.get('/meshes/b/dataplanes/dp-b'), 200);
      expectStatus(await viewer.get('/zones'), 200);
      expectStatus(await viewer.get('/_resources'), 200);
      const before = await snapshotStore(cp.controlPlane);
      for (const res of [
        await viewer.put('/meshes/viewer-mesh', meshBody('viewer-mesh')),
        await viewer.put('/meshes/a', meshBody('a', { by: 'viewer' })),
        await viewer.put('/meshes/a/dataplanes/dp', dataplaneBody('a', 'dp')),
        await viewer.delete('/meshes/b/dataplanes/dp-b'),
        await viewer.delete('/meshes/b'),
        await viewer.put('/zones/z', {}),
        await viewer.post('/tokens/user', { name: 'x', role: 'admin' }),
        await viewer.post('/tokens/revocations', { jti: 'abc' }),
      ]) {
        assert.equal(expectProblem(res, 403).type, '/problems/forbidden');
      }
      assert.deepEqual(diffSnapshots(before, await snapshotStore(cp.controlPlane)), []);
    });

    it('a viewer cannot read secrets', async function () {
      for (const path of ['/meshes/default/secrets', '/meshes/default/secrets/s1', '/global-secrets', '/global-secrets/user-token-signing-key-1']) {
        expectProblem(await viewer.get(path), 403);
      }
    });

    it('an operator writes in its meshes only', async function () {
      expectStatus(await operator.put('/meshes/a/dataplanes/dp-op', dataplaneBody('a', 'dp-op')), 201);
      expectStatus(await operator.put('/meshes/a/dataplanes/dp-op', dataplaneBody('a', 'dp-op', { port: 9000 })), 200);
      expectStatus(await operator.put('/meshes/a', meshBody('a', { owner: 'otto' })), 200);
      expectStatus(await operator.get('/meshes/b/dataplanes/dp-b'), 200);
      expectStatus(await operator.delete('/meshes/a/dataplanes/dp-op'), 204);

      const before = await snapshotStore(cp.controlPlane);
      expectProblem(await operator.put('/meshes/b/dataplanes/dp-op', dataplaneBody('b', 'dp-op')), 403);
      expectProblem(await operator.delete('/meshes/b/dataplanes/dp-b'), 403);
      expectProblem(await operator.put('/meshes/b', meshBody('b', { owner: 'otto' })), 403);
      expectProblem(await operator.put('/meshes/op-new', meshBody('op-new')), 403);
      expectProblem(await operator.delete('/meshes/a'), 403);
      expectProblem(await operator.put('/zones/z', {}), 403);
      expectProblem(await operator.put('/meshes/a/secrets/s', { spec: { data: 'c2VjcmV0' } }), 403);
      expectProblem(await operator.get('/meshes/a/secrets'), 403);
      expectProblem(await operator.get('/global-secrets'), 403);
      expectProblem(await operator.post('/tokens/user', { name: 'x', role: 'viewer' }), 403);
      expectProblem(await operator.post('/tokens/revocations', { jti: 'abc' }), 403);
      assert.deepEqual(diffSnapshots(before, await snapshotStore(cp.controlPlane)), []);
    });

    it('an admin issues tokens of every role and reads secrets', async function () {
      const second = admin.as(await issue({ name: 'root@example.com', role: 'admin', validFor: '30d' }));
      expectStatus(await second.put('/meshes/admin-made', meshBody('admin-made')), 201);
      expectStatus(await second.get('/global-secrets'), 200);
      const page = await second.getJson<Page>('/meshes/default/secrets');
      assert.deepEqual(page.items.map((s) => s.name), ['s1']);
      const claims = decodeClaims(await issue({ name: 'ci-bot', role: 'operator', meshes: ['b', 'a'], validFor: '2h' }));
      assert.deepEqual(claims['meshes'], ['a', 'b']);
      assert.equal(claims.sub, 'ci-bot');
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 7200);
    });
  });

  describe('token requests', function () {
    it('rejects invalid token requests with 400 naming the fields', async function () {
      const cases: Array<[unknown, string[]]> = [
        [{}, ['name', 'role']],
        [{ name: 'x' }, ['role']],
        [{ name: 'x', role: 'king' }, ['role']],
        [{ name: 'Bad Name!', role: 'viewer' }, ['name']],
        [{ name: 'x'.repeat(300), role: 'viewer' }, ['name']],
        [{ name: 'x', role: 'operator' }, ['meshes']],
        [{ name: 'x', role: 'operator', meshes: [] }, ['meshes']],
        [{ name: 'x', role: 'operator', meshes: ['a', 'Not_A_Mesh'] }, ['meshes[1]']],
        [{ name: 'x', role: 'operator', meshes: ['a', 'a'] }, ['meshes[1]']],
        [{ name: 'x', role: 'viewer', meshes: ['a'] }, ['meshes']],
        [{ name: 'x', role: 'viewer', validFor: 'forever' }, ['validFor']],
        [{ name: 'x', role: 'viewer', validFor: '0s' }, ['validFor']],
        [{ name: 'x', role: 'viewer', validFor: '100000d' }, ['validFor']],
        [{ name: 'x', role: 'viewer', extra: true }, ['extra']],
        [[], ['body']],
      ];
      for (const [body, fields] of cases) {
        const p = expectProblem(await admin.post('/tokens/user', body), 400, fields);
        assert.ok(p.detail.length > 0, JSON.stringify(body));
      }
      expectProblem(await admin.request('POST', '/tokens/user', { headers: { 'content-type': 'application/json' } }), 400, ['body']);
    });

    it('rejects invalid revocation requests with 400 naming jti', async function () {
      for (const body of [{}, { jti: '' }, { jti: 'has space' }, { jti: 7 }, { jti: 'x'.repeat(129) }]) {
        expectProblem(await admin.post('/tokens/revocations', body), 400, ['jti']);
      }
      expectProblem(await admin.post('/tokens/revocations', { jti: 'abc', more: 1 }), 400, ['more']);
    });

    it('a revoked token fails authentication; other tokens keep working', async function () {
      const doomedToken = await issue({ name: 'temp', role: 'viewer' });
      const keptToken = await issue({ name: 'kept', role: 'viewer' });
      const doomed = admin.as(doomedToken);
      expectStatus(await doomed.get('/meshes'), 200);
      const res = await admin.post('/tokens/revocations', { jti: jtiOf(doomedToken) });
      expectStatus(res, 204);
      assert.equal(res.text, '');
      expectUnauthenticated(await doomed.get('/meshes'));
      expectUnauthenticated(await doomed.put('/meshes/default/dataplanes/x', dataplaneBody('default', 'x')));
      expectStatus(await admin.as(keptToken).get('/meshes'), 200);
      expectStatus(await admin.get('/meshes'), 200);
      // Revoking twice is fine.
      expectStatus(await admin.post('/tokens/revocations', { jti: jtiOf(doomedToken) }), 204);
    });
  });

  describe('localhostIsAdmin', function () {
    let local: TestControlPlane;

    before(async function () {
      local = await startTestControlPlane({ localhostIsAdmin: true });
    });

    after(async function () {
      await local?.stop();
    });

    it('on: a loopback caller without a token is admin', async function () {
      const api = new ApiClient(local.baseUrl, null);
      expectStatus(await api.get('/meshes'), 200);
      expectStatus(await api.put('/meshes/local', meshBody('local')), 201);
      expectStatus(await api.get('/global-secrets'), 200);
      expectStatus(await api.post('/tokens/user', { name: 'dev', role: 'viewer' }), 200);
    });

    it('on: a token that is sent is still verified', async function () {
      const api = new ApiClient(local.baseUrl, 'garbage');
      expectUnauthenticated(await api.get('/meshes'));
      const viewerToken = ((await new ApiClient(local.baseUrl, null).post('/tokens/user', { name: 'v', role: 'viewer' })).json as { token: string }).token;
      expectProblem(await api.as(viewerToken).put('/meshes/x', meshBody('x')), 403);
    });

    it('off: a loopback caller without a token is refused', async function () {
      expectUnauthenticated(await anonymous.get('/meshes'));
      assert.equal(cp.config.apiServer.localhostIsAdmin, false);
    });
  });
});
