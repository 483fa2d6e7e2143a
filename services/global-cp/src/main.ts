#!/usr/bin/env node
import { Command } from 'commander';
import { ValidationError } from '@mycel/core';
import { cliFlagsFor, loadServiceConfig, natsPassword } from '@mycel/config';
import { loadNatsAuthority } from '@mycel/kds';
import type { NatsAuthority } from '@mycel/kds';
import type { ControlPlaneConfig } from '@mycel/config';
import { MYCEL_VERSION, EXIT_CONFIG, EXIT_START, serveUntilSignal, startControlPlane } from '@mycel/runtime';
import type { ControlPlaneExtension } from '@mycel/runtime';
import { registerPolicyTypes } from '@mycel/policies';
import { createLogger } from '@mycel/telemetry';
import { startGlobalKds } from './global-kds';
import { natsConfigCommand } from './nats-config.command';
import type { NatsConfigFlags } from './nats-config.command';
import { natsInitCommand, natsInitSummary } from './nats-init.command';
import type { NatsInitFlags } from './nats-init.command';
import { startZoneTokens } from './zone-tokens';


/** Parsed `run` flags: `config` and the setting flags of CLI_FLAGS by attribute name. */
type RunFlags = Record<string, unknown>;

const program = new Command('mycel-global-cp').description('Mycel global control plane (multi-zone)').version(MYCEL_VERSION);

const runCommand = program
  .command('run')
  .description('run the global control plane until SIGTERM/SIGINT')
  .option('-c, --config <file>', 'YAML config file (env: MYCEL_CONFIG)')
  .action(async (flags: RunFlags) => {
    await run(flags);
  });

program
  .command('nats-config')
  .description('print (or write) the nats-server config for global and the given zones: one NATS user per control plane, each allowed only its KDS subjects')
  .option('--zone <name[:password]>', 'a zone and its NATS password (generated when omitted); repeat per zone', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--global-password <password>', "the global control plane's NATS password (generated when omitted)")
  .option('--jetstream-dir <dir>', 'JetStream store directory', '/var/lib/nats/jetstream')
  .option('--port <port>', 'client port (default 4222)')
  .option('--host <address>', 'listen address (default 0.0.0.0)')
  .option('--http-port <port>', 'monitoring port (default none)')
  .option('--server-name <name>', 'server_name (needed in a cluster)')
  .option('--max-file-store <size>', 'JetStream file store limit, e.g. 10G')
  .option('-o, --output <file>', 'write the config to this file (mode 0600) instead of stdout')
  .option('--passwords-dir <dir>', 'write each password to <dir>/<user>.password (mode 0600), e.g. global.password, zone-east.password')
  .action((flags: NatsConfigFlags) => {
    try {
      const result = natsConfigCommand(flags);
      if (flags.output === undefined) process.stdout.write(result.config);
      // Generated passwords must reach the operator once; without --passwords-dir stderr is the only place.
      if (flags.passwordsDir === undefined) {
        for (const [user, password] of result.generated) process.stderr.write(`generated NATS password for ${user}: ${password}\n`);
      }
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const details = err.violations.map((v) => `${v.field}: ${v.reason}`).join('; ');
      process.stderr.write(`mycel-global-cp: ${err.message}${details !== '' && !err.message.includes(details) ? `: ${details}` : ''}\n`);
      process.exit(EXIT_CONFIG);
    }
  });

program
  .command('nats-init')
  .description(
    'zone-token mode: create (or reuse — keys are never rotated) the NATS operator, system account and Mycel account keys in DIR, ' +
      "global's creds, and DIR/nats.conf (operator mode, full resolver, JetStream); zones then need no NATS config change",
  )
  .requiredOption('--dir <dir>', 'directory for keys (mode 0600), creds and nats.conf; created when missing')
  .option('--jetstream-dir <dir>', 'JetStream store directory (default DIR/jetstream)')
  .option('--port <port>', 'client port (default 4222)')
  .option('--host <address>', 'listen address (default 0.0.0.0)')
  .option('--http-port <port>', 'monitoring port (default none)')
  .option('--server-name <name>', 'server_name (needed in a cluster)')
  .action((flags: NatsInitFlags) => {
    try {
      process.stdout.write(natsInitSummary(natsInitCommand(flags)));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      process.stderr.write(`mycel-global-cp: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
  });

for (const f of cliFlagsFor('global-cp')) runCommand.option(f.flag, f.description);

async function run(flags: RunFlags): Promise<void> {
  let config: ControlPlaneConfig;
  let password: string | undefined;
  let authority: NatsAuthority | undefined;
  try {
    config = loadServiceConfig('global-cp', flags, process.env, { mode: 'global' });
    password = natsPassword(config);
    if (config.kds.authDir !== '') authority = loadNatsAuthority(config.kds.authDir);
  } catch (err) {
    if (!(err instanceof ValidationError) && !(err instanceof Error && 'code' in err && err.code === 'ENOENT')) throw err;
    process.stderr.write(`mycel-global-cp: ${err.message}\n`);
    process.exit(EXIT_CONFIG);
  }

  const logger = createLogger({ level: config.logLevel }, { service: 'global-cp' });
  await serveUntilSignal('mycel-global-cp', logger, () =>
    startControlPlane({
      config,
      logger,
      serviceName: 'global-cp',
      registerTypes: registerPolicyTypes,
      extend: (ctx): Promise<ControlPlaneExtension> => {
        const kds = startGlobalKds(ctx, { password, ...(authority !== undefined ? { creds: authority.globalCreds } : {}) });
        if (authority === undefined) return Promise.resolve(kds);
        const zoneTokens = startZoneTokens(ctx, authority);
        return Promise.resolve({
          globalApi: { zoneStatus: (zone) => kds.globalApi?.zoneStatus(zone), zoneTokens: zoneTokens.api },
          stop: async () => {
            await zoneTokens.stop();
            await kds.stop();
          },
        });
      },
    }),
  );
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`mycel-global-cp: ${(err as Error).message}\n`);
  process.exit(EXIT_START);
});
