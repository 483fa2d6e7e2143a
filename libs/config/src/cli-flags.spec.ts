import assert from 'node:assert/strict';
import { SETTINGS } from './control-plane-config';
import { CLI_FLAGS, cliFlagsFor, loadServiceConfig } from './cli-flags';

describe('control-plane CLI flags', () => {
  it('map every flag to a known setting, with commander attribute names', () => {
    for (const f of CLI_FLAGS) {
      assert.ok(SETTINGS.some((s) => s.path === f.path), `${f.flag} → unknown setting ${f.path}`);
      const long = /^--([a-z-]+)/.exec(f.flag)?.[1] ?? '';
      assert.equal(f.key, long.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()), f.flag);
    }
  });

  it('give each service its own flags', () => {
    assert.ok(cliFlagsFor('zone-cp').some((f) => f.key === 'dpPort'));
    assert.ok(!cliFlagsFor('global-cp').some((f) => f.key === 'dpPort'));
    assert.ok(cliFlagsFor('global-cp').some((f) => f.key === 'zoneOfflineAfter'));
  });

  it('load flags over env, with the settings a service fixes', () => {
    const c = loadServiceConfig('global-cp', { port: '7001', dpPort: '9' }, { MYCEL_API_SERVER_PORT: '7000', MYCEL_KDS_NATS_URL: 'nats://127.0.0.1:4222' }, { mode: 'global' });
    assert.equal(c.apiServer.port, 7001);
    assert.equal(c.mode, 'global');
    assert.equal(c.dpServer.port, 5678, 'a flag the service does not define is ignored');
  });
});
