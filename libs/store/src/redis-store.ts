import { randomUUID } from 'node:crypto';
import {
  AlreadyExistsError,
  ConflictError,
  MESH_TYPE,
  MalformedInputError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  contentHash,
  formatKey,
  isMycelError,
  type Resource,
  type ResourceInput,
  type ResourceKey,
} from '@mycel/core';
import { Redis, type RedisOptions } from 'ioredis';
import { compareMembers, encodeCursor, meshRangeEnd, meshRangeStart, pageRequest, sortMember } from './list-cursor';
import { STORE_SCRIPTS, type StoreScriptName } from './redis-scripts';
import type { ChangeEvent, ChangeStream, ListPage, ListQuery, ResourceStore, WatchMessage, WatchOptions, WriteOptions } from './resource-store';
import { retainChangesOption, timestamp } from './store-options';
import { normalizeInput, parseStoredResource, withStoreFields } from './stored-resource';

/** Options of {@link RedisStore.connect}. */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** Prefix of every key the store writes, so several stores can share one Redis; default `mycel`. */
  readonly keyPrefix?: string;
  /** Source of creation and modification times; the system clock by default. */
  readonly clock?: () => Date;
  /** Length the change stream is trimmed to (exactly), i.e. how far back watchers can resume; default 10000. */
  readonly retainChanges?: number;
  /** How long connect() waits for Redis to be reachable and ready, in ms; default 10000. */
  readonly connectTimeoutMs?: number;
}

/** Oldest Redis major the store accepts (tested on 7.0; needs exclusive XRANGE bounds and effect-replicated scripts). */
const MIN_REDIS_MAJOR = 7;
/** How long the reply of an applied write is kept for resends of the same operation, in seconds. */
const OP_TTL_SECONDS = 300;
/** Reconnect attempts a command waits through before failing with UnavailableError. */
const MAX_RETRIES_PER_REQUEST = 5;
/** Upper bound of one XREAD BLOCK, in ms; the watcher re-checks and blocks again after it. */
const WATCH_BLOCK_MS = 10000;
/** Changes fetched per read by a watcher. */
const WATCH_BATCH = 256;
const STREAM_ID = /^\d+-\d+$/;

type ScriptArg = string | number;

/**
 * ResourceStore on Redis ≥ 7 through ioredis; see redis-scripts.ts for the key layout. Every write
 * is one Lua script (compare-and-set, indexes, change-stream XADD), so it is applied fully or not
 * at all, and is idempotent per operation so ioredis may resend it after a reconnect. Revisions are
 * stream ids ("0-0" before the first change). Each watch owns a dedicated connection (XREAD BLOCK)
 * and resumes from its last id after a reconnect or a Redis restart (waiting through outages); it gets
 * `resync` when entries after its revision were trimmed (the stream keeps `retainChanges`) or its
 * revision is no longer known to Redis (ahead of the head or missing: data loss).
 * Durability is Redis's: with `appendfsync always` an acknowledged write survives a crash of
 * redis-server; with `everysec` up to ~2 s of acknowledged writes can be lost, even on a process crash
 * while a background fsync is running (Redis then postpones the AOF write but still replies).
 * Not for Redis Cluster: scripts touch keys derived from their arguments.
 */
export class RedisStore implements ResourceStore {
  private readonly streamKey: string;
  private readonly trimmedKey: string;
  private readonly typesKey: string;
  /** Settles our pending calls when close() cannot wait for their replies (Redis down). */
  private readonly abort = new Abort();
  private readonly watchers = new Set<RedisChangeStream>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly clock: () => Date,
    private readonly retain: number,
  ) {
    this.streamKey = `${prefix}:changes`;
    this.trimmedKey = `${prefix}:changes:trimmed`;
    this.typesKey = `${prefix}:types`;
  }

  /**
   * Connects and checks the server (Redis ≥ 7). Fails with UnavailableError naming the URL (without
   * password) and the reason when Redis is unreachable or not ready within `connectTimeoutMs`.
   */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const retain = retainChangesOption(options.retainChanges);
    const prefix = options.keyPrefix ?? 'mycel';
    if (prefix === '' || /\s/.test(prefix)) {
      throw new ValidationError(`invalid store option keyPrefix='${prefix}'`, [{ field: 'keyPrefix', reason: 'must be non-empty without whitespace' }]);
    }
    const timeoutMs = options.connectTimeoutMs ?? 10000;
    const where = redactUrl(options.url);
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      connectionName: 'mycel-store',
      maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
      // Safe because every write script is idempotent per operation id (see redis-scripts.ts).
      autoResendUnfulfilledCommands: true,
      enableOfflineQueue: true,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      // disconnect() arms a timer of this length even when the socket is already gone (Redis down): keep it short.
      disconnectTimeout: 200,
      scripts: STORE_SCRIPTS,
    };
    let redis: Redis;
    try {
      redis = new Redis(options.url, redisOptions);
    } catch (err) {
      throw new ValidationError(`invalid Redis URL ${where}: ${messageOf(err)}`, [{ field: 'url', reason: messageOf(err) }], { cause: err });
    }
    let lastError: unknown;
    // ioredis reconnects by itself; its errors surface through the commands that fail, so the event only records the latest reason.
    redis.on('error', (err: unknown) => {
      lastError = err;
    });
    const deadline = Date.now() + timeoutMs;
    try {
      await withDeadline(redis.connect(), deadline, timeoutMs);
      const info = await withDeadline(redis.info('server'), deadline, timeoutMs);
      const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
      if (Number(version.split('.')[0]) < MIN_REDIS_MAJOR) {
        redis.disconnect();
        throw new UnavailableError(`Redis at ${where} is version ${version}; Mycel needs Redis ${MIN_REDIS_MAJOR}.0 or newer`);
      }
    } catch (err) {
      redis.disconnect();
      if (isMycelError(err)) throw err;
      const cause = lastError ?? err;
      throw new UnavailableError(`cannot connect to Redis at ${where}: ${messageOf(cause)}`, { cause });
    }
    return new RedisStore(redis, prefix, options.clock ?? (() => new Date()), retain);
  }

  async get(key: ResourceKey): Promise<Resource> {
    const found = await this.find(key);
    if (found === undefined) throw new NotFoundError(`${formatKey(key)} not found`);
    return found;
  }

  async find(key: ResourceKey): Promise<Resource | undefined> {
    this.assertOpen();
    const json = await this.call('get', () => this.redis.hget(this.resourceKey(key.type, sortMember(key.mesh, key.name)), 'json'));
    return json === null ? undefined : parseStoredResource(json);
  }

  async list(query: ListQuery): Promise<ListPage> {
    this.assertOpen();
    const page = pageRequest(query);
    let min = '-';
    let max = '+';
    let firstMember: string | undefined;
    let endMember: string | undefined;
    if (query.mesh !== undefined) {
      firstMember = meshRangeStart(query.mesh);
      endMember = meshRangeEnd(query.mesh);
      min = `[${firstMember}`;
      max = `(${endMember}`;
    }
    const after = page.after;
    // A cursor outside the range (e.g. from another query) must not widen it: clamp both sub-ranges to [min, max].
    const start = after === undefined || (firstMember !== undefined && compareMembers(after, firstMember) < 0) ? min : `(${after}`;
    let beforeMax = '';
    if (after !== undefined) beforeMax = endMember !== undefined && compareMembers(after, endMember) >= 0 ? max : `[${after}`;
    const labelArgs = page.labels.flatMap(([k, v]) => [k, v]);
    const reply = await this.script('list', 'mycelList', [this.indexKey(query.type)], [
      `${this.prefix}:r:${query.type}:`,
      min,
      max,
      start,
      beforeMax,
      page.size,
      page.nameContains,
      page.labels.length,
      ...labelArgs,
    ]);
    const [total, last, ...jsons] = asArray(reply);
    const items = jsons.map((json) => parseStoredResource(asString(json)));
    const next = asString(last);
    return next === '' ? { items, total: Number(total) } : { items, total: Number(total), next: encodeCursor(next) };
  }

  async create(input: ResourceInput): Promise<Resource> {
    this.assertOpen();
    const r = normalizeInput(input);
    const member = sortMember(r.mesh, r.name);
    const now = timestamp(this.clock);
    const created = withStoreFields(r, { creationTime: now, modificationTime: now, version: '1' });
    const json = JSON.stringify(created);
    // For a global resource the mesh key is unused (needsMesh = '0'); it is still passed so KEYS has a fixed arity.
    const meshKey = this.resourceKey(MESH_TYPE, sortMember(undefined, r.mesh ?? r.name));
    const reply = asArray(
      await this.script(
        'create',
        'mycelCreate',
        [this.streamKey, this.trimmedKey, this.typesKey, this.resourceKey(r.type, member), this.indexKey(r.type), this.opKey(), meshKey],
        [r.type, member, json, bodyHash(r), JSON.stringify(r.labels), now, r.mesh === undefined ? '0' : '1', this.retain, OP_TTL_SECONDS],
      ),
    );
    switch (reply[0]) {
      case 'ok':
        return created;
      case 'exists':
        throw new AlreadyExistsError(`${formatKey(r)} already exists`);
      case 'nomesh':
        throw new NotFoundError(`Mesh ${r.mesh ?? ''} not found: ${formatKey(r)} belongs to it`);
      default:
        throw unexpectedReply('create', reply);
    }
  }

  async update(input: ResourceInput, options: WriteOptions = {}): Promise<Resource> {
    this.assertOpen();
    const r = normalizeInput(input);
    const now = timestamp(this.clock);
    const head = JSON.stringify(r).slice(0, -1);
    const reply = asArray(
      await this.script(
        'update',
        'mycelUpdate',
        [this.streamKey, this.trimmedKey, this.resourceKey(r.type, sortMember(r.mesh, r.name)), this.opKey()],
        [head, bodyHash(r), JSON.stringify(r.labels), now, options.expectedVersion ?? '', this.retain, OP_TTL_SECONDS],
      ),
    );
    switch (reply[0]) {
      case 'ok':
        return withStoreFields(r, { creationTime: asString(reply[3]), modificationTime: now, version: asString(reply[2]) });
      case 'noop':
        return parseStoredResource(asString(reply[1]));
      case 'notfound':
        throw new NotFoundError(`${formatKey(r)} not found`);
      case 'conflict':
        throw new ConflictError(`${formatKey(r)} has version ${asString(reply[1])}, expected ${options.expectedVersion ?? ''}`);
      default:
        throw unexpectedReply('update', reply);
    }
  }

  async delete(key: ResourceKey, options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    const member = sortMember(key.mesh, key.name);
    const cascade = key.type === MESH_TYPE;
    const reply = asArray(
      await this.script(
        'delete',
        'mycelDelete',
        [this.streamKey, this.trimmedKey, this.typesKey, this.resourceKey(key.type, member), this.indexKey(key.type), this.opKey()],
        [
          this.prefix,
          key.type,
          member,
          options.expectedVersion ?? '',
          cascade ? '1' : '0',
          `[${meshRangeStart(key.name)}`,
          `(${meshRangeEnd(key.name)}`,
          this.retain,
          OP_TTL_SECONDS,
        ],
      ),
    );
    switch (reply[0]) {
      case 'ok':
        return;
      case 'notfound':
        throw new NotFoundError(`${formatKey(key)} not found`);
      case 'conflict':
        throw new ConflictError(`${formatKey(key)} has version ${asString(reply[1])}, expected ${options.expectedVersion ?? ''}`);
      default:
        throw unexpectedReply('delete', reply);
    }
  }

  async head(): Promise<string> {
    this.assertOpen();
    return asString(await this.script('head', 'mycelHead', [this.streamKey], []));
  }

  /**
   * See ResourceStore.watch. Without `fromRevision` the start is the head as of this call: it is
   * read on the command connection before any write issued after watch() returns. A malformed
   * revision (not a stream id) throws MalformedInputError.
   */
  watch(options: WatchOptions = {}): ChangeStream {
    this.assertOpen();
    const from = options.fromRevision;
    if (from !== undefined && !STREAM_ID.test(from)) {
      throw new MalformedInputError(`invalid revision '${from}': this store's revisions are Redis stream ids`, [
        { field: 'fromRevision', reason: 'must be a revision returned by this store' },
      ]);
    }
    const start = settle(from !== undefined ? Promise.resolve(from) : this.head());
    const connection = this.redis.duplicate({
      lazyConnect: true,
      connectionName: 'mycel-store-watch',
      // A watch waits through outages of any length and resumes; reads are idempotent, so resending is safe.
      maxRetriesPerRequest: null,
      autoResendUnfulfilledCommands: true,
      enableOfflineQueue: true,
    });
    // Reconnection is automatic and command failures surface in the watch loop; the event needs a listener only.
    connection.on('error', () => undefined);
    const stream = new RedisChangeStream(connection, [this.streamKey, this.trimmedKey], start, (s) => this.watchers.delete(s));
    this.watchers.add(stream);
    return stream;
  }

  async close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.all([...this.watchers].map((w) => w.close()));
    if (this.redis.status === 'ready') {
      try {
        // QUIT is answered after the replies of every command sent before it, so in-flight calls complete.
        await this.redis.quit();
      } catch {
        // QUIT failing means the connection is already gone, which is the goal; make sure it stays down.
        this.redis.disconnect();
      }
    } else {
      this.redis.disconnect();
    }
    // While reconnecting, ioredis' disconnect() leaves queued commands pending forever: settle ours.
    this.abort.abort(new UnavailableError('Redis store is closed'));
  }

  private resourceKey(type: string, member: string): string {
    return `${this.prefix}:r:${type}:${member}`;
  }

  private indexKey(type: string): string {
    return `${this.prefix}:idx:${type}`;
  }

  private opKey(): string {
    return `${this.prefix}:op:${randomUUID()}`;
  }

  private script(what: string, name: StoreScriptName, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    return this.call(what, () => runScript(this.redis, name, keys, args));
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await this.abort.race(run());
    } catch (err) {
      throw toStoreError(err, what);
    }
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new UnavailableError('Redis store is closed');
  }
}

/** A single-consumer watch with its own connection; ends when closed or when its store closes. */
class RedisChangeStream implements ChangeStream {
  private closed = false;
  private readonly abort = new Abort();
  private readonly iterator: AsyncGenerator<WatchMessage, void, undefined>;
  private readonly streamKey: string;

  constructor(
    private readonly connection: Redis,
    /** The change stream and its trimmed-id key. */
    private readonly keys: readonly [string, string],
    start: Promise<Settled<string>>,
    private readonly onClose: (stream: RedisChangeStream) => void,
  ) {
    this.streamKey = keys[0];
    this.iterator = this.run(start);
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchMessage> {
    return this.iterator;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    // Ends the loop below even when ioredis leaves the pending read unsettled (disconnect while reconnecting).
    this.abort.abort(new UnavailableError('watch closed'));
    this.connection.disconnect();
  }

  private async *run(start: Promise<Settled<string>>): AsyncGenerator<WatchMessage, void, undefined> {
    try {
      const first = await this.abort.race(start);
      if (!first.ok) throw first.error;
      let cursor = first.value;
      while (!this.closed) {
        const reply = asArray(await this.abort.race(runScript(this.connection, 'mycelRead', this.keys, [cursor, WATCH_BATCH])));
        if (this.closed) return;
        if (reply[0] === 'resync') {
          cursor = asString(reply[1]);
          yield { kind: 'resync', revision: cursor };
          continue;
        }
        const entries = asArray(reply[1]);
        if (entries.length === 0) {
          // Only waits for the stream to grow; the entries are then read (with the trim check) by mycelRead.
          await this.abort.race(this.connection.xread('COUNT', 1, 'BLOCK', WATCH_BLOCK_MS, 'STREAMS', this.streamKey, cursor));
          continue;
        }
        for (const entry of entries) {
          const event = parseEntry(entry);
          cursor = event.revision;
          yield { kind: 'change', event };
          if (this.closed) return;
        }
      }
    } catch (err) {
      // After close() the pending command is aborted: that is the normal end of the iteration.
      if (this.closed) return;
      throw toStoreError(err, 'watch');
    } finally {
      await this.close();
    }
  }
}

/** `p`, or a rejection once `deadline` (epoch ms) passes; a late rejection of `p` is left handled. */
async function withDeadline<T>(p: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
  const outcome = settle(p);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: new Error(`not ready within connectTimeoutMs=${timeoutMs}`) }), Math.max(0, deadline - Date.now()));
  });
  try {
    const result = await Promise.race([outcome, expired]);
    if (!result.ok) throw result.error;
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/** A one-shot abort: races promises against it so a close can settle calls a dead connection never will. */
class Abort {
  private fire: (err: Error) => void = () => undefined;
  private readonly aborted: Promise<never>;

  constructor() {
    this.aborted = new Promise<never>((_, reject) => {
      this.fire = reject;
    });
    // Observed through race(); an abort with nothing racing is not an unhandled rejection.
    this.aborted.catch(() => undefined);
  }

  /** `p`, or the abort error once abort() is called (a later outcome of `p` is then ignored). */
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.aborted]);
  }

  abort(err: Error): void {
    this.fire(err);
  }
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** The outcome of `p` as a value, so a promise nobody awaits yet cannot become an unhandled rejection. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function runScript(redis: Redis, name: StoreScriptName, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
  const command = (redis as unknown as Record<string, ((...a: ScriptArg[]) => Promise<unknown>) | undefined>)[name];
  if (typeof command !== 'function') return Promise.reject(new Error(`Redis script ${name} is not defined on this connection`));
  return command.call(redis, ...keys, ...args);
}

function parseEntry(entry: unknown): ChangeEvent {
  const [id, fields] = asArray(entry);
  const values = asArray(fields).map(asString);
  let op: string | undefined;
  let json: string | undefined;
  for (let i = 0; i + 1 < values.length; i += 2) {
    if (values[i] === 'op') op = values[i + 1];
    else if (values[i] === 'res') json = values[i + 1];
  }
  if ((op !== 'created' && op !== 'updated' && op !== 'deleted') || json === undefined) {
    throw new Error(`malformed change-stream entry ${asString(id)}: ${JSON.stringify(values)}`);
  }
  return { revision: asString(id), op, resource: parseStoredResource(json) };
}

/** Content hash of what an update compares: labels and spec. */
function bodyHash(r: ResourceInput): string {
  return contentHash({ labels: r.labels, spec: r.spec }, 64);
}

/** Reply-error prefixes meaning Redis cannot serve right now (loading, failover, AOF write failure, …). */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|MISCONF|BUSY|OOM|NOREPLICAS|TRYAGAIN|CLUSTERDOWN|NOAUTH|WRONGPASS)\b/;

/** Maps an ioredis failure: connection problems and transient server states become UnavailableError. */
function toStoreError(err: unknown, what: string): Error {
  if (isMycelError(err)) return err;
  const message = messageOf(err);
  const isReply = err instanceof Error && err.name === 'ReplyError';
  if (!isReply || UNAVAILABLE_REPLY.test(message)) {
    return new UnavailableError(`Redis unavailable during ${what}: ${message}`, { cause: err });
  }
  return new Error(`Redis rejected ${what}: ${message}`, { cause: err });
}

function unexpectedReply(what: string, reply: unknown): Error {
  return new Error(`unexpected Redis reply to ${what}: ${JSON.stringify(reply)}`);
}

function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`expected an array reply from Redis, got ${JSON.stringify(value)}`);
  return value;
}

function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new Error(`expected a string reply from Redis, got ${JSON.stringify(value)}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    // Not a parseable URL: ioredis will reject it; never echo what could hold a secret.
    return '(unparseable URL)';
  }
}
