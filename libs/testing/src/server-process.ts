import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { freePort } from './ports';

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

/** A start that failed because another process took the port first; the caller retries on another port. */
export class PortInUseError extends Error {}

/**
 * One real server process owned by a test: spawn, readiness polling, graceful stop, kill -9 and
 * restart on the same port and dir. Subclasses say how to run and probe their server.
 */
export abstract class ServerProcess implements OwnedServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;
  private output = '';

  constructor(
    private readonly binary: string,
    readonly port: number,
    readonly dir: string,
    private readonly startTimeoutMs: number,
  ) {}

  /** Program name for messages, e.g. `redis-server`. */
  protected abstract readonly programName: string;
  /** Log file name inside `dir`. */
  protected abstract readonly logFileName: string;
  /** Command-line arguments of one launch. */
  protected abstract args(logFile: string): string[];
  /** True once the server answers on `port`. */
  protected abstract isReady(port: number): Promise<boolean>;
  /** True when the output/log says the port was taken. */
  protected abstract portInUse(log: string): boolean;

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Spawns the server and resolves once it is ready; PortInUseError when the port was taken. */
  async launch(): Promise<void> {
    if (this.stopped) throw new Error(`${this.programName} on port ${this.port} was stopped and its dir removed; it cannot restart`);
    const logFile = join(this.dir, this.logFileName);
    // Config errors are printed before the log file is opened: keep the tail of the output too.
    const child = spawn(this.binary, this.args(logFile), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.output = '';
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    ownServer(this);
    this.exited = new Promise<void>((resolve) => {
      const gone = (): void => {
        if (this.child === child) this.child = undefined;
        resolve();
      };
      child.once('exit', gone);
      // 'error' (e.g. spawn failure) is followed by 'exit' or nothing: resolve either way so waiters never hang.
      child.once('error', gone);
    });
    try {
      await this.waitReady(child, logFile);
    } catch (err) {
      await this.signal('SIGKILL');
      disownServer(this);
      throw err;
    }
  }

  /** Graceful shutdown (SIGTERM, waits for exit), then removes `dir`. Idempotent; no restart after it. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.signal('SIGTERM');
    this.stopped = true;
    disownServer(this);
    await rm(this.dir, { recursive: true, force: true });
  }

  /** SIGKILL, waits for exit; `dir` is kept for restart(). */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Starts again on the same port and dir; stops gracefully first when running. */
  async restart(): Promise<void> {
    if (this.running) await this.signal('SIGTERM');
    await this.launch();
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill(sig);
    await this.exited;
  }

  private async waitReady(child: ChildProcess, logFile: string): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (this.child !== child) {
        const log = `${this.output}${readTail(logFile)}`;
        if (this.portInUse(log)) throw new PortInUseError(`port ${this.port} is in use`);
        throw new Error(`${this.programName} exited during start (port ${this.port}, dir ${this.dir}); output:\n${log}`);
      }
      if (await this.isReady(this.port)) return;
      if (Date.now() > deadline) {
        throw new Error(`${this.programName} was not ready within ${this.startTimeoutMs} ms (port ${this.port}); log:\n${readTail(logFile)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * Launches `make(port)` on a free port, retrying on another port when one is taken between choosing
 * and binding it; removes `dir` when every attempt fails.
 */
export async function launchOnFreePort<T extends ServerProcess>(dir: string, program: string, make: (port: number) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = await make(await freePort());
    try {
      await server.launch();
      return server;
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortInUseError)) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(`${program} did not start`, { cause: lastError });
}

/** The last lines of a log file, or why there is none. */
export function readTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}
