import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../bench-context.js';
import { cpuUnderLoad, median } from '../measure/load.js';

/** The primitives measured once per request (the names of their loop figures). */
export const IN_SERVER_PRIMITIVES = [
  'redis GET (client)',
  'pg query by key, prepared (client)',
  'HMAC-SHA256 of a token',
  'verify HS256 (fast-jwt)',
  'verify EdDSA (fast-jwt)',
  'verify ES256 (fast-jwt)',
  'verify RS256 (fast-jwt)',
] as const;

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'primitive-server.js');

export interface InServerFloor {
  /** CPU µs the primitive adds to a bare server's request, at the fixed rate (median). */
  cpuMicros: number;
  rounds: number[];
}

/**
 * Scenario 2, second half: each primitive run once per request in a bare `node:http` server, at
 * the fixed rate of the replicas' CPU runs (`profile.cpuRate`), minus the same server's plain
 * route measured in the same round. This is the floor a replica could reach; the loop figure
 * beside it is the same call made back to back, with warm caches.
 */
export async function primitivesInServer(ctx: BenchContext): Promise<Map<string, InServerFloor>> {
  const { profile, progress } = ctx;
  progress.start('2. primitive floor, once per request in a server');
  const child = fork(SERVER, [], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: ctx.redisUrl,
      DATABASE_URL: ctx.databaseUrl,
      REDIS_KEY_PREFIX: ctx.prefix,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`primitive server exited with ${code}`)));
    });
    const routes = ['plain', ...IN_SERVER_PRIMITIVES.map((_, index) => String(index))];
    const run = async (route: string, durationS: number) =>
      (
        await cpuUnderLoad(child.pid ?? 0, {
          url: `http://127.0.0.1:${port}/op/${route}`,
          connections: profile.connections,
          durationS,
          overallRate: profile.cpuRate,
        })
      ).cpuPerRequest;
    for (const route of routes) await run(route, profile.warmupS);
    const rounds = new Map<string, number[]>(IN_SERVER_PRIMITIVES.map((name) => [name, []]));
    const durationS = Math.min(profile.closedS, 3);
    for (let round = 0; round < profile.rounds; round++) {
      const plain = await run('plain', durationS);
      for (const [index, name] of IN_SERVER_PRIMITIVES.entries()) {
        rounds.get(name)!.push((await run(String(index), durationS)) - plain);
        progress.update(
          (round * IN_SERVER_PRIMITIVES.length + index + 1) /
            (IN_SERVER_PRIMITIVES.length * profile.rounds),
          name,
        );
      }
    }
    progress.done(`${IN_SERVER_PRIMITIVES.length} primitives x ${profile.rounds} rounds`);
    return new Map(
      [...rounds].map(([name, values]) => [name, { cpuMicros: median(values), rounds: values }]),
    );
  } finally {
    if (child.connected) child.disconnect();
  }
}
