/**
 * Polls `check` until it holds, for conditions that have no event to await (a replica's answer,
 * a metric); fails with `what` after `timeoutMs`. Resolves with the time it took.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  pauseMs = 50,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return Date.now() - started;
}
