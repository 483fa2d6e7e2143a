import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GLOBAL_BUCKET, KdsPermissionError, NATS_AUTH_FILES, connectNats, loadNatsAuthority, parseCreds, toKdsError, zoneBucket } from '@mycel/kds';
import type { KdsNats } from '@mycel/kds';
import { freePort, startNatsServer } from '@mycel/testing';
import type { NatsServer } from '@mycel/testing';
import { ApiClient, expectProblem, expectStatus } from './support/http';
import type { Resource } from './support/http';
import { GLOBAL_CP, ZONE_CP, eventually, listAll } from './support/multizone';
import { runMycelctl } from './support/mycelctl';
import type { CliResult } from './support/mycelctl';
import { startNode } from './support/process';
import type { RunningProcess } from './support/process';
import { meshBody } from './support/resources';

// Zone tokens end to end, every part real: nats-server in operator mode configured by
// `mycel-global-cp nats-init`, global-cp with --kds-auth-dir, tokens issued by `mycelctl generate
// zone-token`, zone-cps connecting with them. nats-server enforces signature, permissions, expiry
// and revocation; nothing in NATS is reconfigured when a zone is added.

const MESH = 'zt';

function timeoutPolicy(name: string) {
  return { type: 'MeshTimeout', mesh: MESH, name, labels: {}, spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '7s' } } }] } };
}

interface ZoneView {
  name: string;
  status?: { online: boolean };
}

describe('zone tokens: nats-init + operator-mode nats-server + global-cp --kds-auth-dir + mycelctl + zone-cps', function () {
  this.timeout(120_000);
  let dir: string;
  let authDir: string;
  let home: string;
  let nats: NatsServer;
  let global: { proc: RunningProcess; api: ApiClient };
  const procs: RunningProcess[] = [];
  const connections: KdsNats[] = [];

  const cli = (args: readonly string[]): Promise<CliResult> => runMycelctl(args, { home });
  const expectOk = (res: CliResult, what: string): void => assert.equal(res.code, 0, `${what}: exit ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);

  /** `mycelctl generate zone-token` into `<dir>/<file>`; returns the path and the token id it reported. */
  async function generate(zone: string, file: string, validFor?: string): Promise<{ path: string; id: string }> {
    const path = join(dir, file);
    const res = await cli(['generate', 'zone-token', '--zone', zone, '-o', path, ...(validFor !== undefined ? ['--valid-for', validFor] : [])]);
    expectOk(res, `generate zone-token ${zone}`);
    assert.equal(res.stdout, '', 'with -o nothing goes to stdout');
    const id = /^zone token (U[A-Z2-7]{55}) for zone /.exec(res.stderr)?.[1];
    assert.ok(id !== undefined, res.stderr);
    return { path, id };
  }

  async function startZone(zone: string, tokenFile: string): Promise<{ proc: RunningProcess; api: ApiClient }> {
    const port = await freePort();
    const proc = startNode(
      ZONE_CP,
      [
        'run', '--mode', 'zone', '--zone', zone, '--address', '127.0.0.1', '--port', String(port), '--dp-address', '127.0.0.1', '--dp-port', String(await freePort()),
        '--localhost-is-admin', '--admin-token-file', join(dir, `${zone}-admin-token`), '--kds-nats-url', nats.url, '--kds-zone-token-file', tokenFile,
      ],
      { MYCEL_KDS_HEARTBEAT_INTERVAL: '500ms' },
    );
    procs.push(proc);
    await proc.waitFor((out) => out.includes('"API listening"'), 30_000);
    return { proc, api: new ApiClient(`http://127.0.0.1:${port}`, null) };
  }

  async function connectWith(creds: string, name: string): Promise<KdsNats> {
    const nc = await connectNats({ servers: nats.url, creds, name, requestTimeoutMs: 3000 });
    connections.push(nc);
    return nc;
  }

  async function zoneOnline(zone: string): Promise<boolean | undefined> {
    const res = await global.api.get(`/zones/${zone}`);
    return res.status === 200 ? (res.json as ZoneView).status?.online : undefined;
  }

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'mycel-zt-'));
    authDir = join(dir, 'auth');
    home = join(dir, 'home');
    mkdirSync(home);
    nats = await startNatsServer({
      config: ({ port, jetstreamDir }) => {
        execFileSync(process.execPath, [GLOBAL_CP, 'nats-init', '--dir', authDir, '--port', String(port), '--host', '127.0.0.1', '--jetstream-dir', jetstreamDir], { encoding: 'utf8' });
        return readFileSync(join(authDir, NATS_AUTH_FILES.config), 'utf8');
      },
    });
    const port = await freePort();
    const proc = startNode(GLOBAL_CP, [
      'run', '--address', '127.0.0.1', '--port', String(port), '--admin-token-file', join(dir, 'global-admin-token'),
      '--kds-nats-url', nats.url, '--kds-auth-dir', authDir, '--zone-offline-after', '3s',
    ]);
    procs.push(proc);
    await proc.waitFor((out) => out.includes('"API listening"') && out.includes('pushed the account JWT'), 30_000);
    const adminToken = readFileSync(join(dir, 'global-admin-token'), 'utf8').trim();
    global = { proc, api: new ApiClient(`http://127.0.0.1:${port}`, adminToken) };
    expectOk(await cli(['config', 'control-planes', 'add', '--name', 'global', '--address', global.api.baseUrl, '--auth-token-file', join(dir, 'global-admin-token')]), 'add global');
    expectStatus(await global.api.put(`/meshes/${MESH}`, meshBody(MESH)), 201);
  });

  after(async function () {
    for (const nc of connections) await nc.close().catch(() => undefined);
    for (const proc of procs) await proc.kill();
    await nats?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('nats-init is idempotent: a second run keeps every key and the account id', () => {
    const before = readFileSync(join(authDir, NATS_AUTH_FILES.accountSigningSeed), 'utf8');
    const accountJwt = readFileSync(join(authDir, NATS_AUTH_FILES.accountJwt), 'utf8');
    const out = execFileSync(process.execPath, [GLOBAL_CP, 'nats-init', '--dir', authDir, '--port', String(nats.port), '--host', '127.0.0.1', '--jetstream-dir', join(nats.dir, 'jetstream')], { encoding: 'utf8' });
    assert.match(out, /created: nats\.conf\n/);
    assert.ok(!/\bS[OAU][A-Z2-7]{56}\b/.test(out), 'no seed printed');
    assert.equal(readFileSync(join(authDir, NATS_AUTH_FILES.accountSigningSeed), 'utf8'), before);
    assert.equal(readFileSync(join(authDir, NATS_AUTH_FILES.accountJwt), 'utf8'), accountJwt);
    assert.equal(statSync(join(authDir, NATS_AUTH_FILES.operatorSeed)).mode & 0o777, 0o600);
  });

  it('a zone started with a token from mycelctl syncs both ways, exactly as in password mode', async () => {
    const east = await generate('east', 'east.creds');
    assert.equal(statSync(east.path).mode & 0o777, 0o600);
    const zone = await startZone('east', east.path);
    assert.match(zone.proc.output(), new RegExp(`"tokenId":"${east.id}"`));
    expectStatus(await global.api.put(`/meshes/${MESH}/meshtimeouts/t1`, timeoutPolicy('t1')), 201);
    await eventually('t1 in east', async () => (await zone.api.get(`/meshes/${MESH}/meshtimeouts/t1`)).status === 200);
    const copy = (await zone.api.get(`/meshes/${MESH}/meshtimeouts/t1`)).json as Resource;
    assert.deepEqual(copy.labels, { 'mycel.io/origin': 'global' });
    assert.deepEqual(copy.spec, timeoutPolicy('t1').spec);
    // Zone → global: global reads the new zone's bucket with no change to NATS or global.
    await eventually('east online at global', async () => (await zoneOnline('east')) === true);
    expectStatus(await zone.api.put(`/meshes/${MESH}/meshtimeouts/z1`, timeoutPolicy('z1')), 201);
    await eventually('z1 from east at global', async () => (await listAll(global.api, `/meshes/${MESH}/meshtimeouts?filter[labels.mycel.io/zone]=east`)).length === 1);
    assert.ok(!readFileSync(join(nats.dir, 'nats.log'), 'utf8').includes('Permissions Violation'), 'the token permissions cover everything KDS does');
    assert.ok(!zone.proc.output().includes(parseCreds(readFileSync(east.path, 'utf8')).seed), 'the seed is never logged');
  });

  it("a token for east can neither write nor read west's bucket, nor write mycel-global (NATS permission errors)", async () => {
    const west = await connectWith(readFileSync((await generate('west', 'west-rw.creds')).path, 'utf8'), 'west');
    const westKv = await west.kvm.create(zoneBucket('west'), { history: 1 });
    await westKv.put('Mesh._.w', '{}');
    const east = await connectWith(readFileSync((await generate('east', 'east-rw.creds')).path, 'utf8'), 'east');
    for (const [bucket, subject] of [
      [zoneBucket('west'), `$KV.${zoneBucket('west')}.Mesh._.evil`],
      [GLOBAL_BUCKET, `$KV.${GLOBAL_BUCKET}.Mesh._.evil`],
    ] as const) {
      const kv = await east.kvm.open(bucket);
      await assert.rejects(
        kv.put('Mesh._.evil', '{}').catch((err: unknown) => Promise.reject(toKdsError(err))),
        (err: unknown) => err instanceof KdsPermissionError && err.operation === 'publish' && err.subject === subject,
      );
    }
    const westFromEast = await east.kvm.open(zoneBucket('west'));
    await assert.rejects(
      westFromEast.get('Mesh._.w').catch((err: unknown) => Promise.reject(toKdsError(err))),
      (err: unknown) => err instanceof KdsPermissionError && err.subject.includes(`KV_${zoneBucket('west')}`),
    );
  });

  it('nats-server refuses an expired token, and so does zone-cp at startup (exit 2)', async () => {
    const short = await generate('east', 'east-short.creds', '2s');
    const creds = readFileSync(short.path, 'utf8');
    // `exp` has second resolution and nats-server refuses only once its clock's second is past it: up to 3 s after issue.
    await new Promise((r) => setTimeout(r, 3200));
    await assert.rejects(connectNats({ servers: nats.url, creds, name: 'expired' }), /Authentication Expired|Authorization Violation/);
    const proc = startNode(ZONE_CP, ['run', '--mode', 'zone', '--zone', 'east', '--port', String(await freePort()), '--kds-nats-url', nats.url, '--kds-zone-token-file', short.path]);
    procs.push(proc);
    assert.equal((await proc.exited).code, 2);
    assert.match(proc.output(), /^mycel-zone-cp: zone token .*east-short\.creds: invalid zone token: expired at .*; generate a new one \(mycelctl generate zone-token --zone east\)\n$/);
  });

  it('nats-server refuses a token signed by another operator and account', async () => {
    const otherDir = join(dir, 'other-auth');
    execFileSync(process.execPath, [GLOBAL_CP, 'nats-init', '--dir', otherDir], { encoding: 'utf8' });
    const forged = loadNatsAuthority(otherDir).issueZoneToken('east', 3_600_000, new Date());
    await assert.rejects(connectNats({ servers: nats.url, creds: forged.creds, name: 'forged' }), /Authorization Violation/);
  });

  it('zone-cp refuses a token issued for another zone: exit 2, a precise message, no seed', async () => {
    const west = await generate('west', 'west.creds');
    const proc = startNode(ZONE_CP, ['run', '--mode', 'zone', '--zone', 'east', '--port', String(await freePort()), '--kds-nats-url', nats.url, '--kds-zone-token-file', west.path]);
    procs.push(proc);
    assert.equal((await proc.exited).code, 2);
    assert.match(proc.output(), /^mycel-zone-cp: zone token .*west\.creds: invalid zone token: was issued for zone 'west', but this control plane is zone 'east'\n$/);
    assert.ok(!proc.output().includes(parseCreds(readFileSync(west.path, 'utf8')).seed));
  });

  it('revocation cuts the zone off at once and refuses it afterwards', async () => {
    const token = await generate('north', 'north.creds');
    const zone = await startZone('north', token.path);
    await eventually('north online at global', async () => (await zoneOnline('north')) === true);
    const revoked = await cli(['revoke', 'zone-token', token.id]);
    expectOk(revoked, 'revoke');
    assert.equal(revoked.stdout, `zone token ${token.id} revoked\n`);
    await zone.proc.waitFor((out) => out.includes('User Authentication Revoked'), 15_000);
    await eventually('north offline at global', async () => (await zoneOnline('north')) === false);
    await assert.rejects(connectNats({ servers: nats.url, creds: readFileSync(token.path, 'utf8'), name: 'revoked' }), /Authorization Violation|Revoked/);
    const list = await global.api.get('/global-secrets/zone-token-revocations');
    expectStatus(list, 200, 'the revocation is recorded in global store');
    // Other zones are unaffected.
    assert.equal(await zoneOnline('east'), true);
  });

  it('answers problems: a viewer gets 403, a bad body 400 with field paths, a bad id a usage error', async () => {
    const viewer = await global.api.post('/tokens/user', { name: 'v', role: 'viewer' });
    expectStatus(viewer, 200);
    const asViewer = global.api.as((viewer.json as { token: string }).token);
    expectProblem(await asViewer.post('/tokens/zone', { zone: 'east' }), 403);
    expectProblem(await asViewer.post('/tokens/zone/revocations', { id: `U${'A'.repeat(55)}` }), 403);
    const bad = expectProblem(await global.api.post('/tokens/zone', { zone: 'East_1', validFor: '100000h' }), 400, ['zone', 'validFor']);
    assert.match(bad.detail, /^invalid zone token request: /);
    const printed = await cli(['generate', 'zone-token', '--zone', 'south', '--valid-for', '1h']);
    expectOk(printed, 'generate to stdout');
    assert.match(printed.stdout, /^-----BEGIN NATS USER JWT-----\n[\w-]+\.[\w-]+\.[\w-]+\n------END NATS USER JWT------\n[\s\S]*-----BEGIN USER NKEY SEED-----\nSU[A-Z2-7]{56}\n/);
    assert.match(printed.stderr, /^zone token U[A-Z2-7]{55} for zone south, expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    const usage = await cli(['revoke', 'zone-token', 'nope']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /zone token id/);
  });
});
