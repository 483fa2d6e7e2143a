import { AlreadyExistsError, ConflictError, ValidationError } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import { checkLocation, describeSecret, secretData, secretKey, type SecretLocation } from './secret-location';

/** Name of the GlobalSecret listing revoked user-token ids. */
export const USER_TOKEN_REVOCATIONS = 'user-token-revocations';

/** Options of {@link RevocationList}: where the secret lives and its name. */
export interface RevocationListOptions extends SecretLocation {
  readonly name: string;
  /** Attempts of one `revoke` under write contention before it gives up with ConflictError; default 25. */
  readonly maxAttempts?: number;
}

/** Token ids are opaque but must fit one line of the list: base64url-ish, 1..256 characters. */
const JTI = /^[A-Za-z0-9._~-]{1,256}$/;

/**
 * Revoked token ids (`jti`) kept in one secret whose `spec.data` is the base64 of the ids, one per
 * line, sorted. Reads consult the store every time (a revocation made by another process applies at
 * once); only the parsing is cached.
 */
export class RevocationList {
  private readonly store: ResourceStore;
  private readonly location: SecretLocation;
  private readonly name: string;
  private readonly maxAttempts: number;
  private cache: { readonly data: string; readonly ids: ReadonlySet<string> } = { data: '', ids: new Set() };

  constructor(options: RevocationListOptions) {
    checkLocation(options);
    this.store = options.store;
    this.location = { store: options.store, type: options.type, ...(options.mesh === undefined ? {} : { mesh: options.mesh }) };
    this.name = options.name;
    this.maxAttempts = options.maxAttempts ?? 25;
  }

  /**
   * Adds `jti` to the list (a no-op when already there). Uses the stored version as a precondition
   * and retries on ConflictError/AlreadyExistsError, so concurrent revocations are never lost.
   */
  async revoke(jti: string): Promise<void> {
    if (typeof jti !== 'string' || !JTI.test(jti)) {
      throw new ValidationError('invalid token id', [{ field: 'jti', reason: 'must be 1 to 256 characters of A-Z, a-z, 0-9, ., _, ~ or -' }]);
    }
    const key = secretKey(this.location, this.name);
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.find(key);
      const ids = new Set(current === undefined ? [] : this.parse(secretData(current)));
      if (ids.has(jti)) return;
      ids.add(jti);
      const spec = { data: encode(ids) };
      try {
        if (current === undefined) await this.store.create({ ...key, labels: {}, spec });
        else await this.store.update({ ...key, labels: current.labels, spec }, { expectedVersion: current.version });
        return;
      } catch (err) {
        // Another writer changed the list between our read and our write: re-read and merge again.
        if (!(err instanceof ConflictError || err instanceof AlreadyExistsError)) throw err;
        if (attempt >= this.maxAttempts) {
          throw new ConflictError(`could not update ${describeSecret(this.location, this.name)} after ${attempt} attempts`, {
            cause: err,
          });
        }
      }
    }
  }

  /** True when `jti` has been revoked. */
  async isRevoked(jti: string): Promise<boolean> {
    const current = await this.store.find(secretKey(this.location, this.name));
    if (current === undefined) return false;
    return this.parse(secretData(current)).has(jti);
  }

  private parse(data: string): ReadonlySet<string> {
    if (this.cache.data !== data) {
      const text = Buffer.from(data, 'base64').toString('utf8');
      this.cache = { data, ids: new Set(text.split('\n').filter((line) => line !== '')) };
    }
    return this.cache.ids;
  }
}

function encode(ids: ReadonlySet<string>): string {
  const text = [...ids].sort().join('\n');
  return Buffer.from(text === '' ? '' : `${text}\n`, 'utf8').toString('base64');
}
