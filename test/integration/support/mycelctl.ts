import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@mycel/testing';
import { serviceMain, startNode } from './process';
import type { RunningProcess } from './process';

/** The built CLI entry point, services/mycelctl/dist/main.js. */
export const MYCELCTL = serviceMain('mycelctl');

/** How a mycelctl run ended, with stdout and stderr kept apart (data vs messages). */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where and how to run mycelctl. */
export interface CliRunOptions {
  /** HOME of the process: its ~/.mycel/config.yaml is the one used. */
  readonly home: string;
  /** Written to stdin, which is then closed (closed at once when absent). */
  readonly stdin?: string;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Milliseconds before the process is killed and the run fails; 30 s by default. */
  readonly timeoutMs?: number;
}

/** Runs `node services/mycelctl/dist/main.js <args>` as a process, with a minimal environment. */
export function runMycelctl(args: readonly string[], options: CliRunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MYCELCTL, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: options.home, ...options.env },
      cwd: options.cwd ?? options.home,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mycelctl ${args.join(' ')} did not finish in time; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** A zone-cp process on a free loopback port, with its admin token file. */
export interface ZoneCpProcess {
  readonly proc: RunningProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  readonly tokenFile: string;
  readonly token: string;
}

/** Starts the built zone-cp (standalone, memory store) writing its admin token into `dir`. */
export async function startZoneCpProcess(dir: string): Promise<ZoneCpProcess> {
  const port = await freePort();
  const tokenFile = join(dir, 'admin-token');
  // A free dataplane port too: the default 5678 would collide with any other zone-cp running.
  const proc = startNode(serviceMain('zone-cp'), ['run', '--address', '127.0.0.1', '--port', String(port), '--dp-port', String(await freePort()), '--admin-token-file', tokenFile]);
  await proc.waitFor((out) => out.includes('"API listening"'));
  return { proc, baseUrl: `http://127.0.0.1:${port}`, tokenFile, token: readFileSync(tokenFile, 'utf8').trim() };
}
