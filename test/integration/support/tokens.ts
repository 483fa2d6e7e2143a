import { generateKeyPairSync } from 'node:crypto';
import { signJwt } from '@mycel/tokens';
import type { JwtClaims } from '@mycel/tokens';

/** The claims of a compact JWT, decoded without verifying it. */
export function decodeClaims(token: string): JwtClaims {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new TypeError(`not a compact JWT: ${token.slice(0, 20)}…`);
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtClaims;
}

/** The `jti` claim of a token. */
export function jtiOf(token: string): string {
  const jti = decodeClaims(token).jti;
  if (typeof jti !== 'string') throw new TypeError('token has no jti');
  return jti;
}

/** Admin claims like the control plane's own, valid for an hour from now. */
export function adminClaims(jti = 'forged-token'): JwtClaims {
  const now = Math.floor(Date.now() / 1000);
  return { iss: 'mycel', sub: 'mallory', role: 'admin', jti, iat: now, exp: now + 3600 };
}

/** A well-formed ES256 token signed by a fresh key the control plane has never seen, under `kid`. */
export function tokenSignedByForeignKey(claims: JwtClaims, kid = '1'): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return signJwt(claims, { privateKey, kid });
}

/** An unsigned token (`alg: none`, empty signature), the classic JWT downgrade. */
export function unsignedToken(claims: JwtClaims, kid = '1'): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'none', kid, typ: 'JWT' })}.${enc(claims)}.`;
}

/** `token` with its payload replaced by `claims` but the original signature kept. */
export function tamperedToken(token: string, claims: JwtClaims): string {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
