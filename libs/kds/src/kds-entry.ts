import { contentHash, isObject, type ResourceInput } from '@mycel/core';
import { KdsEntryError } from './kds-errors';
import { kdsKey } from './kds-keys';

/** Format version of KV values; a reader refuses values of another version rather than guessing. */
export const ENTRY_FORMAT = 1;

/** What KDS carries of a resource: its identity, labels and spec (store fields stay local to each store). */
export interface SyncedResource {
  readonly type: string;
  readonly mesh?: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: unknown;
}

/** A decoded resource value: the resource and its content hash. */
export interface ResourceEntry {
  readonly resource: SyncedResource;
  /** {@link syncHash} of `resource`. */
  readonly hash: string;
}

/** Value of the {@link READY_KEY} marker. */
export interface ReadyMarker {
  /** `global`, or the zone name, of the writer. */
  readonly writer: string;
  /** RFC 3339 time of the writer's clock when its first full reconcile completed. */
  readonly time: string;
}

/** Value of a zone's {@link HEARTBEAT_KEY}. */
export interface Heartbeat {
  readonly zone: string;
  /** Identifies the zone control plane instance (changes on restart). */
  readonly instanceId: string;
  /** RFC 3339 time of the zone's clock when it was written. */
  readonly time: string;
  /** The heartbeat interval of the zone in ms. */
  readonly intervalMs: number;
  /** Resources the zone has in its bucket, per type, as the zone counts them. */
  readonly resources: Readonly<Record<string, number>>;
  /** The revision of `mycel-global` the zone has applied (its KDS version of global's data); absent from older zones. */
  readonly globalRevision?: number;
}

/** The synced form of a stored resource or input (labels and spec copied by reference). */
export function syncedResourceOf(r: ResourceInput): SyncedResource {
  return r.mesh === undefined
    ? { type: r.type, name: r.name, labels: r.labels, spec: r.spec }
    : { type: r.type, mesh: r.mesh, name: r.name, labels: r.labels, spec: r.spec };
}

/** Content hash of a synced resource: 16 hex characters of SHA-256 over its canonical JSON. */
export function syncHash(resource: SyncedResource): string {
  return contentHash(resource);
}

/** The KV value of a resource: `{"v":1,"hash":…,"resource":{…}}` as UTF-8 JSON, plus its hash. */
export function encodeResourceEntry(resource: SyncedResource): { readonly hash: string; readonly value: Uint8Array } {
  const synced = syncedResourceOf(resource);
  const hash = syncHash(synced);
  return { hash, value: Buffer.from(JSON.stringify({ v: ENTRY_FORMAT, hash, resource: synced }), 'utf8') };
}

/**
 * Decodes the value stored under `key` of `bucket`; throws KdsEntryError when it is not a resource
 * entry of this format, when the resource's own key is not `key`, or when the hash does not match.
 */
export function decodeResourceEntry(bucket: string, key: string, value: Uint8Array): ResourceEntry {
  const o = parseJson(bucket, key, value);
  const r = o['resource'];
  if (typeof o['hash'] !== 'string' || !isObject(r)) throw new KdsEntryError(`entry ${key} of ${bucket} has no hash or resource`, bucket, key);
  const { type, mesh, name, labels, spec } = r;
  if (typeof type !== 'string' || typeof name !== 'string' || (mesh !== undefined && typeof mesh !== 'string') || !isStringMap(labels)) {
    throw new KdsEntryError(`entry ${key} of ${bucket} holds a malformed resource`, bucket, key);
  }
  const resource: SyncedResource = mesh === undefined ? { type, name, labels, spec } : { type, mesh, name, labels, spec };
  let ownKey: string;
  try {
    ownKey = kdsKey(resource);
  } catch (err) {
    throw new KdsEntryError(`entry ${key} of ${bucket} holds a resource without a valid key`, bucket, key, { cause: err });
  }
  if (ownKey !== key) throw new KdsEntryError(`entry ${key} of ${bucket} holds the resource of key ${ownKey}`, bucket, key);
  const hash = syncHash(resource);
  if (hash !== o['hash']) throw new KdsEntryError(`entry ${key} of ${bucket} has hash ${String(o['hash'])}, its resource hashes to ${hash}`, bucket, key);
  return { resource, hash };
}

/** The KV value of a ready marker. */
export function encodeReadyMarker(marker: ReadyMarker): Uint8Array {
  return Buffer.from(JSON.stringify({ v: ENTRY_FORMAT, ready: marker }), 'utf8');
}

/** Decodes a ready marker; throws KdsEntryError on anything else. */
export function decodeReadyMarker(bucket: string, key: string, value: Uint8Array): ReadyMarker {
  const m = parseJson(bucket, key, value)['ready'];
  if (!isObject(m) || typeof m['writer'] !== 'string' || typeof m['time'] !== 'string') {
    throw new KdsEntryError(`entry ${key} of ${bucket} is not a ready marker`, bucket, key);
  }
  return { writer: m['writer'], time: m['time'] };
}

/** The KV value of a heartbeat. */
export function encodeHeartbeat(heartbeat: Heartbeat): Uint8Array {
  return Buffer.from(JSON.stringify({ v: ENTRY_FORMAT, heartbeat }), 'utf8');
}

/** Decodes a heartbeat; throws KdsEntryError on anything else. */
export function decodeHeartbeat(bucket: string, key: string, value: Uint8Array): Heartbeat {
  const h = parseJson(bucket, key, value)['heartbeat'];
  if (
    !isObject(h) ||
    typeof h['zone'] !== 'string' ||
    typeof h['instanceId'] !== 'string' ||
    typeof h['time'] !== 'string' ||
    typeof h['intervalMs'] !== 'number' ||
    !isObject(h['resources']) ||
    !Object.values(h['resources']).every((n) => typeof n === 'number') ||
    (h['globalRevision'] !== undefined && typeof h['globalRevision'] !== 'number')
  ) {
    throw new KdsEntryError(`entry ${key} of ${bucket} is not a heartbeat`, bucket, key);
  }
  return {
    zone: h['zone'],
    instanceId: h['instanceId'],
    time: h['time'],
    intervalMs: h['intervalMs'],
    resources: h['resources'] as Record<string, number>,
    ...(typeof h['globalRevision'] === 'number' ? { globalRevision: h['globalRevision'] } : {}),
  };
}

function parseJson(bucket: string, key: string, value: Uint8Array): Record<string, unknown> {
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));
  } catch (err) {
    throw new KdsEntryError(`entry ${key} of ${bucket} is not JSON`, bucket, key, { cause: err });
  }
  if (!isObject(o)) throw new KdsEntryError(`entry ${key} of ${bucket} is not a JSON object`, bucket, key);
  if (o['v'] !== ENTRY_FORMAT) throw new KdsEntryError(`entry ${key} of ${bucket} has format ${String(o['v'])}, expected ${ENTRY_FORMAT}`, bucket, key);
  return o;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((s) => typeof s === 'string');
}
