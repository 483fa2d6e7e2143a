import assert from 'node:assert/strict';
import { NotFoundError, createCoreRegistry } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { SnapshotCache, TypeUrl } from '@mycel/xds';
import { FakeTimers } from '../reconciler/fake-timers.test-helper';
import { XdsReconciler } from '../reconciler/xds-reconciler';
import { DataplaneInspector } from './dataplane-inspector';

describe('DataplaneInspector', () => {
  let store: MemoryStore;
  let reconciler: XdsReconciler;
  let inspector: DataplaneInspector;
  const timers = new FakeTimers();

  beforeEach(async () => {
    store = new MemoryStore();
    await store.create({ type: 'Mesh', name: 'm1', labels: {}, spec: {} });
    await store.create({
      type: 'Dataplane',
      mesh: 'm1',
      name: 'echo-1',
      labels: {},
      spec: { networking: { address: '10.0.0.1', inbound: [{ port: 50051, tags: { 'mycel.io/service': 'echo', 'mycel.io/protocol': 'grpc' } }] } },
    });
    await store.create({
      type: 'Dataplane',
      mesh: 'm1',
      name: 'client',
      labels: {},
      spec: { networking: { address: '10.0.0.2', inbound: [{ port: 7000, tags: { 'mycel.io/service': 'client' } }], outbound: [{ port: 10001, tags: { 'mycel.io/service': 'echo' } }] } },
    });
    reconciler = new XdsReconciler({ store, registry: createCoreRegistry(), cache: new SnapshotCache(), zone: 'z', timers });
    await reconciler.start();
    inspector = new DataplaneInspector({ store, source: reconciler });
  });
  afterEach(async () => {
    await reconciler.stop();
    await store.close();
  });

  it("decodes the connected node's served snapshot, grouped by type in push order", async () => {
    reconciler.connect('m1.client', 'grpc');
    await reconciler.synced();
    timers.runAll();
    const view = await inspector.dataplaneConfig('m1', 'client');
    assert.equal(view.source, 'served');
    assert.equal(view.proxyKind, 'grpc');
    assert.equal(view.nodeId, 'm1.client');
    assert.deepEqual(Object.keys(view.resources), [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.listener, TypeUrl.route]);
    const cla = view.resources[TypeUrl.endpoint]?.[0];
    assert.equal(cla?.name, 'echo');
    assert.match(cla?.version ?? '', /^[0-9a-f]{16}$/);
    assert.deepEqual((cla?.resource['endpoints'] as Array<{ lb_endpoints: unknown[] }>)[0]?.lb_endpoints, [
      { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 50051 } } } },
    ]);
  });

  it('generates the config of a dataplane that is not connected (as Envoy)', async () => {
    const view = await inspector.dataplaneConfig('m1', 'client');
    assert.equal(view.source, 'generated');
    assert.equal(view.connected, false);
    assert.equal(view.proxyKind, 'envoy');
    assert.ok(view.resources[TypeUrl.listener]?.some((l) => l.name === 'outbound:127.0.0.1:10001'));
  });

  it('answers NotFoundError for a missing dataplane or mesh', async () => {
    await assert.rejects(inspector.dataplaneConfig('m1', 'nope'), NotFoundError);
    await assert.rejects(inspector.dataplaneConfig('nope', 'client'), NotFoundError);
    await assert.rejects(inspector.dataplaneRules('m1', 'nope'), NotFoundError);
    assert.deepEqual(await inspector.dataplaneRules('m1', 'client'), {});
  });
});
