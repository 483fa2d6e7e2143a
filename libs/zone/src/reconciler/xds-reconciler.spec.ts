import assert from 'node:assert/strict';
import type { DataplaneSpec, MeshSpec, Resource, ResourceInput, ResourceTypeDescriptor } from '@mycel/core';
import { NO_KDS, createCoreRegistry } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { EncodingCache, SnapshotCache, TypeUrl, clusterLoadAssignment, decodeResource, edsCluster, subsetClusterName } from '@mycel/xds';
import type { MeshContext, Proxy, ResourceSet } from '@mycel/xds';
import { FakeTimers } from './fake-timers.test-helper';
import type { PolicyEngine } from './policy-engine';
import { RemoteDataplaneError, XdsReconciler } from './xds-reconciler';

const FakePolicyType: ResourceTypeDescriptor = Object.freeze({
  name: 'FakePolicy',
  plural: 'fakepolicies',
  singular: 'fakepolicy',
  scope: 'mesh',
  kds: NO_KDS,
  isPolicy: true,
  readOnly: false,
  sensitive: false,
  description: 'a policy for tests: spec.targets names the dataplanes it affects',
  validate: () => [],
});

/** Affects the dataplanes named in `spec.targets` of either version; `apply` fails for names in `failFor`. */
class FakePolicies implements PolicyEngine {
  readonly applied: Array<{ dataplane: string; policies: string[] }> = [];
  failFor = new Set<string>();
  /** Dataplane name → a service whose (subset) cluster the "policy" adds, as a traffic split would. */
  addsDestination = new Map<string, string>();
  apply(set: ResourceSet, proxy: Proxy, ctx: MeshContext, policies: readonly Resource[]): void {
    if (this.failFor.has(proxy.dataplane.name)) throw new Error(`policy plugin failed for ${proxy.dataplane.name}`);
    const service = this.addsDestination.get(proxy.dataplane.name);
    if (service !== undefined) {
      const cluster = subsetClusterName(service, { version: 'v2' });
      set.add(TypeUrl.cluster, edsCluster(cluster, 'grpc'));
      set.add(TypeUrl.endpoint, clusterLoadAssignment(ctx, cluster, service, { version: 'v2' }));
    }
    this.applied.push({ dataplane: proxy.dataplane.name, policies: policies.map((p) => p.name) });
  }
  affected(before: Resource | undefined, after: Resource | undefined, dataplanes: readonly Resource<DataplaneSpec>[]): readonly string[] {
    const targets = new Set([...targetsOf(before), ...targetsOf(after)]);
    return dataplanes.filter((dp) => targets.has(dp.name)).map((dp) => dp.name);
  }
  rules(dataplane: Resource<DataplaneSpec>): unknown {
    return { dataplane: dataplane.name };
  }
}

function targetsOf(policy: Resource | undefined): string[] {
  return ((policy?.spec as { targets?: string[] } | undefined)?.targets ?? []).slice();
}

const svc = (service: string): Record<string, string> => ({ 'mycel.io/service': service, 'mycel.io/protocol': 'grpc' });

function backend(mesh: string, name: string, service: string, address: string, labels: Record<string, string> = {}): ResourceInput<DataplaneSpec> {
  return { type: 'Dataplane', mesh, name, labels, spec: { networking: { address, inbound: [{ port: 50051, tags: svc(service) }] } } };
}

/** A client with an inbound of its own service and outbounds to `calls` (none: a proxyless client calls every service). */
function client(mesh: string, name: string, calls: string[]): ResourceInput<DataplaneSpec> {
  return {
    type: 'Dataplane',
    mesh,
    name,
    labels: {},
    spec: {
      networking: {
        address: '10.9.0.1',
        inbound: [{ port: 7000, tags: svc(`${name}-svc`) }],
        ...(calls.length > 0 ? { outbound: calls.map((service, i) => ({ port: 10001 + i, tags: { 'mycel.io/service': service } })) } : {}),
      },
    },
  };
}

describe('XdsReconciler', () => {
  let store: MemoryStore;
  let cache: SnapshotCache;
  let timers: FakeTimers;
  let policies: FakePolicies;
  let reconciler: XdsReconciler;

  let deleted: string[];

  async function startWith(resources: ResourceInput[], options: { retainChanges?: number; chunkSize?: number } = {}): Promise<void> {
    deleted = [];
    store = new MemoryStore(options.retainChanges !== undefined ? { retainChanges: options.retainChanges } : {});
    for (const r of resources) await store.create(r);
    const registry = createCoreRegistry();
    registry.register(FakePolicyType);
    cache = new SnapshotCache();
    timers = new FakeTimers();
    policies = new FakePolicies();
    reconciler = new XdsReconciler({
      store,
      registry,
      cache,
      zone: 'zone-1',
      policies,
      timers,
      encodingCache: new EncodingCache(),
      // Chunks end by count only, so tests see deterministic chunks.
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize, chunkBudgetMs: Number.POSITIVE_INFINITY } : {}),
      onDataplaneDeleted: (ref) => deleted.push(`${ref.mesh}/${ref.name}`),
    });
    await reconciler.start();
    timers.runAll();
  }

  /** Waits until the reconciler saw every change so far, then runs the pending batch (as its timer would). */
  async function settle(): Promise<readonly string[]> {
    await reconciler.synced();
    assert.ok(timers.size <= 1, 'at most the debounce timer is pending');
    timers.runAll();
    return reconciler.stats().lastBatch?.regenerated ?? [];
  }

  afterEach(async () => {
    await reconciler.stop();
    await store.close();
  });

  const mesh = (name: string): ResourceInput => ({ type: 'Mesh', name, labels: {}, spec: {} });
  const echoMesh = (): ResourceInput[] => [
    mesh('m1'),
    backend('m1', 'echo-1', 'echo', '10.0.0.1'),
    backend('m1', 'echo-2', 'echo', '10.0.0.2'),
    backend('m1', 'other-1', 'other', '10.0.0.3'),
    client('m1', 'echo-client', ['echo']),
    client('m1', 'any-client', []),
    client('m1', 'other-client', ['other']),
  ];

  it('generates nothing until a node connects, then only that node', async () => {
    await startWith(echoMesh());
    assert.deepEqual(cache.nodeIds(), []);
    reconciler.connect('m1.echo-client', 'grpc');
    assert.deepEqual(await settle(), ['m1.echo-client']);
    const listeners = [...(cache.get('m1.echo-client')?.resources.get(TypeUrl.listener)?.keys() ?? [])];
    assert.ok(listeners.includes('echo'), `the client gets the echo api_listener, got ${listeners.join(', ')}`);
    assert.ok(!listeners.includes('other'), 'and nothing of services it does not call');
    assert.equal(reconciler.stats().connectedNodes, 1);
  });

  it('regenerates the consumers of a service whose endpoints changed, and nobody else', async () => {
    await startWith(echoMesh());
    for (const node of ['m1.echo-client', 'm1.any-client', 'm1.other-client', 'm1.echo-1']) reconciler.connect(node, node === 'm1.echo-1' ? 'envoy' : 'grpc');
    await settle();

    await store.create(backend('m1', 'echo-3', 'echo', '10.0.0.4'));
    assert.deepEqual(await settle(), ['m1.any-client', 'm1.echo-client'], 'echo consumers: its outbound client and the client of every service');
    const endpoints = cache.get('m1.echo-client')?.resources.get(TypeUrl.endpoint)?.get('echo');
    assert.ok(endpoints, 'the echo client has the echo ClusterLoadAssignment');

    await store.update(backend('m1', 'other-1', 'other', '10.0.0.33'));
    assert.deepEqual(await settle(), ['m1.any-client', 'm1.other-client']);

    await store.delete({ type: 'Dataplane', mesh: 'm1', name: 'echo-3' });
    assert.deepEqual(await settle(), ['m1.any-client', 'm1.echo-client']);
    assert.deepEqual(deleted, ['m1/echo-3'], 'deletions are reported');
  });

  it('regenerates only the dataplane itself when what changed is not an endpoint', async () => {
    await startWith(echoMesh());
    for (const node of ['m1.echo-client', 'm1.any-client', 'm1.echo-1']) reconciler.connect(node, 'grpc');
    await settle();
    await store.update(backend('m1', 'echo-1', 'echo', '10.0.0.1', { team: 'blue' }));
    assert.deepEqual(await settle(), ['m1.echo-1']);
    // A client changing its outbounds affects itself only.
    await store.update(client('m1', 'echo-client', ['echo', 'other']));
    assert.deepEqual(await settle(), ['m1.echo-client']);
    assert.ok(cache.get('m1.echo-client')?.resources.get(TypeUrl.listener)?.has('other'));
  });

  it('counts a change in an unconnected, unrelated dataplane without generating anything', async () => {
    await startWith(echoMesh());
    reconciler.connect('m1.echo-client', 'grpc');
    await settle();
    const before = reconciler.stats();
    await store.update(backend('m1', 'other-1', 'other', '10.0.0.99'));
    assert.deepEqual(await settle(), []);
    const after = reconciler.stats();
    assert.equal(after.changes, before.changes + 1);
    assert.equal(after.regenerated, before.regenerated);
    assert.equal(after.pushes, before.pushes);
  });

  it('counts the destinations policies add as consumed services', async () => {
    await startWith(echoMesh());
    policies.addsDestination.set('echo-client', 'other');
    reconciler.connect('m1.echo-client', 'grpc');
    await settle();
    assert.ok([...(cache.get('m1.echo-client')?.resources.get(TypeUrl.endpoint)?.keys() ?? [])].some((name) => name.startsWith('other-')));
    await store.create(backend('m1', 'other-2', 'other', '10.0.0.34', {}));
    assert.deepEqual(await settle(), ['m1.echo-client'], 'its snapshot carries endpoints of other (a subset)');
  });

  it('regenerates what a policy change affects, and gives generation the mesh policies', async () => {
    await startWith(echoMesh());
    for (const node of ['m1.echo-client', 'm1.any-client', 'm1.other-client']) reconciler.connect(node, 'grpc');
    await settle();
    const policy = (targets: string[]): ResourceInput => ({ type: 'FakePolicy', mesh: 'm1', name: 'p1', labels: {}, spec: { targets } });
    await store.create(policy(['echo-client', 'echo-1']));
    assert.deepEqual(await settle(), ['m1.echo-client'], 'echo-1 is affected too but not connected');
    assert.deepEqual(policies.applied.at(-1), { dataplane: 'echo-client', policies: ['p1'] });
    await store.update(policy(['other-client']));
    assert.deepEqual(await settle(), ['m1.echo-client', 'm1.other-client'], 'old and new targets');
    await store.delete({ type: 'FakePolicy', mesh: 'm1', name: 'p1' });
    assert.deepEqual(await settle(), ['m1.other-client']);
  });

  it('regenerates the whole mesh on a Mesh change, and no other mesh', async () => {
    await startWith([...echoMesh(), mesh('m2'), backend('m2', 'echo-1', 'echo', '10.1.0.1'), client('m2', 'echo-client', ['echo'])]);
    for (const node of ['m1.echo-client', 'm1.other-client', 'm2.echo-client']) reconciler.connect(node, 'grpc');
    await settle();
    await store.update({ ...mesh('m1'), labels: { team: 'a' } });
    assert.deepEqual(await settle(), ['m1.echo-client', 'm1.other-client']);
  });

  it('collects the changes of one debounce window into one batch', async () => {
    await startWith(echoMesh());
    reconciler.connect('m1.echo-client', 'grpc');
    await settle();
    const batches = reconciler.stats().batches;
    for (let i = 4; i < 9; i++) await store.create(backend('m1', `echo-${i}`, 'echo', `10.0.0.${i}`));
    await reconciler.synced();
    assert.equal(timers.size, 1, 'one timer for the whole window');
    timers.tick(10);
    const stats = reconciler.stats();
    assert.equal(stats.batches, batches + 1);
    assert.equal(stats.lastBatch?.changes, 5);
    assert.deepEqual(stats.lastBatch?.regenerated, ['m1.echo-client']);
    assert.equal(cache.get('m1.echo-client')?.resources.get(TypeUrl.endpoint)?.size, 1);
  });

  it('keeps the last good snapshot of a dataplane whose generation fails, and counts the failure', async () => {
    await startWith(echoMesh());
    reconciler.connect('m1.echo-client', 'grpc');
    reconciler.connect('m1.any-client', 'grpc');
    await settle();
    const good = cache.get('m1.echo-client');
    policies.failFor.add('echo-client');
    // A policy change regenerates both in full (an endpoint-only change would only patch their endpoints).
    await store.create({ type: 'FakePolicy', mesh: 'm1', name: 'p1', labels: {}, spec: { targets: ['echo-client', 'any-client'] } });
    await settle();
    const batch = reconciler.stats().lastBatch;
    assert.deepEqual(batch?.failed, ['m1.echo-client']);
    assert.deepEqual(batch?.regenerated, ['m1.any-client'], 'the others are regenerated');
    assert.equal(cache.get('m1.echo-client'), good);
    assert.equal(reconciler.stats().failed, 1);
    // A node whose latest generation failed is regenerated in full next time, never patched.
    await store.create(backend('m1', 'echo-3', 'echo', '10.0.0.4'));
    await settle();
    assert.deepEqual(reconciler.stats().lastBatch?.failed, ['m1.echo-client']);
    assert.deepEqual(reconciler.stats().lastBatch?.patched, ['m1.any-client']);
    assert.equal(cache.get('m1.echo-client'), good);
  });

  it('drops the snapshot of a node whose last stream ended, and regenerates it when it reconnects', async () => {
    await startWith(echoMesh());
    reconciler.connect('m1.echo-client', 'grpc');
    reconciler.connect('m1.echo-client', 'grpc');
    await settle();
    reconciler.disconnect('m1.echo-client');
    assert.ok(cache.get('m1.echo-client'), 'one stream is still open');
    reconciler.disconnect('m1.echo-client');
    assert.equal(cache.get('m1.echo-client'), undefined);
    await store.create(backend('m1', 'echo-3', 'echo', '10.0.0.4'));
    assert.deepEqual(await settle(), []);
    reconciler.connect('m1.echo-client', 'grpc');
    assert.deepEqual(await settle(), ['m1.echo-client']);
  });

  it('generates a node that connected before its Dataplane existed once the Dataplane is created', async () => {
    await startWith([mesh('m1'), backend('m1', 'echo-1', 'echo', '10.0.0.1')]);
    reconciler.connect('m1.late', 'grpc');
    assert.deepEqual(await settle(), []);
    await store.create(client('m1', 'late', ['echo']));
    assert.deepEqual(await settle(), ['m1.late']);
  });

  it('resolves node ids whose mesh or name contain dots', async () => {
    await startWith([mesh('a.b'), backend('a.b', 'c', 'echo', '10.0.0.1'), mesh('x'), backend('x', 'y.z', 'echo', '10.0.0.2')]);
    assert.deepEqual(reconciler.resolveNode('a.b.c'), { mesh: 'a.b', name: 'c' });
    assert.deepEqual(reconciler.resolveNode('x.y.z'), { mesh: 'x', name: 'y.z' });
    assert.equal(reconciler.resolveNode('x.nope'), undefined);
  });

  it('re-lists and regenerates everything after the change feed asks for a resync', async () => {
    await startWith(echoMesh(), { retainChanges: 2 });
    reconciler.connect('m1.echo-client', 'grpc');
    await settle();
    // Five writes before the watcher runs again: more than the store retains, so it gets `resync`.
    const writes = [4, 5, 6, 7, 8].map((i) => store.create(backend('m1', `echo-${i}`, 'echo', `10.0.0.${i}`)));
    await Promise.all(writes);
    assert.deepEqual(await settle(), ['m1.echo-client']);
    const endpoints = cache.get('m1.echo-client')?.resources.get(TypeUrl.endpoint)?.get('echo');
    assert.ok(endpoints);
    assert.equal(reconciler.stats().dataplanes, 11);
  });

  it('encodes a resource shared by many dataplanes once', async () => {
    const clients = Array.from({ length: 5 }, (_, i) => client('m1', `c-${i}`, ['echo']));
    await startWith([mesh('m1'), backend('m1', 'echo-1', 'echo', '10.0.0.1'), ...clients]);
    for (let i = 0; i < 5; i++) reconciler.connect(`m1.c-${i}`, 'grpc');
    await settle();
    const { hits, misses } = reconciler.stats().encodingCache;
    // Each client's own inbound gives it two server listeners of its own service: 5 × 2 distinct ones.
    assert.equal(misses, 4 + 5 * 2, 'the Listener, RouteConfiguration, Cluster and ClusterLoadAssignment of echo are encoded once');
    assert.equal(hits, 4 * 4, 'and reused for the four other clients');
  });

  it('serves a connected node its snapshot and generates one on demand for others', async () => {
    await startWith(echoMesh());
    reconciler.connect('m1.echo-client', 'grpc');
    await settle();
    const meshResource = (await store.get({ type: 'Mesh', name: 'm1' })) as Resource<MeshSpec>;
    const dp = (await store.get({ type: 'Dataplane', mesh: 'm1', name: 'echo-client' })) as Resource<DataplaneSpec>;
    const served = reconciler.configOf(meshResource, dp);
    assert.equal(served.source, 'served');
    assert.equal(served.snapshot, cache.get('m1.echo-client'));
    reconciler.disconnect('m1.echo-client');
    const generated = reconciler.configOf(meshResource, dp);
    assert.equal(generated.source, 'generated');
    assert.equal(generated.kind, 'grpc', 'as the kind it last connected as');
    assert.equal(cache.get('m1.echo-client'), undefined, 'on-demand snapshots are not stored');
    const other = (await store.get({ type: 'Dataplane', mesh: 'm1', name: 'echo-1' })) as Resource<DataplaneSpec>;
    assert.equal(reconciler.configOf(meshResource, other).kind, 'envoy');
    assert.deepEqual(reconciler.rulesOf(other), { dataplane: 'echo-1' });
  });

  describe('remote dataplanes (other zones, synced through global)', () => {
    const zone2 = { 'mycel.io/zone': 'zone-2', 'mycel.io/origin': 'global', 'mycel.io/display-name': 'echo-1' };
    /** The ClusterLoadAssignment of `echo` as m1.echo-client gets it: `zone priority: addresses` per locality. */
    const echoLocalities = (): string[] => {
      const cla = cache.get('m1.echo-client')?.resources.get(TypeUrl.endpoint)?.get('echo');
      assert.ok(cla, 'the echo client has the echo ClusterLoadAssignment');
      const decoded = decodeResource(cla.any) as { endpoints?: Array<{ locality?: { zone?: string }; priority?: number; lb_endpoints?: Array<{ endpoint: { address: { socket_address: { address: string } } } }> }> };
      return (decoded.endpoints ?? []).map(
        (l) => `${l.locality?.zone ?? ''} ${l.priority ?? 0}: ${(l.lb_endpoints ?? []).map((e) => e.endpoint.address.socket_address.address).join(',')}`,
      );
    };
    const remoteMesh = (): ResourceInput[] => [
      mesh('m1'),
      backend('m1', 'echo-1', 'echo', '10.0.0.1', { 'mycel.io/zone': 'zone-1' }),
      backend('m1', 'echo-1-2a2b3c4d', 'echo', '10.2.0.1', zone2),
      client('m1', 'echo-client', ['echo']),
    ];

    it('puts their ready endpoints in a lower-priority locality; priority 0 goes to them only when the local zone has none ready', async () => {
      await startWith(remoteMesh());
      reconciler.connect('m1.echo-client', 'grpc');
      await settle();
      assert.deepEqual(echoLocalities(), ['zone-1 0: 10.0.0.1', 'zone-2 1: 10.2.0.1']);

      const unready = backend('m1', 'echo-1', 'echo', '10.0.0.1', { 'mycel.io/zone': 'zone-1' });
      await store.update({ ...unready, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 50051, tags: svc('echo'), health: { ready: false } }] } } });
      assert.deepEqual(await settle(), ['m1.echo-client']);
      assert.deepEqual(echoLocalities(), ['zone-2 0: 10.2.0.1'], 'priorities stay contiguous: the remote zone moves up');

      await store.update(backend('m1', 'echo-1', 'echo', '10.0.0.1', { 'mycel.io/zone': 'zone-1' }));
      await settle();
      assert.deepEqual(echoLocalities(), ['zone-1 0: 10.0.0.1', 'zone-2 1: 10.2.0.1']);
    });

    it('regenerates the consumers of their services when they change, but never generates for them', async () => {
      await startWith(remoteMesh());
      reconciler.connect('m1.echo-client', 'grpc');
      // A node claiming to be the remote dataplane gets nothing: it is served by its own zone.
      reconciler.connect('m1.echo-1-2a2b3c4d', 'grpc');
      assert.deepEqual(await settle(), ['m1.echo-client']);
      assert.equal(cache.get('m1.echo-1-2a2b3c4d'), undefined);
      assert.equal(reconciler.resolveNode('m1.echo-1-2a2b3c4d'), undefined, 'a remote dataplane resolves no node id');
      assert.equal(reconciler.stats().remoteDataplanes, 1);

      await store.create(backend('m1', 'echo-2-2a2b3c4d', 'echo', '10.2.0.2', { ...zone2, 'mycel.io/display-name': 'echo-2' }));
      assert.deepEqual(await settle(), ['m1.echo-client']);
      assert.deepEqual(echoLocalities(), ['zone-1 0: 10.0.0.1', 'zone-2 1: 10.2.0.1,10.2.0.2']);

      // A label-only change of a remote dataplane concerns nobody here.
      await store.update(backend('m1', 'echo-2-2a2b3c4d', 'echo', '10.2.0.2', { ...zone2, 'mycel.io/display-name': 'echo-2', team: 'x' }));
      assert.deepEqual(await settle(), []);

      await store.delete({ type: 'Dataplane', mesh: 'm1', name: 'echo-1-2a2b3c4d' });
      assert.deepEqual(await settle(), ['m1.echo-client']);
      assert.deepEqual(echoLocalities(), ['zone-1 0: 10.0.0.1', 'zone-2 1: 10.2.0.2']);
      assert.deepEqual(deleted, [], 'no insight to drop for another zone’s dataplane');

      const remote = (await store.get({ type: 'Dataplane', mesh: 'm1', name: 'echo-2-2a2b3c4d' })) as Resource<DataplaneSpec>;
      const meshM1 = (await store.get({ type: 'Mesh', name: 'm1' })) as Resource<MeshSpec>;
      assert.throws(() => reconciler.configOf(meshM1, remote), RemoteDataplaneError);
    });
  });

  it('stops following the feed on stop', async () => {
    await startWith(echoMesh());
    reconciler.connect('m1.echo-client', 'grpc');
    await settle();
    await reconciler.stop();
    await store.create(backend('m1', 'echo-3', 'echo', '10.0.0.4'));
    assert.equal(timers.size, 0);
    await reconciler.synced();
  });

  describe('endpoint-only changes', () => {
    /** `type name version` of every resource of a node's snapshot. */
    const versionsOf = (nodeId: string): Map<string, string> => {
      const out = new Map<string, string>();
      for (const [typeUrl, resources] of cache.get(nodeId)?.resources ?? []) for (const [name, r] of resources) out.set(`${typeUrl} ${name}`, r.version);
      return out;
    };
    const clients = (n: number): ResourceInput[] => Array.from({ length: n }, (_, i) => ({ ...client('m1', `c-${i}`, ['echo', 'other']), spec: { networking: { address: `10.9.0.${i + 1}`, inbound: [{ port: 7000, tags: svc('client') }], outbound: [{ port: 10001, tags: { 'mycel.io/service': 'echo' } }, { port: 10002, tags: { 'mycel.io/service': 'other' } }] } } }));

    it('patch only the ClusterLoadAssignment of the changed service; every other resource keeps its version', async () => {
      await startWith([...echoMesh(), ...clients(3)]);
      for (const node of ['m1.c-0', 'm1.c-1', 'm1.c-2', 'm1.any-client']) reconciler.connect(node, node === 'm1.any-client' ? 'grpc' : 'envoy');
      await settle();
      const before = versionsOf('m1.c-0');
      await store.update(backend('m1', 'echo-2', 'echo', '10.0.0.22'));
      assert.deepEqual(await settle(), ['m1.any-client', 'm1.c-0', 'm1.c-1', 'm1.c-2']);
      assert.deepEqual(reconciler.stats().lastBatch?.patched, ['m1.any-client', 'm1.c-0', 'm1.c-1', 'm1.c-2'], 'none regenerated in full');
      assert.deepEqual(reconciler.stats().lastBatch?.pushed, ['m1.any-client', 'm1.c-0', 'm1.c-1', 'm1.c-2']);
      const after = versionsOf('m1.c-0');
      const changed = [...after].filter(([key, version]) => before.get(key) !== version).map(([key]) => key);
      assert.deepEqual(changed, [`${TypeUrl.endpoint} echo`], 'only the echo ClusterLoadAssignment changed');
      assert.deepEqual([...after.keys()], [...before.keys()]);
      const cla = decodeResource(cache.get('m1.c-0')?.resources.get(TypeUrl.endpoint)?.get('echo')?.any as never);
      assert.ok(JSON.stringify(cla).includes('10.0.0.22'), 'with the new address');
    });

    it('build and encode the shared ClusterLoadAssignment once for all dataplanes', async () => {
      await startWith([mesh('m1'), backend('m1', 'echo-1', 'echo', '10.0.0.1'), backend('m1', 'other-1', 'other', '10.0.0.3'), ...clients(20)]);
      for (let i = 0; i < 20; i++) reconciler.connect(`m1.c-${i}`, 'envoy');
      await settle();
      const before = reconciler.stats();
      await store.create(backend('m1', 'echo-2', 'echo', '10.0.0.2'));
      assert.equal((await settle()).length, 20);
      const after = reconciler.stats();
      assert.equal(after.lastBatch?.patched.length, 20);
      assert.equal(after.encodingCache.misses - before.encodingCache.misses, 1, 'one new resource encoded: the echo ClusterLoadAssignment');
      assert.equal(after.encodingCache.hits - before.encodingCache.hits, 19, 'and found for the 19 others');
      assert.equal(after.templates.builds, before.templates.builds, 'no listener, cluster or route built');
      const first = cache.get('m1.c-0')?.resources.get(TypeUrl.endpoint)?.get('echo');
      for (let i = 1; i < 20; i++) assert.equal(cache.get(`m1.c-${i}`)?.resources.get(TypeUrl.endpoint)?.get('echo'), first, 'one shared object');
    });

    it('regenerate in full when a service appears or its protocol changes', async () => {
      await startWith(echoMesh());
      for (const node of ['m1.echo-client', 'm1.any-client']) reconciler.connect(node, 'grpc');
      await settle();
      // A new service: the proxyless client of every service gets its listener, route and cluster.
      await store.create(backend('m1', 'third-1', 'third', '10.0.0.40'));
      assert.deepEqual(await settle(), ['m1.any-client']);
      assert.deepEqual(reconciler.stats().lastBatch?.patched, []);
      assert.ok(cache.get('m1.any-client')?.resources.get(TypeUrl.listener)?.has('third'));
      // echo's instances disagree on the protocol now (grpc and http): its clusters and listeners change.
      const http = backend('m1', 'echo-2', 'echo', '10.0.0.2');
      await store.update({ ...http, spec: { networking: { address: '10.0.0.2', inbound: [{ port: 50051, tags: { 'mycel.io/service': 'echo', 'mycel.io/protocol': 'http' } }] } } });
      assert.deepEqual(await settle(), ['m1.any-client', 'm1.echo-client']);
      assert.deepEqual(reconciler.stats().lastBatch?.patched, []);
      // The changed dataplane itself is always regenerated in full; its consumers are patched.
      reconciler.connect('m1.echo-1', 'envoy');
      await settle();
      await store.update(backend('m1', 'echo-1', 'echo', '10.0.0.11'));
      assert.deepEqual(await settle(), ['m1.any-client', 'm1.echo-1', 'm1.echo-client']);
      assert.deepEqual(reconciler.stats().lastBatch?.patched, ['m1.any-client', 'm1.echo-client']);
    });

    it('regenerate in full what a policy change in the same batch affects', async () => {
      await startWith(echoMesh());
      for (const node of ['m1.echo-client', 'm1.any-client']) reconciler.connect(node, 'grpc');
      await settle();
      await store.create({ type: 'FakePolicy', mesh: 'm1', name: 'p1', labels: {}, spec: { targets: ['echo-client'] } });
      await store.create(backend('m1', 'echo-3', 'echo', '10.0.0.4'));
      await reconciler.synced();
      timers.runAll();
      assert.deepEqual(reconciler.stats().lastBatch?.regenerated, ['m1.any-client', 'm1.echo-client']);
      assert.deepEqual(reconciler.stats().lastBatch?.patched, ['m1.any-client']);
      assert.deepEqual(policies.applied.at(-1), { dataplane: 'echo-client', policies: ['p1'] });
    });
  });

  describe('chunked batches', () => {
    const clients = (n: number): ResourceInput[] => Array.from({ length: n }, (_, i) => client('m1', `c-${i}`, ['echo']));
    const echoVersion = (nodeId: string): string | undefined => cache.get(nodeId)?.resources.get(TypeUrl.endpoint)?.get('echo')?.version;

    it('push chunk by chunk, yielding between chunks, and deliver every dataplane', async () => {
      await startWith([mesh('m1'), backend('m1', 'echo-1', 'echo', '10.0.0.1'), ...clients(7)], { chunkSize: 2 });
      for (let i = 0; i < 7; i++) reconciler.connect(`m1.c-${i}`, 'grpc');
      await settle();
      assert.equal(cache.nodeIds().length, 7);
      const old = echoVersion('m1.c-0');
      await store.create(backend('m1', 'echo-2', 'echo', '10.0.0.2'));
      await reconciler.synced();
      assert.ok(timers.runOne(), 'the debounce timer fires');
      const updated = (): number => [...Array(7).keys()].filter((i) => echoVersion(`m1.c-${i}`) !== old).length;
      assert.equal(updated(), 2, 'the first chunk is pushed');
      assert.equal(reconciler.stats().batchRunning, true);
      assert.equal(timers.size, 1, 'the next chunk waits for the event loop');
      assert.ok(timers.runOne());
      assert.equal(updated(), 4);
      timers.runAll();
      assert.equal(updated(), 7, 'every dataplane gets the change');
      const stats = reconciler.stats();
      assert.equal(stats.batchRunning, false);
      assert.equal(stats.lastBatch?.regenerated.length, 7);
    });

    it('start the changes that arrive while a batch runs in the next batch', async () => {
      await startWith([mesh('m1'), backend('m1', 'echo-1', 'echo', '10.0.0.1'), ...clients(4)], { chunkSize: 1 });
      for (let i = 0; i < 4; i++) reconciler.connect(`m1.c-${i}`, 'grpc');
      await settle();
      const batches = reconciler.stats().batches;
      await store.create(backend('m1', 'echo-2', 'echo', '10.0.0.2'));
      await reconciler.synced();
      assert.ok(timers.runOne());
      await store.create(backend('m1', 'echo-3', 'echo', '10.0.0.3'));
      await reconciler.synced();
      // The debounce of the second change fires while the first batch still has chunks to run.
      assert.ok(timers.runLatest());
      assert.equal(reconciler.stats().batchRunning, true);
      assert.equal(reconciler.stats().batches, batches, 'no second batch while the first runs');
      timers.runAll();
      assert.equal(reconciler.stats().batches, batches + 2, 'the second batch ran right after the first');
      assert.equal(timers.size, 0);
      const cla = JSON.stringify(decodeResource(cache.get('m1.c-0')?.resources.get(TypeUrl.endpoint)?.get('echo')?.any as never));
      assert.ok(cla.includes('10.0.0.2') && cla.includes('10.0.0.3'));
    });

    it('finish a running batch on flush()', async () => {
      await startWith([mesh('m1'), backend('m1', 'echo-1', 'echo', '10.0.0.1'), ...clients(5)], { chunkSize: 2 });
      for (let i = 0; i < 5; i++) reconciler.connect(`m1.c-${i}`, 'grpc');
      await reconciler.synced();
      assert.ok(timers.runOne());
      assert.equal(cache.nodeIds().length, 2);
      const batch = reconciler.flush();
      assert.equal(batch?.regenerated.length, 5);
      assert.equal(cache.nodeIds().length, 5);
      assert.equal(reconciler.stats().batchRunning, false);
    });

    it('stop cleanly in the middle of a batch', async () => {
      await startWith([mesh('m1'), backend('m1', 'echo-1', 'echo', '10.0.0.1'), ...clients(6)], { chunkSize: 2 });
      for (let i = 0; i < 6; i++) reconciler.connect(`m1.c-${i}`, 'grpc');
      await reconciler.synced();
      assert.ok(timers.runOne());
      assert.equal(cache.nodeIds().length, 2);
      await reconciler.stop();
      assert.equal(timers.size, 0, 'no chunk left scheduled');
      assert.equal(reconciler.stats().batchRunning, false);
      timers.runAll();
      assert.equal(cache.nodeIds().length, 2, 'nothing generated after stop');
    });

    it('skip a node that disconnected while the batch ran', async () => {
      await startWith([mesh('m1'), backend('m1', 'echo-1', 'echo', '10.0.0.1'), ...clients(4)], { chunkSize: 1 });
      for (let i = 0; i < 4; i++) reconciler.connect(`m1.c-${i}`, 'grpc');
      await reconciler.synced();
      assert.ok(timers.runOne());
      reconciler.disconnect('m1.c-3');
      timers.runAll();
      assert.deepEqual(cache.nodeIds(), ['m1.c-0', 'm1.c-1', 'm1.c-2']);
      assert.deepEqual(reconciler.stats().lastBatch?.regenerated, ['m1.c-0', 'm1.c-1', 'm1.c-2']);
    });
  });
});
