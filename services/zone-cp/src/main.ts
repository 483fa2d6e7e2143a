#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ValidationError } from '@mycel/core';
import { cliFlagsFor, durationMs, loadServiceConfig, natsPassword } from '@mycel/config';
import type { ControlPlaneConfig } from '@mycel/config';
import { MYCEL_VERSION, EXIT_CONFIG, EXIT_START, serveUntilSignal, startControlPlane } from '@mycel/runtime';
import type { ControlPlaneExtension } from '@mycel/runtime';
import { registerPolicyTypes } from '@mycel/policies';
import { createLogger } from '@mycel/telemetry';
import { STANDALONE_ZONE, startZoneXds } from '@mycel/zone';
import { checkZoneToken } from '@mycel/kds';
import type { CheckedZoneToken } from '@mycel/kds';
import { readFileSync } from 'node:fs';
import { startZoneKds } from './zone-kds';


/** Parsed `run` flags: `config`, `mode` and the setting flags of CLI_FLAGS by attribute name. */
type RunFlags = Record<string, unknown>;

const program = new Command('mycel-zone-cp')
  .description('Mycel zone control plane (standalone all-in-one by default)')
  .version(MYCEL_VERSION);

const runCommand = program
  .command('run')
  .description('run the control plane until SIGTERM/SIGINT')
  .option('-c, --config <file>', 'YAML config file (env: MYCEL_CONFIG)')
  .addOption(new Option('--mode <mode>', 'control plane mode').choices(['standalone', 'zone']))
  .action(async (flags: RunFlags) => {
    await run(flags);
  });

for (const f of cliFlagsFor('zone-cp')) runCommand.option(f.flag, f.description);

async function run(flags: RunFlags): Promise<void> {
  let config: ControlPlaneConfig;
  try {
    config = loadServiceConfig('zone-cp', flags, process.env, { mode: flags['mode'] });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    process.stderr.write(`mycel-zone-cp: ${err.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  if (config.mode === 'global') {
    process.stderr.write(`mycel-zone-cp: mode 'global' is served by mycel-global-cp; use --mode standalone or --mode zone\n`);
    process.exit(EXIT_CONFIG);
  }
  let password: string | undefined;
  try {
    password = natsPassword(config);
  } catch (err) {
    process.stderr.write(`mycel-zone-cp: cannot read kds.natsPasswordFile: ${(err as Error).message}\n`);
    process.exit(EXIT_CONFIG);
  }
  let zoneToken: CheckedZoneToken | undefined;
  if (config.kds.zoneTokenFile !== '') {
    try {
      zoneToken = checkZoneToken(readFileSync(config.kds.zoneTokenFile, 'utf8'), config.zone, new Date());
    } catch (err) {
      if (!(err instanceof ValidationError) && !(err instanceof Error && 'code' in err)) throw err;
      // checkZoneToken's messages never contain the seed.
      process.stderr.write(`mycel-zone-cp: zone token ${config.kds.zoneTokenFile}: ${(err as Error).message}\n`);
      process.exit(EXIT_CONFIG);
    }
  }

  const logger = createLogger({ level: config.logLevel }, { service: 'zone-cp' });
  await serveUntilSignal('mycel-zone-cp', logger, () =>
    startControlPlane({
      config,
      logger,
      serviceName: 'zone-cp',
      registerTypes: registerPolicyTypes,
      extend: async (ctx): Promise<ControlPlaneExtension> => {
        const xds = await startZoneXds({
          store: ctx.store,
          registry: ctx.registry,
          logger: ctx.logger,
          meter: ctx.metrics.meter('mycel.xds'),
          zone: config.zone !== '' ? config.zone : STANDALONE_ZONE,
          instanceId: ctx.instanceId,
          isEarlierRun: ctx.isEarlierRun,
          dpServer: config.dpServer,
          debounceMs: durationMs(config.xds.debounce),
          now: ctx.now,
        });
        if (config.mode !== 'zone') return xds;
        // In the background: the zone serves xDS and admits dataplanes while NATS or global is unreachable.
        const kds = startZoneKds(ctx, zoneToken !== undefined ? { creds: zoneToken } : { password });
        return {
          zoneApi: xds.zoneApi,
          stop: async () => {
            await kds.stop();
            await xds.stop();
          },
        };
      },
    }),
  );
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`mycel-zone-cp: ${(err as Error).message}\n`);
  process.exit(EXIT_START);
});
