import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import { NATS_AUTH_FILES, checkZoneToken, globalTokenModePermissions, initNatsAuth, loadNatsAuthority } from './nats-auth';
import { zoneNatsPermissions } from './nats-config';
import { decodeNatsJwt, formatCreds, parseCreds } from './nats-jwt';
import { ZoneTokenAuthority, ZoneTokenRevocations } from './zone-tokens';
import { violationsOf } from '@mycel/testing';

const T0 = new Date('2026-01-01T00:00:00Z');

describe('nats-init (zone-token auth material)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mycel-nats-auth-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates keys, JWTs, creds and an operator-mode config; secrets are mode 0600', () => {
    const r = initNatsAuth({ dir, port: 4333, host: '127.0.0.1', now: () => T0 });
    assert.match(r.operator, /^O[A-Z2-7]{55}$/);
    assert.match(r.account, /^A[A-Z2-7]{55}$/);
    assert.deepEqual(r.reused, []);
    for (const file of [NATS_AUTH_FILES.operatorSeed, NATS_AUTH_FILES.systemAccountSeed, NATS_AUTH_FILES.accountSeed, NATS_AUTH_FILES.accountSigningSeed, NATS_AUTH_FILES.globalCreds, NATS_AUTH_FILES.systemCreds]) {
      assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
    }
    const conf = readFileSync(r.configPath, 'utf8');
    assert.match(conf, /^operator: "ey/m);
    assert.match(conf, new RegExp(`^system_account: "${r.systemAccount}"$`, 'm'));
    assert.match(conf, /^ {2}type: full$/m);
    assert.match(conf, new RegExp(`^ {2}"${r.account}": "ey`, 'm'));
    assert.match(conf, new RegExp(`store_dir: "${join(dir, 'jetstream')}"`));
    assert.match(conf, /^port: 4333$/m);
    assert.ok(!/\bS[OAU][A-Z2-7]{56}\b/.test(conf), 'no seed in nats.conf');

    const account = decodeNatsJwt(readFileSync(join(dir, NATS_AUTH_FILES.accountJwt), 'utf8').trim()).claims;
    assert.equal(account.iss, r.operator);
    const limits = account.nats['limits'] as Record<string, number>;
    assert.equal(limits['disk_storage'], -1, 'JetStream enabled for the account');
    assert.equal(limits['mem_storage'], -1);
    const global = decodeNatsJwt(parseCreds(readFileSync(join(dir, NATS_AUTH_FILES.globalCreds), 'utf8')).jwt).claims;
    assert.equal(global.name, 'global');
    assert.equal(global.nats['issuer_account'], r.account);
    assert.deepEqual((global.nats['pub'] as { allow: string[] }).allow, globalTokenModePermissions().publish);
    assert.ok(!globalTokenModePermissions().publish.some((s) => s.startsWith('$KV.mycel-zone')), 'global writes no zone bucket');
  });

  it('is idempotent: a second run reuses every key (same account id) and writes the same config', () => {
    const first = initNatsAuth({ dir, now: () => T0 });
    const seeds = readFileSync(join(dir, NATS_AUTH_FILES.accountSigningSeed), 'utf8');
    const conf = readFileSync(first.configPath, 'utf8');
    const globalCreds = readFileSync(join(dir, NATS_AUTH_FILES.globalCreds), 'utf8');
    const second = initNatsAuth({ dir, now: () => new Date(T0.getTime() + 86_400_000) });
    assert.equal(second.account, first.account);
    assert.equal(second.operator, first.operator);
    assert.deepEqual(second.created, [NATS_AUTH_FILES.config]);
    assert.equal(second.reused.length, 9);
    assert.equal(readFileSync(join(dir, NATS_AUTH_FILES.accountSigningSeed), 'utf8'), seeds);
    assert.equal(readFileSync(second.configPath, 'utf8'), conf);
    assert.equal(readFileSync(join(dir, NATS_AUTH_FILES.globalCreds), 'utf8'), globalCreds);
  });

  it('never overwrites a damaged seed, and reports bad options with field paths', () => {
    writeFileSync(join(dir, NATS_AUTH_FILES.operatorSeed), 'garbage\n');
    assert.deepEqual(violationsOf(() => initNatsAuth({ dir })), ['operator.nk: must hold one SO… nkey seed']);
    assert.equal(readFileSync(join(dir, NATS_AUTH_FILES.operatorSeed), 'utf8'), 'garbage\n');
    assert.deepEqual(violationsOf(() => initNatsAuth({ dir: '', port: 0, host: 'a"b' })), [
      'dir: must be a non-empty path without quotes, backslashes or line breaks',
      'port: must be a port number 1..65535, got 0',
      'host: must be non-empty, without quotes, backslashes or line breaks',
    ]);
  });

  describe('zone tokens', () => {
    it("carry exactly the zone's permissions, its inbox prefix and the expiry, signed for the account", () => {
      const r = initNatsAuth({ dir, now: () => T0 });
      const authority = loadNatsAuthority(dir);
      assert.equal(authority.account, r.account);
      const t = authority.issueZoneToken('east', 3_600_500, T0);
      assert.equal(t.expiresAt.toISOString(), '2026-01-01T01:00:00.000Z', 'seconds, rounded down');
      const { claims } = decodeNatsJwt(parseCreds(t.creds).jwt);
      assert.equal(claims.name, 'zone-east');
      assert.equal(claims.sub, t.id);
      assert.equal(claims.exp, T0.getTime() / 1000 + 3600);
      assert.equal(claims.nats['issuer_account'], r.account);
      assert.deepEqual((claims.nats['pub'] as { allow: string[] }).allow, zoneNatsPermissions('east').publish);
      assert.deepEqual((claims.nats['sub'] as { allow: string[] }).allow, ['_INBOX.zone-east.>']);
      const checked = checkZoneToken(t.creds, 'east', T0);
      assert.equal(checked.id, t.id);
      assert.deepEqual(violationsOf(() => authority.issueZoneToken('East_1', 1000, T0)), [
        "zone: must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got 'East_1'",
      ]);
    });

    it('a zone control plane refuses a token for another zone, an expired one, or mixed-up blocks — naming why, never the seed', () => {
      initNatsAuth({ dir, now: () => T0 });
      const authority = loadNatsAuthority(dir);
      const east = authority.issueZoneToken('east', 60_000, T0);
      const west = authority.issueZoneToken('west', 60_000, T0);
      assert.deepEqual(violationsOf(() => checkZoneToken(east.creds, 'west', T0)), ["kds.zoneTokenFile: was issued for zone 'east', but this control plane is zone 'west'"]);
      assert.deepEqual(violationsOf(() => checkZoneToken(east.creds, 'east', new Date(T0.getTime() + 60_000))), [
        'kds.zoneTokenFile: expired at 2026-01-01T00:01:00.000Z; generate a new one (mycelctl generate zone-token --zone east)',
      ]);
      const mixed = formatCreds(parseCreds(east.creds).jwt, parseCreds(west.creds).seed);
      assert.deepEqual(violationsOf(() => checkZoneToken(mixed, 'east', T0)), ['kds.zoneTokenFile: its seed does not belong to its JWT (the two blocks come from different tokens)']);
      const globalCreds = readFileSync(join(dir, NATS_AUTH_FILES.globalCreds), 'utf8');
      assert.deepEqual(violationsOf(() => checkZoneToken(globalCreds, 'east', T0)), ["kds.zoneTokenFile: is not a zone token (its NATS user is 'global', expected 'zone-east')"]);
      assert.deepEqual(violationsOf(() => checkZoneToken('hello', 'east', T0)), [
        'kds.zoneTokenFile: has no NATS USER JWT block (expected a NATS .creds file)',
        'kds.zoneTokenFile: has no USER NKEY SEED block (expected a NATS .creds file)',
      ]);
      const seed = parseCreds(east.creds).seed;
      for (const bad of [mixed, 'hello', east.creds.replace('zone-east', 'zone-west')]) {
        try {
          checkZoneToken(bad, 'west', T0);
        } catch (err) {
          assert.ok(!(err as Error).message.includes(seed));
        }
      }
    });

    it('revocations are stored with their time and pushed in a re-signed account JWT, each push newer than the last', async () => {
      initNatsAuth({ dir, now: () => T0 });
      const authority = loadNatsAuthority(dir);
      const pushed: string[] = [];
      const store = new MemoryStore();
      const tokens = new ZoneTokenAuthority({ authority, revocations: new ZoneTokenRevocations(store), push: (jwt) => Promise.resolve(void pushed.push(jwt)), now: () => T0 });
      const t = tokens.issue('east', 60_000);
      await tokens.revoke(t.id);
      await tokens.revoke(t.id);
      const claims = pushed.map((jwt) => decodeNatsJwt(jwt).claims);
      assert.equal(claims.length, 2);
      assert.equal(claims[0]?.iss, authority.operator);
      assert.equal(claims[0]?.sub, authority.account);
      assert.deepEqual(claims[0]?.nats['revocations'], { [t.id]: T0.getTime() / 1000 });
      assert.ok((claims[1]?.iat ?? 0) > (claims[0]?.iat ?? 0), 'strictly newer, so nats-server takes it');
      assert.deepEqual(await new ZoneTokenRevocations(store).list(), { [t.id]: T0.getTime() / 1000 });
      await assert.rejects(tokens.revoke('not-an-id'), (err: unknown) => err instanceof ValidationError && err.violations[0]?.field === 'id');
    });
  });
});
