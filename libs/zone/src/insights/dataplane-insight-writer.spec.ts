import assert from 'node:assert/strict';
import type { DataplaneInsightSpec, ResourceInput } from '@mycel/core';
import { DataplaneInsightType } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
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

  it('writes a connect at once: a subscription of this instance, online', async () => {
    writer.onConnect('m1.web-1', '7', info('7'));
    await writer.idle();
    const got = await insight();
    assert.deepEqual(got?.spec, {
      subscriptions: [{ id: '7', controlPlaneInstanceId: 'cp-a', connectTime: at(0), status: { total: { responsesSent: 0, responsesAcknowledged: 0, responsesRejected: 0 }, perType: {} } }],
      online: true,
    });
  });

  it('coalesces responses, ACKs and NACKs into one write per flush', async () => {
    writer.onConnect('m1.web-1', '1', info('1'));
    await writer.idle();
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
    await other.idle();
    clock = 1000;
    writer.onConnect('m1.web-1', '1', info('1'));
    await writer.idle();
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
    await crashed.idle();
    const elsewhere = newWriter('zone-cp-other-2222');
    elsewhere.onConnect('m1.web-2', '1', info('1'));
    await elsewhere.idle();
    clock = 60_000;
    const restarted = newWriter('zone-cp-host-3333', (id) => id.startsWith('zone-cp-host-'));
    assert.deepEqual(await restarted.start(), { deleted: 0, closed: 1 });
    const web1 = await insight('web-1');
    assert.equal(web1?.spec.online, false);
    assert.equal(web1?.spec.subscriptions?.[0]?.disconnectTime, at(60_000));
    assert.equal((await insight('web-2'))?.spec.online, true, "another instance's subscription is left alone");
    assert.deepEqual(await restarted.start(), { deleted: 0, closed: 0 }, 'idempotent');
  });

  it('deletes the insight of a deleted dataplane, at once or on the next start', async () => {
    writer.onConnect('m1.web-1', '1', info('1'));
    writer.onConnect('m1.web-2', '1', info('1'));
    await writer.idle();
    await store.delete({ type: 'Dataplane', mesh: 'm1', name: 'web-1' });
    writer.dataplaneDeleted({ mesh: 'm1', name: 'web-1' });
    writer.onAck('m1.web-1', TypeUrl.cluster, 'v1', { streamId: '1', nonce: '1' });
    await writer.flush();
    await writer.idle();
    assert.equal(await insight('web-1'), undefined, 'deleted, and not written again');

    // A deletion while no control plane ran leaves an orphan; the next start removes it.
    await store.delete({ type: 'Dataplane', mesh: 'm1', name: 'web-2' });
    assert.deepEqual(await newWriter('cp-b').start(), { deleted: 1, closed: 0 });
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
    await writer.idle();
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
    await Promise.all([a.idle(), b.idle()]);
    const got = (await store.get({ type: 'DataplaneInsight', mesh: 'm1', name: 'web-1' })) as ResourceInput<DataplaneInsightSpec>;
    assert.deepEqual(got.spec.subscriptions?.map((s) => s.controlPlaneInstanceId).sort(), ['cp-a', 'cp-b']);
    await store.close();
  });
});
