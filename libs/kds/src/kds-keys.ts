import type { ResourceKey } from '@mycel/core';
import { MalformedInputError } from '@mycel/core';

/** The bucket global writes and every zone reads: the state of every `globalToZone` type. */
export const GLOBAL_BUCKET = 'mycel-global';
/** Prefix of the bucket each zone writes and global reads: `mycel-zone-<escaped zone name>`. */
export const ZONE_BUCKET_PREFIX = 'mycel-zone-';
/** Key of the marker a writer puts once its first full reconcile of a bucket is complete. */
export const READY_KEY = '_ready';
/** Key of the heartbeat a zone puts into its own bucket every heartbeat interval. */
export const HEARTBEAT_KEY = '_heartbeat';
/** Placeholder for the mesh token of global-scoped types (an escaped mesh name is never a lone `_`). */
export const NO_MESH_TOKEN = '_';

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const PLAIN = /[A-Za-z0-9-]/;

/**
 * Escapes one key token so that it is a valid NATS subject token and KV key part: characters in
 * `[A-Za-z0-9-]` stay as they are, every other UTF-8 byte becomes `_XX` (upper-case hex), `_` itself
 * included. Reversible for any string, and readable for DNS names (`web.default` → `web_2Edefault`),
 * which base64url would not be. A '.', '*', '>' or space would split or wildcard the subject, so none
 * can ever appear. The empty string has no token form and throws.
 */
export function escapeToken(value: string): string {
  if (value === '') throw new MalformedInputError('a KDS key token must not be empty');
  let out = '';
  for (const ch of value) {
    if (PLAIN.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of {@link escapeToken}; throws MalformedInputError on a token escapeToken cannot produce. */
export function unescapeToken(token: string): string {
  if (!/^(?:[A-Za-z0-9-]|_[0-9A-F]{2})+$/.test(token)) throw new MalformedInputError(`'${token}' is not an escaped KDS key token`);
  const bytes: number[] = [];
  for (let i = 0; i < token.length; ) {
    if (token[i] === '_') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(token.charCodeAt(i));
      i += 1;
    }
  }
  const decoded = new TextDecoder('utf-8', { fatal: true });
  try {
    const value = decoded.decode(Uint8Array.from(bytes));
    // Reject non-canonical forms (e.g. `_41` for `A`) so every key has exactly one token form.
    if (escapeToken(value) !== token) throw new MalformedInputError(`'${token}' is not the canonical escaped form of '${value}'`);
    return value;
  } catch (err) {
    if (err instanceof MalformedInputError) throw err;
    throw new MalformedInputError(`'${token}' does not decode to UTF-8`, [], { cause: err });
  }
}

/**
 * The KV key of a resource: `<type>.<mesh|_>.<name>`, mesh and name escaped with {@link escapeToken}
 * (names may contain dots, which would otherwise add subject tokens). Keys sort and filter by type
 * (`Dataplane.>`) and by mesh (`Dataplane.default.>`).
 */
export function kdsKey(key: ResourceKey): string {
  if (!TYPE_NAME.test(key.type)) throw new MalformedInputError(`resource type '${key.type}' cannot be used in a KDS key`);
  const mesh = key.mesh === undefined ? NO_MESH_TOKEN : escapeToken(key.mesh);
  return `${key.type}.${mesh}.${escapeToken(key.name)}`;
}

/** The resource key of a KV key made by {@link kdsKey}; throws MalformedInputError on anything else (reserved keys included). */
export function parseKdsKey(kvKey: string): ResourceKey {
  const parts = kvKey.split('.');
  const [type, mesh, name] = parts;
  if (parts.length !== 3 || type === undefined || mesh === undefined || name === undefined || !TYPE_NAME.test(type)) {
    throw new MalformedInputError(`'${kvKey}' is not a KDS resource key (<type>.<mesh|_>.<name>)`);
  }
  const resourceName = unescapeToken(name);
  return mesh === NO_MESH_TOKEN ? { type, name: resourceName } : { type, mesh: unescapeToken(mesh), name: resourceName };
}

/** True for keys the sync itself writes ({@link READY_KEY}, {@link HEARTBEAT_KEY}, any `_`-prefixed key), never resources. */
export function isReservedKey(kvKey: string): boolean {
  return kvKey.startsWith('_');
}

/** The type name of a resource KV key (its first token). */
export function typeOfKdsKey(kvKey: string): string {
  const dot = kvKey.indexOf('.');
  return dot < 0 ? kvKey : kvKey.slice(0, dot);
}

/** The bucket zone `zone` writes: `mycel-zone-<escaped zone>` (bucket names allow `[A-Za-z0-9_-]`). */
export function zoneBucket(zone: string): string {
  return ZONE_BUCKET_PREFIX + escapeToken(zone);
}

/** The zone whose bucket is `bucket`, or undefined when `bucket` is not a zone bucket. */
export function zoneOfBucket(bucket: string): string | undefined {
  if (!bucket.startsWith(ZONE_BUCKET_PREFIX)) return undefined;
  try {
    return unescapeToken(bucket.slice(ZONE_BUCKET_PREFIX.length));
  } catch {
    // Some other bucket that merely shares the prefix: not ours.
    return undefined;
  }
}

/** The JetStream stream backing a KV bucket (`KV_<bucket>`). */
export function streamOfBucket(bucket: string): string {
  return `KV_${bucket}`;
}
