import { ConflictError, NotFoundError, ValidationError, Violations, durationProblem, nameProblem, parseDuration } from '@mycel/core';
import { authorize } from '@mycel/tokens';
import type { Identity } from '@mycel/tokens';
import type { GlobalApiExtensions, ZoneTokenExtensions, ZoneTokenRequest } from './context';

/** Lifetime of a zone token when the request gives none: one year. */
export const DEFAULT_ZONE_TOKEN_VALIDITY = '8760h';
/** Shortest zone token lifetime: 1 s (NATS expiry has second resolution). */
export const MIN_ZONE_TOKEN_VALIDITY_MS = 1000;
/** Longest zone token lifetime: 10 years. */
export const MAX_ZONE_TOKEN_VALIDITY_MS = 10 * 365 * 86_400_000;

const ZONE_TOKEN_ID = /^U[A-Z2-7]{55}$/;

/** The parsed body of POST /tokens/zone: every problem with its field path (`zone`, `validFor`). */
export function parseZoneTokenRequest(body: unknown): ZoneTokenRequest {
  const v = new Violations();
  const obj = v.object(body, '', ['zone', 'validFor']);
  if (!obj) throw invalid('invalid zone token request', v);
  const zone = v.string(obj['zone'], 'zone');
  if (zone !== undefined) {
    const problem = nameProblem(zone);
    if (problem) v.add('zone', problem);
  }
  const validFor = obj['validFor'] === undefined ? DEFAULT_ZONE_TOKEN_VALIDITY : v.string(obj['validFor'], 'validFor');
  if (validFor !== undefined) {
    const problem = durationProblem(validFor, MIN_ZONE_TOKEN_VALIDITY_MS, MAX_ZONE_TOKEN_VALIDITY_MS);
    if (problem) v.add('validFor', problem);
  }
  if (!v.empty || zone === undefined || validFor === undefined) throw invalid('invalid zone token request', v);
  return { zone, validForMs: parseDuration(validFor) as number };
}

/** The token id of a POST /tokens/zone/revocations body. */
export function parseZoneTokenRevocation(body: unknown): string {
  const v = new Violations();
  const obj = v.object(body, '', ['id']);
  const id = obj ? v.string(obj['id'], 'id') : undefined;
  if (id !== undefined && !ZONE_TOKEN_ID.test(id)) v.add('id', 'must be a zone token id: a public user nkey, U followed by 55 base32 characters');
  if (!v.empty || id === undefined) throw invalid('invalid zone token revocation', v);
  return id;
}

/**
 * Zone tokens (admin only): issued by the global control plane in zone-token mode. Elsewhere the
 * endpoints answer why: 404 on a standalone or zone control plane (zone tokens come from global),
 * 409 on a global control plane started without `--kds-auth-dir`.
 */
export class ZoneTokenService {
  constructor(
    private readonly mode: string,
    private readonly global: GlobalApiExtensions | undefined,
  ) {}

  /** Issues a zone token from a POST /tokens/zone body. */
  async issue(identity: Identity, body: unknown): Promise<{ token: string; id: string; zone: string; expiresAt: string }> {
    authorize(identity, { verb: 'admin', what: 'issue zone tokens' });
    const tokens = this.require();
    const issued = await tokens.issueZoneToken(parseZoneTokenRequest(body));
    return { token: issued.token, id: issued.id, zone: issued.zone, expiresAt: issued.expiresAt.toISOString().replace('.000Z', 'Z') };
  }

  /** Revokes a zone token from a POST /tokens/zone/revocations body `{id}`. */
  async revoke(identity: Identity, body: unknown): Promise<void> {
    authorize(identity, { verb: 'admin', what: 'revoke zone tokens' });
    const tokens = this.require();
    await tokens.revokeZoneToken(parseZoneTokenRevocation(body));
  }

  private require(): ZoneTokenExtensions {
    if (this.mode !== 'global') {
      throw new NotFoundError(
        `zone tokens are issued by the global control plane; this control plane runs in ${this.mode} mode (ask global: mycelctl generate zone-token against its API)`,
      );
    }
    if (this.global?.zoneTokens === undefined) {
      throw new ConflictError(
        'zone tokens are not enabled on this global control plane: it authenticates to NATS with a password; run `mycel-global-cp nats-init --dir DIR`, start nats-server with DIR/nats.conf and global with --kds-auth-dir DIR',
      );
    }
    return this.global.zoneTokens;
  }
}

function invalid(what: string, v: Violations): ValidationError {
  return new ValidationError(`${what}: ${v.all.map((x) => `${x.field}: ${x.reason}`).join('; ')}`, v.all);
}
