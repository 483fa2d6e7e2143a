import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { freePort } from '@mycel/testing';
import { MYCELCTL, runMycelctl, startZoneCpProcess } from './support/mycelctl';
import type { CliResult, CliRunOptions, ZoneCpProcess } from './support/mycelctl';

/** The fields of an API resource these tests look at. */
interface ApiResource {
  type: string;
  mesh?: string;
  name: string;
  labels: Record<string, string>;
  creationTime: string;
  version: string;
}

function dataplaneYaml(name: string, service: string, options: { mesh?: string; port?: number; labels?: string } = {}): string {
  return [
    'type: Dataplane',
    ...(options.mesh !== undefined ? [`mesh: ${options.mesh}`] : []),
    `name: ${name}`,
    ...(options.labels !== undefined ? [`labels: ${options.labels}`] : []),
    'spec:',
    '  networking:',
    '    address: 10.0.0.5',
    '    inbound:',
    `      - port: ${options.port ?? 8080}`,
    '        servicePort: 80',
    '        tags:',
    `          mycel.io/service: ${service}`,
    '          mycel.io/protocol: http',
    '',
  ].join('\n');
}

describe('mycelctl as a process against a zone-cp process', function () {
  this.timeout(60_000);
  let dir: string;
  let home: string;
  let cp: ZoneCpProcess;
  let added: CliResult;

  const cli = (args: readonly string[], options: Partial<CliRunOptions> = {}): Promise<CliResult> => runMycelctl(args, { home, ...options });

  /** GET on the API with the admin token: status and parsed body. */
  async function api(path: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${cp.baseUrl}${path}`, { headers: { authorization: `Bearer ${cp.token}` } });
    return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
  }

  /** `MYCEL_NOW` one hour (and a half minute) after the oldest creation time, so every AGE reads `60m`. */
  function anHourAfter(resources: readonly ApiResource[]): Record<string, string> {
    const oldest = Math.min(...resources.map((r) => Date.parse(r.creationTime)));
    return { MYCEL_NOW: new Date(oldest + 3630_000).toISOString() };
  }

  function expectOk(res: CliResult, what: string): void {
    assert.equal(res.code, 0, `${what}: exit ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mycelctl-cli-'));
    home = join(dir, 'home');
    mkdirSync(home);
    cp = await startZoneCpProcess(dir);
    added = await cli(['config', 'control-planes', 'add', '--name', 'test', '--address', cp.baseUrl, '--auth-token-file', cp.tokenFile]);
  });

  after(async () => {
    await cp?.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('config and version', () => {
    it('adds the control plane after checking it answers and accepts the token, and makes it active', async () => {
      expectOk(added, 'add');
      assert.equal(added.stdout, `added control plane "test" (${cp.baseUrl})\nswitched active control plane to "test"\n`);
      const config = parseYaml(readFileSync(join(home, '.mycel', 'config.yaml'), 'utf8')) as { currentControlPlane: string; controlPlanes: unknown[] };
      assert.equal(config.currentControlPlane, 'test');
      assert.deepEqual(config.controlPlanes[1], { name: 'test', address: cp.baseUrl, authTokenFile: cp.tokenFile });
      const list = await cli(['config', 'control-planes', 'list']);
      assert.match(list.stdout, new RegExp(`\\n\\* +test +${cp.baseUrl.replace(/\./g, '\\.')} +token file `));
    });

    it('prints the client and server versions', async () => {
      const text = await cli(['version']);
      expectOk(text, 'version');
      assert.match(text.stdout, /^Client: mycelctl 0\.1\.0\nServer: Mycel 0\.1\.0 \(mode standalone, instance zone-cp-[a-z0-9-]+-[0-9a-f]{8}\)\n$/);
      const json = JSON.parse((await cli(['version', '-o', 'json'])).stdout) as { client: { version: string }; server: { product: string; mode: string } };
      assert.equal(json.client.version, '0.1.0');
      assert.deepEqual([json.server.product, json.server.mode], ['Mycel', 'standalone']);
    });
  });

  describe('apply', () => {
    it('applies a multi-document file with meshes first, reports unchanged on a re-apply and updated after a change (--var)', async () => {
      const file = join(dir, 'app.yaml');
      writeFileSync(
        file,
        [dataplaneYaml('web-1', 'web', { mesh: 'apply-file' }), dataplaneYaml('web-2', 'api', { mesh: 'apply-file', port: 9090, labels: '{version: "{{ version }}"}' }), 'type: Mesh\nname: apply-file\n'].join('---\n'),
      );
      const first = await cli(['apply', '-f', file, '--var', 'version=1']);
      expectOk(first, 'apply');
      assert.equal(first.stdout, 'mesh/apply-file created\ndataplane apply-file/web-1 created\ndataplane apply-file/web-2 created\n');
      assert.equal(first.stderr, '');
      assert.deepEqual(((await api('/meshes/apply-file/dataplanes/web-2')).body as ApiResource).labels, { version: '1' });

      const again = await cli(['apply', '-f', 'app.yaml', '--var', 'version=1'], { cwd: dir });
      assert.equal(again.stdout, 'mesh/apply-file unchanged\ndataplane apply-file/web-1 unchanged\ndataplane apply-file/web-2 unchanged\n');
      const changed = await cli(['apply', '-f', file, '--var', 'version=2']);
      assert.equal(changed.stdout, 'mesh/apply-file unchanged\ndataplane apply-file/web-1 unchanged\ndataplane apply-file/web-2 updated\n');
      assert.equal(((await api('/meshes/apply-file/dataplanes/web-2')).body as ApiResource).version, '2');
    });

    it('applies a directory (YAML and JSON files by name, others ignored) and stdin, with --mesh for documents without one', async () => {
      const manifests = join(dir, 'manifests');
      mkdirSync(manifests);
      writeFileSync(join(manifests, '20-dataplanes.json'), JSON.stringify([parseYaml(dataplaneYaml('db-1', 'db')), parseYaml(dataplaneYaml('db-2', 'db'))]));
      writeFileSync(join(manifests, '10-mesh.yml'), 'type: Mesh\nname: apply-dir\nlabels:\n  team: storage\n');
      writeFileSync(join(manifests, 'README.txt'), 'not a manifest');
      const res = await cli(['apply', '-f', manifests, '--mesh', 'apply-dir']);
      expectOk(res, 'apply dir');
      assert.equal(res.stdout, 'mesh/apply-dir created\ndataplane apply-dir/db-1 created\ndataplane apply-dir/db-2 created\n');

      const fromStdin = await cli(['apply', '-f', '-', '--mesh', 'apply-dir'], { stdin: dataplaneYaml('db-3', 'db') });
      expectOk(fromStdin, 'apply stdin');
      assert.equal(fromStdin.stdout, 'dataplane apply-dir/db-3 created\n');
      assert.equal((await api('/meshes/apply-dir/dataplanes/db-3')).status, 200);
    });

    it('dry-runs through the server: same answers, nothing stored, invalid input still rejected', async () => {
      const before = await api('/meshes');
      const input = ['type: Mesh\nname: dry-mesh\n', dataplaneYaml('dp-1', 'web', { mesh: 'dry-mesh' }), dataplaneYaml('web-2', 'api', { mesh: 'apply-file', port: 9090, labels: '{version: "3"}' })].join('---\n');
      const res = await cli(['apply', '--dry-run', '-f', '-'], { stdin: input });
      expectOk(res, 'dry run');
      assert.equal(res.stdout, 'mesh/dry-mesh created (dry run)\ndataplane dry-mesh/dp-1 created (dry run)\ndataplane apply-file/web-2 updated (dry run)\n');
      assert.deepEqual(await api('/meshes'), before, 'no mesh was created');
      assert.equal((await api('/meshes/dry-mesh')).status, 404);
      const web2 = (await api('/meshes/apply-file/dataplanes/web-2')).body as ApiResource;
      assert.deepEqual([web2.version, web2.labels], ['2', { version: '2' }], 'the update was not stored');

      const invalid = await cli(['apply', '--dry-run', '-f', '-'], { stdin: dataplaneYaml('dp-bad', 'web', { mesh: 'apply-file', port: 0 }) });
      assert.equal(invalid.code, 3);
      assert.match(invalid.stderr, /^Error: applying dataplane apply-file\/dp-bad \(from stdin\): Invalid Resource \(400\)\n {2}spec\.networking\.inbound\[0\]\.port: /);
    });

    it('stops at the first rejected resource with its field paths (exit 3); what came before stays applied', async () => {
      const bad = 'type: Dataplane\nmesh: apply-bad\nname: bad\nspec:\n  networking:\n    address: 10.0.0.6\n    inbound:\n      - port: 70000\n        tags: {}\n';
      const input = ['type: Mesh\nname: apply-bad\n', dataplaneYaml('good', 'web', { mesh: 'apply-bad' }), bad, dataplaneYaml('after', 'web', { mesh: 'apply-bad' })];
      const res = await cli(['apply', '-f', '-'], { stdin: input.join('---\n') });
      assert.equal(res.code, 3, res.stderr);
      assert.equal(res.stdout, 'mesh/apply-bad created\ndataplane apply-bad/good created\n');
      assert.equal(
        res.stderr,
        'Error: applying dataplane apply-bad/bad (from stdin, document 3): Invalid Resource (400)\n' +
          '  spec.networking.inbound[0].port: must be between 1 and 65535, got 70000\n' +
          '  spec.networking.inbound[0].tags["mycel.io/service"]: is required\n',
      );
      assert.equal((await api('/meshes/apply-bad/dataplanes/good')).status, 200);
      assert.equal((await api('/meshes/apply-bad/dataplanes/after')).status, 404, 'nothing after the rejection is sent');
    });

    it('refuses bad input before sending anything (exit 2)', async () => {
      const meshesBefore = await api('/meshes');
      const unknownType = await cli(['apply', '-f', '-'], { stdin: 'type: Mesh\nname: never-1\n---\ntype: Gateway\nname: gw\n' });
      assert.equal(unknownType.code, 2);
      assert.equal(unknownType.stdout, '');
      assert.match(unknownType.stderr, /^Error: nothing was applied:\n {2}stdin, document 2: type: unknown resource type 'Gateway'; the control plane serves .*Dataplane.*Mesh/);
      const brokenYaml = await cli(['apply', '-f', '-'], { stdin: 'type: Mesh\nname: [never-2\n' });
      assert.equal(brokenYaml.code, 2);
      assert.match(brokenYaml.stderr, /^Error: stdin: invalid YAML: /);
      assert.deepEqual(await api('/meshes'), meshesBefore);
    });
  });

  describe('get', () => {
    it('prints a table whose columns fit the type, and one row for one resource', async () => {
      const items = ((await api('/meshes/apply-file/dataplanes')).body as { items: ApiResource[] }).items;
      const env = anHourAfter(items);
      const table = await cli(['get', 'dataplanes', '--mesh', 'apply-file'], { env });
      expectOk(table, 'get table');
      assert.equal(
        table.stdout,
        [
          'MESH         NAME    TAGS                                          STATUS    AGE',
          'apply-file   web-1   mycel.io/protocol=http mycel.io/service=web   offline   60m',
          'apply-file   web-2   mycel.io/protocol=http mycel.io/service=api   offline   60m',
          '',
        ].join('\n'),
      );
      const one = await cli(['get', 'dataplane', 'web-2', '-m', 'apply-file'], { env });
      assert.equal(one.stdout, 'MESH         NAME    TAGS                                          STATUS    AGE\napply-file   web-2   mycel.io/protocol=http mycel.io/service=api   offline   60m\n');

      const meshes = await cli(['get', 'meshes'], { env });
      assert.match(meshes.stdout, /^NAME +MTLS +METRICS +TRACING +LOGGING +AGE\n/);
      assert.match(meshes.stdout, /\napply-file +off +off +off +off +60m\n/);
    });

    it('prints YAML and JSON: a resource as the API returns it, a listing as {items, total, next}', async () => {
      const listing = (await api('/meshes/apply-file/dataplanes')).body as { items: ApiResource[] };
      const yaml = await cli(['get', 'dataplanes', '-m', 'apply-file', '-o', 'yaml']);
      expectOk(yaml, 'get yaml');
      assert.deepEqual(parseYaml(yaml.stdout), { items: listing.items, total: 2, next: null });
      const json = await cli(['get', 'dataplanes', '-m', 'apply-file', '-o', 'json']);
      assert.deepEqual(JSON.parse(json.stdout), { items: listing.items, total: 2, next: null });
      const one = await cli(['get', 'Dataplane', 'web-1', '-m', 'apply-file', '-o', 'json']);
      assert.deepEqual(JSON.parse(one.stdout), (await api('/meshes/apply-file/dataplanes/web-1')).body);
      const oneYaml = await cli(['get', 'mesh', 'apply-file', '-o', 'yaml']);
      assert.deepEqual(parseYaml(oneYaml.stdout), (await api('/meshes/apply-file')).body);
    });

    it('re-applies its own YAML output unchanged', async () => {
      const yaml = await cli(['get', 'dataplanes', '-m', 'apply-file', '-o', 'yaml']);
      const res = await cli(['apply', '-f', '-'], { stdin: yaml.stdout });
      expectOk(res, 're-apply');
      assert.equal(res.stdout, 'dataplane apply-file/web-1 unchanged\ndataplane apply-file/web-2 unchanged\n');
    });

    it('pages with --size/--offset, filters by --label, lists every mesh with --all-meshes', async () => {
      const first = await cli(['get', 'dataplanes', '-m', 'apply-dir', '--size', '2']);
      expectOk(first, 'page 1');
      assert.deepEqual(first.stdout.split('\n').slice(1, -1).map((l) => l.split(/ +/)[1]), ['db-1', 'db-2']);
      const hint = /^showing 2 of 3; next page: mycelctl get dataplanes --mesh apply-dir --size 2 --offset (\S+)\n$/.exec(first.stderr);
      assert.ok(hint, first.stderr);
      const second = await cli(['get', 'dataplanes', '-m', 'apply-dir', '--size', '2', '--offset', hint[1] as string]);
      assert.deepEqual(second.stdout.split('\n').slice(1, -1).map((l) => l.split(/ +/)[1]), ['db-3']);
      assert.equal(second.stderr, '');
      const page = JSON.parse((await cli(['get', 'dataplanes', '-m', 'apply-dir', '--size', '2', '-o', 'json'])).stdout) as { items: unknown[]; total: number; next: string };
      assert.deepEqual([page.items.length, page.total, page.next], [2, 3, hint[1]]);

      const labelled = await cli(['get', 'dataplanes', '-m', 'apply-file', '--label', 'version=2', '-o', 'json']);
      assert.deepEqual((JSON.parse(labelled.stdout) as { items: ApiResource[] }).items.map((r) => r.name), ['web-2']);
      const team = await cli(['get', 'meshes', '--label', 'team=storage']);
      assert.deepEqual(team.stdout.split('\n').slice(1, -1).map((l) => l.split(/ +/)[0]), ['apply-dir']);

      const all = await cli(['get', 'dataplanes', '--all-meshes', '-o', 'json']);
      const names = (JSON.parse(all.stdout) as { items: ApiResource[] }).items.map((r) => `${r.mesh}/${r.name}`);
      assert.deepEqual(names, ['apply-bad/good', 'apply-dir/db-1', 'apply-dir/db-2', 'apply-dir/db-3', 'apply-file/web-1', 'apply-file/web-2']);
    });

    it('serves every type of the catalog, with the generic layout for types without their own', async () => {
      const key = await cli(['generate', 'signing-key', '--name', 'dataplane-token-signing-key-1', '--mesh', 'apply-file']);
      expectOk(key, 'signing key');
      const applied = await cli(['apply', '-f', '-'], { stdin: key.stdout });
      // zone-cp gives every new mesh its first dataplane-token signing key, so applying one replaces it.
      assert.equal(applied.stdout, 'secret apply-file/dataplane-token-signing-key-1 updated\n');
      const secret = (await api('/meshes/apply-file/secrets/dataplane-token-signing-key-1')).body as ApiResource;
      const secrets = await cli(['get', 'secrets', '-m', 'apply-file'], { env: anHourAfter([secret]) });
      assert.equal(secrets.stdout, 'NAME                            MESH         AGE   VERSION\ndataplane-token-signing-key-1   apply-file   60m   2\n');
      const globalSecrets = await cli(['get', 'global-secrets']);
      assert.match(globalSecrets.stdout, /^NAME +AGE +VERSION\nuser-token-signing-key-1 +\S+ +1\n$/);
      const insights = await cli(['get', 'dataplane-insights', '-m', 'apply-file']);
      expectOk(insights, 'insights');
      assert.equal(insights.stdout, '');
      assert.equal(insights.stderr, 'no dataplane-insights found in mesh apply-file\n');
    });

    it('refuses an unknown type or bad flags with exit 2, and a missing resource or mesh with exit 3', async () => {
      const unknown = await cli(['get', 'gateways']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^Error: unknown resource type 'gateways'; the control plane serves: dataplane-insights, dataplanes, global-secrets, meshes, meshhttproutes, meshtimeouts, secrets, zone-insights, zones\n$/);
      for (const args of [['get', 'meshes', '--size', '0'], ['get', 'zones', '--mesh', 'default'], ['get', 'meshes', 'default', '--label', 'a=b'], ['get', 'dataplanes', '-A', '--size', '1']]) {
        const res = await cli(args);
        assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
        assert.match(res.stderr, /^Error: /);
      }
      const missing = await cli(['get', 'dataplane', 'nope', '-m', 'apply-file']);
      assert.equal(missing.code, 3);
      assert.equal(missing.stderr, 'Error: Not Found (404): Dataplane apply-file/nope not found\n');
      const noMesh = await cli(['get', 'dataplanes', '-m', 'no-such-mesh']);
      assert.equal(noMesh.code, 3);
      assert.equal(noMesh.stderr, "Error: Not Found (404): mesh 'no-such-mesh' not found\n");
    });
  });

  describe('delete', () => {
    it('deletes one resource; deleting it again is a rejection', async () => {
      const res = await cli(['delete', 'dataplane', 'db-3', '--mesh', 'apply-dir']);
      expectOk(res, 'delete');
      assert.equal(res.stdout, 'dataplane apply-dir/db-3 deleted\n');
      assert.equal((await api('/meshes/apply-dir/dataplanes/db-3')).status, 404);
      const again = await cli(['delete', 'dataplane', 'db-3', '--mesh', 'apply-dir']);
      assert.equal(again.code, 3);
      assert.equal(again.stderr, 'Error: Not Found (404): Dataplane apply-dir/db-3 not found\n');
      const mesh = await cli(['delete', 'mesh', 'apply-bad']);
      assert.equal(mesh.stdout, 'mesh/apply-bad deleted\n');
      assert.equal((await api('/meshes/apply-bad/dataplanes/good')).status, 404, 'a deleted mesh takes its resources with it');
    });
  });

  describe('inspect', () => {
    before(async () => {
      const input = ['type: Mesh\nname: inspect-m\n', dataplaneYaml('web-a', 'web'), dataplaneYaml('web-b', 'web', { port: 8081 }), dataplaneYaml('api-a', 'api'), 'type: Zone\nname: east\n'].join('---\n');
      expectOk(await cli(['apply', '-f', '-', '-m', 'inspect-m'], { stdin: input }), 'inspect fixtures');
    });

    it('counts dataplanes per service; with no insights every dataplane is offline', async () => {
      const res = await cli(['inspect', 'services', '--mesh', 'inspect-m']);
      expectOk(res, 'inspect services');
      assert.equal(res.stdout, 'MESH        SERVICE   STATUS    DATAPLANES\ninspect-m   api       offline   0/1\ninspect-m   web       offline   0/2\n');
      const json = JSON.parse((await cli(['inspect', 'services', '-A', '-o', 'json'])).stdout) as Array<{ mesh: string; service: string; total: number }>;
      assert.deepEqual(json.map((s) => `${s.mesh}/${s.service}:${s.total}`), ['apply-dir/db:2', 'apply-file/api:1', 'apply-file/web:1', 'inspect-m/api:1', 'inspect-m/web:2']);
    });

    it('summarises meshes, dataplanes and zones', async () => {
      const mesh = (await api('/meshes/inspect-m')).body as ApiResource;
      const env = anHourAfter([mesh]);
      const meshes = await cli(['inspect', 'meshes'], { env });
      expectOk(meshes, 'inspect meshes');
      assert.match(meshes.stdout, /^NAME +MTLS +SERVICES +DATAPLANES +POLICIES +AGE\n/);
      assert.match(meshes.stdout, /\ninspect-m +off +2 +0\/3 +0 +60m\n/);
      const dps = await cli(['inspect', 'dataplanes', '-m', 'inspect-m'], { env });
      assert.match(dps.stdout, /^MESH +NAME +TAGS +STATUS +LAST CONNECTED +LAST UPDATED +UPDATES +REJECTED +AGE\n/);
      assert.match(dps.stdout, /\ninspect-m +web-a +mycel\.io\/protocol=http mycel\.io\/service=web +offline +- +- +0 +0 +60m\n/);
      const zones = await cli(['inspect', 'zones'], { env });
      assert.match(zones.stdout, /^NAME +ENABLED +STATUS +LAST CONNECTED +AGE\neast +true +offline +- +60m\n$/);
      const getZones = await cli(['get', 'zones'], { env });
      assert.match(getZones.stdout, /^NAME +ENABLED +STATUS +AGE\neast +true +offline +60m\n$/);
    });
  });

  describe('dataplane features of the zone control plane', () => {
    it('inspect dataplane --type config|rules shows what the control plane computed for it', async () => {
      const config = await cli(['inspect', 'dataplane', 'web-a', '-m', 'inspect-m', '--type', 'config']);
      expectOk(config, 'inspect config');
      const view = JSON.parse(config.stdout) as { nodeId: string; resources: Record<string, unknown> };
      assert.equal(view.nodeId, 'inspect-m.web-a');
      assert.ok(Object.keys(view.resources).length > 0, config.stdout);
      expectOk(await cli(['inspect', 'dataplane', 'web-a', '-m', 'inspect-m', '--type', 'rules']), 'inspect rules');
      const missing = await cli(['inspect', 'dataplane', 'nope', '-m', 'inspect-m']);
      assert.equal(missing.code, 3);
      assert.equal(missing.stderr, 'Error: Not Found (404): Dataplane inspect-m/nope not found\n', 'a missing dataplane is not mistaken for a missing feature');
    });

    it('generate dataplane-token prints a token; zone-token says zone tokens come from global (exit 3)', async () => {
      const dp = await cli(['generate', 'dataplane-token', '--name', 'web-a', '--mesh', 'inspect-m', '--tag', 'mycel.io/service=web', '--valid-for', '1h']);
      expectOk(dp, 'dataplane token');
      assert.match(dp.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const zone = await cli(['generate', 'zone-token', '--zone', 'east']);
      assert.equal(zone.code, 3);
      assert.match(zone.stderr, /^Error: Not Found \(404\): zone tokens are issued by the global control plane; this control plane runs in standalone mode/);
      assert.equal(zone.stdout, '');
      const noMesh = await cli(['generate', 'dataplane-token', '--name', 'x', '--mesh', 'no-such-mesh']);
      assert.equal(noMesh.code, 3);
      assert.match(noMesh.stderr, /^Error: Not Found \(404\): /);
    });
  });

  describe('connection problems and credentials', () => {
    let hung: Server | undefined;
    const sockets: Socket[] = [];
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (hung ? hung.close(() => resolve()) : resolve()));
    });

    it('an unreachable control plane gives a clear message and exit 4, and is not added', async () => {
      const port = await freePort();
      const other = join(dir, 'unreachable.yaml');
      const add = await cli(['--config-file', other, 'config', 'control-planes', 'add', '--name', 'down', '--address', `http://127.0.0.1:${port}`]);
      assert.equal(add.code, 4);
      const message = `Error: cannot reach control plane "down" at http://127.0.0.1:${port}: connection refused (ECONNREFUSED); is it running? \`mycelctl config control-planes list\` shows the configured address\n`;
      assert.equal(add.stderr, message);
      assert.doesNotMatch((await cli(['--config-file', other, 'config', 'control-planes', 'list'])).stdout, /down/);

      expectOk(await cli(['--config-file', other, 'config', 'control-planes', 'add', '--name', 'down', '--address', `http://127.0.0.1:${port}`, '--no-check']), 'add --no-check');
      const get = await cli(['--config-file', other, 'get', 'meshes']);
      assert.deepEqual([get.code, get.stdout, get.stderr], [4, '', message]);
      const version = await cli(['version'], { env: { MYCELCTL_CONFIG: other } });
      assert.deepEqual([version.code, version.stdout, version.stderr], [4, 'Client: mycelctl 0.1.0\n', message]);
    });

    it('a control plane that never answers times out after --timeout (exit 4)', async () => {
      hung = createServer((s) => sockets.push(s));
      await new Promise<void>((resolve) => hung?.listen(0, '127.0.0.1', resolve));
      const port = (hung.address() as { port: number }).port;
      const other = join(dir, 'hung.yaml');
      expectOk(await cli(['--config-file', other, 'config', 'control-planes', 'add', '--name', 'hung', '--address', `http://127.0.0.1:${port}`, '--no-check']), 'add');
      const res = await cli(['--config-file', other, '--timeout', '300ms', 'get', 'meshes']);
      assert.equal(res.code, 4);
      assert.match(res.stderr, /^Error: cannot reach control plane "hung" at http:\/\/127\.0\.0\.1:\d+: no answer within 300ms; is it running\?/);
    });

    it('a refused token is a rejection (401, exit 3) with a hint', async () => {
      const other = join(dir, 'bad-token.yaml');
      expectOk(await cli(['--config-file', other, 'config', 'control-planes', 'add', '--name', 'bad', '--address', cp.baseUrl, '--auth-token', 'not-a-token', '--no-check']), 'add');
      const res = await cli(['--config-file', other, 'get', 'meshes']);
      assert.equal(res.code, 3);
      assert.match(res.stderr, /^Error: Unauthorized \(401\): token is malformed: .*\nhint: the control plane needs a valid token; see `mycelctl config control-planes add --help`\n$/);
      const check = await cli(['--config-file', other, 'config', 'control-planes', 'add', '--name', 'bad', '--address', cp.baseUrl, '--auth-token', 'not-a-token', '--overwrite']);
      assert.equal(check.code, 3, 'add checks the token too');
    });

    it('--verbose prints each request and the answer status to stderr, never the token', async () => {
      const res = await cli(['--verbose', 'get', 'meshes', '-o', 'json']);
      expectOk(res, 'verbose');
      assert.match(res.stderr, new RegExp(`^> GET ${cp.baseUrl.replace(/\./g, '\\.')}/_resources\\n> Authorization: Bearer \\(redacted\\)\\n< 200 OK \\(\\d+ ms\\)\\n> GET ${cp.baseUrl.replace(/\./g, '\\.')}/meshes\\?size=1000\\n`));
      assert.ok(!res.stderr.includes(cp.token));
      assert.doesNotThrow(() => JSON.parse(res.stdout), 'stdout holds only the data');
    });
  });

  describe('shell completion', () => {
    it('the bash script completes commands, types, names and meshes from the control plane', async () => {
      const bin = join(dir, 'bin');
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'mycelctl'), `#!/bin/sh\nexec "${process.execPath}" "${MYCELCTL}" "$@"\n`);
      chmodSync(join(bin, 'mycelctl'), 0o755);
      const completeIn = (words: string[]): Promise<string> =>
        new Promise((resolve, reject) => {
          const script = `source <(mycelctl completion bash)\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})\nCOMP_CWORD=${words.length - 1}\n_mycelctl_complete\nprintf '%s\\n' "\${COMPREPLY[@]}"\n`;
          const child = spawn('bash', ['-c', script], { env: { HOME: home, PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bash exited ${code}: ${err}`))));
        });
      assert.equal(await completeIn(['mycelctl', 'ins']), 'inspect\n');
      assert.equal(await completeIn(['mycelctl', 'get', 'dat']), 'dataplane-insights\ndataplanes\n');
      assert.equal(await completeIn(['mycelctl', 'get', 'dataplanes', '--mesh', 'inspect-m', 'web']), 'web-a\nweb-b\n');
      assert.equal(await completeIn(['mycelctl', 'inspect', 'services', '--mesh', 'apply-']), 'apply-dir\napply-file\n');
    });
  });
});
