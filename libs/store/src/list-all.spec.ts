import assert from 'node:assert/strict';
import { listAll, listPages } from './list-all';
import { MemoryStore } from './memory-store';
import type { ListQuery } from './resource-store';

describe('listAll / listPages', () => {
  async function zones(n: number): Promise<MemoryStore> {
    const store = new MemoryStore();
    for (let i = 0; i < n; i++) await store.create({ type: 'Zone', name: `z-${String(i).padStart(3, '0')}`, labels: { odd: String(i % 2 === 1) }, spec: {} });
    return store;
  }

  it('follows next over every page, keeping the filters, and returns every resource in order', async () => {
    const store = await zones(25);
    const queries: ListQuery[] = [];
    const list = store.list.bind(store);
    store.list = (query) => {
      queries.push(query);
      return list(query);
    };
    const odd = await listAll(store, { type: 'Zone', labels: { odd: 'true' }, size: 5 });
    assert.deepEqual(odd.map((r) => r.name), Array.from({ length: 12 }, (_, i) => `z-${String(2 * i + 1).padStart(3, '0')}`));
    assert.equal(queries.length, 3);
    assert.ok(queries.every((q) => q.size === 5 && q.labels?.['odd'] === 'true'));
    assert.equal((await listAll(store, { type: 'Zone' })).length, 25, 'one page of MAX_PAGE_SIZE by default');
  });

  it('reads no further page once the caller stops', async () => {
    const store = await zones(10);
    let reads = 0;
    const list = store.list.bind(store);
    store.list = (query) => {
      reads++;
      return list(query);
    };
    for await (const page of listPages(store, { type: 'Zone', size: 3 })) {
      assert.equal(page.items.length, 3);
      break;
    }
    assert.equal(reads, 1);
  });
});
