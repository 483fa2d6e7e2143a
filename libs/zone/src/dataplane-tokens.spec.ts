import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '@mycel/core';
import type { DataplaneSpec } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { TokenRejectedError, signJwt } from '@mycel/tokens';
import type { JwtClaims, TokenRejection } from '@mycel/tokens';
import {
  DataplaneTokenForbiddenError,
  DataplaneTokenIssuer,
  DataplaneTokenRevocations,
  DataplaneTokenValidator,
  createDataplaneTokenApi,
} from './dataplane-tokens';
import type { DataplaneTokenDenial } from './dataplane-tokens';
import { MeshSigningKeys } from './mesh-keys';

const START = new Date('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;

function parts(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p] = token.split('.') as [string, string];
  const decode = (s: string): Record<string, unknown> => JSON.parse(Buffer.from(s, 'base64url').toString()) as Record<string, unknown>;
  return { header: decode(h), claims: decode(p) };
}

const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

const svc = (service: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'mycel.io/service': service, ...extra });

function spec(...inbounds: Array<Record<string, string>>): DataplaneSpec {
  return { networking: { address: '10.0.0.1', inbound: inbounds.map((tags, i) => ({ port: 8080 + i, tags })) } };
}

describe('dataplane tokens', () => {
  let store: MemoryStore;
  let now: Date;
  let keys: MeshSigningKeys;
  let revocations: DataplaneTokenRevocations;
  let issuer: DataplaneTokenIssuer;
  let validator: DataplaneTokenValidator;

  beforeEach(async () => {
    store = new MemoryStore();
    now = START;
    keys = new MeshSigningKeys({ store });
    revocations = new DataplaneTokenRevocations({ store });
    issuer = new DataplaneTokenIssuer({ keys, now: () => now });
    validator = new DataplaneTokenValidator({ keys, revocations, now: () => now });
    for (const name of ['default', 'other']) await store.create({ type: 'Mesh', name, labels: {}, spec: {} });
  });
  afterEach(async () => {
    await store.close();
  });

  async function unauthenticated(p: Promise<unknown>, reason: TokenRejection, message: RegExp): Promise<void> {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof UnauthenticatedError, `expected UnauthenticatedError, got ${String(err)}`);
      assert.ok(err instanceof TokenRejectedError);
      assert.equal(err.reason, reason);
      assert.match(err.message, message);
      return true;
    });
  }

  async function forbidden(p: Promise<unknown>, reason: DataplaneTokenDenial, message: RegExp): Promise<void> {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof ForbiddenError, `expected ForbiddenError, got ${String(err)}`);
      assert.ok(err instanceof DataplaneTokenForbiddenError);
      assert.equal(err.reason, reason);
      assert.match(err.message, message);
      return true;
    });
  }

  /** Signs `claims` with the active key of `mesh`, as the issuer would, but with claims of the test's choosing. */
  async function signed(claims: JwtClaims, mesh = 'default'): Promise<string> {
    const key = await keys.ensureForMesh(mesh);
    return signJwt(claims, { privateKey: key.privateKey, kid: key.kid });
  }

  const baseClaims = (): JwtClaims => ({
    iss: 'mycel',
    aud: 'mycel-dataplane',
    mesh: 'default',
    sub: 'web-1',
    jti: 'j1',
    iat: START.getTime() / 1000,
    exp: START.getTime() / 1000 + 3600,
  });

  describe('issue', () => {
    it('signs with the mesh key (kid = serial) and the documented claims; the mesh gets its key on first use', async () => {
      const fixed = new DataplaneTokenIssuer({ keys, now: () => now, randomBytes: (n) => Buffer.alloc(n, 7) });
      const token = await fixed.issue({ mesh: 'default', name: 'web-1', tags: { version: 'v1', 'mycel.io/service': 'web' }, validForMs: 2 * HOUR });
      const { header, claims } = parts(token);
      assert.deepEqual(header, { alg: 'ES256', kid: '1', typ: 'JWT' });
      assert.deepEqual(Object.keys(claims), ['iss', 'aud', 'mesh', 'sub', 'tags', 'jti', 'iat', 'exp']);
      assert.deepEqual(claims, {
        iss: 'mycel',
        aud: 'mycel-dataplane',
        mesh: 'default',
        sub: 'web-1',
        tags: { 'mycel.io/service': 'web', version: 'v1' },
        jti: Buffer.alloc(16, 7).toString('base64url'),
        iat: START.getTime() / 1000,
        exp: START.getTime() / 1000 + 7200,
      });
      assert.deepEqual(Object.keys((claims['tags'] as object) ?? {}), ['mycel.io/service', 'version'], 'tags sorted');
      assert.ok(await store.find({ type: 'Secret', mesh: 'default', name: 'dataplane-token-signing-key-1' }));
    });

    it('omits sub for a tags-only token and tags for a name-only token', async () => {
      assert.equal(parts(await issuer.issue({ mesh: 'default', tags: svc('web'), validForMs: HOUR })).claims['sub'], undefined);
      assert.equal(parts(await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR })).claims['tags'], undefined);
    });

    it('validates the request as untrusted input, listing every problem', async () => {
      await assert.rejects(issuer.issue({ mesh: 'Bad_Mesh', validForMs: 10 } as never), (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.deepEqual(
          err.violations.map((v) => v.field),
          ['mesh', 'validFor'],
        );
        return true;
      });
      await assert.rejects(issuer.issue({ mesh: 'default', validForMs: HOUR }), (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.deepEqual(err.violations, [{ field: 'name', reason: 'is required unless tags are given: a token must be bound to a dataplane name or to tags' }]);
        return true;
      });
      await assert.rejects(issuer.issue({ mesh: 'default', tags: { 'mycel.io/service': '' }, validForMs: HOUR }), ValidationError);
      await assert.rejects(issuer.issue({ mesh: 'default', name: 'x', validForMs: 11 * 365 * 24 * HOUR }), /validFor: must be at most 3650d/);
    });

    it('refuses a mesh that does not exist', async () => {
      await assert.rejects(issuer.issue({ mesh: 'nope', name: 'x', validForMs: HOUR }), (err: unknown) => err instanceof NotFoundError && /mesh 'nope' does not exist/.test(err.message));
    });
  });

  describe('validate', () => {
    it('accepts a name-bound token for that dataplane and returns its identity', async () => {
      const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
      const identity = await validator.validate(token, { mesh: 'default', name: 'web-1', dataplane: spec(svc('web')) });
      assert.deepEqual(identity, { mesh: 'default', name: 'web-1', jti: parts(token).claims['jti'], kid: '1', expiresAt: new Date(START.getTime() + HOUR) });
    });

    it('accepts a tags-bound token for any dataplane whose every inbound carries the tags', async () => {
      const token = await issuer.issue({ mesh: 'default', tags: svc('web', { version: 'v1' }), validForMs: HOUR });
      const identity = await validator.validate(token, { mesh: 'default', name: 'anything', dataplane: spec(svc('web', { version: 'v1', zone: 'a' }), svc('web', { version: 'v1' })) });
      assert.deepEqual(identity.tags, { 'mycel.io/service': ['web'], version: ['v1'] });
      assert.equal(identity.name, undefined);
    });

    it('refuses a missing token', async () => {
      await unauthenticated(validator.validate('', { mesh: 'default', name: 'web-1' }), 'missing', /no token given/);
    });

    it('refuses malformed tokens', async () => {
      for (const bad of ['abc', 'a.b', 'a.b.c', `${enc({ alg: 'ES256', kid: '1' })}.not-json.`, `${enc({ alg: 'ES256', kid: '1' })}.${enc([1])}.AA`]) {
        await unauthenticated(validator.validate(bad, { mesh: 'default', name: 'web-1' }), 'malformed', /token is malformed/);
      }
    });

    it('refuses an expired token, and accepts it one second before', async () => {
      const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
      now = new Date(START.getTime() + HOUR - 1000);
      await validator.validate(token, { mesh: 'default', name: 'web-1', dataplane: spec(svc('web')) });
      now = new Date(START.getTime() + HOUR);
      await unauthenticated(validator.validate(token, { mesh: 'default', name: 'web-1' }), 'expired', /expired at 2030-01-01T01:00:00.000Z/);
    });

    it('refuses a wrong signature: a tampered payload, or a key the mesh does not have', async () => {
      const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
      const [header, , signature] = token.split('.');
      const tampered = `${header}.${enc({ ...parts(token).claims, sub: 'db-1' })}.${signature}`;
      await unauthenticated(validator.validate(tampered, { mesh: 'default', name: 'db-1' }), 'bad-signature', /signature is invalid/);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const foreign = signJwt(baseClaims(), { privateKey, kid: '1' });
      await unauthenticated(validator.validate(foreign, { mesh: 'default', name: 'web-1' }), 'bad-signature', /signature is invalid/);
    });

    it("refuses 'alg: none' and every alg other than ES256", async () => {
      await keys.ensureForMesh('default');
      const none = `${enc({ alg: 'none', kid: '1', typ: 'JWT' })}.${enc(baseClaims())}.`;
      await unauthenticated(validator.validate(none, { mesh: 'default', name: 'web-1' }), 'unsupported-alg', /alg 'none' is not allowed/);
      const input = `${enc({ alg: 'HS256', kid: '1', typ: 'JWT' })}.${enc(baseClaims())}`;
      const hs256 = `${input}.${createHmac('sha256', 'secret').update(input).digest('base64url')}`;
      await unauthenticated(validator.validate(hs256, { mesh: 'default', name: 'web-1' }), 'unsupported-alg', /alg 'HS256' is not allowed/);
    });

    it('refuses a token signed with a key serial the mesh does not have', async () => {
      const key = await keys.ensureForMesh('default');
      const token = signJwt(baseClaims(), { privateKey: key.privateKey, kid: '7' });
      await unauthenticated(validator.validate(token, { mesh: 'default', name: 'web-1' }), 'unknown-kid', /unknown key '7'/);
    });

    it('refuses a token of another mesh as forbidden, naming that mesh', async () => {
      const token = await issuer.issue({ mesh: 'other', name: 'web-1', validForMs: HOUR });
      await forbidden(validator.validate(token, { mesh: 'default', name: 'web-1', dataplane: spec(svc('web')) }), 'wrong-mesh', /token is for mesh 'other', not for mesh 'default'/);
    });

    it('refuses a token claiming another mesh but signed with this mesh key (its claims are verified with the claimed mesh key)', async () => {
      await keys.ensureForMesh('other');
      const token = await signed({ ...baseClaims(), mesh: 'other' }, 'default');
      await unauthenticated(validator.validate(token, { mesh: 'default', name: 'web-1' }), 'bad-signature', /signature is invalid/);
    });

    it('refuses a revoked token, in its own mesh only', async () => {
      const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
      const other = await issuer.issue({ mesh: 'other', name: 'web-1', validForMs: HOUR });
      const jti = parts(token).claims['jti'] as string;
      await revocations.revoke('other', jti);
      await validator.validate(token, { mesh: 'default', name: 'web-1', dataplane: spec(svc('web')) });
      await revocations.revoke('default', jti);
      await unauthenticated(validator.validate(token, { mesh: 'default', name: 'web-1' }), 'revoked', /token has been revoked/);
      await validator.validate(other, { mesh: 'other', name: 'web-1', dataplane: spec(svc('web')) });
      assert.ok(await store.find({ type: 'Secret', mesh: 'default', name: 'dataplane-token-revocations' }));
    });

    it('refuses a token bound to another dataplane name', async () => {
      const token = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
      await forbidden(validator.validate(token, { mesh: 'default', name: 'web-2', dataplane: spec(svc('web')) }), 'wrong-name', /token is for dataplane 'web-1', not for 'web-2'/);
    });

    it('refuses a tags-bound token when an inbound lacks a tag or has another value (Kuma semantics: every inbound)', async () => {
      const token = await issuer.issue({ mesh: 'default', tags: svc('web', { version: 'v1' }), validForMs: HOUR });
      const target = (dataplane: DataplaneSpec) => validator.validate(token, { mesh: 'default', name: 'web-1', dataplane });
      await forbidden(target(spec(svc('web', { version: 'v1' }), svc('web'))), 'tags-mismatch', /inbound\[1\] \(port 8081\) has no tag 'version', which the token requires/);
      await forbidden(target(spec(svc('web', { version: 'v1' }), svc('db', { version: 'v1' }))), 'tags-mismatch', /inbound\[1\] \(port 8081\) has mycel.io\/service='db'; the token allows 'web'/);
      await forbidden(target(spec(svc('web', { version: 'v2' }))), 'tags-mismatch', /has version='v2'/);
      const gateway: DataplaneSpec = { networking: { address: '10.0.0.1', gateway: { type: 'BUILTIN', tags: svc('edge') } } };
      await forbidden(target(gateway), 'tags-mismatch', /gateway has mycel.io\/service='edge'/);
    });

    it('applies name and tags together when the token has both', async () => {
      const token = await issuer.issue({ mesh: 'default', name: 'web-1', tags: svc('web'), validForMs: HOUR });
      await validator.validate(token, { mesh: 'default', name: 'web-1', dataplane: spec(svc('web')) });
      await forbidden(validator.validate(token, { mesh: 'default', name: 'web-1', dataplane: spec(svc('db')) }), 'tags-mismatch', /mycel.io\/service='db'/);
    });

    it('refuses to vouch for a tags-bound token when the dataplane is not given', async () => {
      const token = await issuer.issue({ mesh: 'default', tags: svc('web'), validForMs: HOUR });
      await forbidden(validator.validate(token, { mesh: 'default', name: 'web-1' }), 'tags-unchecked', /the dataplane they must match is unknown/);
      const identity = await validator.authenticate(token, { mesh: 'default', name: 'web-1' });
      assert.deepEqual(identity.tags, { 'mycel.io/service': ['web'] });
    });

    it('accepts a tag with a list of allowed values (multi-valued tags claim)', async () => {
      const token = await signed({ ...baseClaims(), sub: undefined, tags: { 'mycel.io/service': ['api', 'web'] } });
      await validator.validate(token, { mesh: 'default', name: 'x', dataplane: spec(svc('web'), svc('api')) });
      await forbidden(validator.validate(token, { mesh: 'default', name: 'x', dataplane: spec(svc('db')) }), 'tags-mismatch', /the token allows 'api' or 'web'/);
    });

    it('refuses tokens that are not dataplane tokens: no aud (a user token), wrong iss, no binding, bad tags', async () => {
      const cases: Array<[JwtClaims, RegExp]> = [
        [{ ...baseClaims(), aud: undefined, role: 'admin' }, /must have audience 'mycel-dataplane' \(is it a user token\?\)/],
        [{ ...baseClaims(), iss: 'someone' }, /issuer must be 'mycel'/],
        [{ ...baseClaims(), sub: undefined }, /bound to neither a dataplane name nor tags/],
        [{ ...baseClaims(), tags: { a: 1 } }, /malformed tags/],
        [{ ...baseClaims(), jti: undefined }, /has no jti/],
        [{ ...baseClaims(), exp: undefined }, /no exp claim/],
      ];
      for (const [claims, message] of cases) {
        await unauthenticated(validator.validate(await signed(claims), { mesh: 'default', name: 'web-1' }), 'invalid-claims', message);
      }
    });

    it('keeps validating tokens of a rotated key until that key is deleted', async () => {
      const before = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
      const rotated = await keys.rotate('default');
      assert.equal(rotated.kid, '2');
      const after = await issuer.issue({ mesh: 'default', name: 'web-1', validForMs: HOUR });
      assert.equal(parts(after).header['kid'], '2');
      const target = { mesh: 'default', name: 'web-1', dataplane: spec(svc('web')) };
      await validator.validate(before, target);
      await validator.validate(after, target);
      await store.delete({ type: 'Secret', mesh: 'default', name: 'dataplane-token-signing-key-1' });
      await unauthenticated(validator.validate(before, target), 'unknown-kid', /unknown key '1'/);
      await validator.validate(after, target);
    });
  });

  describe('API extension', () => {
    it('issues through the issuer and revokes through the revocation lists', async () => {
      const api = createDataplaneTokenApi({ issuer, revocations });
      const token = await api.issueDataplaneToken({ mesh: 'default', name: 'web-1', validForMs: HOUR });
      await validator.validate(token, { mesh: 'default', name: 'web-1', dataplane: spec(svc('web')) });
      await api.revokeDataplaneToken('default', parts(token).claims['jti'] as string);
      await unauthenticated(validator.validate(token, { mesh: 'default', name: 'web-1' }), 'revoked', /revoked/);
      await assert.rejects(api.revokeDataplaneToken('nope', 'abc'), NotFoundError);
      await assert.rejects(api.revokeDataplaneToken('default', 'not a jti'), ValidationError);
    });
  });
});
