import { setTimeout as sleep } from 'node:timers/promises';
import type { Answer, Device } from './device.js';

export { sleep };

/** How one replica came to refuse a credential. */
export interface Refusal {
  /** ms from `since` to the first 401, or undefined when it never came within the timeout. */
  ms: number | undefined;
  /** The very first request after `since` was already refused: "at once", not "soon". */
  first: boolean;
}

/**
 * Asks every replica directly (not through the gateway, which would pick one) with `device`'s
 * credential, back to back, until each answers 401. Times run from `since` (performance.now()).
 */
export function untilRefused(
  device: Device,
  replicaUrls: string[],
  since: number,
  timeoutMs: number,
): Promise<Refusal[]> {
  return Promise.all(
    replicaUrls.map(async (url) => {
      for (let attempt = 0; ; attempt++) {
        const answer = await device.me(url);
        const now = performance.now();
        if (answer.status === 401) return { ms: now - since, first: attempt === 0 };
        if (now - since > timeoutMs) return { ms: undefined, first: false };
      }
    }),
  );
}

/** The statuses every replica answers `device` now, in replica order. */
export async function statusesEverywhere(device: Device, replicaUrls: string[]): Promise<number[]> {
  return (await Promise.all(replicaUrls.map((url) => device.me(url)))).map((a) => a.status);
}

/** Sends `next()` back to back, `parallel` at a time, until `stop()`; keeps every answer. */
export function closedLoop(
  parallel: number,
  next: () => Promise<Answer>,
): { answers: Answer[]; stop(): Promise<Answer[]> } {
  const answers: Answer[] = [];
  let running = true;
  const workers = Promise.all(
    Array.from({ length: parallel }, async () => {
      while (running) answers.push(await next());
    }),
  );
  return {
    answers,
    stop: async () => {
      running = false;
      await workers;
      return answers;
    },
  };
}

/** Runs `work` and resolves with how long it took, in ms. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const ms = (value: number): string =>
  `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
export const seconds = (valueMs: number): string => `${(valueMs / 1000).toFixed(1)} s`;
export const percent = (part: number, whole: number): string =>
  `${whole === 0 ? 0 : Math.round((100 * part) / whole)}%`;
