// Dataplane admission: signing keys per mesh, dataplane tokens, bootstrap, ADS authorization, the dataplane port.
/** Per-mesh dataplane-token signing keys, and the loop that gives every new mesh one. */
export { MeshSigningKeys, MeshKeyReconciler, FIRST_DATAPLANE_SIGNING_KEY } from './mesh-keys';
/** Options of MeshKeyReconciler and its injected timers. */
export type { MeshKeyReconcilerOptions, ReconcilerTimers } from './mesh-keys';
/** Dataplane tokens: issuing, validation with precise reasons, revocation, and the API extension. */
export {
  DataplaneTokenIssuer,
  DataplaneTokenValidator,
  DataplaneTokenRevocations,
  DataplaneTokenForbiddenError,
  authorizeDataplane,
  createDataplaneTokenApi,
  DATAPLANE_TOKEN_ISSUER,
  DATAPLANE_TOKEN_AUDIENCE,
  DATAPLANE_TOKEN_REVOCATIONS,
  MIN_DATAPLANE_TOKEN_VALIDITY_MS,
  MAX_DATAPLANE_TOKEN_VALIDITY_MS,
} from './dataplane-tokens';
/** Identity, options and denial reasons of dataplane tokens. */
export type {
  DataplaneTokenIdentity,
  DataplaneTokenDenial,
  DataplaneTokenTarget,
  DataplaneTokenIssuerOptions,
  DataplaneTokenValidatorOptions,
  DataplaneTokenApiOptions,
  DataplaneSigningKeySource,
  DataplaneVerificationKeySource,
} from './dataplane-tokens';
/** `POST /bootstrap`: request parsing, admission + registration, Envoy and gRPC bootstraps, the express handler. */
export { BootstrapService } from './bootstrap/bootstrap.service';
export type { BootstrapOptions, BootstrapResult, Registration } from './bootstrap/bootstrap.service';
export { createBootstrapHandler, BOOTSTRAP_PATH, DEFAULT_BOOTSTRAP_MAX_BODY_BYTES } from './bootstrap/bootstrap.handler';
export type { BootstrapHandlerOptions } from './bootstrap/bootstrap.handler';
export { parseBootstrapRequest, BOOTSTRAP_KINDS, BOOTSTRAP_REQUEST_FIELDS } from './bootstrap/bootstrap-request';
export type { BootstrapRequest } from './bootstrap/bootstrap-request';
export { envoyBootstrap, checkEnvoyBootstrap, ENVOY_BOOTSTRAP_TYPE, ADS_CLUSTER_NAME } from './bootstrap/envoy-bootstrap';
export type { EnvoyBootstrapParams, DataplaneVersions } from './bootstrap/envoy-bootstrap';
export { grpcBootstrap } from './bootstrap/grpc-bootstrap';
export type { GrpcBootstrapParams } from './bootstrap/grpc-bootstrap';
export { protoJsonToObject } from './bootstrap/proto-json';
export { NODE_MESH_KEY, NODE_NAME_KEY, NODE_TOKEN_KEY, NODE_PROXY_KIND_KEY, NODE_VERSION_KEY, nodeMetadataString } from './bootstrap/node-metadata';
/** ADS stream admission of dataplanes by token. */
export { createAdsAuthorizer, dataplaneOfNode, tokenOfStream } from './ads-authorizer';
export type { AdsAuthorizerOptions, NodeDataplane } from './ads-authorizer';
/** The dataplane port: gRPC and HTTP/1.1 on one listener. */
export { DpServer, DEFAULT_DP_LISTEN_BACKLOG, DEFAULT_DP_SERVER_PORT, HTTP2_PREFACE, classifyPreface } from './dp-server';
export type { DpServerOptions, DpListenOptions, ConnectionProtocol } from './dp-server';
// xDS runtime: reconciliation, DataplaneInsights, inspection, and the composition that runs them.
/** The zone xDS server: keys, reconciler, insights, ADS and the dataplane port, started and stopped together. */
export { startZoneXds, composeCallbacks, MYCEL_POLICIES, STANDALONE_ZONE } from './zone-xds';
export type { ZoneXds, ZoneXdsOptions, DpServerSettings } from './zone-xds';
/** Event-driven snapshot generation for connected dataplanes. */
export { XdsReconciler, DEFAULT_DEBOUNCE_MS, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_BUDGET_MS, DEFAULT_TEMPLATE_ENTRIES } from './reconciler/xds-reconciler';
export type { XdsReconcilerOptions, ReconcilerStats, BatchStats, NodeConfig } from './reconciler/xds-reconciler';
export { NO_POLICIES } from './reconciler/policy-engine';
export type { PolicyEngine } from './reconciler/policy-engine';
export { ZoneIndex, ChangeSet, PolicyImpactError } from './reconciler/zone-index';
export type { MeshState, MeshChanges, PolicyImpact } from './reconciler/zone-index';
export { changedServices, consumedServices, consumesAny, servicesOfSnapshot, serviceContributions } from './reconciler/affected';
export { dataplaneNodeId, nodeIdCandidates, dataplaneRefOfNode } from './reconciler/node-id';
export type { DataplaneRef } from './reconciler/node-id';
export { proxyKindOfNode } from './reconciler/proxy-kind';
export { ReconcilerMetrics } from './reconciler/reconciler-metrics';
export type { GenerationOutcome } from './reconciler/reconciler-metrics';
export { systemTimers } from './reconciler/timers';
export type { Timers, TimerHandle } from './reconciler/timers';
/** DataplaneInsight upkeep from the ADS callbacks. */
export { DataplaneInsightWriter, DEFAULT_INSIGHT_FLUSH_MS, DEFAULT_TIDY_MAX_DELAY_MS, DEFAULT_TIDY_QUIET_MS } from './insights/dataplane-insight-writer';
export type { DataplaneInsightWriterOptions, TidyResult } from './insights/dataplane-insight-writer';
export { SubscriptionState, mergeSubscriptions, closeSubscriptions, MAX_SUBSCRIPTIONS } from './insights/insight-state';
/** `_config` and `_rules` of a dataplane. */
export { DataplaneInspector, decodeSnapshot } from './inspect/dataplane-inspector';
export type { DataplaneConfigView, DecodedXdsResource, ConfigSource, DataplaneInspectorOptions } from './inspect/dataplane-inspector';
