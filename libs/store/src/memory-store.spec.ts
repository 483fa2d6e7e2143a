import assert from 'node:assert/strict';
import { MESH_TYPE, UnavailableError, ValidationError } from '@mycel/core';
import { MemoryStore } from './memory-store';
import { describeStoreContract } from './store-contract';

describeStoreContract('MemoryStore', async ({ clock, retainChanges }) => {
  const store = new MemoryStore({ clock, retainChanges });
  return { store, teardown: () => store.close() };
});

describe('MemoryStore', () => {
  const clock = (): Date => new Date('2026-01-02T03:04:05.678Z');

  it('numbers revisions "1", "2", … from head "0"', async () => {
    const store = new MemoryStore({ clock });
    assert.equal(await store.head(), '0');
    const watch = store.watch();
    await store.create({ type: MESH_TYPE, name: 'default', labels: {}, spec: {} });
    await store.update({ type: MESH_TYPE, name: 'default', labels: { a: 'b' }, spec: {} });
    const revisions: string[] = [];
    for await (const message of watch) {
      assert.equal(message.kind, 'change');
      if (message.kind === 'change') revisions.push(message.event.revision);
      if (revisions.length === 2) break;
    }
    assert.deepEqual(revisions, ['1', '2']);
    assert.equal(await store.head(), '2');
    await store.close();
  });

  it('does not keep references to caller objects or hand out its own', async () => {
    const store = new MemoryStore({ clock });
    const spec = { list: [{ a: 1 }] };
    const created = await store.create({ type: 'Zone', name: 'z', labels: {}, spec });
    spec.list[0]!.a = 2;
    (created.spec as typeof spec).list[0]!.a = 3;
    const first = await store.get({ type: 'Zone', name: 'z' });
    const second = await store.get({ type: 'Zone', name: 'z' });
    assert.notEqual(first, second);
    assert.notEqual(first.spec, second.spec);
    assert.deepEqual(first.spec, { list: [{ a: 1 }] });
    await store.close();
  });

  it('keeps JSON semantics for specs: undefined members are dropped, dates become strings', async () => {
    const store = new MemoryStore({ clock });
    const created = await store.create({ type: 'Zone', name: 'z', labels: {}, spec: { a: undefined, at: new Date(0) } });
    assert.deepEqual(created.spec, { at: '1970-01-01T00:00:00.000Z' });
    await store.close();
  });

  it('resumes within the retained window after its log was compacted many times', async () => {
    const store = new MemoryStore({ clock, retainChanges: 10 });
    for (let i = 0; i < 500; i++) await store.create({ type: 'Zone', name: `z${i}`, labels: {}, spec: {} });
    const watch = store.watch({ fromRevision: '490' });
    const names: string[] = [];
    for await (const message of watch) {
      if (message.kind === 'change') names.push(message.event.resource.name);
      if (names.length === 10) break;
    }
    assert.deepEqual(names, Array.from({ length: 10 }, (_, i) => `z${490 + i}`));
    const stale = store.watch({ fromRevision: '489' })[Symbol.asyncIterator]();
    assert.deepEqual((await stale.next()).value, { kind: 'resync', revision: '500' });
    await store.close();
  });

  it('rejects a retainChanges below 1', () => {
    assert.throws(() => new MemoryStore({ retainChanges: 0 }), ValidationError);
    assert.throws(() => new MemoryStore({ retainChanges: 1.5 }), ValidationError);
  });

  it('fails every call with UnavailableError after close', async () => {
    const store = new MemoryStore();
    await store.close();
    await assert.rejects(store.list({ type: 'Zone' }), UnavailableError);
    await assert.rejects(store.create({ type: 'Zone', name: 'z', labels: {}, spec: {} }), UnavailableError);
    assert.throws(() => store.watch(), UnavailableError);
  });
});
