export type { ErrorCode } from './errors';
export {
  MycelError,
  NotFoundError,
  AlreadyExistsError,
  ConflictError,
  ValidationError,
  MalformedInputError,
  UnauthenticatedError,
  ForbiddenError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  MethodNotAllowedError,
  UnavailableError,
  isMycelError,
} from './errors';
export type { Violation, ValidationResult, JsonObject } from './validation';
export { Violations, isObject, childPath, indexPath, describe } from './validation';
export { nameProblem, labelKeyProblem, labelValueProblem, checkLabels, MAX_NAME_LENGTH } from './names';
export type { Resource, ResourceInput, ResourceKey, Protocol } from './resource';
export { Labels, PROTOCOLS, MESH_TYPE, formatKey, keyOf } from './resource';
export type { ResourceScope, KdsFlags, SpecContext, ResourceTypeDescriptor } from './descriptor';
export { NO_KDS } from './descriptor';
export { TypeRegistry, DuplicateTypeError } from './registry';
export type { EnvelopeExpectation } from './envelope';
export { parseResource, ENVELOPE_FIELDS, STORE_FIELDS } from './envelope';
export { canonicalJson, contentHash, jsonEqual } from './canonical';
export { parseDuration, durationProblem } from './duration';
export type {
  MeshSpec,
  MeshMtls,
  MeshMtlsMode,
  MeshMtlsBackend,
  MeshMtlsBackendCommon,
  MeshBuiltinMtlsBackend,
  MeshProvidedMtlsBackend,
  MeshSecretRef,
  MeshMetrics,
  MeshMetricsBackend,
  MeshTracing,
  MeshTracingBackend,
  MeshTracingBackendCommon,
  MeshZipkinTracingBackend,
  MeshOtlpTracingBackend,
  MeshLogging,
  MeshLoggingBackend,
  MeshLoggingBackendCommon,
  MeshFileLoggingBackend,
  MeshTcpLoggingBackend,
  MeshOtlpLoggingBackend,
  MeshNetworking,
  MeshRouting,
} from './types/mesh.type';
export { MeshType } from './types/mesh.type';
export type {
  DataplaneSpec,
  DataplaneNetworking,
  DataplaneInbound,
  DataplaneOutbound,
  DataplaneOutboundCommon,
  DataplaneTagsOutbound,
  DataplaneBackendRefOutbound,
  DataplaneBackendRef,
  DataplaneGateway,
  DataplaneTransparentProxying,
  IpFamilyMode,
} from './types/dataplane.type';
export { DataplaneType } from './types/dataplane.type';
export type { ZoneSpec } from './types/zone.type';
export { ZoneType } from './types/zone.type';
export type { SecretSpec } from './types/secret.type';
export { SecretType, MAX_SECRET_BYTES } from './types/secret.type';
export type { GlobalSecretSpec } from './types/global-secret.type';
export { GlobalSecretType } from './types/global-secret.type';
export type {
  DataplaneInsightSpec,
  DataplaneInsightSubscription,
  DataplaneInsightSubscriptionStatus,
  DataplaneInsightTotals,
  DataplaneInsightTypeStatus,
  DataplaneInsightNack,
} from './types/dataplane-insight.type';
export { DataplaneInsightType } from './types/dataplane-insight.type';
export type {
  ZoneInsightSpec,
  ZoneInsightSubscription,
  ZoneInsightSubscriptionStatus,
  ZoneInsightTypeStat,
} from './types/zone-insight.type';
export { ZoneInsightType } from './types/zone-insight.type';
export { checkTags, isProtocol } from './types/tags';
export { isIpAddress, isDnsName, hostProblem, hostPortProblem, MIN_PORT, MAX_PORT } from './types/address';
export { isRfc3339, timestampProblem } from './types/timestamp';
export { CORE_TYPES, registerCoreTypes, createCoreRegistry } from './builtin';
