import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderControlPlanes } from './commands/config.command';
import {
  ConfigFile,
  DEFAULT_CONFIG,
  addControlPlane,
  currentControlPlane,
  defaultConfigPath,
  parseConfig,
  redactConfig,
  removeControlPlane,
  serializeConfig,
  useControlPlane,
} from './config-file';
import type { CliConfig } from './config-file';
import { UsageError } from './errors';
import { assertGolden } from './golden-file.test-helper';

describe('config file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mycelctl-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const staging = { name: 'staging', address: 'https://cp.staging.example:5682', authTokenFile: '/home/me/.mycel/staging-token', caCertFile: '/etc/mycel/ca.pem' };
  const prod = { name: 'prod', address: 'https://cp.example', authToken: 'eyJ.secret.token', skipVerify: true };

  it('lives in ~/.mycel/config.yaml', () => {
    assert.equal(defaultConfigPath('/home/me'), '/home/me/.mycel/config.yaml');
  });

  it('reads as the local default while the file does not exist', () => {
    const file = new ConfigFile(join(dir, 'none', 'config.yaml'));
    assert.equal(file.exists(), false);
    assert.deepEqual(file.load(), DEFAULT_CONFIG);
    assert.deepEqual(currentControlPlane(file.load()), { name: 'local', address: 'http://localhost:5681' });
  });

  it('saves atomically with mode 0600 in a 0700 directory, and loads what it saved', () => {
    const file = new ConfigFile(join(dir, '.mycel', 'config.yaml'));
    const config = addControlPlane(addControlPlane(DEFAULT_CONFIG, staging, false), prod, false);
    file.save(config);
    assert.equal(statSync(file.path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, '.mycel')).mode & 0o777, 0o700);
    assert.deepEqual(file.load(), config);
    assert.equal(config.currentControlPlane, 'prod', 'the added control plane becomes the active one');
    assertGolden('config-file', readFileSync(file.path, 'utf8'));
  });

  it('adds, refuses duplicates unless overwriting, switches and removes', () => {
    let config: CliConfig = addControlPlane(DEFAULT_CONFIG, staging, false);
    assert.throws(() => addControlPlane(config, { ...staging, address: 'https://x' }, false), /control plane "staging" already exists; pass --overwrite/);
    config = addControlPlane(config, { name: 'staging', address: 'http://other:5681' }, true);
    assert.equal(config.controlPlanes.find((c) => c.name === 'staging')?.address, 'http://other:5681');
    assert.deepEqual(config.controlPlanes.map((c) => c.name), ['local', 'staging'], 'overwriting keeps the position');
    config = useControlPlane(config, 'local');
    assert.equal(currentControlPlane(config).name, 'local');
    assert.throws(() => useControlPlane(config, 'nope'), /no control plane named "nope"; configured: local, staging/);
    config = removeControlPlane(config, 'staging');
    assert.equal(config.currentControlPlane, 'local');
    config = removeControlPlane(config, 'local');
    assert.deepEqual(config, { controlPlanes: [] });
    assert.throws(() => currentControlPlane(config), /no control plane is configured; add one with/);
    assert.throws(() => currentControlPlane({ controlPlanes: [staging] }), /no control plane is active; pick one with .* \(configured: staging\)/);
  });

  it('rejects invalid entries with the field of each problem', () => {
    assert.throws(
      () => addControlPlane(DEFAULT_CONFIG, { name: 'Bad Name', address: 'ftp://x', caCertFile: '/ca.pem' }, false),
      (err: unknown) =>
        err instanceof UsageError &&
        /name: /.test(err.message) &&
        /address: must be an http:\/\/ or https:\/\/ URL, got 'ftp:\/\/x'/.test(err.message) &&
        /caCertFile: applies to https:\/\/ addresses only/.test(err.message),
    );
  });

  it('names every problem of a hand-edited file with its field path', () => {
    const text = 'currentControlPlane: ghost\ncontrolPlanes:\n  - name: a\n    address: http://a\n    authToken: t\n    authTokenFile: /f\n  - name: a\n    address: 5\n    colour: blue\n';
    assert.throws(
      () => parseConfig(text, '/x/config.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.equal(
          err.message,
          [
            'config file /x/config.yaml is invalid:',
            '  controlPlanes[0].authTokenFile: must be absent when authToken is set (use one of them)',
            '  controlPlanes[1].colour: unknown field',
            '  controlPlanes[1].address: must be a string, got number',
            "  currentControlPlane: names no control plane in controlPlanes: 'ghost'",
          ].join('\n'),
        );
        return true;
      },
    );
    assert.throws(() => parseConfig('a: [', 'f'), /config file f is not valid YAML/);
    assert.deepEqual(parseConfig('', 'f'), { controlPlanes: [] });
  });

  it('reports an unreadable file as a usage error', () => {
    writeFileSync(join(dir, 'config.yaml'), 'controlPlanes: []\n');
    assert.throws(() => new ConfigFile(dir).load(), (err: unknown) => err instanceof UsageError && /cannot read config file/.test(err.message));
  });

  it('redacts tokens for display, never token file paths', () => {
    const shown = redactConfig(addControlPlane(addControlPlane(DEFAULT_CONFIG, staging, false), prod, false));
    assert.equal(shown.controlPlanes.find((c) => c.name === 'prod')?.authToken, '(redacted)');
    assert.equal(shown.controlPlanes.find((c) => c.name === 'staging')?.authTokenFile, staging.authTokenFile);
    assert.ok(!serializeConfig(shown).includes('secret'));
  });

  it('lists control planes with the active one marked', () => {
    const config = useControlPlane(addControlPlane(addControlPlane(DEFAULT_CONFIG, staging, false), prod, false), 'staging');
    assertGolden('control-planes-list', renderControlPlanes(config));
  });
});
