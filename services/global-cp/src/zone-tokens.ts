import { natsServers } from '@mycel/config';
import type { ZoneTokenExtensions } from '@mycel/api';
import { ZoneTokenAuthority, ZoneTokenRevocations, backoffMs, pushAccountJwt } from '@mycel/kds';
import type { NatsAuthority } from '@mycel/kds';
import type { ControlPlaneExtensionContext } from '@mycel/runtime';

/** Zone tokens on global: the API extension, plus the start-time push of the revocation list. */
export interface GlobalZoneTokens {
  readonly api: ZoneTokenExtensions;
  stop(): Promise<void>;
}

/**
 * Wires zone-token issuing and revocation (global in zone-token mode). On start it pushes the Mycel
 * account JWT with every stored revocation to nats-server, retrying with backoff (1 s → 30 s) until
 * it succeeds, so revocations hold even after nats-server lost its resolver directory.
 */
export function startZoneTokens(ctx: ControlPlaneExtensionContext, authority: NatsAuthority): GlobalZoneTokens {
  const logger = ctx.logger.child({ component: 'zone-tokens' });
  const servers = natsServers(ctx.config);
  const tokens = new ZoneTokenAuthority({
    authority,
    revocations: new ZoneTokenRevocations(ctx.store),
    push: (jwt) => pushAccountJwt({ servers, systemCreds: authority.systemCreds, jwt }),
    now: ctx.now,
  });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => undefined;
  const initialPush = (async () => {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await tokens.pushRevocations();
        logger.info('zone tokens: pushed the account JWT (revocations) to nats-server', { account: authority.account });
        return;
      } catch (err) {
        const waitMs = backoffMs(attempt, 1000, 30_000);
        logger.warn('zone tokens: cannot push the account JWT to nats-server yet; retrying', { error: err, attempt, waitMs });
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, waitMs);
        });
      }
    }
  })();
  return {
    api: {
      issueZoneToken: (request) => {
        const issued = tokens.issue(request.zone, request.validForMs);
        // The id is public (a user nkey); the token itself is never logged.
        logger.info('issued a zone token', { zone: issued.zone, id: issued.id, expiresAt: issued.expiresAt.toISOString() });
        return Promise.resolve({ token: issued.creds, id: issued.id, zone: issued.zone, expiresAt: issued.expiresAt });
      },
      revokeZoneToken: async (id) => {
        await tokens.revoke(id);
        logger.info('revoked a zone token', { id });
      },
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      wake();
      await initialPush;
    },
  };
}
