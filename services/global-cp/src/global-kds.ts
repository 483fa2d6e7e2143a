import { AlreadyExistsError } from '@mycel/core';
import { durationMs, natsServers } from '@mycel/config';
import type { ZoneStatusInfo } from '@mycel/api';
import { GLOBAL_NATS_USER, GlobalKdsSync, connectNats } from '@mycel/kds';
import type { KdsNats, ZoneStatus } from '@mycel/kds';
import { startInBackground } from '@mycel/runtime';
import type { BackgroundComponent, ControlPlaneExtension, ControlPlaneExtensionContext } from '@mycel/runtime';
import type { ResourceStore } from '@mycel/store';
import type { Logger } from '@mycel/telemetry';

/** Type of the zone registry's records. */
const ZONE_TYPE = 'Zone';

/** Options of {@link startGlobalKds}. */
export interface GlobalKdsOptions {
  /** The NATS password of the `global` user (or `kds.natsUser`). */
  readonly password: string | undefined;
  /** Zone-token mode: `global.creds` of the auth dir (exclusive with `password`). */
  readonly creds?: string;
  /** How often Zone resources are re-read and heartbeating zones registered, in ms; default 2000. */
  readonly registryIntervalMs?: number;
}

/** The running global side: KDS plus the zone registry; also what the API shows on `/zones`. */
export interface GlobalKds extends ControlPlaneExtension {
  readonly sync: BackgroundComponent<GlobalKdsSync>;
}

/**
 * Starts global's side of KDS without waiting for NATS (connects as `global`, reconnecting
 * forever) and the zone registry: every `Zone` resource is followed, and a zone whose bucket is
 * discovered and that heartbeats gets a `Zone` resource created for it, so `/zones` lists it.
 * The API adds each zone's live status (online, last seen, synced resource counts) to Zone reads.
 */
export function startGlobalKds(ctx: ControlPlaneExtensionContext, options: GlobalKdsOptions): GlobalKds {
  const { config } = ctx;
  const user = config.kds.natsUser !== '' ? config.kds.natsUser : GLOBAL_NATS_USER;
  const logger = ctx.logger.child({ component: 'kds' });
  const intervalMs = options.registryIntervalMs ?? 2000;
  logger.info('kds: connecting to NATS in the background', { servers: natsServers(config), user, auth: options.creds !== undefined ? 'zone-token mode (global.creds)' : 'password' });
  const sync = startInBackground<KdsNats, GlobalKdsSync>({
    name: 'kds',
    logger,
    connect: () =>
      connectNats({
        servers: natsServers(config),
        ...(options.creds !== undefined ? { creds: options.creds } : { user }),
        ...(options.password !== undefined ? { pass: options.password } : {}),
        name: `global-cp ${ctx.instanceId}`,
        waitOnFirstConnect: true,
      }),
    start: (nats) => {
      const g = new GlobalKdsSync({
        store: ctx.store,
        registry: ctx.registry,
        nats,
        zones: [],
        offlineAfterMs: durationMs(config.kds.zoneOfflineAfter),
        discoveryIntervalMs: intervalMs,
        logger: ctx.logger,
        meter: ctx.metrics.meter('mycel.kds'),
        bucket: { replicas: config.kds.replicas },
      });
      g.start();
      return g;
    },
    close: (nats) => nats.close(),
  });
  const registry = new ZoneRegistryLoop(ctx.store, () => sync.current(), logger, intervalMs);
  registry.start();
  return {
    sync,
    globalApi: {
      zoneStatus: (zone) => {
        const status = sync.current()?.zoneStatus().find((z) => z.zone === zone);
        return status === undefined ? undefined : toZoneStatusInfo(status);
      },
    },
    stop: async () => {
      await registry.stop();
      await sync.stop();
    },
  };
}

/** The API's view of a KDS zone status. */
export function toZoneStatusInfo(status: ZoneStatus): ZoneStatusInfo {
  return {
    online: status.online,
    ...(status.lastSeen !== undefined ? { lastSeen: status.lastSeen } : {}),
    ...(status.instanceId !== undefined ? { instanceId: status.instanceId } : {}),
    ...(status.reportedTime !== undefined ? { reportedTime: status.reportedTime } : {}),
    resources: { ...status.resources },
    kds: {
      bucket: status.bucket,
      state: status.sync.state,
      resyncs: status.sync.resyncs,
      ...(status.sync.lastResync !== undefined ? { lastResync: status.sync.lastResync } : {}),
      ...(status.sync.lastError !== undefined ? { lastError: status.sync.lastError } : {}),
      zoneRevision: status.sync.revision,
      ...(status.globalRevision !== undefined ? { globalRevision: status.globalRevision } : {}),
    },
  };
}

/**
 * Keeps KDS following every `Zone` resource and registers zones KDS discovered (their bucket
 * exists and a heartbeat arrived) as `Zone` resources. Polls: zones come and go rarely, and a
 * poll needs no change-feed bookkeeping across store restarts.
 */
class ZoneRegistryLoop {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: ResourceStore,
    private readonly sync: () => GlobalKdsSync | undefined,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.round = this.reconcile()
        .catch((err: unknown) => {
          // A store hiccup: the next round retries; nothing is lost by skipping one.
          this.logger.warn('zone registry: round failed', { error: err });
        })
        .finally(() => {
          if (!this.stopped) this.schedule(this.intervalMs);
        });
    }, delayMs);
  }

  private async reconcile(): Promise<void> {
    const sync = this.sync();
    if (sync === undefined) return;
    const known = new Set<string>();
    for (let offset: string | undefined; ; ) {
      const page = await this.store.list({ type: ZONE_TYPE, size: 1000, ...(offset !== undefined ? { offset } : {}) });
      for (const zone of page.items) {
        known.add(zone.name);
        sync.followZone(zone.name);
      }
      if (page.next === undefined) break;
      offset = page.next;
    }
    for (const status of sync.zoneStatus()) {
      if (known.has(status.zone) || status.lastSeen === undefined) continue;
      try {
        await this.store.create({ type: ZONE_TYPE, name: status.zone, labels: {}, spec: {} });
        this.logger.info('zone registry: registered a zone that connected', { zone: status.zone });
      } catch (err) {
        // Created meanwhile (by an operator or another replica): the goal is reached.
        if (!(err instanceof AlreadyExistsError)) throw err;
      }
    }
  }
}
