import assert from 'node:assert/strict';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError, createCoreRegistry } from '@mycel/core';
import type { DataplaneSpec } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { DataplaneTokenIssuer, DataplaneTokenRevocations, DataplaneTokenValidator } from '../dataplane-tokens';
import { MeshSigningKeys } from '../mesh-keys';
import { BootstrapService } from './bootstrap.service';

const HOUR = 3_600_000;

const svc = (service: string): Record<string, string> => ({ 'mycel.io/service': service, 'mycel.io/protocol': 'http' });

function dataplane(name: string, spec: DataplaneSpec, mesh = 'default'): Record<string, unknown> {
  return { type: 'Dataplane', mesh, name, labels: { team: 'a' }, spec };
}

const webSpec: DataplaneSpec = { networking: { address: '10.0.0.1', inbound: [{ port: 8080, servicePort: 80, tags: svc('web') }] } };

function at(value: unknown, ...path: Array<string | number>): unknown {
  let v = value;
  for (const p of path) v = (v as Record<string | number, unknown>)[p];
  return v;
}

describe('BootstrapService', () => {
  let store: MemoryStore;
  let issuer: DataplaneTokenIssuer;
  let service: BootstrapService;

  beforeEach(async () => {
    store = new MemoryStore();
    const keys = new MeshSigningKeys({ store });
    const revocations = new DataplaneTokenRevocations({ store });
    issuer = new DataplaneTokenIssuer({ keys, now: () => new Date() });
    const tokens = new DataplaneTokenValidator({ keys, revocations, now: () => new Date() });
    service = new BootstrapService({ store, registry: createCoreRegistry(), tokens, advertisedAddress: '10.0.0.100', advertisedPort: 5678, zone: 'zone-1' });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
  });
  afterEach(() => store.close());

  const tokenFor = (name: string): Promise<string> => issuer.issue({ mesh: 'default', name, validForMs: HOUR });
  const dataplanes = async (): Promise<string[]> => (await store.list({ type: 'Dataplane' })).items.map((r) => `${r.mesh}/${r.name}@${r.version}`);

  it('registers the sent dataplane and returns its Envoy bootstrap; the same request again changes nothing', async () => {
    const token = await tokenFor('web-1');
    const body = { mesh: 'default', name: 'web-1', token, kind: 'envoy', dataplane: dataplane('web-1', webSpec) };
    const result = await service.bootstrap(body);
    assert.equal(result.registration, 'created');
    assert.equal(result.kind, 'envoy');
    assert.deepEqual(result.dataplane.labels, { team: 'a' });
    assert.equal(at(result.bootstrap, 'node', 'id'), 'default.web-1');
    assert.equal(at(result.bootstrap, 'node', 'cluster'), 'web');
    assert.equal(at(result.bootstrap, 'dynamic_resources', 'ads_config', 'grpc_services', 0, 'initial_metadata', 0, 'value'), `Bearer ${token}`);
    assert.equal(at(result.bootstrap, 'admin', 'address', 'socket_address', 'port_value'), 9901);
    assert.deepEqual(await dataplanes(), ['default/web-1@1']);
    assert.equal((await service.bootstrap(body)).registration, 'unchanged');
    assert.deepEqual(await dataplanes(), ['default/web-1@1']);
  });

  it('updates a registered dataplane whose spec changed (the agent re-registers after a restart)', async () => {
    const token = await tokenFor('web-1');
    await service.bootstrap({ mesh: 'default', name: 'web-1', token, kind: 'envoy', dataplane: dataplane('web-1', webSpec) });
    const moved: DataplaneSpec = { networking: { ...webSpec.networking, address: '10.0.0.2' } };
    const result = await service.bootstrap({ mesh: 'default', name: 'web-1', token, kind: 'envoy', dataplane: dataplane('web-1', moved) });
    assert.equal(result.registration, 'updated');
    assert.deepEqual(await dataplanes(), ['default/web-1@2']);
  });

  it('bootstraps an existing dataplane without registering, and says 404 when there is none', async () => {
    const token = await tokenFor('web-1');
    await assert.rejects(service.bootstrap({ mesh: 'default', name: 'web-1', token, kind: 'envoy' }), (err: unknown) => err instanceof NotFoundError && /dataplane default\/web-1 does not exist/.test(err.message));
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'web-1', labels: {}, spec: { networking: { ...webSpec.networking, admin: { port: 9902 } } } });
    const result = await service.bootstrap({ mesh: 'default', name: 'web-1', token, kind: 'envoy' });
    assert.equal(result.registration, 'existing');
    assert.equal(at(result.bootstrap, 'admin', 'address', 'socket_address', 'port_value'), 9902, "the dataplane's admin port");
  });

  it('returns the gRPC bootstrap for a proxyless dataplane', async () => {
    const token = await tokenFor('echo-1');
    const result = await service.bootstrap({ mesh: 'default', name: 'echo-1', token, kind: 'grpc', dataplane: dataplane('echo-1', webSpec), version: { mycelDp: '0.1.0' } });
    assert.deepEqual(at(result.bootstrap, 'node', 'locality'), { zone: 'zone-1' });
    assert.equal(at(result.bootstrap, 'node', 'metadata', 'mycel.io/token'), token);
    assert.deepEqual(at(result.bootstrap, 'node', 'metadata', 'mycel.io/version'), { mycelDp: '0.1.0' });
    assert.equal(at(result.bootstrap, 'xds_servers', 0, 'server_uri'), '10.0.0.100:5678');
  });

  it('checks the token before anything else is looked at, and stores nothing when it is refused', async () => {
    const invalidDataplane = dataplane('web-1', { networking: {} } as unknown as DataplaneSpec);
    await assert.rejects(service.bootstrap({ mesh: 'default', name: 'web-1', kind: 'envoy', dataplane: invalidDataplane }), (err: unknown) => err instanceof UnauthenticatedError && /no token given/.test(err.message));
    await assert.rejects(service.bootstrap({ mesh: 'default', name: 'web-1', token: 'garbage', kind: 'envoy', dataplane: dataplane('web-1', webSpec) }), UnauthenticatedError);
    const other = await tokenFor('web-2');
    await assert.rejects(service.bootstrap({ mesh: 'default', name: 'web-1', token: other, kind: 'envoy', dataplane: dataplane('web-1', webSpec) }), (err: unknown) => err instanceof ForbiddenError && /token is for dataplane 'web-2'/.test(err.message));
    const tagged = await issuer.issue({ mesh: 'default', tags: { 'mycel.io/service': 'db' }, validForMs: HOUR });
    await assert.rejects(service.bootstrap({ mesh: 'default', name: 'web-1', token: tagged, kind: 'envoy', dataplane: dataplane('web-1', webSpec) }), (err: unknown) => err instanceof ForbiddenError && /mycel.io\/service='web'; the token allows 'db'/.test(err.message));
    assert.deepEqual(await dataplanes(), []);
  });

  it('does not let a tags-bound token take over a dataplane of another service', async () => {
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'db-1', labels: {}, spec: { networking: { address: '10.0.0.9', inbound: [{ port: 5432, tags: { 'mycel.io/service': 'db' } }] } } });
    const web = await issuer.issue({ mesh: 'default', tags: { 'mycel.io/service': 'web' }, validForMs: HOUR });
    await assert.rejects(service.bootstrap({ mesh: 'default', name: 'db-1', token: web, kind: 'envoy', dataplane: dataplane('db-1', webSpec) }), (err: unknown) => err instanceof ForbiddenError && /already exists, and this token may not replace it/.test(err.message));
    assert.deepEqual(await dataplanes(), ['default/db-1@1']);
  });

  it('validates the sent dataplane as a resource, with paths under dataplane', async () => {
    const token = await tokenFor('web-1');
    const bad = { type: 'Dataplane', name: 'web-2', spec: { networking: { address: '10.0.0.1', inbound: [{ port: 0, tags: {} }] } }, extra: 1 };
    await assert.rejects(service.bootstrap({ mesh: 'default', name: 'web-1', token, kind: 'envoy', dataplane: bad }), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.violations.map((v) => v.field), [
        'dataplane.extra',
        'dataplane.name',
        'dataplane.spec.networking.inbound[0].port',
        'dataplane.spec.networking.inbound[0].tags["mycel.io/service"]',
      ]);
      return true;
    });
    assert.deepEqual(await dataplanes(), []);
  });

  it('refuses an admin port that contradicts the dataplane, and a proxyless gateway, storing nothing', async () => {
    const token = await tokenFor('web-1');
    const withAdmin: DataplaneSpec = { networking: { ...webSpec.networking, admin: { port: 9902 } } };
    await assert.rejects(service.bootstrap({ mesh: 'default', name: 'web-1', token, kind: 'envoy', adminPort: 9903, dataplane: dataplane('web-1', withAdmin) }), /adminPort: must equal the dataplane's networking.admin.port \(9902\), got 9903/);
    const gateway: DataplaneSpec = { networking: { address: '10.0.0.1', gateway: { type: 'BUILTIN', tags: { 'mycel.io/service': 'edge' } } } };
    await assert.rejects(service.bootstrap({ mesh: 'default', name: 'web-1', token, kind: 'grpc', dataplane: dataplane('web-1', gateway) }), /kind: must be 'envoy' for a gateway dataplane/);
    assert.deepEqual(await dataplanes(), []);
  });
});
