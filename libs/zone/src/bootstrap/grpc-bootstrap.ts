import { isIP } from 'node:net';
import type { JsonObject } from '@mycel/core';
import { GRPC_SERVER_LISTENER_TEMPLATE } from '@mycel/xds';
import type { DataplaneVersions } from './envoy-bootstrap';
import { NODE_MESH_KEY, NODE_NAME_KEY, NODE_PROXY_KIND_KEY, NODE_TOKEN_KEY, NODE_VERSION_KEY } from './node-metadata';

/** Inputs of {@link grpcBootstrap}. */
export interface GrpcBootstrapParams {
  readonly mesh: string;
  readonly name: string;
  readonly token: string;
  /** Zone of the control plane (node locality; gRPC requires a locality). */
  readonly zone: string;
  /** `node.cluster`: the service of the dataplane's first inbound, else its name. */
  readonly service: string;
  readonly xdsAddress: string;
  readonly xdsPort: number;
  readonly versions?: DataplaneVersions;
}

/**
 * The gRPC xDS bootstrap (gRFC A27) of a proxyless dataplane, as `GRPC_XDS_BOOTSTRAP` /
 * `GRPC_XDS_BOOTSTRAP_CONFIG` take it: one xDS server (the control plane, insecure channel
 * credentials, `xds_v3`), node `<mesh>.<name>` with `locality.zone` and metadata — including the
 * dataplane token under `mycel.io/token`, because gRPC's xDS clients cannot attach call credentials
 * to their ADS stream — and the server listener template of xDS-enabled servers (gRFC A36).
 */
export function grpcBootstrap(params: GrpcBootstrapParams): JsonObject {
  const versions = params.versions ?? {};
  const versionMetadata: JsonObject = {
    ...(versions.envoy === undefined ? {} : { envoy: versions.envoy }),
    ...(versions.mycelDp === undefined ? {} : { mycelDp: versions.mycelDp }),
  };
  return {
    xds_servers: [{ server_uri: hostPort(params.xdsAddress, params.xdsPort), channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: `${params.mesh}.${params.name}`,
      cluster: params.service,
      locality: { zone: params.zone },
      metadata: {
        [NODE_MESH_KEY]: params.mesh,
        [NODE_NAME_KEY]: params.name,
        [NODE_PROXY_KIND_KEY]: 'grpc',
        [NODE_TOKEN_KEY]: params.token,
        ...(Object.keys(versionMetadata).length === 0 ? {} : { [NODE_VERSION_KEY]: versionMetadata }),
      },
    },
    server_listener_resource_name_template: GRPC_SERVER_LISTENER_TEMPLATE,
  };
}

/** `host:port`, with an IPv6 literal in brackets. */
function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
