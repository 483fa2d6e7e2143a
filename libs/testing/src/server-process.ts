import { accessSync, constants as fsConstants, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A test server process the exit hook may have to clean up: its pid (0 when stopped) and temp dir. */
export interface OwnedServer {
  readonly pid: number;
  readonly dir: string;
}

const owned = new Set<OwnedServer>();
let exitHookInstalled = false;

/**
 * Absolute path of an executable on PATH, or in /usr/sbin and /usr/local/bin (Debian installs
 * nats-server and redis-server's tools there, which not every user's PATH has); undefined if absent.
 */
export function findExecutable(command: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not in this directory: keep looking.
    }
  }
  return undefined;
}

/** Registers a server so a test process that exits without stopping it still kills it and removes its dir. */
export function ownServer(server: OwnedServer): void {
  installExitHook();
  owned.add(server);
}

/** Forgets a server that was stopped (or will be restarted and registered again). */
export function disownServer(server: OwnedServer): void {
  owned.delete(server);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const server of owned) {
      if (server.pid !== 0) {
        try {
          process.kill(server.pid, 'SIGKILL');
        } catch {
          // Already gone: nothing to clean up.
        }
      }
      rmSync(server.dir, { recursive: true, force: true });
    }
  });
}
