import type { RequestHandler } from 'express';
import type { ZoneApiExtensions } from '@mycel/api';
import type { TypeRegistry } from '@mycel/core';
import { UnavailableError } from '@mycel/core';
import { affectedByPolicy, applyPolicies, computeRules } from '@mycel/policies';
import type { ResourceStore } from '@mycel/store';
import { silentLogger } from '@mycel/telemetry';
import type { Logger } from '@mycel/telemetry';
import { AdsServer, EncodingCache, SnapshotCache } from '@mycel/xds';
import type { AdsCallbacks } from '@mycel/xds';
import type { Meter } from '@opentelemetry/api';
import { createAdsAuthorizer } from './ads-authorizer';
import { createBootstrapHandler } from './bootstrap/bootstrap.handler';
import { DataplaneTokenIssuer, DataplaneTokenRevocations, DataplaneTokenValidator, createDataplaneTokenApi } from './dataplane-tokens';
import { DEFAULT_DP_SERVER_PORT, DpServer } from './dp-server';
import { DataplaneInsightWriter } from './insights/dataplane-insight-writer';
import { DataplaneInspector } from './inspect/dataplane-inspector';
import { MeshKeyReconciler, MeshSigningKeys } from './mesh-keys';
import { nodeIdCandidates } from './reconciler/node-id';
import type { PolicyEngine } from './reconciler/policy-engine';
import { DEFAULT_DEBOUNCE_MS, XdsReconciler } from './reconciler/xds-reconciler';
import type { ReconcilerStats } from './reconciler/xds-reconciler';

/** Zone name of a standalone control plane (it has no configured zone). */
export const STANDALONE_ZONE = 'default';

/** The policy plugins of `@mycel/policies` as the reconciler's {@link PolicyEngine}. */
export const MYCEL_POLICIES: PolicyEngine = Object.freeze({
  apply: (set, proxy, ctx, policies) => {
    applyPolicies(set, proxy, ctx, policies);
  },
  affected: (before, after, dataplanes) => affectedByPolicy(before, after, dataplanes),
  rules: (dataplane, ctx, policies) => computeRules(dataplane, ctx, policies),
} satisfies PolicyEngine);

/** Where the dataplane server listens and what bootstraps point at. */
export interface DpServerSettings {
  /** Listen address; `0.0.0.0` by default. */
  readonly address?: string;
  /** Listen port; {@link DEFAULT_DP_SERVER_PORT} (5678) by default, 0 for any free port. */
  readonly port?: number;
  /** Host dataplanes dial (written into bootstraps); `127.0.0.1` by default. */
  readonly advertisedAddress?: string;
}

/** Options of {@link startZoneXds}. */
export interface ZoneXdsOptions {
  readonly store: ResourceStore;
  /** Must already hold every policy type (`registerPolicyTypes`). */
  readonly registry: TypeRegistry;
  readonly logger?: Logger;
  /** Meter for the `mycel.xds.*` instruments; none by default. */
  readonly meter?: Meter;
  /** This zone's name (node locality, local endpoints' zone). */
  readonly zone: string;
  /** This control-plane instance, recorded on DataplaneInsight subscriptions. */
  readonly instanceId: string;
  /** Instance ids of earlier runs of this instance, whose subscriptions are closed on start. */
  readonly isEarlierRun?: (instanceId: string) => boolean;
  readonly dpServer?: DpServerSettings;
  /** Debounce of the reconciler in ms; {@link DEFAULT_DEBOUNCE_MS} by default. */
  readonly debounceMs?: number;
  /** Policy plugins; {@link MYCEL_POLICIES} by default. */
  readonly policies?: PolicyEngine;
  /**
   * When the DataplaneInsight tidy-up starts after the dataplane server listens: once no dataplane
   * connected for `quietMs` (5 s), at the latest `maxDelayMs` (60 s) after; 0 for either starts it at once.
   */
  readonly insightTidy?: { readonly quietMs?: number; readonly maxDelayMs?: number };
  readonly now?: () => Date;
}

/** A running zone xDS server; `stop()` shuts it down (streams first, store writes last). */
export interface ZoneXds {
  /** What the API serves for this zone: dataplane tokens, `_config`, `_rules`. */
  readonly zoneApi: ZoneApiExtensions;
  /** The bound dataplane port (ADS + `POST /bootstrap`). */
  readonly dpPort: number;
  readonly reconciler: XdsReconciler;
  readonly insights: DataplaneInsightWriter;
  /** The reconciler's counters (for tests and the bench). */
  stats(): ReconcilerStats;
  stop(): Promise<void>;
}

/**
 * Starts what makes a control plane serve dataplanes, in dependency order: the per-mesh signing
 * keys of dataplane tokens, the xDS reconciler (lists the store, then follows it), the
 * DataplaneInsight writer, the ADS server behind the dataplane-token authorizer, and the dataplane
 * server (ADS + `POST /bootstrap`, one port); once that listens, the writer's tidy-up (closing
 * subscriptions a crash left open, deleting insights of deleted dataplanes) runs in the background. A failure stops whatever had started and rejects. `stop()` ends
 * the ADS streams, closes the port, writes the last insights and stops the loops.
 */
export async function startZoneXds(options: ZoneXdsOptions): Promise<ZoneXds> {
  const { store, registry, zone } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => logger.error('error while stopping the zone xDS server', { error: err }));
    }
    stops.length = 0;
  };

  try {
    const keys = new MeshSigningKeys({ store });
    const meshKeys = new MeshKeyReconciler({ store, keys, logger: logger.child({ component: 'mesh-keys' }) });
    await meshKeys.start();
    stops.push(() => meshKeys.stop());
    const revocations = new DataplaneTokenRevocations({ store });
    const validator = new DataplaneTokenValidator({ keys, revocations, now });
    const issuer = new DataplaneTokenIssuer({ keys, now });

    const cache = new SnapshotCache();
    // The reconciler resolves node ids for the insights and tells them about deleted dataplanes;
    // neither calls the other before both are started.
    const reconciler = new XdsReconciler({
      store,
      registry,
      cache,
      zone,
      encodingCache: new EncodingCache(),
      policies: options.policies ?? MYCEL_POLICIES,
      debounceMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      logger: logger.child({ component: 'xds-reconciler' }),
      onDataplaneDeleted: (ref) => insights.dataplaneDeleted(ref),
      ...(options.meter ? { meter: options.meter } : {}),
    });
    const insights = new DataplaneInsightWriter({
      store,
      instanceId: options.instanceId,
      resolve: (nodeId) => reconciler.resolveNode(nodeId) ?? nodeIdCandidates(nodeId)[0],
      now,
      logger: logger.child({ component: 'dataplane-insights' }),
      ...(options.isEarlierRun ? { isEarlierRun: options.isEarlierRun } : {}),
      ...(options.insightTidy?.quietMs !== undefined ? { tidyQuietMs: options.insightTidy.quietMs } : {}),
      ...(options.insightTidy?.maxDelayMs !== undefined ? { tidyMaxDelayMs: options.insightTidy.maxDelayMs } : {}),
    });
    await reconciler.start();
    stops.push(() => reconciler.stop());
    // Stopped after the streams end (stops run in reverse), so their disconnects are written.
    stops.push(() => insights.stop());

    const ads = new AdsServer({
      cache,
      authorize: createAdsAuthorizer({ store, validator, logger: logger.child({ component: 'ads-authorizer' }) }),
      callbacks: composeCallbacks([reconciler.callbacks, insights], logger),
      logger: logger.child({ component: 'ads' }),
      ...(options.meter ? { meter: options.meter } : {}),
    });
    // The bootstrap needs the bound port (the configured one may be 0), so its handler is made after start.
    const bootstrap: { handler?: RequestHandler } = {};
    const dp = new DpServer({
      bootstrap: (req, res, next) => (bootstrap.handler ? bootstrap.handler(req, res, next) : next()),
      logger: logger.child({ component: 'dp-server' }),
    });
    ads.register(dp.grpcServer);
    const settings = options.dpServer ?? {};
    const address = settings.address ?? '0.0.0.0';
    const port = settings.port ?? DEFAULT_DP_SERVER_PORT;
    try {
      await dp.start({ address, port });
    } catch (err) {
      await dp.stop();
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new UnavailableError(`cannot listen on ${address}:${port} (dataplane server): ${code}`, { cause: err });
    }
    // After listening, in the background, once the reconnecting herd has passed: with many insights
    // the tidy-up takes long, and nothing a connecting dataplane needs waits for it.
    insights.start();
    stops.push(async () => {
      // Streams first, with UNAVAILABLE, so clients reconnect elsewhere instead of waiting for the grace period.
      ads.close();
      await dp.stop();
    });
    bootstrap.handler = createBootstrapHandler({
      store,
      registry,
      tokens: validator,
      advertisedAddress: settings.advertisedAddress ?? '127.0.0.1',
      advertisedPort: dp.port,
      zone,
      logger: logger.child({ component: 'bootstrap' }),
    });

    const inspector = new DataplaneInspector({ store, source: reconciler });
    const zoneApi: ZoneApiExtensions = {
      ...createDataplaneTokenApi({ issuer, revocations }),
      dataplaneConfig: (mesh, name) => inspector.dataplaneConfig(mesh, name),
      dataplaneRules: (mesh, name) => inspector.dataplaneRules(mesh, name),
    };
    return { zoneApi, dpPort: dp.port, reconciler, insights, stats: () => reconciler.stats(), stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * One AdsCallbacks calling each of `parts` in order; a part that throws is logged and does not
 * keep the others from running.
 */
export function composeCallbacks(parts: readonly AdsCallbacks[], logger: Logger = silentLogger): AdsCallbacks {
  const each = (name: keyof AdsCallbacks, invoke: (part: AdsCallbacks) => void): void => {
    for (const part of parts) {
      try {
        invoke(part);
      } catch (err) {
        logger.error('ADS callback failed', { callback: name, error: err });
      }
    }
  };
  return {
    onConnect: (nodeId, streamId, info) => each('onConnect', (p) => p.onConnect?.(nodeId, streamId, info)),
    onDisconnect: (nodeId, streamId) => each('onDisconnect', (p) => p.onDisconnect?.(nodeId, streamId)),
    onResponse: (nodeId, typeUrl, version, context) => each('onResponse', (p) => p.onResponse?.(nodeId, typeUrl, version, context)),
    onAck: (nodeId, typeUrl, version, context) => each('onAck', (p) => p.onAck?.(nodeId, typeUrl, version, context)),
    onNack: (nodeId, typeUrl, version, detail, context) => each('onNack', (p) => p.onNack?.(nodeId, typeUrl, version, detail, context)),
  };
}
