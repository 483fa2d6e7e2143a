import { join } from 'node:path';
import { startMultizoneNats as startTestingMultizoneNats } from '@mycel/testing';
import type { MultizoneNats } from '@mycel/testing';

export type { MultizoneNats } from '@mycel/testing';
import { serviceMain, startCp } from './cp-process';
import type { CpProcess } from './cp-process';

// A multi-zone installation as an operator sets one up in password mode (docs/multizone.md):
// nats-server -js with the config `mycel-global-cp nats-config` prints, global-cp, and zone-cps in
// zone mode, each a process of its own.

/** Starts nats-server in password mode with a user per zone (see `startMultizoneNats` in @mycel/testing). */
export function startMultizoneNats(zones: readonly string[]): Promise<MultizoneNats> {
  return startTestingMultizoneNats({ globalCpMain: serviceMain('global-cp'), zones });
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
