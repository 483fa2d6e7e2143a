import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { UnauthenticatedError } from '@mycel/core';
import { signJwt, verifyJwt, TokenRejectedError, type TokenRejection, type VerifyJwtOptions } from './jwt';

const NOW = new Date('2030-01-01T00:00:00Z');
const NOW_SEC = NOW.getTime() / 1000;

function p256(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('jwt', () => {
  const key = p256();
  const other = p256();
  const keys = new Map<string, KeyObject>([['1', key.publicKey]]);
  const opts: VerifyJwtOptions = { resolveKey: async (kid) => keys.get(kid), now: NOW };
  const claims = { iss: 'mycel', sub: 'alice', iat: NOW_SEC - 10, exp: NOW_SEC + 3600 };

  async function rejects(token: string, reason: TokenRejection, message: RegExp, o: VerifyJwtOptions = opts): Promise<void> {
    await assert.rejects(verifyJwt(token, o), (err: unknown) => {
      assert.ok(err instanceof UnauthenticatedError, `expected UnauthenticatedError, got ${String(err)}`);
      assert.ok(err instanceof TokenRejectedError);
      assert.equal(err.reason, reason);
      assert.match(err.message, message);
      assert.ok(!err.message.includes(token) || token === '', 'the message must not echo the token');
      return true;
    });
  }

  /** Builds a token from raw parts signed ES256 with `privateKey` (for headers signJwt never writes). */
  function forge(header: object, payload: object, privateKey: KeyObject = key.privateKey): string {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }

  it('round-trips claims and writes an ES256 header with kid and typ', async () => {
    const token = signJwt({ ...claims, role: 'admin', meshes: ['a'] }, { privateKey: key.privateKey, kid: '1' });
    const [h, , s] = token.split('.') as [string, string, string];
    assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'ES256', kid: '1', typ: 'JWT' });
    assert.equal(Buffer.from(s, 'base64url').length, 64, 'IEEE P1363 signature, not DER');
    assert.deepEqual(await verifyJwt(token, opts), { ...claims, role: 'admin', meshes: ['a'] });
  });

  it('accepts a private key from resolveKey and typ in any case', async () => {
    const token = forge({ alg: 'ES256', kid: '1', typ: 'jwt' }, claims);
    await verifyJwt(token, { ...opts, resolveKey: async () => key.privateKey });
  });

  it('refuses a missing token', async () => {
    await rejects('', 'missing', /no token/);
  });

  it('refuses malformed tokens', async () => {
    const good = signJwt(claims, { privateKey: key.privateKey, kid: '1' });
    const [h, p, s] = good.split('.') as [string, string, string];
    await rejects('abc', 'malformed', /expected 3 dot-separated parts, got 1/);
    await rejects(`${h}.${p}`, 'malformed', /got 2/);
    await rejects(`${good}.x`, 'malformed', /got 4/);
    await rejects(`${h}.${p}.${s}=`, 'malformed', /signature is not base64url/);
    await rejects(`${h}+.${p}.${s}`, 'malformed', /header is not base64url/);
    await rejects(`${b64('{"alg":')}.${p}.${s}`, 'malformed', /header is not UTF-8 JSON/);
    await rejects(`${h}.${b64('not json')}.${s}`, 'malformed', /payload is not UTF-8 JSON/);
    await rejects(`${h}.${b64([1, 2])}.${s}`, 'malformed', /payload is not a JSON object/);
    await rejects(`${b64({ kid: '1' })}.${p}.${s}`, 'malformed', /header has no alg/);
    // "QR" decodes to the same byte as "QQ" but is not its canonical encoding.
    await rejects(`${h}.${p}.QR`, 'malformed', /signature is not canonical/);
    await rejects('a'.repeat(9000), 'malformed', /longer than 8192/);
  });

  it('refuses an expired token, honouring clock skew', async () => {
    const token = signJwt({ ...claims, exp: NOW_SEC - 5 }, { privateKey: key.privateKey, kid: '1' });
    await rejects(token, 'expired', /expired at 2029-12-31T23:59:55.000Z/);
    await verifyJwt(token, { ...opts, clockSkewSec: 10 });
    const atExp = signJwt({ ...claims, exp: NOW_SEC }, { privateKey: key.privateKey, kid: '1' });
    await rejects(atExp, 'expired', /expired/);
  });

  it('refuses a token whose nbf is in the future, honouring clock skew', async () => {
    const token = signJwt({ ...claims, nbf: NOW_SEC + 60 }, { privateKey: key.privateKey, kid: '1' });
    await rejects(token, 'not-yet-valid', /not valid before 2030-01-01T00:01:00.000Z/);
    await verifyJwt(token, { ...opts, clockSkewSec: 60 });
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const token = signJwt(claims, { privateKey: other.privateKey, kid: '1' });
    await rejects(token, 'bad-signature', /signature is invalid/);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [h, , s] = signJwt(claims, { privateKey: key.privateKey, kid: '1' }).split('.') as [string, string, string];
    await rejects(`${h}.${b64({ ...claims, sub: 'admin' })}.${s}`, 'bad-signature', /signature is invalid/);
  });

  it('refuses a DER-encoded signature', async () => {
    const input = `${b64({ alg: 'ES256', kid: '1' })}.${b64(claims)}`;
    const der = sign('sha256', Buffer.from(input), key.privateKey).toString('base64url');
    await rejects(`${input}.${der}`, 'bad-signature', /signature is invalid/);
  });

  it("refuses alg 'none' with an empty signature", async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT', kid: '1' })}.${b64(claims)}.`;
    await rejects(token, 'unsupported-alg', /alg 'none' is not allowed; only ES256/);
  });

  it('refuses HS256 signed with the public key as the HMAC secret', async () => {
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' });
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: '1' })}.${b64(claims)}`;
    const mac = createHmac('sha256', pem).update(input).digest('base64url');
    await rejects(`${input}.${mac}`, 'unsupported-alg', /alg 'HS256' is not allowed/);
  });

  it('refuses other algorithms, including ES256 look-alikes', async () => {
    await rejects(forge({ alg: 'ES384', kid: '1' }, claims), 'unsupported-alg', /'ES384'/);
    await rejects(forge({ alg: 'es256', kid: '1' }, claims), 'unsupported-alg', /'es256'/);
  });

  it('refuses a missing or unknown kid', async () => {
    await rejects(forge({ alg: 'ES256' }, claims), 'missing-kid', /no kid/);
    await rejects(forge({ alg: 'ES256', kid: '' }, claims), 'missing-kid', /non-empty/);
    await rejects(forge({ alg: 'ES256', kid: 7 }, claims), 'missing-kid', /non-empty string/);
    await rejects(signJwt(claims, { privateKey: key.privateKey, kid: '2' }), 'unknown-kid', /unknown key '2'/);
  });

  it('refuses a typ other than JWT and any crit header', async () => {
    await rejects(forge({ alg: 'ES256', kid: '1', typ: 'at+jwt' }, claims), 'bad-typ', /typ 'at\+jwt'/);
    await rejects(forge({ alg: 'ES256', kid: '1', crit: ['b64'], b64: false }, claims), 'malformed', /critical/);
  });

  it('checks claim types, exp presence and the issuer', async () => {
    const noExp = { iss: 'mycel', sub: 'alice' };
    await rejects(forge({ alg: 'ES256', kid: '1' }, noExp), 'invalid-claims', /no exp/);
    await verifyJwt(forge({ alg: 'ES256', kid: '1' }, noExp), { ...opts, requireExp: false });
    await rejects(forge({ alg: 'ES256', kid: '1' }, { ...claims, exp: '2040' }), 'invalid-claims', /exp must be a number/);
    await rejects(forge({ alg: 'ES256', kid: '1' }, { ...claims, sub: 1 }), 'invalid-claims', /sub must be a string/);
    await rejects(forge({ alg: 'ES256', kid: '1' }, { ...claims, iss: 'evil' }), 'invalid-claims', /issuer must be 'mycel'/, {
      ...opts,
      issuer: 'mycel',
    });
  });

  it('treats keys of the wrong kind as a wiring error', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.throws(() => signJwt(claims, { privateKey: rsa.privateKey, kid: '1' }), TypeError);
    assert.throws(() => signJwt(claims, { privateKey: key.publicKey, kid: '1' }), TypeError);
    assert.throws(() => signJwt(claims, { privateKey: key.privateKey, kid: '' }), TypeError);
    const p384 = createPrivateKey(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    assert.throws(() => signJwt(claims, { privateKey: p384, kid: '1' }), /P-256/);
    const token = signJwt(claims, { privateKey: key.privateKey, kid: '1' });
    await assert.rejects(verifyJwt(token, { ...opts, resolveKey: async () => rsa.publicKey }), TypeError);
  });
});
