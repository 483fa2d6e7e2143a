/**
 * Milliseconds on the system's monotonic clock (CLOCK_MONOTONIC through `process.hrtime`), with
 * sub-millisecond precision. Every process of one machine reads the same clock, so a time taken by
 * the bench process and one taken by a simulated dataplane in a worker process can be subtracted.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
