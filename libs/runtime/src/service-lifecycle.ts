import type { Logger } from '@mycel/telemetry';
import type { Stoppable } from './background-start';

/** Exit code of a service whose configuration or flags are invalid. */
export const EXIT_CONFIG = 2;
/** Exit code of a service that cannot start (store unreachable, port taken…) or fails to stop. */
export const EXIT_START = 1;

/**
 * Starts a service's components with `start`, then stops them on the first SIGTERM or SIGINT and
 * exits 0 (1 when stopping fails). A start failure is logged, printed as
 * `<service>: cannot start: <reason>` on stderr, and exits 1. Shared by every service's main.ts.
 */
export async function serveUntilSignal(service: string, logger: Logger, start: () => Promise<Stoppable>): Promise<void> {
  let running: Stoppable;
  try {
    running = await start();
  } catch (err) {
    logger.error('cannot start', { error: err });
    process.stderr.write(`${service}: cannot start: ${(err as Error).message}\n`);
    process.exit(EXIT_START);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    running.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error('shutdown failed', { error: err });
        process.exit(EXIT_START);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
