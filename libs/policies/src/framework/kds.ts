import type { KdsFlags } from '@mycel/core';

/**
 * KDS directions of every policy type: global policies go to every zone, and policies created in
 * a zone (origin `zone`) go up to global, where they are read-only. Which direction applies to a
 * given resource follows from its `mycel.io/origin` label.
 */
export const POLICY_KDS: KdsFlags = Object.freeze({ globalToZone: true, zoneToGlobal: true, acrossZones: false });
