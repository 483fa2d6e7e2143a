import type { Resource } from '@mycel/core';
import type { ResourceTypeInfo } from './type-catalog';

/** Fixtures for table and summary specs: a fixed "now" and resources created at known offsets from it. */
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** An RFC 3339 time `seconds` before {@link NOW}. */
export function ago(seconds: number): string {
  return new Date(NOW.getTime() - seconds * 1000).toISOString();
}

/** A resource envelope as the API returns it. */
export function resource(type: string, name: string, spec: unknown, options: { mesh?: string; createdAgo?: number; version?: string; labels?: Record<string, string> } = {}): Resource {
  const t = ago(options.createdAgo ?? 30);
  return {
    type,
    ...(options.mesh !== undefined ? { mesh: options.mesh } : {}),
    name,
    labels: options.labels ?? {},
    spec,
    creationTime: t,
    modificationTime: t,
    version: options.version ?? '1',
  };
}

/** A catalog entry. */
export function typeInfo(name: string, plural: string, scope: 'global' | 'mesh', extra: Partial<ResourceTypeInfo> = {}): ResourceTypeInfo {
  return {
    name,
    plural,
    singular: plural === 'meshes' ? 'mesh' : plural.replace(/s$/, ''),
    scope,
    path: scope === 'mesh' ? `/meshes/{mesh}/${plural}` : `/${plural}`,
    policy: false,
    readOnly: false,
    sensitive: false,
    description: '',
    ...extra,
  };
}

/** A dataplane with one inbound per entry of `services` (each with a protocol tag and `extraTags`). */
export function dataplane(mesh: string, name: string, services: readonly string[], createdAgo = 30, extraTags: Record<string, string> = {}): Resource {
  return resource(
    'Dataplane',
    name,
    {
      networking: {
        address: '10.0.0.1',
        inbound: services.map((s, i) => ({ port: 8080 + i, tags: { 'mycel.io/service': s, 'mycel.io/protocol': 'http', ...extraTags } })),
      },
    },
    { mesh, createdAgo },
  );
}

/** A gateway dataplane serving `service`. */
export function gateway(mesh: string, name: string, service: string): Resource {
  return resource('Dataplane', name, { networking: { address: '10.0.0.9', gateway: { type: 'BUILTIN', tags: { 'mycel.io/service': service } } } }, { mesh, createdAgo: 4000 });
}

/** A DataplaneInsight: `online` via an open subscription, or a closed one; `undefined` subscriptions for none. */
export function dataplaneInsight(mesh: string, name: string, state: 'online' | 'offline' | 'flag-online', options: { connectedAgo?: number; sent?: number; rejected?: number } = {}): Resource {
  const connectTime = ago(options.connectedAgo ?? 600);
  const subscription = {
    id: 's1',
    controlPlaneInstanceId: 'cp-1',
    connectTime,
    ...(state === 'offline' ? { disconnectTime: ago(60) } : {}),
    status: { lastUpdateTime: ago(90), total: { responsesSent: options.sent ?? 12, responsesAcknowledged: options.sent ?? 12, responsesRejected: options.rejected ?? 0 } },
  };
  const spec = state === 'flag-online' ? { online: true, subscriptions: [] } : { subscriptions: [subscription] };
  return resource('DataplaneInsight', name, spec, { mesh, createdAgo: 600 });
}
