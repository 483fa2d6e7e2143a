import type { MeshSpec, Resource, ZoneSpec } from '@mycel/core';
import { formatAge } from './age';
import { insightKey } from './resource-tables';
import { dataplaneInsightTotals, dataplaneServices, dataplaneStatus, dataplaneTags, lastConnectTime, lastUpdateTime, zoneStatus } from './resource-status';
import type { ConnectionStatus } from './resource-status';
import { renderTable } from './table';

/** Health of a service: every dataplane online, none, or some. */
export type ServiceStatus = 'online' | 'offline' | 'partially_degraded';

/** Dataplane counts of one service in one mesh. */
export interface ServiceSummary {
  readonly mesh: string;
  readonly service: string;
  readonly status: ServiceStatus;
  /** Dataplanes serving it that are online. */
  readonly online: number;
  /** Dataplanes serving it. */
  readonly total: number;
}

/**
 * Services and their dataplane counts, from dataplanes (a dataplane counts once for each service it
 * serves) and their insights (keyed by {@link insightKey}; none means offline). Sorted by mesh, service.
 */
export function summarizeServices(dataplanes: readonly Resource[], insights: ReadonlyMap<string, Resource>): ServiceSummary[] {
  const counts = new Map<string, { mesh: string; service: string; online: number; total: number }>();
  for (const dp of dataplanes) {
    const mesh = dp.mesh ?? '';
    const online = dataplaneStatus(insights.get(insightKey(dp.mesh, dp.name))) === 'online';
    for (const service of dataplaneServices(dp)) {
      const key = JSON.stringify([mesh, service]);
      const c = counts.get(key) ?? { mesh, service, online: 0, total: 0 };
      c.total += 1;
      if (online) c.online += 1;
      counts.set(key, c);
    }
  }
  return [...counts.values()]
    .sort((a, b) => compare(a.mesh, b.mesh) || compare(a.service, b.service))
    .map((c) => ({ ...c, status: c.online === c.total ? 'online' : c.online === 0 ? 'offline' : 'partially_degraded' }));
}

/** `inspect services` as a table. */
export function renderServicesTable(services: readonly ServiceSummary[]): string {
  return renderTable(
    ['MESH', 'SERVICE', 'STATUS', 'DATAPLANES'],
    services.map((s) => [s.mesh, s.service, s.status, `${s.online}/${s.total}`]),
  );
}

/** One mesh with what it holds. */
export interface MeshSummary {
  readonly name: string;
  /** `<backend type>/<name>` of the enabled mTLS backend, or `off`. */
  readonly mtls: string;
  readonly services: number;
  readonly dataplanes: { readonly online: number; readonly total: number };
  /** Resources of policy types in the mesh. */
  readonly policies: number;
  readonly creationTime: string;
}

/** A mesh's summary from its dataplanes, their insights and its number of policies. */
export function summarizeMesh(mesh: Resource, dataplanes: readonly Resource[], insights: ReadonlyMap<string, Resource>, policies: number): MeshSummary {
  const mtls = (mesh.spec as MeshSpec | undefined)?.mtls;
  const enabled = mtls?.enabledBackend;
  const backend = enabled === undefined ? undefined : mtls?.backends?.find((b) => b.name === enabled);
  const services = new Set(dataplanes.flatMap((dp) => dataplaneServices(dp)));
  const online = dataplanes.filter((dp) => dataplaneStatus(insights.get(insightKey(dp.mesh, dp.name))) === 'online').length;
  return {
    name: mesh.name,
    mtls: enabled === undefined ? 'off' : backend ? `${backend.type}/${enabled}` : enabled,
    services: services.size,
    dataplanes: { online, total: dataplanes.length },
    policies,
    creationTime: mesh.creationTime,
  };
}

/** `inspect meshes` as a table. */
export function renderMeshesTable(meshes: readonly MeshSummary[], now: Date): string {
  return renderTable(
    ['NAME', 'MTLS', 'SERVICES', 'DATAPLANES', 'POLICIES', 'AGE'],
    meshes.map((m) => [m.name, m.mtls, String(m.services), `${m.dataplanes.online}/${m.dataplanes.total}`, String(m.policies), formatAge(m.creationTime, now)]),
  );
}

/** One dataplane with its connection data. */
export interface DataplaneSummary {
  readonly mesh: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly status: ConnectionStatus;
  readonly lastConnected?: string;
  readonly lastUpdated?: string;
  /** xDS responses sent to it. */
  readonly updates: number;
  /** xDS responses it rejected. */
  readonly rejected: number;
  readonly creationTime: string;
}

/** A dataplane's summary from it and its insight (absent: never connected). */
export function summarizeDataplane(dp: Resource, insight: Resource | undefined): DataplaneSummary {
  const totals = dataplaneInsightTotals(insight);
  const connected = lastConnectTime(insight);
  const updated = lastUpdateTime(insight);
  return {
    mesh: dp.mesh ?? '',
    name: dp.name,
    tags: dataplaneTags(dp),
    status: dataplaneStatus(insight),
    ...(connected !== undefined ? { lastConnected: connected } : {}),
    ...(updated !== undefined ? { lastUpdated: updated } : {}),
    updates: totals.sent,
    rejected: totals.rejected,
    creationTime: dp.creationTime,
  };
}

/** `inspect dataplanes` as a table. */
export function renderDataplanesTable(dataplanes: readonly DataplaneSummary[], now: Date): string {
  return renderTable(
    ['MESH', 'NAME', 'TAGS', 'STATUS', 'LAST CONNECTED', 'LAST UPDATED', 'UPDATES', 'REJECTED', 'AGE'],
    dataplanes.map((d) => [
      d.mesh,
      d.name,
      d.tags.length > 0 ? d.tags.join(' ') : '-',
      d.status,
      formatAge(d.lastConnected, now),
      formatAge(d.lastUpdated, now),
      String(d.updates),
      String(d.rejected),
      formatAge(d.creationTime, now),
    ]),
  );
}

/** One zone with its connection data. */
export interface ZoneSummary {
  readonly name: string;
  readonly enabled: boolean;
  readonly status: ConnectionStatus;
  readonly lastConnected?: string;
  readonly creationTime: string;
}

/** A zone's summary from it and its insight (absent: never connected). */
export function summarizeZone(zone: Resource, insight: Resource | undefined): ZoneSummary {
  const connected = lastConnectTime(insight);
  return {
    name: zone.name,
    enabled: (zone.spec as ZoneSpec | undefined)?.enabled !== false,
    status: zoneStatus(insight),
    ...(connected !== undefined ? { lastConnected: connected } : {}),
    creationTime: zone.creationTime,
  };
}

/** `inspect zones` as a table. */
export function renderZonesTable(zones: readonly ZoneSummary[], now: Date): string {
  return renderTable(
    ['NAME', 'ENABLED', 'STATUS', 'LAST CONNECTED', 'AGE'],
    zones.map((z) => [z.name, String(z.enabled), z.status, formatAge(z.lastConnected, now), formatAge(z.creationTime, now)]),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
