import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AlreadyExistsError, MycelError, NotFoundError, nameProblem } from '@mycel/core';
import { MAX_PAGE_SIZE, type ResourceStore } from '@mycel/store';
import { checkLocation, describeSecret, secretData, secretKey, type SecretLocation } from './secret-location';

/** Name prefix of the GlobalSecrets holding user-token signing keys (`user-token-signing-key-<serial>`). */
export const USER_TOKEN_SIGNING_KEY_PREFIX = 'user-token-signing-key';
/** Name prefix of the mesh Secrets holding dataplane-token signing keys (`dataplane-token-signing-key-<serial>`). */
export const DATAPLANE_TOKEN_SIGNING_KEY_PREFIX = 'dataplane-token-signing-key';

/** Options of {@link SigningKeyManager}: the secret location and the name prefix of its keys. */
export interface SigningKeyManagerOptions extends SecretLocation {
  readonly prefix: string;
}

/** A signing key: `kid` is its serial as a decimal string (`"1"`, `"2"`, …). */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** A stored signing key that cannot be used (not base64 PKCS#8 PEM of an EC P-256 key); an operator error. */
export class InvalidSigningKeyError extends MycelError {
  readonly code = 'INTERNAL' as const;
}

interface ParsedKey {
  /** The `spec.data` the key was parsed from; a cache entry is reused only while it is unchanged. */
  readonly data: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

const SERIAL = /^[1-9][0-9]{0,8}$/;

/**
 * Signing keys kept as secrets named `<prefix>-<serial>`, with `spec.data` the base64 of a PKCS#8
 * PEM EC P-256 private key. The highest serial signs; every stored serial verifies, so rotation keeps
 * old tokens valid until their key is deleted. Every lookup consults the store (a deleted key stops
 * verifying at once); only the parsing of key material is cached.
 */
export class SigningKeyManager {
  private readonly store: ResourceStore;
  private readonly location: SecretLocation;
  private readonly prefix: string;
  private readonly nameRe: RegExp;
  private readonly cache = new Map<string, ParsedKey>();

  constructor(options: SigningKeyManagerOptions) {
    checkLocation(options);
    const problem = nameProblem(`${options.prefix}-1`);
    if (problem !== undefined) throw new TypeError(`SigningKeyManager: prefix '${options.prefix}' ${problem}`);
    this.store = options.store;
    this.location = { store: options.store, type: options.type, ...(options.mesh === undefined ? {} : { mesh: options.mesh }) };
    this.prefix = options.prefix;
    this.nameRe = new RegExp(`^${options.prefix.replace(/\./g, '\\.')}-(${SERIAL.source.slice(1, -1)})$`);
  }

  /**
   * Makes sure at least one key exists, creating serial 1 when none does, and returns the active key.
   * Safe to race (across processes too): a lost create race adopts the winner's key.
   */
  async ensureKey(): Promise<SigningKey & { readonly created: boolean }> {
    if ((await this.serials()).length === 0) {
      try {
        await this.create(1);
        return { ...(await this.activeKey()), created: true };
      } catch (err) {
        // Another caller created serial 1 between our list and our create; its key is as good as ours.
        if (!(err instanceof AlreadyExistsError)) throw err;
      }
    }
    return { ...(await this.activeKey()), created: false };
  }

  /** The key with the highest serial; NotFoundError when there is none (call ensureKey at startup). */
  async activeKey(): Promise<SigningKey> {
    const serials = await this.serials();
    // Highest first; a key deleted between the list and the read falls through to the next one.
    for (const serial of serials.reverse()) {
      const key = await this.load(serial);
      if (key !== undefined) return { kid: String(serial), privateKey: key.privateKey };
    }
    throw new NotFoundError(`no signing key ${this.where(`${this.prefix}-<serial>`)} exists`);
  }

  /**
   * Adds a key with serial = highest + 1 and returns it as the new active key. When a concurrent
   * rotation created that serial first, its key is returned instead (one rotation, not two).
   */
  async rotate(): Promise<SigningKey> {
    const serials = await this.serials();
    const next = (serials[serials.length - 1] ?? 0) + 1;
    try {
      await this.create(next);
    } catch (err) {
      // A concurrent rotation won the race for this serial: the rotation the caller asked for happened.
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    return this.activeKey();
  }

  /** The public key of `kid`, or undefined when no such key is stored (never existed, or deleted). */
  async publicKey(kid: string): Promise<KeyObject | undefined> {
    if (!SERIAL.test(kid)) return undefined;
    return (await this.load(Number(kid)))?.publicKey;
  }

  /** The kids of every stored key, ascending by serial. */
  async listKids(): Promise<string[]> {
    return (await this.serials()).map(String);
  }

  private async serials(): Promise<number[]> {
    const serials: number[] = [];
    let offset: string | undefined;
    do {
      const page = await this.store.list({
        type: this.location.type,
        ...(this.location.mesh === undefined ? {} : { mesh: this.location.mesh }),
        nameContains: `${this.prefix}-`,
        size: MAX_PAGE_SIZE,
        ...(offset === undefined ? {} : { offset }),
      });
      for (const r of page.items) {
        const m = this.nameRe.exec(r.name);
        if (m) serials.push(Number(m[1]));
      }
      offset = page.next;
    } while (offset !== undefined);
    return serials.sort((a, b) => a - b);
  }

  private async load(serial: number): Promise<ParsedKey | undefined> {
    const name = `${this.prefix}-${serial}`;
    const resource = await this.store.find(secretKey(this.location, name));
    if (resource === undefined) {
      this.cache.delete(name);
      return undefined;
    }
    const data = secretData(resource);
    const cached = this.cache.get(name);
    if (cached !== undefined && cached.data === data) return cached;
    const parsed = parseKey(data, this.where(name));
    this.cache.set(name, parsed);
    return parsed;
  }

  private async create(serial: number): Promise<void> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await this.store.create({
      ...secretKey(this.location, `${this.prefix}-${serial}`),
      labels: {},
      spec: { data: Buffer.from(pem, 'utf8').toString('base64') },
    });
  }

  private where(name: string): string {
    return describeSecret(this.location, name);
  }
}

function parseKey(data: string, where: string): ParsedKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(data, 'base64').toString('utf8'), format: 'pem' });
  } catch (err) {
    throw new InvalidSigningKeyError(`signing key ${where} is not a base64-encoded PEM private key`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new InvalidSigningKeyError(`signing key ${where} is not an EC P-256 key`);
  }
  return { data, privateKey, publicKey: createPublicKey(privateKey) };
}
