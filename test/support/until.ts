/** Polling for e2e tests against real processes (an apiserver, a gateway). */

/**
 * Calls `fn` every 200 ms until it returns something other than undefined, and returns that; fails after
 * `timeoutMs` naming `what` and the last error `fn` threw.
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
