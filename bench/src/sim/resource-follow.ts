import { createHash } from 'node:crypto';
import { TypeUrl, decodeResource } from '@mycel/xds';
import type { EncodedAny } from '@mycel/xds';

// What an Envoy follows from the resources it receives: the ClusterLoadAssignments its EDS
// clusters name, and the RouteConfigurations its listeners' HTTP connection managers name (RDS).

const HCM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** What one encoded resource makes its receiver subscribe to. */
export interface Follows {
  /** Resource name (cluster or listener name). */
  readonly name: string;
  /** ClusterLoadAssignment names (a Cluster of type EDS) or RouteConfiguration names (a Listener). */
  readonly names: readonly string[];
}

/**
 * Decoding the same bytes in every simulated dataplane would make the simulator, not the control
 * plane, the bottleneck of a fan-out; real proxies decode in their own process. So each process
 * decodes distinct bytes once. The memo is bounded by the distinct resources of a run.
 */
const memo = new Map<string, Follows>();

/** The names `any` (a Cluster or a Listener) makes an Envoy subscribe to; other types follow nothing. */
export function followsOf(any: EncodedAny): Follows {
  const key = `${any.type_url}\n${createHash('sha1').update(any.value).digest('base64')}`;
  let follows = memo.get(key);
  if (follows === undefined) {
    follows = decodeFollows(any);
    memo.set(key, follows);
  }
  return follows;
}

function decodeFollows(any: EncodedAny): Follows {
  const resource = decodeResource({ type_url: any.type_url, value: Buffer.from(any.value) }) as Record<string, unknown>;
  if (any.type_url === TypeUrl.cluster) {
    const name = String(resource['name'] ?? '');
    if (resource['type'] !== 'EDS') return { name, names: [] };
    const eds = resource['eds_cluster_config'] as { service_name?: string } | undefined;
    return { name, names: [eds?.service_name || name] };
  }
  if (any.type_url === TypeUrl.listener) {
    const name = String(resource['name'] ?? '');
    const names = new Set<string>();
    const visitHcm = (config: unknown): void => {
      const hcm = config as { '@type'?: string; rds?: { route_config_name?: string } } | undefined;
      if (hcm?.['@type'] === HCM_TYPE_URL && hcm.rds?.route_config_name) names.add(hcm.rds.route_config_name);
    };
    const chains = (resource['filter_chains'] as Array<{ filters?: Array<{ typed_config?: unknown }> }> | undefined) ?? [];
    for (const chain of chains) for (const filter of chain.filters ?? []) visitHcm(filter.typed_config);
    visitHcm((resource['api_listener'] as { api_listener?: unknown } | undefined)?.api_listener);
    return { name, names: [...names].sort() };
  }
  return { name: '', names: [] };
}
