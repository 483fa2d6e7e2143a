import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ValidationError, durationProblem, isObject, parseDuration } from '@mycel/core';
import type { Violation } from '@mycel/core';
import { parse as parseYaml } from 'yaml';

/** How a control plane runs: all-in-one without global, a zone of a multi-zone mesh, or global. */
export const CP_MODES = ['standalone', 'zone', 'global'] as const;
/** Store back ends. */
export const STORE_TYPES = ['memory', 'redis'] as const;
/** Log levels accepted in config. */
export const CONFIG_LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Validated control-plane configuration. Every field has a default (see {@link defaultConfig}). */
export interface ControlPlaneConfig {
  readonly mode: (typeof CP_MODES)[number];
  /** Zone name (required in zone mode). */
  readonly zone: string;
  readonly logLevel: (typeof CONFIG_LOG_LEVELS)[number];
  readonly apiServer: {
    readonly address: string;
    readonly port: number;
    /** Largest accepted request body in bytes. */
    readonly maxBodyBytes: number;
    /** Development convenience: callers on the loopback interface are treated as admin. */
    readonly localhostIsAdmin: boolean;
  };
  readonly store: {
    readonly type: (typeof STORE_TYPES)[number];
    readonly redis: { readonly url: string; readonly connectTimeout: string };
  };
  readonly auth: {
    /** Where the admin token is written on first start (mode 0600). */
    readonly adminTokenFile: string;
    /** Lifetime of the generated admin token, a duration. */
    readonly adminTokenValidFor: string;
  };
  readonly defaults: {
    /** Do not create the `default` mesh on start. */
    readonly skipMeshCreation: boolean;
  };
  /** The dataplane server: ADS (gRPC) and `POST /bootstrap` (HTTP) on one port. */
  readonly dpServer: {
    readonly address: string;
    readonly port: number;
    /** Host dataplanes reach the dataplane server at; bootstraps point there. */
    readonly advertisedAddress: string;
  };
  readonly xds: {
    /** How long the xDS reconciler collects store changes before regenerating, a duration. */
    readonly debounce: string;
  };
  /** Multi-zone sync (KDS) over NATS JetStream; used in `zone` and `global` mode. */
  readonly kds: {
    /** Comma-separated `nats://host:port` URLs; required in zone and global mode, ignored in standalone. */
    readonly natsUrl: string;
    /** NATS user; empty means the default: `global` on global, `zone-<zone>` on a zone. */
    readonly natsUser: string;
    /** NATS password (prefer {@link natsPasswordFile} or the environment; never logged). */
    readonly natsPassword: string;
    /** File holding the NATS password (trailing newline ignored); wins over `natsPassword`. */
    readonly natsPasswordFile: string;
    /** How often a zone writes its heartbeat, a duration. */
    readonly heartbeatInterval: string;
    /** Zone: DataplaneInsights go to global at most once per this interval per dataplane (the last state always follows). */
    readonly insightPublishInterval: string;
    /** Global: a zone without heartbeat for this long is offline, a duration. */
    readonly zoneOfflineAfter: string;
    /** JetStream replicas of the bucket this control plane creates (1 on one server, 3 on a cluster). */
    readonly replicas: number;
    /**
     * Global, zone-token mode: directory written by `mycel-global-cp nats-init` (operator and account
     * signing keys, `global.creds`, `system.creds`); global connects with `global.creds` and issues
     * zone tokens. Empty: password mode.
     */
    readonly authDir: string;
    /** Zone, zone-token mode: file holding the zone token (NATS creds issued by global); exclusive with a password. */
    readonly zoneTokenFile: string;
  };
}

type Kind =
  | { t: 'port' }
  | { t: 'int'; min: number; max: number }
  | { t: 'bool' }
  | { t: 'string'; allowEmpty?: boolean }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'duration'; minMs?: number; maxMs?: number }
  | { t: 'url'; protocols: readonly string[] }
  | { t: 'urls'; protocols: readonly string[] };

interface Setting {
  /** Dotted path in the config object, e.g. `apiServer.port`. */
  readonly path: string;
  readonly env: string;
  readonly kind: Kind;
  readonly description: string;
}

/** Every setting: its path, its environment variable, its type. Flags map to paths in the service. */
export const SETTINGS: readonly Setting[] = [
  { path: 'mode', env: 'MYCEL_MODE', kind: { t: 'enum', values: CP_MODES }, description: 'standalone | zone | global' },
  { path: 'zone', env: 'MYCEL_ZONE', kind: { t: 'string', allowEmpty: true }, description: 'zone name (zone mode)' },
  { path: 'logLevel', env: 'MYCEL_LOG_LEVEL', kind: { t: 'enum', values: CONFIG_LOG_LEVELS }, description: 'log level' },
  { path: 'apiServer.address', env: 'MYCEL_API_SERVER_ADDRESS', kind: { t: 'string' }, description: 'API listen address' },
  { path: 'apiServer.port', env: 'MYCEL_API_SERVER_PORT', kind: { t: 'port' }, description: 'API listen port' },
  { path: 'apiServer.maxBodyBytes', env: 'MYCEL_API_SERVER_MAX_BODY_BYTES', kind: { t: 'int', min: 1024, max: 64 * 1024 * 1024 }, description: 'largest request body (bytes)' },
  { path: 'apiServer.localhostIsAdmin', env: 'MYCEL_API_SERVER_LOCALHOST_IS_ADMIN', kind: { t: 'bool' }, description: 'treat loopback callers as admin (development only)' },
  { path: 'store.type', env: 'MYCEL_STORE_TYPE', kind: { t: 'enum', values: STORE_TYPES }, description: 'memory | redis' },
  { path: 'store.redis.url', env: 'MYCEL_STORE_REDIS_URL', kind: { t: 'url', protocols: ['redis:', 'rediss:'] }, description: 'Redis URL' },
  { path: 'store.redis.connectTimeout', env: 'MYCEL_STORE_REDIS_CONNECT_TIMEOUT', kind: { t: 'duration' }, description: 'Redis connect timeout at start' },
  { path: 'auth.adminTokenFile', env: 'MYCEL_AUTH_ADMIN_TOKEN_FILE', kind: { t: 'string' }, description: 'admin token file' },
  { path: 'auth.adminTokenValidFor', env: 'MYCEL_AUTH_ADMIN_TOKEN_VALID_FOR', kind: { t: 'duration' }, description: 'admin token lifetime' },
  { path: 'defaults.skipMeshCreation', env: 'MYCEL_DEFAULTS_SKIP_MESH_CREATION', kind: { t: 'bool' }, description: 'do not create the default mesh' },
  { path: 'dpServer.address', env: 'MYCEL_DP_SERVER_ADDRESS', kind: { t: 'string' }, description: 'dataplane server (ADS + bootstrap) listen address' },
  { path: 'dpServer.port', env: 'MYCEL_DP_SERVER_PORT', kind: { t: 'port' }, description: 'dataplane server (ADS + bootstrap) listen port' },
  { path: 'dpServer.advertisedAddress', env: 'MYCEL_DP_SERVER_ADVERTISED_ADDRESS', kind: { t: 'string' }, description: 'host dataplanes reach the dataplane server at (written into bootstraps)' },
  { path: 'xds.debounce', env: 'MYCEL_XDS_DEBOUNCE', kind: { t: 'duration', minMs: 0, maxMs: 10_000 }, description: 'how long store changes are collected before xDS regeneration' },
  { path: 'kds.natsUrl', env: 'MYCEL_KDS_NATS_URL', kind: { t: 'urls', protocols: ['nats:', 'tls:'] }, description: 'NATS server URL(s), comma-separated (zone and global mode)' },
  { path: 'kds.natsUser', env: 'MYCEL_KDS_NATS_USER', kind: { t: 'string', allowEmpty: true }, description: 'NATS user (default global / zone-<zone>)' },
  { path: 'kds.natsPassword', env: 'MYCEL_KDS_NATS_PASSWORD', kind: { t: 'string', allowEmpty: true }, description: 'NATS password' },
  { path: 'kds.natsPasswordFile', env: 'MYCEL_KDS_NATS_PASSWORD_FILE', kind: { t: 'string', allowEmpty: true }, description: 'file holding the NATS password' },
  { path: 'kds.heartbeatInterval', env: 'MYCEL_KDS_HEARTBEAT_INTERVAL', kind: { t: 'duration', minMs: 100, maxMs: 600_000 }, description: 'zone heartbeat period' },
  {
    path: 'kds.insightPublishInterval',
    env: 'MYCEL_KDS_INSIGHT_PUBLISH_INTERVAL',
    kind: { t: 'duration', minMs: 0, maxMs: 600_000 },
    description: 'zone: a DataplaneInsight is sent to global at most once per this interval (0: every change)',
  },
  { path: 'kds.zoneOfflineAfter', env: 'MYCEL_KDS_ZONE_OFFLINE_AFTER', kind: { t: 'duration', minMs: 100 }, description: 'global: a zone without heartbeat this long is offline' },
  { path: 'kds.replicas', env: 'MYCEL_KDS_REPLICAS', kind: { t: 'int', min: 1, max: 5 }, description: 'JetStream replicas of the buckets this control plane creates' },
  { path: 'kds.authDir', env: 'MYCEL_KDS_AUTH_DIR', kind: { t: 'string', allowEmpty: true }, description: 'global: zone-token mode, the directory written by nats-init (keys and creds)' },
  { path: 'kds.zoneTokenFile', env: 'MYCEL_KDS_ZONE_TOKEN_FILE', kind: { t: 'string', allowEmpty: true }, description: 'zone: zone-token mode, the file holding the zone token (NATS creds)' },
];

/** The embedded defaults: standalone, memory store, API on 0.0.0.0:5681, dataplane server on 0.0.0.0:5678. */
export function defaultConfig(): ControlPlaneConfig {
  return {
    mode: 'standalone',
    zone: '',
    logLevel: 'info',
    apiServer: { address: '0.0.0.0', port: 5681, maxBodyBytes: 1024 * 1024, localhostIsAdmin: false },
    store: { type: 'memory', redis: { url: 'redis://127.0.0.1:6379', connectTimeout: '5s' } },
    auth: { adminTokenFile: join(homedir(), '.mycel', 'admin-token'), adminTokenValidFor: '8760h' },
    defaults: { skipMeshCreation: false },
    dpServer: { address: '0.0.0.0', port: 5678, advertisedAddress: '127.0.0.1' },
    xds: { debounce: '10ms' },
    kds: { natsUrl: '', natsUser: '', natsPassword: '', natsPasswordFile: '', heartbeatInterval: '10s', insightPublishInterval: '5s', zoneOfflineAfter: '30s', replicas: 1, authDir: '', zoneTokenFile: '' },
  };
}

/** Where config values come from; later sources override earlier ones. */
export interface ConfigSources {
  /** Path of a YAML/JSON config file. */
  readonly file?: string;
  /** Environment (only `MYCEL_*` keys are read). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags, keyed by setting path (e.g. `apiServer.port`), already typed or strings. */
  readonly flags?: Readonly<Record<string, unknown>>;
}

/**
 * Builds the configuration from defaults ← file ← environment ← flags and validates it. Throws
 * ValidationError listing every problem with its source (`file apiServer.port`, `env MYCEL_…`, `flag --…`).
 */
export function loadConfig(sources: ConfigSources): ControlPlaneConfig {
  const violations: Violation[] = [];
  const config = defaultConfig() as unknown as Record<string, unknown>;

  if (sources.file !== undefined) {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(sources.file, 'utf8'));
    } catch (err) {
      throw new ValidationError(`cannot read config file ${sources.file}: ${(err as Error).message}`, [
        { field: 'file', reason: (err as Error).message },
      ]);
    }
    if (raw !== null && raw !== undefined) walkFile(raw, '', config, violations);
  }

  for (const setting of SETTINGS) {
    const value = sources.env?.[setting.env];
    if (value === undefined) continue;
    const parsed = coerce(setting.kind, value, `env ${setting.env}`, violations);
    if (parsed !== undefined) setPath(config, setting.path, parsed);
  }
  for (const key of Object.keys(sources.env ?? {})) {
    if (key.startsWith('MYCEL_') && !SETTINGS.some((s) => s.env === key) && !ENV_NOT_SETTINGS.includes(key)) {
      violations.push({ field: `env ${key}`, reason: `unknown setting; known: ${SETTINGS.map((s) => s.env).join(', ')}` });
    }
  }

  for (const [path, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    const setting = SETTINGS.find((s) => s.path === path);
    if (!setting) throw new Error(`flag mapped to unknown setting ${path}`); // a wiring bug, not user input
    const parsed = coerce(setting.kind, value, `flag ${path}`, violations);
    if (parsed !== undefined) setPath(config, setting.path, parsed);
  }

  const result = config as unknown as ControlPlaneConfig;
  if (result.mode === 'zone' && result.zone === '') violations.push({ field: 'zone', reason: 'is required in zone mode' });
  if (result.mode !== 'standalone' && result.kds.natsUrl === '') {
    violations.push({ field: 'kds.natsUrl', reason: `is required in ${result.mode} mode (MYCEL_KDS_NATS_URL or --kds-nats-url)` });
  }
  const hasPassword = result.kds.natsPassword !== '' || result.kds.natsPasswordFile !== '';
  if (result.kds.authDir !== '' && result.mode !== 'global') violations.push({ field: 'kds.authDir', reason: `is a global control plane setting (zone-token mode); this one runs in ${result.mode} mode` });
  if (result.kds.zoneTokenFile !== '' && result.mode !== 'zone') violations.push({ field: 'kds.zoneTokenFile', reason: `is a zone setting; this control plane runs in ${result.mode} mode` });
  for (const field of ['authDir', 'zoneTokenFile'] as const) {
    if (result.kds[field] !== '' && hasPassword) violations.push({ field: `kds.${field}`, reason: 'zone-token mode authenticates with NATS creds: do not also set kds.natsPassword or kds.natsPasswordFile' });
    if (result.kds[field] !== '' && result.kds.natsUser !== '') violations.push({ field: `kds.${field}`, reason: 'zone-token mode takes the NATS user from the creds: do not also set kds.natsUser' });
  }
  if (violations.length > 0) {
    throw new ValidationError(
      `invalid configuration: ${violations.map((v) => `${v.field}: ${v.reason}`).join('; ')}`,
      violations,
    );
  }
  return result;
}

/** MYCEL_* variables that are read elsewhere (not config settings) and must not be reported as unknown. */
const ENV_NOT_SETTINGS = ['MYCEL_CONFIG'];

function walkFile(raw: unknown, prefix: string, config: Record<string, unknown>, violations: Violation[]): void {
  if (!isObject(raw)) {
    violations.push({ field: `file ${prefix || '(root)'}`, reason: 'must be a mapping' });
    return;
  }
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const setting = SETTINGS.find((s) => s.path === path);
    if (setting) {
      const parsed = coerce(setting.kind, value, `file ${path}`, violations);
      if (parsed !== undefined) setPath(config, path, parsed);
    } else if (SETTINGS.some((s) => s.path.startsWith(path + '.'))) {
      walkFile(value, path, config, violations);
    } else {
      violations.push({ field: `file ${path}`, reason: 'unknown setting' });
    }
  }
}

function coerce(kind: Kind, value: unknown, where: string, violations: Violation[]): unknown {
  const bad = (reason: string): undefined => {
    violations.push({ field: where, reason });
    return undefined;
  };
  switch (kind.t) {
    case 'port':
    case 'int': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      const [min, max] = kind.t === 'port' ? [1, 65535] : [kind.min, kind.max];
      if (!Number.isInteger(n)) return bad(`must be an integer, got ${JSON.stringify(value)}`);
      if (n < min || n > max) return bad(`must be between ${min} and ${max}, got ${n}`);
      return n;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return bad(`must be true or false, got ${JSON.stringify(value)}`);
    }
    case 'string': {
      if (typeof value !== 'string') return bad(`must be a string, got ${JSON.stringify(value)}`);
      if (value === '' && !kind.allowEmpty) return bad('must not be empty');
      return value;
    }
    case 'enum': {
      if (typeof value !== 'string' || !kind.values.includes(value)) {
        return bad(`must be one of ${kind.values.join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    }
    case 'duration': {
      if (typeof value !== 'string') return bad(`must be a duration string, got ${JSON.stringify(value)}`);
      const problem = durationProblem(value, kind.minMs ?? 1, kind.maxMs);
      return problem ? bad(problem) : value;
    }
    case 'url': {
      if (typeof value !== 'string') return bad(`must be a URL string, got ${JSON.stringify(value)}`);
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return bad(`must be a URL such as redis://host:6379, got ${JSON.stringify(value)}`);
      }
      if (!kind.protocols.includes(url.protocol)) return bad(`scheme must be one of ${kind.protocols.join(', ')}, got ${url.protocol}`);
      return value;
    }
    case 'urls': {
      if (typeof value !== 'string') return bad(`must be a comma-separated list of URLs, got ${JSON.stringify(value)}`);
      if (value === '') return value;
      for (const part of value.split(',')) {
        const problem = urlProblem(part.trim(), kind.protocols);
        if (problem !== undefined) return bad(problem);
      }
      return value;
    }
  }
}

function urlProblem(value: string, protocols: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be a URL such as ${protocols[0] ?? ''}//host:4222, got ${JSON.stringify(value)}`;
  }
  return protocols.includes(url.protocol) ? undefined : `scheme must be one of ${protocols.join(', ')}, got ${url.protocol}`;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts[parts.length - 1] as string] = value;
}

/** The NATS server URLs of `kds.natsUrl`, trimmed, without empty entries. */
export function natsServers(config: ControlPlaneConfig): string[] {
  return config.kds.natsUrl.split(',').map((u) => u.trim()).filter((u) => u !== '');
}

/** The NATS password: the content of `kds.natsPasswordFile` (trailing newlines removed) when set, else `kds.natsPassword`; undefined when neither. */
export function natsPassword(config: ControlPlaneConfig, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): string | undefined {
  if (config.kds.natsPasswordFile !== '') return readFile(config.kds.natsPasswordFile).replace(/[\r\n]+$/, '');
  return config.kds.natsPassword === '' ? undefined : config.kds.natsPassword;
}

/** Milliseconds of a duration already validated by {@link loadConfig}. */
export function durationMs(value: string): number {
  return parseDuration(value) ?? 0;
}
