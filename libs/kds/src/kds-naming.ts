import { createHash } from 'node:crypto';
import { Labels, MAX_NAME_LENGTH, type Resource } from '@mycel/core';

/** Value of `mycel.io/origin` on resources global owns (set by zones when they apply them). */
export const ORIGIN_GLOBAL = 'global';
/** Value of `mycel.io/origin` on resources a zone owns (set by global when it stores them). */
export const ORIGIN_ZONE = 'zone';
/** Hex characters of the zone hash suffix. */
export const ZONE_HASH_LENGTH = 8;

/**
 * True when the resource came from global (`mycel.io/origin: global`). A zone's API refuses to
 * edit or delete such resources: global owns them, and KDS would undo the edit at the next resync.
 */
export function isGlobalOrigin(resource: Pick<Resource, 'labels'>): boolean {
  return resource.labels[Labels.origin] === ORIGIN_GLOBAL;
}

/** True when the resource came from a zone (`mycel.io/origin: zone`); at global these are read-only copies. */
export function isZoneOrigin(resource: Pick<Resource, 'labels'>): boolean {
  return resource.labels[Labels.origin] === ORIGIN_ZONE;
}

/** First `length` hex characters of the SHA-256 of `value`'s UTF-8 bytes. */
function shortHash(value: string, length: number): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, length);
}

/** The stable suffix of names synced from `zone`: 8 hex characters of SHA-256(zone). */
export function zoneHash(zone: string): string {
  return shortHash(zone, ZONE_HASH_LENGTH);
}

/**
 * Name at global of the resource `name` synced from `zone`: `<name>-<zoneHash>`, so equal names of
 * two zones never collide (the original name stays in `mycel.io/display-name`). When that would
 * exceed 253 characters, the name is cut and a hash of the full name keeps it unique:
 * `<prefix>-<hash8(name)>-<zoneHash>`. The result is a valid DNS-1123 subdomain whenever `name` is,
 * and depends only on (name, zone), so every resync finds the same resource.
 */
export function globalNameOf(name: string, zone: string): string {
  const suffix = zoneHash(zone);
  if (name.length + 1 + suffix.length <= MAX_NAME_LENGTH) return `${name}-${suffix}`;
  const nameHash = shortHash(name, ZONE_HASH_LENGTH);
  const keep = MAX_NAME_LENGTH - (1 + nameHash.length + 1 + suffix.length);
  // Cutting may leave a trailing '-' or '.', which DNS-1123 forbids before the next '-'.
  const prefix = name.slice(0, keep).replace(/[-.]+$/, '');
  return `${prefix}-${nameHash}-${suffix}`;
}

/** The labels of a zone resource once stored at global: its own plus origin, zone and display name. */
export function globalLabelsOf(labels: Readonly<Record<string, string>>, name: string, zone: string): Record<string, string> {
  return { ...labels, [Labels.origin]: ORIGIN_ZONE, [Labels.zone]: zone, [Labels.displayName]: name };
}

/** The labels of a global resource once applied in a zone: its own plus `mycel.io/origin: global`. */
export function zoneLabelsOf(labels: Readonly<Record<string, string>>): Record<string, string> {
  return { ...labels, [Labels.origin]: ORIGIN_GLOBAL };
}
