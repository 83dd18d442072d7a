import { Redis } from 'ioredis';

/**
 * A Redis client that fails fast: with no offline queue and a command timeout, a request made
 * while Redis is down errors at once (503 upstream) instead of hanging, and the client keeps
 * reconnecting by itself so service resumes when Redis returns.
 */
export function createRedisClient(url: string, timeoutMs: number, name: string): Redis {
  const client = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs * 2,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
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
