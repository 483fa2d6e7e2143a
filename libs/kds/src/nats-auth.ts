import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ValidationError, Violations, nameProblem } from '@mycel/core';
import type { Violation } from '@mycel/core';
import { createAccount, createOperator, createUser, fromSeed } from '@nats-io/nkeys';
import type { KeyPair } from '@nats-io/nkeys';
import { GLOBAL_BUCKET, streamOfBucket } from './kds-keys';
import { GLOBAL_NATS_USER, inboxPrefixOf, zoneNatsPermissions, zoneNatsUser } from './nats-config';
import type { NatsUserPermissions } from './nats-config';
import { decodeNatsJwt, encodeNatsJwt, formatCreds, isPublicKeyOf, natsJwtTimeProblem, parseCreds } from './nats-jwt';
import type { NatsClaims } from './nats-jwt';

/**
 * Zone tokens: NATS decentralized JWT auth (operator mode). `initNatsAuth` creates an operator, a
 * system account and the Mycel account (JetStream enabled, with a signing key) and the nats-server
 * config that trusts them; global holds the signing keys (`loadNatsAuthority`) and issues each zone
 * a user JWT carrying exactly `zoneNatsPermissions(zone)` and an expiry, which nats-server checks on
 * every connection. Adding a zone changes nothing in nats-server.
 */

/** Files of an auth dir (relative names). Seeds (`*.nk`) and creds are mode 0600. */
export const NATS_AUTH_FILES = {
  operatorSeed: 'operator.nk',
  operatorJwt: 'operator.jwt',
  systemAccountSeed: 'system-account.nk',
  systemAccountJwt: 'system-account.jwt',
  accountSeed: 'account.nk',
  accountSigningSeed: 'account-signing.nk',
  accountJwt: 'account.jwt',
  globalCreds: 'global.creds',
  systemCreds: 'system.creds',
  config: 'nats.conf',
  resolverDir: 'jwt',
  jetstreamDir: 'jetstream',
} as const;

/** Name of the Mycel account in its JWT. */
export const MYCEL_ACCOUNT_NAME = 'MYCEL';
/** Name of the system account in its JWT. */
export const SYSTEM_ACCOUNT_NAME = 'SYS';
/** Name of the system account's user (system.creds). */
export const SYSTEM_NATS_USER = 'mycel-system';

/** Options of {@link initNatsAuth}. */
export interface NatsAuthInitOptions {
  /** Directory for keys, JWTs, creds and `nats.conf`; created (mode 0700) when missing. */
  readonly dir: string;
  /** JetStream store directory; default `<dir>/jetstream`. */
  readonly jetstreamDir?: string;
  /** Client port; default 4222. */
  readonly port?: number;
  /** Listen address; default 0.0.0.0. */
  readonly host?: string;
  /** Monitoring port; omitted by default. */
  readonly httpPort?: number;
  /** `server_name`; omitted by default. */
  readonly serverName?: string;
  /** Clock for `iat`; default the system clock. */
  readonly now?: () => Date;
}

/** What {@link initNatsAuth} did: files it created and files it kept, plus the public ids. */
export interface NatsAuthInitResult {
  readonly dir: string;
  readonly configPath: string;
  readonly operator: string;
  readonly systemAccount: string;
  readonly account: string;
  /** Files written this run (relative names; `nats.conf` is rewritten every run). */
  readonly created: readonly string[];
  /** Key, JWT and creds files found valid and kept. */
  readonly reused: readonly string[];
}

/**
 * Creates the operator-mode auth material in `options.dir`, or reuses what is there: an existing
 * key is never replaced (so the account id stays the same and issued zone tokens stay valid), and
 * an existing JWT or creds file is kept while it still matches its keys. Always (re)writes
 * `nats.conf`, which is deterministic given the JWTs and options. ValidationError for bad options
 * or a damaged file (it is never overwritten: move it away to start over).
 */
export function initNatsAuth(options: NatsAuthInitOptions): NatsAuthInitResult {
  const invalid = natsAuthInitProblems(options);
  if (invalid !== undefined) throw invalid;
  const dir = resolve(options.dir);
  const nowSec = Math.floor((options.now ?? (() => new Date()))().getTime() / 1000);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const created: string[] = [];
  const reused: string[] = [];
  const track = (file: string, wasCreated: boolean): void => void (wasCreated ? created : reused).push(file);

  const operator = ensureSeed(dir, NATS_AUTH_FILES.operatorSeed, 'O', createOperator, track);
  const system = ensureSeed(dir, NATS_AUTH_FILES.systemAccountSeed, 'A', createAccount, track);
  const account = ensureSeed(dir, NATS_AUTH_FILES.accountSeed, 'A', createAccount, track);
  const signing = ensureSeed(dir, NATS_AUTH_FILES.accountSigningSeed, 'A', createAccount, track);

  const operatorJwt = ensureJwt(dir, NATS_AUTH_FILES.operatorJwt, track, (c) => c.sub === operator.getPublicKey() && c.iss === operator.getPublicKey() && c.nats['system_account'] === system.getPublicKey(), () =>
    encodeNatsJwt({ sub: operator.getPublicKey(), name: 'mycel', nats: { type: 'operator', version: 2, system_account: system.getPublicKey() } }, operator, nowSec),
  );
  const systemJwt = ensureJwt(dir, NATS_AUTH_FILES.systemAccountJwt, track, (c) => c.sub === system.getPublicKey() && c.iss === operator.getPublicKey(), () =>
    encodeNatsJwt({ sub: system.getPublicKey(), name: SYSTEM_ACCOUNT_NAME, nats: { type: 'account', version: 2, limits: unlimitedNatsLimits() } }, operator, nowSec),
  );
  const accountJwt = ensureJwt(dir, NATS_AUTH_FILES.accountJwt, track, (c) => c.sub === account.getPublicKey() && c.iss === operator.getPublicKey() && sameKeys(c.nats['signing_keys'], [signing.getPublicKey()]), () =>
    encodeNatsJwt(mycelAccountClaims(account.getPublicKey(), signing.getPublicKey(), {}), operator, nowSec),
  );

  ensureCreds(dir, NATS_AUTH_FILES.globalCreds, track, { issuer: signing.getPublicKey(), name: GLOBAL_NATS_USER, nowSec }, () =>
    userCreds(signing, account.getPublicKey(), GLOBAL_NATS_USER, globalTokenModePermissions(), undefined, nowSec),
  );
  ensureCreds(dir, NATS_AUTH_FILES.systemCreds, track, { issuer: system.getPublicKey(), name: SYSTEM_NATS_USER, nowSec }, () =>
    userCreds(system, undefined, SYSTEM_NATS_USER, undefined, undefined, nowSec),
  );

  mkdirSync(join(dir, NATS_AUTH_FILES.resolverDir), { recursive: true, mode: 0o700 });
  const configPath = join(dir, NATS_AUTH_FILES.config);
  writeFileSync(
    configPath,
    renderOperatorModeConfig({
      operatorJwt,
      systemAccount: system.getPublicKey(),
      preload: { [system.getPublicKey()]: systemJwt, [account.getPublicKey()]: accountJwt },
      resolverDir: join(dir, NATS_AUTH_FILES.resolverDir),
      jetstreamDir: options.jetstreamDir !== undefined ? resolve(options.jetstreamDir) : join(dir, NATS_AUTH_FILES.jetstreamDir),
      port: options.port ?? 4222,
      host: options.host ?? '0.0.0.0',
      ...(options.httpPort !== undefined ? { httpPort: options.httpPort } : {}),
      ...(options.serverName !== undefined ? { serverName: options.serverName } : {}),
    }),
    { mode: 0o644 },
  );
  created.push(NATS_AUTH_FILES.config);
  for (const kp of [operator, system, account, signing]) kp.clear();
  return { dir, configPath, operator: decodeNatsJwt(operatorJwt).claims.sub, systemAccount: decodeNatsJwt(systemJwt).claims.sub, account: decodeNatsJwt(accountJwt).claims.sub, created, reused };
}

/** Every problem of `options`, with field paths; undefined when valid. */
export function natsAuthInitProblems(options: NatsAuthInitOptions): ValidationError | undefined {
  const v = new Violations();
  if (options.dir === '' || /[\r\n"\\]/.test(options.dir)) v.add('dir', 'must be a non-empty path without quotes, backslashes or line breaks');
  if (options.jetstreamDir !== undefined && (options.jetstreamDir === '' || /[\r\n"\\]/.test(options.jetstreamDir))) {
    v.add('jetstreamDir', 'must be a non-empty path without quotes, backslashes or line breaks');
  }
  for (const [field, port] of [['port', options.port], ['httpPort', options.httpPort]] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) v.add(field, `must be a port number 1..65535, got ${port}`);
  }
  for (const [field, value] of [['host', options.host], ['serverName', options.serverName]] as const) {
    if (value !== undefined && (value === '' || /[\r\n"\\]/.test(value))) v.add(field, 'must be non-empty, without quotes, backslashes or line breaks');
  }
  return v.empty ? undefined : new ValidationError(`invalid nats-init options: ${v.all.map((x) => `${x.field}: ${x.reason}`).join('; ')}`, v.all);
}

/**
 * Permissions of global's user in token mode: like `globalNatsPermissions` but reading *every*
 * stream of the account (`*` wildcards), because NATS wildcards match whole tokens only and a
 * zone's stream `KV_mycel-zone-<zone>` is one token. So a new zone needs no change on global's
 * side either. Writes stay limited to `mycel-global`.
 */
export function globalTokenModePermissions(): NatsUserPermissions {
  const own = streamOfBucket(GLOBAL_BUCKET);
  return {
    publish: [
      `$JS.API.STREAM.CREATE.${own}`,
      `$JS.API.STREAM.PURGE.${own}`,
      `$KV.${GLOBAL_BUCKET}.>`,
      '$JS.API.STREAM.NAMES',
      '$JS.API.STREAM.INFO.*',
      '$JS.API.CONSUMER.CREATE.*.>',
      '$JS.API.CONSUMER.MSG.NEXT.*.>',
      '$JS.API.CONSUMER.DELETE.*.>',
      '$JS.API.DIRECT.GET.*',
      '$JS.API.DIRECT.GET.*.>',
    ],
    subscribe: [`${inboxPrefixOf(GLOBAL_NATS_USER)}.>`],
  };
}

/** The Mycel account's claims: JetStream enabled without limits, one signing key, `revocations` (user key → Unix seconds). */
export function mycelAccountClaims(account: string, signingKey: string, revocations: Readonly<Record<string, number>>): Parameters<typeof encodeNatsJwt>[0] {
  const sorted = Object.fromEntries(Object.keys(revocations).sort().map((k) => [k, revocations[k] as number]));
  return {
    sub: account,
    name: MYCEL_ACCOUNT_NAME,
    nats: {
      type: 'account',
      version: 2,
      limits: { ...unlimitedNatsLimits(), mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 },
      signing_keys: [signingKey],
      ...(Object.keys(sorted).length > 0 ? { revocations: sorted } : {}),
      default_permissions: { pub: {}, sub: {} },
    },
  };
}

function unlimitedNatsLimits(): Record<string, number | boolean> {
  return { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
}

/** Options of {@link renderOperatorModeConfig}. */
export interface OperatorModeConfigOptions {
  readonly operatorJwt: string;
  readonly systemAccount: string;
  /** Account public key → account JWT, stored by the full resolver on start when newer than its copy. */
  readonly preload: Readonly<Record<string, string>>;
  readonly resolverDir: string;
  readonly jetstreamDir: string;
  readonly port: number;
  readonly host: string;
  readonly httpPort?: number;
  readonly serverName?: string;
}

/**
 * nats-server config in operator mode: the operator JWT, the system account, the NATS-based `full`
 * resolver (account JWTs pushed with `$SYS.REQ.CLAIMS.UPDATE` are stored in `resolverDir`; the
 * preloaded ones are stored at start unless the stored copy is newer, so a pushed revocation list
 * survives a restart) and JetStream. Holds only public JWTs.
 */
export function renderOperatorModeConfig(o: OperatorModeConfigOptions): string {
  const lines = [
    '# nats-server config for Mycel multi-zone sync (KDS) with zone tokens, generated by',
    '# `mycel-global-cp nats-init`. Operator mode (decentralized JWT auth): every client presents a',
    '# user JWT signed for the Mycel account; nats-server checks its signature, expiry, revocation and',
    '# subject permissions. Adding a zone needs no change here. Holds only public JWTs.',
  ];
  if (o.serverName !== undefined) lines.push(`server_name: ${q(o.serverName)}`);
  lines.push(`host: ${q(o.host)}`, `port: ${o.port}`);
  if (o.httpPort !== undefined) lines.push(`http_port: ${o.httpPort}`);
  lines.push(
    `operator: ${q(o.operatorJwt)}`,
    `system_account: ${q(o.systemAccount)}`,
    'resolver {',
    '  type: full',
    `  dir: ${q(o.resolverDir)}`,
    '  allow_delete: false',
    '  interval: "2m"',
    '}',
    'resolver_preload {',
    ...Object.keys(o.preload)
      .sort()
      .map((k) => `  ${q(k)}: ${q(o.preload[k] as string)}`),
    '}',
    'jetstream {',
    `  store_dir: ${q(o.jetstreamDir)}`,
    '}',
    '',
  );
  return lines.join('\n');
}

/** A zone token as global issues it. */
export interface IssuedZoneToken {
  /** The NATS creds text (user JWT + seed). Secret. */
  readonly creds: string;
  /** The token id: the user's public nkey (what revocation takes). */
  readonly id: string;
  readonly zone: string;
  readonly expiresAt: Date;
}

/** Global's signing material, loaded from an auth dir by {@link loadNatsAuthority}. */
export interface NatsAuthority {
  /** The Mycel account's public key. */
  readonly account: string;
  /** The operator's public key. */
  readonly operator: string;
  /** Text of `global.creds` (global's NATS user). Secret. */
  readonly globalCreds: string;
  /** Text of `system.creds` (pushes account JWTs). Secret. */
  readonly systemCreds: string;
  /**
   * Issues a zone token: user `zone-<zone>` with exactly `zoneNatsPermissions(zone)`, expiring
   * `validForMs` after `now` (rounded down to seconds), signed by the account signing key.
   */
  issueZoneToken(zone: string, validForMs: number, now: Date): IssuedZoneToken;
  /** The Mycel account JWT with `revocations` (user key → Unix seconds), signed by the operator at `now`. */
  signAccount(revocations: Readonly<Record<string, number>>, now: Date): string;
}

/**
 * Loads what global needs from an auth dir written by {@link initNatsAuth}: the operator and account
 * signing seeds, the account JWT and both creds files. ValidationError naming the file when
 * something is missing or does not match.
 */
export function loadNatsAuthority(dir: string): NatsAuthority {
  const read = (file: string): string => {
    try {
      return readFileSync(join(dir, file), 'utf8');
    } catch (err) {
      throw new ValidationError(`cannot read ${join(dir, file)}: ${(err as Error).message} (run mycel-global-cp nats-init --dir ${dir})`, [
        { field: `kds.authDir`, reason: `${file} is missing or unreadable` },
      ]);
    }
  };
  const operatorSeed = readSeed(dir, NATS_AUTH_FILES.operatorSeed, 'O', read);
  const signingSeed = readSeed(dir, NATS_AUTH_FILES.accountSigningSeed, 'A', read);
  const accountClaims = decodeNatsJwt(read(NATS_AUTH_FILES.accountJwt).trim(), NATS_AUTH_FILES.accountJwt).claims;
  const operator = fromSeed(operatorSeed);
  const signing = fromSeed(signingSeed);
  const problems: Violation[] = [];
  if (accountClaims.iss !== operator.getPublicKey()) problems.push({ field: 'kds.authDir', reason: `${NATS_AUTH_FILES.accountJwt} is not signed by the operator key of ${NATS_AUTH_FILES.operatorSeed}` });
  if (!sameKeys(accountClaims.nats['signing_keys'], [signing.getPublicKey()])) {
    problems.push({ field: 'kds.authDir', reason: `${NATS_AUTH_FILES.accountJwt} does not list the signing key of ${NATS_AUTH_FILES.accountSigningSeed}` });
  }
  const globalCreds = read(NATS_AUTH_FILES.globalCreds);
  const systemCreds = read(NATS_AUTH_FILES.systemCreds);
  parseCreds(globalCreds, NATS_AUTH_FILES.globalCreds);
  parseCreds(systemCreds, NATS_AUTH_FILES.systemCreds);
  if (problems.length > 0) throw new ValidationError(`invalid NATS auth dir ${dir}: ${problems.map((p) => p.reason).join('; ')}`, problems);
  const account = accountClaims.sub;
  return {
    account,
    operator: operator.getPublicKey(),
    globalCreds,
    systemCreds,
    issueZoneToken(zone, validForMs, now) {
      const problem = nameProblem(zone);
      if (problem !== undefined) throw new ValidationError(`invalid zone name: ${problem}`, [{ field: 'zone', reason: problem }]);
      const nowSec = Math.floor(now.getTime() / 1000);
      const exp = Math.floor((now.getTime() + validForMs) / 1000);
      const user = createUser();
      try {
        const id = user.getPublicKey();
        const jwt = encodeNatsJwt({ sub: id, name: zoneNatsUser(zone), exp, nats: userBody(account, zoneNatsPermissions(zone)) }, signing, nowSec);
        return { creds: formatCreds(jwt, new TextDecoder().decode(user.getSeed())), id, zone, expiresAt: new Date(exp * 1000) };
      } finally {
        user.clear();
      }
    },
    signAccount(revocations, now) {
      return encodeNatsJwt({ ...mycelAccountClaims(account, signing.getPublicKey(), revocations), name: accountClaims.name }, operator, Math.floor(now.getTime() / 1000));
    },
  };
}

/** A zone token (creds text) checked as a zone control plane checks it at startup. */
export interface CheckedZoneToken {
  readonly id: string;
  readonly zone: string;
  readonly expiresAt: Date | undefined;
  /** The creds text, for the NATS connection. Secret. */
  readonly creds: string;
}

/**
 * Checks that `creds` is a well-formed zone token for `zone` valid at `now`: a user JWT that
 * verifies against its issuer, named `zone-<zone>`, with the zone's subject permissions, not
 * expired, and a seed belonging to it. ValidationError (field `field`) with a precise reason
 * otherwise; messages never contain the seed. Whether global issued it is nats-server's check.
 */
export function checkZoneToken(creds: string, zone: string, now: Date, field = 'kds.zoneTokenFile'): CheckedZoneToken {
  const { jwt, seed } = parseCreds(creds, field);
  const { claims } = decodeNatsJwt(jwt, field);
  const fail = (reason: string): never => {
    throw new ValidationError(`invalid zone token: ${reason}`, [{ field, reason }]);
  };
  if (claims.nats.type !== 'user') fail(`is a NATS ${claims.nats.type} JWT, not a user (zone) token`);
  const zoneOfToken = claims.name.startsWith('zone-') ? claims.name.slice('zone-'.length) : undefined;
  if (zoneOfToken === undefined) fail(`is not a zone token (its NATS user is '${claims.name}', expected 'zone-${zone}')`);
  if (zoneOfToken !== zone) fail(`was issued for zone '${zoneOfToken as string}', but this control plane is zone '${zone}'`);
  const expired = natsJwtTimeProblem(claims, Math.floor(now.getTime() / 1000));
  if (expired !== undefined) fail(`${expired}; generate a new one (mycelctl generate zone-token --zone ${zone})`);
  let seedKey: string;
  try {
    const kp = fromSeed(new TextEncoder().encode(seed));
    seedKey = kp.getPublicKey();
    kp.clear();
  } catch {
    // The seed text is never echoed: it is the secret half of the token.
    return fail('its USER NKEY SEED block is not a valid user seed');
  }
  if (seedKey !== claims.sub) fail('its seed does not belong to its JWT (the two blocks come from different tokens)');
  const expected = zoneNatsPermissions(zone);
  const pub = (claims.nats['pub'] as { allow?: unknown } | undefined)?.allow;
  const sub = (claims.nats['sub'] as { allow?: unknown } | undefined)?.allow;
  if (!sameKeys(pub, expected.publish) || !sameKeys(sub, expected.subscribe)) fail(`does not carry the NATS permissions of zone '${zone}'`);
  return { id: claims.sub, zone, expiresAt: claims.exp !== undefined ? new Date(claims.exp * 1000) : undefined, creds };
}

/** The NATS user name in a creds text's JWT (for the inbox prefix and logs); undefined when unreadable. */
export function natsUserOfCreds(creds: string): string | undefined {
  try {
    return decodeNatsJwt(parseCreds(creds).jwt).claims.name;
  } catch {
    // Not decodable here: nats-server will refuse it with its own reason.
    return undefined;
  }
}

function userBody(account: string | undefined, permissions: NatsUserPermissions | undefined): NatsClaims['nats'] {
  return {
    type: 'user',
    version: 2,
    ...(permissions !== undefined ? { pub: { allow: [...permissions.publish] }, sub: { allow: [...permissions.subscribe] } } : { pub: {}, sub: {} }),
    subs: -1,
    data: -1,
    payload: -1,
    ...(account !== undefined ? { issuer_account: account } : {}),
  };
}

function userCreds(issuer: KeyPair, issuerAccount: string | undefined, name: string, permissions: NatsUserPermissions | undefined, exp: number | undefined, nowSec: number): string {
  const user = createUser();
  try {
    const jwt = encodeNatsJwt({ sub: user.getPublicKey(), name, ...(exp !== undefined ? { exp } : {}), nats: userBody(issuerAccount, permissions) }, issuer, nowSec);
    return formatCreds(jwt, new TextDecoder().decode(user.getSeed()));
  } finally {
    user.clear();
  }
}

type Track = (file: string, created: boolean) => void;

function ensureSeed(dir: string, file: string, prefix: string, create: () => KeyPair, track: Track): KeyPair {
  const path = join(dir, file);
  if (existsSync(path)) {
    const kp = fromSeed(readSeed(dir, file, prefix, (f) => readFileSync(join(dir, f), 'utf8')));
    chmodSync(path, 0o600);
    track(file, false);
    return kp;
  }
  const kp = create();
  writeFileSync(path, `${new TextDecoder().decode(kp.getSeed())}\n`, { mode: 0o600, flag: 'wx' });
  track(file, true);
  return kp;
}

function readSeed(dir: string, file: string, prefix: string, read: (file: string) => string): Uint8Array {
  const text = read(file).trim();
  const bad = (): never => {
    throw new ValidationError(`${join(dir, file)} does not hold an nkey seed of the expected kind (S${prefix}…); move it away to regenerate it`, [
      { field: file, reason: `must hold one S${prefix}… nkey seed` },
    ]);
  };
  if (!new RegExp(`^S${prefix}[A-Z2-7]{56}$`).test(text)) bad();
  try {
    fromSeed(new TextEncoder().encode(text)).getPublicKey();
  } catch {
    // The seed text is not echoed: it is a secret.
    bad();
  }
  return new TextEncoder().encode(text);
}

function ensureJwt(dir: string, file: string, track: Track, matches: (claims: NatsClaims) => boolean, create: () => string): string {
  const path = join(dir, file);
  if (existsSync(path)) {
    try {
      const jwt = readFileSync(path, 'utf8').trim();
      if (matches(decodeNatsJwt(jwt, file).claims)) {
        track(file, false);
        return jwt;
      }
    } catch {
      // Undecodable: replaced below (a JWT is public and derived from the kept keys).
    }
  }
  const jwt = create();
  writeFileSync(path, `${jwt}\n`, { mode: 0o644 });
  track(file, true);
  return jwt;
}

function ensureCreds(dir: string, file: string, track: Track, expected: { issuer: string; name: string; nowSec: number }, create: () => string): void {
  const path = join(dir, file);
  if (existsSync(path)) {
    try {
      const creds = readFileSync(path, 'utf8');
      const { claims } = decodeNatsJwt(parseCreds(creds, file).jwt, file);
      if (claims.iss === expected.issuer && claims.name === expected.name && natsJwtTimeProblem(claims, expected.nowSec) === undefined) {
        chmodSync(path, 0o600);
        track(file, false);
        return;
      }
    } catch {
      // Unreadable creds: replaced below; the old user (if any) was never revoked but its issuer is ours.
    }
  }
  writeFileSync(path, create(), { mode: 0o600 });
  chmodSync(path, 0o600);
  track(file, true);
}

function sameKeys(actual: unknown, expected: readonly string[]): boolean {
  if (!Array.isArray(actual) || actual.length !== expected.length) return false;
  const a = [...(actual as unknown[])].map(String).sort();
  const e = [...expected].sort();
  return a.every((x, i) => x === e[i]);
}

/** True when `key` is a zone token id (a public user nkey). */
export function isZoneTokenId(key: unknown): key is string {
  return isPublicKeyOf(key, 'U');
}

/** A double-quoted config string (JSON escaping, which the NATS config parser reads). */
function q(value: string): string {
  return JSON.stringify(value);
}
