import assert from 'node:assert/strict';
import { ApiClient, expectProblem, expectStatus } from './support/http';
import type { Page, Resource } from './support/http';
import { dataplaneBody, dataplaneYaml, meshBody } from './support/resources';
import { startTestControlPlane } from './support/start-control-plane';
import type { TestControlPlane } from './support/start-control-plane';

describe('REST API: resources', function () {
  let cp: TestControlPlane;
  let api: ApiClient;

  before(async function () {
    cp = await startTestControlPlane();
    api = new ApiClient(cp.baseUrl, cp.adminToken);
  });

  after(async function () {
    await cp?.stop();
  });

  function assertStoreFields(r: Resource): void {
    assert.match(r.creationTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.match(r.modificationTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.match(r.version, /^\d+$/);
  }

  describe('Mesh CRUD', function () {
    it('creates, reads, updates, leaves unchanged and deletes a mesh (JSON)', async function () {
      const created = await api.put('/meshes/crud-json', meshBody('crud-json', { team: 'payments' }));
      expectStatus(created, 201);
      assert.equal(created.headers.get('etag'), '"1"');
      assert.equal(created.headers.get('x-mycel-outcome'), 'created');
      const c = created.json as Resource;
      assert.equal(c.type, 'Mesh');
      assert.equal(c.name, 'crud-json');
      assert.equal(c.mesh, undefined);
      assert.deepEqual(c.labels, { team: 'payments' });
      assert.deepEqual(c.spec, {});
      assert.equal(c.version, '1');
      assertStoreFields(c);

      const got = await api.get('/meshes/crud-json');
      expectStatus(got, 200);
      assert.equal(got.headers.get('etag'), '"1"');
      assert.match(got.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(got.json, c);

      const same = await api.put('/meshes/crud-json', meshBody('crud-json', { team: 'payments' }));
      expectStatus(same, 200);
      assert.equal(same.headers.get('x-mycel-outcome'), 'unchanged');
      assert.equal(same.headers.get('etag'), '"1"');
      assert.deepEqual(same.json, c);

      const updated = await api.put('/meshes/crud-json', meshBody('crud-json', { team: 'search' }));
      expectStatus(updated, 200);
      assert.equal(updated.headers.get('x-mycel-outcome'), 'updated');
      assert.equal(updated.headers.get('etag'), '"2"');
      const u = updated.json as Resource;
      assert.equal(u.version, '2');
      assert.deepEqual(u.labels, { team: 'search' });
      assert.equal(u.creationTime, c.creationTime);
      assert.ok(u.modificationTime >= c.modificationTime);

      const deleted = await api.delete('/meshes/crud-json');
      expectStatus(deleted, 204);
      assert.equal(deleted.text, '');
      expectProblem(await api.get('/meshes/crud-json'), 404);
      expectProblem(await api.delete('/meshes/crud-json'), 404);
    });

    it('accepts YAML bodies and fills type and name from the path', async function () {
      const created = await api.request('PUT', '/meshes/crud-yaml', { yaml: 'labels:\n  team: ads\n' });
      expectStatus(created, 201);
      const c = created.json as Resource;
      assert.equal(c.type, 'Mesh');
      assert.equal(c.name, 'crud-yaml');
      assert.deepEqual(c.labels, { team: 'ads' });

      for (const contentType of ['application/x-yaml', 'text/yaml', 'application/yaml; charset=utf-8']) {
        const res = await api.request('PUT', '/meshes/crud-yaml', { body: 'type: Mesh\nname: crud-yaml\nlabels: {team: ads}\n', headers: { 'content-type': contentType } });
        expectStatus(res, 200, contentType);
        assert.equal(res.headers.get('x-mycel-outcome'), 'unchanged');
      }
      expectStatus(await api.delete('/meshes/crud-yaml'), 204);
    });

    it('accepts a GET response sent back unchanged (store-set fields are ignored)', async function () {
      expectStatus(await api.put('/meshes/reapply', meshBody('reapply')), 201);
      const got = (await api.getJson<Resource>('/meshes/reapply'));
      const again = await api.put('/meshes/reapply', { ...got, version: '77', creationTime: '2001-01-01T00:00:00Z' });
      expectStatus(again, 200);
      assert.equal(again.headers.get('x-mycel-outcome'), 'unchanged');
      assert.deepEqual(again.json, got);
    });

    it('answers HEAD like GET, without a body', async function () {
      const head = await api.request('HEAD', '/meshes/default');
      expectStatus(head, 200);
      assert.equal(head.text, '');
      assert.match(head.headers.get('etag') ?? '', /^"\d+"$/);
      const missing = await api.request('HEAD', '/meshes/absent');
      expectStatus(missing, 404);
      assert.match(missing.headers.get('content-type') ?? '', /^application\/problem\+json/);
    });

    it('lists meshes, including the default mesh', async function () {
      const page = await api.getJson<Page>('/meshes');
      assert.ok(page.items.some((m) => m.name === 'default'));
      assert.equal(page.total, page.items.length);
      assert.equal(page.next, null);
    });
  });

  describe('Dataplane CRUD', function () {
    it('creates, reads, updates (YAML), leaves unchanged and deletes a dataplane', async function () {
      const path = '/meshes/default/dataplanes/dp-crud';
      const created = await api.put(path, dataplaneBody('default', 'dp-crud'));
      expectStatus(created, 201);
      assert.equal(created.headers.get('x-mycel-outcome'), 'created');
      assert.equal(created.headers.get('etag'), '"1"');
      const c = created.json as Resource;
      assert.equal(c.type, 'Dataplane');
      assert.equal(c.mesh, 'default');
      assert.equal(c.name, 'dp-crud');
      assert.deepEqual(c.spec, dataplaneBody('default', 'dp-crud').spec);
      assertStoreFields(c);

      const got = await api.get(path);
      expectStatus(got, 200);
      assert.equal(got.headers.get('etag'), '"1"');
      assert.deepEqual(got.json, c);

      const yamlUpdate = await api.request('PUT', path, { yaml: dataplaneYaml('default', 'dp-crud', 9090) });
      expectStatus(yamlUpdate, 200);
      assert.equal(yamlUpdate.headers.get('x-mycel-outcome'), 'updated');
      assert.equal(yamlUpdate.headers.get('etag'), '"2"');
      const u = yamlUpdate.json as Resource;
      assert.equal(u.version, '2');
      assert.deepEqual(u.labels, { team: 'web' });
      assert.equal(u.creationTime, c.creationTime);
      const inbound = (u.spec['networking'] as { inbound: Array<{ port: number }> }).inbound;
      assert.equal(inbound[0]?.port, 9090);

      const unchanged = await api.request('PUT', path, { yaml: dataplaneYaml('default', 'dp-crud', 9090) });
      expectStatus(unchanged, 200);
      assert.equal(unchanged.headers.get('x-mycel-outcome'), 'unchanged');
      assert.equal((unchanged.json as Resource).version, '2');

      expectStatus(await api.delete(path), 204);
      expectProblem(await api.get(path), 404);
    });

    it('fills type, mesh and name from the path when the body omits them', async function () {
      const { spec } = dataplaneBody('default', 'x');
      const res = await api.put('/meshes/default/dataplanes/dp-defaults', { spec });
      expectStatus(res, 201);
      const r = res.json as Resource;
      assert.deepEqual([r.type, r.mesh, r.name], ['Dataplane', 'default', 'dp-defaults']);
      expectStatus(await api.delete('/meshes/default/dataplanes/dp-defaults'), 204);
    });

    it('deleting a mesh deletes its dataplanes and secrets, and nothing in other meshes', async function () {
      expectStatus(await api.put('/meshes/doomed', meshBody('doomed')), 201);
      for (const name of ['dp-a', 'dp-b', 'dp-c']) expectStatus(await api.put(`/meshes/doomed/dataplanes/${name}`, dataplaneBody('doomed', name)), 201);
      expectStatus(await api.put('/meshes/doomed/secrets/s1', { spec: { data: Buffer.from('x').toString('base64') } }), 201);
      expectStatus(await api.put('/meshes/default/dataplanes/survivor', dataplaneBody('default', 'survivor')), 201);
      assert.equal((await api.getJson<Page>('/meshes/doomed/dataplanes')).total, 3);

      expectStatus(await api.delete('/meshes/doomed'), 204);
      expectProblem(await api.get('/meshes/doomed/dataplanes'), 404);
      expectProblem(await api.get('/meshes/doomed/dataplanes/dp-a'), 404);
      const remaining = await cp.controlPlane.store.list({ type: 'Dataplane', mesh: 'doomed' });
      assert.equal(remaining.total, 0);
      assert.equal((await cp.controlPlane.store.list({ type: 'Secret', mesh: 'doomed' })).total, 0);

      expectStatus(await api.put('/meshes/doomed', meshBody('doomed')), 201);
      const page = await api.getJson<Page>('/meshes/doomed/dataplanes');
      assert.deepEqual([page.items.length, page.total, page.next], [0, 0, null]);
      expectStatus(await api.get('/meshes/default/dataplanes/survivor'), 200);
      expectStatus(await api.delete('/meshes/doomed'), 204);
      expectStatus(await api.delete('/meshes/default/dataplanes/survivor'), 204);
    });
  });

  describe('global-scoped types', function () {
    it('serves zones at /zones', async function () {
      const created = await api.put('/zones/zone-1', { spec: { enabled: true } });
      expectStatus(created, 201);
      const z = created.json as Resource;
      assert.deepEqual([z.type, z.name, z.mesh], ['Zone', 'zone-1', undefined]);
      assert.deepEqual(z.spec, { enabled: true });

      const list = await api.getJson<Page>('/zones');
      assert.deepEqual(list.items.map((i) => i.name), ['zone-1']);
      assert.equal(list.total, 1);

      const updated = await api.request('PUT', '/zones/zone-1', { yaml: 'type: Zone\nname: zone-1\nspec:\n  enabled: false\n' });
      expectStatus(updated, 200);
      assert.equal((updated.json as Resource).version, '2');
      expectStatus(await api.delete('/zones/zone-1'), 204);
      expectProblem(await api.get('/zones/zone-1'), 404);
    });

    it('answers 404 for a global type under a mesh and a mesh-scoped type at the top level', async function () {
      expectProblem(await api.get('/meshes/default/zones'), 404);
      expectProblem(await api.put('/meshes/default/zones/z', { spec: {} }), 404);
      expectProblem(await api.get('/dataplanes'), 404);
      expectProblem(await api.get('/dataplanes/x'), 404);
      expectProblem(await api.put('/dataplanes/x', dataplaneBody('default', 'x')), 404);
    });

    it('rejects a mesh in the body of a global-scoped resource', async function () {
      expectProblem(await api.put('/zones/zone-2', { mesh: 'default', spec: {} }), 400, ['mesh']);
      expectProblem(await api.get('/zones/zone-2'), 404);
    });
  });

  describe('GET /_resources', function () {
    it('lists every registered type with its REST path', async function () {
      const catalog = await api.getJson<{ resources: Array<{ name: string; plural: string; scope: string; path: string; readOnly: boolean; sensitive: boolean }> }>('/_resources');
      const expected = cp.controlPlane.registry.list().map((d) => ({
        name: d.name,
        path: d.scope === 'mesh' ? `/meshes/{mesh}/${d.plural}` : `/${d.plural}`,
      }));
      assert.deepEqual(catalog.resources.map((r) => ({ name: r.name, path: r.path })), expected);
      const byName = new Map(catalog.resources.map((r) => [r.name, r]));
      assert.equal(byName.get('Mesh')?.path, '/meshes');
      assert.equal(byName.get('Dataplane')?.path, '/meshes/{mesh}/dataplanes');
      assert.equal(byName.get('Zone')?.path, '/zones');
      assert.equal(byName.get('DataplaneInsight')?.readOnly, true);
      assert.equal(byName.get('GlobalSecret')?.sensitive, true);
    });
  });

  describe('optimistic concurrency', function () {
    const path = '/meshes/default/dataplanes/dp-occ';

    before(async function () {
      expectStatus(await api.put(path, dataplaneBody('default', 'dp-occ')), 201);
    });

    it('accepts If-Match with the current version in every accepted spelling', async function () {
      let version = Number((await api.getJson<Resource>(path)).version);
      for (const ifMatch of [`"${version}"`, `W/"${version + 1}"`, `${version + 2}`, '*']) {
        const res = await api.put(path, dataplaneBody('default', 'dp-occ', { labels: { attempt: ifMatch.replace(/\W/g, 'x') } }), { headers: { 'if-match': ifMatch } });
        expectStatus(res, 200, `If-Match ${ifMatch}`);
        version += 1;
        assert.equal(res.headers.get('etag'), `"${version}"`);
      }
    });

    it('answers 409 to a stale If-Match on PUT and DELETE, and changes nothing', async function () {
      const current = await api.getJson<Resource>(path);
      const stale = `"${Number(current.version) - 1}"`;
      expectProblem(await api.put(path, dataplaneBody('default', 'dp-occ', { labels: { x: 'stale' } }), { headers: { 'if-match': stale } }), 409);
      expectProblem(await api.delete(path, { headers: { 'if-match': stale } }), 409);
      assert.deepEqual(await api.getJson<Resource>(path), current);
    });

    it('answers 409 to If-Match on a resource that does not exist, and creates nothing', async function () {
      for (const ifMatch of ['"1"', '*']) {
        expectProblem(await api.put('/meshes/default/dataplanes/dp-absent', dataplaneBody('default', 'dp-absent'), { headers: { 'if-match': ifMatch } }), 409);
      }
      expectProblem(await api.get('/meshes/default/dataplanes/dp-absent'), 404);
    });

    it('answers 400 to a malformed If-Match', async function () {
      expectProblem(await api.put(path, dataplaneBody('default', 'dp-occ'), { headers: { 'if-match': 'yesterday' } }), 400, ['header If-Match']);
    });

    it('lets exactly one of 20 concurrent PUTs with the same If-Match win; the rest get 409', async function () {
      const before = await api.getJson<Resource>(path);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api.put(path, dataplaneBody('default', 'dp-occ', { labels: { writer: `w${i}` } }), { headers: { 'if-match': `"${before.version}"` } }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, ...Array<number>(19).fill(409)], statuses.join(','));
      for (const r of results.filter((x) => x.status === 409)) expectProblem(r, 409);
      const winner = results.find((r) => r.status === 200)?.json as Resource;
      const after = await api.getJson<Resource>(path);
      assert.equal(after.version, String(Number(before.version) + 1));
      assert.deepEqual(after.labels, winner.labels);
    });

    it('serialises 20 concurrent unconditional PUTs: every one succeeds, the version counts them', async function () {
      const before = await api.getJson<Resource>(path);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => api.put(path, dataplaneBody('default', 'dp-occ', { labels: { writer: `u${i}` } }))),
      );
      for (const r of results) expectStatus(r, 200);
      const after = await api.getJson<Resource>(path);
      assert.equal(after.version, String(Number(before.version) + 20));
      assert.ok(results.some((r) => (r.json as Resource).version === after.version && JSON.stringify((r.json as Resource).labels) === JSON.stringify(after.labels)));
    });

    it('creates a new resource once under 20 concurrent unconditional PUTs: one 201, the rest 200', async function () {
      const racePath = '/meshes/default/dataplanes/dp-race';
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api.put(racePath, dataplaneBody('default', 'dp-race', { labels: { writer: `c${i}` } }))));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [...Array<number>(19).fill(200), 201], statuses.join(','));
      assert.equal(results.filter((r) => r.headers.get('x-mycel-outcome') === 'created').length, 1);
      expectStatus(await api.delete(racePath), 204);
    });

    it('leaves no dataplane behind when a mesh is deleted while dataplanes are being created in it', async function () {
      expectStatus(await api.put('/meshes/racing', meshBody('racing')), 201);
      const writes = Array.from({ length: 20 }, (_, i) => api.put(`/meshes/racing/dataplanes/dp-${i}`, dataplaneBody('racing', `dp-${i}`)));
      const deletion = api.delete('/meshes/racing');
      const results = await Promise.all(writes);
      expectStatus(await deletion, 204);
      for (const r of results) {
        if (r.status !== 201) expectProblem(r, 404);
      }
      expectProblem(await api.get('/meshes/racing'), 404);
      assert.equal((await cp.controlPlane.store.list({ type: 'Dataplane', mesh: 'racing' })).total, 0, 'orphaned dataplanes');
    });

    it('deletes with a matching If-Match', async function () {
      const current = await api.getJson<Resource>(path);
      expectStatus(await api.delete(path, { headers: { 'if-match': `"${current.version}"` } }), 204);
      expectProblem(await api.get(path), 404);
    });
  });
});
