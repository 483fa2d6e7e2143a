import assert from 'node:assert/strict';
import { ApiClient, expectProblem, expectStatus } from './support/http';
import type { Page, Resource } from './support/http';
import { dataplaneBody, meshBody } from './support/resources';
import { startTestControlPlane } from './support/start-control-plane';
import type { TestControlPlane } from './support/start-control-plane';

describe('REST API: PUT ?dryRun=true', function () {
  let cp: TestControlPlane;
  let api: ApiClient;

  before(async function () {
    cp = await startTestControlPlane();
    api = new ApiClient(cp.baseUrl, cp.adminToken);
  });

  after(async function () {
    await cp?.stop();
  });

  /** Runs `fn` and asserts that the store saw no write meanwhile (its change feed did not move). */
  async function expectNoWrite(fn: () => Promise<void>): Promise<void> {
    const before = await cp.controlPlane.store.head();
    await fn();
    assert.equal(await cp.controlPlane.store.head(), before, 'a dry run must not write');
  }

  it('answers 201 created for a new mesh, with the resource it would store, and stores nothing', async function () {
    await expectNoWrite(async () => {
      const res = await api.put('/meshes/dry-new?dryRun=true', meshBody('dry-new', { team: 'a' }));
      expectStatus(res, 201);
      assert.equal(res.headers.get('x-mycel-outcome'), 'created');
      assert.equal(res.headers.get('x-mycel-dry-run'), 'true');
      assert.equal(res.headers.get('etag'), null, 'nothing was stored, so there is no version to name');
      const r = res.json as Resource;
      assert.equal(r.type, 'Mesh');
      assert.equal(r.name, 'dry-new');
      assert.deepEqual(r.labels, { team: 'a' });
      assert.equal(r.version, '1');
      assert.equal(r.creationTime, r.modificationTime);
    });
    expectProblem(await api.get('/meshes/dry-new'), 404);
    const meshes = await api.getJson<Page>('/meshes');
    assert.ok(!meshes.items.some((m) => m.name === 'dry-new'));
  });

  it('answers 200 updated with the next version, or 200 unchanged, and leaves the stored resource alone', async function () {
    expectStatus(await api.put('/meshes/dry-upd', meshBody('dry-upd', { team: 'a' })), 201);
    const stored = await api.getJson<Resource>('/meshes/dry-upd');

    await expectNoWrite(async () => {
      const updated = await api.put('/meshes/dry-upd?dryRun=true', meshBody('dry-upd', { team: 'b' }));
      expectStatus(updated, 200);
      assert.equal(updated.headers.get('x-mycel-outcome'), 'updated');
      assert.equal(updated.headers.get('x-mycel-dry-run'), 'true');
      const u = updated.json as Resource;
      assert.equal(u.version, '2');
      assert.deepEqual(u.labels, { team: 'b' });
      assert.equal(u.creationTime, stored.creationTime);

      const same = await api.put('/meshes/dry-upd?dryRun=true', meshBody('dry-upd', { team: 'a' }));
      expectStatus(same, 200);
      assert.equal(same.headers.get('x-mycel-outcome'), 'unchanged');
      assert.deepEqual(same.json, stored);
    });
    assert.deepEqual(await api.getJson<Resource>('/meshes/dry-upd'), stored);
  });

  it('dry-runs mesh-scoped and other global types the same way', async function () {
    await expectNoWrite(async () => {
      const dp = await api.put('/meshes/default/dataplanes/dry-dp?dryRun=true', dataplaneBody('default', 'dry-dp'));
      expectStatus(dp, 201);
      assert.equal(dp.headers.get('x-mycel-outcome'), 'created');
      assert.equal((dp.json as Resource).mesh, 'default');
      const zone = await api.put('/zones/dry-zone?dryRun=true', { type: 'Zone', name: 'dry-zone', spec: { enabled: true } });
      expectStatus(zone, 201);
      assert.equal(zone.headers.get('x-mycel-dry-run'), 'true');
    });
    expectProblem(await api.get('/meshes/default/dataplanes/dry-dp'), 404);
    expectProblem(await api.get('/zones/dry-zone'), 404);
  });

  it('still rejects invalid bodies with every field, a missing mesh, stale If-Match and read-only types', async function () {
    await expectNoWrite(async () => {
      const body = dataplaneBody('default', 'dry-bad', { port: 70000 });
      expectProblem(await api.put('/meshes/default/dataplanes/dry-bad?dryRun=true', body), 400, ['spec.networking.inbound[0].port']);
      expectProblem(await api.put('/meshes/nope/dataplanes/dry-dp?dryRun=true', dataplaneBody('nope', 'dry-dp')), 404);
      expectProblem(await api.put('/meshes/default?dryRun=true', meshBody('default'), { headers: { 'if-match': '"999"' } }), 409);
      expectProblem(await api.put('/meshes/dry-absent?dryRun=true', meshBody('dry-absent'), { headers: { 'if-match': '*' } }), 409);
      expectProblem(await api.put('/meshes/default/dataplane-insights/x?dryRun=true', {}), 405);
    });
    const current = await api.getJson<Resource>('/meshes/default');
    const matching = await api.put('/meshes/default?dryRun=true', meshBody('default', { dry: 'run' }), { headers: { 'if-match': `"${current.version}"` } });
    expectStatus(matching, 200);
    assert.equal(matching.headers.get('x-mycel-outcome'), 'updated');
  });

  it('checks authorization: a viewer cannot dry-run a write, and no token is 401', async function () {
    const issued = await api.post('/tokens/user', { name: 'dry-viewer', role: 'viewer', validFor: '1h' });
    expectStatus(issued, 200);
    const viewer = api.as((issued.json as { token: string }).token);
    await expectNoWrite(async () => {
      expectProblem(await viewer.put('/meshes/dry-view?dryRun=true', meshBody('dry-view')), 403);
      expectProblem(await api.as(null).put('/meshes/dry-view?dryRun=true', meshBody('dry-view')), 401);
    });
  });

  it('dryRun=false writes; a bad value, an unknown or misspelt parameter is a 400 that writes nothing', async function () {
    const res = await api.put('/meshes/dry-false?dryRun=false', meshBody('dry-false'));
    expectStatus(res, 201);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(res.headers.get('x-mycel-dry-run'), null);

    await expectNoWrite(async () => {
      expectProblem(await api.put('/meshes/dry-typo?dryRun=yes', meshBody('dry-typo')), 400, ['dryRun']);
      expectProblem(await api.put('/meshes/dry-typo?dryRun=true&dryRun=true', meshBody('dry-typo')), 400, ['dryRun']);
      expectProblem(await api.put('/meshes/dry-typo?dryrun=true', meshBody('dry-typo')), 400, ['dryrun']);
      expectProblem(await api.put('/meshes/default/dataplanes/dry-typo?force=1', dataplaneBody('default', 'dry-typo')), 400, ['force']);
      expectProblem(await api.put('/zones/dry-typo?dry_run=true', { spec: {} }), 400, ['dry_run']);
    });
    expectProblem(await api.get('/meshes/dry-typo'), 404);
  });

  it('is refused on DELETE (so nothing is deleted by mistake) and on listings', async function () {
    expectStatus(await api.put('/meshes/dry-keep', meshBody('dry-keep')), 201);
    expectStatus(await api.put('/meshes/dry-keep/dataplanes/dp', dataplaneBody('dry-keep', 'dp')), 201);
    expectStatus(await api.put('/zones/dry-keep', { spec: {} }), 201);
    await expectNoWrite(async () => {
      expectProblem(await api.delete('/meshes/dry-keep?dryRun=true'), 400, ['dryRun']);
      expectProblem(await api.delete('/meshes/dry-keep/dataplanes/dp?dryRun=true'), 400, ['dryRun']);
      expectProblem(await api.delete('/zones/dry-keep?dryRun=true'), 400, ['dryRun']);
      expectProblem(await api.get('/meshes?dryRun=true'), 400, ['dryRun']);
      expectProblem(await api.get('/meshes/dry-keep/dataplanes?dryRun=true'), 400, ['dryRun']);
    });
    expectStatus(await api.get('/meshes/dry-keep/dataplanes/dp'), 200);
    expectStatus(await api.get('/zones/dry-keep'), 200);
  });
});
