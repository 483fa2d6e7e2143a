import { isIP } from 'node:net';
import type { JsonObject } from '@mycel/core';
import { ENVOY_ADMIN_ADDRESS, EnvoyRulesError, checkValidateRules, encodeMessage } from '@mycel/xds';
import { NODE_MESH_KEY, NODE_NAME_KEY, NODE_PROXY_KIND_KEY, NODE_VERSION_KEY } from './node-metadata';
import { protoJsonToObject } from './proto-json';

/** Fully qualified name of Envoy's bootstrap message. */
export const ENVOY_BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';
/**
 * Name of the static cluster through which Envoy reaches the control plane's ADS server. The colon
 * cannot appear in a service name, so no generated (CDS) cluster can ever take this name over.
 */
export const ADS_CLUSTER_NAME = 'mycel:ads';
/** How long Envoy waits for a TCP connection to the control plane. */
export const ADS_CONNECT_TIMEOUT = '1s';

/** Versions a dataplane reports at bootstrap; they go into node metadata for insights. */
export interface DataplaneVersions {
  readonly mycelDp?: string;
  readonly envoy?: string;
}

/** Inputs of {@link envoyBootstrap}. */
export interface EnvoyBootstrapParams {
  readonly mesh: string;
  readonly name: string;
  /** The dataplane token; sent as `authorization: Bearer …` on the ADS stream, never in node metadata. */
  readonly token: string;
  /** Zone of the control plane (node locality). */
  readonly zone: string;
  /** `node.cluster`: the service of the dataplane's first inbound (or gateway), else its name. */
  readonly service: string;
  /** Port of Envoy's admin API on 127.0.0.1. */
  readonly adminPort: number;
  /** Where Envoy reaches the ADS server: an IP address or a DNS name. */
  readonly xdsAddress: string;
  readonly xdsPort: number;
  readonly versions?: DataplaneVersions;
}

/**
 * The Envoy v3 bootstrap of a dataplane, in proto3 JSON (proto field names) as Envoy reads it from
 * `-c file.json`: node `<mesh>.<name>` with metadata (mesh, name, proxy kind, versions — not the
 * token), the admin API on 127.0.0.1:<adminPort>, ADS (gRPC, v3, node on the first message only)
 * for CDS and LDS, and the static HTTP/2 cluster {@link ADS_CLUSTER_NAME} pointing at the control
 * plane (STATIC for an IP address, STRICT_DNS for a name). The token travels as the
 * `authorization` initial metadata of the ADS gRPC service, as in Kuma. Checked with
 * {@link checkEnvoyBootstrap} before it is returned.
 */
export function envoyBootstrap(params: EnvoyBootstrapParams): JsonObject {
  const versions = params.versions ?? {};
  const versionMetadata: JsonObject = {
    ...(versions.envoy === undefined ? {} : { envoy: versions.envoy }),
    ...(versions.mycelDp === undefined ? {} : { mycelDp: versions.mycelDp }),
  };
  const adsSource = { ads: {}, resource_api_version: 'V3' };
  const bootstrap: JsonObject = {
    node: {
      id: `${params.mesh}.${params.name}`,
      cluster: params.service,
      locality: { zone: params.zone },
      metadata: {
        [NODE_MESH_KEY]: params.mesh,
        [NODE_NAME_KEY]: params.name,
        [NODE_PROXY_KIND_KEY]: 'envoy',
        ...(Object.keys(versionMetadata).length === 0 ? {} : { [NODE_VERSION_KEY]: versionMetadata }),
      },
    },
    admin: { address: { socket_address: { address: ENVOY_ADMIN_ADDRESS, port_value: params.adminPort } } },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [
          {
            envoy_grpc: { cluster_name: ADS_CLUSTER_NAME },
            initial_metadata: [{ key: 'authorization', value: `Bearer ${params.token}` }],
          },
        ],
      },
      cds_config: adsSource,
      lds_config: adsSource,
    },
    static_resources: {
      clusters: [
        {
          name: ADS_CLUSTER_NAME,
          type: isIP(params.xdsAddress) === 0 ? 'STRICT_DNS' : 'STATIC',
          connect_timeout: ADS_CONNECT_TIMEOUT,
          load_assignment: {
            cluster_name: ADS_CLUSTER_NAME,
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: params.xdsAddress, port_value: params.xdsPort } } } }] }],
          },
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          // Notice a dead control plane connection (e.g. after a NAT timeout) instead of waiting forever.
          upstream_connection_options: { tcp_keepalive: {} },
        },
      ],
    },
  };
  checkEnvoyBootstrap(bootstrap);
  return bootstrap;
}

/**
 * Checks a bootstrap in proto3 JSON against Envoy's protos: encodes it with the strict encoder
 * (EnvoyShapeError for an unknown field or a wrong type) and checks Envoy's validation rules
 * (EnvoyRulesError). Both are INTERNAL errors: a bootstrap we built and Envoy would reject is a bug.
 */
export function checkEnvoyBootstrap(bootstrap: JsonObject): void {
  const object = protoJsonToObject(ENVOY_BOOTSTRAP_TYPE, bootstrap);
  encodeMessage(ENVOY_BOOTSTRAP_TYPE, object);
  const violations = checkValidateRules(ENVOY_BOOTSTRAP_TYPE, object);
  if (violations.length > 0) throw new EnvoyRulesError(ENVOY_BOOTSTRAP_TYPE, undefined, violations);
}
