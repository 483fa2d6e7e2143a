import assert from 'node:assert/strict';
import { ConflictError, ValidationError, type ResourceInput } from '@mycel/core';
import { MemoryStore, type ResourceStore, type WriteOptions } from '@mycel/store';
import { RevocationList, USER_TOKEN_REVOCATIONS } from './revocations';

function list(store: ResourceStore, maxAttempts?: number): RevocationList {
  return new RevocationList({ store, type: 'GlobalSecret', name: USER_TOKEN_REVOCATIONS, ...(maxAttempts ? { maxAttempts } : {}) });
}

/** A ResourceStore forwarding every call to `inner`, for fakes that override one method. */
function delegate(inner: ResourceStore): ResourceStore {
  return {
    get: (k) => inner.get(k),
    find: (k) => inner.find(k),
    list: (q) => inner.list(q),
    create: (i) => inner.create(i),
    update: (i, o) => inner.update(i, o),
    delete: (k, o) => inner.delete(k, o),
    head: () => inner.head(),
    watch: (o) => inner.watch(o),
    close: () => inner.close(),
  };
}

/** A store whose updates always lose a race. */
function alwaysConflicting(inner: ResourceStore): ResourceStore {
  return {
    ...delegate(inner),
    update: async (_i: ResourceInput, _o?: WriteOptions) => {
      throw new ConflictError('version moved');
    },
  };
}

describe('RevocationList', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('reports nothing revoked before the secret exists', async () => {
    assert.equal(await list(store).isRevoked('abc'), false);
  });

  it('revokes, is idempotent, and stores sorted newline-separated ids', async () => {
    const revocations = list(store);
    await revocations.revoke('zzz');
    await revocations.revoke('aaa');
    await revocations.revoke('zzz');
    assert.equal(await revocations.isRevoked('zzz'), true);
    assert.equal(await revocations.isRevoked('aaa'), true);
    assert.equal(await revocations.isRevoked('bbb'), false);
    const secret = await store.get({ type: 'GlobalSecret', name: 'user-token-revocations' });
    assert.equal(Buffer.from((secret.spec as { data: string }).data, 'base64').toString(), 'aaa\nzzz\n');
    assert.equal(secret.version, '2', 'the repeated revoke wrote nothing');
  });

  it('sees revocations made by another instance (another process)', async () => {
    const a = list(store);
    const b = list(store);
    assert.equal(await a.isRevoked('x'), false);
    await b.revoke('x');
    assert.equal(await a.isRevoked('x'), true);
  });

  it('loses no revocation under concurrent writers', async () => {
    let lostRaces = 0;
    const counting: ResourceStore = {
      ...delegate(store),
      create: async (i) => {
        try {
          return await store.create(i);
        } catch (err) {
          lostRaces++;
          throw err;
        }
      },
      update: async (i, o) => {
        try {
          return await store.update(i, o);
        } catch (err) {
          lostRaces++;
          throw err;
        }
      },
    };
    const ids = Array.from({ length: 12 }, (_, i) => `jti-${i}`);
    await Promise.all(ids.map((id) => list(counting).revoke(id)));
    assert.ok(lostRaces > 0, 'the writers did race');
    const check = list(store);
    for (const id of ids) assert.equal(await check.isRevoked(id), true, id);
  });

  it('gives up with ConflictError after maxAttempts', async () => {
    await list(store).revoke('first');
    await assert.rejects(list(alwaysConflicting(store), 3).revoke('second'), (err: unknown) => {
      assert.ok(err instanceof ConflictError);
      assert.match(err.message, /GlobalSecret user-token-revocations after 3 attempts/);
      return true;
    });
  });

  it('refuses ids that cannot be one line of the list', async () => {
    for (const bad of ['', 'a\nb', 'a b', 'x'.repeat(257)]) {
      await assert.rejects(list(store).revoke(bad), (err: unknown) => err instanceof ValidationError && err.violations[0]?.field === 'jti');
    }
  });

  it('works as a mesh-scoped Secret', async () => {
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const dp = new RevocationList({ store, type: 'Secret', mesh: 'default', name: 'dataplane-token-revocations' });
    await dp.revoke('j1');
    assert.equal(await dp.isRevoked('j1'), true);
    assert.equal(await list(store).isRevoked('j1'), false);
  });
});
