import assert from 'node:assert/strict';
import { ApiClient, expectProblem, expectStatus, rawRequest } from './support/http';
import type { ApiResponse, Problem } from './support/http';
import { dataplaneBody, meshBody } from './support/resources';
import { startTestControlPlane, TEST_MAX_BODY_BYTES } from './support/start-control-plane';
import type { TestControlPlane } from './support/start-control-plane';
import { diffSnapshots, snapshotStore } from './support/store-snapshot';

describe('REST API: errors', function () {
  let cp: TestControlPlane;
  let api: ApiClient;

  before(async function () {
    cp = await startTestControlPlane({ maxBodyBytes: TEST_MAX_BODY_BYTES });
    api = new ApiClient(cp.baseUrl, cp.adminToken);
    expectStatus(await api.put('/meshes/default/dataplanes/existing', dataplaneBody('default', 'existing')), 201);
  });

  after(async function () {
    await cp?.stop();
  });

  /**
   * Sends a request that must be rejected: asserts the problem (status, media type, field paths) and
   * that the store neither changed any resource nor recorded any write meanwhile.
   */
  async function rejected(send: () => Promise<ApiResponse>, status: number, fields?: readonly string[]): Promise<Problem> {
    const before = await snapshotStore(cp.controlPlane);
    const head = await cp.controlPlane.store.head();
    const problem = expectProblem(await send(), status, fields);
    assert.deepEqual(diffSnapshots(before, await snapshotStore(cp.controlPlane)), [], 'a rejected request changed the store');
    assert.equal(await cp.controlPlane.store.head(), head, 'a rejected request wrote to the store');
    return problem;
  }

  const json = (body: string) => ({ body, headers: { 'content-type': 'application/json' } });

  describe('unparsable bodies', function () {
    it('answers 400 naming body for malformed JSON', async function () {
      for (const body of ['{', '{"type": "Mesh",}', "{'a': 1}", 'NaN', '{"a": 1} trailing']) {
        const p = await rejected(() => api.request('PUT', '/meshes/bad-json', json(body)), 400, ['body']);
        assert.equal(p.type, '/problems/malformed');
      }
    });

    it('answers 400 naming body for malformed YAML, several documents and duplicate keys', async function () {
      for (const yaml of ['labels: [a, b\n', 'a: 1\n---\nb: 2\n', 'labels: {}\nlabels: {}\n', 'spec:\n  - a\n b: 1\n', '"unterminated']) {
        await rejected(() => api.request('PUT', '/meshes/bad-yaml', { yaml }), 400, ['body']);
      }
    });

    it('answers 400 for YAML values JSON cannot hold: timestamps, sets, binary, NaN, collection keys', async function () {
      const cases = [
        '%YAML 1.1\n---\nspec: 2001-12-14\n',
        '%YAML 1.1\n---\nspec: !!set {a, b}\n',
        '%YAML 1.1\n---\nspec: !!omap [enabled: true]\n',
        'spec: !!binary aGVsbG8=\n',
        'spec: {enabled: .nan}\n',
        'spec: {enabled: -.inf}\n',
        'spec: {? [a, b] : c}\n',
        'a: &k [x]\nspec: {*k : 1}\n',
      ];
      for (const yaml of cases) await rejected(() => api.request('PUT', '/zones/yaml-types', { yaml }), 400, ['body']);
      expectProblem(await api.get('/zones/yaml-types'), 404);
    });

    it('answers 400 to bodies nested too deeply, in JSON and in every YAML style, and stays up', async function () {
      const n = 30000;
      await rejected(() => api.request('PUT', '/meshes/deep', json('['.repeat(n) + ']'.repeat(n))), 400, ['body']);
      const yamls = [
        '- '.repeat(n) + 'a\nb: 1\n',
        '? '.repeat(n) + 'a\n',
        '['.repeat(n) + ']'.repeat(n),
        '{a: '.repeat(n / 3) + '1' + '}'.repeat(n / 3),
        Array.from({ length: 300 }, (_, i) => ' '.repeat(i) + 'a:').join('\n') + '\n',
        'spec: &a [*a]\n',
        // Collection keys nest cheaply but convert to JSON very slowly (a denial of service).
        '? '.repeat(500) + 'a\n',
      ];
      for (const yaml of yamls) await rejected(() => api.request('PUT', '/meshes/deep', { yaml }), 400, ['body']);
      expectStatus(await api.get('/healthz', { token: null }), 200);
    });

    it('parses YAML nested up to the limit in block style (depth is not over-counted)', async function () {
      // 60 levels of two-space indented maps below spec, with a sequence sharing its key's column.
      const lines = ['spec:'];
      for (let i = 1; i <= 58; i++) lines.push(`${'  '.repeat(i)}k${i}:`);
      lines.push(`${'  '.repeat(58)}- leaf`);
      const p = await rejected(() => api.request('PUT', '/zones/deep-ok', { yaml: lines.join('\n') + '\n' }), 400, ['spec.k1']);
      assert.equal(p.type, '/problems/invalid');
    });

    it('answers 400 naming body for non-UTF-8 bytes', async function () {
      await rejected(() => api.request('PUT', '/meshes/latin1', { body: Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]), headers: { 'content-type': 'application/json' } }), 400, ['body']);
    });

    it('answers 400 naming body for an empty body or one that is not an object', async function () {
      await rejected(() => api.request('PUT', '/meshes/empty', { headers: { 'content-type': 'application/json' } }), 400, ['body']);
      for (const body of ['null', '[]', '"mesh"', '42', 'true']) await rejected(() => api.request('PUT', '/meshes/not-object', json(body)), 400, ['body']);
    });
  });

  describe('invalid resources', function () {
    it('names the exact path of an invalid spec field', async function () {
      const body = dataplaneBody('default', 'bad-port', { port: 70000 });
      const p = await rejected(() => api.put('/meshes/default/dataplanes/bad-port', body), 400, ['spec.networking.inbound[0].port']);
      assert.equal(p.type, '/problems/invalid');
      assert.equal(p.instance, '/meshes/default/dataplanes/bad-port');
      assert.match(p.invalidParameters?.[0]?.reason ?? '', /65535/);
    });

    it('reports every violation of a body in one answer', async function () {
      const body = {
        spec: {
          networking: {
            address: 'not an address!',
            inbound: [
              { port: 8080, tags: { 'mycel.io/service': 'a' } },
              { port: 0, servicePort: 'x', tags: {} },
            ],
            outbound: [{ port: 9000 }],
          },
        },
        labels: { 'bad key!': 'v' },
      };
      await rejected(() => api.put('/meshes/default/dataplanes/many', body), 400, [
        'labels["bad key!"]',
        'spec.networking.address',
        'spec.networking.inbound[1].port',
        'spec.networking.inbound[1].servicePort',
        'spec.networking.inbound[1].tags["mycel.io/service"]',
        'spec.networking.outbound[0]',
      ]);
    });

    it('rejects unknown fields at the top level and inside the spec, storing nothing', async function () {
      await rejected(() => api.put('/meshes/unknown-top', { ...meshBody('unknown-top'), foo: 1 }), 400, ['foo']);
      await rejected(() => api.put('/meshes/unknown-spec', { ...meshBody('unknown-spec'), spec: { foo: {} } }), 400, ['spec.foo']);
      const dp = dataplaneBody('default', 'unknown-nested');
      const inbound = (dp.spec.networking.inbound[0] ?? {}) as Record<string, unknown>;
      inbound['bogus'] = true;
      await rejected(() => api.put('/meshes/default/dataplanes/unknown-nested', dp), 400, ['spec.networking.inbound[0].bogus']);
      for (const path of ['/meshes/unknown-top', '/meshes/unknown-spec', '/meshes/default/dataplanes/unknown-nested']) expectProblem(await api.get(path), 404);
    });

    it('rejects an update with an unknown field and keeps the stored resource', async function () {
      const before = await api.getJson<unknown>('/meshes/default/dataplanes/existing');
      await rejected(() => api.put('/meshes/default/dataplanes/existing', { ...dataplaneBody('default', 'existing'), extra: 1 }), 400, ['extra']);
      assert.deepEqual(await api.getJson<unknown>('/meshes/default/dataplanes/existing'), before);
    });

    it('rejects a body whose type, mesh or name contradicts the path', async function () {
      await rejected(() => api.put('/meshes/default/dataplanes/path-name', dataplaneBody('default', 'body-name')), 400, ['name']);
      await rejected(() => api.put('/meshes/default/dataplanes/path-mesh', dataplaneBody('other', 'path-mesh')), 400, ['mesh']);
      const p = await rejected(() => api.put('/meshes/default/dataplanes/path-type', { ...dataplaneBody('default', 'path-type'), type: 'Mesh' }), 400);
      // The body is then also checked as the type it names (a Mesh), hence more violations than `type`.
      assert.ok(p.invalidParameters?.some((v) => v.field === 'type' && /must be 'Dataplane'/.test(v.reason)), JSON.stringify(p));
      await rejected(() => api.put('/meshes/path-mesh-name', meshBody('other-name')), 400, ['name']);
    });

    it('rejects a name that is not a DNS-1123 subdomain', async function () {
      await rejected(() => api.put('/meshes/Bad_Name', {}), 400, ['name']);
      await rejected(() => api.put(`/meshes/${'a'.repeat(254)}`, {}), 400, ['name']);
      await rejected(() => api.put('/meshes/default/dataplanes/-dash', dataplaneBody('default', '-dash')), 400, ['name']);
    });

    it('reports a type mismatch in labels with the field path', async function () {
      await rejected(() => api.put('/meshes/label-type', { labels: { team: 1 } }), 400, ['labels.team']);
      await rejected(() => api.post('/tokens/user', { name: 'x', role: 'operator', meshes: ['a', 7] }), 400, ['meshes[1]']);
    });
  });

  describe('addressing', function () {
    it('answers 404 to unknown types, resources, meshes and paths', async function () {
      await rejected(() => api.get('/meshes/default/widgets'), 404);
      await rejected(() => api.get('/meshes/default/widgets/w'), 404);
      await rejected(() => api.put('/meshes/default/widgets/w', {}), 404);
      await rejected(() => api.delete('/meshes/default/widgets/w'), 404);
      await rejected(() => api.get('/widgets'), 404);
      await rejected(() => api.put('/widgets/w', {}), 404);
      await rejected(() => api.get('/meshes/default/dataplanes/nope'), 404);
      await rejected(() => api.delete('/meshes/default/dataplanes/nope'), 404);
      await rejected(() => api.get('/meshes/nope'), 404);
      await rejected(() => api.get('/meshes/nope/dataplanes'), 404);
      await rejected(() => api.get('/meshes/nope/dataplanes/x'), 404);
      await rejected(() => api.put('/meshes/nope/dataplanes/x', dataplaneBody('nope', 'x')), 404);
      await rejected(() => api.delete('/meshes/nope/dataplanes/x'), 404);
      await rejected(() => api.get('/a/b/c/d'), 404);
      await rejected(() => api.get('/meshes/default/dataplanes/existing/extra'), 404);
    });

    it('answers 400, not 500, to a path segment that is not valid percent-encoding', async function () {
      await rejected(() => api.get('/meshes/%ZZ'), 400);
      await rejected(() => api.put('/meshes/default/dataplanes/%E0%A4%A', dataplaneBody('default', 'x')), 400);
      await rejected(() => api.get('/zones/%'), 400);
    });

    it('answers 405 with Allow to a method a path does not serve', async function () {
      const cases: Array<[string, string, string]> = [
        ['DELETE', '/meshes', 'GET, HEAD'],
        ['POST', '/meshes', 'GET, HEAD'],
        ['PUT', '/meshes', 'GET, HEAD'],
        ['POST', '/meshes/default', 'DELETE, GET, HEAD, PUT'],
        ['PATCH', '/meshes/default', 'DELETE, GET, HEAD, PUT'],
        ['POST', '/meshes/default/dataplanes/existing', 'DELETE, GET, HEAD, PUT'],
        ['DELETE', '/meshes/default/dataplanes', 'GET, HEAD'],
        ['DELETE', '/_resources', 'GET, HEAD'],
      ];
      for (const [method, path, allow] of cases) {
        const p = await rejected(() => api.request(method, path, method === 'DELETE' ? {} : json('{}')), 405);
        assert.equal(p.type, '/problems/method-not-allowed');
        const res = await api.request(method, path, method === 'DELETE' ? {} : json('{}'));
        assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
      }
    });

    it('answers 405 with Allow: GET to writes of read-only types', async function () {
      for (const [method, path] of [
        ['PUT', '/meshes/default/dataplane-insights/existing'],
        ['DELETE', '/meshes/default/dataplane-insights/existing'],
        ['PUT', '/zone-insights/z'],
        ['DELETE', '/zone-insights/z'],
      ] as const) {
        const res = await api.request(method, path, method === 'PUT' ? json('{}') : {});
        expectProblem(res, 405);
        assert.equal(res.headers.get('allow'), 'GET', `${method} ${path}`);
      }
      expectStatus(await api.get('/meshes/default/dataplane-insights'), 200);
    });
  });

  describe('preconditions', function () {
    it('answers 409 to a stale If-Match and to If-Match on a missing resource', async function () {
      const current = await api.getJson<{ version: string }>('/meshes/default/dataplanes/existing');
      const stale = `"${Number(current.version) + 5}"`;
      await rejected(() => api.put('/meshes/default/dataplanes/existing', dataplaneBody('default', 'existing', { port: 1234 }), { headers: { 'if-match': stale } }), 409);
      await rejected(() => api.delete('/meshes/default/dataplanes/existing', { headers: { 'if-match': stale } }), 409);
      await rejected(() => api.put('/meshes/default/dataplanes/missing', dataplaneBody('default', 'missing'), { headers: { 'if-match': '"1"' } }), 409);
      await rejected(() => api.put('/meshes/missing-mesh', meshBody('missing-mesh'), { headers: { 'if-match': '*' } }), 409);
      await rejected(() => api.delete('/meshes/default/dataplanes/missing', { headers: { 'if-match': '"1"' } }), 409);
      await rejected(() => api.delete('/meshes/missing-mesh', { headers: { 'if-match': '*' } }), 409);
    });

    it('answers 400 naming the header to a malformed If-Match', async function () {
      for (const ifMatch of ['abc', '"1', '1"', 'W/1', 'w/"1"', '1.0', '"-1"', '"1", "2"', '**']) {
        await rejected(() => api.put('/meshes/default/dataplanes/existing', dataplaneBody('default', 'existing'), { headers: { 'if-match': ifMatch } }), 400, ['header If-Match']);
      }
    });
  });

  describe('body limits and media types', function () {
    const big = JSON.stringify({ ...meshBody('big'), labels: { filler: 'x' }, spec: { pad: 'y'.repeat(TEST_MAX_BODY_BYTES) } });

    it('answers 413 to a body over the limit sent with Content-Length', async function () {
      const p = await rejected(() => api.request('PUT', '/meshes/big', json(big)), 413);
      assert.equal(p.type, '/problems/payload-too-large');
      const raw = await rawRequest({
        port: cp.port,
        method: 'PUT',
        path: '/meshes/big',
        headers: { authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) },
        chunks: [big],
      });
      expectProblem(raw, 413);
    });

    it('answers 413 to a chunked body that grows over the limit', async function () {
      const chunk = 'x'.repeat(16 * 1024);
      const before = await snapshotStore(cp.controlPlane);
      const res = await rawRequest({
        port: cp.port,
        method: 'PUT',
        path: '/meshes/big-chunked',
        headers: { authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        chunks: ['{"spec": {"pad": "', chunk, chunk, chunk, chunk, chunk, '"}}'],
      });
      expectProblem(res, 413);
      assert.deepEqual(diffSnapshots(before, await snapshotStore(cp.controlPlane)), []);
    });

    it('accepts a body just under the limit', async function () {
      const pad = 'z'.repeat(TEST_MAX_BODY_BYTES - 200);
      const body = JSON.stringify({ spec: { data: Buffer.from(pad).toString('base64').slice(0, Math.floor((TEST_MAX_BODY_BYTES - 200) / 4) * 4) } });
      assert.ok(Buffer.byteLength(body) <= TEST_MAX_BODY_BYTES);
      expectStatus(await api.request('PUT', '/global-secrets/just-under', json(body)), 201);
    });

    it('answers 415 to a body in another media type, or without one', async function () {
      for (const contentType of ['text/plain', 'application/xml', 'application/jsonx', 'multipart/form-data; boundary=x']) {
        const p = await rejected(() => api.request('PUT', '/meshes/media', { body: '{}', headers: { 'content-type': contentType } }), 415);
        assert.equal(p.type, '/problems/unsupported-media-type');
      }
      await rejected(() => api.request('PUT', '/meshes/media', { body: new TextEncoder().encode('{}') }), 415);
    });

    it('accepts media type parameters and any letter case', async function () {
      expectStatus(await api.request('PUT', '/meshes/media-ok', { body: '{}', headers: { 'content-type': 'Application/JSON; charset=utf-8' } }), 201);
    });
  });
});
