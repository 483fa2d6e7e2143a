import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMycelctl, startZoneCpProcess } from './support/mycelctl';
import type { CliResult, ZoneCpProcess } from './support/mycelctl';

/**
 * A self-signed certificate for 127.0.0.1 and localhost, valid from 2000 to 2100 (generated once with
 * `openssl ca -selfsign -startdate 20000101000000Z -enddate 21000101000000Z`). Test material only.
 */
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBbjCCARWgAwIBAgIBATAKBggqhkjOPQQDAjAYMRYwFAYDVQQDDA1teWNlbGN0
bCB0ZXN0MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAYMRYwFAYD
VQQDDA1teWNlbGN0bCB0ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXByb
h5U6MoRP9+eO4asAnqf2odEh4ocj5JL7imt4oRxAoxTwRC1YTu8An+HCtDY32HAY
mLgJF/NmpKit0gsns6NOMEwwGgYDVR0RBBMwEYcEfwAAAYIJbG9jYWxob3N0MA8G
A1UdEwEB/wQFMAMBAf8wHQYDVR0OBBYEFCrR0CTf7EpUguKAq7fOCqH+Yz8vMAoG
CCqGSM49BAMCA0cAMEQCIAxzqYqxDjVhscUZy6Vvq02cr2T02MIpdd1FudziJUKu
AiBrWKtQ45Ube4sqRvaXsSfR1DKCGeyXp7f9Ac3hE2uEbA==
-----END CERTIFICATE-----
`;
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwB8+ew0oleyDC/UO
XOruai8piThH0fJg3g5R9ftT6+qhRANCAARcHJuHlToyhE/3547hqwCep/ah0SHi
hyPkkvuKa3ihHECjFPBELVhO7wCf4cK0NjfYcBiYuAkX82akqK3SCyez
-----END PRIVATE KEY-----
`;

/**
 * The zone-cp serves plain HTTP, so an https reverse proxy (as an operator would put in front of it)
 * stands between mycelctl and the real control plane.
 */
describe('mycelctl over https (a TLS proxy in front of a zone-cp process)', function () {
  this.timeout(60_000);
  let dir: string;
  let home: string;
  let cp: ZoneCpProcess;
  let proxy: Server;
  let address: string;

  const cli = (args: readonly string[]): Promise<CliResult> => runMycelctl(args, { home });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mycelctl-tls-'));
    home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(dir, 'ca.pem'), TLS_CERT);
    cp = await startZoneCpProcess(dir);
    const upstream = new URL(cp.baseUrl);
    proxy = createServer({ cert: TLS_CERT, key: TLS_KEY }, (req, res) => {
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    address = `https://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });

  after(async () => {
    proxy?.closeAllConnections();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await cp?.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a certificate it cannot verify, saying how to trust it (exit 4)', async () => {
    const res = await cli(['config', 'control-planes', 'add', '--name', 'tls', '--address', address, '--auth-token-file', cp.tokenFile]);
    assert.equal(res.code, 4, res.stderr);
    assert.match(res.stderr, /^Error: cannot reach control plane "tls" at https:\/\/127\.0\.0\.1:\d+: TLS: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\); add the control plane with --ca-cert-file/);
  });

  it('verifies the server against --ca-cert-file', async () => {
    const add = await cli(['config', 'control-planes', 'add', '--name', 'tls-ca', '--address', address, '--auth-token-file', cp.tokenFile, '--ca-cert-file', join(dir, 'ca.pem')]);
    assert.equal(add.code, 0, add.stderr);
    const get = await cli(['get', 'meshes', '-o', 'json']);
    assert.equal(get.code, 0, get.stderr);
    assert.deepEqual((JSON.parse(get.stdout) as { items: Array<{ name: string }> }).items.map((m) => m.name), ['default']);
  });

  it('accepts any certificate with --skip-verify', async () => {
    const add = await cli(['config', 'control-planes', 'add', '--name', 'tls-insecure', '--address', address, '--auth-token-file', cp.tokenFile, '--skip-verify']);
    assert.equal(add.code, 0, add.stderr);
    const version = await cli(['version']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^Client: mycelctl .*\nServer: Mycel /);
  });

  it('refuses TLS options for http addresses and a missing CA file as usage errors (exit 2)', async () => {
    const http = await cli(['config', 'control-planes', 'add', '--name', 'x', '--address', cp.baseUrl, '--skip-verify']);
    assert.equal(http.code, 2);
    assert.equal(http.stderr, 'Error: invalid control plane:\n  --skip-verify: applies to https:// addresses only\n');
    const missing = await cli(['config', 'control-planes', 'add', '--name', 'y', '--address', address, '--ca-cert-file', join(dir, 'nope.pem')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^Error: cannot read the CA certificate file .*nope\.pem of control plane "y": /);
  });
});
