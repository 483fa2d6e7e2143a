import { durationMs, natsServers } from '@mycel/config';
import { ZoneKdsSync, connectNats, inboxPrefixOf, zoneNatsUser } from '@mycel/kds';
import type { CheckedZoneToken, KdsNats } from '@mycel/kds';
import { startInBackground } from '@mycel/runtime';
import type { BackgroundComponent, ControlPlaneExtensionContext } from '@mycel/runtime';

/** How the zone authenticates to NATS: a password (user `kds.natsUser` or `zone-<zone>`), or a zone token checked at startup. */
export type ZoneNatsAuth = { readonly password: string | undefined } | { readonly creds: CheckedZoneToken };

/**
 * Starts the zone side of KDS (`ZoneKdsSync`) for `ctx.config.zone` without waiting for NATS:
 * connects as `kds.natsUser` (default `zone-<zone>`) with the password, or with the zone token's
 * creds (user `zone-<zone>`, inbox prefix `_INBOX.zone-<zone>` as its permissions require),
 * reconnecting forever, and starts the sync once connected. `stop()` stops the sync and closes the connection.
 */
export function startZoneKds(ctx: ControlPlaneExtensionContext, auth: ZoneNatsAuth): BackgroundComponent<ZoneKdsSync> {
  const { config } = ctx;
  const zone = config.zone;
  const user = config.kds.natsUser !== '' ? config.kds.natsUser : zoneNatsUser(zone);
  const token = 'creds' in auth ? auth.creds : undefined;
  const password = 'password' in auth ? auth.password : undefined;
  const logger = ctx.logger.child({ component: 'kds' });
  logger.info('kds: connecting to NATS in the background', {
    servers: natsServers(config),
    user,
    zone,
    ...(token !== undefined ? { auth: 'zone token', tokenId: token.id, tokenExpiresAt: token.expiresAt?.toISOString() ?? 'never' } : { auth: 'password' }),
  });
  return startInBackground<KdsNats, ZoneKdsSync>({
    name: 'kds',
    logger,
    connect: () =>
      connectNats({
        servers: natsServers(config),
        ...(token !== undefined ? { creds: token.creds, inboxPrefix: inboxPrefixOf(zoneNatsUser(zone)) } : { user }),
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
        insightPublishIntervalMs: durationMs(config.kds.insightPublishInterval),
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
