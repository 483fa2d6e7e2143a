import assert from 'node:assert/strict';
import { Labels, createCoreRegistry, type ResourceInput } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { silentLogger } from '@mycel/telemetry';
import { encodeResourceEntry, type ResourceEntry, type SyncedResource } from './kds-entry';
import { kdsKey } from './kds-keys';
import { createKdsMetrics } from './kds-metrics';
import { globalNameOf } from './kds-naming';
import { StoreApplier, globalSideMapping, globalToZoneTypes, zoneSideMapping, zoneToGlobalTypes } from './store-applier';

const registry = createCoreRegistry();
const mesh: SyncedResource = { type: 'Mesh', name: 'default', labels: {}, spec: {} };
const secret = (name: string, data = 'aGk='): SyncedResource => ({ type: 'Secret', mesh: 'default', name, labels: {}, spec: { data } });
const dataplane = (name: string, port = 1): SyncedResource => ({ type: 'Dataplane', mesh: 'default', name, labels: { team: 'a' }, spec: { port } });

function entry(r: SyncedResource): [string, ResourceEntry] {
  return [kdsKey(r), { resource: r, hash: encodeResourceEntry(r).hash }];
}

function applier(store: MemoryStore, side: 'zone' | 'global'): StoreApplier {
  return new StoreApplier({
    store,
    mapping: side === 'zone' ? zoneSideMapping(registry) : globalSideMapping(registry, 'east'),
    logger: silentLogger,
    metrics: createKdsMetrics(undefined),
    attributes: {},
  });
}

describe('StoreApplier', () => {
  it('orders types so meshes come first', () => {
    assert.deepEqual(globalToZoneTypes(registry), ['Mesh', 'GlobalSecret', 'Secret']);
    assert.deepEqual(zoneToGlobalTypes(registry), ['ZoneInsight', 'Dataplane', 'DataplaneInsight']);
  });

  it('applies a snapshot with the origin label, meshes before their resources, idempotently', async () => {
    const store = new MemoryStore();
    const a = applier(store, 'zone');
    const snapshot = new Map([entry(secret('s1')), entry(mesh)]);
    await a.applySnapshot(snapshot, true);
    const s1 = await store.get({ type: 'Secret', mesh: 'default', name: 's1' });
    assert.deepEqual(s1.labels, { [Labels.origin]: 'global' });
    await a.applySnapshot(snapshot, true);
    await a.applyPut(...entry(secret('s1')));
    assert.equal((await store.get({ type: 'Secret', mesh: 'default', name: 's1' })).version, s1.version, 'no write for unchanged content');
    assert.equal(await store.head(), '2');
    assert.deepEqual(a.counts(), { Mesh: 1, Secret: 1 });
  });

  it('deletes owned copies absent from a ready snapshot, and nothing without the ready marker', async () => {
    const store = new MemoryStore();
    const a = applier(store, 'zone');
    await a.applySnapshot(new Map([entry(mesh), entry(secret('s1')), entry(secret('s2'))]), true);
    const local: ResourceInput = { type: 'Secret', mesh: 'default', name: 'local', labels: {}, spec: { data: 'aGk=' } };
    await store.create(local);
    await a.applySnapshot(new Map([entry(mesh)]), false);
    assert.equal((await store.list({ type: 'Secret' })).total, 3, 'no ready marker: nothing deleted');
    await a.removeStale();
    assert.deepEqual((await store.list({ type: 'Secret' })).items.map((r) => r.name), ['local'], 'only owned copies go');
  });

  it('applies live updates and deletions, leaving resources it does not own', async () => {
    const store = new MemoryStore();
    const a = applier(store, 'zone');
    await a.applySnapshot(new Map([entry(mesh), entry(secret('s1'))]), true);
    await a.applyPut(...entry(secret('s1', 'aGo=')));
    assert.deepEqual((await store.get({ type: 'Secret', mesh: 'default', name: 's1' })).spec, { data: 'aGo=' });
    await store.create({ type: 'Secret', mesh: 'default', name: 'local', labels: {}, spec: { data: 'aGk=' } });
    await a.applyDelete(kdsKey(secret('local')));
    await a.applyDelete(kdsKey(secret('s1')));
    assert.deepEqual((await store.list({ type: 'Secret' })).items.map((r) => r.name), ['local']);
  });

  it('holds a resource whose mesh is missing until the mesh arrives', async () => {
    const store = new MemoryStore();
    const a = applier(store, 'zone');
    await a.applyPut(...entry(secret('early')));
    assert.equal(a.hasPending, true);
    assert.equal((await store.list({ type: 'Secret' })).total, 0);
    await a.applyPut(...entry(mesh));
    assert.equal(a.hasPending, false);
    assert.equal((await store.list({ type: 'Secret' })).total, 1);
  });

  it('stores zone resources at global under suffixed names and never takes over what it does not own', async () => {
    const store = new MemoryStore();
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const taken = globalNameOf('taken', 'east');
    await store.create({ type: 'Dataplane', mesh: 'default', name: taken, labels: {}, spec: { port: 9 } });
    const a = applier(store, 'global');
    await a.applySnapshot(new Map([entry(dataplane('web-1')), entry(dataplane('taken'))]), true);
    const web = await store.get({ type: 'Dataplane', mesh: 'default', name: globalNameOf('web-1', 'east') });
    assert.deepEqual(web.labels, { team: 'a', [Labels.origin]: 'zone', [Labels.zone]: 'east', [Labels.displayName]: 'web-1' });
    assert.deepEqual((await store.get({ type: 'Dataplane', mesh: 'default', name: taken })).spec, { port: 9 }, 'a clash is skipped');
    assert.equal(a.stats.conflicts, 1);
    await a.applySnapshot(new Map(), true);
    assert.deepEqual((await store.list({ type: 'Dataplane' })).items.map((r) => r.name), [taken], 'stale copies go, the clash stays');
  });

  it("applies other zones' Dataplanes in a zone as read-only copies, ignores its own, and never replaces a local one", async () => {
    const store = new MemoryStore();
    const a = new StoreApplier({ store, mapping: zoneSideMapping(registry, 'west'), logger: silentLogger, metrics: createKdsMetrics(undefined), attributes: {} });
    // What global sends on: its copies, named and labelled as global stores them.
    const copy = (name: string, zone: string, port = 1): SyncedResource => ({
      type: 'Dataplane',
      mesh: 'default',
      name: globalNameOf(name, zone),
      labels: { team: 'a', [Labels.origin]: 'zone', [Labels.zone]: zone, [Labels.displayName]: name },
      spec: { port },
    });
    const clash = globalNameOf('clash', 'east');
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await store.create({ type: 'Dataplane', mesh: 'default', name: clash, labels: {}, spec: { port: 9 } });
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'mine', labels: {}, spec: { port: 7 } });
    await a.applySnapshot(new Map([entry(mesh), entry(copy('web-1', 'east')), entry(copy('mine', 'west')), entry(copy('clash', 'east'))]), true);
    const names = async (): Promise<string[]> => (await store.list({ type: 'Dataplane' })).items.map((r) => r.name).sort();
    assert.deepEqual(await names(), [clash, globalNameOf('web-1', 'east'), 'mine'].sort(), "west's own copy does not come back");
    assert.deepEqual((await store.get({ type: 'Dataplane', mesh: 'default', name: globalNameOf('web-1', 'east') })).labels, {
      team: 'a',
      [Labels.origin]: 'global',
      [Labels.zone]: 'east',
      [Labels.displayName]: 'web-1',
    });
    assert.deepEqual((await store.get({ type: 'Dataplane', mesh: 'default', name: clash })).spec, { port: 9 }, 'the zone’s own Dataplane wins a clash');
    assert.equal(a.stats.conflicts, 1);
    await a.applyPut(...entry(copy('web-1', 'east', 2)));
    assert.deepEqual((await store.get({ type: 'Dataplane', mesh: 'default', name: globalNameOf('web-1', 'east') })).spec, { port: 2 });
    await a.applyDelete(kdsKey(copy('web-1', 'east')));
    await a.applySnapshot(new Map([entry(mesh)]), true);
    assert.deepEqual(await names(), [clash, 'mine'].sort(), 'deleted copies go; local Dataplanes stay');
    // Without the zone (acrossZones off) Dataplanes are not even accepted.
    assert.deepEqual(zoneSideMapping(registry).types, globalToZoneTypes(registry));
    assert.deepEqual(zoneSideMapping(registry, 'west').types, ['Mesh', 'GlobalSecret', 'Dataplane', 'Secret']);
  });
});
