import assert from 'node:assert/strict';
import { createAccount, createOperator, createUser } from '@nats-io/nkeys';
import { base32, decodeNatsJwt, encodeNatsJwt, formatCreds, natsJwtTimeProblem, parseCreds } from './nats-jwt';
import type { NatsClaimsInput } from './nats-jwt';
import { violationsOf } from '@mycel/testing';

const NOW = 1_800_000_000;

/** Re-encodes a JWT part as JSON after `edit`, keeping the other parts (so the signature no longer matches). */
function editPart(token: string, index: 0 | 1, edit: (json: Record<string, unknown>) => void): string {
  const parts = token.split('.');
  const json = JSON.parse(Buffer.from(parts[index] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
  edit(json);
  parts[index] = Buffer.from(JSON.stringify(json)).toString('base64url');
  return parts.join('.');
}

describe('NATS JWT', () => {
  const account = createAccount();
  const user = createUser();
  const userClaims: NatsClaimsInput = {
    sub: user.getPublicKey(),
    name: 'zone-east',
    exp: NOW + 60,
    nats: { type: 'user', version: 2, pub: { allow: ['$KV.mycel-zone-east.>'] }, sub: { allow: ['_INBOX.zone-east.>'] }, issuer_account: account.getPublicKey() },
  };

  it('round-trips: header, claims, iat, iss and a content-derived jti', () => {
    const token = encodeNatsJwt(userClaims, account, NOW);
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const { header, claims } = decodeNatsJwt(token);
    assert.deepEqual(header, { typ: 'JWT', alg: 'ed25519-nkey' });
    assert.equal(claims.iss, account.getPublicKey());
    assert.equal(claims.sub, user.getPublicKey());
    assert.equal(claims.iat, NOW);
    assert.equal(claims.exp, NOW + 60);
    assert.equal(claims.name, 'zone-east');
    assert.deepEqual(claims.nats, userClaims.nats);
    assert.match(claims.jti, /^[A-Z2-7]{52}$/, 'base32 of 32 bytes without padding');
    assert.equal(decodeNatsJwt(encodeNatsJwt(userClaims, account, NOW)).claims.jti, claims.jti, 'same claims, same jti');
    assert.notEqual(decodeNatsJwt(encodeNatsJwt(userClaims, account, NOW + 1)).claims.jti, claims.jti);
  });

  it('refuses a token whose payload was changed or that another key signed', () => {
    const token = encodeNatsJwt(userClaims, account, NOW);
    const widened = editPart(token, 1, (c) => {
      (c['nats'] as Record<string, unknown>)['pub'] = { allow: ['>'] };
    });
    assert.deepEqual(violationsOf(() => decodeNatsJwt(widened)), [`token.signature: does not verify with the issuer key ${account.getPublicKey()}`]);
    const other = createAccount();
    const impostor = editPart(encodeNatsJwt(userClaims, other, NOW), 1, (c) => {
      c['iss'] = account.getPublicKey();
    });
    assert.deepEqual(violationsOf(() => decodeNatsJwt(impostor)), [`token.signature: does not verify with the issuer key ${account.getPublicKey()}`]);
  });

  it('reports every claim problem with its field path', () => {
    const token = encodeNatsJwt(userClaims, account, NOW);
    assert.deepEqual(violationsOf(() => decodeNatsJwt('not-a-jwt')), ['token: must be a JWT: three base64url parts separated by dots']);
    assert.deepEqual(
      violationsOf(() => decodeNatsJwt(editPart(token, 0, (h) => void (h['alg'] = 'ES256')), 'kds.zoneTokenFile')),
      ['kds.zoneTokenFile.header.alg: must be ed25519-nkey, got "ES256"'],
    );
    const broken = editPart(token, 1, (c) => {
      delete c['name'];
      c['exp'] = 'tomorrow';
      c['sub'] = 'UNOTAKEY';
      (c['nats'] as Record<string, unknown>)['version'] = 1;
    });
    assert.deepEqual(violationsOf(() => decodeNatsJwt(broken)), [
      'token.claims.name: must be a non-empty string',
      'token.claims.exp: must be a time in Unix seconds',
      'token.claims.nats.version: must be 2, got 1',
      'token.claims.sub: must be a public user nkey (U…)',
    ]);
    const operatorSigned = encodeNatsJwt(userClaims, createOperator(), NOW);
    assert.deepEqual(violationsOf(() => decodeNatsJwt(operatorSigned)), ['token.claims.iss: must be a public A… nkey for a user JWT']);
    const noType = editPart(token, 1, (c) => void ((c['nats'] as Record<string, unknown>)['type'] = 'server'));
    assert.deepEqual(violationsOf(() => decodeNatsJwt(noType)), ['token.claims.nats.type: must be operator, account or user, got "server"']);
  });

  it('says when a token expired', () => {
    const { claims } = decodeNatsJwt(encodeNatsJwt(userClaims, account, NOW));
    assert.equal(natsJwtTimeProblem(claims, NOW + 59), undefined);
    assert.equal(natsJwtTimeProblem(claims, NOW + 60), `expired at ${new Date((NOW + 60) * 1000).toISOString()}`);
    const { exp: _exp, ...forever } = userClaims;
    assert.equal(natsJwtTimeProblem(decodeNatsJwt(encodeNatsJwt(forever, account, NOW)).claims, NOW * 2), undefined);
  });

  it('writes and reads creds files without ever putting the seed in an error', () => {
    const jwt = encodeNatsJwt(userClaims, account, NOW);
    const seed = new TextDecoder().decode(user.getSeed());
    const creds = formatCreds(jwt, seed);
    assert.match(creds, /^-----BEGIN NATS USER JWT-----\n/);
    assert.deepEqual(parseCreds(creds), { jwt, seed });
    assert.deepEqual(parseCreds(creds.replace(/\n/g, '\r\n')), { jwt, seed }, 'CRLF line ends');
    const noJwt = creds.replace(/-----BEGIN NATS USER JWT-----[\s\S]*?------END NATS USER JWT------/, '');
    assert.deepEqual(violationsOf(() => parseCreds(noJwt)), ['token: has no NATS USER JWT block (expected a NATS .creds file)']);
    try {
      parseCreds(noJwt);
    } catch (err) {
      assert.ok(!(err as Error).message.includes(seed));
    }
  });

  it('encodes base32 like RFC 4648 without padding', () => {
    assert.equal(base32(Buffer.from('')), '');
    assert.equal(base32(Buffer.from('f')), 'MY');
    assert.equal(base32(Buffer.from('foobar')), 'MZXW6YTBOI');
  });
});
