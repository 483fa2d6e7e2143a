import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { outputOption } from '../command-options';
import { formatData } from '../output-format';
import { MYCELCTL_VERSION } from '../version';

/** What `GET /` answers. */
interface ServerInfo {
  product?: string;
  version?: string;
  mode?: string;
  instanceId?: string;
}

/** `version`. */
export function registerVersionCommand(program: Command, ctx: CliContext): void {
  program
    .command('version')
    .description("print the client's version and the active control plane's (GET /)")
    .option('--client', "only the client's version; contacts nothing")
    .addOption(outputOption(['text', 'yaml', 'json'], 'text'))
    .action(async (flags: { client?: boolean; output: 'text' | 'yaml' | 'json' }) => {
      const client = { version: MYCELCTL_VERSION };
      if (flags.output === 'text') ctx.print(`Client: mycelctl ${MYCELCTL_VERSION}\n`);
      if (flags.client) {
        if (flags.output !== 'text') ctx.print(formatData(flags.output, { client }));
        return;
      }
      const info = (await ctx.client().get<ServerInfo | undefined>('/')) ?? {};
      const server = {
        product: info.product ?? 'unknown',
        version: info.version ?? 'unknown',
        ...(info.mode !== undefined ? { mode: info.mode } : {}),
        ...(info.instanceId !== undefined ? { instanceId: info.instanceId } : {}),
      };
      if (flags.output !== 'text') {
        ctx.print(formatData(flags.output, { client, server }));
        return;
      }
      const details = [server.mode !== undefined ? `mode ${server.mode}` : '', server.instanceId !== undefined ? `instance ${server.instanceId}` : ''].filter((d) => d !== '');
      ctx.print(`Server: ${server.product} ${server.version}${details.length > 0 ? ` (${details.join(', ')})` : ''}\n`);
    });
}
