import { createHash } from 'node:crypto';

/**
 * Deterministic version string of a set of (resource name, resource version) pairs: 16 hex digits
 * of a SHA-256 over the pairs sorted by name. Equal sets give equal versions whatever their order;
 * the empty set has a version too. Used for SotW `version_info` and delta `system_version_info`.
 */
export function versionInfo(pairs: Iterable<readonly [name: string, version: string]>): string {
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const [name, version] of sorted) hash.update(`${name.length}:${name}${version.length}:${version}`);
  return hash.digest('hex').slice(0, 16);
}
