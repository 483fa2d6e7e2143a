import { AlreadyExistsError, ConflictError, ValidationError, isObject } from '@mycel/core';
import type { Resource } from '@mycel/core';
import { credsAuthenticator } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { ResourceStore } from '@mycel/store';
import { KdsUnavailableError } from './kds-errors';
import { isZoneTokenId } from './nats-auth';
import type { IssuedZoneToken, NatsAuthority } from './nats-auth';

/** Name of the GlobalSecret holding revoked zone-token ids. */
export const ZONE_TOKEN_REVOCATIONS = 'zone-token-revocations';
/** Subject nats-server's full resolver takes account JWT updates on (from a system account user). */
export const CLAIMS_UPDATE_SUBJECT = '$SYS.REQ.CLAIMS.UPDATE';

/**
 * Revoked zone-token ids (user public keys) with the Unix second each was revoked at, kept in the
 * GlobalSecret `zone-token-revocations` of global's store (`spec.data`: base64 of sorted JSON
 * `{id: seconds}`). KDS syncs GlobalSecrets to zones, but nothing there reads this one: nats-server
 * enforces revocations from the account JWT global pushes. Writes use the stored version as a
 * precondition and retry, so concurrent revocations are never lost.
 */
export class ZoneTokenRevocations {
  constructor(
    private readonly store: ResourceStore,
    private readonly name: string = ZONE_TOKEN_REVOCATIONS,
    private readonly maxAttempts = 25,
  ) {}

  /** Every revoked id → Unix seconds of its revocation. */
  async list(): Promise<Record<string, number>> {
    const current = await this.store.find({ type: 'GlobalSecret', name: this.name });
    return current === undefined ? {} : decode(current);
  }

  /** Records `id` as revoked at `atSec` (kept at its first revocation time when already there); true when it was added. */
  async revoke(id: string, atSec: number): Promise<boolean> {
    if (!isZoneTokenId(id)) throw new ValidationError('invalid zone token id', [{ field: 'id', reason: 'must be a zone token id (a public user nkey: U followed by 55 base32 characters)' }]);
    const key = { type: 'GlobalSecret', name: this.name };
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.find(key);
      const ids = current === undefined ? {} : decode(current);
      if (ids[id] !== undefined) return false;
      ids[id] = Math.floor(atSec);
      const spec = { data: encode(ids) };
      try {
        if (current === undefined) await this.store.create({ ...key, labels: {}, spec });
        else await this.store.update({ ...key, labels: current.labels, spec }, { expectedVersion: current.version });
        return true;
      } catch (err) {
        // Another writer changed the list between our read and our write: re-read and merge again.
        if (!(err instanceof ConflictError || err instanceof AlreadyExistsError)) throw err;
        if (attempt >= this.maxAttempts) throw new ConflictError(`could not update GlobalSecret ${this.name} after ${attempt} attempts`, { cause: err });
      }
    }
  }
}

function decode(resource: Resource): Record<string, number> {
  const data = isObject(resource.spec) ? resource.spec['data'] : undefined;
  if (typeof data !== 'string') return {};
  try {
    const parsed = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
    if (!isObject(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => isZoneTokenId(e[0]) && typeof e[1] === 'number'));
  } catch {
    // Someone stored something else under this name: treat it as empty rather than failing every revocation.
    return {};
  }
}

function encode(ids: Readonly<Record<string, number>>): string {
  const sorted = Object.fromEntries(Object.keys(ids).sort().map((k) => [k, ids[k]]));
  return Buffer.from(JSON.stringify(sorted), 'utf8').toString('base64');
}

/** Options of {@link pushAccountJwt}. */
export interface PushAccountJwtOptions {
  readonly servers: readonly string[];
  /** Creds of a system account user (`system.creds`). */
  readonly systemCreds: string;
  /** The account JWT to store. */
  readonly jwt: string;
  /** Connection and request timeout, in ms; default 5000. */
  readonly timeoutMs?: number;
}

/**
 * Sends an account JWT to nats-server's full resolver (`$SYS.REQ.CLAIMS.UPDATE` as a system
 * account user): the server stores it, applies it to the account at once (new revocations
 * disconnect the revoked users) and shares it with its cluster peers. KdsUnavailableError when no
 * server answers or the server refuses the JWT (its reason in the message).
 */
export async function pushAccountJwt(options: PushAccountJwtOptions): Promise<void> {
  const timeout = options.timeoutMs ?? 5000;
  let nc;
  try {
    nc = await connect({
      servers: [...options.servers],
      name: 'global-cp claims update',
      authenticator: credsAuthenticator(new TextEncoder().encode(options.systemCreds)),
      timeout,
      maxReconnectAttempts: 0,
    });
  } catch (err) {
    throw new KdsUnavailableError(`cannot connect to NATS at ${options.servers.join(', ')} as the system user: ${(err as Error).message}`, { cause: err });
  }
  try {
    const reply = await nc.request(CLAIMS_UPDATE_SUBJECT, new TextEncoder().encode(options.jwt), { timeout });
    const answer = JSON.parse(new TextDecoder().decode(reply.data)) as { data?: { code?: number; message?: string }; error?: { code?: number; description?: string } };
    if (answer.error !== undefined || (answer.data?.code !== undefined && answer.data.code >= 300)) {
      throw new KdsUnavailableError(`nats-server refused the account JWT: ${answer.error?.description ?? answer.data?.message ?? JSON.stringify(answer)}`);
    }
  } catch (err) {
    if (err instanceof KdsUnavailableError) throw err;
    throw new KdsUnavailableError(`account JWT update failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await nc.close();
  }
}

/** Options of {@link ZoneTokenAuthority}. */
export interface ZoneTokenAuthorityOptions {
  readonly authority: NatsAuthority;
  readonly revocations: ZoneTokenRevocations;
  /** Sends the re-signed account JWT to nats-server (normally {@link pushAccountJwt}). */
  readonly push: (jwt: string) => Promise<void>;
  readonly now?: () => Date;
}

/**
 * Global's zone-token operations: issue a token (signed locally, nothing stored), revoke one
 * (recorded in the store, then the account JWT with every revocation is re-signed and pushed), and
 * push the current revocation list (on start).
 */
export class ZoneTokenAuthority {
  private readonly now: () => Date;
  /** `iat` of the last account JWT pushed: each push is strictly newer, so nats-server never keeps an older list. */
  private lastIatSec = 0;

  constructor(private readonly options: ZoneTokenAuthorityOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Issues a zone token for `zone` valid `validForMs`. */
  issue(zone: string, validForMs: number): IssuedZoneToken {
    return this.options.authority.issueZoneToken(zone, validForMs, this.now());
  }

  /**
   * Records `id` as revoked and pushes the account JWT; the revocation is stored even when the push
   * fails (KdsUnavailableError), and the next push (every global start) carries it.
   */
  async revoke(id: string): Promise<void> {
    await this.options.revocations.revoke(id, Math.floor(this.now().getTime() / 1000));
    try {
      await this.pushRevocations();
    } catch (err) {
      throw new KdsUnavailableError(
        `the revocation of ${id} is recorded, but nats-server was not updated (${(err as Error).message}); it is pushed again with the next revocation and on global's next start`,
        { cause: err },
      );
    }
  }

  /** Re-signs the account JWT with every stored revocation and pushes it. */
  async pushRevocations(): Promise<void> {
    const revocations = await this.options.revocations.list();
    const iat = Math.max(Math.floor(this.now().getTime() / 1000), this.lastIatSec + 1);
    this.lastIatSec = iat;
    await this.options.push(this.options.authority.signAccount(revocations, new Date(iat * 1000)));
  }
}
