import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startMultizoneNats as startTestingMultizoneNats } from '@mycel/testing';
import type { MultizoneNats } from '@mycel/testing';

export type { MultizoneNats } from '@mycel/testing';
import { ApiClient } from './http';
import type { Page, Resource } from './http';
import { serviceMain, startNode } from './process';
import type { RunningProcess } from './process';

/** Built entry points of the two control planes. */
export const GLOBAL_CP = serviceMain('global-cp');
export const ZONE_CP = serviceMain('zone-cp');

/** Starts nats-server in password mode with a user per zone (see `startMultizoneNats` in @mycel/testing). */
export function startMultizoneNats(zones: readonly string[]): Promise<MultizoneNats> {
  return startTestingMultizoneNats({ globalCpMain: GLOBAL_CP, zones });
}

/** A control plane process with its API client (loopback callers are admin). */
export interface CpProcess {
  readonly proc: RunningProcess;
  readonly api: ApiClient;
  readonly port: number;
}

/** Starts `mycel-global-cp run` against `nats` (zones offline after `offlineAfter`), waits for its API. */
export async function startGlobalCp(nats: MultizoneNats, dir: string, options: { port?: number; redisUrl?: string; offlineAfter?: string } = {}): Promise<CpProcess> {
  const port = options.port ?? (await freePort());
  const proc = startNode(
    GLOBAL_CP,
    [
      'run', '--address', '127.0.0.1', '--port', String(port), '--localhost-is-admin', '--admin-token-file', join(dir, 'global-admin-token'),
      '--kds-nats-url', nats.server.url, '--kds-nats-password-file', join(nats.passwordsDir, 'global.password'),
      '--zone-offline-after', options.offlineAfter ?? '4s',
      ...(options.redisUrl !== undefined ? ['--store', 'redis', '--redis-url', options.redisUrl] : []),
    ],
  );
  await proc.waitFor((out) => out.includes('"API listening"'), 30_000);
  return { proc, api: new ApiClient(`http://127.0.0.1:${port}`, null), port };
}

/** Starts `mycel-zone-cp run --mode zone --zone <zone>` against `nats` (heartbeat every 500 ms). */
export async function startZoneCp(nats: MultizoneNats, dir: string, zone: string, options: { port?: number; dpPort?: number } = {}): Promise<CpProcess & { dpPort: number }> {
  const port = options.port ?? (await freePort());
  const dpPort = options.dpPort ?? (await freePort());
  const proc = startNode(
    ZONE_CP,
    [
      'run', '--mode', 'zone', '--zone', zone, '--address', '127.0.0.1', '--port', String(port), '--dp-address', '127.0.0.1', '--dp-port', String(dpPort),
      '--localhost-is-admin', '--admin-token-file', join(dir, `${zone}-admin-token`),
      '--kds-nats-url', nats.server.url, '--kds-nats-password-file', join(nats.passwordsDir, `zone-${zone}.password`),
    ],
    { MYCEL_KDS_HEARTBEAT_INTERVAL: '500ms' },
  );
  await proc.waitFor((out) => out.includes('"API listening"'), 30_000);
  return { proc, api: new ApiClient(`http://127.0.0.1:${port}`, null), port, dpPort };
}

/** Polls `check` every 100 ms until it returns true; fails with `describe()` after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, describe: () => Promise<string> = async () => '', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${await describe().catch((e: unknown) => String(e))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads a file as trimmed text. */
export function readText(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/** Every item of a listing, following `next`. */
export async function listAll<T = Resource>(api: ApiClient, path: string): Promise<T[]> {
  const items: T[] = [];
  for (let url: string | null = `${path}${path.includes('?') ? '&' : '?'}size=1000`; url !== null; ) {
    const page: Page<T> = await api.getJson<Page<T>>(url);
    items.push(...page.items);
    url = page.next;
  }
  return items;
}
