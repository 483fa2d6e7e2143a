import { Option } from 'commander';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { withCompletion } from '../command-options';
import { addControlPlane, entryProblems, redactConfig, removeControlPlane, serializeConfig, useControlPlane } from '../config-file';
import type { CliConfig, ControlPlaneEntry } from '../config-file';
import { UsageError } from '../errors';
import { renderTable } from '../table';

interface AddFlags {
  name: string;
  address: string;
  authToken?: string;
  authTokenFile?: string;
  caCertFile?: string;
  skipVerify?: boolean;
  overwrite?: boolean;
  check: boolean;
}

/** `config view` and `config control-planes add|list|use|remove`. */
export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('manage the control planes mycelctl talks to (~/.mycel/config.yaml)');

  config
    .command('view')
    .description('print the configuration (tokens redacted unless --raw)')
    .option('--raw', 'show tokens as stored')
    .action((flags: { raw?: boolean }) => {
      const current = ctx.configFile().load();
      ctx.print(serializeConfig(flags.raw ? current : redactConfig(current)));
    });

  const cps = config.command('control-planes').description('add, list, select and remove control planes');

  cps
    .command('add')
    .description('add a control plane and make it the active one; checks that it answers (and accepts the token) first')
    .requiredOption('--name <name>', 'name to refer to it by')
    .requiredOption('--address <url>', 'URL of its API, e.g. http://localhost:5681')
    .addOption(new Option('--auth-token <token>', 'user token to send (stored in the config file)').conflicts('authTokenFile'))
    .option('--auth-token-file <file>', 'file holding the user token, read on every command (e.g. ~/.mycel/admin-token)')
    .addOption(new Option('--ca-cert-file <file>', 'PEM CA certificate of an https control plane').conflicts('skipVerify'))
    .option('--skip-verify', 'accept any https certificate (development only)')
    .option('--overwrite', 'replace a control plane of the same name')
    .option('--no-check', 'add it without contacting it')
    .action(async (flags: AddFlags) => {
      const entry: ControlPlaneEntry = {
        name: flags.name,
        address: flags.address.replace(/\/+$/, ''),
        ...(flags.authToken !== undefined ? { authToken: flags.authToken } : {}),
        ...(flags.authTokenFile !== undefined ? { authTokenFile: ctx.absolute(flags.authTokenFile) } : {}),
        ...(flags.caCertFile !== undefined ? { caCertFile: ctx.absolute(flags.caCertFile) } : {}),
        ...(flags.skipVerify ? { skipVerify: true } : {}),
      };
      const problems = entryProblems(entry);
      if (problems.length > 0) throw new UsageError(`invalid control plane:\n${problems.map((p) => `  ${p.replace(/^(\w+):/, (_, f: string) => `--${kebab(f)}:`)}`).join('\n')}`);
      const file = ctx.configFile();
      const before = file.load();
      // Fail on a name clash before contacting anything. Until the file exists, the built-in `local`
      // entry is only a default, so adding one of that name replaces it without --overwrite.
      const updated = addControlPlane(before, entry, flags.overwrite === true || !file.exists());
      if (flags.check) await checkControlPlane(ctx, entry);
      file.save(updated);
      ctx.print(`added control plane "${entry.name}" (${entry.address})\nswitched active control plane to "${entry.name}"\n`);
    });

  cps
    .command('list')
    .description('list the configured control planes; * marks the active one')
    .action(() => {
      ctx.print(renderControlPlanes(ctx.configFile().load()));
    });

  withCompletion(
    cps
      .command('use')
      .description('make a control plane the active one')
      .argument('<name>', 'a configured control plane')
      .action((name: string) => {
        const file = ctx.configFile();
        file.save(useControlPlane(file.load(), name));
        ctx.print(`switched active control plane to "${name}"\n`);
      }),
    { args: ['controlPlanes'] },
  );

  withCompletion(
    cps
      .command('remove')
      .description('remove a control plane from the configuration')
      .argument('<name>', 'a configured control plane')
      .action((name: string) => {
        const file = ctx.configFile();
        const before = file.load();
        const after = removeControlPlane(before, name);
        file.save(after);
        ctx.print(`removed control plane "${name}"\n`);
        if (before.currentControlPlane === name) ctx.note('no control plane is active now; pick one with `mycelctl config control-planes use <name>`\n');
      }),
    { args: ['controlPlanes'] },
  );
}

/** The `config control-planes list` table: ACTIVE, NAME, ADDRESS, AUTH. */
export function renderControlPlanes(config: CliConfig): string {
  return renderTable(
    ['ACTIVE', 'NAME', 'ADDRESS', 'AUTH'],
    config.controlPlanes.map((cp) => [
      cp.name === config.currentControlPlane ? '*' : '',
      cp.name,
      cp.address,
      cp.authToken !== undefined ? 'token' : cp.authTokenFile !== undefined ? `token file ${cp.authTokenFile}` : 'none',
    ]),
  );
}

/** Checks that `entry` is a Mycel control plane (`GET /`) that accepts its credentials (`GET /_resources`). */
async function checkControlPlane(ctx: CliContext, entry: ControlPlaneEntry): Promise<void> {
  const client = ctx.clientFor(entry);
  const info = (await client.get<{ product?: unknown } | undefined>('/')) ?? {};
  if (info.product !== 'Mycel') {
    throw new UsageError(`${entry.address} does not look like a Mycel control plane (GET / did not name the product); pass --no-check to add it anyway`);
  }
  await client.get('/_resources');
}

function kebab(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
