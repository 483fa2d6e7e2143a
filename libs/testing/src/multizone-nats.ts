import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer } from './nats-server';
import type { NatsServer } from './nats-server';

/** A nats-server whose config (users `global`, `zone-<zone>`) came from `mycel-global-cp nats-config` (password mode). */
export interface MultizoneNats {
  readonly server: NatsServer;
  /** Directory holding the `<user>.password` files the command wrote (mode 0600). */
  readonly passwordsDir: string;
  /** Stops nats-server and removes the password files. */
  stop(): Promise<void>;
}

/** Options of {@link startMultizoneNats}. */
export interface MultizoneNatsOptions {
  /** The built `mycel-global-cp` entry point (`services/global-cp/dist/main.js`), run with this Node. */
  readonly globalCpMain: string;
  /** Zones to create NATS users for. */
  readonly zones: readonly string[];
}

/**
 * Starts nats-server -js with the config `mycel-global-cp nats-config --zone … --passwords-dir`
 * prints, as an operator sets up password mode (docs/multizone.md).
 */
export async function startMultizoneNats(options: MultizoneNatsOptions): Promise<MultizoneNats> {
  const passwordsDir = mkdtempSync(join(tmpdir(), 'mycel-mz-pw-'));
  try {
    const server = await startNatsServer({
      config: ({ jetstreamDir }) =>
        execFileSync(
          process.execPath,
          [options.globalCpMain, 'nats-config', ...options.zones.flatMap((z) => ['--zone', z]), '--jetstream-dir', jetstreamDir, '--passwords-dir', passwordsDir],
          { encoding: 'utf8' },
        ),
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
