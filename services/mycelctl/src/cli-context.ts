import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseDuration } from '@mycel/core';
import { ApiClient } from './api-client';
import { ConfigFile, currentControlPlane, defaultConfigPath } from './config-file';
import type { ControlPlaneEntry } from './config-file';
import { UsageError } from './errors';
import { TypeCatalog } from './type-catalog';

/** Everything a command touches outside itself; the process's in main.ts, fakes in specs. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The whole of stdin (for `apply -f -`). */
  readonly readStdin: () => Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly cwd: string;
}

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  readonly configFile?: string;
  readonly verbose?: boolean;
  readonly timeout?: string;
}

/** Environment variable naming the config file when `--config-file` is not given. */
export const CONFIG_ENV = 'MYCELCTL_CONFIG';
/**
 * Environment variable fixing "now" (RFC 3339) for AGE columns, so golden outputs are stable. For
 * tests only; it changes nothing else.
 */
export const NOW_ENV = 'MYCEL_NOW';
/** Request timeout when `--timeout` is not given. */
export const DEFAULT_TIMEOUT = '30s';

/**
 * Per-invocation state shared by commands: the config file, the current control plane's client and
 * type catalog (each made once, when first needed), the clock and output streams.
 */
export class CliContext {
  private cachedClient: ApiClient | undefined;
  private cachedCatalog: Promise<TypeCatalog> | undefined;

  constructor(
    readonly io: CliIo,
    private readonly globals: () => GlobalOptions,
  ) {}

  /** Writes to stdout (data). */
  print(text: string): void {
    this.io.stdout(text);
  }

  /** Writes to stderr (messages about the data, never the data). */
  note(text: string): void {
    this.io.stderr(text);
  }

  /** The time AGE columns are measured to: `MYCEL_NOW` when set (tests), else the system clock. */
  now(): Date {
    const fixed = this.io.env[NOW_ENV];
    if (fixed === undefined || fixed === '') return new Date();
    const t = Date.parse(fixed);
    if (Number.isNaN(t)) throw new UsageError(`${NOW_ENV} must be an RFC 3339 time, got '${fixed}'`);
    return new Date(t);
  }

  /** The config file: `--config-file`, else `$MYCELCTL_CONFIG`, else `~/.mycel/config.yaml`. */
  configFile(): ConfigFile {
    const given = this.globals().configFile ?? this.io.env[CONFIG_ENV];
    return new ConfigFile(given ? this.absolute(given) : defaultConfigPath(this.io.homeDir));
  }

  /** `path` made absolute against the working directory. */
  absolute(path: string): string {
    return isAbsolute(path) ? path : resolve(this.io.cwd, path);
  }

  /** The request timeout in milliseconds (`--timeout`). */
  timeoutMs(): number {
    const text = this.globals().timeout ?? DEFAULT_TIMEOUT;
    const ms = parseDuration(text);
    if (ms === undefined || ms < 1) throw new UsageError(`--timeout must be a duration such as 10s or 1m, got '${text}'`);
    return ms;
  }

  /** A client of the current control plane. */
  client(): ApiClient {
    this.cachedClient ??= this.clientFor(currentControlPlane(this.configFile().load()));
    return this.cachedClient;
  }

  /** A client of the given control plane (e.g. one being added). */
  clientFor(entry: ControlPlaneEntry, timeoutMs = this.timeoutMs()): ApiClient {
    let ca: string | undefined;
    if (entry.caCertFile !== undefined) {
      try {
        ca = readFileSync(entry.caCertFile, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read the CA certificate file ${entry.caCertFile} of control plane "${entry.name}": ${(err as Error).message}`, { cause: err });
      }
    }
    const verbose = this.globals().verbose === true;
    return new ApiClient({
      address: entry.address,
      controlPlane: entry.name,
      token: () => tokenOf(entry),
      ...(ca !== undefined ? { ca } : {}),
      ...(entry.skipVerify ? { skipVerify: true } : {}),
      timeoutMs,
      ...(verbose ? { trace: (line: string) => this.io.stderr(`${line}\n`) } : {}),
    });
  }

  /** The current control plane's type catalog (`GET /_resources`), fetched once. */
  catalog(): Promise<TypeCatalog> {
    this.cachedCatalog ??= this.client()
      .get<unknown>('/_resources')
      .then((body) => TypeCatalog.fromResponse(body));
    return this.cachedCatalog;
  }
}

/** The token of a control plane entry; its file is read on every call so that rotating it is enough. */
function tokenOf(entry: ControlPlaneEntry): string | undefined {
  if (entry.authToken !== undefined) return entry.authToken;
  if (entry.authTokenFile === undefined) return undefined;
  let token: string;
  try {
    token = readFileSync(entry.authTokenFile, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read the auth token file ${entry.authTokenFile} of control plane "${entry.name}": ${(err as Error).message}`, { cause: err });
  }
  if (token === '') throw new UsageError(`the auth token file ${entry.authTokenFile} of control plane "${entry.name}" is empty`);
  return token;
}
