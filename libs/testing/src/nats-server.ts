import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { disownServer, findExecutable, ownServer } from './server-process';

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /**
   * Full nats-server config text (e.g. from `renderNatsServerConfig` of @mycel/kds), or a function
   * of the server's temp dir, port and JetStream dir returning it; written to `<dir>/nats.conf` and
   * passed with `-c`. Host and port are always given on the command line (`-a 127.0.0.1 -p <port>`,
   * which win over the file), and so is the JetStream store (`-js -sd <dir>/jetstream`) unless the
   * config sets `store_dir` itself (nats-server refuses both).
   */
  readonly config?: string | ((server: { readonly dir: string; readonly port: number; readonly jetstreamDir: string }) => string);
  /** Extra `nats-server` arguments appended after the defaults, e.g. `['-DV']`. */
  readonly args?: readonly string[];
  /** How long to wait for the server to accept connections after a (re)start, in ms; default 15000. */
  readonly startTimeoutMs?: number;
}

/** A real `nats-server -js` child process owned by a test; see {@link startNatsServer}. */
export interface NatsServer {
  /** TCP port on 127.0.0.1; the same across restarts. */
  readonly port: number;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** Temp directory holding `nats.conf`, `nats.log` and the JetStream store (`jetstream/`); kept across restarts, removed by stop(). */
  readonly dir: string;
  /** Pid of the current process (changes on restart); 0 when not running. */
  readonly pid: number;
  /** Graceful shutdown (SIGTERM, waits for exit), then removes `dir`. Idempotent; the server cannot restart after it. */
  stop(): Promise<void>;
  /** SIGKILL, waits for exit; `dir` (and the JetStream store) is kept for restart(). */
  kill9(): Promise<void>;
  /** Starts again on the same port, config and dir (JetStream recovers its store); stops gracefully first when running. Resolves once it accepts connections. */
  restart(): Promise<void>;
}


/**
 * Starts `nats-server` with JetStream on a free port of 127.0.0.1 in a fresh temp dir and resolves
 * once it accepts connections (it sends `INFO`, and answers `PING` with `PONG` when no auth is
 * configured). Uses raw TCP only, so this package needs no NATS client. Fails when `nats-server`
 * is not on PATH (Debian: `apt-get install -y nats-server`, which installs /usr/sbin/nats-server).
 * A process-exit hook kills servers a test forgot to stop.
 */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = findExecutable('nats-server');
  if (binary === undefined) {
    throw new Error(
      `nats-server was not found on PATH (${process.env['PATH'] ?? ''}) nor in /usr/sbin or /usr/local/bin; install it, e.g. apt-get install -y nats-server`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'mycel-nats-'));
  let lastError: unknown;
  // The port is free when chosen but could be taken before nats-server binds it: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    let config: string | undefined;
    if (opts.config !== undefined) {
      config = typeof opts.config === 'string' ? opts.config : opts.config({ dir, port, jetstreamDir: join(dir, 'jetstream') });
      await writeFile(join(dir, 'nats.conf'), config, { mode: 0o600 });
    }
    const server = new NatsProcess(binary, port, dir, opts.args ?? [], opts.startTimeoutMs ?? 15000, config);
    try {
      await server.launch();
      return server;
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortInUseError)) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error('nats-server did not start', { cause: lastError });
}

class PortInUseError extends Error {}

class NatsProcess implements NatsServer {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;
  private output = '';

  constructor(
    private readonly binary: string,
    readonly port: number,
    readonly dir: string,
    private readonly extraArgs: readonly string[],
    private readonly startTimeoutMs: number,
    private readonly config: string | undefined,
  ) {
    this.url = `nats://127.0.0.1:${port}`;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async launch(): Promise<void> {
    if (this.stopped) throw new Error(`nats-server on port ${this.port} was stopped and its dir removed; it cannot restart`);
    const logFile = join(this.dir, 'nats.log');
    const ownStore = this.config !== undefined && /^\s*store_dir\s*[:=]/m.test(this.config);
    const args = [
      ...(this.config !== undefined ? ['-c', join(this.dir, 'nats.conf')] : []),
      '-a', '127.0.0.1',
      '-p', String(this.port),
      '-js',
      ...(ownStore ? [] : ['-sd', join(this.dir, 'jetstream')]),
      '-l', logFile,
      ...this.extraArgs,
    ];
    // Config errors are printed before the log file is opened: keep the tail of the output too.
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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

  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.signal('SIGTERM');
    this.stopped = true;
    disownServer(this);
    await rm(this.dir, { recursive: true, force: true });
  }

  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.running) await this.signal('SIGTERM');
    await this.launch();
  }

  /** Sends `sig` to the current process (if any) and waits for it to exit. */
  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill(sig);
    await this.exited;
  }

  private async waitReady(child: ChildProcess, logFile: string): Promise<void> {
    const timeoutMs = this.startTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child !== child) {
        const log = `${this.output}${readTail(logFile)}`;
        if (/address already in use/i.test(log)) throw new PortInUseError(`port ${this.port} is in use`);
        throw new Error(`nats-server exited during start (port ${this.port}, dir ${this.dir}); output:\n${log}`);
      }
      if (await natsReady(this.port)) return;
      if (Date.now() > deadline) {
        throw new Error(`nats-server did not accept connections within ${timeoutMs} ms (port ${this.port}); log:\n${readTail(logFile)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * True once the server at 127.0.0.1:`port` greets with `INFO` and, when it requires no auth, answers
 * `PING` with `PONG`. With auth the greeting is the proof: JetStream is enabled before the client
 * listener starts, and the INFO says so.
 */
function natsReady(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = '';
    let info: { auth_required?: boolean; jetstream?: boolean } | undefined;
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      if (info === undefined) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) return;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!line.startsWith('INFO ')) {
          finish(false);
          return;
        }
        try {
          info = JSON.parse(line.slice(5)) as { auth_required?: boolean; jetstream?: boolean };
        } catch {
          // A torn or unexpected greeting: not ready; the caller polls again.
          finish(false);
          return;
        }
        if (info.jetstream !== true) {
          finish(false);
          return;
        }
        if (info.auth_required === true) {
          finish(true);
          return;
        }
        socket.write('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n');
      }
      if (buffer.includes('PONG\r\n')) finish(true);
      else if (buffer.includes('-ERR')) finish(false);
    });
  });
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

