import type { KdsFlags } from '../descriptor';

/** Global owns the type and sends it to every zone. */
export const GLOBAL_TO_ZONE: KdsFlags = Object.freeze({ globalToZone: true, zoneToGlobal: false, acrossZones: false });

/** Zones own the type and send it to global, where it is read-only. */
export const ZONE_TO_GLOBAL: KdsFlags = Object.freeze({ globalToZone: false, zoneToGlobal: true, acrossZones: false });
