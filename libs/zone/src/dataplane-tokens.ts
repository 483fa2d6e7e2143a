import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ForbiddenError, MESH_TYPE, NotFoundError, ValidationError, Violations, checkLabels, childPath, describe, nameProblem } from '@mycel/core';
import type { DataplaneSpec } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import { RevocationList, TokenRejectedError, signJwt, verifyJwt } from '@mycel/tokens';
import type { JwtClaims, SigningKey } from '@mycel/tokens';
import type { DataplaneTokenRequest, ZoneApiExtensions } from '@mycel/api';

/** The `iss` claim of every dataplane token. */
export const DATAPLANE_TOKEN_ISSUER = 'mycel';
/** The `aud` claim of every dataplane token; it keeps user tokens and dataplane tokens apart. */
export const DATAPLANE_TOKEN_AUDIENCE = 'mycel-dataplane';
/** Name of the Secret, in each mesh, listing the revoked dataplane-token ids of that mesh. */
export const DATAPLANE_TOKEN_REVOCATIONS = 'dataplane-token-revocations';
/** Shortest validity a dataplane token may be issued with, in milliseconds (1 s). */
export const MIN_DATAPLANE_TOKEN_VALIDITY_MS = 1000;
/** Longest validity a dataplane token may be issued with, in milliseconds (10 years of 365 days). */
export const MAX_DATAPLANE_TOKEN_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;

/** What a validated dataplane token allows: a mesh, and a dataplane name and/or tags within it. */
export interface DataplaneTokenIdentity {
  readonly mesh: string;
  /** The dataplane name the token is bound to; absent means any name (its tags must match). */
  readonly name?: string;
  /** Tag → allowed values; every inbound (or the gateway) must carry each tag with one of them. */
  readonly tags?: Readonly<Record<string, readonly string[]>>;
  /** The token id (what revocation names). */
  readonly jti: string;
  /** Serial of the signing key. */
  readonly kid: string;
  readonly expiresAt: Date;
}

/** Why a valid dataplane token does not admit this dataplane; stable, for logs and tests. */
export type DataplaneTokenDenial = 'wrong-mesh' | 'wrong-name' | 'tags-mismatch' | 'tags-unchecked';

/** A ForbiddenError saying which binding of a (valid) dataplane token the dataplane does not meet. */
export class DataplaneTokenForbiddenError extends ForbiddenError {
  readonly reason: DataplaneTokenDenial;

  constructor(reason: DataplaneTokenDenial, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** The signing keys the issuer needs: ensures the mesh has one and returns the active key. */
export interface DataplaneSigningKeySource {
  ensureForMesh(mesh: string): Promise<SigningKey>;
}

/** The public keys the validator needs, by mesh and kid. */
export interface DataplaneVerificationKeySource {
  publicKey(mesh: string, kid: string): Promise<KeyObject | undefined>;
}

/** Options of {@link DataplaneTokenIssuer}. */
export interface DataplaneTokenIssuerOptions {
  /** Usually a MeshSigningKeys; a mesh without a key gets one on first issue. */
  readonly keys: DataplaneSigningKeySource;
  readonly now: () => Date;
  /** Source of the `jti`; crypto.randomBytes by default. */
  readonly randomBytes?: (size: number) => Buffer;
}

/**
 * Issues dataplane tokens: ES256 JWTs signed with the mesh's active key (`kid` = its serial), claims
 * `{iss: 'mycel', aud: 'mycel-dataplane', mesh, sub?: name, tags?, jti, iat, exp}`.
 */
export class DataplaneTokenIssuer {
  private readonly keys: DataplaneSigningKeySource;
  private readonly now: () => Date;
  private readonly randomBytes: (size: number) => Buffer;

  constructor(options: DataplaneTokenIssuerOptions) {
    this.keys = options.keys;
    this.now = options.now;
    this.randomBytes = options.randomBytes ?? cryptoRandomBytes;
  }

  /**
   * Signs a token for `request`, which is validated as untrusted input: ValidationError listing
   * every problem (fields `mesh`, `name`, `tags…`, `validFor`; a name or at least one tag is
   * required), NotFoundError when the mesh does not exist. `exp` is rounded down to whole seconds.
   */
  async issue(request: DataplaneTokenRequest): Promise<string> {
    const { mesh, name, tags, validForMs } = checkIssueRequest(request);
    const key = await this.keys.ensureForMesh(mesh);
    const nowMs = this.now().getTime();
    const claims: JwtClaims = {
      iss: DATAPLANE_TOKEN_ISSUER,
      aud: DATAPLANE_TOKEN_AUDIENCE,
      mesh,
      ...(name === undefined ? {} : { sub: name }),
      ...(tags === undefined ? {} : { tags }),
      jti: this.randomBytes(16).toString('base64url'),
      iat: Math.floor(nowMs / 1000),
      exp: Math.floor((nowMs + validForMs) / 1000),
    };
    return signJwt(claims, { privateKey: key.privateKey, kid: key.kid });
  }
}

/**
 * Revoked dataplane-token ids, one list per mesh: the Secret `dataplane-token-revocations` of that
 * mesh (see RevocationList: reads always consult the store, so a revocation applies at once everywhere).
 */
export class DataplaneTokenRevocations {
  private readonly store: ResourceStore;
  private readonly lists = new Map<string, RevocationList>();

  constructor(options: { readonly store: ResourceStore }) {
    this.store = options.store;
  }

  /**
   * Revokes the token `jti` of `mesh`: tokens carrying it stop validating. Idempotent.
   * NotFoundError when the mesh does not exist, ValidationError for a malformed jti.
   */
  async revoke(mesh: string, jti: string): Promise<void> {
    if ((await this.store.find({ type: MESH_TYPE, name: mesh })) === undefined) throw new NotFoundError(`mesh '${mesh}' does not exist`);
    await this.of(mesh).revoke(jti);
  }

  /** True when `jti` is revoked in `mesh`. */
  isRevoked(mesh: string, jti: string): Promise<boolean> {
    return this.of(mesh).isRevoked(jti);
  }

  private of(mesh: string): RevocationList {
    let list = this.lists.get(mesh);
    if (list === undefined) {
      list = new RevocationList({ store: this.store, type: 'Secret', mesh, name: DATAPLANE_TOKEN_REVOCATIONS });
      this.lists.set(mesh, list);
    }
    return list;
  }
}

/** Options of {@link DataplaneTokenValidator}. */
export interface DataplaneTokenValidatorOptions {
  /** Usually a MeshSigningKeys; every stored key of a mesh verifies. */
  readonly keys: DataplaneVerificationKeySource;
  readonly revocations: Pick<DataplaneTokenRevocations, 'isRevoked'>;
  readonly now: () => Date;
  /** Tolerance for `exp`/`nbf`, in seconds; default 0. */
  readonly clockSkewSec?: number;
}

/** Which dataplane a token is presented for. */
export interface DataplaneTokenTarget {
  readonly mesh: string;
  readonly name: string;
  /** The dataplane's spec; required when the token is bound to tags. */
  readonly dataplane?: DataplaneSpec;
}

/**
 * Checks dataplane tokens. Authentication failures are TokenRejectedError (UnauthenticatedError)
 * with a `reason`: missing, malformed, unsupported-alg (`alg: none`, HS256 …), missing-kid,
 * unknown-kid, bad-signature, expired, not-yet-valid, invalid-claims (wrong `iss`/`aud`, a user
 * token), revoked. A valid token that does not admit this dataplane is a DataplaneTokenForbiddenError
 * (ForbiddenError): wrong-mesh ("token is for mesh X"), wrong-name, tags-mismatch, tags-unchecked.
 *
 * The token is verified with the key of the mesh its (unverified) `mesh` claim names, so a token
 * of another mesh is recognised as such (Forbidden) instead of failing as a bad signature.
 */
export class DataplaneTokenValidator {
  private readonly options: DataplaneTokenValidatorOptions;

  constructor(options: DataplaneTokenValidatorOptions) {
    this.options = options;
  }

  /** {@link authenticate} then, when given, {@link authorizeDataplane}; tags-unchecked when the token has tags and no dataplane is given. */
  async validate(token: string, target: DataplaneTokenTarget): Promise<DataplaneTokenIdentity> {
    const identity = await this.authenticate(token, target);
    if (target.dataplane !== undefined) authorizeDataplane(identity, target.dataplane);
    else if (identity.tags !== undefined) {
      throw new DataplaneTokenForbiddenError('tags-unchecked', 'token is bound to tags, and the dataplane they must match is unknown');
    }
    return identity;
  }

  /**
   * Verifies the token (signature, times, claims, revocation) and its mesh and name bindings; the
   * tag binding is left to {@link authorizeDataplane}.
   */
  async authenticate(token: string, target: { readonly mesh: string; readonly name: string }): Promise<DataplaneTokenIdentity> {
    const { keys, revocations, now, clockSkewSec } = this.options;
    const keyMesh = peekMeshClaim(token) ?? target.mesh;
    let kid = '';
    const claims = await verifyJwt(token, {
      resolveKey: (k) => {
        kid = k;
        return keys.publicKey(keyMesh, k);
      },
      now: now(),
      issuer: DATAPLANE_TOKEN_ISSUER,
      requireExp: true,
      ...(clockSkewSec === undefined ? {} : { clockSkewSec }),
    });
    const identity = identityOf(claims, kid);
    if (await revocations.isRevoked(identity.mesh, identity.jti)) throw new TokenRejectedError('revoked', 'token has been revoked');
    if (identity.mesh !== target.mesh) {
      throw new DataplaneTokenForbiddenError('wrong-mesh', `token is for mesh '${identity.mesh}', not for mesh '${target.mesh}'`);
    }
    if (identity.name !== undefined && identity.name !== target.name) {
      throw new DataplaneTokenForbiddenError('wrong-name', `token is for dataplane '${identity.name}', not for '${target.name}'`);
    }
    return identity;
  }
}

/**
 * Checks the tag binding of a token against a dataplane (Kuma semantics): every tag of the token
 * must be carried, with an allowed value, by every inbound of the dataplane (by its gateway for a
 * gateway dataplane). Throws DataplaneTokenForbiddenError('tags-mismatch') naming the first offender.
 */
export function authorizeDataplane(identity: DataplaneTokenIdentity, dataplane: DataplaneSpec): void {
  const required = identity.tags;
  if (required === undefined) return;
  const networking = dataplane.networking;
  const carriers: Array<{ what: string; tags: Readonly<Record<string, string>> }> = networking.gateway
    ? [{ what: 'gateway', tags: networking.gateway.tags }]
    : (networking.inbound ?? []).map((inbound, i) => ({ what: `inbound[${i}] (port ${inbound.port})`, tags: inbound.tags }));
  if (carriers.length === 0) {
    throw new DataplaneTokenForbiddenError('tags-mismatch', 'token is bound to tags, and the dataplane has no inbound or gateway that carries them');
  }
  for (const key of Object.keys(required).sort()) {
    const allowed = required[key] ?? [];
    for (const { what, tags } of carriers) {
      const value = tags[key];
      if (value === undefined) throw new DataplaneTokenForbiddenError('tags-mismatch', `dataplane ${what} has no tag '${key}', which the token requires`);
      if (!allowed.includes(value)) {
        throw new DataplaneTokenForbiddenError('tags-mismatch', `dataplane ${what} has ${key}='${value}'; the token allows ${allowed.map((a) => `'${a}'`).join(' or ')}`);
      }
    }
  }
}

/** Options of {@link createDataplaneTokenApi}. */
export interface DataplaneTokenApiOptions {
  readonly issuer: Pick<DataplaneTokenIssuer, 'issue'>;
  readonly revocations: Pick<DataplaneTokenRevocations, 'revoke'>;
}

/** The dataplane-token part of the API's zone extensions, to spread into `ZoneApiExtensions`. */
export function createDataplaneTokenApi(options: DataplaneTokenApiOptions): Pick<ZoneApiExtensions, 'issueDataplaneToken' | 'revokeDataplaneToken'> {
  const { issuer, revocations } = options;
  return {
    issueDataplaneToken: (request) => issuer.issue(request),
    revokeDataplaneToken: (mesh, jti) => revocations.revoke(mesh, jti),
  };
}

/** The `mesh` claim of an unverified token when it is a valid mesh name; only used to pick the verification key. */
function peekMeshClaim(token: string): string | undefined {
  if (typeof token !== 'string') return undefined;
  const payload = token.split('.')[1];
  if (payload === undefined || payload.length > 8192) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    const mesh = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>)['mesh'] : undefined;
    return typeof mesh === 'string' && nameProblem(mesh) === undefined ? mesh : undefined;
  } catch {
    // Not JSON: verifyJwt reports the token as malformed with the precise reason.
    return undefined;
  }
}

function identityOf(claims: JwtClaims, kid: string): DataplaneTokenIdentity {
  const bad = (what: string): TokenRejectedError => new TokenRejectedError('invalid-claims', `dataplane token ${what}`);
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(DATAPLANE_TOKEN_AUDIENCE)) throw bad(`must have audience '${DATAPLANE_TOKEN_AUDIENCE}' (is it a user token?)`);
  const mesh = claims['mesh'];
  if (typeof mesh !== 'string' || nameProblem(mesh) !== undefined) throw bad('has no valid mesh claim');
  const { sub, jti, exp } = claims;
  if (sub !== undefined && (sub === '' || nameProblem(sub) !== undefined)) throw bad('has an invalid sub (dataplane name)');
  if (typeof jti !== 'string' || jti === '') throw bad('has no jti');
  const tags = tagsClaim(claims['tags']);
  if (tags === null) throw bad('has malformed tags (an object of strings or string lists)');
  if (sub === undefined && tags === undefined) throw bad('is bound to neither a dataplane name nor tags');
  return {
    mesh,
    ...(sub === undefined ? {} : { name: sub }),
    ...(tags === undefined ? {} : { tags }),
    jti,
    kid,
    expiresAt: new Date((exp as number) * 1000),
  };
}

/** The tags claim as tag → allowed values; undefined when absent, null when malformed. */
function tagsClaim(value: unknown): Record<string, string[]> | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const out: Record<string, string[]> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') out[key] = [v];
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) out[key] = [...(v as string[])];
    else return null;
  }
  return Object.keys(out).length === 0 ? null : out;
}

/** Validates an issue request as untrusted input (it may come straight from an API body). */
function checkIssueRequest(request: DataplaneTokenRequest): { mesh: string; name?: string; tags?: Record<string, string>; validForMs: number } {
  const v = new Violations();
  const input = request as unknown as Record<string, unknown>;
  const mesh = v.string(input['mesh'], 'mesh');
  if (mesh !== undefined && nameProblem(mesh) !== undefined) v.add('mesh', nameProblem(mesh) as string);
  const name = v.optionalString(input['name'], 'name');
  if (name !== undefined && nameProblem(name) !== undefined) v.add('name', nameProblem(name) as string);
  let tags: Record<string, string> | undefined;
  if (input['tags'] !== undefined) {
    const checked = checkLabels(v, input['tags'], 'tags');
    if (checked !== undefined) {
      for (const [key, value] of Object.entries(checked)) if (value === '') v.add(childPath('tags', key), 'value must not be empty');
      // Sorted keys: equal requests give equal claims.
      tags = Object.fromEntries(Object.keys(checked).sort().map((k) => [k, checked[k] as string]));
      if (Object.keys(tags).length === 0) tags = undefined;
    }
  }
  if (name === undefined && tags === undefined && v.empty) {
    v.add('name', 'is required unless tags are given: a token must be bound to a dataplane name or to tags');
  }
  const validForMs = input['validForMs'];
  if (typeof validForMs !== 'number' || !Number.isInteger(validForMs)) {
    v.add('validFor', `must be a whole number of milliseconds, got ${typeof validForMs === 'number' ? String(validForMs) : describe(validForMs)}`);
  } else if (validForMs < MIN_DATAPLANE_TOKEN_VALIDITY_MS) v.add('validFor', `must be at least 1s, got ${validForMs}ms`);
  else if (validForMs > MAX_DATAPLANE_TOKEN_VALIDITY_MS) v.add('validFor', `must be at most 3650d (10 years), got ${validForMs}ms`);
  if (!v.empty || mesh === undefined) {
    throw new ValidationError(`invalid dataplane token request: ${v.all.map((x) => `${x.field}: ${x.reason}`).join('; ')}`, v.all);
  }
  return { mesh, ...(name === undefined ? {} : { name }), ...(tags === undefined ? {} : { tags }), validForMs: validForMs as number };
}
