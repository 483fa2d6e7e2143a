#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ValidationError } from '@mycel/core';
import { durationMs, loadConfig, natsPassword } from '@mycel/config';
import type { ControlPlaneConfig } from '@mycel/config';
import { MYCEL_VERSION, EXIT_CONFIG, EXIT_START, serveUntilSignal, startControlPlane } from '@mycel/runtime';
import type { ControlPlaneExtension } from '@mycel/runtime';
import { registerPolicyTypes } from '@mycel/policies';
import { createLogger } from '@mycel/telemetry';
import { STANDALONE_ZONE, startZoneXds } from '@mycel/zone';
import { startZoneKds } from './zone-kds';


interface RunFlags {
  config?: string;
  mode?: string;
  zone?: string;
  address?: string;
  port?: string;
  store?: string;
  redisUrl?: string;
  localhostIsAdmin?: boolean;
  adminTokenFile?: string;
  maxBodyBytes?: string;
  logLevel?: string;
  dpAddress?: string;
  dpPort?: string;
  dpAdvertisedAddress?: string;
  kdsNatsUrl?: string;
  kdsNatsUser?: string;
  kdsNatsPasswordFile?: string;
}

const program = new Command('mycel-zone-cp')
  .description('Mycel zone control plane (standalone all-in-one by default)')
  .version(MYCEL_VERSION);

program
  .command('run')
  .description('run the control plane until SIGTERM/SIGINT')
  .option('-c, --config <file>', 'YAML config file (env: MYCEL_CONFIG)')
  .addOption(new Option('--mode <mode>', 'control plane mode').choices(['standalone', 'zone']))
  .option('--zone <name>', 'zone name (zone mode)')
  .option('--address <address>', 'API listen address (default 0.0.0.0)')
  .option('--port <port>', 'API listen port (default 5681)')
  .option('--store <type>', 'store type: memory | redis (default memory)')
  .option('--redis-url <url>', 'Redis URL for --store redis')
  .option('--localhost-is-admin', 'treat loopback callers without a token as admin (development convenience)')
  .option('--admin-token-file <path>', 'where the admin token is written (default ~/.mycel/admin-token)')
  .option('--max-body-bytes <n>', 'largest accepted request body')
  .option('--log-level <level>', 'debug | info | warn | error')
  .option('--dp-address <address>', 'dataplane server (ADS + bootstrap) listen address (default 0.0.0.0)')
  .option('--dp-port <port>', 'dataplane server (ADS + bootstrap) listen port (default 5678)')
  .option('--dp-advertised-address <host>', 'host dataplanes reach the dataplane server at, written into bootstraps (default 127.0.0.1)')
  .option('--kds-nats-url <urls>', 'zone mode: NATS server URL(s), comma-separated (env MYCEL_KDS_NATS_URL)')
  .option('--kds-nats-user <user>', 'zone mode: NATS user (default zone-<zone>)')
  .option('--kds-nats-password-file <path>', 'zone mode: file holding the NATS password (or env MYCEL_KDS_NATS_PASSWORD)')
  .action(async (flags: RunFlags) => {
    await run(flags);
  });

async function run(flags: RunFlags): Promise<void> {
  let config: ControlPlaneConfig;
  try {
    config = loadConfig({
      ...(flags.config ?? process.env['MYCEL_CONFIG'] ? { file: flags.config ?? process.env['MYCEL_CONFIG'] } : {}),
      env: process.env,
      flags: {
        mode: flags.mode,
        zone: flags.zone,
        'apiServer.address': flags.address,
        'apiServer.port': flags.port,
        'store.type': flags.store,
        'store.redis.url': flags.redisUrl,
        'apiServer.localhostIsAdmin': flags.localhostIsAdmin,
        'auth.adminTokenFile': flags.adminTokenFile,
        'apiServer.maxBodyBytes': flags.maxBodyBytes,
        logLevel: flags.logLevel,
        'dpServer.address': flags.dpAddress,
        'dpServer.port': flags.dpPort,
        'dpServer.advertisedAddress': flags.dpAdvertisedAddress,
        'kds.natsUrl': flags.kdsNatsUrl,
        'kds.natsUser': flags.kdsNatsUser,
        'kds.natsPasswordFile': flags.kdsNatsPasswordFile,
      },
    });
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
        const kds = startZoneKds(ctx, password);
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
