import { createHash } from 'node:crypto';
import type { JsonObject } from '@mycel/core';
import { canonicalJson } from '@mycel/core';
import { encodeResource } from '../envoy/encode';
import { EnvoyRulesError } from '../envoy/errors';
import { typeNameOfUrl } from '../envoy/protos';
import { checkValidateRules } from '../envoy/validate-rules';
import type { XdsResource, XdsTypeUrl } from '../resource-types';

/** Default bound of an {@link EncodingCache}: enough for every distinct resource of a large zone. */
export const DEFAULT_ENCODING_CACHE_ENTRIES = 50_000;

const shared = new WeakSet<object>();

/**
 * Deep-freezes `message` and marks it as shared: one object built once (e.g. per mesh) and put
 * into the resource sets of many proxies. An {@link EncodingCache} recognises a shared object by
 * identity and skips even the canonical-JSON hash; plugins change one through `ResourceSet.edit`,
 * which swaps in a private copy.
 */
export function shareResource<T extends JsonObject>(message: T): T {
  deepFreeze(message);
  shared.add(message);
  return message;
}

/** True for an object returned by {@link shareResource}. */
export function isSharedResource(message: object): boolean {
  return shared.has(message);
}

/** Options of an {@link EncodingCache}. */
export interface EncodingCacheOptions {
  /** Most entries kept; the least recently used go first. Default {@link DEFAULT_ENCODING_CACHE_ENTRIES}. */
  readonly maxEntries?: number;
  /** Check Envoy's validation rules before encoding (throws {@link EnvoyRulesError}). Default true. */
  readonly checkRules?: boolean;
}

/**
 * Encodes resources once: equal messages (same type URL, name and canonical JSON) map to the same
 * frozen {@link XdsResource} object, whichever proxy's snapshot they appear in. On a miss the
 * message is shape-checked and encoded (`encodeResource`), checked against Envoy's validation
 * rules, and versioned with a hash of its encoded bytes. Owned by whoever generates snapshots
 * (one per zone control plane); safe to share across meshes.
 */
export class EncodingCache {
  private readonly byKey = new Map<string, XdsResource>();
  private readonly byIdentity = new WeakMap<object, XdsResource>();
  private readonly maxEntries: number;
  private readonly checkRules: boolean;
  private hitCount = 0;
  private missCount = 0;

  constructor(options: EncodingCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_ENCODING_CACHE_ENTRIES;
    this.checkRules = options.checkRules ?? true;
  }

  /** The encoded resource for `message`, from the cache when an equal one was encoded before. */
  encode(typeUrl: XdsTypeUrl, name: string, message: JsonObject): XdsResource {
    const isShared = shared.has(message);
    if (isShared) {
      const known = this.byIdentity.get(message);
      if (known !== undefined && known.typeUrl === typeUrl && known.name === name) {
        this.hitCount++;
        return known;
      }
    }
    const key = `${typeUrl}\n${name}\n${createHash('sha256').update(canonicalJson(message)).digest('hex')}`;
    let resource = this.byKey.get(key);
    if (resource !== undefined) {
      this.hitCount++;
      // Refresh the entry's position so the least recently used one is evicted first.
      this.byKey.delete(key);
    } else {
      this.missCount++;
      resource = this.build(typeUrl, name, message);
    }
    this.byKey.set(key, resource);
    if (this.byKey.size > this.maxEntries) {
      const oldest = this.byKey.keys().next().value;
      if (oldest !== undefined) this.byKey.delete(oldest);
    }
    if (isShared) this.byIdentity.set(message, resource);
    return resource;
  }

  /** Number of cached resources. */
  get size(): number {
    return this.byKey.size;
  }

  /** Encodes answered from the cache since creation. */
  get hits(): number {
    return this.hitCount;
  }

  /** Encodes that had to encode since creation. */
  get misses(): number {
    return this.missCount;
  }

  /** Drops every entry. */
  clear(): void {
    this.byKey.clear();
  }

  private build(typeUrl: XdsTypeUrl, name: string, message: JsonObject): XdsResource {
    const any = encodeResource(typeUrl, message);
    if (this.checkRules) {
      const typeName = typeNameOfUrl(typeUrl);
      const violations = checkValidateRules(typeName, message);
      if (violations.length > 0) throw new EnvoyRulesError(typeName, name, violations);
    }
    return Object.freeze({ typeUrl, name, version: bytesVersion(any.value), any: Object.freeze(any) });
  }
}

/**
 * Version of an encoded resource: the first 16 hex digits of the SHA-256 of its bytes, so equal
 * bytes always have equal versions and any change gives a new one.
 */
export function bytesVersion(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  if (ArrayBuffer.isView(value)) return; // typed arrays cannot be frozen; bytes are rare and left as is
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
