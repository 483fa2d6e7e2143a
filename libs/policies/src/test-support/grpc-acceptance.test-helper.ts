import { register } from '@grpc/grpc-js-xds';
// Test-only deep imports: the validators gRPC's own xDS client runs on every resource it receives
// (as libs/xds's generator specs use them). If grpc-js-xds moves them, the build fails loudly.
import { ClusterResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type';
import { EndpointResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type';
import { ListenerResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type';
import { RouteConfigurationResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type';
import type { XdsDecodeContext, XdsResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/xds-resource-type';
import type { XdsResource } from '@mycel/xds';
import { TypeUrl } from '@mycel/xds';

let registered = false;

const RESOURCE_TYPES: Readonly<Record<string, () => XdsResourceType>> = {
  [TypeUrl.listener]: () => ListenerResourceType.get(),
  [TypeUrl.route]: () => RouteConfigurationResourceType.get(),
  [TypeUrl.cluster]: () => ClusterResourceType.get(),
  [TypeUrl.endpoint]: () => EndpointResourceType.get(),
};

/** Why `@grpc/grpc-js-xds` would NACK `resource`, or undefined when it accepts it. */
export function grpcRejection(resource: XdsResource): string | undefined {
  if (!registered) {
    register();
    registered = true;
  }
  const type = RESOURCE_TYPES[resource.typeUrl];
  if (type === undefined) return `gRPC does not consume ${resource.typeUrl}`;
  const context = { server: {}, bootstrap: { certificateProviders: {}, node: {}, xdsServers: [], authorities: {} } } as unknown as XdsDecodeContext;
  const result = type().decode(context, { type_url: resource.any.type_url, value: resource.any.value });
  if (result.name !== resource.name) return `decoded name '${result.name}' differs from '${resource.name}'`;
  return result.error;
}
