import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@mycel/core';
import {
  generateNatsServerConfig,
  globalNatsPermissions,
  inboxPrefixOf,
  renderNatsServerConfig,
  zoneNatsPermissions,
  zoneNatsUser,
  type NatsServerConfigOptions,
} from './nats-config';

const options: NatsServerConfigOptions = {
  zones: [
    { name: 'west', password: 'west-password' },
    { name: 'east', password: 'east-"pass\\word' },
  ],
  global: { password: 'global-password' },
  jetstreamDir: '/var/lib/nats',
  port: 4333,
};

describe('nats-config', () => {
  it('lets a zone write only its own bucket and read mycel-global', () => {
    const p = zoneNatsPermissions('east');
    assert.ok(p.publish.includes('$KV.mycel-zone-east.>'));
    assert.ok(p.publish.includes('$JS.API.STREAM.CREATE.KV_mycel-zone-east'));
    assert.ok(p.publish.includes('$JS.API.CONSUMER.CREATE.KV_mycel-global.>'));
    assert.ok(p.publish.includes('$JS.API.CONSUMER.MSG.NEXT.KV_mycel-global.>'));
    assert.ok(p.publish.includes('$JS.API.DIRECT.GET.KV_mycel-global.>'));
    assert.ok(!p.publish.some((s) => s.startsWith('$KV.mycel-global')), 'no writes to mycel-global');
    assert.ok(!p.publish.some((s) => s.includes('KV_mycel-global') && /STREAM\.(CREATE|PURGE|DELETE|UPDATE)/.test(s)), 'no stream changes of mycel-global');
    assert.ok(!p.publish.some((s) => s.includes('west')), 'nothing of another zone');
    assert.ok(!p.publish.some((s) => s === '>' || s === '$JS.API.>' || s.endsWith('.*')), 'no broad wildcards');
    assert.deepEqual(p.subscribe, [`${inboxPrefixOf(zoneNatsUser('east'))}.>`]);
    assert.deepEqual(p.subscribe, ['_INBOX.zone-east.>']);
  });

  it('lets global write mycel-global, read each listed zone and list stream names', () => {
    const p = globalNatsPermissions(['east', 'west']);
    assert.ok(p.publish.includes('$KV.mycel-global.>'));
    assert.ok(p.publish.includes('$JS.API.STREAM.PURGE.KV_mycel-global'));
    assert.ok(p.publish.includes('$JS.API.STREAM.NAMES'));
    for (const zone of ['east', 'west']) {
      assert.ok(p.publish.includes(`$JS.API.CONSUMER.CREATE.KV_mycel-zone-${zone}.>`));
      assert.ok(!p.publish.includes(`$KV.mycel-zone-${zone}.>`), 'global never writes a zone bucket');
    }
    assert.deepEqual(p.subscribe, ['_INBOX.global.>']);
  });

  it('renders one account with a user per control plane, deterministically', () => {
    const text = renderNatsServerConfig(options);
    assert.equal(renderNatsServerConfig({ ...options, zones: [...options.zones].reverse() }), text);
    assert.match(text, /^port: 4333$/m);
    assert.match(text, /store_dir: "\/var\/lib\/nats"/);
    assert.match(text, /^ {4}jetstream: enabled$/m);
    assert.deepEqual([...text.matchAll(/user: "([^"]+)"/g)].map((m) => m[1]), ['global', 'zone-east', 'zone-west']);
    assert.ok(text.includes('password: "east-\\"pass\\\\word"'), 'passwords are quoted and escaped');
    assert.ok(text.indexOf('"$KV.mycel-zone-east.>"') > text.indexOf('user: "zone-east"'));
  });

  it('reports every bad option with its field', () => {
    const bad = { ...options, zones: [{ name: 'East', password: 'short' }, { name: 'west', password: 'x\ny-long-enough' }, { name: 'west', password: 'west-password' }], port: 70000 };
    assert.throws(
      () => renderNatsServerConfig(bad),
      (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.deepEqual(
          err.violations.map((v) => v.field),
          ['zones[0].name', 'zones[0].password', 'zones[1].password', 'zones[2].name', 'port'],
        );
        return true;
      },
    );
  });

  it('writes the file readable by its owner only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mycel-nats-config-'));
    try {
      const path = join(dir, 'nats.conf');
      const text = await generateNatsServerConfig({ ...options, path });
      assert.equal(await readFile(path, 'utf8'), text);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
