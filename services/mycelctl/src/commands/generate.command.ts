import { chmodSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { durationProblem } from '@mycel/core';
import type { ApiClient } from '../api-client';
import type { CliContext } from '../cli-context';
import { checkName, collect, meshOption, outputOption, withCompletion } from '../command-options';
import { DEFAULT_MESH } from '../apply-plan';
import { ApiRejectedError, UnsupportedError, UsageError } from '../errors';
import { formatData } from '../output-format';
import { generateSigningKeyPem, signingKeyResource } from '../signing-key';
import { resourcePath } from '../type-catalog';

/** Token lifetime when `--valid-for` is not given. */
export const DEFAULT_TOKEN_VALIDITY = '24h';
/** Zone token lifetime when `--valid-for` is not given (the API's default too): one year. */
export const DEFAULT_ZONE_TOKEN_VALIDITY = '8760h';

/** `generate dataplane-token|zone-token|signing-key`. */
export function registerGenerateCommands(program: Command, ctx: CliContext): void {
  const generate = program.command('generate').description('generate tokens (issued by the control plane) and signing keys (made locally)');

  withCompletion(
    generate
      .command('dataplane-token')
      .description('issue a token a dataplane presents to connect (POST /tokens/dataplane); prints the token')
      .requiredOption('--name <name>', 'name of the dataplane the token is for')
      .addOption(meshOption('mesh of the dataplane'))
      .option('--tag <key=value>', 'a tag every inbound of the dataplane must carry; repeatable for several keys (mycel.io/service=web)', collect)
      .option('--valid-for <duration>', 'lifetime, e.g. 1h, 24h, 30d', DEFAULT_TOKEN_VALIDITY)
      .action(async (flags: { name: string; mesh?: string; tag?: string[]; validFor: string }) => {
        const name = checkName(flags.name, '--name');
        const mesh = checkName(flags.mesh ?? DEFAULT_MESH, '--mesh');
        const tags = parseTags(flags.tag ?? []);
        const validFor = checkValidity(flags.validFor);
        const client = ctx.client();
        // A missing mesh is then reported as such, so a 404 below can only mean an unsupported endpoint.
        await client.request('GET', resourcePath((await ctx.catalog()).resolve('meshes'), mesh));
        const body = { mesh, name, ...(Object.keys(tags).length > 0 ? { tags } : {}), validFor };
        ctx.print(`${await issueToken(client, '/tokens/dataplane', body, 'dataplane tokens')}\n`);
      }),
    { options: { '--mesh': 'meshes' } },
  );

  generate
    .command('zone-token')
    .summary('issue a zone token (NATS credentials) on the global control plane')
    .description(
      'issue a token a zone control plane connects to NATS with (POST /tokens/zone on the global control plane in zone-token mode): ' +
        'NATS creds for user zone-<zone>, allowed exactly that zone\'s KDS subjects, expiring after --valid-for. ' +
        'Prints the creds (a secret) to stdout, or writes them to --output-file with mode 0600; the token id (for revoke zone-token) goes to stderr',
    )
    .requiredOption('--zone <name>', 'name of the zone (its control plane runs with --zone <name>)')
    .option('--valid-for <duration>', 'lifetime, e.g. 720h, 8760h (at most 10 years)', DEFAULT_ZONE_TOKEN_VALIDITY)
    .option('-o, --output-file <file>', 'write the creds to this file (mode 0600) instead of stdout')
    .action(async (flags: { zone: string; validFor: string; outputFile?: string }) => {
      const body = { zone: checkName(flags.zone, '--zone'), validFor: checkValidity(flags.validFor) };
      const issued = await issueZoneToken(ctx.client(), body);
      if (flags.outputFile === undefined) {
        ctx.print(issued.token.endsWith('\n') ? issued.token : `${issued.token}\n`);
      } else {
        writeSecretFile(ctx.absolute(flags.outputFile), issued.token);
      }
      ctx.note(`zone token ${issued.id} for zone ${issued.zone}, expires ${issued.expiresAt}${flags.outputFile !== undefined ? `, written to ${flags.outputFile}` : ''}\n`);
    });

  withCompletion(
    generate
      .command('signing-key')
      .summary('generate a token signing key as a GlobalSecret or Secret to apply')
      .description(
        'generate an ES256 (EC P-256) private key, PKCS#8 PEM, locally and print it as a resource to apply: ' +
          'a GlobalSecret, or a Secret of --mesh (e.g. --name user-token-signing-key-2 to rotate user-token keys)',
      )
      .requiredOption('--name <name>', 'name of the secret, e.g. user-token-signing-key-2 or dataplane-token-signing-key-1')
      .option('-m, --mesh <mesh>', 'make it a Secret of this mesh instead of a GlobalSecret')
      .addOption(outputOption(['yaml', 'json'], 'yaml'))
      .action((flags: { name: string; mesh?: string; output: 'yaml' | 'json' }) => {
        const name = checkName(flags.name, '--name');
        const mesh = flags.mesh === undefined ? undefined : checkName(flags.mesh, '--mesh');
        ctx.print(formatData(flags.output, signingKeyResource(generateSigningKeyPem(), name, mesh)));
      }),
    { options: { '--mesh': 'meshes' } },
  );
}

/**
 * POSTs a token request and returns `token`. A 404 or 405 means the control plane has no such
 * endpoint: an UnsupportedError naming `feature`, carrying the server's answer.
 */
async function issueToken(client: ApiClient, path: string, body: unknown, feature: string): Promise<string> {
  let res;
  try {
    res = await client.request('POST', path, { body });
  } catch (err) {
    if (err instanceof ApiRejectedError && (err.status === 404 || err.status === 405)) throw new UnsupportedError(feature, err);
    throw err;
  }
  const token = (res.json as { token?: unknown } | undefined)?.token;
  if (typeof token !== 'string' || token === '') throw new UnsupportedError(feature, undefined, `POST ${path} answered ${res.status} without a token`);
  return token;
}

/** What POST /tokens/zone answers. */
interface IssuedZoneToken {
  readonly token: string;
  readonly id: string;
  readonly zone: string;
  readonly expiresAt: string;
}

/**
 * POSTs a zone token request. Only a 405 means the endpoint is missing (an older control plane);
 * a 404 or 409 carries the server's reason (not global, or global without zone-token mode) and is
 * shown as it is.
 */
async function issueZoneToken(client: ApiClient, body: unknown): Promise<IssuedZoneToken> {
  let res;
  try {
    res = await client.request('POST', '/tokens/zone', { body });
  } catch (err) {
    if (err instanceof ApiRejectedError && err.status === 405) throw new UnsupportedError('zone tokens', err);
    throw err;
  }
  const answer = res.json as Partial<IssuedZoneToken> | undefined;
  if (typeof answer?.token !== 'string' || answer.token === '' || typeof answer.id !== 'string') {
    throw new UnsupportedError('zone tokens', undefined, `POST /tokens/zone answered ${res.status} without a token`);
  }
  return { token: answer.token, id: answer.id, zone: String(answer.zone ?? ''), expiresAt: String(answer.expiresAt ?? '') };
}

/** Writes a secret to `path` with mode 0600 (also when the file existed with a wider mode). */
function writeSecretFile(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: 0o600 });
    chmodSync(path, 0o600);
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

/** `--tag k=v` flags as `{k: v}` (the API binds a token to one value per tag); a repeated key is a usage error. */
export function parseTags(flags: readonly string[]): Record<string, string> {
  const tags = new Map<string, string>();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const key = flag.slice(0, eq);
    const value = flag.slice(eq + 1);
    if (eq <= 0 || value === '' || value.includes(',')) throw new UsageError(`--tag must be key=value with one value, got '${flag}'`);
    if (tags.has(key) && tags.get(key) !== value) throw new UsageError(`--tag ${key} is given twice with different values`);
    tags.set(key, value);
  }
  return Object.fromEntries([...tags.keys()].sort().map((k) => [k, tags.get(k) as string]));
}

function checkValidity(validFor: string): string {
  const problem = durationProblem(validFor, 1);
  if (problem) throw new UsageError(`--valid-for ${problem}`);
  return validFor;
}
