import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { NotFoundError } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { signJwt, verifyJwt, TokenRejectedError } from './jwt';
import { InvalidSigningKeyError, SigningKeyManager, USER_TOKEN_SIGNING_KEY_PREFIX, DATAPLANE_TOKEN_SIGNING_KEY_PREFIX } from './signing-keys';

const NOW = new Date('2030-01-01T00:00:00Z');
const CLAIMS = { sub: 'alice', exp: NOW.getTime() / 1000 + 60 };

const pem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }).toString();

function userKeys(store: MemoryStore): SigningKeyManager {
  return new SigningKeyManager({ store, type: 'GlobalSecret', prefix: USER_TOKEN_SIGNING_KEY_PREFIX });
}

async function sign(keys: SigningKeyManager): Promise<string> {
  return signJwt(CLAIMS, await keys.activeKey());
}

async function verify(keys: SigningKeyManager, token: string): Promise<unknown> {
  return verifyJwt(token, { resolveKey: (kid) => keys.publicKey(kid), now: NOW });
}

describe('SigningKeyManager', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('has no active key before ensureKey', async () => {
    const keys = userKeys(store);
    await assert.rejects(keys.activeKey(), NotFoundError);
    assert.deepEqual(await keys.listKids(), []);
    assert.equal(await keys.publicKey('1'), undefined);
  });

  it('ensureKey creates serial 1 once and is idempotent', async () => {
    const keys = userKeys(store);
    const first = await keys.ensureKey();
    assert.equal(first.kid, '1');
    assert.equal(first.created, true);
    const again = await keys.ensureKey();
    assert.equal(again.created, false);
    assert.equal(pem(again.privateKey), pem(first.privateKey));
    assert.deepEqual(await keys.listKids(), ['1']);

    const stored = await store.get({ type: 'GlobalSecret', name: 'user-token-signing-key-1' });
    const data = (stored.spec as { data: string }).data;
    assert.match(Buffer.from(data, 'base64').toString('utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(Buffer.from(data, 'base64').toString('base64'), data, 'standard padded base64');
  });

  it('concurrent ensureKey calls from separate managers end with one key', async () => {
    const managers = Array.from({ length: 8 }, () => userKeys(store));
    const results = await Promise.all(managers.map((m) => m.ensureKey()));
    assert.deepEqual(await userKeys(store).listKids(), ['1']);
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => pem(r.privateKey))).size, 1, 'every caller uses the same key');
  });

  it('rotate adds serial + 1, signs with it, and keeps old tokens valid', async () => {
    const keys = userKeys(store);
    await keys.ensureKey();
    const before = await sign(keys);
    const rotated = await keys.rotate();
    assert.equal(rotated.kid, '2');
    assert.equal((await keys.activeKey()).kid, '2');
    assert.deepEqual(await keys.listKids(), ['1', '2']);
    const after = await sign(keys);
    assert.equal(JSON.parse(Buffer.from(after.split('.')[0] as string, 'base64url').toString()).kid, '2');
    await verify(keys, before);
    await verify(keys, after);
  });

  it('concurrent rotations from two processes add one key', async () => {
    const a = userKeys(store);
    await a.ensureKey();
    const [ra, rb] = await Promise.all([a.rotate(), userKeys(store).rotate()]);
    assert.deepEqual(await a.listKids(), ['1', '2']);
    assert.equal(ra.kid, '2');
    assert.equal(pem(ra.privateKey), pem(rb.privateKey));
  });

  it('a key deleted from the store stops verifying its tokens, even once cached', async () => {
    const keys = userKeys(store);
    await keys.ensureKey();
    const old = await sign(keys);
    await verify(keys, old); // caches key 1
    await keys.rotate();
    const fresh = await sign(keys);
    await store.delete({ type: 'GlobalSecret', name: 'user-token-signing-key-1' });
    await assert.rejects(verify(keys, old), (err: unknown) => err instanceof TokenRejectedError && err.reason === 'unknown-kid');
    await verify(keys, fresh);
    assert.deepEqual(await keys.listKids(), ['2']);
  });

  it('falls back to the highest remaining serial when the newest key is deleted', async () => {
    const keys = userKeys(store);
    await keys.ensureKey();
    await keys.rotate();
    await store.delete({ type: 'GlobalSecret', name: 'user-token-signing-key-2' });
    assert.equal((await keys.activeKey()).kid, '1');
    assert.equal((await keys.rotate()).kid, '2');
  });

  it('picks up a key replaced in the store instead of serving the cached one', async () => {
    const keys = userKeys(store);
    await keys.ensureKey();
    const old = await sign(keys);
    await verify(keys, old);
    // Replace key 1 with other material (as a restore from another cluster would).
    const other = userKeys(new MemoryStore());
    const otherKey = await other.ensureKey();
    await store.update({
      type: 'GlobalSecret',
      name: 'user-token-signing-key-1',
      labels: {},
      spec: { data: Buffer.from(pem(otherKey.privateKey)).toString('base64') },
    });
    await assert.rejects(verify(keys, old), (err: unknown) => err instanceof TokenRejectedError && err.reason === 'bad-signature');
  });

  it('ignores secrets that only look like keys and kids that are not serials', async () => {
    const keys = userKeys(store);
    for (const name of ['user-token-signing-key-01', 'user-token-signing-key-x', 'my-user-token-signing-key-7', 'user-token-signing-key-2.old']) {
      await store.create({ type: 'GlobalSecret', name, labels: {}, spec: { data: 'AAAA' } });
    }
    assert.deepEqual(await keys.listKids(), []);
    await keys.ensureKey();
    assert.deepEqual(await keys.listKids(), ['1']);
    for (const kid of ['0', '01', '1.0', '1e0', 'abc', '', ' 1', '9999999999']) assert.equal(await keys.publicKey(kid), undefined, kid);
  });

  it('refuses unusable key material with InvalidSigningKeyError', async () => {
    const keys = userKeys(store);
    await store.create({ type: 'GlobalSecret', name: 'user-token-signing-key-1', labels: {}, spec: { data: 'AAAA' } });
    await assert.rejects(keys.activeKey(), InvalidSigningKeyError);
    await assert.rejects(keys.publicKey('1'), (err: unknown) => err instanceof InvalidSigningKeyError && err.code === 'INTERNAL');
  });

  it('keeps dataplane keys as Secrets of one mesh, separate from other meshes', async () => {
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await store.create({ type: 'Mesh', name: 'other', labels: {}, spec: {} });
    const dp = new SigningKeyManager({ store, type: 'Secret', mesh: 'default', prefix: DATAPLANE_TOKEN_SIGNING_KEY_PREFIX });
    const otherMesh = new SigningKeyManager({ store, type: 'Secret', mesh: 'other', prefix: DATAPLANE_TOKEN_SIGNING_KEY_PREFIX });
    await dp.ensureKey();
    await store.get({ type: 'Secret', mesh: 'default', name: 'dataplane-token-signing-key-1' });
    assert.deepEqual(await otherMesh.listKids(), []);
    const token = await sign(dp);
    await assert.rejects(verify(otherMesh, token), (err: unknown) => err instanceof TokenRejectedError && err.reason === 'unknown-kid');
    await verify(dp, token);
  });

  it('refuses a location whose mesh does not fit its type, and a bad prefix', () => {
    assert.throws(() => new SigningKeyManager({ store, type: 'Secret', prefix: 'k' }), TypeError);
    assert.throws(() => new SigningKeyManager({ store, type: 'GlobalSecret', mesh: 'm', prefix: 'k' }), TypeError);
    assert.throws(() => new SigningKeyManager({ store, type: 'GlobalSecret', prefix: 'Bad_Prefix' }), TypeError);
  });
});
