import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@mycel/testing';
import { monotonicMs, sleep } from './monotonic-clock';
import { ChildRpc } from './child-rpc';
import { steadyRss } from './proc-status';

/** Deadline of every HTTP call to the control plane. */
const HTTP_TIMEOUT_MS = 30_000;
/** Output kept for error messages. */
const MAX_OUTPUT = 64 * 1024;

/** The two control-plane services the bench starts. */
export type CpService = 'zone-cp' | 'global-cp';

/** Options of {@link startCp}. */
export interface CpOptions {
  /** Which service; `zone-cp` by default. */
  readonly service?: CpService;
  /** Where the admin token file (and CPU profiles, when asked) go. */
  readonly dir: string;
  /** Flags after `run` and the listen flags, e.g. `['--mode', 'zone', '--zone', 'a', …]`. */
  readonly args?: readonly string[];
  /** Extra environment (`MYCEL_*` settings). */
  readonly env?: Readonly<Record<string, string>>;
  /** API port; a free one by default. A restart keeps the ports. */
  readonly apiPort?: number;
  /** zone-cp's dataplane (ADS) port; a free one by default. */
  readonly dpPort?: number;
  /**
   * Authenticate as loopback admin (`--localhost-is-admin`) instead of with the admin token file:
   * a zone in zone mode writes no admin token (global issues user tokens).
   */
  readonly localhostIsAdmin?: boolean;
  /** Write a V8 CPU profile (`--cpu-prof`) into this directory when the process exits. */
  readonly cpuProfDir?: string;
  /** Let {@link CpProcess.heapSnapshot} write V8 heap snapshots into this directory. */
  readonly heapSnapshotDir?: string;
  /** Open the inspector on a loopback port, so {@link CpProcess.collectGarbage} can force a full GC. */
  readonly inspect?: boolean;
  readonly logLevel?: string;
}

/** A control-plane process started from the build (`services/<service>/dist/main.js run`). */
export interface CpProcess {
  /** Pid of the current process (a new one after {@link restart}). */
  readonly pid: number;
  readonly api: ApiClient;
  /** zone-cp's dataplane port (global-cp: 0). */
  readonly dpPort: number;
  /** The last 64 KiB of its stdout and stderr (across restarts). */
  output(): string;
  /**
   * Makes the process write a heap snapshot (SIGUSR2; only when started with `heapSnapshotDir`) and
   * resolves with its path once written. The process is paused meanwhile, for seconds.
   */
  heapSnapshot(): Promise<string>;
  /**
   * Forces a full garbage collection (only when started with `inspect`), so that heap and RSS
   * readings that follow hold live memory, not garbage V8 has not collected yet.
   */
  collectGarbage(): Promise<void>;
  /** SIGKILL (kill -9), resolves once the process is gone. */
  kill9(): Promise<void>;
  /**
   * Starts the service again with the same flags and ports (after {@link kill9} or {@link stop});
   * resolves once its API answers ready, with the time (monotonic ms) the process was spawned.
   */
  restart(): Promise<{ spawnedAt: number }>;
  /** SIGTERM, then waits for the exit (SIGKILL after 15 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Path of a built service entry point. */
export function serviceMain(service: CpService | 'zone-cp'): string {
  return join(__dirname, '..', '..', '..', 'services', service, 'dist', 'main.js');
}

/** Starts zone-cp (standalone, memory store) on free loopback ports; see {@link startCp}. */
export function startZoneCp(options: CpOptions): Promise<CpProcess> {
  return startCp({ ...options, service: 'zone-cp' });
}

/**
 * Starts a control plane on loopback ports (free ones unless given) with its admin token in `dir`
 * (or as loopback admin); resolves once the API answers ready. Every process it starts is killed
 * when the bench process exits, whatever happens.
 */
export async function startCp(options: CpOptions): Promise<CpProcess> {
  const service = options.service ?? 'zone-cp';
  const apiPort = options.apiPort ?? (await freePort());
  const dpPort = service === 'zone-cp' ? (options.dpPort ?? (await freePort())) : 0;
  const tokenFile = join(options.dir, `${service}-admin-token`);
  const inspectPort = options.inspect === true ? await freePort() : undefined;
  const execArgv = [
    ...(inspectPort !== undefined ? [`--inspect=127.0.0.1:${inspectPort}`] : []),
    ...(options.cpuProfDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
    ...(options.heapSnapshotDir !== undefined ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshotDir}`] : []),
  ];
  const argv = [
    ...execArgv,
    serviceMain(service),
    'run',
    '--address',
    '127.0.0.1',
    '--port',
    String(apiPort),
    ...(service === 'zone-cp' ? ['--dp-address', '127.0.0.1', '--dp-port', String(dpPort)] : []),
    '--admin-token-file',
    tokenFile,
    ...(options.localhostIsAdmin === true ? ['--localhost-is-admin'] : []),
    '--log-level',
    options.logLevel ?? 'info',
    ...(options.args ?? []),
  ];
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > MAX_OUTPUT * 2) out = out.slice(-MAX_OUTPUT);
  };
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let done = false;
  const spawnOnce = (): void => {
    child = spawn(process.execPath, argv, { env: { PATH: process.env['PATH'] ?? '', HOME: options.dir, ...(options.env ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    owned.add(child);
    done = false;
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const c = child;
    exited = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
    void exited.then(() => {
      done = true;
      owned.delete(c);
    });
  };
  const base = `http://127.0.0.1:${apiPort}`;
  const waitReady = async (): Promise<void> => {
    const until = Date.now() + 60_000;
    for (;;) {
      if (done) throw new Error(`${service} exited during start:\n${out.slice(-MAX_OUTPUT)}`);
      try {
        const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > until) {
        child.kill('SIGKILL');
        throw new Error(`${service} not ready after 60 s:\n${out.slice(-MAX_OUTPUT)}`);
      }
      await sleep(50);
    }
  };
  spawnOnce();
  await waitReady();
  const token = options.localhostIsAdmin === true ? null : readFileSync(tokenFile, 'utf8').trim();
  return {
    get pid() {
      return child.pid ?? -1;
    },
    api: new ApiClient(base, token),
    dpPort,
    output: () => out.slice(-MAX_OUTPUT),
    async heapSnapshot() {
      const dir = options.heapSnapshotDir;
      if (dir === undefined) throw new Error(`${service} was started without heapSnapshotDir`);
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
      throw new Error(`${service} wrote no heap snapshot within 5 minutes`);
    },
    async collectGarbage() {
      if (inspectPort === undefined) throw new Error(`${service} was started without inspect`);
      const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
      const url = targets[0]?.webSocketDebuggerUrl;
      if (url === undefined) throw new Error(`${service}: its inspector lists no target`);
      const helper = new ChildRpc(join(__dirname, 'inspector-gc.main.js'), [], ['--experimental-websocket']);
      try {
        await helper.call('collectGarbage', { url });
      } finally {
        await helper.stop();
      }
    },
    async kill9() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      if (!done) {
        child.kill('SIGTERM');
        await exited;
      }
      const spawnedAt = monotonicMs();
      spawnOnce();
      await waitReady();
      return { spawnedAt };
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

/** Control-plane processes still running: killed when the bench exits, whatever the reason. */
const owned = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of owned) child.kill('SIGKILL');
});

/** A response of the control plane's API. */
export interface ApiResponse {
  readonly status: number;
  readonly text: string;
}

/** Calls the REST API with the admin token. */
export class ApiClient {
  /** `token` null: no Authorization header (the control plane treats loopback callers as admin). */
  constructor(
    readonly base: string,
    private readonly token: string | null,
  ) {}

  /** `method path` with a JSON body; throws unless the status is one of `expect`. */
  async call(method: string, path: string, body?: unknown, expect: readonly number[] = [200, 201, 204]): Promise<ApiResponse> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...(this.token !== null ? { authorization: `Bearer ${this.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
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

/** Names under which Mycel's runtime metrics (libs/telemetry), OpenTelemetry or prom-client report the used V8 heap, in bytes. */
const HEAP_METRICS = ['mycel_heap_used_bytes', 'v8js_memory_heap_used_bytes', 'nodejs_heap_size_used_bytes', 'process_runtime_nodejs_memory_heap_used_bytes'];

/** The used V8 heap in bytes when `/metrics` reports it, else undefined. */
export function heapUsedBytes(text: string): number | undefined {
  for (const name of HEAP_METRICS) {
    if (new RegExp(`^${name}[ {]`, 'm').test(text)) return metricSum(text, name);
  }
  return undefined;
}

/** Event-loop delay over one `/metrics` scrape window (`mycel_event_loop_delay_seconds`), in ms. */
export interface EventLoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The event-loop delay `/metrics` reports for the window since the previous scrape, or undefined
 * when it reports none (an older build, or no sample in the window). Every scrape starts a new
 * window, so read `/metrics` once at the start of what you measure and once at its end.
 */
export function eventLoopDelay(text: string): EventLoopDelay | undefined {
  const stat = (s: string): number => metricSum(text, 'mycel_event_loop_delay_seconds', { stat: s }) * 1000;
  if (!/^mycel_event_loop_delay_seconds\{/m.test(text)) return undefined;
  return { p50: stat('p50'), p99: stat('p99'), max: stat('max') };
}

/** Memory of a control plane at one moment. */
export interface CpMemory {
  /** Median of 5 `VmRSS` readings 300 ms apart, KiB. */
  readonly rssKiB: number;
  /** Median of 3 used-V8-heap readings from `/metrics`, bytes; undefined when it reports none. */
  readonly heapBytes: number | undefined;
}

/**
 * {@link CpMemory} of `cp` (takes about 2 s). With `gc`, a full collection first (the process must
 * have been started with `inspect`): the heap then is live memory.
 */
export async function cpMemory(cp: CpProcess, gc = false): Promise<CpMemory> {
  if (gc) await cp.collectGarbage();
  const rssKiB = await steadyRss(cp.pid);
  const heaps: number[] = [];
  for (let i = 0; i < 3; i++) {
    const heap = heapUsedBytes(await cp.api.metricsText());
    if (heap !== undefined) heaps.push(heap);
    await sleep(100);
  }
  heaps.sort((a, b) => a - b);
  return { rssKiB, heapBytes: heaps[1] ?? heaps[0] };
}
