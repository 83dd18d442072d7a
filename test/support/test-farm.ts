import { afterAll, beforeAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startFarm, type Farm } from '@authfarm/farm';
import { testEnv } from './test-env.js';

/**
 * Starts a real farm (separate processes on loopback) on the test stores and key prefix.
 * Every line the farm prints (`[<process>] <line>`) goes to `lines`, for a spec that reads the
 * logs; they are printed only if the farm fails to start.
 */
export async function startTestFarm(
  env: Record<string, string> = {},
  replicaEnv: Record<string, string> = {},
  lines: string[] = [],
  options: { controls?: boolean } = {},
): Promise<Farm> {
  const stores = testEnv();
  try {
    return await startFarm({
      env: {
        PATH: process.env.PATH,
        REDIS_URL: stores.redisUrl,
        DATABASE_URL: stores.databaseUrl,
        REDIS_KEY_PREFIX: stores.keyPrefix,
        GATEWAY_PORT: '0',
        LOG_LEVEL: 'warn',
        // Farms share the test database; each keeps its own signing key ring.
        JWT_KEY_RING: `test-${randomBytes(6).toString('hex')}`,
        ...env,
      },
      replicaEnv,
      controls: options.controls,
      log: (line) => lines.push(line),
    });
  } catch (error) {
    process.stderr.write(`${lines.join('\n')}\n`);
    throw error;
  }
}

/**
 * The farm a spec file (or a `describe` block) runs against: started before its first test,
 * stopped after its last (even when start-up timed out). The returned object stands for the
 * farm once it is up.
 */
export function farmForThisFile(
  env: Record<string, string> = {},
  replicaEnv: Record<string, string> = {},
  lines: string[] = [],
): Farm {
  let starting: Promise<Farm> | undefined;
  let farm: Farm | undefined;
  beforeAll(async () => {
    starting = startTestFarm(env, replicaEnv, lines);
    farm = await starting;
  });
  afterAll(async () => (await starting?.catch(() => undefined))?.stop());
  return new Proxy({} as Farm, {
    get: (_target, property: keyof Farm) => {
      if (!farm) throw new Error('the farm is used before it started (outside a test?)');
      return farm[property];
    },
  });
}
