import assert from 'node:assert/strict';
import type { DataplaneInsightSpec, Resource, ResourceInput, ResourceKey } from '@mycel/core';
import { DataplaneInsightType } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import type { ListPage, ListQuery, WriteOptions } from '@mycel/store';
import type { AdsStreamInfo } from '@mycel/xds';
import { TypeUrl } from '@mycel/xds';
import { FakeTimers } from '../reconciler/fake-timers.test-helper';
import { DataplaneInsightWriter } from './dataplane-insight-writer';
import { mergeSubscriptions } from './insight-state';

const dataplane = (name: string): ResourceInput => ({
  type: 'Dataplane',
  mesh: 'm1',
  name,
  labels: {},
  spec: { networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: { 'mycel.io/service': 'web' } }] } },
});
const info = (streamId: string): AdsStreamInfo => ({ streamId, protocol: 'sotw', node: { id: 'm1.web-1' }, peer: 'ipv4:127.0.0.1:1' });

describe('DataplaneInsightWriter', () => {
  let store: MemoryStore;
  let timers: FakeTimers;
  let clock: number;
  let writer: DataplaneInsightWriter;

  const now = (): Date => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + clock);
  const at = (ms: number): string => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + ms).toISOString();

  async function insight(name = 'web-1'): Promise<{ spec: DataplaneInsightSpec; version: string } | undefined> {
    const found = await store.find({ type: 'DataplaneInsight', mesh: 'm1', name });
    if (!found) return undefined;
    const spec = found.spec as DataplaneInsightSpec;
    assert.deepEqual(DataplaneInsightType.validate(spec, { name, mesh: 'm1', labels: {} }), [], 'every write is a valid DataplaneInsight');
    return { spec, version: found.version };
  }

  function newWriter(instanceId: string, isEarlierRun?: (id: string) => boolean): DataplaneInsightWriter {
    return new DataplaneInsightWriter({ store, instanceId, timers, now, ...(isEarlierRun ? { isEarlierRun } : {}) });
  }

  beforeEach(async () => {
    store = new MemoryStore();
    await store.create({ type: 'Mesh', name: 'm1', labels: {}, spec: {} });
    for (const name of ['web-1', 'web-2']) await store.create(dataplane(name));
    timers = new FakeTimers();
    clock = 0;
    writer = newWriter('cp-a');
  });
  afterEach(async () => {
    await writer.stop();
    await store.close();
  });

  it('writes a connect with the next flush: a subscription of this instance, online', async () => {
    writer.onConnect('m1.web-1', '7', info('7'));
    await writer.idle();
    assert.equal(await insight(), undefined, 'coalesced with what follows');
    assert.equal(timers.size, 1);
    timers.runAll();
    await writer.flush();
    const got = await insight();
    assert.deepEqual(got?.spec, {
      subscriptions: [{ id: '7', controlPlaneInstanceId: 'cp-a', connectTime: at(0), status: { total: { responsesSent: 0, responsesAcknowledged: 0, responsesRejected: 0 }, perType: {} } }],
      online: true,
    });
  });

  it('coalesces responses, ACKs and NACKs into one write per flush', async () => {
    writer.onConnect('m1.web-1', '1', info('1'));
    await writer.flush();
    const afterConnect = (await insight())?.version;
    clock = 100;
    writer.onResponse('m1.web-1', TypeUrl.cluster, 'v1', { streamId: '1', nonce: '1' });
    writer.onAck('m1.web-1', TypeUrl.cluster, 'v1', { streamId: '1', nonce: '1' });
    writer.onResponse('m1.web-1', TypeUrl.listener, 'l1', { streamId: '1', nonce: '2' });
    clock = 200;
    writer.onNack('m1.web-1', TypeUrl.listener, 'l1', { code: 3, message: 'bad listener' }, { streamId: '1', nonce: '2' });
    await writer.idle();
    assert.equal((await insight())?.version, afterConnect, 'nothing written before the flush');
    assert.equal(timers.size, 1);
    timers.runAll();
    await writer.idle();
    const got = await insight();
    assert.equal(got?.version, String(Number(afterConnect) + 1), 'one write');
    assert.deepEqual(got?.spec.subscriptions?.[0]?.status, {
      lastUpdateTime: at(200),
      total: { responsesSent: 2, responsesAcknowledged: 1, responsesRejected: 1 },
      perType: {
        [TypeUrl.cluster]: { ackedVersion: 'v1' },
        [TypeUrl.listener]: { lastNack: { version: 'l1', nonce: '2', errorDetail: 'bad listener', time: at(200) } },
      },
    });
  });

  it('writes a disconnect at once and goes offline', async () => {
    writer.onConnect('m1.web-1', '1', info('1'));
    writer.onResponse('m1.web-1', TypeUrl.cluster, 'v1', { streamId: '1', nonce: '1' });
    clock = 5000;
    writer.onDisconnect('m1.web-1', '1');
    await writer.idle();
    const got = await insight();
    assert.equal(got?.spec.online, false);
    assert.equal(got?.spec.subscriptions?.[0]?.disconnectTime, at(5000));
    assert.equal(got?.spec.subscriptions?.[0]?.status?.total?.responsesSent, 1, 'pending counters go with it');
  });

  it("keeps other instances' subscriptions and stays online while one is open", async () => {
    const other = newWriter('cp-b');
    other.onConnect('m1.web-1', '1', info('1'));
    await other.flush();
    clock = 1000;
    writer.onConnect('m1.web-1', '1', info('1'));
    await writer.flush();
    clock = 2000;
    writer.onDisconnect('m1.web-1', '1');
    await writer.idle();
    const got = await insight();
    assert.deepEqual(got?.spec.subscriptions?.map((s) => [s.controlPlaneInstanceId, s.id, s.disconnectTime]), [
      ['cp-b', '1', undefined],
      ['cp-a', '1', at(2000)],
    ]);
    assert.equal(got?.spec.online, true);
    await other.stop();
  });

  it('closes on start the subscriptions an earlier run of this instance left open', async () => {
    const crashed = newWriter('zone-cp-host-1111');
    crashed.onConnect('m1.web-1', '1', info('1'));
    await crashed.flush();
    const elsewhere = newWriter('zone-cp-other-2222');
    elsewhere.onConnect('m1.web-2', '1', info('1'));
    await elsewhere.flush();
    clock = 60_000;
    const restarted = newWriter('zone-cp-host-3333', (id) => id.startsWith('zone-cp-host-'));
    assert.deepEqual(await restarted.tidy(), { deleted: 0, closed: 1, stopped: false });
    const web1 = await insight('web-1');
    assert.equal(web1?.spec.online, false);
    assert.equal(web1?.spec.subscriptions?.[0]?.disconnectTime, at(60_000));
    assert.equal((await insight('web-2'))?.spec.online, true, "another instance's subscription is left alone");
    assert.deepEqual(await restarted.tidy(), { deleted: 0, closed: 0, stopped: false }, 'idempotent');
  });

  it('deletes the insight of a deleted dataplane, at once or on the next start', async () => {
    writer.onConnect('m1.web-1', '1', info('1'));
    writer.onConnect('m1.web-2', '1', info('1'));
    await writer.flush();
    await store.delete({ type: 'Dataplane', mesh: 'm1', name: 'web-1' });
    writer.dataplaneDeleted({ mesh: 'm1', name: 'web-1' });
    writer.onAck('m1.web-1', TypeUrl.cluster, 'v1', { streamId: '1', nonce: '1' });
    await writer.flush();
    await writer.idle();
    assert.equal(await insight('web-1'), undefined, 'deleted, and not written again');

    // A deletion while no control plane ran leaves an orphan; the next start removes it.
    await store.delete({ type: 'Dataplane', mesh: 'm1', name: 'web-2' });
    assert.deepEqual(await newWriter('cp-b').tidy(), { deleted: 1, closed: 0, stopped: false });
    assert.equal(await insight('web-2'), undefined);
  });

  it('keeps at most ten subscriptions, dropping the oldest closed ones', () => {
    const sub = (id: number, closed: boolean) => ({ id: String(id), controlPlaneInstanceId: 'cp', connectTime: at(id * 1000), ...(closed ? { disconnectTime: at(id * 1000 + 1) } : {}) });
    const stored = Array.from({ length: 10 }, (_, i) => sub(i, i !== 0));
    const merged = mergeSubscriptions(stored, [sub(10, false)]);
    assert.deepEqual(merged.subscriptions?.map((s) => s.id), ['0', '2', '3', '4', '5', '6', '7', '8', '9', '10'], 'subscription 0 is open, so 1 goes');
    assert.equal(merged.online, true);
  });

  it('writes nothing (and does not fail) for a node of a mesh that does not exist', async () => {
    writer.onConnect('gone.web-1', '1', info('1'));
    writer.onDisconnect('gone.web-1', '1');
    await writer.idle();
    assert.equal((await store.list({ type: 'DataplaneInsight' })).total, 0);
  });

  it('writes what is pending on stop and ignores callbacks afterwards', async () => {
    writer.onConnect('m1.web-1', '1', info('1'));
    writer.onAck('m1.web-1', TypeUrl.cluster, 'v9', { streamId: '1', nonce: '1' });
    await writer.stop();
    assert.equal((await insight())?.spec.subscriptions?.[0]?.status?.perType?.[TypeUrl.cluster]?.ackedVersion, 'v9');
    const writes = writer.writeCount;
    writer.onConnect('m1.web-1', '2', info('2'));
    await writer.flush();
    assert.equal(writer.writeCount, writes);
  });
});

describe('DataplaneInsight writes under concurrency', () => {
  it('retries a read-modify-write that raced another writer', async () => {
    const store = new MemoryStore();
    await store.create({ type: 'Mesh', name: 'm1', labels: {}, spec: {} });
    const a = new DataplaneInsightWriter({ store, instanceId: 'cp-a', timers: new FakeTimers() });
    const b = new DataplaneInsightWriter({ store, instanceId: 'cp-b', timers: new FakeTimers() });
    a.onConnect('m1.web-1', '1', info('1'));
    b.onConnect('m1.web-1', '1', info('1'));
    await Promise.all([a.flush(), b.flush()]);
    const got = (await store.get({ type: 'DataplaneInsight', mesh: 'm1', name: 'web-1' })) as ResourceInput<DataplaneInsightSpec>;
    assert.deepEqual(got.spec.subscriptions?.map((s) => s.controlPlaneInstanceId).sort(), ['cp-a', 'cp-b']);
    await store.close();
  });
});

/** A MemoryStore that counts calls per method and can hold `list` of one type until released. */
class ObservedStore extends MemoryStore {
  readonly calls = new Map<string, number>();
  private gate: { readonly type: string; readonly open: Promise<void> } | undefined;
  private release: () => void = () => undefined;
  private reached: () => void = () => undefined;

  /** Holds the next lists of `type` until {@link open}; resolves when one is held. */
  holdList(type: string): Promise<void> {
    this.gate = { type, open: new Promise((resolve) => (this.release = resolve)) };
    return new Promise((resolve) => (this.reached = resolve));
  }

  open(): void {
    this.gate = undefined;
    this.release();
  }

  count(method: string): number {
    return this.calls.get(method) ?? 0;
  }

  override async list(query: ListQuery): Promise<ListPage> {
    this.calls.set('list', this.count('list') + 1);
    const gate = this.gate;
    if (gate !== undefined && gate.type === query.type) {
      this.reached();
      await gate.open;
    }
    return super.list(query);
  }

  override find(key: ResourceKey): Promise<Resource | undefined> {
    this.calls.set('find', this.count('find') + 1);
    return super.find(key);
  }

  override update(input: ResourceInput, options?: WriteOptions): Promise<Resource> {
    this.calls.set('update', this.count('update') + 1);
    return super.update(input, options);
  }

  override delete(key: ResourceKey, options?: WriteOptions): Promise<void> {
    this.calls.set('delete', this.count('delete') + 1);
    return super.delete(key, options);
  }
}

describe('DataplaneInsight tidy-up', () => {
  const N = 1_200; // more than one page (MAX_PAGE_SIZE)
  const ORPHANS = 30;
  let store: ObservedStore;

  async function seed(): Promise<void> {
    store = new ObservedStore();
    await store.create({ type: 'Mesh', name: 'm1', labels: {}, spec: {} });
    const crashed = new DataplaneInsightWriter({ store, instanceId: 'host-1', timers: new FakeTimers() });
    for (let i = 0; i < N; i++) {
      const name = `dp-${String(i).padStart(5, '0')}`;
      if (i >= ORPHANS) await store.create(dataplane(name));
      crashed.onConnect(`m1.${name}`, '1', { ...info('1'), node: { id: `m1.${name}` } });
    }
    await crashed.flush();
    store.calls.clear();
  }

  afterEach(async () => {
    await store.close();
  });

  it('closes what an earlier run left open and deletes orphans in bulk: pages, no read per insight', async () => {
    await seed();
    const writer = new DataplaneInsightWriter({ store, instanceId: 'host-2', timers: new FakeTimers(), tidyQuietMs: 0, isEarlierRun: (id) => id.startsWith('host-') });
    writer.start();
    assert.deepEqual(await writer.tidied(), { deleted: ORPHANS, closed: N - ORPHANS, stopped: false });
    const page = await store.list({ type: 'DataplaneInsight', size: 1000 });
    assert.equal(page.total, N - ORPHANS);
    assert.ok(page.items.every((i) => (i.spec as DataplaneInsightSpec).online === false));
    assert.ok(store.count('find') <= ORPHANS, `reads only to confirm orphans (${store.count('find')} finds)`);
    assert.ok(store.count('list') <= 6, `lists pages (${store.count('list')} lists)`);
    assert.equal(store.count('update'), N - ORPHANS);
    // A reconnecting dataplane's first write starts from what the tidy-up wrote: no read.
    const finds = store.count('find');
    writer.onConnect('m1.dp-00100', '2', { ...info('2'), node: { id: 'm1.dp-00100' } });
    await writer.flush();
    assert.equal(store.count('find'), finds);
    const got = await store.get({ type: 'DataplaneInsight', mesh: 'm1', name: 'dp-00100' });
    assert.deepEqual((got.spec as DataplaneInsightSpec).subscriptions?.map((s) => [s.controlPlaneInstanceId, s.disconnectTime === undefined]), [['host-1', false], ['host-2', true]]);
    await writer.stop();
  });

  it('lets dataplanes connect while it runs, and its writes do not undo theirs', async () => {
    await seed();
    const writer = new DataplaneInsightWriter({ store, instanceId: 'host-2', timers: new FakeTimers(), tidyQuietMs: 0, isEarlierRun: (id) => id.startsWith('host-') });
    const held = store.holdList('DataplaneInsight');
    writer.start();
    await held;
    writer.onConnect('m1.dp-00100', '9', { ...info('9'), node: { id: 'm1.dp-00100' } });
    await writer.flush();
    store.open();
    assert.equal((await writer.tidied()).stopped, false);
    const got = await store.get({ type: 'DataplaneInsight', mesh: 'm1', name: 'dp-00100' });
    const subs = (got.spec as DataplaneInsightSpec).subscriptions ?? [];
    assert.deepEqual(subs.map((s) => [s.controlPlaneInstanceId, s.disconnectTime === undefined]), [['host-1', false], ['host-2', true]]);
    assert.equal((got.spec as DataplaneInsightSpec).online, true);
    await writer.stop();
  });

  it('ends on stop() without walking the rest', async () => {
    await seed();
    const writer = new DataplaneInsightWriter({ store, instanceId: 'host-2', timers: new FakeTimers(), tidyQuietMs: 0, isEarlierRun: (id) => id.startsWith('host-') });
    const held = store.holdList('DataplaneInsight');
    writer.start();
    await held;
    const stopped = writer.stop();
    store.open();
    await stopped;
    const result = await writer.tidied();
    assert.equal(result.stopped, true);
    assert.ok(result.closed < N - ORPHANS, 'not every insight was walked');
    const updates = store.count('update');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(store.count('update'), updates, 'nothing is written after stop() resolved');
  });

  it('waits for the herd to pass; meanwhile a returning dataplane closes what the earlier run left itself', async () => {
    await seed();
    const timers = new FakeTimers();
    let clock = 0;
    const now = (): Date => new Date(Date.UTC(2026, 0, 1) + clock);
    const writer = new DataplaneInsightWriter({ store, instanceId: 'host-2', timers, now, tidyQuietMs: 5_000, tidyMaxDelayMs: 60_000, isEarlierRun: (id) => id.startsWith('host-') });
    writer.start();
    clock = 3_000;
    timers.tick(3_000);
    writer.onConnect('m1.dp-00100', '9', { ...info('9'), node: { id: 'm1.dp-00100' } });
    await writer.flush();
    const got = await store.get({ type: 'DataplaneInsight', mesh: 'm1', name: 'dp-00100' });
    const subs = (got.spec as DataplaneInsightSpec).subscriptions ?? [];
    assert.deepEqual(subs.map((s) => `${s.controlPlaneInstanceId} ${s.disconnectTime === undefined ? 'open' : 'closed'}`).sort(), ['host-1 closed', 'host-2 open']);
    assert.equal(store.count('list'), 0, 'no tidy-up while dataplanes connect');
    clock = 5_000;
    timers.tick(2_000); // 5 s after start, but only 2 s after the last connect: it waits on
    assert.equal(store.count('list'), 0);
    clock = 8_000;
    timers.tick(3_000);
    const result = await writer.tidied();
    assert.deepEqual(result, { deleted: ORPHANS, closed: N - ORPHANS - 1, stopped: false }, 'the returned dataplane needed nothing more');
    await writer.stop();
  });

  it('ends on stop() while it waits for the herd', async () => {
    await seed();
    const writer = new DataplaneInsightWriter({ store, instanceId: 'host-2', timers: new FakeTimers(), isEarlierRun: (id) => id.startsWith('host-') });
    writer.start();
    await writer.stop();
    assert.deepEqual(await writer.tidied(), { deleted: 0, closed: 0, stopped: true });
    assert.equal(store.count('list'), 0);
  });
});
