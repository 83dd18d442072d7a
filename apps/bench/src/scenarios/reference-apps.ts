import { Agent } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService, type ServiceProcess } from '@authfarm/farm';
import type { BenchContext, Credential } from '../bench-context.js';
import { closedLoop, inTurns, median, openLoop, percentile } from '../measure/load.js';

export interface ReferenceResult {
  app: string;
  rps: number;
  p99Ms: number;
  rounds: number[];
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Scenario 9: what users would pick instead, built as their docs show (apps/bench/src/reference),
 * against an authfarm replica, each hit directly (no gateway) with the same checks.
 */
export async function referenceApps(ctx: BenchContext): Promise<ReferenceResult[]> {
  const { profile, progress } = ctx;
  progress.start('9. reference apps');
  const farm = await ctx.farm('hs256', { JWT_VERIFIED_CACHE: '0' });
  const cached = await ctx.farm('hs256-cached', { JWT_VERIFIED_CACHE: '10000' });
  const env = { ...ctx.farmEnv(), PORT: '0', REDIS_KEY_PREFIX: `${ctx.prefix}` };
  const started: ServiceProcess[] = [];
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  try {
    const expressSession = await spawnService({
      name: 'express-session',
      script: join(HERE, '..', 'reference', 'express-session-app.js'),
      env,
      log,
    });
    started.push(expressSession);
    const nestJwt = await spawnService({
      name: 'nest-jwt',
      script: join(HERE, '..', 'reference', 'nest-jwt-app.js'),
      env,
      log,
    });
    started.push(nestJwt);
    const login = await fetch(`${expressSession.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'bench-user', username: 'alice' }),
    });
    const expressCookie = { cookie: login.headers.getSetCookie()[0].split(';')[0] };
    const token = await ctx.login(farm, 'jwt');
    const targets: Array<[string, string, Credential]> = [
      ['express-session + connect-redis', `${expressSession.url}/api/me`, expressCookie],
      [
        'authfarm session (redis)',
        `${farm.replicas[0].url}/api/me`,
        await ctx.login(farm, 'session'),
      ],
      ['@nestjs/jwt guard (HS256)', `${nestJwt.url}/api/me`, token],
      ['authfarm jwt HS256', `${farm.replicas[0].url}/api/me`, token],
      [
        'authfarm jwt HS256 + cache',
        `${cached.replicas[0].url}/api/me`,
        await ctx.login(cached, 'jwt'),
      ],
    ];
    const rounds = new Map<string, { rps: number[]; latencies: number[] }>(
      targets.map(([app]) => [app, { rps: [], latencies: [] }]),
    );
    // Each round cuts every app's closed loop, then its open loop, into slices that take turns
    // (A B C … C B A …), as scenario 1 does: a stall of the machine lands on every app alike, not
    // on whichever app was running, and the p99s compared are from the same seconds. Each app
    // keeps its open-loop connections from slice to slice.
    const agents = targets.map(() => new Agent({ keepAlive: true, maxSockets: 512 }));
    let done = 0;
    try {
      for (let round = 0; round < profile.rounds; round++) {
        const closed = targets.map(() => ({ requests: 0, durationS: 0 }));
        await inTurns(targets.length, profile.slices, async (i) => {
          const [app, url, headers] = targets[i];
          const run = await closedLoop({
            url,
            headers,
            connections: profile.connections,
            durationS: profile.closedS / profile.slices,
          });
          if (run.non2xx > 0) throw new Error(`${app}: ${run.non2xx} requests refused`);
          closed[i].requests += run.requests;
          closed[i].durationS += run.durationS;
        });
        await inTurns(targets.length, profile.slices, async (i) => {
          const [app, url, headers] = targets[i];
          const open = await openLoop({
            url,
            headers,
            rate: profile.openRate,
            durationS: profile.openS / profile.slices,
            agent: agents[i],
          });
          rounds.get(app)!.latencies.push(...open.map((s) => s.latencyMs));
        });
        for (const [i, [app]] of targets.entries()) {
          rounds.get(app)!.rps.push(closed[i].requests / closed[i].durationS);
          progress.update(++done / (targets.length * profile.rounds), app);
        }
      }
    } finally {
      for (const agent of agents) agent.destroy();
    }
    const results = targets.map(([app]) => {
      const r = rounds.get(app)!;
      return {
        app,
        rps: median(r.rps),
        p99Ms: percentile(
          r.latencies.sort((a, b) => a - b),
          99,
        ),
        rounds: r.rps,
      };
    });
    progress.done(results.map((r) => `${r.app.split(' ')[0]} ${Math.round(r.rps)} rps`).join(', '));
    return results;
  } catch (error) {
    process.stderr.write(`${lines.join('\n')}\n`);
    throw error;
  } finally {
    for (const service of started) await service.stop();
  }
}
