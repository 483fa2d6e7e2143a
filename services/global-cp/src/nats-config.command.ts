import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@mycel/core';
import { GLOBAL_NATS_USER, renderNatsServerConfig, zoneNatsUser } from '@mycel/kds';

/** Flags of `mycel-global-cp nats-config`. */
export interface NatsConfigFlags {
  /** `name` or `name:password`, repeatable; a zone without a password gets a generated one. */
  readonly zone: readonly string[];
  readonly globalPassword?: string;
  readonly jetstreamDir: string;
  readonly port?: string;
  readonly host?: string;
  readonly httpPort?: string;
  readonly serverName?: string;
  readonly maxFileStore?: string;
  /** Write the config here (mode 0600) instead of stdout. */
  readonly output?: string;
  /** Write every password to `<dir>/<nats user>.password` (mode 0600), for `--kds-nats-password-file`. */
  readonly passwordsDir?: string;
}

/** What the command produced: the config text, and the passwords it generated per NATS user. */
export interface NatsConfigResult {
  readonly config: string;
  readonly generated: ReadonlyMap<string, string>;
  readonly passwords: ReadonlyMap<string, string>;
}

/** A random password: 24 bytes, base64url (no characters nats-server config quoting cares about). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Builds the nats-server config for global and the listed zones (see `renderNatsServerConfig`),
 * generating the passwords not given, and writes the config and password files when asked.
 * ValidationError for malformed flags (a bad port, an empty zone name, a zone listed twice).
 */
export function natsConfigCommand(flags: NatsConfigFlags, newPassword: () => string = generatePassword): NatsConfigResult {
  const generated = new Map<string, string>();
  const passwords = new Map<string, string>();
  const take = (user: string, given: string | undefined): string => {
    const password = given !== undefined && given !== '' ? given : newPassword();
    if (given === undefined || given === '') generated.set(user, password);
    passwords.set(user, password);
    return password;
  };
  if (flags.zone.length === 0) throw new ValidationError('at least one --zone is required', [{ field: '--zone', reason: 'is required (repeat it per zone)' }]);
  const globalPassword = take(GLOBAL_NATS_USER, flags.globalPassword);
  const zones = flags.zone.map((arg) => {
    const colon = arg.indexOf(':');
    const name = colon < 0 ? arg : arg.slice(0, colon);
    return { name, password: take(zoneNatsUser(name), colon < 0 ? undefined : arg.slice(colon + 1)) };
  });
  const config = renderNatsServerConfig({
    zones,
    global: { password: globalPassword },
    jetstreamDir: flags.jetstreamDir,
    ...(flags.port !== undefined ? { port: portOf(flags.port, '--port') } : {}),
    ...(flags.httpPort !== undefined ? { httpPort: portOf(flags.httpPort, '--http-port') } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.serverName !== undefined ? { serverName: flags.serverName } : {}),
    ...(flags.maxFileStore !== undefined ? { maxFileStore: flags.maxFileStore } : {}),
  });
  if (flags.passwordsDir !== undefined) {
    mkdirSync(flags.passwordsDir, { recursive: true, mode: 0o700 });
    for (const [user, password] of passwords) writeFileSync(join(flags.passwordsDir, `${user}.password`), `${password}\n`, { mode: 0o600 });
  }
  if (flags.output !== undefined) writeFileSync(flags.output, config, { mode: 0o600 });
  return { config, generated, passwords };
}

function portOf(value: string, flag: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ValidationError(`${flag} must be a port between 1 and 65535, got '${value}'`, [{ field: flag, reason: `must be between 1 and 65535, got '${value}'` }]);
  }
  return n;
}
