import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnavailableError } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { ensureAdminTokenFile } from './admin-token';
import { RevocationList, USER_TOKEN_REVOCATIONS } from './revocations';
import { SigningKeyManager, USER_TOKEN_SIGNING_KEY_PREFIX } from './signing-keys';
import { UserTokenIssuer, UserTokenValidator } from './user-tokens';

const START = new Date('2030-01-01T00:00:00Z');
const DAY = 86_400_000;

describe('ensureAdminTokenFile', () => {
  let dir: string;
  let path: string;
  let store: MemoryStore;
  let now: Date;
  let keys: SigningKeyManager;
  let revocations: RevocationList;
  let issuer: UserTokenIssuer;
  let validator: UserTokenValidator;
  const ensure = () => ensureAdminTokenFile({ path, issuer, validator, validForMs: DAY });
  const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;
  const content = async (): Promise<string> => (await readFile(path, 'utf8')).trim();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mycel-admin-token-'));
    path = join(dir, 'nested', 'cp', 'admin-token');
    store = new MemoryStore();
    now = START;
    keys = new SigningKeyManager({ store, type: 'GlobalSecret', prefix: USER_TOKEN_SIGNING_KEY_PREFIX });
    revocations = new RevocationList({ store, type: 'GlobalSecret', name: USER_TOKEN_REVOCATIONS });
    issuer = new UserTokenIssuer({ keys, now: () => now });
    validator = new UserTokenValidator({ keys, revocations, now: () => now });
    await keys.ensureKey();
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the file (0600) and its directory (0700) with a valid admin token', async () => {
    const result = await ensure();
    assert.deepEqual(result, { path, created: true });
    assert.equal(await mode(path), 0o600);
    assert.equal(await mode(join(dir, 'nested', 'cp')), 0o700);
    const identity = await validator.validate(await content());
    assert.equal(identity.role, 'admin');
    assert.equal(identity.name, 'admin');
    assert.deepEqual(await readdir(join(dir, 'nested', 'cp')), ['admin-token'], 'no temp file left behind');
    assert.ok(!JSON.stringify(result).includes(await content()), 'the result does not carry the token');
  });

  it('reuses a valid admin token and tightens a loose mode', async () => {
    await ensure();
    const first = await content();
    await chmod(path, 0o644);
    now = new Date(START.getTime() + DAY / 2);
    assert.deepEqual(await ensure(), { path, created: false });
    assert.equal(await content(), first);
    assert.equal(await mode(path), 0o600);
  });

  it('replaces garbage, an expired token, a revoked token, a non-admin token and one of a deleted key', async () => {
    const replaces = async (label: string): Promise<void> => {
      const before = await readFile(path, 'utf8').catch(() => '');
      assert.equal((await ensure()).created, true, label);
      assert.notEqual(await readFile(path, 'utf8'), before, label);
      assert.equal((await validator.validate(await content())).role, 'admin', label);
      assert.equal(await mode(path), 0o600, label);
    };

    await ensure();
    await writeFile(path, 'not a token\n', { mode: 0o600 });
    await replaces('garbage');

    now = new Date(now.getTime() + DAY);
    await replaces('expired');

    await revocations.revoke((await validator.validate(await content())).jti);
    await replaces('revoked');

    await writeFile(path, await issuer.issue({ name: 'admin', role: 'viewer', validForMs: DAY }));
    await replaces('viewer token');

    await keys.rotate();
    await ensure(); // still valid: key 1 verifies
    await store.delete({ type: 'GlobalSecret', name: 'user-token-signing-key-1' });
    await replaces('deleted signing key');
  });

  it('leaves the file alone when validation fails for another reason than the token', async () => {
    await ensure();
    const before = await content();
    const failing = { validate: async () => Promise.reject(new UnavailableError('store down')) };
    await assert.rejects(ensureAdminTokenFile({ path, issuer, validator: failing, validForMs: DAY }), UnavailableError);
    assert.equal(await content(), before);
  });
});
