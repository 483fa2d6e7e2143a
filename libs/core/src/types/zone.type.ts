import type { ResourceTypeDescriptor } from '../descriptor';
import { NO_KDS } from '../descriptor';
import type { Violation } from '../validation';
import { Violations } from '../validation';

/** Spec of a `Zone`, the global control plane's record of one zone. */
export interface ZoneSpec {
  /** False stops global from syncing with the zone; true when absent. */
  readonly enabled?: boolean;
}

/** Validates a Zone spec; every violation's field starts with `spec`. */
export function validateZoneSpec(spec: unknown): Violation[] {
  const v = new Violations();
  const s = v.object(spec, 'spec', ['enabled']);
  if (s) v.optionalBoolean(s['enabled'], 'spec.enabled');
  return v.all;
}

/** `Zone`: a global type kept at global only; zones learn about each other through KDS, not by syncing Zones. */
export const ZoneType: ResourceTypeDescriptor = Object.freeze({
  name: 'Zone',
  plural: 'zones',
  singular: 'zone',
  scope: 'global',
  // A frozen copy: NO_KDS itself is a shared object that is readonly only to the type checker.
  kds: Object.freeze({ ...NO_KDS }),
  isPolicy: false,
  readOnly: false,
  sensitive: false,
  description: 'A zone known to the global control plane, and whether it may connect.',
  validate: (spec: unknown) => validateZoneSpec(spec),
});
