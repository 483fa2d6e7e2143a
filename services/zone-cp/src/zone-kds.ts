import { durationMs, natsServers } from '@mycel/config';
import { ZoneKdsSync, connectNats, zoneNatsUser } from '@mycel/kds';
import type { KdsNats } from '@mycel/kds';
import { startInBackground } from '@mycel/runtime';
import type { BackgroundComponent, ControlPlaneExtensionContext } from '@mycel/runtime';

/**
 * Starts the zone side of KDS (`ZoneKdsSync`) for `ctx.config.zone` without waiting for NATS:
 * connects as `kds.natsUser` (default `zone-<zone>`) with `password`, reconnecting forever, and
 * starts the sync once connected. `stop()` stops the sync and closes the connection.
 */
export function startZoneKds(ctx: ControlPlaneExtensionContext, password: string | undefined): BackgroundComponent<ZoneKdsSync> {
  const { config } = ctx;
  const zone = config.zone;
  const user = config.kds.natsUser !== '' ? config.kds.natsUser : zoneNatsUser(zone);
  const logger = ctx.logger.child({ component: 'kds' });
  logger.info('kds: connecting to NATS in the background', { servers: natsServers(config), user, zone });
  return startInBackground<KdsNats, ZoneKdsSync>({
    name: 'kds',
    logger,
    connect: () =>
      connectNats({
        servers: natsServers(config),
        user,
        ...(password !== undefined ? { pass: password } : {}),
        name: `zone-cp ${zone} ${ctx.instanceId}`,
        waitOnFirstConnect: true,
      }),
    start: (nats) => {
      const sync = new ZoneKdsSync({
        store: ctx.store,
        registry: ctx.registry,
        nats,
        zone,
        heartbeatIntervalMs: durationMs(config.kds.heartbeatInterval),
        instanceId: ctx.instanceId,
        logger: ctx.logger,
        meter: ctx.metrics.meter('mycel.kds'),
        bucket: { replicas: config.kds.replicas },
      });
      sync.start();
      return sync;
    },
    close: (nats) => nats.close(),
  });
}
