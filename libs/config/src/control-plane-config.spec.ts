import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, natsPassword, natsServers } from './control-plane-config';
import { violationsOf } from '@mycel/testing';

describe('loadConfig', () => {
  it('gives the embedded defaults with no sources', () => {
    const c = loadConfig({});
    assert.equal(c.mode, 'standalone');
    assert.equal(c.store.type, 'memory');
    assert.equal(c.apiServer.port, 5681);
    assert.equal(c.apiServer.localhostIsAdmin, false);
    assert.deepEqual(c.dpServer, { address: '0.0.0.0', port: 5678, advertisedAddress: '127.0.0.1' });
    assert.equal(c.xds.debounce, '10ms');
  });

  it('reads the dataplane server and xDS settings, allowing a zero debounce but not a long one', () => {
    const c = loadConfig({
      env: { MYCEL_DP_SERVER_ADDRESS: '127.0.0.1', MYCEL_DP_SERVER_ADVERTISED_ADDRESS: 'cp.example.com', MYCEL_XDS_DEBOUNCE: '0ms' },
      flags: { 'dpServer.port': '15678' },
    });
    assert.deepEqual(c.dpServer, { address: '127.0.0.1', port: 15678, advertisedAddress: 'cp.example.com' });
    assert.equal(c.xds.debounce, '0ms');
    assert.deepEqual(violationsOf(() => loadConfig({ env: { MYCEL_XDS_DEBOUNCE: '1m', MYCEL_DP_SERVER_PORT: '0' } })), [
      'env MYCEL_DP_SERVER_PORT: must be between 1 and 65535, got 0',
      'env MYCEL_XDS_DEBOUNCE: must be between 0ms and 10000ms, got 60000ms',
    ]);
  });

  it('layers file < env < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mycel-config-'));
    const file = join(dir, 'cp.yaml');
    writeFileSync(file, 'apiServer:\n  port: 7000\n  address: 127.0.0.1\nstore:\n  type: redis\n');
    const c = loadConfig({ file, env: { MYCEL_API_SERVER_PORT: '7001' }, flags: { 'apiServer.port': 7002 } });
    assert.equal(c.apiServer.port, 7002);
    assert.equal(c.apiServer.address, '127.0.0.1');
    assert.equal(c.store.type, 'redis');
    assert.equal(loadConfig({ file, env: { MYCEL_API_SERVER_PORT: '7001' } }).apiServer.port, 7001);
  });

  it('reports every problem with its source', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mycel-config-'));
    const file = join(dir, 'cp.yaml');
    writeFileSync(file, 'apiServer:\n  port: 70000\n  colour: blue\nstore:\n  type: etcd\n');
    assert.deepEqual(violationsOf(() => loadConfig({ file, env: { MYCEL_STORE_REDIS_URL: 'http://x', MYCEL_NOPE: '1' }, flags: { 'apiServer.localhostIsAdmin': 'maybe' } })), [
      'file apiServer.port: must be between 1 and 65535, got 70000',
      'file apiServer.colour: unknown setting',
      'file store.type: must be one of memory, redis, got "etcd"',
      'env MYCEL_STORE_REDIS_URL: scheme must be one of redis:, rediss:, got http:',
      `env MYCEL_NOPE: unknown setting; known: ${[
        'MYCEL_MODE', 'MYCEL_ZONE', 'MYCEL_LOG_LEVEL', 'MYCEL_API_SERVER_ADDRESS', 'MYCEL_API_SERVER_PORT',
        'MYCEL_API_SERVER_MAX_BODY_BYTES', 'MYCEL_API_SERVER_LOCALHOST_IS_ADMIN', 'MYCEL_STORE_TYPE', 'MYCEL_STORE_REDIS_URL',
        'MYCEL_STORE_REDIS_CONNECT_TIMEOUT', 'MYCEL_AUTH_ADMIN_TOKEN_FILE', 'MYCEL_AUTH_ADMIN_TOKEN_VALID_FOR', 'MYCEL_DEFAULTS_SKIP_MESH_CREATION',
        'MYCEL_DP_SERVER_ADDRESS', 'MYCEL_DP_SERVER_PORT', 'MYCEL_DP_SERVER_ADVERTISED_ADDRESS', 'MYCEL_XDS_DEBOUNCE',
        'MYCEL_KDS_NATS_URL', 'MYCEL_KDS_NATS_USER', 'MYCEL_KDS_NATS_PASSWORD', 'MYCEL_KDS_NATS_PASSWORD_FILE',
        'MYCEL_KDS_HEARTBEAT_INTERVAL', 'MYCEL_KDS_INSIGHT_PUBLISH_INTERVAL', 'MYCEL_KDS_ZONE_OFFLINE_AFTER', 'MYCEL_KDS_REPLICAS', 'MYCEL_KDS_AUTH_DIR', 'MYCEL_KDS_ZONE_TOKEN_FILE',
      ].join(', ')}`,
      'flag apiServer.localhostIsAdmin: must be true or false, got "maybe"',
    ]);
  });

  it('rejects an unreadable file and a zone mode without zone', () => {
    assert.match(violationsOf(() => loadConfig({ file: '/nonexistent/cp.yaml' }))[0] ?? '', /^file: ENOENT/);
    assert.deepEqual(violationsOf(() => loadConfig({ flags: { mode: 'zone' } })), [
      'zone: is required in zone mode',
      'kds.natsUrl: is required in zone mode (MYCEL_KDS_NATS_URL or --kds-nats-url)',
    ]);
    assert.deepEqual(violationsOf(() => loadConfig({ flags: { mode: 'global' } })), [
      'kds.natsUrl: is required in global mode (MYCEL_KDS_NATS_URL or --kds-nats-url)',
    ]);
  });

  it('reads the KDS settings of zone and global mode', () => {
    assert.deepEqual(loadConfig({}).kds, {
      natsUrl: '', natsUser: '', natsPassword: '', natsPasswordFile: '', heartbeatInterval: '10s', insightPublishInterval: '5s', zoneOfflineAfter: '30s', replicas: 1, authDir: '', zoneTokenFile: '',
    });
    const dir = mkdtempSync(join(tmpdir(), 'mycel-config-'));
    const passwordFile = join(dir, 'nats-password');
    writeFileSync(passwordFile, 's3cret\n');
    const c = loadConfig({
      env: { MYCEL_KDS_NATS_URL: 'nats://a:4222, nats://b:4222', MYCEL_KDS_NATS_PASSWORD: 'ignored', MYCEL_KDS_HEARTBEAT_INTERVAL: '2s' },
      flags: { mode: 'zone', zone: 'east', 'kds.natsPasswordFile': passwordFile },
    });
    assert.deepEqual(natsServers(c), ['nats://a:4222', 'nats://b:4222']);
    assert.equal(natsPassword(c), 's3cret', 'the file wins over the plain setting, without its newline');
    assert.equal(c.kds.heartbeatInterval, '2s');
    assert.equal(loadConfig({ env: { MYCEL_KDS_INSIGHT_PUBLISH_INTERVAL: '0s' } }).kds.insightPublishInterval, '0s');
    assert.deepEqual(violationsOf(() => loadConfig({ env: { MYCEL_KDS_INSIGHT_PUBLISH_INTERVAL: '20m' } })), [
      'env MYCEL_KDS_INSIGHT_PUBLISH_INTERVAL: must be between 0ms and 600000ms, got 1200000ms',
    ]);
    assert.equal(natsPassword(loadConfig({ env: { MYCEL_KDS_NATS_PASSWORD: 'p' } })), 'p');
    assert.equal(natsPassword(loadConfig({})), undefined);
    assert.deepEqual(violationsOf(() => loadConfig({ env: { MYCEL_KDS_NATS_URL: 'nats://a:4222,http://b', MYCEL_KDS_REPLICAS: '7' } })), [
      'env MYCEL_KDS_NATS_URL: scheme must be one of nats:, tls:, got http:',
      'env MYCEL_KDS_REPLICAS: must be between 1 and 5, got 7',
    ]);
  });

  it('reads the zone-token settings and refuses them in the wrong mode or next to a password', () => {
    const url = { MYCEL_KDS_NATS_URL: 'nats://a:4222' };
    assert.equal(loadConfig({ env: { ...url, MYCEL_KDS_AUTH_DIR: '/etc/mycel/nats' }, flags: { mode: 'global' } }).kds.authDir, '/etc/mycel/nats');
    assert.equal(loadConfig({ env: url, flags: { mode: 'zone', zone: 'east', 'kds.zoneTokenFile': '/z.creds' } }).kds.zoneTokenFile, '/z.creds');
    assert.deepEqual(violationsOf(() => loadConfig({ env: { ...url, MYCEL_KDS_AUTH_DIR: '/d' }, flags: { mode: 'zone', zone: 'east' } })), [
      'kds.authDir: is a global control plane setting (zone-token mode); this one runs in zone mode',
    ]);
    assert.deepEqual(violationsOf(() => loadConfig({ env: { ...url, MYCEL_KDS_ZONE_TOKEN_FILE: '/z.creds', MYCEL_KDS_NATS_PASSWORD: 'p' }, flags: { mode: 'zone', zone: 'east' } })), [
      'kds.zoneTokenFile: zone-token mode authenticates with NATS creds: do not also set kds.natsPassword or kds.natsPasswordFile',
    ]);
    assert.deepEqual(violationsOf(() => loadConfig({ flags: { 'kds.zoneTokenFile': '/z.creds' } })), ['kds.zoneTokenFile: is a zone setting; this control plane runs in standalone mode']);
  });
});
