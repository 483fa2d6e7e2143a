/** Compact ES256 JWS signing and verification (RFC 7515/7519) with precise rejection reasons. */
export { signJwt, verifyJwt, TokenRejectedError, JWT_ALG, MAX_TOKEN_LENGTH } from './jwt';
/** Claims, options and rejection reasons of signJwt/verifyJwt. */
export type { JwtClaims, SignJwtOptions, VerifyJwtOptions, TokenRejection } from './jwt';
/** Roles (admin, operator, viewer) and the identity a validated user token speaks for. */
export { ROLES } from './identity';
/** A role name and the identity of a validated user token. */
export type { Role, Identity } from './identity';
/** Where token material lives: a GlobalSecret, or a Secret of one mesh. */
export type { SecretType, SecretLocation } from './secret-location';
/** Signing keys kept as secrets `<prefix>-<serial>`; kid = serial. */
export {
  SigningKeyManager,
  InvalidSigningKeyError,
  USER_TOKEN_SIGNING_KEY_PREFIX,
  DATAPLANE_TOKEN_SIGNING_KEY_PREFIX,
} from './signing-keys';
/** Options of SigningKeyManager and the key it hands out. */
export type { SigningKeyManagerOptions, SigningKey } from './signing-keys';
/** Revoked token ids kept in one secret, updated with optimistic concurrency. */
export { RevocationList, USER_TOKEN_REVOCATIONS } from './revocations';
/** Options of RevocationList. */
export type { RevocationListOptions } from './revocations';
/** User tokens for the API: issuing (validated request) and validation (signature, time, revocation). */
export {
  UserTokenIssuer,
  UserTokenValidator,
  USER_TOKEN_ISSUER,
  MIN_USER_TOKEN_VALIDITY_MS,
  MAX_USER_TOKEN_VALIDITY_MS,
  MAX_USER_NAME_LENGTH,
} from './user-tokens';
/** Request and options of the user-token issuer and validator. */
export type { IssueUserTokenRequest, UserTokenIssuerOptions, UserTokenValidatorOptions } from './user-tokens';
/** The RBAC matrix of user identities over resource and admin actions. */
export { authorize, checkAccess } from './access-policy';
/** An action to authorize, the kind of a write, and a decision. */
export type { Action, WriteOperation, AccessDecision } from './access-policy';
/** The admin token file a control plane writes at startup. */
export { ensureAdminTokenFile, ADMIN_USER_NAME } from './admin-token';
/** Options and outcome of ensureAdminTokenFile. */
export type { EnsureAdminTokenFileOptions, AdminTokenFile } from './admin-token';
