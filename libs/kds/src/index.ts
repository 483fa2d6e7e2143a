export type { NatsConnectOptions, KdsNats, KdsNatsEvent } from './nats-connection';
export type { NatsClaims, NatsClaimsInput, NatsClaimBody, NatsClaimType, DecodedNatsJwt } from './nats-jwt';
export { NATS_JWT_HEADER, encodeNatsJwt, decodeNatsJwt, natsJwtTimeProblem, formatCreds, parseCreds, isPublicKeyOf } from './nats-jwt';
export type { NatsAuthInitOptions, NatsAuthInitResult, OperatorModeConfigOptions, IssuedZoneToken, NatsAuthority, CheckedZoneToken } from './nats-auth';
export {
  NATS_AUTH_FILES,
  MYCEL_ACCOUNT_NAME,
  SYSTEM_ACCOUNT_NAME,
  SYSTEM_NATS_USER,
  initNatsAuth,
  natsAuthInitProblems,
  globalTokenModePermissions,
  mycelAccountClaims,
  renderOperatorModeConfig,
  loadNatsAuthority,
  checkZoneToken,
  natsUserOfCreds,
  isZoneTokenId,
} from './nats-auth';
export type { PushAccountJwtOptions, ZoneTokenAuthorityOptions } from './zone-tokens';
export { ZONE_TOKEN_REVOCATIONS, CLAIMS_UPDATE_SUBJECT, ZoneTokenRevocations, pushAccountJwt, ZoneTokenAuthority } from './zone-tokens';
export { connectNats, toKdsError, isStreamNotFound } from './nats-connection';
export { KdsPermissionError, KdsUnavailableError, KdsEntryError } from './kds-errors';
export {
  GLOBAL_BUCKET,
  ZONE_BUCKET_PREFIX,
  READY_KEY,
  HEARTBEAT_KEY,
  NO_MESH_TOKEN,
  escapeToken,
  unescapeToken,
  kdsKey,
  parseKdsKey,
  isReservedKey,
  typeOfKdsKey,
  zoneBucket,
  zoneOfBucket,
  streamOfBucket,
} from './kds-keys';
export {
  ORIGIN_GLOBAL,
  ORIGIN_ZONE,
  ZONE_HASH_LENGTH,
  isGlobalOrigin,
  isZoneOrigin,
  zoneHash,
  globalNameOf,
  globalLabelsOf,
  zoneLabelsOf,
} from './kds-naming';
export type { SyncedResource, ResourceEntry, ReadyMarker, Heartbeat } from './kds-entry';
export {
  ENTRY_FORMAT,
  syncedResourceOf,
  syncHash,
  encodeResourceEntry,
  decodeResourceEntry,
  encodeReadyMarker,
  decodeReadyMarker,
  encodeHeartbeat,
  decodeHeartbeat,
} from './kds-entry';
export type { KdsClock } from './kds-clock';
export { systemClock, ManualClock, Wakeup, backoffMs } from './kds-clock';
export type { KdsMeter, KdsMetrics, KdsMetricAttributes } from './kds-metrics';
export { createKdsMetrics } from './kds-metrics';
export type { KdsTimings, ResolvedKdsTimings, KdsBucketOptions } from './kds-options';
export { resolveTimings } from './kds-options';
export type { SyncMapping, ApplierStats, StoreApplierOptions } from './store-applier';
export {
  StoreApplier,
  zoneSideMapping,
  globalSideMapping,
  globalToZoneTypes,
  zoneToGlobalTypes,
  acrossZonesTypes,
  globalPublishedTypes,
  isGloballyPublished,
} from './store-applier';
export type { BucketPublisherOptions, PublisherStatus } from './bucket-publisher';
export { BucketPublisher } from './bucket-publisher';
export type { WatchEntry, BucketWatch } from './bucket-watch';
export { openBucketWatch, endsSnapshot } from './bucket-watch';
export type { BucketConsumerOptions, ConsumerStatus, ConsumerState } from './bucket-consumer';
export { BucketConsumer } from './bucket-consumer';
export type { ZoneStatus } from './zone-status';
export { ZoneHeartbeats } from './zone-status';
export type { GlobalKdsSyncOptions } from './global-sync';
export { GlobalKdsSync } from './global-sync';
export type { ZoneKdsSyncOptions, ZoneSyncStatus } from './zone-sync';
export { DEFAULT_INSIGHT_PUBLISH_INTERVAL_MS, ZoneKdsSync } from './zone-sync';
export type { NatsUserPermissions, NatsServerConfigOptions, GenerateNatsServerConfigOptions } from './nats-config';
export {
  GLOBAL_NATS_USER,
  zoneNatsUser,
  inboxPrefixOf,
  globalNatsPermissions,
  zoneNatsPermissions,
  natsServerConfigProblems,
  renderNatsServerConfig,
  generateNatsServerConfig,
} from './nats-config';
