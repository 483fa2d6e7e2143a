import type { Violation } from './validation';

/** Where a type lives: a global type has no mesh; a mesh type always has one. */
export type ResourceScope = 'global' | 'mesh';

/** KDS sync directions for a type (multi-zone). */
export interface KdsFlags {
  /** Global owns it and sends it to every zone (meshes, policies, CA material). */
  readonly globalToZone: boolean;
  /** Zones own it and send it to global, where it is read-only (dataplanes, insights). */
  readonly zoneToGlobal: boolean;
  /** Zones learn it from other zones through global (e.g. remote service endpoints). */
  readonly acrossZones: boolean;
}

/** Context handed to a spec validator: the envelope around the spec. */
export interface SpecContext {
  readonly name: string;
  readonly mesh?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Everything Mycel needs to know about one resource type: the REST path, the CLI argument, the
 * sync direction and the validator all derive from it. Adding a type is one descriptor.
 */
export interface ResourceTypeDescriptor {
  /** Type name as it appears in `type:` (PascalCase), e.g. `Dataplane`. */
  readonly name: string;
  /** Lowercase plural used in REST paths and the CLI, e.g. `dataplanes`. */
  readonly plural: string;
  /** Lowercase singular, e.g. `dataplane`. */
  readonly singular: string;
  readonly scope: ResourceScope;
  readonly kds: KdsFlags;
  /** True for targetRef policies. */
  readonly isPolicy: boolean;
  /** True when only the control plane writes it (insights); the API answers 405 to writes. */
  readonly readOnly: boolean;
  /** True when reading it exposes secret material; only admins may read or write it. */
  readonly sensitive: boolean;
  /** One line for the type catalog and CLI help. */
  readonly description: string;
  /**
   * Validates a spec and returns every violation, with field paths starting at `spec`.
   * Unknown fields are violations, never dropped.
   */
  validate(spec: unknown, ctx: SpecContext): Violation[];
}

/** No KDS sync at all. */
export const NO_KDS: KdsFlags = { globalToZone: false, zoneToGlobal: false, acrossZones: false };
