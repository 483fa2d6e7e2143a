import { createHash } from 'node:crypto';

/** Most distinct pair lists whose version is remembered (many streams are sent the same resources). */
const MAX_REMEMBERED = 10_000;
const remembered = new Map<string, string>();

/**
 * Deterministic version string of a set of (resource name, resource version) pairs: 16 hex digits
 * of a SHA-256 over the pairs sorted by name. Equal sets give equal versions whatever their order;
 * the empty set has a version too. Used for SotW `version_info` and delta `system_version_info`.
 * The hash of a recently seen set is looked up rather than computed again.
 */
export function versionInfo(pairs: Iterable<readonly [name: string, version: string]>): string {
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let input = '';
  for (const [name, version] of sorted) input += `${name.length}:${name}${version.length}:${version}`;
  let version = remembered.get(input);
  if (version === undefined) {
    version = createHash('sha256').update(input).digest('hex').slice(0, 16);
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(input, version);
  }
  return version;
}
