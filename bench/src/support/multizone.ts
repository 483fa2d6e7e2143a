import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer } from '@mycel/testing';
import type { NatsServer } from '@mycel/testing';
import { serviceMain, startCp } from './cp-process';
import type { CpProcess } from './cp-process';

// A multi-zone installation as an operator sets one up in password mode (docs/multizone.md):
// nats-server -js with the config `mycel-global-cp nats-config` prints, global-cp, and zone-cps in
// zone mode, each a process of its own.

/** nats-server with a user per zone; see {@link startMultizoneNats}. */
export interface MultizoneNats {
  readonly server: NatsServer;
  /** Directory holding `<user>.password` files written by `nats-config`. */
  readonly passwordsDir: string;
  stop(): Promise<void>;
}

/** Starts nats-server -js with the config `mycel-global-cp nats-config --zone … --passwords-dir` prints. */
export async function startMultizoneNats(zones: readonly string[]): Promise<MultizoneNats> {
  const passwordsDir = mkdtempSync(join(tmpdir(), 'mycel-bench-pw-'));
  try {
    const server = await startNatsServer({
      config: ({ jetstreamDir }) =>
        execFileSync(process.execPath, [serviceMain('global-cp'), 'nats-config', ...zones.flatMap((z) => ['--zone', z]), '--jetstream-dir', jetstreamDir, '--passwords-dir', passwordsDir], {
          encoding: 'utf8',
        }),
    });
    return {
      server,
      passwordsDir,
      stop: async () => {
        await server.stop();
        rmSync(passwordsDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(passwordsDir, { recursive: true, force: true });
    throw err;
  }
}

/** Common options of {@link startGlobal} and {@link startZone}. */
export interface MultizoneCpOptions {
  readonly dir: string;
  readonly logLevel: string;
  readonly cpuProfDir?: string;
}

/** Starts `mycel-global-cp run` (memory store) against `nats`; its API with the admin token it writes. */
export function startGlobal(nats: MultizoneNats, options: MultizoneCpOptions): Promise<CpProcess> {
  return startCp({
    service: 'global-cp',
    dir: options.dir,
    logLevel: options.logLevel,
    args: ['--kds-nats-url', nats.server.url, '--kds-nats-password-file', join(nats.passwordsDir, 'global.password')],
    ...(options.cpuProfDir !== undefined ? { cpuProfDir: options.cpuProfDir } : {}),
  });
}

/**
 * Starts `mycel-zone-cp run --mode zone --zone <zone>` (memory store) against `nats`. A zone writes
 * no admin token (global issues user tokens), so the bench calls its API as loopback admin.
 */
export function startZone(nats: MultizoneNats, zone: string, options: MultizoneCpOptions): Promise<CpProcess> {
  return startCp({
    service: 'zone-cp',
    dir: options.dir,
    logLevel: options.logLevel,
    localhostIsAdmin: true,
    args: ['--mode', 'zone', '--zone', zone, '--kds-nats-url', nats.server.url, '--kds-nats-password-file', join(nats.passwordsDir, `zone-${zone}.password`)],
    ...(options.cpuProfDir !== undefined ? { cpuProfDir: options.cpuProfDir } : {}),
  });
}
