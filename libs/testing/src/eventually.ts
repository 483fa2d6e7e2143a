/**
 * Retries `check` (an assertion) every 50 ms until it passes, or rethrows its last failure after
 * `timeoutMs`. For tests that wait on asynchronous convergence; no timing is asserted.
 */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
