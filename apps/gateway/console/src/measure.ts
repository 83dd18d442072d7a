import type { MeResult } from './messages.js';

/** How one replica treated a credential after it was ended. */
export interface ReplicaReach {
  replica: string;
  /** ms from the end (logout, revocation) to the first refusal's answer; null: never refused. */
  firstRefusalMs: number | null;
  /** Requests it accepted after the end but before its first refusal (propagation). */
  acceptedBefore: number;
  /** Requests it accepted after its first refusal: a credential that came back. */
  acceptedAfter: number;
  /** ms from the end to the sending of the last request it accepted; null: it accepted none. */
  lastAcceptedSentMs: number | null;
  requests: number;
}

/**
 * Per replica: when it first refused a credential ended at `endedAt`, counting only requests
 * sent after the end. `expected` are the replicas that should all refuse; others seen count too.
 */
export function reachOf(
  results: readonly MeResult[],
  endedAt: number,
  expected: readonly string[],
): ReplicaReach[] {
  const after = results.filter((r) => r.sent >= endedAt).sort((a, b) => a.at - b.at);
  const names = new Set(expected);
  for (const result of after) if (result.replica) names.add(result.replica);
  return [...names].sort(compareNames).map((replica) => {
    const mine = after.filter((r) => r.replica === replica);
    const first = mine.find((r) => r.status === 401);
    const lastAccepted = mine.filter((r) => r.status === 200).at(-1);
    return {
      replica,
      firstRefusalMs: first ? first.at - endedAt : null,
      acceptedBefore: mine.filter((r) => r.status === 200 && (!first || r.at < first.at)).length,
      acceptedAfter: first ? mine.filter((r) => r.status === 200 && r.at > first.at).length : 0,
      lastAcceptedSentMs: lastAccepted ? lastAccepted.sent - endedAt : null,
      requests: mine.length,
    };
  });
}

export function refusedEverywhere(reach: readonly ReplicaReach[]): boolean {
  return reach.length > 0 && reach.every((r) => r.firstRefusalMs !== null);
}

/** The slowest replica's time to refusal, over those that refused. */
export function slowestRefusal(reach: readonly ReplicaReach[]): number {
  return Math.max(0, ...reach.map((r) => r.firstRefusalMs ?? 0));
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A share as a whole percentage, "0%" for an empty set. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${Math.round((part / whole) * 100)}%`;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

export function compareNames(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}
