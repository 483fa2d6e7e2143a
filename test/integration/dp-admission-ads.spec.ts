import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { DataplaneSpec } from '@mycel/core';
import { signJwt } from '@mycel/tokens';
import { DataplaneTokenIssuer, MeshSigningKeys } from '@mycel/zone';
import { TypeUrl } from '@mycel/xds';
import { dataplaneEnvelope, jtiOf, startDpHarness } from './dp-admission-harness';
import type { DpHarness } from './dp-admission-harness';
import { DeltaTestStream, SotwTestStream, snapshot, xdsResource } from './support/ads-client';

// The token matrix against ADS over real gRPC on the dataplane port (shared with HTTP bootstrap).

const webSpec: DataplaneSpec = { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'mycel.io/service': 'web' } }] } };
const HOUR = 3_600_000;

describe('dataplane admission: ADS on the dataplane port', function () {
  let h: DpHarness;
  const streams: Array<SotwTestStream | DeltaTestStream> = [];

  beforeEach(async () => {
    h = await startDpHarness();
    await h.store.create(dataplaneEnvelope('web-1', webSpec));
    await h.store.create(dataplaneEnvelope('web-2', webSpec));
    h.cache.set('default.web-1', snapshot(xdsResource(TypeUrl.cluster, 'c1', { type: 'STATIC' })));
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await h.stop();
  });

  function sotw(token: string | undefined, nodeId = 'default.web-1'): SotwTestStream {
    const s = new SotwTestStream(h.address, nodeId, token === undefined ? {} : { metadata: { authorization: `Bearer ${token}` } });
    streams.push(s);
    return s;
  }

  /** Opens a stream, requests clusters, and expects it to end with `code` before any response. */
  async function refused(token: string | undefined, code: grpc.status, details: RegExp, nodeId = 'default.web-1'): Promise<void> {
    const s = sotw(token, nodeId);
    s.request(TypeUrl.cluster);
    const status = await s.status;
    assert.equal(grpc.status[status.code], grpc.status[code], `status of ${details}: ${status.details}`);
    assert.match(status.details, details);
    assert.equal(s.buffered, 0, 'no DiscoveryResponse before the refusal');
  }

  it('serves a dataplane whose token is valid', async () => {
    const s = sotw(await h.tokenFor('web-1'));
    s.request(TypeUrl.cluster);
    const response = await s.next();
    assert.equal(response.type_url, TypeUrl.cluster);
    assert.equal(response.resources.length, 1);
    await h.events.waitFor(/^connect default.web-1 /);
  });

  it('ends the stream UNAUTHENTICATED before any response for every bad token', async () => {
    const valid = await h.tokenFor('web-1');
    const claims = JSON.parse(Buffer.from(valid.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
    const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const expired = await new DataplaneTokenIssuer({ keys: h.keys, now: () => new Date(Date.now() - 2 * HOUR) }).issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const revoked = await h.tokenFor('web-1');
    await h.revocations.revoke('default', jtiOf(revoked));
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['missing', undefined, /no dataplane token/],
      ['malformed', 'not-a-jwt', /malformed/],
      ['expired', expired, /token expired at/],
      ['wrong signature', signJwt(claims, { privateKey, kid: '1' }), /signature is invalid/],
      ['tampered', `${valid.split('.')[0]}.${enc({ ...claims, sub: 'web-2' })}.${valid.split('.')[2]}`, /signature is invalid/],
      ['alg none', `${enc({ alg: 'none', kid: '1', typ: 'JWT' })}.${enc(claims)}.`, /alg 'none' is not allowed/],
      ['unknown key', signJwt(claims, { privateKey: (await h.keys.activeKey('default')).privateKey, kid: '9' }), /unknown key '9'/],
      ['revoked', revoked, /token has been revoked/],
    ];
    for (const [what, token, details] of cases) {
      await refused(token, grpc.status.UNAUTHENTICATED, details).catch((err: Error) => {
        throw new Error(`${what}: ${err.message}`);
      });
    }
    assert.deepEqual(h.events.lines.filter((l) => l.startsWith('connect')), [], 'no stream was admitted');
  });

  it('ends the stream PERMISSION_DENIED for a valid token that is not for this dataplane', async () => {
    await refused(await h.tokenFor('web-1', 'other'), grpc.status.PERMISSION_DENIED, /token is for mesh 'other', not for mesh 'default'/);
    await refused(await h.tokenFor('web-2'), grpc.status.PERMISSION_DENIED, /token is for dataplane 'web-2', not for 'web-1'/);
    const db = await h.issuer.issue({ mesh: 'default', tags: { 'mycel.io/service': 'db' }, validForMs: HOUR });
    await refused(db, grpc.status.PERMISSION_DENIED, /has mycel.io\/service='web'; the token allows 'db'/);
  });

  it('refuses unknown dataplanes and node ids that name none', async () => {
    const token = await h.issuer.issue({ mesh: 'default', tags: { 'mycel.io/service': 'web' }, validForMs: HOUR });
    await refused(token, grpc.status.NOT_FOUND, /dataplane default\/ghost does not exist/, 'default.ghost');
    await refused(token, grpc.status.INVALID_ARGUMENT, /must be <mesh>.<name>/, 'nodot');
  });

  it('admits a tags-bound token for any dataplane carrying the tags, and stops admitting once the key is deleted', async () => {
    const token = await h.issuer.issue({ mesh: 'default', tags: { 'mycel.io/service': 'web' }, validForMs: HOUR });
    h.cache.set('default.web-2', snapshot(xdsResource(TypeUrl.cluster, 'c2', { type: 'STATIC' })));
    const s = sotw(token, 'default.web-2');
    s.request(TypeUrl.cluster);
    assert.equal((await s.next()).resources.length, 1);
    // Rotation keeps the old key verifying; deleting it is what invalidates its tokens.
    await new MeshSigningKeys({ store: h.store }).rotate('default');
    await h.store.delete({ type: 'Secret', mesh: 'default', name: 'dataplane-token-signing-key-1' });
    await refused(token, grpc.status.UNAUTHENTICATED, /unknown key '1'/, 'default.web-2');
  });

  it('takes the token from node metadata (proxyless clients) and applies the same checks on delta streams', async () => {
    const token = await h.tokenFor('web-1');
    const s = sotw(undefined);
    // google.protobuf.Value comes from protobufjs's bundled well-known types, whose fields are camelCase.
    const metadata = { fields: { 'mycel.io/mesh': { stringValue: 'default' }, 'mycel.io/name': { stringValue: 'web-1' }, 'mycel.io/token': { stringValue: token } } };
    s.request(TypeUrl.cluster, [], { node: { id: 'default.web-1', metadata } });
    assert.equal((await s.next()).resources.length, 1);

    const delta = new DeltaTestStream(h.address, 'default.web-1', { metadata: { authorization: 'Bearer nope' } });
    streams.push(delta);
    delta.request(TypeUrl.cluster, { subscribe: ['*'] });
    const status = await delta.status;
    assert.equal(status.code, grpc.status.UNAUTHENTICATED);
    assert.equal(delta.buffered, 0);
    const good = new DeltaTestStream(h.address, 'default.web-1', { metadata: { authorization: `Bearer ${token}` } });
    streams.push(good);
    good.request(TypeUrl.cluster, { subscribe: ['*'] });
    assert.equal((await good.next()).resources.length, 1);
  });

  it('cancels streams still open after the shutdown grace period, even when the ADS server was not closed first', async () => {
    const s = sotw(await h.tokenFor('web-1'));
    s.request(TypeUrl.cluster);
    await s.next();
    await h.dp.stop();
    const status = await s.status;
    assert.notEqual(status.code, grpc.status.OK, `stream ended with ${grpc.status[status.code]}`);
  });

  it('serves gRPC and HTTP/1.1 side by side on the one port', async () => {
    const s = sotw(await h.tokenFor('web-1'));
    s.request(TypeUrl.cluster);
    await s.next();
    const res = await h.http.get('/healthz');
    assert.equal(res.status, 200);
    const again = sotw(await h.tokenFor('web-1'));
    again.request(TypeUrl.cluster);
    await again.next();
  });
});
