import assert from 'node:assert/strict';
import { TypeUrl } from '../resource-types';
import { snapshotOf } from '../snapshot.test-helper';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from './ads-proto';
import { DeltaStream } from './delta-stream';
import { StreamHarness } from './stream.test-helper';
import { versionInfo } from './version-info';

const { cluster: CDS, endpoint: EDS, listener: LDS } = TypeUrl;

/** `Type nonce: +name@version,… -removed,…` — one line per response. */
function show(res: DeltaDiscoveryResponse): string {
  const added = res.resources.map((r) => `+${r.name}@${r.version}`);
  const removed = res.removed_resources.map((n) => `-${n}`);
  return `${res.type_url.split('.').pop()} ${res.nonce}: ${[...added, ...removed].join(',')}`;
}

describe('DeltaStream', () => {
  let h: StreamHarness<DeltaDiscoveryResponse>;
  let stream: DeltaStream;

  const request = (typeUrl: string, extra: Partial<DeltaDiscoveryRequest> = {}): void => stream.handle({ type_url: typeUrl, ...extra });
  const ack = (res: DeltaDiscoveryResponse | undefined, extra: Partial<DeltaDiscoveryRequest> = {}): void => {
    assert.ok(res);
    request(res.type_url, { response_nonce: res.nonce, ...extra });
  };
  const sent = (): string[] => h.take().map(show);

  beforeEach(() => {
    h = new StreamHarness();
    stream = new DeltaStream(h.context());
    stream.start();
  });

  afterEach(() => stream.close());

  it('treats an empty first CDS request as a wildcard and sends every cluster with a system version', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1', b: 'v1' } }));
    request(CDS);
    const [res] = h.sent;
    assert.deepEqual(sent(), ['Cluster 1: +a@v1,+b@v1']);
    assert.equal(res?.system_version_info, versionInfo([['a', 'v1'], ['b', 'v1']]));
  });

  it('answers the first wildcard request even when there is nothing, and stays quiet after', () => {
    h.cache.set('node-1', snapshotOf({}));
    request(LDS);
    const [res] = h.take();
    assert.equal(res?.resources.length, 0);
    ack(res);
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1' } }));
    assert.deepEqual(sent(), []);
  });

  it('sends only changed resources and removes deleted ones', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1', b: 'v1', c: 'v1' } }));
    request(CDS);
    ack(h.take()[0]);
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1', b: 'v2' } }));
    assert.deepEqual(sent(), ['Cluster 2: +b@v2,-c']);
  });

  it('does not re-send what the client reports in initial_resource_versions', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1', b: 'v2', c: 'v1' } }));
    request(CDS, { resource_names_subscribe: ['*'], initial_resource_versions: { a: 'v1', b: 'v1', gone: 'v1' } });
    assert.deepEqual(sent(), ['Cluster 1: +b@v2,+c@v1,-gone']);
  });

  it('sends nothing on reconnect when the client is up to date, except a first wildcard answer', () => {
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1' } }));
    request(EDS, { resource_names_subscribe: ['a'], initial_resource_versions: { a: 'v1' } });
    assert.deepEqual(sent(), []);
  });

  it('reports subscribed names that do not exist once, and sends them when they appear', () => {
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1' } }));
    request(EDS, { resource_names_subscribe: ['a', 'x'] });
    ack(h.sent[0]);
    assert.deepEqual(sent(), ['ClusterLoadAssignment 1: +a@v1,-x']);
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v2' } }));
    assert.deepEqual(sent(), ['ClusterLoadAssignment 2: +a@v2'], 'x is not reported twice');
    ack({ type_url: EDS, nonce: '2' } as DeltaDiscoveryResponse);
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v2', x: 'v1' } }));
    assert.deepEqual(sent(), ['ClusterLoadAssignment 3: +x@v1']);
  });

  it('re-sends a resource subscribed again by name even if the client has it', () => {
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1' } }));
    request(EDS, { resource_names_subscribe: ['a'] });
    ack(h.take()[0]);
    request(EDS, { resource_names_subscribe: ['a'] });
    assert.deepEqual(sent(), ['ClusterLoadAssignment 2: +a@v1']);
  });

  it('needs no response to an unsubscription, and re-sends after re-subscribing', () => {
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1', b: 'v1' } }));
    request(EDS, { resource_names_subscribe: ['a', 'b'] });
    ack(h.take()[0]);
    request(EDS, { resource_names_unsubscribe: ['b'] });
    assert.deepEqual(sent(), []);
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1', b: 'v2' } }));
    assert.deepEqual(sent(), []);
    request(EDS, { resource_names_subscribe: ['b'] });
    assert.deepEqual(sent(), ['ClusterLoadAssignment 2: +b@v2']);
  });

  it('answers an unsubscription of a name also covered by the wildcard', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1' } }));
    request(CDS, { resource_names_subscribe: ['*', 'a', 'x'] });
    assert.deepEqual(sent(), ['Cluster 1: +a@v1,-x']);
    ack({ type_url: CDS, nonce: '1' } as DeltaDiscoveryResponse);
    request(CDS, { resource_names_unsubscribe: ['a', 'x'] });
    assert.deepEqual(sent(), ['Cluster 2: +a@v1,-x']);
  });

  it('honours "*" unsubscription: wildcard-only resources are forgotten, explicit ones kept', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1', b: 'v1' } }));
    request(CDS, { resource_names_subscribe: ['*', 'a'] });
    ack(h.take()[0]);
    request(CDS, { resource_names_unsubscribe: ['*'] });
    assert.equal(stream.typeState(CDS)?.subscription.wildcard, false);
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v2', b: 'v2' } }));
    assert.deepEqual(sent(), ['Cluster 2: +a@v2']);
    ack({ type_url: CDS, nonce: '2' } as DeltaDiscoveryResponse);
    request(CDS);
    assert.equal(stream.typeState(CDS)?.subscription.wildcard, false, 'the legacy wildcard is gone once names were given');
  });

  it('records ACK and NACK by nonce; a NACK is not answered by a re-send', () => {
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v1' } }));
    request(CDS);
    const [first] = h.take();
    ack(first);
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'bad' } }));
    const [bad] = h.take();
    ack(bad, { error_detail: { code: 3, message: 'nope' } });
    assert.deepEqual(
      h.events.map((e) => `${e.kind} ${e.nonce} ${e.version}`),
      [`ack 1 ${first?.system_version_info}`, `nack 2 ${bad?.system_version_info}`],
    );
    assert.equal(stream.typeState(CDS)?.ackedVersion, first?.system_version_info);
    assert.deepEqual(sent(), []);
    h.cache.set('node-1', snapshotOf({ [CDS]: { a: 'v3' } }));
    assert.deepEqual(sent(), ['Cluster 3: +a@v3']);
  });

  it('honours the subscription of a stale request, answering once the pending response is answered', () => {
    h.cache.set('node-1', snapshotOf({ [EDS]: { a: 'v1', b: 'v1' } }));
    request(EDS, { resource_names_subscribe: ['a'] });
    const [first] = h.take();
    request(EDS, { resource_names_subscribe: ['b'] }); // spontaneous, no nonce, crosses response 1
    assert.deepEqual(sent(), []);
    assert.equal(h.events.length, 0);
    ack(first);
    assert.deepEqual(sent(), ['ClusterLoadAssignment 2: +b@v1']);
  });
});
