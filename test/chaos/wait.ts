/**
 * Polls `check` every 100 ms until it returns null (done) or `timeoutMs` passes; then
 * fails with what `check` said last (a string saying what is still missing, or its error).
 */
export async function waitUntil(
  check: () => Promise<string | null>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const missing = await check();
      if (missing === null) return;
      last = missing;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last}`);
    await sleep(100);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
