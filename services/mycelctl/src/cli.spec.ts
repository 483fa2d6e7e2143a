import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli } from './cli';
import { captureIo } from './cli-io.test-helper';
import type { CapturedIo } from './cli-io.test-helper';
import { EXIT_OK, EXIT_USAGE } from './exit-codes';
import { MYCELCTL_VERSION } from './version';

/** runCli in-process, without any control plane: everything here must fail or succeed before the network. */
describe('runCli (no control plane needed)', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'mycelctl-cli-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  async function run(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<{ code: number; io: CapturedIo }> {
    const io = captureIo({ home, cwd: home, ...options });
    return { code: await runCli(args, io), io };
  }

  it('prints help with exit 0, and help on stderr with exit 2 when no command is given', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, EXIT_OK);
    assert.match(help.io.out(), /^Usage: mycelctl \[options\] \[command\]/);
    const none = await run([]);
    assert.equal(none.code, EXIT_USAGE);
    assert.match(none.io.err(), /Usage: mycelctl/);
  });

  for (const [what, args, message] of [
    ['an unknown command', ['frobnicate'], /error: unknown command 'frobnicate'/],
    ['an unknown option', ['get', 'meshes', '--colour'], /error: unknown option '--colour'/],
    ['a missing argument', ['delete', 'mesh'], /error: missing required argument 'name'/],
    ['an excess argument', ['version', 'extra'], /error: too many arguments for 'version'/],
    ['a bad choice', ['get', 'meshes', '-o', 'xml'], /error: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are table, yaml, json/],
    ['conflicting options', ['config', 'control-planes', 'add', '--name', 'a', '--address', 'https://a', '--ca-cert-file', 'x', '--skip-verify'], /cannot be used with option/],
    ['a bad timeout', ['get', 'meshes', '--timeout', 'soon'], /Error: --timeout must be a duration such as 10s or 1m, got 'soon'/],
    ['a missing file', ['apply', '-f', 'nope.yaml'], /Error: cannot read .*nope\.yaml: no such file or directory/],
    ['a bad --var', ['apply', '-f', '-', '--var', 'novalue'], /Error: --var must be name=value/],
    ['a bad token lifetime', ['generate', 'dataplane-token', '--name', 'dp', '--valid-for', 'forever'], /Error: --valid-for must be a duration/],
    ['a bad tag', ['generate', 'dataplane-token', '--name', 'dp', '--tag', 'novalue'], /Error: --tag must be key=value/],
    ['a bad name', ['generate', 'signing-key', '--name', 'Not_A_Name'], /Error: --name /],
  ] as const) {
    it(`exits 2 for ${what}`, async () => {
      const { code, io } = await run([...args]);
      assert.equal(code, EXIT_USAGE, io.err());
      assert.match(io.err(), message);
      assert.equal(io.out(), '');
    });
  }

  it('reports placeholders without a value and empty input before contacting anything', async () => {
    writeFileSync(join(home, 'dp.yaml'), 'type: Dataplane\nname: {{ name }}\n');
    const missing = await run(['apply', '-f', 'dp.yaml']);
    assert.equal(missing.code, EXIT_USAGE);
    assert.equal(missing.io.err(), 'Error: dp.yaml: no value for {{ name }}; pass --var name=<value>\n');
    const empty = await run(['apply', '-f', '-'], { stdin: '---\n' });
    assert.equal(empty.code, EXIT_USAGE);
    assert.match(empty.io.err(), /nothing to apply: - holds no resources/);
  });

  it('prints the client version without contacting the control plane', async () => {
    assert.equal((await run(['version', '--client'])).io.out(), `Client: mycelctl ${MYCELCTL_VERSION}\n`);
    assert.deepEqual(JSON.parse((await run(['version', '--client', '-o', 'json'])).io.out()), { client: { version: MYCELCTL_VERSION } });
  });

  it('manages control planes in ~/.mycel/config.yaml (mode 0600), tokens redacted in view', async () => {
    const view = await run(['config', 'view']);
    assert.equal(view.io.out(), '# mycelctl configuration; edit with `mycelctl config control-planes …`\ncurrentControlPlane: local\ncontrolPlanes:\n  - name: local\n    address: http://localhost:5681\n');

    const add = await run(['config', 'control-planes', 'add', '--name', 'prod', '--address', 'https://cp.example/', '--auth-token', 'tok3n', '--skip-verify', '--no-check']);
    assert.equal(add.code, EXIT_OK, add.io.err());
    assert.equal(add.io.out(), 'added control plane "prod" (https://cp.example)\nswitched active control plane to "prod"\n');
    const path = join(home, '.mycel', 'config.yaml');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal((parseYaml(readFileSync(path, 'utf8')) as { currentControlPlane: string }).currentControlPlane, 'prod');

    const again = await run(['config', 'control-planes', 'add', '--name', 'prod', '--address', 'http://x', '--no-check']);
    assert.equal(again.code, EXIT_USAGE);
    assert.match(again.io.err(), /control plane "prod" already exists; pass --overwrite to replace it/);

    const addFile = await run(['config', 'control-planes', 'add', '--name', 'dev', '--address', 'http://127.0.0.1:5681', '--auth-token-file', 'token', '--no-check']);
    assert.equal(addFile.code, EXIT_OK, addFile.io.err());
    assert.match((await run(['config', 'control-planes', 'list'])).io.out(), new RegExp(`^ACTIVE +NAME +ADDRESS +AUTH\\n +local +http://localhost:5681 +none\\n +prod +https://cp.example +token\\n\\* +dev +http://127.0.0.1:5681 +token file ${join(home, 'token')}\\n$`));

    const redacted = (await run(['config', 'view'])).io.out();
    assert.ok(!redacted.includes('tok3n') && redacted.includes('authToken: (redacted)'));
    assert.ok((await run(['config', 'view', '--raw'])).io.out().includes('authToken: tok3n'));

    assert.equal((await run(['config', 'control-planes', 'use', 'prod'])).io.out(), 'switched active control plane to "prod"\n');
    const unknown = await run(['config', 'control-planes', 'use', 'nope']);
    assert.equal(unknown.code, EXIT_USAGE);
    assert.equal(unknown.io.err(), 'Error: no control plane named "nope"; configured: local, prod, dev\n');
    const removed = await run(['config', 'control-planes', 'remove', 'prod']);
    assert.equal(removed.io.out(), 'removed control plane "prod"\n');
    assert.match(removed.io.err(), /no control plane is active now/);
    const noActive = await run(['get', 'meshes']);
    assert.equal(noActive.code, EXIT_USAGE);
    assert.match(noActive.io.err(), /no control plane is active; pick one with `mycelctl config control-planes use <name>`/);
  });

  it('reads --config-file and $MYCELCTL_CONFIG, and names the bad fields of a broken config file', async () => {
    writeFileSync(join(home, 'other.yaml'), 'controlPlanes:\n  - name: x\n    address: nowhere\n');
    for (const options of [{ args: ['--config-file', 'other.yaml'] }, { args: [], env: { MYCELCTL_CONFIG: join(home, 'other.yaml') } }]) {
      const { code, io } = await run([...options.args, 'config', 'control-planes', 'list'], options.env ? { env: options.env } : {});
      assert.equal(code, EXIT_USAGE);
      assert.equal(io.err(), `Error: config file ${join(home, 'other.yaml')} is invalid:\n  controlPlanes[0].address: must be an http:// or https:// URL, got 'nowhere'\n`);
    }
  });

  it('generates signing keys as a GlobalSecret or a mesh Secret, locally', async () => {
    const global = parseYaml((await run(['generate', 'signing-key', '--name', 'user-token-signing-key-2'])).io.out()) as { type: string; name: string; spec: { data: string } };
    assert.equal(global.type, 'GlobalSecret');
    assert.equal(global.name, 'user-token-signing-key-2');
    assert.match(Buffer.from(global.spec.data, 'base64').toString(), /^-----BEGIN PRIVATE KEY-----\n/);
    const secret = JSON.parse((await run(['generate', 'signing-key', '--name', 'dataplane-token-signing-key-1', '--mesh', 'demo', '-o', 'json'])).io.out()) as { type: string; mesh: string };
    assert.deepEqual([secret.type, secret.mesh], ['Secret', 'demo']);
  });

  it('prints completion scripts and answers __complete without failing', async () => {
    assert.match((await run(['completion', 'bash'])).io.out(), /complete -o default -F _mycelctl_complete mycelctl/);
    assert.match((await run(['completion', 'zsh'])).io.out(), /^#compdef mycelctl/);
    const { code, io } = await run(['__complete', 'config', 'control-planes', 'use', '']);
    assert.equal(code, EXIT_OK);
    assert.equal(io.out(), 'local\n');
    assert.match((await run(['__complete'])).io.out(), /^apply\ncompletion\nconfig\n/);
  });
});
