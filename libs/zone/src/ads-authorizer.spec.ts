import assert from 'node:assert/strict';
import { Metadata, status } from '@grpc/grpc-js';
import { ForbiddenError, MalformedInputError, NotFoundError, UnauthenticatedError, UnavailableError } from '@mycel/core';
import type { ResourceKey } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { TokenRejectedError } from '@mycel/tokens';
import type { AdsAuthorizer, AdsIdentity, AdsNode } from '@mycel/xds';
import { createAdsAuthorizer, dataplaneOfNode, tokenOfStream } from './ads-authorizer';
import { DataplaneTokenForbiddenError, DataplaneTokenIssuer, DataplaneTokenRevocations, DataplaneTokenValidator } from './dataplane-tokens';
import { MeshSigningKeys } from './mesh-keys';

const HOUR = 3_600_000;

function bearer(token: string): Metadata {
  const m = new Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
}

/** Node metadata as proto-loader decodes a Struct (the bundled well-known types have camelCase fields). */
function struct(fields: Record<string, string>): unknown {
  return { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { stringValue: v, kind: 'stringValue' }])) };
}

describe('ADS authorizer', () => {
  let store: MemoryStore;
  let issuer: DataplaneTokenIssuer;
  let revocations: DataplaneTokenRevocations;
  let authorize: AdsAuthorizer;

  beforeEach(async () => {
    store = new MemoryStore();
    const keys = new MeshSigningKeys({ store });
    revocations = new DataplaneTokenRevocations({ store });
    issuer = new DataplaneTokenIssuer({ keys, now: () => new Date() });
    authorize = createAdsAuthorizer({ store, validator: new DataplaneTokenValidator({ keys, revocations, now: () => new Date() }) });
    for (const mesh of ['default', 'other', 'a.b']) await store.create({ type: 'Mesh', name: mesh, labels: {}, spec: {} });
    for (const [mesh, name] of [['default', 'web-1'], ['a.b', 'c'], ['other', 'web-1']] as const) {
      await store.create({ type: 'Dataplane', mesh, name, labels: {}, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'mycel.io/service': 'web' } }] } } });
    }
  });
  afterEach(() => store.close());

  async function refused(node: AdsNode, metadata: Metadata, type: new (...args: never[]) => Error, message: RegExp): Promise<Error> {
    const result = await authorize(node, metadata);
    assert.ok(result instanceof type, `expected ${type.name}, got ${JSON.stringify(result)} ${String(result)}`);
    assert.match(result.message, message);
    return result;
  }

  it('admits a dataplane with a valid token in the authorization metadata (Envoy)', async () => {
    const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
    assert.deepEqual(await authorize({ id: 'default.web-1' }, bearer(token)), { nodeId: 'default.web-1' } satisfies AdsIdentity);
  });

  it('admits a proxyless client with its token in node metadata (Struct form)', async () => {
    const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
    const node = { id: 'default.web-1', metadata: struct({ 'mycel.io/mesh': 'default', 'mycel.io/name': 'web-1', 'mycel.io/token': token }) };
    assert.deepEqual(await authorize(node, new Metadata()), { nodeId: 'default.web-1' });
  });

  it('refuses a stream without a token, with a malformed authorization, or with two different tokens', async () => {
    const err = await refused({ id: 'default.web-1' }, new Metadata(), UnauthenticatedError, /no dataplane token/);
    assert.equal((err as TokenRejectedError).reason, 'missing');
    const basic = new Metadata();
    basic.set('authorization', 'Basic dXNlcjpwYXNz');
    await refused({ id: 'default.web-1' }, basic, UnauthenticatedError, /must be 'Bearer <dataplane token>'/);
    const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
    await refused({ id: 'default.web-1', metadata: struct({ 'mycel.io/token': 'another' }) }, bearer(token), UnauthenticatedError, /two different tokens/);
  });

  it('maps every bad token to UNAUTHENTICATED and a token for another dataplane to PERMISSION_DENIED', async () => {
    await refused({ id: 'default.web-1' }, bearer('not.a.jwt'), UnauthenticatedError, /malformed/);
    const expired = await new DataplaneTokenIssuer({ keys: new MeshSigningKeys({ store }), now: () => new Date(Date.now() - 2 * HOUR) }).issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
    await refused({ id: 'default.web-1' }, bearer(expired), UnauthenticatedError, /expired/);
    const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
    const wrongMesh = await refused({ id: 'other.web-1' }, bearer(token), ForbiddenError, /token is for mesh 'default', not for mesh 'other'/);
    assert.equal((wrongMesh as DataplaneTokenForbiddenError).reason, 'wrong-mesh');
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'web-2', labels: {}, spec: { networking: { address: '10.0.0.2', inbound: [{ port: 8080, tags: { 'mycel.io/service': 'web' } }] } } });
    await refused({ id: 'default.web-2' }, bearer(token), ForbiddenError, /token is for dataplane 'web-1'/);
    const db = await issuer.issue({ mesh: 'default', tags: { 'mycel.io/service': 'db' }, validForMs: HOUR });
    await refused({ id: 'default.web-1' }, bearer(db), ForbiddenError, /the token allows 'db'/);
    await revocations.revoke('default', JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti as string);
    await refused({ id: 'default.web-1' }, bearer(token), UnauthenticatedError, /revoked/);
  });

  it('refuses nodes whose dataplane does not exist, after checking the token', async () => {
    const token = await issuer.issue({ mesh: 'default', tags: { 'mycel.io/service': 'web' }, validForMs: HOUR });
    await refused({ id: 'default.ghost' }, bearer(token), NotFoundError, /dataplane default\/ghost does not exist/);
    await refused({ id: 'default.ghost' }, bearer('x.y.z'), UnauthenticatedError, /malformed/);
  });

  it('resolves dotted names: node metadata says where the mesh ends, else the first dot does', async () => {
    const token = await issuer.issue({ mesh: 'a.b', name: 'c', validForMs: HOUR });
    const node = { id: 'a.b.c', metadata: { 'mycel.io/mesh': 'a.b', 'mycel.io/name': 'c' } };
    assert.deepEqual(await authorize(node, bearer(token)), { nodeId: 'a.b.c' });
    assert.deepEqual(dataplaneOfNode({ id: 'a.b.c' }), { mesh: 'a', name: 'b.c', nodeId: 'a.b.c' });
  });

  it('refuses node ids that do not name a dataplane or contradict the node metadata (INVALID_ARGUMENT)', async () => {
    const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
    await refused({ id: 'web-1' }, bearer(token), MalformedInputError, /must be <mesh>.<name>/);
    await refused({ id: 'default.' }, bearer(token), MalformedInputError, /must be <mesh>.<name>/);
    await refused({ id: 'Default.web-1' }, bearer(token), MalformedInputError, /does not name a dataplane: mesh must consist/);
    await refused({ id: 'default.web-1', metadata: { 'mycel.io/mesh': 'default', 'mycel.io/name': 'web-2' } }, bearer(token), MalformedInputError, /node id 'default.web-1' must be 'default.web-2'/);
    await refused({ id: 'default.web-1', metadata: { 'mycel.io/mesh': 'default' } }, bearer(token), MalformedInputError, /both mycel.io\/mesh and mycel.io\/name/);
  });

  it('lets store failures reject instead of blaming the client', async () => {
    const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
    const failing = Object.create(store) as MemoryStore;
    failing.find = (_key: ResourceKey) => Promise.reject(new UnavailableError('store is down'));
    const keys = new MeshSigningKeys({ store });
    const broken = createAdsAuthorizer({ store: failing, validator: new DataplaneTokenValidator({ keys, revocations, now: () => new Date() }) });
    await assert.rejects(broken({ id: 'default.web-1' }, bearer(token)), UnavailableError);
  });

  it('reads tokens case-insensitively by scheme and never from more than one authorization value', () => {
    const m = new Metadata();
    m.set('authorization', 'bearer abc');
    assert.equal(tokenOfStream({ id: 'x.y' }, m), 'abc');
    m.add('authorization', 'Bearer def');
    const two = tokenOfStream({ id: 'x.y' }, m);
    assert.ok(two instanceof TokenRejectedError && /more than one/.test(two.message));
    assert.equal(status.UNAUTHENTICATED, 16, 'UnauthenticatedError maps to this status in the ADS server');
  });
});
