import { ValidationError } from '@mycel/core';
import { initNatsAuth } from '@mycel/kds';
import type { NatsAuthInitResult } from '@mycel/kds';

/** Flags of `mycel-global-cp nats-init`. */
export interface NatsInitFlags {
  readonly dir: string;
  readonly jetstreamDir?: string;
  readonly port?: string;
  readonly host?: string;
  readonly httpPort?: string;
  readonly serverName?: string;
}

/**
 * Creates (or reuses) the zone-token auth material in `flags.dir` (see `initNatsAuth`) and returns
 * what it did. ValidationError for malformed flags; never prints or returns a seed.
 */
export function natsInitCommand(flags: NatsInitFlags): NatsAuthInitResult {
  return initNatsAuth({
    dir: flags.dir,
    ...(flags.jetstreamDir !== undefined ? { jetstreamDir: flags.jetstreamDir } : {}),
    ...(flags.port !== undefined ? { port: portOf(flags.port, '--port') } : {}),
    ...(flags.httpPort !== undefined ? { httpPort: portOf(flags.httpPort, '--http-port') } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.serverName !== undefined ? { serverName: flags.serverName } : {}),
  });
}

/** The summary `nats-init` prints: ids, files, and the next commands (no secrets). */
export function natsInitSummary(result: NatsAuthInitResult): string {
  return [
    `NATS zone-token auth in ${result.dir}`,
    `  operator        ${result.operator}`,
    `  system account  ${result.systemAccount}`,
    `  Mycel account   ${result.account}`,
    `  created: ${result.created.join(', ') || '-'}`,
    `  reused:  ${result.reused.join(', ') || '-'}`,
    '',
    'next:',
    `  nats-server -c ${result.configPath}`,
    `  mycel-global-cp run --kds-nats-url nats://<host>:4222 --kds-auth-dir ${result.dir} ...`,
    '  mycelctl generate zone-token --zone <zone> -o <zone>.creds   # then: mycel-zone-cp run --mode zone --zone <zone> --kds-zone-token-file <zone>.creds',
    '',
  ].join('\n');
}

function portOf(value: string, flag: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ValidationError(`${flag} must be a port between 1 and 65535, got '${value}'`, [{ field: flag, reason: `must be between 1 and 65535, got '${value}'` }]);
  }
  return n;
}
