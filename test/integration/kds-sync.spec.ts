import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Labels, contentHash, createCoreRegistry, type Resource, type ResourceInput } from '@mycel/core';
import {
  GLOBAL_BUCKET,
  GLOBAL_NATS_USER,
  GlobalKdsSync,
  KdsPermissionError,
  ZoneKdsSync,
  connectNats,
  isGlobalOrigin,
  kdsKey,
  renderNatsServerConfig,
  toKdsError,
  zoneBucket,
  zoneNatsUser,
  type GlobalKdsSyncOptions,
  type KdsNats,
  type KdsTimings,
  type ZoneKdsSyncOptions,
} from '@mycel/kds';
import { MemoryStore, listAll as listAllOf, type ResourceStore } from '@mycel/store';
import { createLogger, silentLogger, type Logger } from '@mycel/telemetry';
import { eventually, startNatsServer, type NatsServer } from '@mycel/testing';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

const ZONES = ['east', 'west'] as const;
type ZoneName = (typeof ZONES)[number];
const PASSWORDS = { global: 'global-password-1', east: 'east-password-1', west: 'west-"pass\\word-1' } as const;
const registry = createCoreRegistry();
/** Short loop timings so recovery takes milliseconds, not the production seconds. */
const timings: KdsTimings = { retryBaseMs: 50, retryMaxMs: 500, snapshotStallMs: 5000, watchCheckMs: 250 };
const SYNC_LABELS = new Set<string>([Labels.origin, Labels.zone, Labels.displayName]);
/** `KDS_TEST_LOG=debug` shows the sync's own logs when a test needs explaining. */
const logLevel = process.env['KDS_TEST_LOG'];
const logger: Logger = logLevel === 'debug' || logLevel === 'info' ? createLogger({ level: logLevel }) : silentLogger;

interface Side<S> {
  readonly store: MemoryStore;
  readonly nats: KdsNats;
  sync: S;
}

/** One nats-server (started with the generated config), global and two zones, each with its own store and NATS user. */
interface World {
  readonly server: NatsServer;
  readonly global: Side<GlobalKdsSync>;
  readonly zones: Record<ZoneName, Side<ZoneKdsSync>>;
  readonly reader: SumReader;
  globalOptions(overrides?: Partial<GlobalKdsSyncOptions>): GlobalKdsSyncOptions;
  zoneOptions(zone: ZoneName, overrides?: Partial<ZoneKdsSyncOptions>): ZoneKdsSyncOptions;
  stop(): Promise<void>;
}

async function startWorld(): Promise<World> {
  const server = await startNatsServer({
    config: ({ jetstreamDir }) =>
      renderNatsServerConfig({
        zones: ZONES.map((name) => ({ name, password: PASSWORDS[name] })),
        global: { password: PASSWORDS.global },
        jetstreamDir,
      }),
  });
  const connect = (user: string, pass: string): Promise<KdsNats> =>
    connectNats({ servers: server.url, user, pass, name: `test ${user}`, reconnectTimeWaitMs: 100, requestTimeoutMs: 1500 });
  const reader = new SumReader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('mycel.kds');
  const globalStore = new MemoryStore();
  const globalNats = await connect(GLOBAL_NATS_USER, PASSWORDS.global);
  const zoneSides = {} as Record<ZoneName, Side<ZoneKdsSync>>;
  const world: World = {
    server,
    reader,
    global: { store: globalStore, nats: globalNats, sync: undefined as unknown as GlobalKdsSync },
    zones: zoneSides,
    globalOptions: (overrides = {}) => ({
      store: globalStore,
      registry,
      nats: globalNats,
      logger: logger.child({ side: 'global' }),
      meter,
      discoveryIntervalMs: 200,
      offlineAfterMs: 1000,
      timings,
      // Dataplanes sent on between zones are covered by kds-cross-zone.spec.ts; here zones see only global's own.
      acrossZones: false,
      ...overrides,
    }),
    zoneOptions: (zone, overrides = {}) => ({
      store: zoneSides[zone].store,
      registry,
      nats: zoneSides[zone].nats,
      zone,
      heartbeatIntervalMs: 100,
      logger: logger.child({ side: zone }),
      timings,
      ...overrides,
    }),
    stop: async () => {
      await Promise.all([world.global.sync.stop(), ...ZONES.map((z) => zoneSides[z].sync.stop())]);
      await Promise.all([globalNats.close(), ...ZONES.map((z) => zoneSides[z].nats.close())]);
      await server.stop();
    },
  };
  for (const zone of ZONES) {
    zoneSides[zone] = { store: new MemoryStore(), nats: await connect(zoneNatsUser(zone), PASSWORDS[zone]), sync: undefined as unknown as ZoneKdsSync };
  }
  world.global.sync = new GlobalKdsSync(world.globalOptions());
  for (const zone of ZONES) zoneSides[zone].sync = new ZoneKdsSync(world.zoneOptions(zone));
  world.global.sync.start();
  for (const zone of ZONES) zoneSides[zone].sync.start();
  return world;
}

/** Collects counter sums on demand: `name{attribute values}` → sum. */
class SumReader extends MetricReader {
  async sums(): Promise<Record<string, number>> {
    const { resourceMetrics } = await this.collect();
    const out: Record<string, number> = {};
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints) {
          if (typeof point.value === 'number') out[`${metric.descriptor.name}{${Object.values(point.attributes).join(',')}}`] = point.value;
        }
      }
    }
    return out;
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}


function listAll(store: ResourceStore, type: string): Promise<Resource[]> {
  return listAllOf(store, { type });
}

/** Content hash of what KDS carries of a resource, sync labels removed, under its source name. */
function syncedHash(r: Resource, name = r.name): string {
  const labels = Object.fromEntries(Object.entries(r.labels).filter(([k]) => !SYNC_LABELS.has(k)));
  return contentHash({ type: r.type, ...(r.mesh !== undefined ? { mesh: r.mesh } : {}), name, labels, spec: r.spec });
}

const GLOBAL_TYPES = ['Mesh', 'GlobalSecret', 'Secret'];
const ZONE_TYPES = ['ZoneInsight', 'Dataplane', 'DataplaneInsight'];

/** (key, hash) of everything global owns and sends to zones. */
async function globalOwned(store: ResourceStore): Promise<string[]> {
  const out: string[] = [];
  for (const type of GLOBAL_TYPES) for (const r of await listAll(store, type)) if (r.labels[Labels.origin] !== 'zone') out.push(`${kdsKey(r)} ${syncedHash(r)}`);
  return out.sort();
}

/** (key, hash) of a zone's copies of global's resources. */
async function zoneCopies(store: ResourceStore): Promise<string[]> {
  const out: string[] = [];
  for (const type of GLOBAL_TYPES) for (const r of await listAll(store, type)) if (isGlobalOrigin(r)) out.push(`${kdsKey(r)} ${syncedHash(r)}`);
  return out.sort();
}

/** (key, hash) of a zone's own resources that go to global. */
async function zoneOwned(store: ResourceStore): Promise<string[]> {
  const out: string[] = [];
  for (const type of ZONE_TYPES) for (const r of await listAll(store, type)) if (!isGlobalOrigin(r)) out.push(`${kdsKey(r)} ${syncedHash(r)}`);
  return out.sort();
}

/** (source key, hash) of global's copies of `zone`'s resources. */
async function globalCopiesOf(store: ResourceStore, zone: string): Promise<string[]> {
  const out: string[] = [];
  for (const type of ZONE_TYPES) {
    for (const r of await listAll(store, type)) {
      if (r.labels[Labels.zone] !== zone) continue;
      const name = r.labels[Labels.displayName] ?? assert.fail(`${r.name} has no display name`);
      out.push(`${kdsKey({ ...r, name })} ${syncedHash(r, name)}`);
    }
  }
  return out.sort();
}

/** Waits until both zones hold exactly global's state and global holds exactly each zone's. */
async function converged(world: World, timeoutMs?: number): Promise<void> {
  await eventually(async () => {
    const expected = await globalOwned(world.global.store);
    for (const zone of ZONES) {
      assert.deepEqual(await zoneCopies(world.zones[zone].store), expected, `zone ${zone} holds global's state`);
      assert.deepEqual(await globalCopiesOf(world.global.store, zone), await zoneOwned(world.zones[zone].store), `global holds zone ${zone}'s state`);
    }
  }, timeoutMs);
}

/** Fails if the server refused anything: the generated permissions must cover everything KDS does. */
async function assertNoPermissionViolations(server: NatsServer): Promise<void> {
  const log = await readFile(join(server.dir, 'nats.log'), 'utf8');
  assert.deepEqual(log.split('\n').filter((l) => /Permissions Violation/i.test(l)), []);
}

const mesh = (name: string, labels: Record<string, string> = {}): ResourceInput => ({ type: 'Mesh', name, labels, spec: {} });
const secret = (name: string, data = 'aGVsbG8=', mesh = 'default'): ResourceInput => ({ type: 'Secret', mesh, name, labels: {}, spec: { data } });
const dataplane = (name: string, port = 8080): ResourceInput => ({ type: 'Dataplane', mesh: 'default', name, labels: { team: 'web' }, spec: { networking: { address: '10.0.0.1', inbound: [{ port }] } } });

describe('KDS multi-zone sync over a real nats-server', function () {
  this.timeout(60000);
  let world: World;

  beforeEach(async () => {
    world = await startWorld();
  });

  afterEach(async () => {
    await world?.stop();
  });

  it('sends a Mesh and a Secret created at global to both zones, labelled as global-origin', async () => {
    const g = world.global.store;
    await g.create(mesh('default'));
    await g.create(secret('ca.key'));
    await g.create({ type: 'GlobalSecret', name: 'license', labels: { tier: 'gold' }, spec: { data: 'aGk=' } });
    await converged(world);
    for (const zone of ZONES) {
      const copy = await world.zones[zone].store.get({ type: 'Secret', mesh: 'default', name: 'ca.key' });
      assert.deepEqual(copy.labels, { [Labels.origin]: 'global' });
      assert.deepEqual(copy.spec, { data: 'aGVsbG8=' });
      assert.deepEqual((await world.zones[zone].store.get({ type: 'GlobalSecret', name: 'license' })).labels, { tier: 'gold', [Labels.origin]: 'global' });
    }
    const sums = await world.reader.sums();
    assert.ok((sums['mycel.kds.resyncs{mycel-global,publisher,start}'] ?? 0) >= 1, JSON.stringify(sums));
    await assertNoPermissionViolations(world.server);
  });

  it('sends a zone Dataplane to global under a zone-suffixed name, so equal names of two zones never collide', async () => {
    await world.global.store.create(mesh('default'));
    await eventually(async () => {
      for (const zone of ZONES) assert.ok(await world.zones[zone].store.find({ type: 'Mesh', name: 'default' }));
    });
    await world.zones.east.store.create(dataplane('web-1', 8080));
    await world.zones.west.store.create(dataplane('web-1', 9090));
    await converged(world);
    const copies = await listAll(world.global.store, 'Dataplane');
    assert.equal(copies.length, 2);
    for (const zone of ZONES) {
      const copy = copies.find((r) => r.labels[Labels.zone] === zone) ?? assert.fail(`no copy from ${zone}`);
      assert.match(copy.name, /^web-1-[0-9a-f]{8}$/);
      assert.deepEqual(copy.labels, { team: 'web', [Labels.origin]: 'zone', [Labels.zone]: zone, [Labels.displayName]: 'web-1' });
    }
    // Global's copies are never echoed back to the zones, and zones' copies of global resources never go up.
    assert.equal((await listAll(world.zones.east.store, 'Dataplane')).length, 1);
    assert.deepEqual(await globalCopiesOf(world.global.store, 'east'), await zoneOwned(world.zones.east.store));
    await assertNoPermissionViolations(world.server);
  });

  it('propagates updates and deletions both ways', async () => {
    const g = world.global.store;
    await g.create(mesh('default'));
    await g.create(secret('a'));
    await g.create(secret('b'));
    await converged(world);
    await world.zones.east.store.create(dataplane('web-1'));
    await world.zones.east.store.create(dataplane('web-2'));
    await converged(world);

    await g.update(secret('a', 'dXBkYXRlZA=='));
    await g.delete({ type: 'Secret', mesh: 'default', name: 'b' });
    await world.zones.east.store.update(dataplane('web-1', 9999));
    await world.zones.east.store.delete({ type: 'Dataplane', mesh: 'default', name: 'web-2' });
    await converged(world);
    for (const zone of ZONES) {
      assert.deepEqual((await listAll(world.zones[zone].store, 'Secret')).map((r) => [r.name, r.spec]), [['a', { data: 'dXBkYXRlZA==' }]]);
    }
    assert.deepEqual((await listAll(world.global.store, 'Dataplane')).map((r) => r.labels[Labels.displayName]), ['web-1']);
    await assertNoPermissionViolations(world.server);
  });

  it("converges after global's sync was down while global changed, including deletions", async () => {
    const g = world.global.store;
    await g.create(mesh('default'));
    for (const name of ['keep', 'change', 'drop']) await g.create(secret(name));
    await converged(world);
    await world.global.sync.stop();

    await g.update(secret('change', 'Y2hhbmdlZA=='));
    await g.delete({ type: 'Secret', mesh: 'default', name: 'drop' });
    await g.create(secret('new'));
    await g.create(mesh('other'));
    await g.create(secret('in-other', 'aGk=', 'other'));
    // Nothing moves while global's sync is down: the zones keep the last state.
    assert.ok(await world.zones.east.store.find({ type: 'Secret', mesh: 'default', name: 'drop' }));

    world.global.sync = new GlobalKdsSync(world.globalOptions());
    world.global.sync.start();
    await converged(world);
    for (const zone of ZONES) assert.equal(await world.zones[zone].store.find({ type: 'Secret', mesh: 'default', name: 'drop' }), undefined);
    await assertNoPermissionViolations(world.server);
  });

  it('converges a zone that was stopped while global changed, even after delete markers were pruned', async () => {
    const g = world.global.store;
    await g.create(mesh('default'));
    for (let i = 0; i < 20; i++) await g.create(secret(`s-${i}`));
    await converged(world);
    await world.zones.west.store.create(dataplane('stays-up'));
    await converged(world);
    const before = await world.zones.west.store.get({ type: 'Secret', mesh: 'default', name: 's-0' });

    await world.zones.west.sync.stop();
    for (let i = 0; i < 10; i++) await g.delete({ type: 'Secret', mesh: 'default', name: `s-${i}` });
    await g.update(secret('s-10', 'bmV3'));
    await g.create(secret('late'));
    // The zone keeps working on its own data meanwhile.
    await world.zones.west.store.create(dataplane('made-offline'));

    // East (still running) has seen the deletions, so mycel-global now holds their delete markers.
    await eventually(async () => assert.deepEqual(await zoneCopies(world.zones.east.store), await globalOwned(g)));
    // Restart global's sync with a marker retention of 1 ms: its start resync prunes the delete markers,
    // so the zone can only learn of the deletions by comparing the bucket's keys with its store.
    // One deleted key comes back while global's sync is down: its marker must not take the new value with it.
    await world.global.sync.stop();
    await g.create(secret('s-0', 'YWdhaW4='));
    world.global.sync = new GlobalKdsSync(world.globalOptions({ timings: { ...timings, markerRetentionMs: 1 } }));
    world.global.sync.start();
    await world.global.sync.whenPublished();
    const kv = await world.global.nats.kvm.open(GLOBAL_BUCKET);
    await eventually(async () => assert.equal((await kv.status()).values, 1 + 12 + 1, 'mesh + 12 secrets + ready marker, no delete markers'));

    world.zones.west.sync = new ZoneKdsSync(world.zoneOptions('west'));
    world.zones.west.sync.start();
    await converged(world);
    const secrets = await listAll(world.zones.west.store, 'Secret');
    assert.deepEqual(secrets.map((r) => r.name).sort(), ['late', 's-0', ...Array.from({ length: 10 }, (_, i) => `s-${i + 10}`)].sort());
    const untouched = secrets.find((r) => r.name === 's-11') ?? assert.fail('s-11 is missing');
    assert.equal(untouched.version, (await world.zones.east.store.get({ type: 'Secret', mesh: 'default', name: 's-11' })).version, 'unchanged resources are not rewritten');
    assert.equal(before.version, '1');
    assert.ok(await world.global.store.find({ type: 'Dataplane', mesh: 'default', name: (await globalDataplaneName('made-offline', 'west', world)) }));
    await assertNoPermissionViolations(world.server);
  });

  it('delivers every one of 1,000 writes exactly once after nats-server is killed mid-burst and restarted', async () => {
    const g = world.global.store;
    await g.create(mesh('default'));
    await converged(world);
    // Killed a third of the way in, restarted two thirds in: the last writes race the reconnect resync.
    for (let i = 0; i < 1000; i++) {
      if (i === 300) await world.server.kill9();
      if (i === 700) await world.server.restart();
      // Pace the writes like a busy API, so publishers have puts in flight when the server dies.
      if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      await g.create(secret(`burst-${i}`, Buffer.from(`value-${i}`).toString('base64')));
      if (i % 10 === 9) await g.update(secret(`burst-${i - 5}`, Buffer.from(`updated-${i}`).toString('base64')));
      if (i % 50 === 49) await g.delete({ type: 'Secret', mesh: 'default', name: `burst-${i - 20}` });
    }
    await world.zones.east.store.create(dataplane('written-after-the-outage'));
    await converged(world, 45000);
    const expected = await globalOwned(g);
    assert.equal(expected.length, 1 + 1000 - 20);
    for (const zone of ZONES) {
      const copies = await zoneCopies(world.zones[zone].store);
      assert.equal(copies.length, expected.length, `zone ${zone}: no duplicates, no leftovers`);
      assert.deepEqual(copies, expected);
      assert.deepEqual(world.zones[zone].sync.appliedState().map(([k, h]) => `${k} ${h}`), expected);
    }
    assert.deepEqual(await globalCopiesOf(g, 'east'), await zoneOwned(world.zones.east.store));
    const sums = await world.reader.sums();
    assert.ok((sums['mycel.kds.resyncs{mycel-global,publisher,reconnect}'] ?? 0) + (sums['mycel.kds.resyncs{mycel-global,publisher,error}'] ?? 0) >= 1, JSON.stringify(sums));
  });

  it("refuses a zone's writes into another zone's bucket or mycel-global with a NATS permission error", async () => {
    await world.global.sync.whenPublished();
    await world.zones.west.sync.whenPublished();
    const east = world.zones.east.nats;
    const attempts: [string, string][] = [
      [zoneBucket('west'), `$KV.${zoneBucket('west')}.Mesh._.evil`],
      [GLOBAL_BUCKET, `$KV.${GLOBAL_BUCKET}.Mesh._.evil`],
    ];
    for (const [bucket, subject] of attempts) {
      const kv = await east.kvm.open(bucket);
      await assert.rejects(
        kv.put('Mesh._.evil', '{}').catch((err: unknown) => Promise.reject(toKdsError(err))),
        (err: unknown) => {
          assert.ok(err instanceof KdsPermissionError, String(err));
          assert.equal(err.code, 'FORBIDDEN');
          assert.equal(err.operation, 'publish');
          assert.equal(err.subject, subject);
          assert.match(err.message, /Permissions Violation for Publish to/);
          return true;
        },
      );
    }
    // Nor may it read another zone's bucket, or global write into a zone's.
    const westBucket = await east.kvm.open(zoneBucket('west'));
    await assert.rejects(
      westBucket.watch().catch((err: unknown) => Promise.reject(toKdsError(err))),
      (err: unknown) => err instanceof KdsPermissionError && err.subject.startsWith(`$JS.API.CONSUMER.CREATE.KV_${zoneBucket('west')}`),
    );
    const fromGlobal = await world.global.nats.kvm.open(zoneBucket('west'));
    await assert.rejects(
      fromGlobal.put('Dataplane.default.evil', '{}').catch((err: unknown) => Promise.reject(toKdsError(err))),
      (err: unknown) => err instanceof KdsPermissionError && err.subject === `$KV.${zoneBucket('west')}.Dataplane.default.evil`,
    );
    const west = await world.global.nats.kvm.open(zoneBucket('west'), { allow_direct: true });
    assert.equal(await west.get('Mesh._.evil'), null, 'nothing was written');
  });

  it("publishes each DataplaneInsight at most once per interval, and global always ends with each one's last state", async () => {
    await world.global.store.create(mesh('default'));
    await eventually(async () => assert.ok(await world.zones.east.store.find({ type: 'Mesh', name: 'default' })));
    // East again, with its own meter (to count its KV puts) and a short interval.
    await world.zones.east.sync.stop();
    const reader = new SumReader();
    world.zones.east.sync = new ZoneKdsSync(
      world.zoneOptions('east', { meter: new MeterProvider({ readers: [reader] }).getMeter('mycel.kds'), insightPublishIntervalMs: 1500 }),
    );
    world.zones.east.sync.start();
    const east = world.zones.east.store;
    const insight = (name: string, n: number): ResourceInput => ({
      type: 'DataplaneInsight',
      mesh: 'default',
      name,
      labels: {},
      spec: {
        online: true,
        subscriptions: [{ id: String(n), controlPlaneInstanceId: 'cp-1', connectTime: '2026-01-01T00:00:00.000Z', status: { total: { responsesSent: n, responsesAcknowledged: n, responsesRejected: 0 } } }],
      },
    });
    await east.create(dataplane('web-1'));
    await east.create(dataplane('web-2'));
    await east.create(insight('web-1', 0));
    await east.create(insight('web-2', 0));
    await converged(world);
    const puts = async (): Promise<number> => (await reader.sums())['mycel.kds.writes{mycel-zone-east,put}'] ?? 0;
    const before = await puts();

    const globalIdOf = async (name: string): Promise<string | undefined> => {
      const copy = (await listAll(world.global.store, 'DataplaneInsight')).find((r) => r.labels[Labels.displayName] === name);
      return (copy?.spec as { subscriptions: Array<{ id: string }> } | undefined)?.subscriptions[0]?.id;
    };
    // One change goes at once (nothing was put within the interval before it) …
    await east.update(insight('web-1', 1));
    await east.update(insight('web-2', 1));
    await eventually(async () => assert.deepEqual([await globalIdOf('web-1'), await globalIdOf('web-2')], ['1', '1']));
    // … the following ones, right after that put, wait for the interval's end, one at a time.
    const UPDATES = 40;
    for (let n = 2; n <= UPDATES; n++) {
      await east.update(insight('web-1', n));
      await east.update(insight('web-2', n));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await east.delete({ type: 'DataplaneInsight', mesh: 'default', name: 'web-2' });
    // State sync: global ends with web-1's last state and without web-2.
    await converged(world);
    const copies = await listAll(world.global.store, 'DataplaneInsight');
    assert.deepEqual(
      copies.map((r) => [r.labels[Labels.displayName], (r.spec as { subscriptions: Array<{ id: string }> }).subscriptions[0]?.id]),
      [['web-1', String(UPDATES)]],
    );
    const made = (await puts()) - before;
    assert.ok(made < UPDATES, `${2 * UPDATES} insight updates became ${made} KV puts`);
    await assertNoPermissionViolations(world.server);
  });

  it('reports zones online while they send heartbeats, and offline after the timeout once stopped', async () => {
    await world.zones.east.store.create({ type: 'ZoneInsight', name: 'east', labels: {}, spec: {} });
    await eventually(() => {
      const status = world.global.sync.zoneStatus();
      assert.deepEqual(status.map((s) => [s.zone, s.online]), [['east', true], ['west', true]]);
      const east = status[0] ?? assert.fail('no status');
      assert.deepEqual(east.resources, { ZoneInsight: 1 });
      assert.equal(east.sync.state, 'synced');
      assert.ok(east.lastSeen !== undefined && east.instanceId !== undefined);
      // KDS versions: global has applied east's bucket past the insight's entry, and east reports
      // (in its heartbeat) the revision of global's bucket it has applied.
      assert.ok(east.sync.revision > 0, `global's applied revision of east's bucket: ${east.sync.revision}`);
      assert.ok((east.globalRevision ?? 0) > 0, `east's applied revision of mycel-global: ${String(east.globalRevision)}`);
    });
    await world.zones.east.sync.stop();
    await eventually(() => assert.deepEqual(world.global.sync.zoneStatus().map((s) => [s.zone, s.online]), [['east', false], ['west', true]]));
    const east = world.global.sync.zoneStatus()[0];
    assert.equal(east?.resources['ZoneInsight'], 1, 'an offline zone keeps its last synced resources');
  });
});

async function globalDataplaneName(name: string, zone: string, world: World): Promise<string> {
  const copy = (await listAll(world.global.store, 'Dataplane')).find((r) => r.labels[Labels.displayName] === name && r.labels[Labels.zone] === zone);
  return copy?.name ?? assert.fail(`no copy of ${name} from ${zone}`);
}
