import type { ConfigSources, ControlPlaneConfig } from './control-plane-config';
import { loadConfig } from './control-plane-config';

/** The control-plane services that take settings as command-line flags. */
export type CpService = 'zone-cp' | 'global-cp';

/** One command-line flag of a control plane: its commander spelling, attribute, setting path and help. */
export interface CliFlag {
  /** Commander spelling, e.g. `--port <port>`. */
  readonly flag: string;
  /** Commander's attribute name for it, e.g. `port`. */
  readonly key: string;
  /** The setting it sets, e.g. `apiServer.port`. */
  readonly path: string;
  readonly description: string;
  readonly services: readonly CpService[];
}

const BOTH: readonly CpService[] = ['zone-cp', 'global-cp'];

/** Every setting flag of the control planes; one table so zone-cp and global-cp spell them alike. */
export const CLI_FLAGS: readonly CliFlag[] = [
  { flag: '--zone <name>', key: 'zone', path: 'zone', description: 'zone name (zone mode)', services: ['zone-cp'] },
  { flag: '--address <address>', key: 'address', path: 'apiServer.address', description: 'API listen address (default 0.0.0.0)', services: BOTH },
  { flag: '--port <port>', key: 'port', path: 'apiServer.port', description: 'API listen port (default 5681)', services: BOTH },
  { flag: '--store <type>', key: 'store', path: 'store.type', description: 'store type: memory | redis (default memory)', services: BOTH },
  { flag: '--redis-url <url>', key: 'redisUrl', path: 'store.redis.url', description: 'Redis URL for --store redis', services: BOTH },
  {
    flag: '--localhost-is-admin',
    key: 'localhostIsAdmin',
    path: 'apiServer.localhostIsAdmin',
    description: 'treat loopback callers without a token as admin (development convenience)',
    services: BOTH,
  },
  {
    flag: '--admin-token-file <path>',
    key: 'adminTokenFile',
    path: 'auth.adminTokenFile',
    description: 'where the admin token is written (default ~/.mycel/admin-token)',
    services: BOTH,
  },
  { flag: '--max-body-bytes <n>', key: 'maxBodyBytes', path: 'apiServer.maxBodyBytes', description: 'largest accepted request body', services: BOTH },
  { flag: '--log-level <level>', key: 'logLevel', path: 'logLevel', description: 'debug | info | warn | error', services: BOTH },
  {
    flag: '--dp-address <address>',
    key: 'dpAddress',
    path: 'dpServer.address',
    description: 'dataplane server (ADS + bootstrap) listen address (default 0.0.0.0)',
    services: ['zone-cp'],
  },
  { flag: '--dp-port <port>', key: 'dpPort', path: 'dpServer.port', description: 'dataplane server (ADS + bootstrap) listen port (default 5678)', services: ['zone-cp'] },
  {
    flag: '--dp-advertised-address <host>',
    key: 'dpAdvertisedAddress',
    path: 'dpServer.advertisedAddress',
    description: 'host dataplanes reach the dataplane server at, written into bootstraps (default 127.0.0.1)',
    services: ['zone-cp'],
  },
  {
    flag: '--kds-nats-url <urls>',
    key: 'kdsNatsUrl',
    path: 'kds.natsUrl',
    description: 'multi-zone: NATS server URL(s), comma-separated (env MYCEL_KDS_NATS_URL)',
    services: BOTH,
  },
  { flag: '--kds-nats-user <user>', key: 'kdsNatsUser', path: 'kds.natsUser', description: 'multi-zone: NATS user (default zone-<zone> or global)', services: BOTH },
  {
    flag: '--kds-nats-password-file <path>',
    key: 'kdsNatsPasswordFile',
    path: 'kds.natsPasswordFile',
    description: 'multi-zone: file holding the NATS password (or env MYCEL_KDS_NATS_PASSWORD)',
    services: BOTH,
  },
  {
    flag: '--kds-auth-dir <dir>',
    key: 'kdsAuthDir',
    path: 'kds.authDir',
    description: 'multi-zone, zone-token mode: directory written by `mycel-global-cp nats-init` (connects with its global.creds, issues zone tokens)',
    services: ['global-cp'],
  },
  {
    flag: '--kds-zone-token-file <path>',
    key: 'kdsZoneTokenFile',
    path: 'kds.zoneTokenFile',
    description: 'multi-zone, zone-token mode: file holding the zone token (from mycelctl generate zone-token)',
    services: ['zone-cp'],
  },
  {
    flag: '--zone-offline-after <duration>',
    key: 'zoneOfflineAfter',
    path: 'kds.zoneOfflineAfter',
    description: 'a zone without heartbeat this long is offline (default 30s)',
    services: ['global-cp'],
  },
];

/** The flags of one service, in help order. */
export function cliFlagsFor(service: CpService): CliFlag[] {
  return CLI_FLAGS.filter((f) => f.services.includes(service));
}

/**
 * Loads a service's configuration from its parsed flags (`config` names the file; MYCEL_CONFIG
 * otherwise), the environment, and `fixed` settings the service imposes (e.g. `mode: global`).
 * Throws ValidationError like {@link loadConfig}.
 */
export function loadServiceConfig(
  service: CpService,
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  fixed: Readonly<Record<string, unknown>> = {},
): ControlPlaneConfig {
  const file = (flags['config'] as string | undefined) ?? env['MYCEL_CONFIG'];
  const fromFlags: Record<string, unknown> = { ...fixed };
  for (const f of cliFlagsFor(service)) fromFlags[f.path] = flags[f.key];
  const sources: ConfigSources = { env, flags: fromFlags, ...(file !== undefined ? { file } : {}) };
  return loadConfig(sources);
}
