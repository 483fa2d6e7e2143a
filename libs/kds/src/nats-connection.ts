import { JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { PermissionViolationError, credsAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Logger } from '@mycel/telemetry';
import { KdsPermissionError, KdsUnavailableError } from './kds-errors';
import { escapeToken, streamOfBucket } from './kds-keys';
import { natsUserOfCreds } from './nats-auth';

/** Options of {@link connectNats}. */
export interface NatsConnectOptions {
  /** One or more `nats://host:port` URLs (the client also learns cluster peers from the server). */
  readonly servers: string | readonly string[];
  /** NATS user: `global`, or `zone-<zone>` (see `kdsUserOf`); each control plane has its own. */
  readonly user?: string;
  readonly pass?: string;
  /**
   * NATS credentials (`.creds` text: user JWT + nkey seed) for operator-mode servers, e.g. a zone
   * token; exclusive with `user`/`pass`. The JWT's `name` is the user (inbox prefix, logs).
   */
  readonly creds?: string;
  /** Connection name shown by the server (`connz`), e.g. `zone-cp east`. */
  readonly name: string;
  /**
   * Prefix of reply and watch inboxes; default `_INBOX.<escaped user>` (plain `_INBOX` without a user).
   * A per-user prefix lets the server config allow each user to subscribe to its own inboxes only,
   * so no user can read replies meant for another.
   */
  readonly inboxPrefix?: string;
  /** Wait between reconnect attempts, in ms; default 1000. Reconnection never gives up. */
  readonly reconnectTimeWaitMs?: number;
  /** Timeout of JetStream API requests and KV writes, in ms; default 5000. */
  readonly requestTimeoutMs?: number;
  /** When true, the first connect also retries until it succeeds instead of failing; default false. */
  readonly waitOnFirstConnect?: boolean;
  /** TLS files (PEM) when the server requires TLS. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
}

/** A connection lifecycle event, as the sync loops need it. */
export type KdsNatsEvent =
  | { readonly type: 'disconnect' }
  | { readonly type: 'reconnect' }
  | { readonly type: 'error'; readonly error: Error }
  | { readonly type: 'close' };

/**
 * A NATS connection for KDS: JetStream KV access plus connection events. Reconnection is the NATS
 * client's own (unbounded); the sync loops resync on every `reconnect` event.
 */
export interface KdsNats {
  /** The connection name. */
  readonly name: string;
  /** The NATS user, if any. */
  readonly user: string | undefined;
  /** KV buckets manager bound to this connection (no `$JS.API.INFO` probes, so no permission for it is needed). */
  readonly kvm: Kvm;
  /** The JetStream client behind {@link KdsNats.kvm} (bucket watches use its ordered pull consumers). */
  readonly js: JetStreamClient;
  /** Calls `listener` on every connection event until the returned function is called. */
  onEvent(listener: (event: KdsNatsEvent) => void): () => void;
  /** True while connected (false while reconnecting and after close). */
  isConnected(): boolean;
  /** Names of the KV buckets whose name starts with `prefix`, sorted (needs `$JS.API.STREAM.NAMES`). */
  listBuckets(prefix: string): Promise<string[]>;
  /**
   * Removes every message of `keys` from `bucket`, leaving no marker (used to drop old delete markers;
   * needs `$JS.API.STREAM.PURGE.KV_<bucket>`). Returns the number of messages removed.
   */
  purgeKeys(bucket: string, keys: readonly string[]): Promise<number>;
  /** Drains and closes the connection; idempotent. Sync components using it must be stopped first. */
  close(): Promise<void>;
}

/**
 * Connects to NATS as `user`. Rejects with KdsUnavailableError (the client's error as `cause`) when no
 * server answers — unless `waitOnFirstConnect`, which keeps trying — or when authentication fails.
 */
export async function connectNats(options: NatsConnectOptions): Promise<KdsNats> {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  if (options.creds !== undefined && (options.user !== undefined || options.pass !== undefined)) {
    throw new TypeError('connectNats: creds and user/pass are exclusive');
  }
  const user = options.creds !== undefined ? natsUserOfCreds(options.creds) : options.user;
  const inboxPrefix = options.inboxPrefix ?? (user === undefined ? '_INBOX' : `_INBOX.${escapeToken(user)}`);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      name: options.name,
      ...(options.user !== undefined ? { user: options.user } : {}),
      ...(options.pass !== undefined ? { pass: options.pass } : {}),
      ...(options.creds !== undefined ? { authenticator: credsAuthenticator(new TextEncoder().encode(options.creds)) } : {}),
      inboxPrefix,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 1000,
      reconnectJitter: 100,
      waitOnFirstConnect: options.waitOnFirstConnect ?? false,
      ...(options.tls !== undefined ? { tls: { ...options.tls } } : {}),
    });
  } catch (err) {
    throw new KdsUnavailableError(`cannot connect to NATS at ${servers.join(', ')} as ${user ?? '(no user)'}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return new NatsKdsConnection(nc, { ...options, ...(user !== undefined ? { user } : {}) }, inboxPrefix);
}

class NatsKdsConnection implements KdsNats {
  readonly name: string;
  readonly user: string | undefined;
  readonly kvm: Kvm;
  readonly js: JetStreamClient;
  private readonly listeners = new Set<(event: KdsNatsEvent) => void>();
  private readonly statusLoop: Promise<void>;
  private readonly timeoutMs: number;
  private connected = true;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    options: NatsConnectOptions,
    readonly inboxPrefix: string,
  ) {
    this.name = options.name;
    this.user = options.user;
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
    this.js = jetstream(nc, { checkAPI: false, timeout: this.timeoutMs });
    this.kvm = new Kvm(this.js);
    this.statusLoop = this.followStatus();
  }

  onEvent(listener: (event: KdsNatsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isConnected(): boolean {
    return !this.nc.isClosed() && !this.nc.isDraining() && this.connected;
  }

  async listBuckets(prefix: string): Promise<string[]> {
    try {
      const jsm = await jetstreamManager(this.nc, { checkAPI: false, timeout: this.timeoutMs });
      const out: string[] = [];
      const streamPrefix = streamOfBucket(prefix);
      for await (const name of jsm.streams.names()) {
        if (name.startsWith(streamPrefix)) out.push(name.slice('KV_'.length));
      }
      return out.sort();
    } catch (err) {
      throw toKdsError(err);
    }
  }

  async purgeKeys(bucket: string, keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    try {
      const jsm = await jetstreamManager(this.nc, { checkAPI: false, timeout: this.timeoutMs });
      let purged = 0;
      for (const key of keys) {
        const r = await jsm.streams.purge(streamOfBucket(bucket), { filter: `$KV.${bucket}.${key}`, keep: 0 });
        purged += r.purged;
      }
      return purged;
    } catch (err) {
      throw toKdsError(err);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.nc.isClosed()) {
        // drain() flushes pending writes; it fails on an already-closing connection, which is fine here.
        await this.nc.drain().catch(() => this.nc.close());
      }
      await this.statusLoop;
    })();
    return this.closing;
  }

  private async followStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.connected = false;
          this.emit({ type: 'disconnect' });
          break;
        case 'reconnect':
          this.connected = true;
          this.emit({ type: 'reconnect' });
          break;
        case 'error':
          this.emit({ type: 'error', error: toKdsError(s.error) as Error });
          break;
        case 'close':
          this.connected = false;
          this.emit({ type: 'close' });
          break;
        default:
          // ping, update, ldm, slowConsumer…: nothing the sync loops act on.
          break;
      }
    }
    this.connected = false;
  }

  private emit(event: KdsNatsEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** Logs a connection event at the level an operator wants it: errors warn, disconnects and reconnects inform. */
export function logNatsEvent(logger: Logger, event: KdsNatsEvent): void {
  if (event.type === 'error') logger.warn('kds: NATS reported an error', { error: event.error });
  else if (event.type === 'disconnect') logger.info('kds: disconnected from NATS; the client reconnects by itself');
  else if (event.type === 'reconnect') logger.info('kds: reconnected to NATS; resyncing');
}

const PERMISSION_MESSAGE = /Permissions Violation for (Publish|Subscription) to "([^"]+)"/i;

/**
 * Maps an error of the NATS client to a KDS error: permission violations (anywhere in the cause
 * chain) → KdsPermissionError with the refused subject; timeouts, missing responders, a missing
 * stream and a closed or unreachable connection → KdsUnavailableError; anything else unchanged.
 */
export function toKdsError(err: unknown): unknown {
  if (err instanceof KdsPermissionError || err instanceof KdsUnavailableError) return err;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof PermissionViolationError) {
      return new KdsPermissionError((err as Error).message, e.operation, e.subject, { cause: err });
    }
    const m = PERMISSION_MESSAGE.exec(e.message);
    if (m !== null) {
      return new KdsPermissionError(e.message, m[1]?.toLowerCase() === 'publish' ? 'publish' : 'subscription', m[2] ?? '', { cause: err });
    }
  }
  if (!(err instanceof Error)) return err;
  const name = err.constructor.name;
  if (
    isStreamNotFound(err) ||
    ['TimeoutError', 'RequestError', 'NoRespondersError', 'ClosedConnectionError', 'ConnectionError', 'DrainingConnectionError', 'JetStreamNotEnabled'].includes(name)
  ) {
    return new KdsUnavailableError(err.message, { cause: err });
  }
  return err;
}

/** True when `err` says a JetStream stream (i.e. a KV bucket) does not exist. */
export function isStreamNotFound(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) return true;
    if (e.message === 'stream not found') return true;
  }
  return false;
}
