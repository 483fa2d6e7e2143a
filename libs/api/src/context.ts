import type { TypeRegistry } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import type { Logger, Metrics } from '@mycel/telemetry';
import type { Identity, Role } from '@mycel/tokens';

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
  /** `standalone`, `zone` or `global`; shown at `/`. */
  readonly mode: string;
  readonly instanceId: string;
  readonly version: string;
  /** Largest request body in bytes (413 above it). */
  readonly maxBodyBytes: number;
  /** Development convenience: loopback callers without a token are admin. */
  readonly localhostIsAdmin: boolean;
  readonly readiness: () => Readiness;
}
