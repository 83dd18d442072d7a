import { Redis } from 'ioredis';

/**
 * A Redis client that fails fast: with no offline queue and a command timeout, a request made
 * while Redis is down errors at once (503 upstream) instead of hanging, and the client keeps
 * reconnecting by itself so service resumes when Redis returns.
 *
 * Auto-pipelining sends the commands issued in one event-loop turn (one per request under load)
 * in one socket write: a write per command cost a replica about 50 µs of CPU per session check
 * (docs/benchmark.md). Each command keeps its own timeout and its own fail-fast error.
 */
export function createRedisClient(url: string, timeoutMs: number, name: string): Redis {
  const client = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs * 2,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000),
  });
  // Connection errors surface as failed commands; an unhandled 'error' event would crash.
  client.on('error', () => undefined);
  return client;
}

/** Connects, tolerating an unreachable server: the client keeps retrying in the background. */
export async function connectRedis(client: Redis): Promise<void> {
  await client.connect().catch(() => undefined);
}
