import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { ForbiddenError, UnauthenticatedError } from '@mycel/core';
import { TypeUrl, versionInfo } from '@mycel/xds';
import type { DeltaDiscoveryResponse, DiscoveryResponse, XdsResource, XdsTypeUrl } from '@mycel/xds';
import { DeltaTestStream, SotwTestStream, resourceName, shortType, snapshot, startTestAdsServer, xdsResource } from './support/ads-client';
import type { AdsClientOptions, TestAdsServer } from './support/ads-client';

const { cluster: CDS, endpoint: EDS, listener: LDS, route: RDS, secret: SDS } = TypeUrl;
const ALL_TYPES = [CDS, EDS, LDS, RDS, SDS];

/** Revision `rev` of resource `name`: a small valid Envoy message whose content depends on `rev`. */
function res(typeUrl: XdsTypeUrl, name: string, rev = 1): XdsResource {
  switch (typeUrl) {
    case CDS:
      return xdsResource(typeUrl, name, { connect_timeout: { seconds: rev } });
    case EDS:
      return xdsResource(typeUrl, name, { policy: { overprovisioning_factor: { value: 100 + rev } } });
    case LDS:
      return xdsResource(typeUrl, name, { stat_prefix: `rev${rev}` });
    case RDS:
      return xdsResource(typeUrl, name, { virtual_hosts: [{ name: `vh${rev}`, domains: ['*'] }] });
    case SDS:
      return xdsResource(typeUrl, name, { generic_secret: { secret: { inline_string: `rev${rev}` } } });
  }
}

/** Names carried by a SotW response, in order. */
const names = (r: DiscoveryResponse): string[] => r.resources.map(resourceName);
/** `+name` / `-name` entries of a delta response. */
const delta = (r: DeltaDiscoveryResponse): string[] => [...r.resources.map((x) => `+${x.name}`), ...r.removed_resources.map((n) => `-${n}`)];
const versionOf = (...resources: XdsResource[]): string => versionInfo(resources.map((r) => [r.name, r.version] as const));

/** Rejects `Bearer bad` tokens and `forbidden-*` nodes; everything else is served under its node.id. */
async function authorize(node: { id?: string }, metadata: grpc.Metadata): Promise<{ nodeId: string } | Error> {
  await Promise.resolve(); // a real authorizer reads the store
  if (metadata.get('authorization')[0] === 'Bearer bad') return new UnauthenticatedError('dataplane token is not valid');
  if (node.id?.startsWith('forbidden-')) return new ForbiddenError(`token does not grant dataplane ${node.id}`);
  return { nodeId: node.id ?? '' };
}

describe('ADS server conformance (real gRPC)', function () {
  let t: TestAdsServer;
  const streams: { close(): void }[] = [];
  const sotw = (nodeId: string, options?: AdsClientOptions): SotwTestStream => {
    const s = new SotwTestStream(t.address, nodeId, options);
    streams.push(s);
    return s;
  };
  const deltaStream = (nodeId: string, options?: AdsClientOptions): DeltaTestStream => {
    const s = new DeltaTestStream(t.address, nodeId, options);
    streams.push(s);
    return s;
  };

  beforeEach(async () => {
    t = await startTestAdsServer({ authorize });
  });

  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await t.stop();
  });

  describe('State of the World', () => {
    it('initial sync: full CDS/LDS sets, requested EDS/RDS names, ACKs recorded', async () => {
      const [ca, cb, ea, l, r] = [res(CDS, 'a'), res(CDS, 'b'), res(EDS, 'a'), res(LDS, 'l'), res(RDS, 'r')];
      t.cache.set('dp-1', snapshot(cb, ca, ea, res(EDS, 'b'), l, r));
      const s = sotw('dp-1');
      s.request(CDS);
      const cds = await s.next();
      assert.equal(cds.type_url, CDS);
      assert.deepEqual(names(cds), ['a', 'b']);
      assert.equal(cds.version_info, versionOf(ca, cb));
      s.ack(cds);
      s.request(EDS, ['a']);
      const eds = await s.next();
      assert.deepEqual(names(eds), ['a']);
      s.ack(eds, ['a']);
      s.request(LDS);
      const lds = await s.next();
      assert.deepEqual(names(lds), ['l']);
      s.ack(lds);
      s.request(RDS, ['r']);
      const rds = await s.next();
      assert.deepEqual(names(rds), ['r']);
      s.ack(rds, ['r']);
      await t.events.waitFor(/^ack dp-1 RouteConfiguration /);
      assert.deepEqual(
        t.events.lines.filter((e) => e.startsWith('ack')),
        [cds, eds, lds, rds].map((x) => `ack dp-1 ${shortType(x.type_url)} ${x.version_info} ${x.nonce}`),
      );
      assert.match(t.events.lines[0] ?? '', /^connect dp-1 \d+$/);
    });

    it('waits for a node without a snapshot and answers once it is set', async () => {
      const s = sotw('dp-late');
      s.request(CDS);
      await t.events.waitFor(/^connect dp-late /);
      t.cache.set('dp-late', snapshot(res(CDS, 'a')));
      assert.deepEqual(names(await s.next()), ['a']);
    });

    it('NACK: the last good version stays ACKed, the rejected one is not re-sent, the next change flows', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(EDS, 'a')));
      const s = sotw('dp-1');
      s.request(CDS);
      const good = await s.next();
      s.ack(good);
      s.request(EDS, ['a']);
      s.ack(await s.next(), ['a']);
      t.cache.set('dp-1', snapshot(res(CDS, 'a', 2), res(EDS, 'a')));
      const bad = await s.next();
      assert.equal(bad.type_url, CDS);
      s.nack(bad, good.version_info, 'cluster a: invalid connect_timeout');
      await t.events.waitFor(new RegExp(`^nack dp-1 Cluster ${bad.version_info} ${bad.nonce} cluster a: invalid`));
      // Quiet window: the next thing on the stream must be the next change, not a resend of `bad`.
      t.cache.set('dp-1', snapshot(res(CDS, 'a', 2), res(EDS, 'a', 2)));
      const next = await s.next();
      assert.equal(next.type_url, EDS);
      s.ack(next, ['a']);
      t.cache.set('dp-1', snapshot(res(CDS, 'a', 3), res(EDS, 'a', 2)));
      const fixed = await s.next();
      assert.equal(fixed.type_url, CDS);
      assert.equal(fixed.version_info, versionOf(res(CDS, 'a', 3)));
      s.ack(fixed);
      await t.events.waitFor(new RegExp(`^ack dp-1 Cluster ${fixed.version_info} `));
      assert.equal(s.buffered, 0);
    });

    it('stale nonce: a late NACK is ignored; a stale subscription change is served with the real ACK', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(EDS, 'a'), res(EDS, 'b')));
      const s = sotw('dp-1');
      s.request(CDS);
      const c1 = await s.next();
      s.ack(c1);
      s.request(EDS, ['a']);
      const e1 = await s.next();
      s.ack(e1, ['a']);
      t.cache.set('dp-1', snapshot(res(CDS, 'a', 2), res(EDS, 'a', 2), res(EDS, 'b')));
      const c2 = await s.next();
      const e2 = await s.next();
      assert.deepEqual([c2.type_url, e2.type_url], [CDS, EDS]);
      // Both written before the client saw c2/e2: their nonces are stale.
      s.request(CDS, [], { version: c1.version_info, nonce: c1.nonce, error: { code: 3, message: 'late complaint' } });
      s.request(EDS, ['a', 'b'], { version: e1.version_info, nonce: e1.nonce });
      s.ack(c2);
      s.ack(e2, ['a', 'b']);
      const e3 = await s.next();
      assert.equal(e3.type_url, EDS);
      assert.deepEqual(names(e3), ['a', 'b']);
      s.ack(e3, ['a', 'b']);
      await t.events.waitFor(new RegExp(`^ack dp-1 ClusterLoadAssignment ${e3.version_info} ${e3.nonce}$`));
      assert.equal(t.events.lines.filter((l) => l.startsWith('nack')).length, 0);
      assert.equal(s.buffered, 0);
    });

    it('re-sends everything on a new stream, even when the client reports the current version', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(CDS, 'b')));
      const first = sotw('dp-1');
      first.request(CDS);
      const r1 = await first.next();
      first.ack(r1);
      await t.events.waitFor(/^ack dp-1 Cluster /);
      first.close();
      await t.events.waitFor(/^disconnect dp-1 /);
      const second = sotw('dp-1');
      second.request(CDS, [], { version: r1.version_info });
      const r2 = await second.next();
      assert.deepEqual(names(r2), ['a', 'b']);
      assert.equal(r2.version_info, r1.version_info);
    });

    it('removal: CDS and LDS responses omit deleted resources, in push order', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(CDS, 'b'), res(LDS, 'l1'), res(LDS, 'l2')));
      const s = sotw('dp-1');
      s.request(CDS);
      s.ack(await s.next());
      s.request(LDS);
      s.ack(await s.next());
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(LDS, 'l1'), res(LDS, 'l3')));
      const cds = await s.next();
      const lds = await s.next();
      assert.deepEqual([cds.type_url, names(cds)], [CDS, ['a']]);
      assert.deepEqual([lds.type_url, names(lds)], [LDS, ['l1', 'l3']]);
    });

    it('re-sends an unchanged resource that was unsubscribed and subscribed again', async () => {
      t.cache.set('dp-1', snapshot(res(EDS, 'a'), res(EDS, 'b')));
      const s = sotw('dp-1');
      s.request(EDS, ['a', 'b']);
      const e1 = await s.next();
      s.ack(e1, ['a', 'b']);
      s.request(EDS, ['a'], { version: e1.version_info, nonce: e1.nonce });
      s.request(EDS, ['a', 'b'], { version: e1.version_info, nonce: e1.nonce });
      const e2 = await s.next();
      assert.deepEqual(names(e2), ['a', 'b']);
      assert.notEqual(e2.nonce, e1.nonce);
      assert.equal(e2.version_info, e1.version_info);
    });

    it('pushes CDS → EDS → LDS → RDS → SDS when one snapshot changes every type', async () => {
      const v1 = ALL_TYPES.map((type) => res(type, 'x'));
      t.cache.set('dp-1', snapshot(...v1));
      const s = sotw('dp-1');
      for (const type of [...ALL_TYPES].reverse()) {
        const subscription = type === CDS || type === LDS ? [] : ['x'];
        s.request(type, subscription);
        s.ack(await s.next(), subscription);
      }
      await t.events.waitFor(/^ack dp-1 Cluster /);
      t.cache.set('dp-1', snapshot(...ALL_TYPES.map((type) => res(type, 'x', 2)).reverse()));
      const order: string[] = [];
      for (let i = 0; i < ALL_TYPES.length; i++) order.push(shortType((await s.next()).type_url));
      assert.deepEqual(order, ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration', 'Secret']);
    });

    it('rejects an unauthenticated or forbidden node before sending anything', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a')));
      t.cache.set('forbidden-1', snapshot(res(CDS, 'a')));
      const unauthenticated = sotw('dp-1', { metadata: { authorization: 'Bearer bad' } });
      unauthenticated.request(CDS);
      const s1 = await unauthenticated.status;
      assert.equal(s1.code, grpc.status.UNAUTHENTICATED);
      assert.match(s1.details, /dp-1.*dataplane token is not valid/);
      assert.equal(unauthenticated.buffered, 0);
      const forbidden = sotw('forbidden-1');
      forbidden.request(CDS);
      const s2 = await forbidden.status;
      assert.equal(s2.code, grpc.status.PERMISSION_DENIED);
      assert.match(s2.details, /does not grant dataplane forbidden-1/);
      assert.equal(forbidden.buffered, 0);
      assert.deepEqual(t.events.lines, [], 'no stream was connected');
    });

    it('ends the stream with INVALID_ARGUMENT without node.id, or when node.id changes', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(LDS, 'l')));
      const anonymous = sotw('dp-1');
      anonymous.request(CDS, [], { node: { cluster: 'x' } });
      assert.equal((await anonymous.status).code, grpc.status.INVALID_ARGUMENT);
      const s = sotw('dp-1');
      s.request(CDS);
      s.ack(await s.next());
      s.request(LDS, [], { node: { id: 'dp-2' } });
      const status = await s.status;
      assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
      assert.match(status.details, /node\.id changed mid-stream from "dp-1" to "dp-2"/);
      await t.events.waitFor(/^disconnect dp-1 /);
    });

    it('releases the watch when the client cancels, and AdsServer.close() ends open streams', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a')));
      t.cache.set('dp-2', snapshot(res(CDS, 'a')));
      const leaving = sotw('dp-1');
      leaving.request(CDS);
      await leaving.next();
      const staying = sotw('dp-2');
      staying.request(CDS);
      await staying.next();
      assert.equal(t.cache.watcherCount('dp-1'), 1);
      leaving.close();
      await t.events.waitFor(/^disconnect dp-1 /);
      assert.equal(t.cache.watcherCount('dp-1'), 0);
      t.ads.close();
      const status = await staying.status;
      assert.equal(status.code, grpc.status.UNAVAILABLE);
      await t.events.waitFor(/^disconnect dp-2 /);
      assert.equal(t.cache.watcherCount('dp-2'), 0);
      assert.equal(t.ads.streamCount, 0);
    });

    it('counts streams, responses, ACKs and NACKs by type URL', async () => {
      const reader = new CollectingReader();
      const provider = new MeterProvider({ readers: [reader] });
      const metered = await startTestAdsServer({ meter: provider.getMeter('mycel.xds') });
      try {
        metered.cache.set('dp-1', snapshot(res(CDS, 'a')));
        const s = new SotwTestStream(metered.address, 'dp-1');
        streams.push(s);
        s.request(CDS);
        const r1 = await s.next();
        s.ack(r1);
        metered.cache.set('dp-1', snapshot(res(CDS, 'a', 2)));
        s.nack(await s.next(), r1.version_info, 'no');
        await metered.events.waitFor(/^nack /);
        const sums = await reader.sums();
        assert.equal(sums['mycel.xds.streams{sotw}'], 1);
        assert.equal(sums[`mycel.xds.responses{sotw,${CDS}}`], 2);
        assert.equal(sums[`mycel.xds.acks{sotw,${CDS}}`], 1);
        assert.equal(sums[`mycel.xds.nacks{sotw,${CDS}}`], 1);
      } finally {
        await metered.stop();
        await provider.shutdown();
      }
    });
  });

  describe('Delta', () => {
    it('initial sync: legacy wildcard CDS, named EDS with a missing name reported removed, ACKs recorded', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'b'), res(CDS, 'a'), res(EDS, 'a')));
      const s = deltaStream('dp-1');
      s.request(CDS);
      const cds = await s.next();
      assert.deepEqual(delta(cds), ['+a', '+b']);
      assert.equal(cds.system_version_info, versionOf(res(CDS, 'a'), res(CDS, 'b')));
      assert.equal(cds.resources[0]?.version, res(CDS, 'a').version);
      s.ack(cds);
      s.request(EDS, { subscribe: ['a', 'missing'] });
      const eds = await s.next();
      assert.deepEqual(delta(eds), ['+a', '-missing']);
      s.ack(eds);
      await t.events.waitFor(new RegExp(`^ack dp-1 ClusterLoadAssignment ${eds.system_version_info} ${eds.nonce}$`));
      await t.events.waitFor(new RegExp(`^ack dp-1 Cluster ${cds.system_version_info} ${cds.nonce}$`));
    });

    it('NACK: nothing is re-sent; the next change flows', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(EDS, 'a')));
      const s = deltaStream('dp-1');
      s.request(CDS);
      s.ack(await s.next());
      s.request(EDS, { subscribe: ['a'] });
      s.ack(await s.next());
      t.cache.set('dp-1', snapshot(res(CDS, 'a', 2), res(EDS, 'a')));
      const bad = await s.next();
      s.nack(bad, 'cluster a rejected');
      await t.events.waitFor(new RegExp(`^nack dp-1 Cluster ${bad.system_version_info} ${bad.nonce} cluster a rejected$`));
      t.cache.set('dp-1', snapshot(res(CDS, 'a', 2), res(EDS, 'a', 2)));
      const next = await s.next();
      assert.deepEqual([next.type_url, delta(next)], [EDS, ['+a']]);
      s.ack(next);
      t.cache.set('dp-1', snapshot(res(CDS, 'a', 3), res(EDS, 'a', 2)));
      const fixed = await s.next();
      assert.deepEqual([fixed.type_url, fixed.resources[0]?.version], [CDS, res(CDS, 'a', 3).version]);
    });

    it('stale nonce: a subscription sent across a pending response is honoured once that response is ACKed', async () => {
      t.cache.set('dp-1', snapshot(res(EDS, 'a'), res(EDS, 'b')));
      const s = deltaStream('dp-1');
      s.request(EDS, { subscribe: ['a'] });
      const e1 = await s.next();
      s.ack(e1);
      t.cache.set('dp-1', snapshot(res(EDS, 'a', 2), res(EDS, 'b')));
      const e2 = await s.next();
      // Written before the client saw e2: carries e1's (stale) nonce and a late NACK.
      s.request(EDS, { subscribe: ['b'], nonce: e1.nonce, error: { code: 3, message: 'late' } });
      s.ack(e2);
      const e3 = await s.next();
      assert.deepEqual(delta(e3), ['+b']);
      s.ack(e3);
      await t.events.waitFor(new RegExp(`^ack dp-1 ClusterLoadAssignment \\S+ ${e3.nonce}$`));
      assert.equal(t.events.lines.filter((l) => l.startsWith('nack')).length, 0);
      assert.equal(s.buffered, 0);
    });

    it('reconnect: initial_resource_versions avoid re-sending what the client has', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(CDS, 'b'), res(CDS, 'c')));
      const first = deltaStream('dp-1');
      first.request(CDS);
      const r1 = await first.next();
      first.ack(r1);
      await t.events.waitFor(/^ack dp-1 Cluster /);
      first.close();
      await t.events.waitFor(/^disconnect dp-1 /);
      const held = Object.fromEntries(r1.resources.map((r) => [r.name, r.version]));
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(CDS, 'b', 2), res(CDS, 'd')));
      const second = deltaStream('dp-1');
      second.request(CDS, { subscribe: ['*'], initialVersions: held });
      const r2 = await second.next();
      assert.deepEqual(delta(r2), ['+b', '+d', '-c']);
    });

    it('removal: deleted resources and subscribed names that vanish are in removed_resources', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(CDS, 'b'), res(EDS, 'a'), res(EDS, 'b')));
      const s = deltaStream('dp-1');
      s.request(CDS);
      s.ack(await s.next());
      s.request(EDS, { subscribe: ['a', 'b'] });
      s.ack(await s.next());
      t.cache.set('dp-1', snapshot(res(CDS, 'a'), res(CDS, 'c'), res(EDS, 'a')));
      const cds = await s.next();
      const eds = await s.next();
      assert.deepEqual([cds.type_url, delta(cds)], [CDS, ['+c', '-b']]);
      assert.deepEqual([eds.type_url, delta(eds)], [EDS, ['-b']]);
    });

    it('unsubscribe needs no answer; subscribing again re-sends the unchanged resource', async () => {
      t.cache.set('dp-1', snapshot(res(EDS, 'a'), res(EDS, 'b')));
      const s = deltaStream('dp-1');
      s.request(EDS, { subscribe: ['a', 'b'] });
      const e1 = await s.next();
      s.ack(e1, { unsubscribe: ['b'] });
      s.request(EDS, { subscribe: ['b'] });
      const e2 = await s.next();
      assert.deepEqual(delta(e2), ['+b']);
      assert.equal(e2.resources[0]?.version, res(EDS, 'b').version);
    });

    it('pushes CDS → EDS → LDS → RDS → SDS when one snapshot changes every type', async () => {
      t.cache.set('dp-1', snapshot(...ALL_TYPES.map((type) => res(type, 'x'))));
      const s = deltaStream('dp-1');
      for (const type of [...ALL_TYPES].reverse()) {
        s.request(type, type === CDS || type === LDS ? {} : { subscribe: ['x'] });
        s.ack(await s.next());
      }
      await t.events.waitFor(/^ack dp-1 Cluster /);
      t.cache.set('dp-1', snapshot(...ALL_TYPES.map((type) => res(type, 'x', 2)).reverse()));
      const order: string[] = [];
      for (let i = 0; i < ALL_TYPES.length; i++) order.push(shortType((await s.next()).type_url));
      assert.deepEqual(order, ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration', 'Secret']);
    });

    it('rejects an unauthenticated node before sending anything', async () => {
      t.cache.set('dp-1', snapshot(res(CDS, 'a')));
      const s = deltaStream('dp-1', { metadata: { authorization: 'Bearer bad' } });
      s.request(CDS);
      const status = await s.status;
      assert.equal(status.code, grpc.status.UNAUTHENTICATED);
      assert.equal(s.buffered, 0);
      assert.deepEqual(t.events.lines, []);
    });
  });
});

/** A metric reader the test collects on demand: `name{attr values}` → sum. */
class CollectingReader extends MetricReader {
  async sums(): Promise<Record<string, number>> {
    const { resourceMetrics } = await this.collect();
    const out: Record<string, number> = {};
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints) {
          const attrs = Object.values(point.attributes).join(',');
          out[`${metric.descriptor.name}{${attrs}}`] = point.value as number;
        }
      }
    }
    return out;
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}
