import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AlreadyExistsError, MESH_TYPE, createCoreRegistry } from '@mycel/core';
import type { TypeRegistry } from '@mycel/core';
import { ApiServer } from '@mycel/api';
import type { ApiAuth, GlobalApiExtensions, ZoneApiExtensions } from '@mycel/api';
import type { ControlPlaneConfig } from '@mycel/config';
import { durationMs } from '@mycel/config';
import { MemoryStore, RedisStore } from '@mycel/store';
import type { ResourceStore } from '@mycel/store';
import { Metrics } from '@mycel/telemetry';
import type { Logger } from '@mycel/telemetry';
import {
  RevocationList,
  SigningKeyManager,
  USER_TOKEN_REVOCATIONS,
  USER_TOKEN_SIGNING_KEY_PREFIX,
  UserTokenIssuer,
  UserTokenValidator,
  ensureAdminTokenFile,
} from '@mycel/tokens';

/** Version reported by the API and `mycelctl version`. */
export const MYCEL_VERSION = '0.1.0';
/** Name of the mesh created on first start unless `defaults.skipMeshCreation`. */
export const DEFAULT_MESH = 'default';

/** What an {@link ControlPlaneOptions.extend} hook gets: the components started before it. */
export interface ControlPlaneExtensionContext {
  readonly config: ControlPlaneConfig;
  readonly store: ResourceStore;
  /** Final: every type (core and `registerTypes`) is registered before the hook runs. */
  readonly registry: TypeRegistry;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** This process's instance id (`<service>-<host>-<8 hex>`, new on every start). */
  readonly instanceId: string;
  /**
   * True for the instance id of an earlier run of this service on this host (same service and
   * host, another random part): what a crash of this instance left behind.
   */
  readonly isEarlierRun: (instanceId: string) => boolean;
  readonly now: () => Date;
}

/**
 * Components a service plugs into a control plane (the zone's xDS server, …). `stop()` runs during
 * shutdown after the API stopped and before the store closes.
 */
export interface ControlPlaneExtension {
  /** Zone-only API endpoints (dataplane tokens, `_config`, `_rules`); absent: they answer 404. */
  readonly zoneApi?: ZoneApiExtensions;
  /** Global-only API features (the zone registry's status on `/zones`); absent: Zones have no `status`. */
  readonly globalApi?: GlobalApiExtensions;
  stop(): Promise<void>;
}

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions<E extends ControlPlaneExtension = ControlPlaneExtension> {
  readonly config: ControlPlaneConfig;
  readonly logger: Logger;
  /** `zone-cp` or `global-cp`: the OpenTelemetry service name. */
  readonly serviceName: string;
  readonly now?: () => Date;
  /** Adds resource types (e.g. policies) to the registry before anything reads it. */
  readonly registerTypes?: (registry: TypeRegistry) => void;
  /**
   * Starts service-specific components once the store, the signing keys and the default mesh are
   * ready and before the API starts; a rejection stops what was started and fails the start.
   */
  readonly extend?: (ctx: ControlPlaneExtensionContext) => Promise<E>;
}

/** A running control plane; `stop()` shuts every component down in reverse start order. */
export interface ControlPlane<E extends ControlPlaneExtension = ControlPlaneExtension> {
  readonly instanceId: string;
  readonly registry: TypeRegistry;
  readonly store: ResourceStore;
  /** The bound API port. */
  readonly apiPort: number;
  /** What `extend` returned, when given. */
  readonly extension: E | undefined;
  stop(): Promise<void>;
}

/**
 * Starts a control plane from validated config: store, signing keys and admin token file, the
 * default mesh (not in zone mode: zones get meshes from global), the `extend` hook's components, and the REST API. A component that fails to start
 * stops the ones started before it and the error propagates (the service exits non-zero with its
 * message). Shutdown order: API, extension, store, metrics.
 */
export async function startControlPlane<E extends ControlPlaneExtension = ControlPlaneExtension>(options: ControlPlaneOptions<E>): Promise<ControlPlane<E>> {
  const { config, logger } = options;
  const now = options.now ?? (() => new Date());
  const instancePrefix = `${options.serviceName}-${hostLabel(hostname())}-`;
  const instanceId = `${instancePrefix}${randomUUID().slice(0, 8)}`;
  const isEarlierRun = (id: string): boolean => id !== instanceId && id.startsWith(instancePrefix) && /^[0-9a-f]{8}$/.test(id.slice(instancePrefix.length));
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => logger.error('error while stopping', { error: err }));
    }
    stops.length = 0;
  };

  try {
    const registry = createCoreRegistry();
    options.registerTypes?.(registry);
    const metrics = new Metrics({ serviceName: options.serviceName, instanceId });
    stops.push(() => metrics.shutdown());

    const store = await openStore(config, now);
    stops.push(() => store.close());
    logger.info('store ready', { type: config.store.type });

    const keys = new SigningKeyManager({ store, type: 'GlobalSecret', prefix: USER_TOKEN_SIGNING_KEY_PREFIX });
    const revocations = new RevocationList({ store, type: 'GlobalSecret', name: USER_TOKEN_REVOCATIONS });
    const issuer = new UserTokenIssuer({ keys, now });
    const validator = new UserTokenValidator({ keys, revocations, now });
    if (config.mode === 'zone') {
      // The user-token signing key and revocations are GlobalSecrets that KDS syncs from global
      // (global's replace a zone's own), so tokens global issues work in every zone; an admin
      // token signed here would stop validating at the first sync.
      logger.info('zone mode: user tokens are issued by the global control plane; no admin token file is written');
    } else {
      const ensured = await keys.ensureKey();
      if (ensured.created) logger.info('generated the user-token signing key', { kid: ensured.kid });
      const adminToken = await ensureAdminTokenFile({
        path: config.auth.adminTokenFile,
        issuer,
        validator,
        validForMs: durationMs(config.auth.adminTokenValidFor),
      });
      logger.info(adminToken.created ? 'wrote a new admin token' : 'admin token file is valid', { path: adminToken.path });
    }

    // A zone gets its meshes from global (KDS); a local `default` would be replaced by global's
    // anyway, or linger unowned when global has none.
    if (!config.defaults.skipMeshCreation && config.mode !== 'zone') await ensureMesh(store, DEFAULT_MESH, logger);

    let extension: E | undefined;
    if (options.extend) {
      extension = await options.extend({ config, store, registry, logger, metrics, instanceId, isEarlierRun, now });
      const started = extension;
      stops.push(() => started.stop());
    }

    const auth: ApiAuth = {
      validate: (token) => validator.validate(token),
      issueUserToken: (request) => issuer.issue(request),
      revoke: (jti) => revocations.revoke(jti),
    };
    let ready = false;
    const api = new ApiServer({
      registry,
      store,
      auth,
      logger: logger.child({ component: 'api' }),
      metrics,
      mode: config.mode,
      instanceId,
      version: MYCEL_VERSION,
      maxBodyBytes: config.apiServer.maxBodyBytes,
      localhostIsAdmin: config.apiServer.localhostIsAdmin,
      readiness: () => (ready ? { ready: true } : { ready: false, reason: 'starting' }),
      ...(extension?.zoneApi !== undefined ? { zone: extension.zoneApi } : {}),
      ...(extension?.globalApi !== undefined ? { global: extension.globalApi } : {}),
    });
    await api.start({ address: config.apiServer.address, port: config.apiServer.port });
    stops.push(() => api.stop());
    ready = true;
    if (config.apiServer.localhostIsAdmin) {
      logger.warn('localhost-is-admin is on: loopback callers without a token are admin (development only)');
    }
    logger.info('API listening', { address: config.apiServer.address, port: api.port });

    return { instanceId, registry, store, apiPort: api.port, extension, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A host name as a lowercase DNS label (at most 40 characters), for instance ids. */
function hostLabel(host: string): string {
  const label = host.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return label === '' ? 'host' : label;
}

async function openStore(config: ControlPlaneConfig, now: () => Date): Promise<ResourceStore> {
  if (config.store.type === 'memory') return new MemoryStore({ clock: now });
  return RedisStore.connect({ url: config.store.redis.url, clock: now, connectTimeoutMs: durationMs(config.store.redis.connectTimeout) });
}

async function ensureMesh(store: ResourceStore, name: string, logger: Logger): Promise<void> {
  if (await store.find({ type: MESH_TYPE, name })) return;
  try {
    await store.create({ type: MESH_TYPE, name, labels: {}, spec: {} });
    logger.info('created mesh', { mesh: name });
  } catch (err) {
    // Another replica created it between our find and create: the goal is reached.
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}
