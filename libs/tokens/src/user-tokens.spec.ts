import assert from 'node:assert/strict';
import { NotFoundError, UnauthenticatedError, ValidationError } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { signJwt, TokenRejectedError, type TokenRejection } from './jwt';
import { RevocationList, USER_TOKEN_REVOCATIONS } from './revocations';
import { SigningKeyManager, USER_TOKEN_SIGNING_KEY_PREFIX } from './signing-keys';
import { UserTokenIssuer, UserTokenValidator, type IssueUserTokenRequest } from './user-tokens';

const START = new Date('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;

function payload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
}

describe('user tokens', () => {
  let store: MemoryStore;
  let now: Date;
  let keys: SigningKeyManager;
  let revocations: RevocationList;
  let issuer: UserTokenIssuer;
  let validator: UserTokenValidator;

  beforeEach(async () => {
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
  });

  async function refused(token: string, reason: TokenRejection, message: RegExp): Promise<void> {
    await assert.rejects(validator.validate(token), (err: unknown) => {
      assert.ok(err instanceof UnauthenticatedError);
      assert.ok(err instanceof TokenRejectedError);
      assert.equal(err.reason, reason);
      assert.match(err.message, message);
      return true;
    });
  }

  it('issues a token with the documented claims and validates it to an identity', async () => {
    const token = await issuer.issue({ name: 'alice@example.com', role: 'operator', meshes: ['b', 'a'], validForMs: 2 * HOUR });
    const claims = payload(token);
    assert.deepEqual(Object.keys(claims), ['iss', 'sub', 'role', 'meshes', 'jti', 'iat', 'exp']);
    assert.equal(claims['iss'], 'mycel');
    assert.deepEqual(claims['meshes'], ['a', 'b']);
    assert.match(claims['jti'] as string, /^[A-Za-z0-9_-]{22}$/, '128 bits, base64url');
    assert.equal(claims['iat'], START.getTime() / 1000);
    assert.equal(claims['exp'], START.getTime() / 1000 + 7200);
    assert.deepEqual(await validator.validate(token), {
      name: 'alice@example.com',
      role: 'operator',
      meshes: ['a', 'b'],
      jti: claims['jti'],
      expiresAt: new Date(START.getTime() + 2 * HOUR),
    });
  });

  it('gives admins and viewers no meshes and draws the jti from the injected randomness', async () => {
    const fixed = new UserTokenIssuer({ keys, now: () => now, randomBytes: (n) => Buffer.alloc(n, 0xff) });
    const token = await fixed.issue({ name: 'admin', role: 'admin', validForMs: HOUR });
    assert.equal(payload(token)['meshes'], undefined);
    const identity = await validator.validate(token);
    assert.deepEqual(identity.meshes, []);
    assert.equal(identity.jti, Buffer.alloc(16, 0xff).toString('base64url'));
  });

  it('refuses a token once it expires', async () => {
    const token = await issuer.issue({ name: 'v', role: 'viewer', validForMs: HOUR });
    now = new Date(START.getTime() + HOUR - 1000);
    await validator.validate(token);
    now = new Date(START.getTime() + HOUR);
    await refused(token, 'expired', /expired at 2030-01-01T01:00:00.000Z/);
  });

  it('tolerates the configured clock skew', async () => {
    const token = await issuer.issue({ name: 'v', role: 'viewer', validForMs: HOUR });
    now = new Date(START.getTime() + HOUR + 5000);
    await new UserTokenValidator({ keys, revocations, now: () => now, clockSkewSec: 10 }).validate(token);
  });

  it('refuses a revoked token and no other', async () => {
    const a = await issuer.issue({ name: 'a', role: 'viewer', validForMs: HOUR });
    const b = await issuer.issue({ name: 'b', role: 'viewer', validForMs: HOUR });
    await revocations.revoke((await validator.validate(a)).jti);
    await refused(a, 'revoked', /revoked/);
    await validator.validate(b);
  });

  it('refuses missing, malformed and foreign tokens', async () => {
    await refused('', 'missing', /no token/);
    await refused('Bearer x', 'malformed', /3 dot-separated parts/);
    const foreign = new SigningKeyManager({ store: new MemoryStore(), type: 'GlobalSecret', prefix: USER_TOKEN_SIGNING_KEY_PREFIX });
    await foreign.ensureKey();
    const forged = await new UserTokenIssuer({ keys: foreign, now: () => now }).issue({ name: 'x', role: 'admin', validForMs: HOUR });
    await refused(forged, 'bad-signature', /signature is invalid/);
  });

  it('refuses well-signed tokens whose claims are not a user token', async () => {
    const key = await keys.activeKey();
    const exp = START.getTime() / 1000 + 60;
    const base = { iss: 'mycel', sub: 'x', role: 'viewer', jti: 'j', exp };
    await refused(signJwt({ ...base, iss: 'someone-else' }, key), 'invalid-claims', /issuer must be 'mycel'/);
    await refused(signJwt({ ...base, exp: undefined }, key), 'invalid-claims', /no exp/);
    await refused(signJwt({ ...base, role: 'root' }, key), 'invalid-claims', /unknown role/);
    await refused(signJwt({ ...base, sub: '' }, key), 'invalid-claims', /no sub/);
    await refused(signJwt({ ...base, jti: undefined }, key), 'invalid-claims', /no jti/);
    await refused(signJwt({ ...base, role: 'operator' }, key), 'invalid-claims', /operator must list its meshes/);
    await refused(signJwt({ ...base, role: 'operator', meshes: [] }, key), 'invalid-claims', /operator must list its meshes/);
    await refused(signJwt({ ...base, meshes: ['a'] }, key), 'invalid-claims', /viewer must not list meshes/);
  });

  it('needs a signing key to issue', async () => {
    const empty = new MemoryStore();
    const noKeys = new SigningKeyManager({ store: empty, type: 'GlobalSecret', prefix: USER_TOKEN_SIGNING_KEY_PREFIX });
    await assert.rejects(new UserTokenIssuer({ keys: noKeys, now: () => now }).issue({ name: 'a', role: 'admin', validForMs: HOUR }), NotFoundError);
    await empty.close();
  });

  const BAD: Array<[label: string, request: unknown, fields: string[], reason: RegExp]> = [
    ['empty object', {}, ['name', 'role', 'validFor'], /is required/],
    ['empty name', { name: '', role: 'admin', validForMs: HOUR }, ['name'], /must not be empty/],
    ['name with a space', { name: 'a b', role: 'admin', validForMs: HOUR }, ['name'], /must consist of/],
    ['name too long', { name: 'a'.repeat(254), role: 'admin', validForMs: HOUR }, ['name'], /at most 253/],
    ['unknown role', { name: 'a', role: 'root', validForMs: HOUR }, ['role'], /must be one of 'admin', 'operator', 'viewer'/],
    ['operator without meshes', { name: 'a', role: 'operator', validForMs: HOUR }, ['meshes'], /is required/],
    ['operator with no meshes', { name: 'a', role: 'operator', meshes: [], validForMs: HOUR }, ['meshes'], /at least one mesh/],
    ['bad mesh name', { name: 'a', role: 'operator', meshes: ['ok', 'Bad Mesh'], validForMs: HOUR }, ['meshes[1]'], /lowercase/],
    ['mesh not a string', { name: 'a', role: 'operator', meshes: [7], validForMs: HOUR }, ['meshes[0]'], /must be a string/],
    ['duplicate mesh', { name: 'a', role: 'operator', meshes: ['m', 'm'], validForMs: HOUR }, ['meshes[1]'], /duplicate mesh 'm'/],
    ['meshes for a viewer', { name: 'a', role: 'viewer', meshes: ['m'], validForMs: HOUR }, ['meshes'], /only operators/],
    ['validity too short', { name: 'a', role: 'admin', validForMs: 999 }, ['validFor'], /at least 1s/],
    ['validity too long', { name: 'a', role: 'admin', validForMs: 11 * 365 * 24 * HOUR }, ['validFor'], /at most 3650d/],
    ['fractional validity', { name: 'a', role: 'admin', validForMs: 1500.5 }, ['validFor'], /whole number of milliseconds, got 1500.5/],
    ['validity as a string', { name: 'a', role: 'admin', validForMs: '1h' }, ['validFor'], /got string/],
  ];
  for (const [label, request, fields, reason] of BAD) {
    it(`refuses to issue for ${label}`, async () => {
      await assert.rejects(issuer.issue(request as IssueUserTokenRequest), (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.deepEqual(
          err.violations.map((v) => v.field),
          fields,
        );
        assert.match(err.violations.map((v) => v.reason).join('; '), reason);
        return true;
      });
    });
  }
});
