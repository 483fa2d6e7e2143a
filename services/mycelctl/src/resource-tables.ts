import type { MeshSpec, Resource, ZoneSpec } from '@mycel/core';
import { formatAge } from './age';
import { dataplaneInsightTotals, dataplaneStatus, dataplaneTags, lastConnectTime, lastUpdateTime, zoneStatus } from './resource-status';
import { renderTable } from './table';
import type { ResourceTypeInfo } from './type-catalog';

/** What rows need besides the resource itself. */
export interface TableContext {
  /** The time ages are measured to. */
  readonly now: Date;
  /** Insights keyed by {@link insightKey}, for STATUS columns; only for layouts with an `insightType`. */
  readonly insights?: ReadonlyMap<string, Resource>;
}

/** The columns `get -o table` shows for one type. */
export interface TableLayout {
  readonly headers: readonly string[];
  /** The type name of the insights whose data the rows show (e.g. `DataplaneInsight`), if any. */
  readonly insightType?: string;
  row(resource: Resource, ctx: TableContext): string[];
}

/** The key of an insight in {@link TableContext.insights}: `mesh/name`, or `name` for global types. */
export function insightKey(mesh: string | undefined, name: string): string {
  return mesh === undefined ? name : `${mesh}/${name}`;
}

const age = (r: Resource, ctx: TableContext): string => formatAge(r.creationTime, ctx.now);
const orDash = (s: string | undefined): string => (s === undefined || s === '' ? '-' : s);

/** `<type>/<name>` of a mesh section's enabled backend, or `off`. */
function backend(section: { enabledBackend?: string; defaultBackend?: string; backends?: ReadonlyArray<{ name: string; type: string }> } | undefined): string {
  const name = section?.enabledBackend ?? section?.defaultBackend;
  if (name === undefined) return 'off';
  const b = section?.backends?.find((x) => x.name === name);
  return b ? `${b.type}/${name}` : name;
}

const LAYOUTS: Readonly<Record<string, TableLayout>> = {
  Mesh: {
    headers: ['NAME', 'MTLS', 'METRICS', 'TRACING', 'LOGGING', 'AGE'],
    row(r, ctx) {
      const s = (r.spec ?? {}) as MeshSpec;
      return [r.name, backend(s.mtls), backend(s.metrics), backend(s.tracing), backend(s.logging), age(r, ctx)];
    },
  },
  Dataplane: {
    headers: ['MESH', 'NAME', 'TAGS', 'STATUS', 'AGE'],
    insightType: 'DataplaneInsight',
    row(r, ctx) {
      const insight = ctx.insights?.get(insightKey(r.mesh, r.name));
      return [orDash(r.mesh), r.name, orDash(dataplaneTags(r).join(' ')), ctx.insights ? dataplaneStatus(insight) : '-', age(r, ctx)];
    },
  },
  DataplaneInsight: {
    headers: ['MESH', 'NAME', 'STATUS', 'LAST CONNECTED', 'LAST UPDATED', 'UPDATES', 'REJECTED', 'AGE'],
    row(r, ctx) {
      const totals = dataplaneInsightTotals(r);
      return [
        orDash(r.mesh),
        r.name,
        dataplaneStatus(r),
        formatAge(lastConnectTime(r), ctx.now),
        formatAge(lastUpdateTime(r), ctx.now),
        String(totals.sent),
        String(totals.rejected),
        age(r, ctx),
      ];
    },
  },
  Zone: {
    headers: ['NAME', 'ENABLED', 'STATUS', 'AGE'],
    insightType: 'ZoneInsight',
    row(r, ctx) {
      const enabled = (r.spec as ZoneSpec | undefined)?.enabled !== false;
      return [r.name, String(enabled), ctx.insights ? zoneStatus(ctx.insights.get(insightKey(undefined, r.name))) : '-', age(r, ctx)];
    },
  },
  ZoneInsight: {
    headers: ['NAME', 'STATUS', 'LAST CONNECTED', 'SUBSCRIPTIONS', 'AGE'],
    row(r, ctx) {
      const subs = (r.spec as { subscriptions?: unknown[] } | undefined)?.subscriptions ?? [];
      return [r.name, zoneStatus(r), formatAge(lastConnectTime(r), ctx.now), String(subs.length), age(r, ctx)];
    },
  },
};

/** Columns of types without their own layout: NAME, MESH (mesh-scoped types), AGE, VERSION. */
function genericLayout(type: ResourceTypeInfo): TableLayout {
  const mesh = type.scope === 'mesh';
  return {
    headers: mesh ? ['NAME', 'MESH', 'AGE', 'VERSION'] : ['NAME', 'AGE', 'VERSION'],
    row: (r, ctx) => (mesh ? [r.name, orDash(r.mesh), age(r, ctx), r.version] : [r.name, age(r, ctx), r.version]),
  };
}

/** The table layout of a type: its own when it has one, else the generic one. */
export function tableLayout(type: ResourceTypeInfo): TableLayout {
  return LAYOUTS[type.name] ?? genericLayout(type);
}

/** `resources` of `type` as a table (header included), in the given order. */
export function renderResourceTable(type: ResourceTypeInfo, resources: readonly Resource[], ctx: TableContext): string {
  const layout = tableLayout(type);
  return renderTable(layout.headers, resources.map((r) => layout.row(r, ctx)));
}
