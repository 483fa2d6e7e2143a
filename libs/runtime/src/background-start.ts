import type { Logger } from '@mycel/telemetry';

/** A started component that can be stopped. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** Options of {@link startInBackground}. */
export interface BackgroundStartOptions<C, T extends Stoppable> {
  /** What the log lines call it, e.g. `KDS`. */
  readonly name: string;
  /** Opens the connection; may take arbitrarily long (e.g. retries until the server answers). */
  readonly connect: () => Promise<C>;
  /** Starts the component on the connection; must not wait for the remote side. */
  readonly start: (connection: C) => T;
  /** Closes the connection (after the component stopped). */
  readonly close: (connection: C) => Promise<void>;
  readonly logger: Logger;
  /** Wait after a failed `connect` before the next one, in ms; default 2000. */
  readonly retryMs?: number;
}

/** A component started by {@link startInBackground}. */
export interface BackgroundComponent<T> extends Stoppable {
  /** The running component once connected; undefined before (and after stop). */
  current(): T | undefined;
}

/**
 * Connects and starts a component without blocking the caller: the control plane serves while
 * the remote side (NATS, global) is unreachable. A failed `connect` (e.g. refused credentials) is
 * logged and retried every `retryMs`, forever. `stop()` stops the component and closes the
 * connection; it does not wait for a `connect` still pending (which may never end while the
 * server is down) — a connection that arrives after stop is closed at once.
 */
export function startInBackground<C, T extends Stoppable>(options: BackgroundStartOptions<C, T>): BackgroundComponent<T> {
  const { logger, name } = options;
  const retryMs = options.retryMs ?? 2000;
  let stopped = false;
  let running: { readonly connection: C; readonly component: T } | undefined;
  let cancelWait: () => void = () => undefined;

  const loop = async (): Promise<void> => {
    for (let attempt = 1; !stopped; attempt++) {
      let connection: C;
      try {
        connection = await options.connect();
      } catch (err) {
        logger.warn(`${name}: cannot connect; retrying`, { error: err, attempt, retryMs });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          cancelWait = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      if (stopped) {
        await options.close(connection).catch((err: unknown) => logger.warn(`${name}: error while closing`, { error: err }));
        return;
      }
      running = { connection, component: options.start(connection) };
      logger.info(`${name}: connected and started`);
      return;
    }
  };
  // The loop never rejects: connect errors are retried and start errors are logged here.
  void loop().catch((err: unknown) => logger.error(`${name}: cannot start`, { error: err }));

  return {
    current: () => running?.component,
    async stop() {
      stopped = true;
      cancelWait();
      const r = running;
      running = undefined;
      if (r === undefined) return;
      await r.component.stop();
      await options.close(r.connection);
    },
  };
}
