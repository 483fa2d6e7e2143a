import { createHash } from 'node:crypto';
import { ValidationError } from '@mycel/core';
import type { Violation } from '@mycel/core';
import { fromPublic } from '@nats-io/nkeys';
import type { KeyPair } from '@nats-io/nkeys';

/**
 * NATS JWTs (v2, the format nats-server's decentralized auth reads): a compact JWS with header
 * `{"typ":"JWT","alg":"ed25519-nkey"}`, base64url without padding, signed with an ed25519 nkey of
 * the issuer. Claims: `jti` (base32 SHA-512/256 of the claims with an empty jti), `iat`/`exp` in
 * seconds, `iss` (the signer's public nkey), `sub` (the subject's public nkey), `name`, and the
 * type-specific `nats` object (`type`, `version: 2`, …).
 */

/** The JOSE header of every NATS JWT v2. */
export const NATS_JWT_HEADER = { typ: 'JWT', alg: 'ed25519-nkey' } as const;

/** The three claim types Mycel issues. */
export type NatsClaimType = 'operator' | 'account' | 'user';

/** The `nats` object of a claim set: its type, version 2, and type-specific fields. */
export interface NatsClaimBody {
  readonly type: NatsClaimType;
  readonly version: 2;
  readonly [field: string]: unknown;
}

/** A NATS JWT claim set. Times are Unix seconds. */
export interface NatsClaims {
  readonly jti: string;
  readonly iat: number;
  readonly iss: string;
  readonly sub: string;
  readonly name: string;
  /** Expiry (Unix seconds); absent: never expires. */
  readonly exp?: number;
  readonly nats: NatsClaimBody;
}

/** What {@link encodeNatsJwt} signs: everything but `jti`, `iat` and `iss`, which it sets. */
export interface NatsClaimsInput {
  readonly sub: string;
  readonly name: string;
  readonly exp?: number;
  readonly nats: NatsClaimBody;
}

/** A decoded NATS JWT whose signature verified against `claims.iss`. */
export interface DecodedNatsJwt {
  readonly header: { readonly typ: string; readonly alg: string };
  readonly claims: NatsClaims;
}

/** The nkey prefix letter of the subject and of the allowed issuers per claim type. */
const KEY_ROLES: Record<NatsClaimType, { readonly subject: string; readonly issuers: readonly string[] }> = {
  operator: { subject: 'O', issuers: ['O'] },
  account: { subject: 'A', issuers: ['O'] },
  user: { subject: 'U', issuers: ['A'] },
};

/** A public nkey: a role letter and 55 more base32 characters (56 in all). */
const PUBLIC_NKEY = /^[OAUNCSX][A-Z2-7]{55}$/;

/** True when `key` looks like a public nkey of role `prefix` (`O`, `A`, `U`…); the checksum is checked by {@link isValidPublicKey}. */
export function isPublicKeyOf(key: unknown, prefix: string): key is string {
  return typeof key === 'string' && PUBLIC_NKEY.test(key) && key.startsWith(prefix) && isValidPublicKey(key);
}

function isValidPublicKey(key: string): boolean {
  try {
    fromPublic(key);
    return true;
  } catch {
    // A wrong checksum or length: not a key; callers report it as a violation.
    return false;
  }
}

/**
 * Signs `input` with `signer` and returns the JWT. `iat` is `nowSec`, `iss` the signer's public key,
 * `jti` the base32 SHA-512/256 of the claims with an empty `jti` (so equal claims give equal ids).
 */
export function encodeNatsJwt(input: NatsClaimsInput, signer: KeyPair, nowSec: number): string {
  const draft = {
    jti: '',
    iat: Math.floor(nowSec),
    iss: signer.getPublicKey(),
    name: input.name,
    sub: input.sub,
    ...(input.exp !== undefined ? { exp: Math.floor(input.exp) } : {}),
    nats: input.nats,
  };
  const claims = { ...draft, jti: base32(createHash('sha512-256').update(JSON.stringify(draft)).digest()) };
  const signingInput = `${b64url(JSON.stringify(NATS_JWT_HEADER))}.${b64url(JSON.stringify(claims))}`;
  const signature = Buffer.from(signer.sign(new TextEncoder().encode(signingInput))).toString('base64url');
  return `${signingInput}.${signature}`;
}

/**
 * Decodes `token` and verifies its signature against its own `iss` key. Throws ValidationError
 * listing every problem with a field path under `field` (`token.header.alg`, `token.signature`,
 * `token.claims.sub` …). It checks the form only: whether the issuer is trusted and whether the token
 * expired are the caller's questions ({@link natsJwtTimeProblem}).
 */
export function decodeNatsJwt(token: string, field = 'token'): DecodedNatsJwt {
  const fail = (violations: Violation[]): never => {
    throw new ValidationError(`invalid NATS JWT: ${violations.map((v) => `${v.field}: ${v.reason}`).join('; ')}`, violations);
  };
  const parts = typeof token === 'string' ? token.trim().split('.') : [];
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
    fail([{ field, reason: 'must be a JWT: three base64url parts separated by dots' }]);
  }
  const [h, p, s] = parts as [string, string, string];
  const header = parseJson(h);
  const payload = parseJson(p);
  const v: Violation[] = [];
  if (!isRecord(header)) v.push({ field: `${field}.header`, reason: 'is not a JSON object' });
  else {
    if (typeof header['typ'] !== 'string' || header['typ'].toUpperCase() !== 'JWT') v.push({ field: `${field}.header.typ`, reason: `must be JWT, got ${JSON.stringify(header['typ'])}` });
    if (header['alg'] !== NATS_JWT_HEADER.alg) v.push({ field: `${field}.header.alg`, reason: `must be ${NATS_JWT_HEADER.alg}, got ${JSON.stringify(header['alg'])}` });
  }
  if (!isRecord(payload)) v.push({ field: `${field}.claims`, reason: 'is not a JSON object' });
  else claimProblems(payload, `${field}.claims`, v);
  if (v.length > 0) fail(v);
  const claims = payload as unknown as NatsClaims;
  const signature = Buffer.from(s, 'base64url');
  if (signature.length !== 64 || !fromPublic(claims.iss).verify(new TextEncoder().encode(`${h}.${p}`), signature)) {
    fail([{ field: `${field}.signature`, reason: `does not verify with the issuer key ${claims.iss}` }]);
  }
  return { header: header as unknown as DecodedNatsJwt['header'], claims };
}

function claimProblems(c: Record<string, unknown>, at: string, v: Violation[]): void {
  for (const key of ['jti', 'iss', 'sub', 'name'] as const) {
    if (typeof c[key] !== 'string' || c[key] === '') v.push({ field: `${at}.${key}`, reason: 'must be a non-empty string' });
  }
  for (const key of ['iat', 'exp'] as const) {
    if (c[key] === undefined && key === 'exp') continue;
    if (typeof c[key] !== 'number' || !Number.isInteger(c[key]) || (c[key] as number) < 0) v.push({ field: `${at}.${key}`, reason: 'must be a time in Unix seconds' });
  }
  const nats = c['nats'];
  if (!isRecord(nats)) {
    v.push({ field: `${at}.nats`, reason: 'must be an object' });
    return;
  }
  if (nats['version'] !== 2) v.push({ field: `${at}.nats.version`, reason: `must be 2, got ${JSON.stringify(nats['version'])}` });
  const type = nats['type'];
  if (type !== 'operator' && type !== 'account' && type !== 'user') {
    v.push({ field: `${at}.nats.type`, reason: `must be operator, account or user, got ${JSON.stringify(type)}` });
    return;
  }
  const roles = KEY_ROLES[type];
  if (typeof c['sub'] === 'string' && !isPublicKeyOf(c['sub'], roles.subject)) v.push({ field: `${at}.sub`, reason: `must be a public ${type} nkey (${roles.subject}…)` });
  if (typeof c['iss'] === 'string' && !roles.issuers.some((prefix) => isPublicKeyOf(c['iss'], prefix))) {
    v.push({ field: `${at}.iss`, reason: `must be a public ${roles.issuers.map((r) => `${r}…`).join(' or ')} nkey for a ${type} JWT` });
  }
  if (type === 'user' && nats['issuer_account'] !== undefined && !isPublicKeyOf(nats['issuer_account'], 'A')) {
    v.push({ field: `${at}.nats.issuer_account`, reason: 'must be a public account nkey (A…)' });
  }
}

/** Why `claims` is not valid at `nowSec` (expired), or undefined when it is. */
export function natsJwtTimeProblem(claims: NatsClaims, nowSec: number): string | undefined {
  if (claims.exp !== undefined && claims.exp > 0 && nowSec >= claims.exp) {
    return `expired at ${new Date(claims.exp * 1000).toISOString()}`;
  }
  return undefined;
}

function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    // Reported by the caller as "is not a JSON object".
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding (the encoding of NATS JWT ids). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

const CREDS_JWT = /-{3,}BEGIN NATS USER JWT-{3,}\r?\n\s*([A-Za-z0-9_.=-]+)\s*\r?\n-{3,}END NATS USER JWT-{3,}/;
const CREDS_SEED = /-{3,}BEGIN USER NKEY SEED-{3,}\r?\n\s*([A-Z2-7]+)\s*\r?\n-{3,}END USER NKEY SEED-{3,}/;

/** A NATS credentials file (`.creds`): the user JWT and its nkey seed, the format `credsAuthenticator` reads. */
export function formatCreds(jwt: string, seed: string): string {
  return [
    '-----BEGIN NATS USER JWT-----',
    jwt,
    '------END NATS USER JWT------',
    '',
    '************************* IMPORTANT *************************',
    'NKEY Seed printed below can be used to sign and prove identity.',
    'NKEYs are sensitive and should be treated as secrets.',
    '',
    '-----BEGIN USER NKEY SEED-----',
    seed,
    '------END USER NKEY SEED------',
    '',
    '*************************************************************',
    '',
  ].join('\n');
}

/**
 * The JWT and seed of a creds text. Throws ValidationError (field `field`) when either block is
 * missing; the message never contains the seed.
 */
export function parseCreds(text: string, field = 'token'): { readonly jwt: string; readonly seed: string } {
  const jwt = CREDS_JWT.exec(text)?.[1];
  const seed = CREDS_SEED.exec(text)?.[1];
  const v: Violation[] = [];
  if (jwt === undefined) v.push({ field, reason: 'has no NATS USER JWT block (expected a NATS .creds file)' });
  if (seed === undefined) v.push({ field, reason: 'has no USER NKEY SEED block (expected a NATS .creds file)' });
  if (jwt === undefined || seed === undefined) throw new ValidationError(`invalid NATS credentials: ${v.map((x) => x.reason).join('; ')}`, v);
  return { jwt, seed };
}
