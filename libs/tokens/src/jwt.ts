import { sign, verify, type KeyObject } from 'node:crypto';
import { UnauthenticatedError } from '@mycel/core';

/** The only signature algorithm Mycel signs or accepts (ECDSA P-256 with SHA-256, RFC 7518 §3.4). */
export const JWT_ALG = 'ES256';

/** Longest compact token accepted, in characters; longer input is rejected before any decoding. */
export const MAX_TOKEN_LENGTH = 8192;

/** Why a token was refused; stable, for logs and tests (the HTTP edge only sees UNAUTHENTICATED). */
export type TokenRejection =
  | 'missing'
  | 'malformed'
  | 'unsupported-alg'
  | 'bad-typ'
  | 'missing-kid'
  | 'unknown-kid'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'invalid-claims'
  | 'revoked';

/** An UnauthenticatedError that also says which check failed; the message never contains the token. */
export class TokenRejectedError extends UnauthenticatedError {
  readonly reason: TokenRejection;

  constructor(reason: TokenRejection, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Registered claims Mycel reads (RFC 7519 §4.1; times are NumericDate seconds) plus any others. */
export interface JwtClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | readonly string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly jti?: string;
  readonly [claim: string]: unknown;
}

/** Signing input of {@link signJwt}: an EC P-256 private key and the id verifiers resolve it by. */
export interface SignJwtOptions {
  readonly privateKey: KeyObject;
  readonly kid: string;
}

/** Options of {@link verifyJwt}. */
export interface VerifyJwtOptions {
  /** The EC P-256 key (public, or private from which the public half is used) of `kid`, or undefined when unknown. */
  resolveKey(kid: string): Promise<KeyObject | undefined>;
  /** The verification time. */
  readonly now: Date;
  /** Tolerance applied to `exp` and `nbf`, in seconds; default 0. */
  readonly clockSkewSec?: number;
  /** When true (the default) a token without `exp` is refused. */
  readonly requireExp?: boolean;
  /** When set, the `iss` claim must equal it. */
  readonly issuer?: string;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Signs `claims` as a compact JWS (RFC 7515) with ES256, header `{alg, kid, typ: 'JWT'}`. The
 * signature is the 64-byte IEEE P1363 form (r‖s) that JWS requires, not DER.
 */
export function signJwt(claims: JwtClaims, options: SignJwtOptions): string {
  const { privateKey, kid } = options;
  if (typeof kid !== 'string' || kid === '') throw new TypeError('signJwt: kid must be a non-empty string');
  assertP256(privateKey, 'private');
  const header = { alg: JWT_ALG, kid, typ: 'JWT' };
  const signingInput = `${encodeJson(header)}.${encodeJson(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/**
 * Verifies a compact ES256 JWS and its time claims and returns the claims. Checks, in order: shape
 * (three strict base64url parts, JSON objects), `alg` is ES256 (so `none` and HS256 are refused
 * whatever the key), `crit` absent, `typ` absent or `JWT`, `kid` present and known, the signature,
 * then `exp`/`nbf`/`iss`. Throws {@link TokenRejectedError} (an UnauthenticatedError) naming the failed check.
 */
export async function verifyJwt(token: string, options: VerifyJwtOptions): Promise<JwtClaims> {
  if (typeof token !== 'string' || token === '') throw new TokenRejectedError('missing', 'no token given');
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new TokenRejectedError('malformed', `token is malformed: longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new TokenRejectedError('malformed', `token is malformed: expected 3 dot-separated parts, got ${parts.length}`);
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJsonObject(headerPart, 'header');
  const claims = decodeJsonObject(payloadPart, 'payload');
  const signature = decodeSegment(signaturePart, 'signature');

  const alg = header['alg'];
  if (typeof alg !== 'string') throw new TokenRejectedError('malformed', 'token is malformed: header has no alg');
  if (alg !== JWT_ALG) {
    throw new TokenRejectedError('unsupported-alg', `token alg '${printable(alg)}' is not allowed; only ${JWT_ALG} is accepted`);
  }
  // RFC 7515 §4.1.11: extensions we do not understand must make the token invalid.
  if (header['crit'] !== undefined) {
    throw new TokenRejectedError('malformed', 'token is malformed: critical header extensions are not supported');
  }
  const typ = header['typ'];
  // RFC 7515 §4.1.9: typ values are compared case-insensitively.
  if (typ !== undefined && (typeof typ !== 'string' || typ.toUpperCase() !== 'JWT')) {
    throw new TokenRejectedError('bad-typ', `token typ '${printable(typ)}' is not allowed; expected 'JWT'`);
  }
  const kid = header['kid'];
  if (kid === undefined) throw new TokenRejectedError('missing-kid', 'token header has no kid');
  if (typeof kid !== 'string' || kid === '') throw new TokenRejectedError('missing-kid', 'token kid must be a non-empty string');

  const key = await options.resolveKey(kid);
  if (key === undefined) throw new TokenRejectedError('unknown-kid', `token is signed with unknown key '${printable(kid)}'`);
  assertP256(key, 'any');
  // An ES256 signature is always 64 bytes; crypto.verify also rejects other sizes, this only sharpens the message.
  const valid =
    signature.length === 64 &&
    verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!valid) throw new TokenRejectedError('bad-signature', 'token signature is invalid');

  checkClaims(claims, options);
  if (options.issuer !== undefined && claims['iss'] !== options.issuer) {
    throw new TokenRejectedError('invalid-claims', `token issuer must be '${options.issuer}'`);
  }
  return claims as JwtClaims;
}

function checkClaims(claims: Record<string, unknown>, options: VerifyJwtOptions): void {
  const skew = options.clockSkewSec ?? 0;
  const nowSec = options.now.getTime() / 1000;
  for (const claim of ['exp', 'nbf', 'iat']) {
    const v = claims[claim];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new TokenRejectedError('invalid-claims', `token claim ${claim} must be a number of seconds`);
    }
  }
  for (const claim of ['iss', 'sub', 'jti']) {
    const v = claims[claim];
    if (v !== undefined && typeof v !== 'string') throw new TokenRejectedError('invalid-claims', `token claim ${claim} must be a string`);
  }
  const exp = claims['exp'] as number | undefined;
  const nbf = claims['nbf'] as number | undefined;
  if (exp === undefined) {
    if (options.requireExp ?? true) throw new TokenRejectedError('invalid-claims', 'token has no exp claim');
  } else if (nowSec >= exp + skew) {
    // RFC 7519 §4.1.4: the current time must be *before* exp.
    throw new TokenRejectedError('expired', `token expired at ${new Date(exp * 1000).toISOString()}`);
  }
  if (nbf !== undefined && nowSec < nbf - skew) {
    throw new TokenRejectedError('not-yet-valid', `token is not valid before ${new Date(nbf * 1000).toISOString()}`);
  }
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Strict base64url (RFC 7515 §2): alphabet only, no padding, and canonical (re-encodes to itself). */
function decodeSegment(segment: string, what: string): Buffer {
  if (!BASE64URL.test(segment)) throw new TokenRejectedError('malformed', `token is malformed: ${what} is not base64url`);
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment) {
    throw new TokenRejectedError('malformed', `token is malformed: ${what} is not canonical base64url`);
  }
  return bytes;
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  const bytes = decodeSegment(segment, what);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new TokenRejectedError('malformed', `token is malformed: ${what} is not UTF-8 JSON`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenRejectedError('malformed', `token is malformed: ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Keys of the wrong kind are a wiring bug, not a bad token, so they throw TypeError. */
function assertP256(key: KeyObject, kind: 'private' | 'any'): void {
  if (kind === 'private' && key.type !== 'private') throw new TypeError('signJwt: privateKey must be a private key');
  if (key.type === 'secret' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('ES256 needs an EC P-256 key');
  }
}

/** Attacker-controlled header values go into messages only shortened and without control characters. */
function printable(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
