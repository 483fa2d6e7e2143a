/** Roles a user token can carry, from most to least privileged. */
export const ROLES = ['admin', 'operator', 'viewer'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/**
 * Who a validated user token speaks for. `meshes` lists the meshes an operator may write in; it is
 * empty for admins and viewers. `jti` is the token id (what revocation names).
 */
export interface Identity {
  readonly name: string;
  readonly role: Role;
  readonly meshes: readonly string[];
  readonly jti: string;
  readonly expiresAt: Date;
}
