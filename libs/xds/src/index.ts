export type { XdsTypeUrl, EncodedAny, XdsResource, Snapshot } from './resource-types';
export { TypeUrl, PUSH_ORDER } from './resource-types';
export type { SnapshotWatcher, CancelWatch } from './snapshot-cache';
export { SnapshotCache, changedTypes } from './snapshot-cache';
export type {
  AdsNode,
  RpcStatus,
  DiscoveryRequest,
  DiscoveryResponse,
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DeltaResource,
} from './ads/ads-proto';
export { ADS_SERVICE_NAME, adsPackageDefinition, adsServiceDefinition } from './ads/ads-proto';
export type { AdsServerOptions } from './ads/ads-server';
export { AdsServer } from './ads/ads-server';
export type { AdsAuthorizer, AdsIdentity, AdsCallbacks, AdsStreamInfo, AdsEventContext } from './ads/ads-connection';
export type { AdsProtocol } from './ads/ads-metrics';
export type { NackDetail } from './ads/xds-stream';
export { versionInfo } from './ads/version-info';
// Envoy protos: loading, strict encoding, validation rules.
export { ENVOY_PROTO_FILES, TYPE_URL_PREFIX, envoyProtoRoot, loadProtoRoot, lookupMessageType, protoIncludeDirs, typeNameOfUrl, typeUrlOf } from './envoy/protos';
export type { AnyJson } from './envoy/encode';
export { encodeResource, encodeMessage, packAny, checkMessageShape, decodeResource, decodeMessage } from './envoy/encode';
export { checkValidateRules, checkResourceRules } from './envoy/validate-rules';
export type { MessageVisitor } from './envoy/visit';
export { visitMessages } from './envoy/visit';
export { UnknownEnvoyTypeError, EnvoyShapeError, EnvoyRulesError } from './envoy/errors';
export { EnvoyTypes, EnvoyExtensionNames } from './envoy/type-names';
// Resource names.
export {
  ADMIN_LISTENER_NAME,
  ADMIN_CLUSTER_NAME,
  GRPC_SERVER_LISTENER_TEMPLATE,
  inboundListenerName,
  outboundListenerName,
  localClusterName,
  serviceClusterName,
  subsetClusterName,
  subsetTags,
  inboundRouteConfigName,
  outboundRouteConfigName,
  adminRouteConfigName,
  proxylessListenerName,
  proxylessServerListenerName,
  identityCertSecretName,
  meshCaSecretName,
  statPrefix,
} from './naming';
// Generation.
export type { Proxy, ProxyKind, Endpoint, MeshContext, MeshContextOptions, LoadAssignmentInput, LoadAssignmentInputs, ResolvedInbound, OutboundDestination } from './generate/proxy';
export {
  buildMeshContext,
  SharedResources,
  ProxyContextError,
  protocolOfTags,
  commonProtocol,
  isHttpProtocol,
  isHttp2Protocol,
  resolvedInbounds,
  outboundDestinations,
  DEFAULT_ADMIN_PORT,
  DEFAULT_OUTBOUND_ADDRESS,
  DEFAULT_SERVICE_ADDRESS,
} from './generate/proxy';
export { MeshContextBuilder } from './generate/mesh-context-builder';
export type { ResourceEntry } from './generate/resource-set';
export { ResourceSet, DuplicateResourceError, ResourceSetError, resourceNameOf } from './generate/resource-set';
export type { ResourceGenerator } from './generate/generator';
export type { EncodingCacheOptions } from './generate/encoding-cache';
export { EncodingCache, DEFAULT_ENCODING_CACHE_ENTRIES, shareResource, isSharedResource, bytesVersion } from './generate/encoding-cache';
export type { ReplacedResource } from './generate/consistency';
export { checkConsistency, assertConsistent, replacementsConsistent, SnapshotInconsistencyError } from './generate/consistency';
export { inboundGenerator } from './generate/inbound.generator';
export { outboundGenerator } from './generate/outbound.generator';
export { endpointsGenerator, clusterLoadAssignment, LOCAL_PRIORITY, DEFAULT_LOCALITY_WEIGHT } from './generate/endpoints.generator';
export { patchLoadAssignments } from './generate/endpoints-patch';
export { adminGenerator, ENVOY_ADMIN_ADDRESS } from './generate/admin.generator';
export { proxylessGenerator } from './generate/proxyless.generator';
export {
  socketAddress,
  adsConfigSource,
  routerFilter,
  httpConnectionManagerFilter,
  tcpProxyFilter,
  catchAllRoute,
  routeConfiguration,
  upstreamProtocolOptions,
  staticCluster,
  edsCluster,
  sharedEdsCluster,
  sharedProxylessCluster,
  memoKey,
  CONNECT_TIMEOUT_SECONDS,
} from './generate/envoy-messages';
export type { GenerateOptions, EncodedSnapshot } from './generate/generate';
export { generateSnapshot, generateResources, toSnapshot, encodeSnapshot, ENVOY_GENERATORS, PROXYLESS_GENERATORS } from './generate/generate';
