import * as path from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { EncodedAny } from '../resource-types';

/** Fully qualified name of the ADS gRPC service. */
export const ADS_SERVICE_NAME = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** `google.rpc.Status` as carried in `error_detail` (details are not decoded). */
export interface RpcStatus {
  readonly code?: number;
  readonly message?: string;
}

/**
 * `envoy.config.core.v3.Node` as decoded by proto-loader (`keepCase`): the fields Mycel reads are
 * typed, the rest (locality, user agent, extensions…) is passed through untouched.
 */
export interface AdsNode {
  readonly id?: string;
  readonly cluster?: string;
  /** `google.protobuf.Struct` in its decoded form (`{ fields: { key: { string_value … } } }`). */
  readonly metadata?: unknown;
  readonly [field: string]: unknown;
}

/** `envoy.service.discovery.v3.DiscoveryRequest` (State of the World). */
export interface DiscoveryRequest {
  readonly version_info?: string;
  readonly node?: AdsNode | null;
  readonly resource_names?: readonly string[];
  readonly type_url?: string;
  readonly response_nonce?: string;
  readonly error_detail?: RpcStatus | null;
}

/** `envoy.service.discovery.v3.DiscoveryResponse` (State of the World). */
export interface DiscoveryResponse {
  readonly version_info: string;
  readonly resources: readonly EncodedAny[];
  readonly type_url: string;
  readonly nonce: string;
}

/** `envoy.service.discovery.v3.DeltaDiscoveryRequest` (incremental). */
export interface DeltaDiscoveryRequest {
  readonly node?: AdsNode | null;
  readonly type_url?: string;
  readonly resource_names_subscribe?: readonly string[];
  readonly resource_names_unsubscribe?: readonly string[];
  readonly initial_resource_versions?: Readonly<Record<string, string>>;
  readonly response_nonce?: string;
  readonly error_detail?: RpcStatus | null;
}

/** `envoy.service.discovery.v3.Resource` as sent in a delta response. */
export interface DeltaResource {
  readonly name: string;
  readonly version: string;
  readonly resource: EncodedAny;
}

/** `envoy.service.discovery.v3.DeltaDiscoveryResponse` (incremental). */
export interface DeltaDiscoveryResponse {
  readonly system_version_info: string;
  readonly resources: readonly DeltaResource[];
  readonly type_url: string;
  readonly removed_resources: readonly string[];
  readonly nonce: string;
}

let packageDefinition: PackageDefinition | undefined;

/**
 * The proto-loader package definition of `envoy/service/discovery/v3/ads.proto`, loaded once per
 * process from the protos shipped in `@grpc/grpc-js-xds` (`deps/`). Field names keep their proto
 * case; `google.protobuf.Any` stays `{ type_url, value }` because our resources are already encoded;
 * repeated and map fields decode to empty arrays/objects when absent.
 */
export function adsPackageDefinition(): PackageDefinition {
  if (!packageDefinition) {
    const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
    packageDefinition = loadSync('envoy/service/discovery/v3/ads.proto', {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: false,
      arrays: true,
      objects: true,
      oneofs: true,
      json: false,
      includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(deps, dir)),
    });
  }
  return packageDefinition;
}

/** The ADS service definition for `grpc.Server.addService` or a `grpc.Client` (both RPCs are bidi streams). */
export function adsServiceDefinition(): ServiceDefinition {
  const service = adsPackageDefinition()[ADS_SERVICE_NAME];
  if (!service || !('StreamAggregatedResources' in service) || !('DeltaAggregatedResources' in service)) {
    throw new Error(`${ADS_SERVICE_NAME} missing from ads.proto`);
  }
  // proto-loader and grpc-js declare the same structure separately; the check above pins the shape.
  return service as unknown as ServiceDefinition;
}
