import assert from 'node:assert/strict';
import {
  AlreadyExistsError,
  ConflictError,
  MESH_TYPE,
  MalformedInputError,
  NotFoundError,
  type Resource,
  type ResourceInput,
} from '@mycel/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type ChangeEvent, type ChangeStream, type ListQuery, type ResourceStore, type WatchMessage } from './resource-store';

/** What the contract suite asks of a store factory: the clock and change retention the new store must use. */
export interface StoreContractOptions {
  readonly clock: () => Date;
  readonly retainChanges: number;
}

/** A fresh, empty store under test and how to dispose of it (teardown must tolerate an already closed store). */
export interface StoreUnderTest {
  readonly store: ResourceStore;
  teardown(): Promise<void>;
}

/** Retention of the stores most tests use; resync tests make their own with a small one. */
const DEFAULT_TEST_RETAIN = 1000;
const START = Date.parse('2026-03-01T10:00:00.000Z');

/** A clock that only moves when told to. */
class ManualClock {
  private ms = START;
  readonly now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  iso(): string {
    return new Date(this.ms).toISOString();
  }
}

function meshInput(name: string, labels: Record<string, string> = {}): ResourceInput {
  return { type: MESH_TYPE, name, labels, spec: {} };
}

function dataplane(mesh: string, name: string, labels: Record<string, string> = {}, spec: unknown = { port: 8080 }): ResourceInput {
  return { type: 'Dataplane', mesh, name, labels, spec };
}

function zone(name: string, labels: Record<string, string> = {}, spec: unknown = { enabled: true }): ResourceInput {
  return { type: 'Zone', name, labels, spec };
}

/** Compact, order-preserving description of a resource for assertions. */
function describeResource(r: Resource): string {
  return `${r.type} ${r.mesh === undefined ? '' : `${r.mesh}/`}${r.name}`;
}

function describeEvent(e: ChangeEvent): string {
  return `${e.op} ${describeResource(e.resource)} v${e.resource.version}`;
}

/** Pull-style reader of a change stream; fails the test when the stream ends unexpectedly. */
function reader(stream: ChangeStream): { next(): Promise<WatchMessage>; changes(n: number): Promise<ChangeEvent[]>; ended(): Promise<boolean> } {
  const it = stream[Symbol.asyncIterator]();
  const next = async (): Promise<WatchMessage> => {
    const r = await it.next();
    if (r.done === true) assert.fail('the change stream ended unexpectedly');
    return r.value;
  };
  return {
    next,
    async changes(n: number): Promise<ChangeEvent[]> {
      const out: ChangeEvent[] = [];
      while (out.length < n) {
        const m = await next();
        if (m.kind !== 'change') assert.fail(`expected a change, got ${JSON.stringify(m)}`);
        out.push(m.event);
      }
      return out;
    },
    async ended(): Promise<boolean> {
      return (await it.next()).done === true;
    },
  };
}

/** Walks every page of `query`, returning the items in order and the page count. */
async function walk(store: ResourceStore, query: ListQuery): Promise<{ items: Resource[]; pages: number; totals: number[] }> {
  const items: Resource[] = [];
  const totals: number[] = [];
  let offset: string | undefined;
  let pages = 0;
  do {
    const page = await store.list(offset === undefined ? query : { ...query, offset });
    pages++;
    assert.ok(pages <= 10000, 'pagination does not terminate');
    items.push(...page.items);
    totals.push(page.total);
    offset = page.next;
  } while (offset !== undefined);
  return { items, pages, totals };
}

function names(items: readonly Resource[]): string[] {
  return items.map((r) => (r.mesh === undefined ? r.name : `${r.mesh}/${r.name}`));
}

function pad(n: number): string {
  return String(n).padStart(3, '0');
}

/**
 * Registers the mocha suite every ResourceStore implementation must pass. `makeStore` is called for
 * each test (sometimes more than once) and must return a new, empty store honouring the options.
 */
export function describeStoreContract(label: string, makeStore: (options: StoreContractOptions) => Promise<StoreUnderTest>): void {
  describe(`ResourceStore contract: ${label}`, () => {
    let clock: ManualClock;
    let store: ResourceStore;
    const owned: StoreUnderTest[] = [];

    async function another(retainChanges: number): Promise<ResourceStore> {
      const sut = await makeStore({ clock: clock.now, retainChanges });
      owned.push(sut);
      return sut.store;
    }

    beforeEach(async () => {
      clock = new ManualClock();
      store = await another(DEFAULT_TEST_RETAIN);
    });

    afterEach(async () => {
      for (const sut of owned.splice(0)) await sut.teardown();
    });

    describe('create, get and find', () => {
      it('creates with version 1 and store-set times; get and find return an equal resource', async () => {
        await store.create(meshInput('default'));
        clock.advance(5);
        const created = await store.create(dataplane('default', 'web-1', { app: 'web' }, { port: 80, tags: ['a'] }));
        assert.deepEqual(created, {
          type: 'Dataplane',
          mesh: 'default',
          name: 'web-1',
          labels: { app: 'web' },
          spec: { port: 80, tags: ['a'] },
          creationTime: clock.iso(),
          modificationTime: clock.iso(),
          version: '1',
        });
        assert.deepEqual(await store.get({ type: 'Dataplane', mesh: 'default', name: 'web-1' }), created);
        assert.deepEqual(await store.find({ type: 'Dataplane', mesh: 'default', name: 'web-1' }), created);
        const global = await store.create(zone('east'));
        assert.equal(global.mesh, undefined);
        assert.ok(!('mesh' in global), 'a global resource has no mesh field');
        assert.deepEqual(await store.get({ type: 'Zone', name: 'east' }), global);
      });

      it('find returns undefined and get throws NotFoundError for a missing resource', async () => {
        assert.equal(await store.find({ type: 'Zone', name: 'nope' }), undefined);
        await assert.rejects(store.get({ type: 'Zone', name: 'nope' }), NotFoundError);
        await assert.rejects(store.get({ type: 'Dataplane', mesh: 'default', name: 'nope' }), NotFoundError);
      });

      it('create of an existing key fails with AlreadyExistsError and keeps the stored resource', async () => {
        const first = await store.create(zone('east', { a: '1' }));
        clock.advance(1);
        await assert.rejects(store.create(zone('east', { a: '2' })), AlreadyExistsError);
        assert.deepEqual(await store.get({ type: 'Zone', name: 'east' }), first);
      });

      it('create of a mesh-scoped resource whose Mesh does not exist fails with NotFoundError naming the mesh', async () => {
        await assert.rejects(store.create(dataplane('missing-mesh', 'web-1')), (err: unknown) => {
          assert.ok(err instanceof NotFoundError);
          assert.match(err.message, /missing-mesh/);
          return true;
        });
        assert.equal(await store.find({ type: 'Dataplane', mesh: 'missing-mesh', name: 'web-1' }), undefined);
      });

      it('keys differ by type, mesh and name', async () => {
        await store.create(meshInput('a'));
        await store.create(meshInput('b'));
        await store.create(dataplane('a', 'x', {}, { n: 1 }));
        await store.create(dataplane('b', 'x', {}, { n: 2 }));
        await store.create({ type: 'MeshTimeout', mesh: 'a', name: 'x', labels: {}, spec: { n: 3 } });
        await store.create(zone('x', {}, { n: 4 }));
        assert.deepEqual((await store.get({ type: 'Dataplane', mesh: 'a', name: 'x' })).spec, { n: 1 });
        assert.deepEqual((await store.get({ type: 'Dataplane', mesh: 'b', name: 'x' })).spec, { n: 2 });
        assert.deepEqual((await store.get({ type: 'MeshTimeout', mesh: 'a', name: 'x' })).spec, { n: 3 });
        assert.deepEqual((await store.get({ type: 'Zone', name: 'x' })).spec, { n: 4 });
      });

      it('hands out copies: mutating inputs or results never changes stored state', async () => {
        const labels: Record<string, string> = { app: 'web' };
        const spec = { nested: { list: [1, 2] } };
        const created = await store.create(zone('east', labels, spec));
        labels['app'] = 'changed';
        spec.nested.list.push(3);
        (created.labels as Record<string, string>)['app'] = 'changed-too';
        const got = await store.get({ type: 'Zone', name: 'east' });
        assert.deepEqual(got.labels, { app: 'web' });
        assert.deepEqual(got.spec, { nested: { list: [1, 2] } });
        ((got.spec as { nested: { list: number[] } }).nested.list as number[]).push(9);
        const page = await store.list({ type: 'Zone' });
        assert.deepEqual(page.items[0]?.spec, { nested: { list: [1, 2] } });
        (page.items[0]?.labels as Record<string, string>)['x'] = 'y';
        assert.deepEqual((await store.get({ type: 'Zone', name: 'east' })).labels, { app: 'web' });
      });

      it('a resource created again after deletion starts over at version 1', async () => {
        await store.create(zone('east'));
        await store.update(zone('east', { a: 'b' }));
        await store.delete({ type: 'Zone', name: 'east' });
        clock.advance(10);
        const again = await store.create(zone('east'));
        assert.equal(again.version, '1');
        assert.equal(again.creationTime, clock.iso());
      });
    });

    describe('update', () => {
      it('bumps the version by one, keeps creationTime and sets modificationTime', async () => {
        const created = await store.create(zone('east', { a: '1' }));
        clock.advance(60);
        const updated = await store.update(zone('east', { a: '2' }, { enabled: false }));
        assert.deepEqual(updated, {
          type: 'Zone',
          name: 'east',
          labels: { a: '2' },
          spec: { enabled: false },
          creationTime: created.creationTime,
          modificationTime: clock.iso(),
          version: '2',
        });
        assert.deepEqual(await store.get({ type: 'Zone', name: 'east' }), updated);
        clock.advance(1);
        assert.equal((await store.update(zone('east', { a: '3' }))).version, '3');
      });

      it('replaces labels and spec as a whole', async () => {
        await store.create(zone('east', { a: '1', b: '2' }, { x: 1, y: 2 }));
        const updated = await store.update(zone('east', { b: '2' }, { y: 2 }));
        assert.deepEqual(updated.labels, { b: '2' });
        assert.deepEqual(updated.spec, { y: 2 });
      });

      it('fails with NotFoundError when the resource does not exist', async () => {
        await assert.rejects(store.update(zone('nope')), NotFoundError);
        await store.create(meshInput('default'));
        await assert.rejects(store.update(dataplane('default', 'nope')), NotFoundError);
      });

      it('fails with ConflictError on a stale expectedVersion and succeeds with the current one', async () => {
        await store.create(zone('east', { a: '1' }));
        await store.update(zone('east', { a: '2' }));
        await assert.rejects(store.update(zone('east', { a: '3' }), { expectedVersion: '1' }), ConflictError);
        assert.deepEqual((await store.get({ type: 'Zone', name: 'east' })).labels, { a: '2' });
        const ok = await store.update(zone('east', { a: '3' }), { expectedVersion: '2' });
        assert.equal(ok.version, '3');
      });

      it('is a no-op when labels and spec are unchanged: same version and times, no change event', async () => {
        const created = await store.create(zone('east', { a: '1', b: '2' }, { x: { p: 1, q: [1, 2] }, y: 'z' }));
        const watch = store.watch();
        const events = reader(watch);
        clock.advance(30);
        // Same content, keys in another order.
        const same = await store.update(zone('east', { b: '2', a: '1' }, { y: 'z', x: { q: [1, 2], p: 1 } }));
        assert.deepEqual(same, created);
        const sameChecked = await store.update(zone('east', { a: '1', b: '2' }, { x: { p: 1, q: [1, 2] }, y: 'z' }), { expectedVersion: '1' });
        assert.deepEqual(sameChecked, created);
        await store.update(zone('east', { a: '1' }, { x: { p: 1, q: [1, 2] }, y: 'z' }));
        const [first] = await events.changes(1);
        assert.equal(first && describeEvent(first), 'updated Zone east v2');
        await watch.close();
      });

      it('checks expectedVersion before detecting a no-op', async () => {
        await store.create(zone('east', { a: '1' }));
        await store.update(zone('east', { a: '2' }));
        await assert.rejects(store.update(zone('east', { a: '2' }), { expectedVersion: '1' }), ConflictError);
      });
    });

    describe('delete', () => {
      it('removes the resource; deleting a missing one fails with NotFoundError', async () => {
        await store.create(zone('east'));
        await store.delete({ type: 'Zone', name: 'east' });
        assert.equal(await store.find({ type: 'Zone', name: 'east' }), undefined);
        await assert.rejects(store.delete({ type: 'Zone', name: 'east' }), NotFoundError);
        assert.equal((await store.list({ type: 'Zone' })).total, 0);
      });

      it('fails with ConflictError on a stale expectedVersion and keeps the resource', async () => {
        await store.create(zone('east'));
        await store.update(zone('east', { a: '1' }));
        await assert.rejects(store.delete({ type: 'Zone', name: 'east' }, { expectedVersion: '1' }), ConflictError);
        assert.equal((await store.get({ type: 'Zone', name: 'east' })).version, '2');
        await store.delete({ type: 'Zone', name: 'east' }, { expectedVersion: '2' });
        assert.equal(await store.find({ type: 'Zone', name: 'east' }), undefined);
      });

      it('deleting a Mesh deletes every resource of that mesh (only), each with a deleted event, the Mesh last', async () => {
        for (const m of ['m1', 'm1-x', 'm10', 'm2']) await store.create(meshInput(m));
        await store.create(dataplane('m1', 'a'));
        await store.create(dataplane('m1', 'b'));
        await store.update(dataplane('m1', 'b', { v: '2' }));
        await store.create({ type: 'MeshTimeout', mesh: 'm1', name: 't', labels: {}, spec: {} });
        await store.create(dataplane('m1-x', 'a'));
        await store.create(dataplane('m10', 'a'));
        await store.create(dataplane('m2', 'a'));
        await store.create(zone('east'));
        const watch = store.watch();
        const events = reader(watch);
        await store.delete({ type: MESH_TYPE, name: 'm1' });
        const got = (await events.changes(4)).map(describeEvent);
        assert.equal(got[3], 'deleted Mesh m1 v1');
        assert.deepEqual(got.slice(0, 3).sort(), ['deleted Dataplane m1/a v1', 'deleted Dataplane m1/b v2', 'deleted MeshTimeout m1/t v1']);
        assert.deepEqual(names((await store.list({ type: 'Dataplane' })).items), ['m1-x/a', 'm10/a', 'm2/a']);
        assert.equal((await store.list({ type: 'MeshTimeout' })).total, 0);
        assert.deepEqual(names((await store.list({ type: MESH_TYPE })).items), ['m1-x', 'm10', 'm2']);
        assert.equal((await store.list({ type: 'Zone' })).total, 1);
        // The mesh can be recreated and used again.
        await store.create(meshInput('m1'));
        assert.equal((await store.create(dataplane('m1', 'a'))).version, '1');
        await watch.close();
      });

      it('deleting a Mesh with a stale expectedVersion deletes nothing', async () => {
        await store.create(meshInput('m1'));
        await store.update(meshInput('m1', { a: 'b' }));
        await store.create(dataplane('m1', 'a'));
        await assert.rejects(store.delete({ type: MESH_TYPE, name: 'm1' }, { expectedVersion: '1' }), ConflictError);
        assert.equal((await store.list({ type: 'Dataplane', mesh: 'm1' })).total, 1);
      });
    });

    describe('list', () => {
      it('lists one type, ordered by (mesh, name), with total; an unknown type lists nothing', async () => {
        for (const m of ['b', 'a-b', 'a']) await store.create(meshInput(m));
        for (const [m, n] of [['b', 'x'], ['a', 'z'], ['a-b', 'a'], ['a', 'y'], ['b', 'a']] as const) await store.create(dataplane(m, n));
        await store.create({ type: 'MeshTimeout', mesh: 'a', name: 'other-type', labels: {}, spec: {} });
        const page = await store.list({ type: 'Dataplane' });
        // Mesh 'a' sorts before 'a-b' although 'a/' > 'a-' as plain strings.
        assert.deepEqual(names(page.items), ['a/y', 'a/z', 'a-b/a', 'b/a', 'b/x']);
        assert.equal(page.total, 5);
        assert.equal(page.next, undefined);
        assert.deepEqual(await store.list({ type: 'NoSuchType' }), { items: [], total: 0 });
        assert.deepEqual(names((await store.list({ type: MESH_TYPE })).items), ['a', 'a-b', 'b']);
      });

      it('orders names by Unicode code point (UTF-8 byte order), the same in every store', async () => {
        for (const name of ['b', 'a\u{1F600}', 'a\uFFFD', 'a~', 'A']) await store.create(zone(name));
        assert.deepEqual(names((await store.list({ type: 'Zone' })).items), ['A', 'a~', 'a\uFFFD', 'a\u{1F600}', 'b']);
        const { items } = await walk(store, { type: 'Zone', size: 1 });
        assert.deepEqual(names(items), ['A', 'a~', 'a\uFFFD', 'a\u{1F600}', 'b']);
      });

      it('filters by mesh; without a mesh it lists every mesh', async () => {
        for (const m of ['a', 'ab', 'b']) await store.create(meshInput(m));
        for (const m of ['a', 'ab', 'b']) for (const n of ['p', 'q']) await store.create(dataplane(m, n));
        await store.create(zone('z1'));
        assert.deepEqual(names((await store.list({ type: 'Dataplane', mesh: 'a' })).items), ['a/p', 'a/q']);
        assert.equal((await store.list({ type: 'Dataplane', mesh: 'a' })).total, 2);
        assert.deepEqual(names((await store.list({ type: 'Dataplane', mesh: 'ab' })).items), ['ab/p', 'ab/q']);
        assert.equal((await store.list({ type: 'Dataplane', mesh: 'none' })).total, 0);
        assert.equal((await store.list({ type: 'Dataplane' })).total, 6);
        assert.deepEqual(names((await store.list({ type: 'Zone' })).items), ['z1']);
      });

      it('label filter requires every given label to match exactly', async () => {
        await store.create(zone('a', { env: 'prod', team: 'x' }));
        await store.create(zone('b', { env: 'prod', team: 'y' }));
        await store.create(zone('c', { env: 'dev', team: 'x' }));
        await store.create(zone('d', {}));
        await store.create(zone('e', { 'mycel.io/origin': 'global', env: 'prod' }));
        assert.deepEqual(names((await store.list({ type: 'Zone', labels: { env: 'prod' } })).items), ['a', 'b', 'e']);
        assert.deepEqual(names((await store.list({ type: 'Zone', labels: { env: 'prod', team: 'x' } })).items), ['a']);
        assert.deepEqual(names((await store.list({ type: 'Zone', labels: { 'mycel.io/origin': 'global' } })).items), ['e']);
        assert.equal((await store.list({ type: 'Zone', labels: { env: 'staging' } })).total, 0);
        assert.equal((await store.list({ type: 'Zone', labels: { env: '' } })).total, 0);
        assert.equal((await store.list({ type: 'Zone', labels: {} })).total, 5);
        await store.update(zone('c', { env: 'prod' }));
        assert.deepEqual(names((await store.list({ type: 'Zone', labels: { env: 'prod' } })).items), ['a', 'b', 'c', 'e']);
      });

      it('name filter keeps names containing the substring', async () => {
        await store.create(meshInput('web'));
        for (const n of ['web-1', 'api-1', 'web-2', 'backend-web', 'db']) await store.create(dataplane('web', n));
        const page = await store.list({ type: 'Dataplane', nameContains: 'web' });
        // The mesh name is not part of the match.
        assert.deepEqual(names(page.items), ['web/backend-web', 'web/web-1', 'web/web-2']);
        assert.equal(page.total, 3);
        assert.equal((await store.list({ type: 'Dataplane', nameContains: '-1' })).total, 2);
        assert.equal((await store.list({ type: 'Dataplane', nameContains: 'zzz' })).total, 0);
        assert.equal((await store.list({ type: 'Dataplane', nameContains: '' })).total, 5);
      });

      it('pages walk every item exactly once in order, for any page size', async () => {
        const all: string[] = [];
        for (let i = 0; i < 25; i++) {
          await store.create(zone(`z-${pad(i)}`));
          all.push(`z-${pad(i)}`);
        }
        for (const size of [1, 2, 7, 24, 25, 26, MAX_PAGE_SIZE]) {
          const { items, pages, totals } = await walk(store, { type: 'Zone', size });
          assert.deepEqual(names(items), all, `size ${size}`);
          assert.equal(pages, Math.max(1, Math.ceil(25 / size)), `pages for size ${size}`);
          assert.ok(totals.every((t) => t === 25));
        }
        const first = await store.list({ type: 'Zone', size: 7 });
        assert.equal(first.items.length, 7);
        assert.equal(typeof first.next, 'string');
      });

      it('filters combine with pagination; total counts every match on every page', async () => {
        for (const m of ['a', 'b']) await store.create(meshInput(m));
        for (let i = 0; i < 20; i++) {
          await store.create(dataplane(i % 2 === 0 ? 'a' : 'b', `dp-${pad(i)}`, { parity: i % 2 === 0 ? 'even' : 'odd', third: String(i % 3) }));
        }
        const even = await walk(store, { type: 'Dataplane', labels: { parity: 'even' }, size: 3 });
        assert.equal(even.items.length, 10);
        assert.ok(even.totals.every((t) => t === 10));
        assert.equal(even.pages, 4);
        const evenThirdZeroInB = await walk(store, { type: 'Dataplane', mesh: 'b', labels: { third: '0' }, size: 1 });
        // Odd i (mesh b) with i % 3 === 0: 3, 9, 15.
        assert.deepEqual(names(evenThirdZeroInB.items), ['b/dp-003', 'b/dp-009', 'b/dp-015']);
        assert.ok(evenThirdZeroInB.totals.every((t) => t === 3));
        const byName = await walk(store, { type: 'Dataplane', nameContains: '-01', size: 4 });
        assert.deepEqual(names(byName.items), ['a/dp-010', 'a/dp-012', 'a/dp-014', 'a/dp-016', 'a/dp-018', 'b/dp-011', 'b/dp-013', 'b/dp-015', 'b/dp-017', 'b/dp-019']);
        assert.ok(byName.totals.every((t) => t === 10));
      });

      it('pages stay consistent under writes between pages: every resource present throughout is seen exactly once', async () => {
        const initial: string[] = [];
        for (let i = 0; i < 30; i += 1) {
          await store.create(zone(`z-${pad(i * 10)}`));
          initial.push(`z-${pad(i * 10)}`);
        }
        const deleted = new Set<string>();
        const seen: string[] = [];
        let offset: string | undefined;
        let step = 0;
        do {
          const page = await store.list({ type: 'Zone', size: 4, ...(offset === undefined ? {} : { offset }) });
          seen.push(...names(page.items));
          offset = page.next;
          step++;
          // Between pages: insert before and after the cursor, delete a not yet visited item, update another.
          await store.create(zone(`z-${pad(step)}a`));
          await store.create(zone(`z-${pad(900 + step)}`));
          const victim = `z-${pad(290 - step * 10)}`;
          if (!seen.includes(victim) && !deleted.has(victim) && step < 8) {
            await store.delete({ type: 'Zone', name: victim });
            deleted.add(victim);
          }
          const touched = `z-${pad(step * 20)}`;
          if (!deleted.has(touched) && step * 20 < 300) await store.update(zone(touched, { step: String(step) }));
        } while (offset !== undefined && step < 100);
        assert.equal(new Set(seen).size, seen.length, `duplicates in ${seen.join(',')}`);
        const sorted = [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        assert.deepEqual(seen, sorted, 'items come in key order');
        for (const name of initial) {
          if (deleted.has(name)) assert.ok(!seen.includes(name), `${name} was deleted before it was reached`);
          else assert.ok(seen.includes(name), `${name} existed throughout and was not seen`);
        }
        assert.ok(deleted.size > 0, 'the test deleted something');
      });

      it('size defaults to DEFAULT_PAGE_SIZE and must be an integer from 1 to MAX_PAGE_SIZE', async () => {
        const count = DEFAULT_PAGE_SIZE + 5;
        await Promise.all(Array.from({ length: count }, (_, i) => store.create(zone(`z-${pad(i)}`))));
        const first = await store.list({ type: 'Zone' });
        assert.equal(first.items.length, DEFAULT_PAGE_SIZE);
        assert.equal(first.total, count);
        assert.ok(first.next !== undefined);
        const rest = await store.list({ type: 'Zone', offset: first.next });
        assert.equal(rest.items.length, 5);
        assert.equal(rest.next, undefined);
        const max = await store.list({ type: 'Zone', size: MAX_PAGE_SIZE });
        assert.equal(max.items.length, count);
        assert.equal(max.next, undefined);
        for (const size of [0, -1, MAX_PAGE_SIZE + 1, 2.5, Number.NaN]) {
          await assert.rejects(store.list({ type: 'Zone', size }), MalformedInputError, `size ${size}`);
        }
      });

      it('rejects an offset that is not a cursor with MalformedInputError', async () => {
        await store.create(zone('a'));
        for (const offset of ['', 'not a cursor!', 'Zm9v', '%%%']) {
          await assert.rejects(store.list({ type: 'Zone', offset }), MalformedInputError, `offset '${offset}'`);
        }
      });

      it('a cursor from another mesh does not leak items outside the queried mesh', async () => {
        for (const m of ['a', 'b', 'bb', 'c']) await store.create(meshInput(m));
        for (const m of ['a', 'b', 'bb', 'c']) for (const n of ['1', '2']) await store.create(dataplane(m, `dp-${n}`));
        const aPage = await store.list({ type: 'Dataplane', mesh: 'a', size: 1 });
        const cPage = await store.list({ type: 'Dataplane', mesh: 'c', size: 1 });
        assert.ok(aPage.next !== undefined && cPage.next !== undefined);
        for (const nameContains of [undefined, 'dp']) {
          const filter = nameContains === undefined ? {} : { nameContains };
          const fromA = await store.list({ type: 'Dataplane', mesh: 'b', offset: aPage.next, ...filter });
          assert.deepEqual(names(fromA.items), ['b/dp-1', 'b/dp-2']);
          assert.equal(fromA.total, 2);
          const fromC = await store.list({ type: 'Dataplane', mesh: 'b', offset: cPage.next, ...filter });
          assert.deepEqual(fromC.items, []);
          assert.equal(fromC.total, 2);
        }
      });
    });

    describe('change feed', () => {
      it('delivers created, updated and deleted events in commit order with increasing revisions; head follows', async () => {
        const initial = await store.head();
        const watch = store.watch();
        const events = reader(watch);
        await store.create(zone('east', { a: '1' }));
        clock.advance(1);
        const updated = await store.update(zone('east', { a: '2' }));
        await store.create(zone('west'));
        await store.delete({ type: 'Zone', name: 'east' });
        const got = await events.changes(4);
        assert.deepEqual(got.map(describeEvent), ['created Zone east v1', 'updated Zone east v2', 'created Zone west v1', 'deleted Zone east v2']);
        assert.deepEqual(got[1]?.resource, updated);
        assert.deepEqual(got[3]?.resource, updated, 'a deletion carries the last state');
        const revisions = got.map((e) => e.revision);
        assert.equal(new Set([initial, ...revisions]).size, 5, 'revisions are distinct');
        assert.equal(await store.head(), revisions[3]);
        await watch.close();
      });

      it('starts at the head as of watch(); from the initial head it delivers the first change', async () => {
        const initial = await store.head();
        await store.create(zone('before'));
        const watch = store.watch();
        await store.create(zone('after'));
        assert.deepEqual((await reader(watch).changes(1)).map(describeEvent), ['created Zone after v1']);
        const fromStart = store.watch({ fromRevision: initial });
        assert.deepEqual((await reader(fromStart).changes(2)).map(describeEvent), ['created Zone before v1', 'created Zone after v1']);
        await watch.close();
        await fromStart.close();
      });

      it('resuming from a revision delivers exactly the later changes, then live ones', async () => {
        const watch = store.watch();
        for (let i = 0; i < 5; i++) await store.create(zone(`z${i}`));
        const first = await reader(watch).changes(5);
        await watch.close();
        const resumed = store.watch({ fromRevision: first[1]?.revision ?? '' });
        const events = reader(resumed);
        assert.deepEqual((await events.changes(3)).map(describeEvent), ['created Zone z2 v1', 'created Zone z3 v1', 'created Zone z4 v1']);
        await store.update(zone('z0', { live: 'yes' }));
        const [live] = await events.changes(1);
        assert.equal(live && describeEvent(live), 'updated Zone z0 v2');
        const fromHead = store.watch({ fromRevision: await store.head() });
        await store.delete({ type: 'Zone', name: 'z1' });
        assert.deepEqual((await reader(fromHead).changes(1)).map(describeEvent), ['deleted Zone z1 v1']);
        await resumed.close();
        await fromHead.close();
      });

      it('a revision older than the retained changes gets resync, then live changes', async () => {
        const small = await another(5);
        const watch = small.watch();
        const live = reader(watch);
        const all: ChangeEvent[] = [];
        // Read as we write: a watcher lagging more than 5 changes behind would itself get resync.
        for (let i = 0; i < 12; i++) {
          await small.create(zone(`z${pad(i)}`));
          all.push(...(await live.changes(1)));
        }
        await watch.close();
        const stale = small.watch({ fromRevision: all[0]?.revision ?? '' });
        const events = reader(stale);
        const first = await events.next();
        assert.deepEqual(first, { kind: 'resync', revision: await small.head() });
        await small.create(zone('live'));
        assert.deepEqual((await events.changes(1)).map(describeEvent), ['created Zone live v1']);
        await stale.close();
      });

      it('a watcher falling more than the retained changes behind gets resync at the head, then live changes', async () => {
        const small = await another(5);
        const watch = small.watch();
        const events = reader(watch);
        for (let i = 0; i < 12; i++) await small.create(zone(`z${pad(i)}`));
        assert.deepEqual(await events.next(), { kind: 'resync', revision: await small.head() });
        await small.delete({ type: 'Zone', name: 'z000' });
        assert.deepEqual((await events.changes(1)).map(describeEvent), ['deleted Zone z000 v1']);
        await watch.close();
      });

      it('resuming from the oldest position within the retained changes needs no resync', async () => {
        const small = await another(5);
        const watch = small.watch();
        const live = reader(watch);
        const all: ChangeEvent[] = [];
        // Read as we write: a watcher lagging more than 5 changes behind would itself get resync.
        for (let i = 0; i < 12; i++) {
          await small.create(zone(`z${pad(i)}`));
          all.push(...(await live.changes(1)));
        }
        await watch.close();
        // Changes 8..12 are the last 5: resuming after change 7 needs only retained ones.
        const edge = small.watch({ fromRevision: all[6]?.revision ?? '' });
        const got = await reader(edge).changes(5);
        assert.deepEqual(got.map((e) => e.resource.name), ['z007', 'z008', 'z009', 'z010', 'z011']);
        await edge.close();
      });

      it('a revision ahead of the head (e.g. from a store that lost its data) gets resync', async () => {
        for (let i = 0; i < 3; i++) await store.create(zone(`z${i}`));
        const foreign = await store.head();
        const fresh = await another(DEFAULT_TEST_RETAIN);
        const watch = fresh.watch({ fromRevision: foreign });
        const events = reader(watch);
        assert.deepEqual(await events.next(), { kind: 'resync', revision: await fresh.head() });
        await fresh.create(zone('after'));
        assert.deepEqual((await events.changes(1)).map(describeEvent), ['created Zone after v1']);
        await watch.close();
      });

      it('a malformed revision throws MalformedInputError', async () => {
        assert.throws(() => store.watch({ fromRevision: 'not-a-revision' }), MalformedInputError);
      });

      it('every watcher sees every change', async () => {
        const a = store.watch();
        const b = store.watch();
        await store.create(zone('x'));
        await store.update(zone('x', { k: 'v' }));
        const expected = ['created Zone x v1', 'updated Zone x v2'];
        assert.deepEqual((await reader(a).changes(2)).map(describeEvent), expected);
        assert.deepEqual((await reader(b).changes(2)).map(describeEvent), expected);
        await a.close();
        await b.close();
      });

      it('events carry copies', async () => {
        const watch = store.watch();
        await store.create(zone('x', { k: 'v' }));
        const [event] = await reader(watch).changes(1);
        (event?.resource.labels as Record<string, string>)['k'] = 'changed';
        assert.deepEqual((await store.get({ type: 'Zone', name: 'x' })).labels, { k: 'v' });
        await watch.close();
      });

      it('closing a change stream ends its iteration, also while a next() is pending; close is idempotent', async () => {
        const watch = store.watch();
        const it = watch[Symbol.asyncIterator]();
        const pending = it.next();
        await watch.close();
        assert.equal((await pending).done, true);
        assert.equal((await it.next()).done, true);
        await watch.close();
      });

      it('breaking out of a for-await loop closes the stream', async () => {
        const watch = store.watch();
        await store.create(zone('a'));
        await store.create(zone('b'));
        for await (const message of watch) {
          assert.equal(message.kind, 'change');
          break;
        }
        assert.equal((await watch[Symbol.asyncIterator]().next()).done, true);
      });

      it('closing the store ends every watch and further calls fail', async () => {
        const a = reader(store.watch());
        const b = store.watch();
        const pending = a.ended();
        await store.close();
        assert.equal(await pending, true);
        assert.equal(await reader(b).ended(), true);
        await store.close();
        await assert.rejects(store.get({ type: 'Zone', name: 'x' }));
      });
    });

    describe('concurrency', () => {
      it('of 12 concurrent updates with the same expectedVersion exactly one wins; the others get ConflictError', async () => {
        await store.create(zone('hot'));
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => store.update(zone('hot', { writer: String(i) }), { expectedVersion: '1' })),
        );
        const won = results.filter((r): r is PromiseFulfilledResult<Resource> => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1);
        assert.ok(lost.every((r) => r.reason instanceof ConflictError), 'losers get ConflictError');
        const stored = await store.get({ type: 'Zone', name: 'hot' });
        assert.equal(stored.version, '2');
        assert.deepEqual(stored.labels, won[0]?.value.labels);
      });

      it('of 12 concurrent creates of one key exactly one wins; the others get AlreadyExistsError', async () => {
        const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => store.create(zone('hot', { writer: String(i) }))));
        const won = results.filter((r): r is PromiseFulfilledResult<Resource> => r.status === 'fulfilled');
        assert.equal(won.length, 1);
        assert.ok(results.every((r) => r.status === 'fulfilled' || r.reason instanceof AlreadyExistsError));
        assert.deepEqual((await store.get({ type: 'Zone', name: 'hot' })).labels, won[0]?.value.labels);
      });

      it('concurrent unconditional updates all apply, one version each, each with its event', async () => {
        await store.create(zone('hot'));
        const watch = store.watch();
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.update(zone('hot', { writer: String(i) }))));
        assert.deepEqual(results.map((r) => Number(r.version)).sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        const events = await reader(watch).changes(10);
        assert.deepEqual(events.map((e) => e.resource.version), ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
        assert.equal((await store.get({ type: 'Zone', name: 'hot' })).version, '11');
        await watch.close();
      });

      it('concurrent creates of different keys all succeed and each appears once in the feed', async () => {
        await store.create(meshInput('default'));
        const watch = store.watch();
        await Promise.all(Array.from({ length: 40 }, (_, i) => store.create(dataplane('default', `dp-${pad(i)}`))));
        const events = await reader(watch).changes(40);
        assert.deepEqual(events.map((e) => e.resource.name).sort(), Array.from({ length: 40 }, (_, i) => `dp-${pad(i)}`));
        assert.equal((await store.list({ type: 'Dataplane', mesh: 'default' })).total, 40);
        await watch.close();
      });

      it('a create racing the deletion of its Mesh either fails or is deleted with it: no orphans', async () => {
        await store.create(meshInput('doomed'));
        const creates = Array.from({ length: 10 }, (_, i) => store.create(dataplane('doomed', `dp-${i}`)));
        const deletion = store.delete({ type: MESH_TYPE, name: 'doomed' });
        const results = await Promise.allSettled([...creates, deletion]);
        assert.ok(
          results.every((r) => r.status === 'fulfilled' || r.reason instanceof NotFoundError),
          'creates either succeed or find the mesh gone',
        );
        assert.equal((await store.list({ type: 'Dataplane', mesh: 'doomed' })).total, 0);
      });
    });
  });
}
