import assert from 'node:assert/strict';
import { registerPolicyTypes } from '@mycel/policies';
import { ApiClient, expectProblem, expectStatus } from './support/http';
import type { Resource } from './support/http';
import { dataplaneBody, meshBody } from './support/resources';
import { startTestControlPlane } from './support/start-control-plane';
import type { TestControlPlane } from './support/start-control-plane';

// The API's multi-zone ownership rules, per mode, on in-process control planes without NATS:
// synced copies are planted directly in the store, as KDS would write them.

describe('multi-zone API write rules', function () {
  describe('on global', function () {
    let cp: TestControlPlane;
    let api: ApiClient;
    before(async function () {
      cp = await startTestControlPlane({ mode: 'global', registerTypes: registerPolicyTypes });
      api = new ApiClient(cp.baseUrl, cp.adminToken);
    });
    after(async () => cp?.stop());

    it('refuses creating dataplanes (405 naming the zones) and accepts meshes', async function () {
      const p = expectProblem(await api.put('/meshes/default/dataplanes/web-1', dataplaneBody('default', 'web-1')), 405);
      assert.match(p.detail, /dataplanes are created in zones and synced to the global control plane, where they are read-only/);
      expectStatus(await api.put('/meshes/m1', meshBody('m1')), 201);
      assert.equal((await api.get('/meshes/default/dataplanes')).status, 200, 'reads stay allowed');
    });

    it('refuses changing or deleting copies synced from a zone, and refuses the zone origin label', async function () {
      await cp.controlPlane.store.create({ type: 'Mesh', name: 'zoned', labels: { 'mycel.io/origin': 'zone', 'mycel.io/zone': 'east' }, spec: {} });
      assert.match(expectProblem(await api.put('/meshes/zoned', meshBody('zoned')), 409).detail, /managed by zone 'east'/);
      assert.match(expectProblem(await api.delete('/meshes/zoned'), 409).detail, /managed by zone 'east'/);
      expectProblem(await api.put('/meshes/fake', meshBody('fake', { 'mycel.io/origin': 'zone' })), 400, ['labels["mycel.io/origin"]']);
    });

    it('adds no status to Zones when KDS is not running, and shows Zones as ordinary resources', async function () {
      expectStatus(await api.put('/zones/east', { type: 'Zone', name: 'east', spec: {} }), 201);
      const zone = await api.getJson<Resource & { status?: unknown }>('/zones/east');
      assert.equal(zone.status, undefined);
    });
  });

  describe('in a zone', function () {
    let cp: TestControlPlane;
    let api: ApiClient;
    before(async function () {
      cp = await startTestControlPlane({ mode: 'zone', localhostIsAdmin: true, registerTypes: registerPolicyTypes });
      api = new ApiClient(cp.baseUrl, null);
      await cp.controlPlane.store.create({ type: 'Mesh', name: 'default', labels: { 'mycel.io/origin': 'global' }, spec: {} });
    });
    after(async () => cp?.stop());

    it('creates no default mesh of its own (meshes come from global)', async function () {
      const meshes = await api.getJson<{ items: Resource[] }>('/meshes');
      assert.deepEqual(meshes.items.map((m) => [m.name, m.labels['mycel.io/origin']]), [['default', 'global']]);
    });

    it('refuses creating meshes (405: use global) and changing or deleting resources synced from global (409)', async function () {
      assert.match(expectProblem(await api.put('/meshes/local', meshBody('local')), 405).detail, /in zone mode meshes are created on the global control plane/);
      assert.match(expectProblem(await api.put('/meshes/default', meshBody('default', { a: 'b' })), 409).detail, /managed by the global control plane/);
      assert.match(expectProblem(await api.delete('/meshes/default'), 409).detail, /delete it on the global control plane/);
      const policy = {
        type: 'MeshTimeout', mesh: 'default', name: 'from-global', labels: { 'mycel.io/origin': 'global' },
        spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '5s' } } }] },
      };
      await cp.controlPlane.store.create(policy);
      expectProblem(await api.put('/meshes/default/meshtimeouts/from-global', { ...policy, labels: {} }), 409);
      expectProblem(await api.delete('/meshes/default/meshtimeouts/from-global'), 409);
    });

    it('accepts dataplanes and zone-origin policies, but not the global origin label', async function () {
      expectStatus(await api.put('/meshes/default/dataplanes/web-1', dataplaneBody('default', 'web-1')), 201);
      const local = {
        type: 'MeshTimeout', mesh: 'default', name: 'zone-local', labels: {},
        spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '3s' } } }] },
      };
      expectStatus(await api.put('/meshes/default/meshtimeouts/zone-local', local), 201);
      expectStatus(await api.delete('/meshes/default/meshtimeouts/zone-local'), 204);
      expectProblem(await api.put('/meshes/default/meshtimeouts/fake', { ...local, name: 'fake', labels: { 'mycel.io/origin': 'global' } }), 400, ['labels["mycel.io/origin"]']);
    });
  });
});
