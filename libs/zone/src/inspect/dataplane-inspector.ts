import type { DataplaneSpec, JsonObject, MeshSpec, Resource } from '@mycel/core';
import { DataplaneType, MESH_TYPE } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import { PUSH_ORDER, decodeResource } from '@mycel/xds';
import type { ProxyKind, Snapshot } from '@mycel/xds';
import type { NodeConfig } from '../reconciler/xds-reconciler';

/** One decoded xDS resource of a {@link DataplaneConfigView}. */
export interface DecodedXdsResource {
  readonly name: string;
  /** Content hash of the encoded resource, as ADS versions it. */
  readonly version: string;
  /** The Envoy message, decoded to JSON (proto field names; `Any` fields carry `@type`). */
  readonly resource: JsonObject;
}

/** What `GET /meshes/{mesh}/dataplanes/{name}/_config` answers. */
export interface DataplaneConfigView {
  readonly mesh: string;
  readonly name: string;
  /** The xDS node id the dataplane connects with. */
  readonly nodeId: string;
  readonly proxyKind: ProxyKind;
  readonly connected: boolean;
  /** `served`: what the dataplane's streams serve now; `generated`: built for this request (not connected). */
  readonly source: NodeConfig['source'];
  /** Resources per type URL, in ADS push order (CDS, EDS, LDS, RDS, SDS), names sorted; only non-empty types. */
  readonly resources: Readonly<Record<string, readonly DecodedXdsResource[]>>;
}

/** What the inspector needs from the reconciler. */
export interface ConfigSource {
  configOf(mesh: Resource<MeshSpec>, dataplane: Resource<DataplaneSpec>): NodeConfig;
  rulesOf(dataplane: Resource<DataplaneSpec>): unknown;
}

/** Options of {@link DataplaneInspector}. */
export interface DataplaneInspectorOptions {
  readonly store: ResourceStore;
  readonly source: ConfigSource;
}

/**
 * Per-dataplane inspection for the API (`_config`, `_rules`). Reads the Dataplane and its Mesh from
 * the store, so a missing one is a NotFoundError even while the reconciler's index lags behind.
 */
export class DataplaneInspector {
  constructor(private readonly options: DataplaneInspectorOptions) {}

  /** The dataplane's xDS resources decoded to JSON; NotFoundError when the dataplane does not exist. */
  async dataplaneConfig(mesh: string, name: string): Promise<DataplaneConfigView> {
    const { meshResource, dataplane } = await this.read(mesh, name);
    const config = this.options.source.configOf(meshResource, dataplane);
    return {
      mesh,
      name,
      nodeId: config.nodeId,
      proxyKind: config.kind,
      connected: config.connected,
      source: config.source,
      resources: decodeSnapshot(config.snapshot),
    };
  }

  /** The merged policy rules of the dataplane; NotFoundError when it does not exist. */
  async dataplaneRules(mesh: string, name: string): Promise<unknown> {
    const { dataplane } = await this.read(mesh, name);
    return this.options.source.rulesOf(dataplane);
  }

  private async read(mesh: string, name: string): Promise<{ meshResource: Resource<MeshSpec>; dataplane: Resource<DataplaneSpec> }> {
    const meshResource = (await this.options.store.get({ type: MESH_TYPE, name: mesh })) as Resource<MeshSpec>;
    const dataplane = (await this.options.store.get({ type: DataplaneType.name, mesh, name })) as Resource<DataplaneSpec>;
    return { meshResource, dataplane };
  }
}

/** A snapshot's resources decoded to JSON, grouped by type URL in push order; empty types left out. */
export function decodeSnapshot(snapshot: Snapshot): Record<string, DecodedXdsResource[]> {
  const out: Record<string, DecodedXdsResource[]> = {};
  for (const typeUrl of PUSH_ORDER) {
    const resources = snapshot.resources.get(typeUrl);
    if (resources === undefined || resources.size === 0) continue;
    out[typeUrl] = [...resources.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => ({ name: r.name, version: r.version, resource: decodeResource(r.any) }));
  }
  return out;
}
