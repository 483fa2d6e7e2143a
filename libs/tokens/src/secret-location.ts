import { formatKey, isObject, type Resource, type ResourceKey } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';

/** Secret types that can hold token material: `GlobalSecret` (no mesh) or mesh-scoped `Secret`. */
export type SecretType = 'GlobalSecret' | 'Secret';

/** Where a key or revocation list lives: a GlobalSecret, or a Secret in `mesh` (required for `Secret`). */
export interface SecretLocation {
  readonly store: ResourceStore;
  readonly type: SecretType;
  readonly mesh?: string;
}

/** Checks that a secret location names a mesh exactly when its type is mesh-scoped. */
export function checkLocation(location: SecretLocation): void {
  if (location.type === 'Secret' && location.mesh === undefined) throw new TypeError("secrets of type 'Secret' need a mesh");
  if (location.type === 'GlobalSecret' && location.mesh !== undefined) throw new TypeError("a 'GlobalSecret' has no mesh");
}

/** The base64 `spec.data` of a secret resource ('' when absent). */
export function secretData(resource: Resource): string {
  const spec = resource.spec;
  const data = isObject(spec) ? spec['data'] : undefined;
  return typeof data === 'string' ? data : '';
}

/** The store key of secret `name` at `location`. */
export function secretKey(location: SecretLocation, name: string): ResourceKey {
  return location.mesh === undefined ? { type: location.type, name } : { type: location.type, mesh: location.mesh, name };
}

/** Human-readable form of a secret's key, for messages: `GlobalSecret x` or `Secret mesh/x`. */
export function describeSecret(location: SecretLocation, name: string): string {
  return formatKey(secretKey(location, name));
}
