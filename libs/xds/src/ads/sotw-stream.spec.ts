import assert from 'node:assert/strict';
import { MalformedInputError } from '@mycel/core';
import { TypeUrl } from '../resource-types';
import { decoded, snapshotOf } from '../snapshot.test-helper';
import type { DiscoveryRequest, DiscoveryResponse } from './ads-proto';
import { SotwStream } from './sotw-stream';
import { StreamHarness } from './stream.test-helper';
import { versionInfo } from './version-info';

const { cluster: CDS, endpoint: EDS, listener: LDS, route: RDS, secret: SDS } = TypeUrl;

/** `typeUrl nonce: name=content,…` — one line per response. */
function show(res: DiscoveryResponse): string {
  return `${res.type_url.split('.').pop()} ${res.nonce}: ${res.resources.map(decoded).join(',')}`;
}

describe('SotwStream', () => {
  let h: StreamHarness<DiscoveryResponse>;
  let stream: SotwStream;

  const request = (typeUrl: string, names: string[] = [], extra: Partial<DiscoveryRequest> = {}): void =>
    stream.handle({ type_url: typeUrl, resource_names: names, ...extra });
  /** ACKs `res` keeping the subscription `names`. */
  const ack = (res: DiscoveryResponse | undefined, names: string[] = []): void => {
    assert.ok(res);
    request(res.type_url, names, { version_info: res.version_info, response_nonce: res.nonce });
  };
  const sent = (): string[] => h.take().map(show);

  beforeEach(() => {
    h = new StreamHarness();
    stream = new SotwStream(h.context());
    stream.start();
  });

  afterEach(() => stream.close());

  it('waits for the node snapshot, then answers a wildcard CDS request with every cluster', () => {
    request(CDS);
    assert.deepEqual(sent(), []);
    h.cache.set('node-1', snapshotOf({ [CDS]: { b: 'v1', a: 'v1' } }));
    const [res] = h.sent;
    assert.deepEqual(sent(), ['Cluster 1: a=v1,b=v1']);
    assert.equal(res?.version_info, versionInfo([['a', 'v1'], ['b', 'v1']]));
  });

  it('answers the first request of a type even when nothing matches', () => {
    h.cache.set('node-1', snapshotOf({}));
    request(CDS);
    request(EDS, ['missing']);
    assert.deepEqual(sent(), ['Cluster 1: ', 'ClusterLoadAssignment 2: ']);
  });

  it('sends only the requested EDS/RDS resources', () => {
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1', b: 'v1', c: 'v1' } }));
    request(EDS, ['c', 'a', 'x']);
    assert.deepEqual(sent(), ['ClusterLoadAssignment 1: a=v1,c=v1']);
  });

  it('records an ACK and stays quiet while nothing changes', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1' } }));
    request(CDS);
    const [res] = h.take();
    ack(res);
    assert.deepEqual(h.events, [{ kind: 'ack', typeUrl: CDS, version: res?.version_info, nonce: '1' }]);
    assert.equal(stream.typeState(CDS)?.ackedVersion, res?.version_info);
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1' }, [EDS]: { a: 'v2' } }));
    assert.deepEqual(sent(), []);
  });

  it('keeps one response per type outstanding and coalesces changes until it is answered', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1' } }));
    request(CDS);
    const [first] = h.take();
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v2' } }));
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v3' } }));
    assert.deepEqual(sent(), []);
    ack(first);
    assert.deepEqual(sent(), ['Cluster 2: a=v3']);
  });

  it('on NACK keeps the rejected version as sent, reports it, and never re-sends it', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1' } }));
    request(CDS);
    const [good] = h.take();
    ack(good);
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'bad' } }));
    const [bad] = h.take();
    assert.ok(bad);
    request(CDS, [], { version_info: good?.version_info, response_nonce: bad.nonce, error_detail: { code: 13, message: 'invalid cluster a' } });
    assert.deepEqual(h.events.at(-1), { kind: 'nack', typeUrl: CDS, version: bad.version_info, nonce: bad.nonce, detail: { code: 13, message: 'invalid cluster a' } });
    assert.equal(stream.typeState(CDS)?.ackedVersion, good?.version_info, 'the last good version stays acknowledged');
    // The client repeats its error_detail on later requests (grpc-js-xds does): not a second NACK.
    request(CDS, [], { version_info: good?.version_info, response_nonce: bad.nonce, error_detail: { code: 13, message: 'invalid cluster a' } });
    assert.equal(h.events.length, 2);
    assert.deepEqual(sent(), []);
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'fixed' } }));
    assert.deepEqual(sent(), ['Cluster 3: a=fixed']);
  });

  it('ignores a stale nonce for ACK/NACK and answering, but records its subscription', () => {
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1', b: 'v1' } }));
    request(EDS, ['a']);
    const [first] = h.take();
    ack(first, ['a']);
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v2', b: 'v1' } }));
    const [second] = h.take();
    // Sent before the client saw response 2: stale.
    request(EDS, ['a', 'b'], { response_nonce: first?.nonce, error_detail: { code: 3, message: 'stale' } });
    assert.deepEqual(sent(), []);
    assert.equal(h.events.length, 1, 'no NACK recorded for a stale nonce');
    assert.deepEqual([...(stream.typeState(EDS)?.subscription.names ?? [])], ['a', 'b']);
    ack(second, ['a', 'b']);
    assert.deepEqual(sent(), ['ClusterLoadAssignment 3: a=v2,b=v1']);
  });

  it('treats an unknown nonce as current when no response is outstanding', () => {
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1', b: 'v1' } }));
    request(EDS, ['a']);
    ack(h.take()[0], ['a']);
    request(EDS, ['a', 'b'], { response_nonce: 'from-another-stream' });
    assert.deepEqual(sent(), ['ClusterLoadAssignment 2: a=v1,b=v1']);
  });

  it('re-sends a resource that was unsubscribed and subscribed again, unchanged', () => {
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1', b: 'v1' } }));
    request(EDS, ['a', 'b']);
    ack(h.take()[0], ['a', 'b']);
    request(EDS, ['a'], { response_nonce: '1' });
    assert.deepEqual(sent(), [], 'dropping a name needs no response');
    request(EDS, ['a', 'b'], { response_nonce: '1' });
    assert.deepEqual(sent(), ['ClusterLoadAssignment 2: a=v1,b=v1']);
  });

  it('pushes CDS → EDS → LDS → RDS → SDS when several types change at once', () => {
    h.cache.set('node-1', snapshotOf({}));
    for (const t of [SDS, RDS, LDS, EDS, CDS]) {
      request(t, t === CDS || t === LDS ? [] : ['x']);
      ack(h.take()[0], t === CDS || t === LDS ? [] : ['x']);
    }
    h.cache.set('node-1', snapshotOf({ [SDS]: { x: 'v1' }, [RDS]: { x: 'v1' }, [LDS]: { x: 'v1' }, [EDS]: { x: 'v1' }, [CDS]: { x: 'v1' } }));
    assert.deepEqual(sent(), ['Cluster 6: x=v1', 'ClusterLoadAssignment 7: x=v1', 'Listener 8: x=v1', 'RouteConfiguration 9: x=v1', 'Secret 10: x=v1']);
  });

  it('holds later types while an earlier type waits to send its change', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { c: 'v1' }, [LDS]: { l: 'v1' } }));
    request(CDS);
    request(LDS);
    const [cds1, lds1] = h.take();
    ack(lds1);
    // CDS 1 is unanswered: the new cluster cannot go yet, so the listener using it must wait too.
    h.cache.set('node-1', snapshotOf({ [CDS]: { c: 'v1', d: 'v1' }, [LDS]: { l: 'v2' } }));
    assert.deepEqual(sent(), []);
    ack(cds1);
    assert.deepEqual(sent(), ['Cluster 3: c=v1,d=v1', 'Listener 4: l=v2']);
  });

  it('drops a deleted cluster from the next full CDS response; a deleted EDS resource alone sends nothing', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1', b: 'v1' }, [EDS]: { a: 'v1', b: 'v1' } }));
    request(CDS);
    request(EDS, ['a', 'b']);
    const [cds, eds] = h.take();
    ack(cds);
    ack(eds, ['a', 'b']);
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1' }, [EDS]: { a: 'v1' } }));
    assert.deepEqual(sent(), ['Cluster 3: a=v1']);
  });

  it('follows the wildcard rules: legacy empty list, explicit "*", then an empty list unsubscribes', () => {
    h.cache.set('node-1', snapshotOf({ [LDS]: { a: 'v1', b: 'v1' } }));
    request(LDS);
    assert.deepEqual(sent(), ['Listener 1: a=v1,b=v1']);
    request(LDS, ['*', 'a'], { response_nonce: '1' });
    assert.equal(stream.typeState(LDS)?.subscription.wildcard, true);
    assert.deepEqual(sent(), []);
    request(LDS, ['a'], { response_nonce: '1' });
    assert.equal(stream.typeState(LDS)?.subscription.wildcard, false);
    h.cache.set('node-1', snapshotOf({ [LDS]: { a: 'v1', b: 'v2' } }));
    assert.deepEqual(sent(), [], 'b is no longer subscribed');
    request(LDS, [], { response_nonce: '1' });
    assert.equal(stream.typeState(LDS)?.subscription.empty, true, 'an empty list after explicit names is not a wildcard');
    h.cache.set('node-1', snapshotOf({ [LDS]: { a: 'v2', b: 'v2' } }));
    assert.deepEqual(sent(), []);
  });

  it('rejects a request without type_url', () => {
    assert.throws(() => stream.handle({ resource_names: [] }), MalformedInputError);
  });

  it('stops reacting once closed', () => {
    request(CDS);
    stream.close();
    h.cache.set('node-1', snapshotOf({}));
    assert.deepEqual(sent(), []);
    assert.equal(h.cache.watcherCount('node-1'), 0);
  });
});
