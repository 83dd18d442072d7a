/**
 * Epoch milliseconds with sub-millisecond precision. The top page and both device frames run on
 * the same clock, so times taken in different frames can be subtracted.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** 0.4 ms, 4.1 ms, 42 ms, 9.8 s. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${Math.max(0, ms).toFixed(1)} ms`;
}

/** A clock time for a timestamp in epoch seconds or milliseconds, e.g. 14:02:05. */
export function clockTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString(undefined, { hour12: false });
}
