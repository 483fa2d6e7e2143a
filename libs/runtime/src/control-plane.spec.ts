import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_KDS, UnavailableError } from '@mycel/core';
import type { ResourceTypeDescriptor } from '@mycel/core';
import type { ZoneApiExtensions } from '@mycel/api';
import { loadConfig } from '@mycel/config';
import type { ControlPlaneConfig } from '@mycel/config';
import { silentLogger } from '@mycel/telemetry';
import { startControlPlane } from './control-plane';
import type { ControlPlaneExtensionContext } from './control-plane';

const ExtraType: ResourceTypeDescriptor = Object.freeze({
  name: 'ExtraPolicy',
  plural: 'extrapolicies',
  singular: 'extrapolicy',
  scope: 'mesh',
  kds: NO_KDS,
  isPolicy: true,
  readOnly: false,
  sensitive: false,
  description: 'registered by the test',
  validate: () => [],
});

const zoneApi: ZoneApiExtensions = {
  issueDataplaneToken: () => Promise.resolve('token'),
  revokeDataplaneToken: () => Promise.resolve(),
  dataplaneConfig: (mesh, name) => Promise.resolve({ from: 'extension', mesh, name }),
  dataplaneRules: () => Promise.resolve({}),
};

describe('startControlPlane', () => {
  let dir: string;
  let config: ControlPlaneConfig;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mycel-runtime-'));
    const loaded = loadConfig({ flags: { 'apiServer.address': '127.0.0.1', 'auth.adminTokenFile': join(dir, 'admin-token') } });
    config = { ...loaded, apiServer: { ...loaded.apiServer, port: 0 } };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('registers extra types, runs the extension before the API, serves its zone API, and stops it before the store', async () => {
    const events: string[] = [];
    let seen: ControlPlaneExtensionContext | undefined;
    const cp = await startControlPlane({
      config,
      logger: silentLogger,
      serviceName: 'zone-cp',
      registerTypes: (registry) => registry.register(ExtraType),
      extend: async (ctx) => {
        seen = ctx;
        assert.ok(ctx.registry.get('ExtraPolicy'), 'extra types are registered before the extension starts');
        assert.ok(await ctx.store.find({ type: 'Mesh', name: 'default' }), 'the default mesh exists');
        events.push('extension started');
        return {
          zoneApi,
          marker: 42,
          stop: async () => {
            await ctx.store.head(); // the store is still open
            events.push('extension stopped');
          },
        };
      },
    });
    assert.equal(cp.extension?.marker, 42);
    assert.equal(seen?.instanceId, cp.instanceId);
    assert.match(cp.instanceId, /^zone-cp-[a-z0-9-]+-[0-9a-f]{8}$/);
    assert.equal(seen?.isEarlierRun(cp.instanceId), false, 'not its own id');
    assert.equal(seen?.isEarlierRun(cp.instanceId.replace(/[0-9a-f]{8}$/, '00000000')), true, 'the same service on this host');
    assert.equal(seen?.isEarlierRun('global-cp-elsewhere-00000000'), false);

    const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    const res = await fetch(`http://127.0.0.1:${cp.apiPort}/meshes/default/dataplanes/x/_config`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { from: 'extension', mesh: 'default', name: 'x' });
    await cp.stop();
    assert.deepEqual(events, ['extension started', 'extension stopped']);
  });

  it('stops what started when the extension fails, and rejects', async () => {
    let store: ControlPlaneExtensionContext['store'] | undefined;
    await assert.rejects(
      startControlPlane({
        config,
        logger: silentLogger,
        serviceName: 'zone-cp',
        extend: (ctx) => {
          store = ctx.store;
          return Promise.reject(new Error('port taken'));
        },
      }),
      /port taken/,
    );
    await assert.rejects(store?.head() ?? Promise.resolve(), UnavailableError, 'the store was closed');
  });
});
