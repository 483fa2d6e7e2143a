import { ConflictError, Labels, MethodNotAllowedError, ValidationError } from '@mycel/core';
import type { MycelError, Resource, ResourceTypeDescriptor } from '@mycel/core';

/** Value of `mycel.io/origin` on copies of global's resources in a zone (as KDS labels them). */
const ORIGIN_GLOBAL = 'global';
/** Value of `mycel.io/origin` on copies of a zone's resources at global (as KDS labels them). */
const ORIGIN_ZONE = 'zone';

/** A write the API is asked to do, as the multi-zone rules need to see it. */
export interface WriteAttempt {
  readonly descriptor: ResourceTypeDescriptor;
  readonly operation: 'create' | 'update' | 'delete';
  /** The stored resource (absent on create). */
  readonly current?: Pick<Resource, 'labels'>;
  /** Labels of the request body (PUT only). */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Why a write is refused by the multi-zone ownership rules of control plane `mode`, or undefined
 * when it is allowed. Standalone allows everything. On **global**, types only zones own
 * (`zoneToGlobal` without `globalToZone`: Dataplane, DataplaneInsight, ZoneInsight) answer 405, and
 * copies synced from zones (`mycel.io/origin: zone`) cannot be changed (409). In a **zone**, types
 * only global owns (`globalToZone` without `zoneToGlobal`: Mesh, Secret, GlobalSecret) cannot be
 * created or changed (405), and copies synced from global (`mycel.io/origin: global`) cannot be
 * changed or deleted (409) — KDS would undo the change at its next resync anyway. Nobody may set
 * the origin label KDS uses to recognise its copies (400): a copy it does not own would be deleted.
 */
export function multizoneWriteProblem(mode: string, attempt: WriteAttempt): MycelError | undefined {
  const { descriptor, operation, current, labels } = attempt;
  const { kds, plural } = descriptor;
  const method = operation === 'delete' ? 'DELETE' : 'PUT';
  if (mode === 'global') {
    if (kds.zoneToGlobal && !kds.globalToZone) {
      return new MethodNotAllowedError(
        `${method} is not allowed: ${plural} are created in zones and synced to the global control plane, where they are read-only; write them on their zone's control plane`,
        ['GET'],
      );
    }
    if (current?.labels[Labels.origin] === ORIGIN_ZONE) {
      const zone = current.labels[Labels.zone] ?? 'a zone';
      return new ConflictError(`this ${descriptor.singular} is managed by zone '${zone}' (label ${Labels.origin}: zone) and read-only on the global control plane; change it on the zone's control plane`);
    }
    if (labels?.[Labels.origin] === ORIGIN_ZONE) return originLabelProblem(ORIGIN_ZONE, 'copies synced from zones');
  } else if (mode === 'zone') {
    if (current?.labels[Labels.origin] === ORIGIN_GLOBAL) {
      return new ConflictError(
        `this ${descriptor.singular} is managed by the global control plane (label ${Labels.origin}: global) and read-only in a zone; ${operation === 'delete' ? 'delete' : 'change'} it on the global control plane`,
      );
    }
    if (kds.globalToZone && !kds.zoneToGlobal && operation !== 'delete') {
      return new MethodNotAllowedError(
        `${method} is not allowed: in zone mode ${plural} are created on the global control plane and synced to zones; apply it to the global control plane instead`,
        ['GET', 'DELETE'],
      );
    }
    if (labels?.[Labels.origin] === ORIGIN_GLOBAL) return originLabelProblem(ORIGIN_GLOBAL, 'copies synced from the global control plane');
  }
  return undefined;
}

function originLabelProblem(value: string, what: string): ValidationError {
  const field = `labels["${Labels.origin}"]`;
  const reason = `'${value}' is reserved for ${what}; leave the label out`;
  return new ValidationError(`invalid labels: ${field}: ${reason}`, [{ field, reason }]);
}
