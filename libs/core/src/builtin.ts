import type { ResourceTypeDescriptor } from './descriptor';
import { TypeRegistry } from './registry';
import { DataplaneInsightType } from './types/dataplane-insight.type';
import { DataplaneType } from './types/dataplane.type';
import { GlobalSecretType } from './types/global-secret.type';
import { MeshType } from './types/mesh.type';
import { SecretType } from './types/secret.type';
import { ZoneInsightType } from './types/zone-insight.type';
import { ZoneType } from './types/zone.type';

/** The built-in (non-policy) resource types: global types first, then mesh-scoped ones. */
export const CORE_TYPES: readonly ResourceTypeDescriptor[] = Object.freeze([
  MeshType,
  ZoneType,
  ZoneInsightType,
  GlobalSecretType,
  DataplaneType,
  DataplaneInsightType,
  SecretType,
]);

/** Registers every type of {@link CORE_TYPES}; calling it again on the same registry is a no-op. */
export function registerCoreTypes(registry: TypeRegistry): void {
  for (const type of CORE_TYPES) registry.register(type);
}

/** A new registry holding exactly {@link CORE_TYPES}. */
export function createCoreRegistry(): TypeRegistry {
  const registry = new TypeRegistry();
  registerCoreTypes(registry);
  return registry;
}
