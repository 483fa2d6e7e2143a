import { DataplaneType, NotFoundError, ValidationError, Violations, checkLabels, durationProblem, nameProblem, parseDuration } from '@mycel/core';
import { authorize } from '@mycel/tokens';
import type { Identity } from '@mycel/tokens';
import type { ZoneApiExtensions } from './context';

/** Lifetime of a dataplane token when the request gives none. */
export const DEFAULT_DATAPLANE_TOKEN_VALIDITY = '24h';
/** Longest lifetime of a dataplane token: 10 years. */
export const MAX_DATAPLANE_TOKEN_VALIDITY_MS = 10 * 365 * 86_400_000;

/** Dataplane tokens and per-dataplane inspection; everything here needs the zone extensions. */
export class DataplaneService {
  constructor(private readonly zone: ZoneApiExtensions | undefined) {}

  /** Issues a dataplane token from a POST /tokens/dataplane body (admin only). */
  async issueToken(identity: Identity, body: unknown): Promise<string> {
    authorize(identity, { verb: 'admin', what: 'issue dataplane tokens' });
    const zone = this.requireZone();
    const v = new Violations();
    const obj = v.object(body, '', ['mesh', 'name', 'tags', 'validFor']);
    if (!obj) throw invalid('invalid dataplane token request', v);
    const mesh = v.string(obj['mesh'], 'mesh');
    if (mesh !== undefined) {
      const problem = nameProblem(mesh);
      if (problem) v.add('mesh', problem);
    }
    const name = v.optionalString(obj['name'], 'name');
    if (name !== undefined) {
      const problem = nameProblem(name);
      if (problem) v.add('name', problem);
    }
    const tags = obj['tags'] === undefined ? undefined : checkLabels(v, obj['tags'], 'tags');
    if (name === undefined && (tags === undefined || Object.keys(tags).length === 0) && v.empty) {
      v.add('name', 'is required unless tags are given: a token must be bound to a dataplane name or to tags');
    }
    const validFor = obj['validFor'] === undefined ? DEFAULT_DATAPLANE_TOKEN_VALIDITY : v.string(obj['validFor'], 'validFor');
    if (validFor !== undefined) {
      const problem = durationProblem(validFor, 1000, MAX_DATAPLANE_TOKEN_VALIDITY_MS);
      if (problem) v.add('validFor', problem);
    }
    if (!v.empty || mesh === undefined || validFor === undefined) throw invalid('invalid dataplane token request', v);
    return zone.issueDataplaneToken({
      mesh,
      validForMs: parseDuration(validFor) as number,
      ...(name !== undefined ? { name } : {}),
      ...(tags !== undefined ? { tags } : {}),
    });
  }

  /** Revokes a dataplane token from a POST /tokens/dataplane/revocations body `{mesh, jti}` (admin only). */
  async revokeToken(identity: Identity, body: unknown): Promise<void> {
    authorize(identity, { verb: 'admin', what: 'revoke dataplane tokens' });
    const zone = this.requireZone();
    const v = new Violations();
    const obj = v.object(body, '', ['mesh', 'jti']);
    const mesh = obj ? v.string(obj['mesh'], 'mesh') : undefined;
    const jti = obj ? v.string(obj['jti'], 'jti') : undefined;
    if (mesh !== undefined && nameProblem(mesh)) v.add('mesh', nameProblem(mesh) as string);
    if (jti !== undefined && !/^[A-Za-z0-9_-]{1,128}$/.test(jti)) v.add('jti', 'must be a token id (base64url, at most 128 characters)');
    if (!v.empty || mesh === undefined || jti === undefined) throw invalid('invalid revocation', v);
    await zone.revokeDataplaneToken(mesh, jti);
  }

  /** The generated xDS config of a dataplane. */
  async config(identity: Identity, mesh: string, name: string): Promise<unknown> {
    authorize(identity, { verb: 'read', descriptor: DataplaneType, mesh, name });
    return this.requireZone().dataplaneConfig(mesh, name);
  }

  /** The merged policy rules of a dataplane. */
  async rules(identity: Identity, mesh: string, name: string): Promise<unknown> {
    authorize(identity, { verb: 'read', descriptor: DataplaneType, mesh, name });
    return this.requireZone().dataplaneRules(mesh, name);
  }

  private requireZone(): ZoneApiExtensions {
    if (!this.zone) throw new NotFoundError('this control plane does not serve dataplanes (it runs in global mode); ask a zone control plane');
    return this.zone;
  }
}

function invalid(what: string, v: Violations): ValidationError {
  return new ValidationError(`${what}: ${v.all.map((x) => `${x.field}: ${x.reason}`).join('; ')}`, v.all);
}
