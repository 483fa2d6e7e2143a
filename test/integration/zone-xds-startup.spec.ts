import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createCoreRegistry } from '@mycel/core';
import type { DataplaneInsightSpec, DataplaneSpec } from '@mycel/core';
import { registerPolicyTypes } from '@mycel/policies';
import { MemoryStore } from '@mycel/store';
import type { ListPage, ListQuery } from '@mycel/store';
import { TypeUrl } from '@mycel/xds';
import { startZoneXds } from '@mycel/zone';
import type { ZoneXds } from '@mycel/zone';
import { jtiOf } from './dp-admission-harness';
import { SotwTestStream } from './support/ads-client';
import { ApiClient, expectStatus } from './support/http';

// A zone-cp restart with many DataplaneInsights: the tidy-up of what the earlier run left runs in
// the background once the dataplane port listens, so dataplanes are served while it runs.

const registry = createCoreRegistry();
registerPolicyTypes(registry);
const webSpec: DataplaneSpec = { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'mycel.io/service': 'web' } }] } };

/** A MemoryStore whose lists of DataplaneInsights wait until `open()`. */
class HeldInsightsStore extends MemoryStore {
  private release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  private reach: () => void = () => undefined;
  /** Resolves once a list of DataplaneInsights is held. */
  readonly reached = new Promise<void>((resolve) => (this.reach = resolve));

  open(): void {
    this.release();
  }

  override async list(query: ListQuery): Promise<ListPage> {
    if (query.type === 'DataplaneInsight') {
      this.reach();
      await this.gate;
    }
    return super.list(query);
  }
}

describe('zone xDS startup with a DataplaneInsight tidy-up in progress', function () {
  this.timeout(60_000);
  let store: HeldInsightsStore;
  let xds: ZoneXds | undefined;
  const streams: SotwTestStream[] = [];

  beforeEach(async () => {
    store = new HeldInsightsStore();
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    for (const name of ['web-1', 'web-2']) await store.create({ type: 'Dataplane', mesh: 'default', name, labels: {}, spec: webSpec });
    // What a crashed earlier run left: web-2 online, and the insight of a Dataplane deleted since.
    const sub = { id: '1', controlPlaneInstanceId: 'cp-old', connectTime: '2026-01-01T00:00:00.000Z' };
    await store.create({ type: 'DataplaneInsight', mesh: 'default', name: 'web-2', labels: {}, spec: { subscriptions: [sub], online: true } });
    await store.create({ type: 'DataplaneInsight', mesh: 'default', name: 'gone', labels: {}, spec: { subscriptions: [sub], online: true } });
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    store.open();
    await xds?.stop();
    xds = undefined;
    await store.close();
  });

  async function start(): Promise<ZoneXds> {
    xds = await startZoneXds({
      store,
      registry,
      zone: 'zone-1',
      instanceId: 'cp-new',
      isEarlierRun: (id) => id === 'cp-old',
      insightTidy: { quietMs: 0 },
      dpServer: { address: '127.0.0.1', port: 0 },
    });
    return xds;
  }

  function sotw(x: ZoneXds, token: string, nodeId = 'default.web-1'): SotwTestStream {
    const s = new SotwTestStream(`127.0.0.1:${x.dpPort}`, nodeId, { metadata: { authorization: `Bearer ${token}` } });
    streams.push(s);
    return s;
  }

  it('listens and serves ADS while the tidy-up waits, then closes and deletes what the crashed run left', async () => {
    const x = await start();
    await store.reached;
    expectStatus(await new ApiClient(`http://127.0.0.1:${x.dpPort}`, null).get('/healthz'), 200);
    const token = await x.zoneApi.issueDataplaneToken({ mesh: 'default', name: 'web-1', validForMs: 3_600_000 });
    const s = sotw(x, token);
    s.request(TypeUrl.cluster);
    const response = await s.next();
    assert.equal(response.type_url, TypeUrl.cluster);

    store.open();
    const result = await x.insights.tidied();
    assert.deepEqual(result, { deleted: 1, closed: 1, stopped: false });
    const web2 = await store.get({ type: 'DataplaneInsight', mesh: 'default', name: 'web-2' });
    assert.equal((web2.spec as DataplaneInsightSpec).online, false);
    assert.equal(await store.find({ type: 'DataplaneInsight', mesh: 'default', name: 'gone' }), undefined);
  });

  it('stops cleanly while the tidy-up waits', async () => {
    const x = await start();
    await store.reached;
    // The writer first (zone-cp's stop() reaches it after the streams end), then the rest.
    const stopping = x.insights.stop();
    store.open();
    await stopping;
    assert.equal((await x.insights.tidied()).stopped, true);
    await x.stop();
    xds = undefined;
    assert.equal((await store.get({ type: 'DataplaneInsight', mesh: 'default', name: 'web-2' })).version, '1', 'nothing written');
  });

  it('refuses the next connect once the token is revoked or the Dataplane deleted', async () => {
    const x = await start();
    store.open();
    const token = await x.zoneApi.issueDataplaneToken({ mesh: 'default', name: 'web-1', validForMs: 3_600_000 });
    const first = sotw(x, token);
    first.request(TypeUrl.cluster);
    await first.next();

    await x.zoneApi.revokeDataplaneToken('default', jtiOf(token));
    const revoked = sotw(x, token);
    revoked.request(TypeUrl.cluster);
    const status = await revoked.status;
    assert.equal(grpc.status[status.code], grpc.status[grpc.status.UNAUTHENTICATED]);
    assert.match(status.details, /revoked/);

    const token2 = await x.zoneApi.issueDataplaneToken({ mesh: 'default', name: 'web-2', validForMs: 3_600_000 });
    await store.delete({ type: 'Dataplane', mesh: 'default', name: 'web-2' });
    const deleted = sotw(x, token2, 'default.web-2');
    deleted.request(TypeUrl.cluster);
    const status2 = await deleted.status;
    assert.equal(grpc.status[status2.code], grpc.status[grpc.status.NOT_FOUND]);
  });
});
