import type { TypeRegistry } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import type { Logger, Metrics } from '@mycel/telemetry';
import type { Identity, Role } from '@mycel/tokens';
import type { ZoneStatusInfo } from './controllers/models';

/** What POST /tokens/user asks for, after validation. */
export interface UserTokenRequest {
  readonly name: string;
  readonly role: Role;
  readonly meshes?: readonly string[];
  readonly validForMs: number;
}

/** The token operations the API needs; the control plane wires them to @mycel/tokens. */
export interface ApiAuth {
  /** Verifies a bearer token; UnauthenticatedError with the reason when it does not verify. */
  validate(token: string): Promise<Identity>;
  /** Issues a signed user token. */
  issueUserToken(request: UserTokenRequest): Promise<string>;
  /** Revokes the token with this `jti`; tokens carrying it stop validating. */
  revoke(jti: string): Promise<void>;
}

/** What POST /tokens/dataplane asks for, after validation: bound to a name and/or tags within one mesh. */
export interface DataplaneTokenRequest {
  readonly mesh: string;
  /** The dataplane name the token is bound to; absent means any name whose tags match. */
  readonly name?: string;
  /** Tags the dataplane's inbounds must carry (e.g. `mycel.io/service`). */
  readonly tags?: Readonly<Record<string, string>>;
  readonly validForMs: number;
}

/**
 * Zone-only features a control plane that serves dataplanes plugs into the API. A control plane
 * without them (global) answers 404 on their endpoints.
 */
export interface ZoneApiExtensions {
  /** Issues a dataplane token signed with the mesh's signing key. */
  issueDataplaneToken(request: DataplaneTokenRequest): Promise<string>;
  /** Revokes a dataplane token of `mesh` by `jti`. */
  revokeDataplaneToken(mesh: string, jti: string): Promise<void>;
  /** The xDS resources generated for a dataplane, decoded to JSON; NotFoundError when it does not exist. */
  dataplaneConfig(mesh: string, name: string): Promise<unknown>;
  /** The merged policy rules that apply to a dataplane; NotFoundError when it does not exist. */
  dataplaneRules(mesh: string, name: string): Promise<unknown>;
}

/** What POST /tokens/zone asks for, after validation. */
export interface ZoneTokenRequest {
  readonly zone: string;
  readonly validForMs: number;
}

/** A zone token as the API returns it. */
export interface IssuedZoneTokenInfo {
  /** NATS creds text (secret). */
  readonly token: string;
  /** The user's public nkey. */
  readonly id: string;
  readonly zone: string;
  readonly expiresAt: Date;
}

/** Zone-token issuing and revocation (global in zone-token mode). */
export interface ZoneTokenExtensions {
  issueZoneToken(request: ZoneTokenRequest): Promise<IssuedZoneTokenInfo>;
  /** Records the revocation and has nats-server enforce it. */
  revokeZoneToken(id: string): Promise<void>;
}

/** Global-only features: the zone registry's live status. A control plane without them shows Zones without `status`. */
export interface GlobalApiExtensions {
  /** What KDS knows about zone `zone` (heartbeats, synced resources); undefined when global does not follow it. */
  zoneStatus(zone: string): ZoneStatusInfo | undefined;
  /** Present in zone-token mode (`--kds-auth-dir`); absent: POST /tokens/zone answers 409 saying how to enable it. */
  readonly zoneTokens?: ZoneTokenExtensions;
}

/** Readiness of the control plane as reported by `/readyz`. */
export interface Readiness {
  readonly ready: boolean;
  /** Why it is not ready (shown on 503). */
  readonly reason?: string;
}

/** Everything the API needs from the control plane that hosts it. */
export interface ApiContext {
  readonly registry: TypeRegistry;
  readonly store: ResourceStore;
  readonly auth: ApiAuth;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * `standalone`, `zone` or `global`; shown at `/`, and deciding which writes the multi-zone
   * ownership rules refuse (see `multizoneWriteProblem`).
   */
  readonly mode: string;
  readonly instanceId: string;
  readonly version: string;
  /** Largest request body in bytes (413 above it). */
  readonly maxBodyBytes: number;
  /** Development convenience: loopback callers without a token are admin. */
  readonly localhostIsAdmin: boolean;
  readonly readiness: () => Readiness;
  /** Present on control planes that serve dataplanes (standalone, zone). */
  readonly zone?: ZoneApiExtensions;
  /** Present on the global control plane. */
  readonly global?: GlobalApiExtensions;
}
