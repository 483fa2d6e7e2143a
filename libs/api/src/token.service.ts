import { ValidationError, Violations, durationProblem, parseDuration } from '@mycel/core';
import { MAX_USER_TOKEN_VALIDITY_MS, MIN_USER_TOKEN_VALIDITY_MS, authorize } from '@mycel/tokens';
import type { Identity, Role } from '@mycel/tokens';
import type { ApiAuth } from './context';

/** Lifetime of a user token when the request gives none. */
export const DEFAULT_USER_TOKEN_VALIDITY = '24h';

/**
 * Issues and revokes user tokens (admin only). This layer checks the HTTP body's shape (unknown
 * fields, the `validFor` duration); the issuer validates name, role and meshes with field paths.
 */
export class TokenService {
  constructor(private readonly auth: ApiAuth) {}

  /** Issues a user token from a POST /tokens/user body. */
  async issueUserToken(identity: Identity, body: unknown): Promise<string> {
    authorize(identity, { verb: 'admin', what: 'issue user tokens' });
    const v = new Violations();
    const obj = v.object(body, '', ['name', 'role', 'meshes', 'validFor']);
    if (!obj) throw new ValidationError('invalid token request: the body must be an object', v.all);
    const validFor = obj['validFor'] === undefined ? DEFAULT_USER_TOKEN_VALIDITY : v.string(obj['validFor'], 'validFor');
    if (validFor !== undefined) {
      const problem = durationProblem(validFor, MIN_USER_TOKEN_VALIDITY_MS, MAX_USER_TOKEN_VALIDITY_MS);
      if (problem) v.add('validFor', problem);
    }
    if (!v.empty || validFor === undefined) throw invalid('invalid token request', v);
    return this.auth.issueUserToken({
      name: obj['name'] as string,
      role: obj['role'] as Role,
      validForMs: parseDuration(validFor) as number,
      ...(obj['meshes'] !== undefined ? { meshes: obj['meshes'] as string[] } : {}),
    });
  }

  /** Revokes a token by its `jti` from a POST /tokens/revocations body. */
  async revoke(identity: Identity, body: unknown): Promise<void> {
    authorize(identity, { verb: 'admin', what: 'revoke tokens' });
    const v = new Violations();
    const obj = v.object(body, '', ['jti']);
    const jti = obj ? v.string(obj['jti'], 'jti') : undefined;
    if (jti !== undefined && !/^[A-Za-z0-9_-]{1,128}$/.test(jti)) v.add('jti', 'must be a token id (base64url, at most 128 characters)');
    if (!v.empty || jti === undefined) throw invalid('invalid revocation', v);
    await this.auth.revoke(jti);
  }
}

function invalid(what: string, v: Violations): ValidationError {
  return new ValidationError(`${what}: ${v.all.map((x) => `${x.field}: ${x.reason}`).join('; ')}`, v.all);
}
