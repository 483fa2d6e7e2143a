import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@mycel/testing';
import { sleep } from './monotonic-clock';

/** Deadline of every HTTP call to the control plane. */
const HTTP_TIMEOUT_MS = 30_000;
/** Output kept for error messages. */
const MAX_OUTPUT = 64 * 1024;

/** Options of {@link startZoneCp}. */
export interface ZoneCpOptions {
  /** Where the admin token file (and CPU profiles, when asked) go. */
  readonly dir: string;
  /** Write a V8 CPU profile (`--cpu-prof`) into this directory when the process exits. */
  readonly cpuProfDir?: string;
  /** Let {@link ZoneCpProcess.heapSnapshot} write V8 heap snapshots into this directory. */
  readonly heapSnapshotDir?: string;
  readonly logLevel?: string;
}

/** A zone-cp process started from the build (`services/zone-cp/dist/main.js run`). */
export interface ZoneCpProcess {
  readonly pid: number;
  readonly api: ApiClient;
  readonly dpPort: number;
  /** The last 64 KiB of its stdout and stderr. */
  output(): string;
  /**
   * Makes the process write a heap snapshot (SIGUSR2; only when started with `heapSnapshotDir`) and
   * resolves with its path once written. The process is paused meanwhile, for seconds.
   */
  heapSnapshot(): Promise<string>;
  /** SIGTERM, then waits for the exit (SIGKILL after 15 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Path of the built zone-cp entry point. */
export function zoneCpMain(): string {
  return join(__dirname, '..', '..', '..', 'services', 'zone-cp', 'dist', 'main.js');
}

/** Starts zone-cp on free loopback ports with its admin token in `dir`; resolves once the API answers ready. */
export async function startZoneCp(options: ZoneCpOptions): Promise<ZoneCpProcess> {
  const apiPort = await freePort();
  const dpPort = await freePort();
  const tokenFile = join(options.dir, 'admin-token');
  const execArgv = [
    ...(options.cpuProfDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
    ...(options.heapSnapshotDir !== undefined ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshotDir}`] : []),
  ];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...execArgv,
      zoneCpMain(),
      'run',
      '--address',
      '127.0.0.1',
      '--port',
      String(apiPort),
      '--dp-address',
      '127.0.0.1',
      '--dp-port',
      String(dpPort),
      '--admin-token-file',
      tokenFile,
      '--log-level',
      options.logLevel ?? 'info',
    ],
    { env: { PATH: process.env['PATH'] ?? '', HOME: options.dir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > MAX_OUTPUT * 2) out = out.slice(-MAX_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const base = `http://127.0.0.1:${apiPort}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (done) throw new Error(`zone-cp exited during start:\n${out.slice(-MAX_OUTPUT)}`);
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`zone-cp not ready after 30 s:\n${out.slice(-MAX_OUTPUT)}`);
    }
    await sleep(100);
  }
  return {
    pid: child.pid ?? -1,
    api: new ApiClient(base, readFileSync(tokenFile, 'utf8').trim()),
    dpPort,
    output: () => out.slice(-MAX_OUTPUT),
    async heapSnapshot() {
      const dir = options.heapSnapshotDir;
      if (dir === undefined) throw new Error('zone-cp was started without heapSnapshotDir');
      const snapshots = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
      const before = new Set(snapshots());
      child.kill('SIGUSR2');
      // The file appears at once and grows while V8 writes it: wait for a size that holds for 2 s.
      let lastSize = -1;
      for (let waited = 0; waited < 300_000; waited += 1000) {
        await sleep(1000);
        const file = snapshots().find((f) => !before.has(f));
        if (file === undefined) continue;
        const size = statSync(join(dir, file)).size;
        if (size > 0 && size === lastSize) return join(dir, file);
        lastSize = size;
      }
      throw new Error('zone-cp wrote no heap snapshot within 5 minutes');
    },
    async stop() {
      if (!done) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A response of the control plane's API. */
export interface ApiResponse {
  readonly status: number;
  readonly text: string;
}

/** Calls the REST API with the admin token. */
export class ApiClient {
  constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  /** `method path` with a JSON body; throws unless the status is one of `expect`. */
  async call(method: string, path: string, body?: unknown, expect: readonly number[] = [200, 201, 204]): Promise<ApiResponse> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const text = await res.text();
    if (!expect.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { status: res.status, text };
  }

  /** `PUT path` with a JSON body (200 or 201 expected). */
  put(path: string, body: unknown): Promise<ApiResponse> {
    return this.call('PUT', path, body);
  }

  /** `POST path` with a JSON body (200, 201 or 204 expected). */
  post(path: string, body: unknown): Promise<ApiResponse> {
    return this.call('POST', path, body);
  }

  /** The Prometheus text of `/metrics`. */
  async metricsText(): Promise<string> {
    return (await this.call('GET', '/metrics')).text;
  }
}

/** Sum of the Prometheus samples named `name` whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const sample = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => sample.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** Names under which OpenTelemetry / prom-client runtime instrumentation report the used V8 heap, in bytes. */
const HEAP_METRICS = ['v8js_memory_heap_used_bytes', 'nodejs_heap_size_used_bytes', 'process_runtime_nodejs_memory_heap_used_bytes'];

/** The used V8 heap in bytes when `/metrics` reports it (it does not yet), else undefined. */
export function heapUsedBytes(text: string): number | undefined {
  for (const name of HEAP_METRICS) {
    if (new RegExp(`^${name}[ {]`, 'm').test(text)) return metricSum(text, name);
  }
  return undefined;
}
