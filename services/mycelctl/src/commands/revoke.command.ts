import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { ApiRejectedError, UnsupportedError, UsageError } from '../errors';

/** A zone token id: the public nkey of its NATS user. */
const ZONE_TOKEN_ID = /^U[A-Z2-7]{55}$/;

/** `revoke zone-token <id>`. */
export function registerRevokeCommands(program: Command, ctx: CliContext): void {
  const revoke = program.command('revoke').description('revoke tokens issued by the control plane');

  revoke
    .command('zone-token')
    .description(
      'revoke a zone token by its id (POST /tokens/zone/revocations on the global control plane): ' +
        'nats-server disconnects the zone and refuses the token from then on',
    )
    .argument('<id>', 'the token id (U…), as printed by generate zone-token')
    .action(async (id: string) => {
      if (!ZONE_TOKEN_ID.test(id)) throw new UsageError(`<id> must be a zone token id (U followed by 55 base32 characters), got '${id}'`);
      try {
        await ctx.client().request('POST', '/tokens/zone/revocations', { body: { id } });
      } catch (err) {
        if (err instanceof ApiRejectedError && err.status === 405) throw new UnsupportedError('zone tokens', err);
        throw err;
      }
      ctx.print(`zone token ${id} revoked\n`);
    });
}
