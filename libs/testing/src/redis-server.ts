import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess, findExecutable, launchOnFreePort } from './server-process';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Extra `redis-server` arguments appended after the defaults (later ones win), e.g. `['--appendfsync', 'always']`. */
  readonly args?: readonly string[];
  /** How long to wait for the server to answer PING after a (re)start, in ms; default 15000. */
  readonly startTimeoutMs?: number;
}

/** A reply of {@link RedisServer.command}: simple/bulk strings, integers, nil and arrays of those. */
export type RespValue = string | number | null | RespValue[];

/** A real `redis-server` child process owned by a test; see {@link startRedisServer}. */
export interface RedisServer {
  /** TCP port on 127.0.0.1; the same across restarts. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Temp directory holding the AOF and `redis.log`; the same across restarts, removed by stop(). */
  readonly dir: string;
  /** Pid of the current process (changes on restart); 0 when not running. */
  readonly pid: number;
  /** Graceful shutdown (SIGTERM, waits for exit), then removes `dir`. Idempotent; the server cannot restart after it. */
  stop(): Promise<void>;
  /** SIGKILL, waits for exit; `dir` (and its AOF) is kept for restart(). */
  kill9(): Promise<void>;
  /** Starts again on the same port and dir, so the AOF is replayed; stops gracefully first when running. Resolves once PING answers. */
  restart(): Promise<void>;
  /** Sends one command over a fresh raw connection and returns its reply; a Redis error reply rejects. */
  command(...args: readonly (string | number)[]): Promise<RespValue>;
}


/**
 * Starts `redis-server` on a free port of 127.0.0.1 in a fresh temp dir with `appendonly yes`,
 * `appendfsync everysec` and no RDB snapshots; resolves once it answers PING. Fails when
 * `redis-server` is not on PATH. A process-exit hook kills servers a test forgot to stop.
 */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findExecutable('redis-server');
  if (binary === undefined) {
    throw new Error(`redis-server was not found on PATH (${process.env['PATH'] ?? ''}); install it, e.g. apt-get install -y redis-server`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'mycel-redis-'));
  return launchOnFreePort(dir, 'redis-server', (port) => Promise.resolve(new RedisProcess(binary, port, dir, opts)));
}

/** Sends one command to the Redis at 127.0.0.1:`port` over a fresh connection and returns the parsed reply. */
export function redisCommand(port: number, args: readonly (string | number)[], timeoutMs = 5000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`redis command ${String(args[0])} timed out after ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | undefined, value?: RespValue): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? null);
    };
    socket.once('error', (err) => finish(err));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let parsed: Parsed | undefined;
      try {
        parsed = parseResp(buffer, 0);
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (parsed === undefined) return;
      if (parsed.error !== undefined) finish(new RedisReplyError(parsed.error));
      else finish(undefined, parsed.value);
    });
    socket.once('close', () => finish(new Error(`connection to redis at port ${port} closed before a reply`)));
    socket.write(encodeCommand(args));
  });
}

/** An error reply (`-ERR …`) from Redis to {@link redisCommand}. */
export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisReplyError';
  }
}

class RedisProcess extends ServerProcess implements RedisServer {
  readonly url: string;
  protected readonly programName = 'redis-server';
  protected readonly logFileName = 'redis.log';

  constructor(
    binary: string,
    port: number,
    dir: string,
    private readonly opts: RedisServerOptions,
  ) {
    super(binary, port, dir, opts.startTimeoutMs ?? 15000);
    this.url = `redis://127.0.0.1:${port}`;
  }

  command(...args: readonly (string | number)[]): Promise<RespValue> {
    return redisCommand(this.port, args);
  }

  protected args(logFile: string): string[] {
    return [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--daemonize', 'no',
      '--logfile', logFile,
      ...(this.opts.args ?? []),
    ];
  }

  protected isReady(port: number): Promise<boolean> {
    return pingOk(port);
  }

  protected portInUse(log: string): boolean {
    return log.includes('Address already in use');
  }
}

/** True when PING answers PONG (false while refusing connections or loading the AOF). */
async function pingOk(port: number): Promise<boolean> {
  try {
    return (await redisCommand(port, ['PING'], 1000)) === 'PONG';
  } catch {
    // Refused, reset or -LOADING: not ready yet; the caller polls until its deadline.
    return false;
  }
}



function encodeCommand(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(String(arg), 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

interface Parsed {
  readonly value: RespValue;
  readonly error?: string;
  readonly end: number;
}

/** Parses one RESP2 reply starting at `pos`; undefined when `buf` does not hold all of it yet. */
function parseResp(buf: Buffer, pos: number): Parsed | undefined {
  const lineEnd = buf.indexOf('\r\n', pos);
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buf[pos] ?? 0);
  const line = buf.toString('utf8', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (kind) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: null, error: line, end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseResp(buf, at);
        if (item === undefined) return undefined;
        items.push(item.error !== undefined ? `ERR ${item.error}` : item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP reply type '${kind}'`);
  }
}
