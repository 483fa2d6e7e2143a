import { writeFile } from 'node:fs/promises';
import { ValidationError, Violations, indexPath, nameProblem } from '@mycel/core';
import { GLOBAL_BUCKET, escapeToken, streamOfBucket, zoneBucket } from './kds-keys';

/** NATS user of the global control plane. */
export const GLOBAL_NATS_USER = 'global';

/** NATS user of zone `zone`'s control plane: `zone-<zone>`. */
export function zoneNatsUser(zone: string): string {
  return `zone-${zone}`;
}

/** Inbox prefix of `user`, as `connectNats` sets it and the server config lets only that user subscribe to. */
export function inboxPrefixOf(user: string): string {
  return `_INBOX.${escapeToken(user)}`;
}

/** Subject permissions of one NATS user (allow lists; everything else is denied). */
export interface NatsUserPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/**
 * Subjects a user needs to own (create, write, watch, prune) `bucket` with nats.js KV on
 * nats-server 2.9: the stream API for the bucket's stream, puts and deletes (`$KV.<bucket>.>`),
 * ordered pull consumers for watches, and direct gets.
 */
function writerSubjects(bucket: string): string[] {
  const stream = streamOfBucket(bucket);
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.PURGE.${stream}`,
    `$KV.${bucket}.>`,
    ...readerOnlySubjects(bucket).filter((s) => s !== `$JS.API.STREAM.INFO.${stream}`),
  ];
}

/** Subjects a user needs to read and watch `bucket` (no writes, no stream changes). */
function readerOnlySubjects(bucket: string): string[] {
  const stream = streamOfBucket(bucket);
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
  ];
}

/** Permissions of the global user: own `mycel-global`, read every listed zone's bucket, list stream names (zone discovery). */
export function globalNatsPermissions(zones: readonly string[]): NatsUserPermissions {
  return {
    publish: [...writerSubjects(GLOBAL_BUCKET), '$JS.API.STREAM.NAMES', ...zones.flatMap((z) => readerOnlySubjects(zoneBucket(z)))],
    subscribe: [`${inboxPrefixOf(GLOBAL_NATS_USER)}.>`],
  };
}

/** Permissions of zone `zone`'s user: own `mycel-zone-<zone>`, read `mycel-global`; nothing of other zones. */
export function zoneNatsPermissions(zone: string): NatsUserPermissions {
  return {
    publish: [...writerSubjects(zoneBucket(zone)), ...readerOnlySubjects(GLOBAL_BUCKET)],
    subscribe: [`${inboxPrefixOf(zoneNatsUser(zone))}.>`],
  };
}

/** Options of {@link renderNatsServerConfig}. */
export interface NatsServerConfigOptions {
  /** Every zone with the password its control plane uses (plain text, or a bcrypt hash `$2a$…`). */
  readonly zones: readonly { readonly name: string; readonly password: string }[];
  /** The global control plane's password. */
  readonly global: { readonly password: string };
  /** JetStream store directory. */
  readonly jetstreamDir: string;
  /** Client port; default 4222. */
  readonly port?: number;
  /** Listen address; default 0.0.0.0. */
  readonly host?: string;
  /** `server_name` (required by NATS in a cluster); omitted by default. */
  readonly serverName?: string;
  /** Monitoring port (`/varz`, `/jsz`); omitted by default. */
  readonly httpPort?: number;
  /** Name of the account holding every Mycel user and bucket; default `MYCEL`. */
  readonly account?: string;
  /** JetStream file store limit, e.g. `10G`; server default when absent. */
  readonly maxFileStore?: string;
  /** TLS for client connections (PEM files); `verify` requires client certificates. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile?: string; readonly verify?: boolean };
}

/** Options of {@link generateNatsServerConfig}: the config, plus where to write it. */
export interface GenerateNatsServerConfigOptions extends NatsServerConfigOptions {
  /** File to write (mode 0600: it holds passwords). */
  readonly path: string;
}

const ACCOUNT_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const SIZE = /^\d+(?:[KMGT]B?)?$/i;

/** Every problem of `options`, with field paths (`zones[1].name`); empty when valid. */
export function natsServerConfigProblems(options: NatsServerConfigOptions): ValidationError | undefined {
  const v = new Violations();
  const seen = new Set<string>();
  options.zones.forEach((zone, i) => {
    const path = indexPath('zones', i);
    const problem = nameProblem(zone.name);
    if (problem !== undefined) v.add(`${path}.name`, problem);
    if (seen.has(zone.name)) v.add(`${path}.name`, `zone '${zone.name}' is listed twice`);
    seen.add(zone.name);
    passwordProblem(v, zone.password, `${path}.password`);
  });
  passwordProblem(v, options.global.password, 'global.password');
  if (options.jetstreamDir === '' || /[\r\n"\\]/.test(options.jetstreamDir)) v.add('jetstreamDir', 'must be a non-empty path without quotes, backslashes or line breaks');
  for (const [field, port] of [['port', options.port], ['httpPort', options.httpPort]] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) v.add(field, `must be a port number 1..65535, got ${port}`);
  }
  if (options.account !== undefined && !ACCOUNT_NAME.test(options.account)) v.add('account', 'must start with a letter and contain only letters, digits, - and _');
  if (options.maxFileStore !== undefined && !SIZE.test(options.maxFileStore)) v.add('maxFileStore', `must be a size such as 10G, got '${options.maxFileStore}'`);
  for (const [field, value] of [['host', options.host], ['serverName', options.serverName], ['tls.certFile', options.tls?.certFile], ['tls.keyFile', options.tls?.keyFile], ['tls.caFile', options.tls?.caFile]] as const) {
    if (value !== undefined && (value === '' || /[\r\n"\\]/.test(value))) v.add(field, 'must be non-empty, without quotes, backslashes or line breaks');
  }
  return v.empty ? undefined : new ValidationError('invalid NATS server config options', v.all);
}

function passwordProblem(v: Violations, password: string, field: string): void {
  if (password.length < 8) v.add(field, 'must be at least 8 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(password)) v.add(field, 'must not contain control characters');
}

/**
 * The nats-server (2.9+) config text for a Mycel multi-zone install: JetStream on, one account with
 * a `global` user and a `zone-<zone>` user per zone, each allowed exactly the subjects its KDS side
 * uses ({@link globalNatsPermissions}, {@link zoneNatsPermissions}) and its own inboxes. Throws
 * ValidationError listing every bad option. Deterministic: same options, same text.
 */
export function renderNatsServerConfig(options: NatsServerConfigOptions): string {
  const invalid = natsServerConfigProblems(options);
  if (invalid !== undefined) throw invalid;
  const zones = [...options.zones].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines: string[] = [
    '# nats-server config for Mycel multi-zone sync (KDS), generated by @mycel/kds.',
    '# Holds passwords: keep it readable by the nats-server user only.',
    '# Each control plane connects with its own user; its permissions allow exactly the',
    '# JetStream KV operations of its side: global writes mycel-global and reads every',
    '# mycel-zone-<zone>; a zone writes only its own bucket and reads mycel-global.',
  ];
  if (options.serverName !== undefined) lines.push(`server_name: ${q(options.serverName)}`);
  lines.push(`host: ${q(options.host ?? '0.0.0.0')}`, `port: ${options.port ?? 4222}`);
  if (options.httpPort !== undefined) lines.push(`http_port: ${options.httpPort}`);
  if (options.tls !== undefined) {
    lines.push('tls {', `  cert_file: ${q(options.tls.certFile)}`, `  key_file: ${q(options.tls.keyFile)}`);
    if (options.tls.caFile !== undefined) lines.push(`  ca_file: ${q(options.tls.caFile)}`);
    if (options.tls.verify === true) lines.push('  verify: true');
    lines.push('}');
  }
  lines.push('jetstream {', `  store_dir: ${q(options.jetstreamDir)}`);
  if (options.maxFileStore !== undefined) lines.push(`  max_file_store: ${options.maxFileStore}`);
  lines.push('}', 'accounts {', `  ${options.account ?? 'MYCEL'} {`, '    jetstream: enabled', '    users: [');
  lines.push(...user(GLOBAL_NATS_USER, options.global.password, globalNatsPermissions(zones.map((z) => z.name))));
  for (const zone of zones) lines.push(...user(zoneNatsUser(zone.name), zone.password, zoneNatsPermissions(zone.name)));
  lines.push('    ]', '  }', '}', '');
  return lines.join('\n');
}

/** Renders the config ({@link renderNatsServerConfig}) and writes it to `options.path` with mode 0600; returns the text. */
export async function generateNatsServerConfig(options: GenerateNatsServerConfigOptions): Promise<string> {
  const text = renderNatsServerConfig(options);
  await writeFile(options.path, text, { mode: 0o600 });
  return text;
}

function user(name: string, password: string, permissions: NatsUserPermissions): string[] {
  const list = (subjects: readonly string[]): string[] => subjects.map((s, i) => `              ${q(s)}${i < subjects.length - 1 ? ',' : ''}`);
  return [
    '      {',
    `        user: ${q(name)}`,
    `        password: ${q(password)}`,
    '        permissions: {',
    '          publish: {',
    '            allow: [',
    ...list(permissions.publish),
    '            ]',
    '          }',
    '          subscribe: {',
    '            allow: [',
    ...list(permissions.subscribe),
    '            ]',
    '          }',
    '        }',
    '      }',
  ];
}

/** A double-quoted config string (JSON escaping, which the NATS config parser reads). */
function q(value: string): string {
  return JSON.stringify(value);
}
