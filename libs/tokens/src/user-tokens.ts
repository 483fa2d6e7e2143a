import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { ValidationError, Violations, describe, indexPath, nameProblem } from '@mycel/core';
import { ROLES, type Identity, type Role } from './identity';
import { signJwt, verifyJwt, TokenRejectedError, type JwtClaims } from './jwt';
import type { RevocationList } from './revocations';
import { InvalidSigningKeyError, type SigningKeyManager } from './signing-keys';

/** The `iss` claim of every user token. */
export const USER_TOKEN_ISSUER = 'mycel';
/** Shortest validity a user token may be issued with, in milliseconds (1 s). */
export const MIN_USER_TOKEN_VALIDITY_MS = 1000;
/** Longest validity a user token may be issued with, in milliseconds (10 years of 365 days). */
export const MAX_USER_TOKEN_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;
/** Longest user name, in characters. */
export const MAX_USER_NAME_LENGTH = 253;

/** Request of {@link UserTokenIssuer.issue}; `meshes` is required (non-empty) for operators and refused otherwise. */
export interface IssueUserTokenRequest {
  readonly name: string;
  readonly role: Role;
  readonly meshes?: readonly string[];
  /** Validity in milliseconds, 1 s .. 10 years; `exp` is rounded down to whole seconds. */
  readonly validForMs: number;
}

/** Options of {@link UserTokenIssuer}. */
export interface UserTokenIssuerOptions {
  /** Keys of the user tokens; the active key signs. */
  readonly keys: Pick<SigningKeyManager, 'activeKey'>;
  readonly now: () => Date;
  /** Source of the `jti`; crypto.randomBytes by default. */
  readonly randomBytes?: (size: number) => Buffer;
}

/** Options of {@link UserTokenValidator}. */
export interface UserTokenValidatorOptions {
  /** Keys of the user tokens; any stored key verifies. */
  readonly keys: Pick<SigningKeyManager, 'publicKey'>;
  readonly revocations: Pick<RevocationList, 'isRevoked'>;
  readonly now: () => Date;
  /** Tolerance for `exp`/`nbf`, in seconds; default 0. */
  readonly clockSkewSec?: number;
}

/** User names: an alphanumeric first and last character, `.`, `_`, `@`, `+` or `-` between (so e-mails fit). */
const USER_NAME = /^[A-Za-z0-9]([A-Za-z0-9._@+-]*[A-Za-z0-9])?$/;

/** Issues user tokens (ES256 JWTs) for the API: claims `iss, sub, role, meshes?, jti, iat, exp`. */
export class UserTokenIssuer {
  private readonly keys: Pick<SigningKeyManager, 'activeKey'>;
  private readonly now: () => Date;
  private readonly randomBytes: (size: number) => Buffer;

  constructor(options: UserTokenIssuerOptions) {
    this.keys = options.keys;
    this.now = options.now;
    this.randomBytes = options.randomBytes ?? cryptoRandomBytes;
  }

  /**
   * Signs a token with the active key. Throws ValidationError listing every problem of the request
   * (fields `name`, `role`, `meshes`, `meshes[i]`, `validFor`), NotFoundError when no key exists yet.
   */
  async issue(request: IssueUserTokenRequest): Promise<string> {
    const { name, role, meshes, validForMs } = checkRequest(request);
    const key = await this.keys.activeKey();
    const nowMs = this.now().getTime();
    const claims: JwtClaims = {
      iss: USER_TOKEN_ISSUER,
      sub: name,
      role,
      ...(meshes === undefined ? {} : { meshes }),
      jti: this.randomBytes(16).toString('base64url'),
      iat: Math.floor(nowMs / 1000),
      exp: Math.floor((nowMs + validForMs) / 1000),
    };
    return signJwt(claims, key);
  }
}

/** Checks user tokens: signature by a stored key, times, claims, and that the `jti` is not revoked. */
export class UserTokenValidator {
  private readonly options: UserTokenValidatorOptions;

  constructor(options: UserTokenValidatorOptions) {
    this.options = options;
  }

  /** The identity the token speaks for; throws TokenRejectedError (an UnauthenticatedError) otherwise. */
  async validate(token: string): Promise<Identity> {
    const { keys, revocations, now, clockSkewSec } = this.options;
    const claims = await verifyJwt(token, {
      resolveKey: (kid) => resolveUsableKey(keys, kid),
      now: now(),
      issuer: USER_TOKEN_ISSUER,
      requireExp: true,
      ...(clockSkewSec === undefined ? {} : { clockSkewSec }),
    });
    const identity = identityOf(claims);
    if (await revocations.isRevoked(identity.jti)) throw new TokenRejectedError('revoked', 'token has been revoked');
    return identity;
  }
}

/** A stored key that does not parse cannot verify anything: the token is refused (401), not a server error. */
async function resolveUsableKey(keys: Pick<SigningKeyManager, 'publicKey'>, kid: string) {
  try {
    return await keys.publicKey(kid);
  } catch (err) {
    if (err instanceof InvalidSigningKeyError) throw new TokenRejectedError('unknown-kid', `signing key ${kid} is not usable`);
    throw err;
  }
}

function identityOf(claims: JwtClaims): Identity {
  const bad = (what: string): TokenRejectedError => new TokenRejectedError('invalid-claims', `user token ${what}`);
  const { sub, jti, exp } = claims;
  const role = claims['role'];
  const meshes = claims['meshes'];
  if (typeof sub !== 'string' || sub === '') throw bad('has no sub');
  if (typeof jti !== 'string' || jti === '') throw bad('has no jti');
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw bad('has an unknown role');
  let meshList: string[] = [];
  if (role === 'operator') {
    if (!Array.isArray(meshes) || meshes.length === 0 || !meshes.every((m) => typeof m === 'string' && m !== '')) {
      throw bad('of an operator must list its meshes');
    }
    meshList = [...(meshes as string[])];
  } else if (meshes !== undefined) {
    throw bad(`of role ${role} must not list meshes`);
  }
  return { name: sub, role: role as Role, meshes: meshList, jti, expiresAt: new Date((exp as number) * 1000) };
}

/** Validates an issue request as untrusted input (it may come straight from an API body). */
function checkRequest(request: IssueUserTokenRequest): { name: string; role: Role; meshes?: string[]; validForMs: number } {
  const v = new Violations();
  const input = request as unknown as Record<string, unknown>;
  const name = v.string(input['name'], 'name');
  if (name !== undefined) {
    if (name.length > MAX_USER_NAME_LENGTH) v.add('name', `must be at most ${MAX_USER_NAME_LENGTH} characters, got ${name.length}`);
    else if (!USER_NAME.test(name)) {
      v.add('name', "must consist of letters, digits, '.', '_', '@', '+' or '-', and start and end with a letter or digit");
    }
  }
  const role = v.oneOf(input['role'], 'role', ROLES);
  let meshes: string[] | undefined;
  const rawMeshes = input['meshes'];
  if (role === 'operator') {
    const list = v.array(rawMeshes, 'meshes');
    if (list !== undefined && list.length === 0) v.add('meshes', "must list at least one mesh for role 'operator'");
    if (list !== undefined) {
      const seen = new Set<string>();
      list.forEach((m, i) => {
        const path = indexPath('meshes', i);
        if (typeof m !== 'string') return v.add(path, `must be a string, got ${describe(m)}`);
        const problem = nameProblem(m);
        if (problem !== undefined) return v.add(path, problem);
        if (seen.has(m)) return v.add(path, `duplicate mesh '${m}'`);
        seen.add(m);
      });
      meshes = [...seen].sort();
    }
  } else if (role !== undefined && rawMeshes !== undefined) {
    v.add('meshes', `must not be set for role '${role}'; only operators are limited to meshes`);
  }
  const validForMs = checkValidFor(v, input['validForMs']);
  if (!v.empty || name === undefined || role === undefined || validForMs === undefined) {
    throw new ValidationError('invalid user token request', v.all);
  }
  return { name, role, ...(meshes === undefined ? {} : { meshes }), validForMs };
}

function checkValidFor(v: Violations, value: unknown): number | undefined {
  let problem: string | undefined;
  if (value === undefined || value === null) problem = 'is required';
  else if (typeof value !== 'number' || !Number.isInteger(value)) {
    problem = `must be a whole number of milliseconds, got ${typeof value === 'number' ? String(value) : describe(value)}`;
  } else if (value < MIN_USER_TOKEN_VALIDITY_MS) problem = `must be at least 1s, got ${value}ms`;
  else if (value > MAX_USER_TOKEN_VALIDITY_MS) problem = `must be at most 3650d (10 years), got ${value}ms`;
  if (problem === undefined) return value as number;
  v.add('validFor', problem);
  return undefined;
}
