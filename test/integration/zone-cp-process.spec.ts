import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer } from '@mycel/testing';
import type { RedisServer } from '@mycel/testing';
import { serviceMain, startNode } from './support/process';
import type { RunningProcess } from './support/process';

const ZONE_CP = serviceMain('zone-cp');

async function startZoneCp(args: string[], env: Record<string, string> = {}): Promise<{ proc: RunningProcess; base: string }> {
  const port = await freePort();
  const proc = startNode(ZONE_CP, ['run', '--address', '127.0.0.1', '--port', String(port), '--dp-port', String(await freePort()), ...args], env);
  await proc.waitFor((out) => out.includes('"API listening"'));
  return { proc, base: `http://127.0.0.1:${port}` };
}

describe('zone-cp as a process (standalone)', function () {
  this.timeout(60_000);
  let dir: string;
  const procs: RunningProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mycel-zone-cp-'));
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts on embedded defaults, writes the admin token file without logging it, and stops cleanly on SIGTERM', async () => {
    const tokenFile = join(dir, 'admin-token');
    const { proc, base } = await startZoneCp(['--admin-token-file', tokenFile]);
    procs.push(proc);

    const token = readFileSync(tokenFile, 'utf8').trim();
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    assert.ok(proc.output().includes(tokenFile), 'the log names the token file');
    assert.ok(!proc.output().includes(token), 'the log never contains the token');

    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.equal((await fetch(`${base}/meshes/default`)).status, 401, 'localhost is not admin unless asked');
    const mesh = await fetch(`${base}/meshes/default`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(mesh.status, 200);
    assert.equal(((await mesh.json()) as { name: string }).name, 'default');

    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.match(proc.output(), /"stopped"/);
  });

  it('admits loopback callers as admin with --localhost-is-admin', async () => {
    const { proc, base } = await startZoneCp(['--admin-token-file', join(dir, 't'), '--localhost-is-admin']);
    procs.push(proc);
    const res = await fetch(`${base}/meshes`);
    assert.equal(res.status, 200);
    assert.match(proc.output(), /localhost-is-admin is on/);
  });

  for (const [what, args, env, message] of [
    ['a bad port', ['--port', '70000'], {}, /flag apiServer\.port: must be between 1 and 65535, got 70000/],
    ['an unknown store type', ['--store', 'etcd'], {}, /flag store\.type: must be one of memory, redis, got "etcd"/],
    ['a bad env value', [], { MYCEL_API_SERVER_PORT: 'http' }, /env MYCEL_API_SERVER_PORT: must be an integer, got "http"/],
    ['a missing config file', ['--config', '/nonexistent/cp.yaml'], {}, /cannot read config file \/nonexistent\/cp\.yaml/],
  ] as const) {
    it(`exits 2 with the reason for ${what}`, async () => {
      const proc = startNode(ZONE_CP, ['run', '--admin-token-file', join(dir, 't'), ...args], { ...env });
      procs.push(proc);
      const exit = await proc.exited;
      assert.equal(exit.code, 2, proc.output());
      assert.match(proc.output(), message);
    });
  }

  it('exits 1 with the reason when Redis is unreachable', async () => {
    const port = await freePort();
    const proc = startNode(ZONE_CP, [
      'run', '--port', String(await freePort()), '--dp-port', String(await freePort()), '--admin-token-file', join(dir, 't'),
      '--store', 'redis', '--redis-url', `redis://127.0.0.1:${port}`,
    ], { MYCEL_STORE_REDIS_CONNECT_TIMEOUT: '1s' });
    procs.push(proc);
    const exit = await proc.exited;
    assert.equal(exit.code, 1, proc.output());
    assert.match(proc.output(), /cannot start: .*127\.0\.0\.1:\d+/);
  });

  it('exits 1 when the API port is taken', async () => {
    const { proc: first, base } = await startZoneCp(['--admin-token-file', join(dir, 't1')]);
    procs.push(first);
    const port = new URL(base).port;
    const second = startNode(ZONE_CP, ['run', '--address', '127.0.0.1', '--port', port, '--dp-port', String(await freePort()), '--admin-token-file', join(dir, 't2')]);
    procs.push(second);
    const exit = await second.exited;
    assert.equal(exit.code, 1, second.output());
    assert.match(second.output(), /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  });

  describe('with --store redis', () => {
    let redis: RedisServer;
    before(async () => {
      redis = await startRedisServer();
    });
    after(async () => {
      await redis.stop();
    });

    it('keeps resources, the signing key and the admin token across restarts', async () => {
      const tokenFile = join(dir, 'admin-token');
      const args = ['--admin-token-file', tokenFile, '--store', 'redis', '--redis-url', redis.url];
      const first = await startZoneCp(args);
      procs.push(first.proc);
      const token = readFileSync(tokenFile, 'utf8').trim();
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const put = await fetch(`${first.base}/meshes/kept`, { method: 'PUT', headers: auth, body: JSON.stringify({ labels: { a: 'b' } }) });
      assert.equal(put.status, 201);
      first.proc.child.kill('SIGTERM');
      assert.equal((await first.proc.exited).code, 0);

      const second = await startZoneCp(args);
      procs.push(second.proc);
      assert.equal(readFileSync(tokenFile, 'utf8').trim(), token, 'a valid admin token is kept');
      assert.match(second.proc.output(), /admin token file is valid/);
      const got = await fetch(`${second.base}/meshes/kept`, { headers: auth });
      assert.equal(got.status, 200);
      assert.deepEqual(((await got.json()) as { labels: unknown }).labels, { a: 'b' });
    });
  });
});
