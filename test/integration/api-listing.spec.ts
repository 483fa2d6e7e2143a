import assert from 'node:assert/strict';
import { ApiClient, expectProblem, expectStatus } from './support/http';
import type { Page } from './support/http';
import { dataplaneBody, meshBody } from './support/resources';
import { startTestControlPlane } from './support/start-control-plane';
import type { TestControlPlane } from './support/start-control-plane';

const MESH = 'paging';
const COUNT = 250;
const names = Array.from({ length: COUNT }, (_, i) => `dp-${String(i).padStart(3, '0')}`);
const team = (i: number) => (i % 2 === 0 ? 'even' : 'odd');
const tier = (i: number) => `t${i % 5}`;

describe('REST API: listing', function () {
  let cp: TestControlPlane;
  let api: ApiClient;
  const base = `/meshes/${MESH}/dataplanes`;

  before(async function () {
    cp = await startTestControlPlane();
    api = new ApiClient(cp.baseUrl, cp.adminToken);
    expectStatus(await api.put(`/meshes/${MESH}`, meshBody(MESH)), 201);
    // Inserted in a shuffled order (fixed permutation), so ordering is the store's doing.
    const order = names.map((_, i) => (i * 97) % COUNT);
    for (let start = 0; start < COUNT; start += 25) {
      const batch = order.slice(start, start + 25);
      const results = await Promise.all(
        batch.map((i) => api.put(`${base}/${names[i]}`, dataplaneBody(MESH, names[i] as string, { labels: { team: team(i), tier: tier(i) } }))),
      );
      for (const r of results) expectStatus(r, 201);
    }
    // A dataplane in another mesh must never show up in this mesh's listing.
    expectStatus(await api.put('/meshes/default/dataplanes/dp-000', dataplaneBody('default', 'dp-000')), 201);
  });

  after(async function () {
    await cp?.stop();
  });

  /** Follows `next` from `first` to the end; asserts `total` on every page. Returns every name in order. */
  async function walk(first: string, expectedTotal: number, pageSize: number): Promise<string[]> {
    const seen: string[] = [];
    let url: string | null = first;
    let pages = 0;
    while (url !== null) {
      const page: Page = await api.getJson<Page>(url);
      pages++;
      assert.equal(page.total, expectedTotal, `total on page ${pages} (${url})`);
      assert.ok(page.items.length <= pageSize, `page ${pages} has ${page.items.length} items`);
      if (page.next !== null) assert.equal(page.items.length, pageSize, `a page before the last is full (${url})`);
      seen.push(...page.items.map((i) => i.name));
      for (const item of page.items) assert.equal(item.mesh, MESH);
      url = page.next;
      assert.ok(pages <= expectedTotal + 1, 'pagination does not terminate');
    }
    assert.equal(pages, Math.max(1, Math.ceil(expectedTotal / pageSize)));
    return seen;
  }

  it('walks 250 dataplanes in pages of 7 following next: each exactly once, in name order', async function () {
    const seen = await walk(`${base}?size=7`, COUNT, 7);
    assert.equal(seen.length, COUNT);
    assert.equal(new Set(seen).size, COUNT, 'an item appeared twice');
    assert.deepEqual(seen, names);
  });

  it('pages 100 items by default, with a next URL that keeps the page size', async function () {
    const page = await api.getJson<Page>(base);
    assert.equal(page.items.length, 100);
    assert.equal(page.total, COUNT);
    assert.ok(page.next !== null);
    assert.match(page.next, new RegExp(`^${base}\\?`));
    assert.equal(new URL(page.next, cp.baseUrl).searchParams.get('size'), '100');
    assert.deepEqual(await walk(base, COUNT, 100), names);
  });

  it('returns everything with size=1000 and no next', async function () {
    const page = await api.getJson<Page>(`${base}?size=1000`);
    assert.equal(page.items.length, COUNT);
    assert.equal(page.total, COUNT);
    assert.equal(page.next, null);
  });

  it('rejects a size outside 1..1000 or not an integer with 400 naming size', async function () {
    for (const size of ['0', '1001', '-1', 'abc', '1.5', '', '1e2', '0x10']) {
      expectProblem(await api.get(`${base}?size=${encodeURIComponent(size)}`), 400, ['size']);
    }
    expectProblem(await api.get(`${base}?size=1&size=2`), 400, ['size']);
  });

  it('rejects an offset that is not a cursor of this API with 400 naming offset', async function () {
    for (const offset of ['garbage', '!!', 'a b', Buffer.from('no separator').toString('base64url'), `${Buffer.from('paging\u0000dp-001').toString('base64url')}=`]) {
      expectProblem(await api.get(`${base}?offset=${encodeURIComponent(offset)}`), 400, ['offset']);
    }
  });

  it('filters by label, and keeps the filter across pages', async function () {
    const even = names.filter((_, i) => team(i) === 'even');
    assert.deepEqual(await walk(`${base}?size=7&filter[labels.team]=even`, even.length, 7), even);

    const evenT3 = names.filter((_, i) => team(i) === 'even' && tier(i) === 't3');
    const query = `filter%5Blabels.team%5D=even&filter%5Blabels.tier%5D=t3`;
    assert.deepEqual(await walk(`${base}?size=7&${query}`, evenT3.length, 7), evenT3);

    const none = await api.getJson<Page>(`${base}?filter[labels.team]=nobody`);
    assert.deepEqual([none.items, none.total, none.next], [[], 0, null]);
  });

  it('filters by name substring', async function () {
    const page = await api.getJson<Page>(`${base}?name=dp-01`);
    assert.deepEqual(page.items.map((i) => i.name), names.filter((n) => n.includes('dp-01')));
    const oddNines = names.filter((n, i) => n.includes('9') && team(i) === 'odd');
    assert.deepEqual(await walk(`${base}?size=7&name=9&filter[labels.team]=odd`, oddNines.length, 7), oddNines);
  });

  it('lists across meshes only through each mesh: another mesh has its own total', async function () {
    const page = await api.getJson<Page>('/meshes/default/dataplanes');
    assert.deepEqual(page.items.map((i) => i.name), ['dp-000']);
    assert.equal(page.total, 1);
  });

  it('lists global-scoped types with the same parameters', async function () {
    for (let i = 0; i < 5; i++) expectStatus(await api.put(`/zones/zone-${i}`, { labels: { parity: i % 2 === 0 ? 'even' : 'odd' } }), 201);
    const page = await api.getJson<Page>('/zones?size=2&filter[labels.parity]=even');
    assert.deepEqual(page.items.map((i) => i.name), ['zone-0', 'zone-2']);
    assert.equal(page.total, 3);
    assert.ok(page.next !== null);
    const rest = await api.getJson<Page>(page.next);
    assert.deepEqual(rest.items.map((i) => i.name), ['zone-4']);
    assert.equal(rest.next, null);
    const meshes = await api.getJson<Page>('/meshes?name=pag');
    assert.deepEqual(meshes.items.map((m) => m.name), [MESH]);
  });

  it('rejects unknown or malformed query parameters with 400 naming them', async function () {
    expectProblem(await api.get(`${base}?foo=1`), 400, ['foo']);
    expectProblem(await api.get(`${base}?sise=10`), 400, ['sise']);
    expectProblem(await api.get(`${base}?filter[spec.x]=1`), 400, ['filter[spec.x]']);
    expectProblem(await api.get(`${base}?filter=team`), 400, ['filter']);
    expectProblem(await api.get(`${base}?filter[labels.-bad]=x`), 400, ['filter[labels.-bad]']);
    expectProblem(await api.get(`${base}?filter[labels.team]=a&filter[labels.team]=b`), 400, ['filter[labels.team]']);
    expectProblem(await api.get(`${base}?name=a&name=b`), 400, ['name']);
    expectProblem(await api.get('/zones?bogus=1'), 400, ['bogus']);
  });

  it('answers 404 for a listing in a missing mesh or of an unknown type', async function () {
    expectProblem(await api.get('/meshes/no-such-mesh/dataplanes'), 404);
    expectProblem(await api.get(`/meshes/${MESH}/widgets`), 404);
    expectProblem(await api.get('/widgets'), 404);
  });
});
