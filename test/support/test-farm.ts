import { startFarm, type Farm } from '@authfarm/farm';
import { testEnv } from './test-env.js';

/**
 * Starts a real farm (separate processes on loopback) on the test stores and key prefix.
 * Logs are kept and printed only if the farm fails to start.
 */
export async function startTestFarm(
  env: Record<string, string> = {},
  replicaEnv: Record<string, string> = {},
): Promise<Farm> {
  const stores = testEnv();
  const lines: string[] = [];
  try {
    return await startFarm({
      env: {
        PATH: process.env.PATH,
        REDIS_URL: stores.redisUrl,
        DATABASE_URL: stores.databaseUrl,
        REDIS_KEY_PREFIX: stores.keyPrefix,
        GATEWAY_PORT: '0',
        LOG_LEVEL: 'warn',
        ...env,
      },
      replicaEnv,
      log: (line) => lines.push(line),
    });
  } catch (error) {
    process.stderr.write(`${lines.join('\n')}\n`);
    throw error;
  }
}
