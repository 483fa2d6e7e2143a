import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Labels, createCoreRegistry, type Resource, type ResourceInput } from '@mycel/core';
import {
  GLOBAL_NATS_USER,
  GlobalKdsSync,
  ZoneKdsSync,
  connectNats,
  globalNameOf,
  renderNatsServerConfig,
  zoneNatsUser,
  type GlobalKdsSyncOptions,
  type KdsNats,
  type KdsTimings,
  type ZoneKdsSyncOptions,
} from '@mycel/kds';
import { MemoryStore, type ResourceStore } from '@mycel/store';
import { createLogger, silentLogger, type Logger } from '@mycel/telemetry';
import { eventually, startNatsServer, type NatsServer } from '@mycel/testing';
import { register as registerXdsResolver } from '@grpc/grpc-js-xds';
import type * as grpc from '@grpc/grpc-js';
import { registerPolicyTypes } from '@mycel/policies';
import { startZoneXds, type ZoneXds } from '@mycel/zone';
import { RPC_DEADLINE_MS, callMany, grpcDataplane, startEchoBackend, waitFor, xdsClient, type EchoBackend } from './support/zone-xds';

const ZONES = ['east', 'west'] as const;
type ZoneName = (typeof ZONES)[number];
const PASSWORDS = { global: 'global-password-x', east: 'east-password-x', west: 'west-password-x' } as const;
const registry = createCoreRegistry();
registerPolicyTypes(registry);
const timings: KdsTimings = { retryBaseMs: 50, retryMaxMs: 500, snapshotStallMs: 5000, watchCheckMs: 250 };
/** `KDS_TEST_LOG=debug` shows the sync's own logs. */
const logLevel = process.env['KDS_TEST_LOG'];
const logger: Logger = logLevel === 'debug' || logLevel === 'info' ? createLogger({ level: logLevel }) : silentLogger;

interface World {
  readonly server: NatsServer;
  readonly global: { readonly store: MemoryStore; readonly nats: KdsNats; sync: GlobalKdsSync };
  readonly zones: Record<ZoneName, { readonly store: MemoryStore; readonly nats: KdsNats; sync: ZoneKdsSync }>;
  globalOptions(overrides?: Partial<GlobalKdsSyncOptions>): GlobalKdsSyncOptions;
  zoneOptions(zone: ZoneName, overrides?: Partial<ZoneKdsSyncOptions>): ZoneKdsSyncOptions;
  stop(): Promise<void>;
}

/** A nats-server with the generated config; global and two zones syncing MemoryStores in this process. */
async function startWorld(globalOverrides: Partial<GlobalKdsSyncOptions> = {}): Promise<World> {
  const server = await startNatsServer({
    config: ({ jetstreamDir }) =>
      renderNatsServerConfig({ zones: ZONES.map((name) => ({ name, password: PASSWORDS[name] })), global: { password: PASSWORDS.global }, jetstreamDir }),
  });
  const connect = (user: string, pass: string): Promise<KdsNats> =>
    connectNats({ servers: server.url, user, pass, name: `test ${user}`, reconnectTimeWaitMs: 100, requestTimeoutMs: 1500 });
  const globalStore = new MemoryStore();
  const globalNats = await connect(GLOBAL_NATS_USER, PASSWORDS.global);
  const zones = {} as World['zones'];
  for (const zone of ZONES) {
    zones[zone] = { store: new MemoryStore(), nats: await connect(zoneNatsUser(zone), PASSWORDS[zone]), sync: undefined as unknown as ZoneKdsSync };
  }
  const world: World = {
    server,
    global: { store: globalStore, nats: globalNats, sync: undefined as unknown as GlobalKdsSync },
    zones,
    globalOptions: (overrides = {}) => ({
      store: globalStore,
      registry,
      nats: globalNats,
      logger: logger.child({ side: 'global' }),
      zones: [...ZONES],
      discoveryIntervalMs: 0,
      timings,
      ...globalOverrides,
      ...overrides,
    }),
    zoneOptions: (zone, overrides = {}) => ({
      store: zones[zone].store,
      registry,
      nats: zones[zone].nats,
      zone,
      heartbeatIntervalMs: 200,
      logger: logger.child({ side: zone }),
      timings,
      ...overrides,
    }),
    stop: async () => {
      await Promise.all([world.global.sync.stop(), ...ZONES.map((z) => zones[z].sync.stop())]);
      await Promise.all([globalNats.close(), ...ZONES.map((z) => zones[z].nats.close())]);
      await server.stop();
    },
  };
  world.global.sync = new GlobalKdsSync(world.globalOptions());
  for (const zone of ZONES) zones[zone].sync = new ZoneKdsSync(world.zoneOptions(zone));
  world.global.sync.start();
  for (const zone of ZONES) zones[zone].sync.start();
  await world.global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
  await eventually(async () => {
    for (const zone of ZONES) assert.ok(await zones[zone].store.find({ type: 'Mesh', name: 'default' }), `mesh reached ${zone}`);
  });
  return world;
}


async function dataplanes(store: ResourceStore): Promise<Resource[]> {
  return (await store.list({ type: 'Dataplane', size: 1000 })).items;
}

/** `name labels…` of every Dataplane of a store, sorted, for whole-state comparisons. */
async function dataplaneSummary(store: ResourceStore): Promise<string[]> {
  return (await dataplanes(store)).map((r) => `${r.name} ${JSON.stringify(r.labels)} ${JSON.stringify(r.spec)}`).sort();
}

const dataplane = (name: string, address = '10.0.0.1', port = 8080): ResourceInput => ({
  type: 'Dataplane',
  mesh: 'default',
  name,
  labels: { team: 'web' },
  spec: { networking: { address, inbound: [{ port, tags: { [Labels.service]: 'web', [Labels.protocol]: 'grpc' } }] } },
});

const crossZoneLabels = (name: string, zone: string): Record<string, string> => ({
  team: 'web',
  [Labels.origin]: 'global',
  [Labels.zone]: zone,
  [Labels.displayName]: name,
});

async function assertNoPermissionViolations(server: NatsServer): Promise<void> {
  const log = await readFile(join(server.dir, 'nats.log'), 'utf8');
  assert.deepEqual(log.split('\n').filter((l) => /Permissions Violation/i.test(l)), []);
}

describe('KDS cross-zone: Dataplanes of one zone reach the others through global', function () {
  this.timeout(60000);
  let world: World | undefined;

  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it("creates, updates and deletes zone east's Dataplane in zone west as a read-only copy, never echoed back", async () => {
    const w = (world = await startWorld());
    const east = w.zones.east.store;
    const west = w.zones.west.store;
    await east.create(dataplane('web-1'));
    const copyName = globalNameOf('web-1', 'east');
    await eventually(async () => {
      const copy = await west.get({ type: 'Dataplane', mesh: 'default', name: copyName });
      assert.deepEqual(copy.labels, crossZoneLabels('web-1', 'east'));
      assert.deepEqual(copy.spec, dataplane('web-1').spec);
    });
    // At global: one copy, from east (west's copy never went up to global).
    assert.deepEqual(
      (await dataplanes(w.global.store)).map((r) => [r.name, r.labels[Labels.origin], r.labels[Labels.zone], r.labels[Labels.displayName]]),
      [[copyName, 'zone', 'east', 'web-1']],
    );
    // East does not get its own Dataplane back.
    assert.deepEqual((await dataplanes(east)).map((r) => r.name), ['web-1']);

    await east.update(dataplane('web-1', '10.0.0.9', 9090));
    await eventually(async () => assert.deepEqual((await west.get({ type: 'Dataplane', mesh: 'default', name: copyName })).spec, dataplane('web-1', '10.0.0.9', 9090).spec));

    // West's own Dataplane goes the other way; east's copy of it and west's copy of east's stay apart.
    await west.create(dataplane('web-1', '10.1.0.1'));
    await eventually(async () => assert.ok(await east.find({ type: 'Dataplane', mesh: 'default', name: globalNameOf('web-1', 'west') })));
    assert.deepEqual(
      (await dataplanes(w.global.store)).map((r) => r.name).sort(),
      [globalNameOf('web-1', 'east'), globalNameOf('web-1', 'west')].sort(),
      'no copy of a copy at global',
    );
    assert.deepEqual(w.global.sync.appliedState('west').map(([key]) => key), ['Dataplane.default.web-1'], "west's bucket holds only west's own");
    assert.deepEqual(w.global.sync.appliedState('east').map(([key]) => key), ['Dataplane.default.web-1'], "east's bucket holds only east's own");

    await east.delete({ type: 'Dataplane', mesh: 'default', name: 'web-1' });
    await eventually(async () => {
      assert.equal(await west.find({ type: 'Dataplane', mesh: 'default', name: copyName }), undefined);
      assert.equal(await w.global.store.find({ type: 'Dataplane', mesh: 'default', name: copyName }), undefined);
    });
    assert.deepEqual((await dataplanes(west)).map((r) => r.name), ['web-1'], "west's own Dataplane is untouched");
    await assertNoPermissionViolations(w.server);
  });

  it('converges a zone that was away: copies of Dataplanes deleted meanwhile go, new ones come', async () => {
    const w = (world = await startWorld());
    const east = w.zones.east.store;
    const west = w.zones.west.store;
    for (const name of ['keep', 'change', 'drop']) await east.create(dataplane(name));
    await eventually(async () => assert.equal((await dataplanes(west)).length, 3));

    await w.zones.west.sync.stop();
    await east.delete({ type: 'Dataplane', mesh: 'default', name: 'drop' });
    await east.update(dataplane('change', '10.0.0.2'));
    await east.create(dataplane('new'));
    // Global has caught up with east before west comes back.
    await eventually(async () =>
      assert.deepEqual((await dataplanes(w.global.store)).map((r) => `${r.labels[Labels.displayName]} ${JSON.stringify(r.spec)}`).sort(), [
        `change ${JSON.stringify(dataplane('change', '10.0.0.2').spec)}`,
        `keep ${JSON.stringify(dataplane('keep').spec)}`,
        `new ${JSON.stringify(dataplane('new').spec)}`,
      ]),
    );
    assert.ok(await west.find({ type: 'Dataplane', mesh: 'default', name: globalNameOf('drop', 'east') }), 'nothing moves while west is away');

    w.zones.west.sync = new ZoneKdsSync(w.zoneOptions('west'));
    w.zones.west.sync.start();
    await eventually(async () => {
      const expected = (await dataplanes(east)).map((r) => `${globalNameOf(r.name, 'east')} ${JSON.stringify(crossZoneLabels(r.name, 'east'))} ${JSON.stringify(r.spec)}`).sort();
      assert.deepEqual(await dataplaneSummary(west), expected);
    });
  });

  it("leaves a zone's own Dataplane alone when a copy from another zone has the same name", async () => {
    const w = (world = await startWorld());
    const clash = globalNameOf('web-1', 'east');
    // A west Dataplane that happens to be named like east's copy: the zone's own data wins.
    await w.zones.west.store.create(dataplane(clash, '10.1.0.7'));
    await w.zones.east.store.create(dataplane('web-1'));
    await w.zones.east.store.create(dataplane('web-2'));
    await eventually(async () => assert.ok(await w.zones.west.store.find({ type: 'Dataplane', mesh: 'default', name: globalNameOf('web-2', 'east') })));
    const own = await w.zones.west.store.get({ type: 'Dataplane', mesh: 'default', name: clash });
    assert.deepEqual(own.labels, { team: 'web' });
    assert.deepEqual(own.spec, dataplane(clash, '10.1.0.7').spec);
  });

  it('sends nothing on between zones when global runs with acrossZones: false', async () => {
    const w = (world = await startWorld({ acrossZones: false }));
    await w.zones.east.store.create(dataplane('web-1'));
    await eventually(async () => assert.equal((await dataplanes(w.global.store)).length, 1));
    await w.global.sync.whenPublished();
    // Global's publisher follows its store; give a later change the chance to be published first.
    await w.global.store.create({ type: 'Secret', mesh: 'default', name: 'marker', labels: {}, spec: { data: 'aGk=' } });
    await eventually(async () => assert.ok(await w.zones.west.store.find({ type: 'Secret', mesh: 'default', name: 'marker' })));
    assert.deepEqual(await dataplanes(w.zones.west.store), []);
  });
});

describe('cross-zone failover of a proxyless gRPC client (KDS + zone xDS in-process)', function () {
  this.timeout(120_000);
  const MESH = 'default';
  let world: World | undefined;
  let xds: ZoneXds | undefined;
  let client: grpc.Client | undefined;
  const backends: EchoBackend[] = [];

  after(async () => {
    client?.close();
    await xds?.stop();
    await world?.stop();
    for (const b of backends) b.server.forceShutdown();
  });

  it('uses zone east’s backend, fails over to west when east has none ready, and comes back', async () => {
    registerXdsResolver();
    const w = (world = await startWorld());
    const [east, west] = [await startEchoBackend('east'), await startEchoBackend('west')];
    backends.push(east, west);
    const eastDataplane = (ready: boolean): ResourceInput => {
      const dp = grpcDataplane(MESH, 'echo-east', 'echo', east.port) as ResourceInput<{ networking: { inbound: Array<Record<string, unknown>> } }>;
      if (!ready) (dp.spec.networking.inbound[0] as Record<string, unknown>)['health'] = { ready: false };
      return dp as ResourceInput;
    };
    await w.zones.east.store.create(eastDataplane(true));
    await w.zones.east.store.create(grpcDataplane(MESH, 'echo-client', 'echo-client', 1, ['echo']) as ResourceInput);
    await w.zones.west.store.create(grpcDataplane(MESH, 'echo-west', 'echo', west.port) as ResourceInput);
    await eventually(async () => assert.ok(await w.zones.east.store.find({ type: 'Dataplane', mesh: MESH, name: globalNameOf('echo-west', 'west') }), "west's backend reached east"));

    const x = (xds = await startZoneXds({ store: w.zones.east.store, registry, zone: 'east', instanceId: 'east-test', dpServer: { address: '127.0.0.1', port: 0 } }));
    const token = await x.zoneApi.issueDataplaneToken({ mesh: MESH, name: 'echo-client', validForMs: 600_000 });
    const res = await fetch(`http://127.0.0.1:${x.dpPort}/bootstrap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mesh: MESH, name: 'echo-client', kind: 'grpc', token }),
      signal: AbortSignal.timeout(RPC_DEADLINE_MS),
    });
    const bootstrap = await res.text();
    assert.equal(res.status, 200, bootstrap);
    const c = (client = xdsClient('echo', bootstrap));
    const onlyFrom = (id: string) => async (): Promise<true | undefined> => ((await callMany(c, 5)).every((answer) => answer === id) ? true : undefined);

    await waitFor('traffic to stay in zone east', onlyFrom('east'));
    await w.zones.east.store.update(eastDataplane(false));
    await waitFor('traffic to fail over to zone west', onlyFrom('west'));
    await w.zones.east.store.update(eastDataplane(true));
    await waitFor('traffic to come back to zone east', onlyFrom('east'));
    // Deleting the local backend fails over just the same.
    await w.zones.east.store.delete({ type: 'Dataplane', mesh: MESH, name: 'echo-east' });
    await waitFor('traffic to fail over to zone west again', onlyFrom('west'));
    assert.equal(x.stats().remoteDataplanes, 1);
  });
});
