import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess, findExecutable, launchOnFreePort } from './server-process';

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
  return launchOnFreePort(dir, 'nats-server', async (port) => {
    let config: string | undefined;
    if (opts.config !== undefined) {
      config = typeof opts.config === 'string' ? opts.config : opts.config({ dir, port, jetstreamDir: join(dir, 'jetstream') });
      await writeFile(join(dir, 'nats.conf'), config, { mode: 0o600 });
    }
    return new NatsProcess(binary, port, dir, opts.args ?? [], opts.startTimeoutMs ?? 15000, config);
  });
}

class NatsProcess extends ServerProcess implements NatsServer {
  readonly url: string;
  protected readonly programName = 'nats-server';
  protected readonly logFileName = 'nats.log';

  constructor(
    binary: string,
    port: number,
    dir: string,
    private readonly extraArgs: readonly string[],
    startTimeoutMs: number,
    private readonly config: string | undefined,
  ) {
    super(binary, port, dir, startTimeoutMs);
    this.url = `nats://127.0.0.1:${port}`;
  }

  protected args(logFile: string): string[] {
    const ownStore = this.config !== undefined && /^\s*store_dir\s*[:=]/m.test(this.config);
    return [
      ...(this.config !== undefined ? ['-c', join(this.dir, 'nats.conf')] : []),
      '-a', '127.0.0.1',
      '-p', String(this.port),
      '-js',
      ...(ownStore ? [] : ['-sd', join(this.dir, 'jetstream')]),
      '-l', logFile,
      ...this.extraArgs,
    ];
  }

  protected isReady(port: number): Promise<boolean> {
    return natsReady(port);
  }

  protected portInUse(log: string): boolean {
    return /address already in use/i.test(log);
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


