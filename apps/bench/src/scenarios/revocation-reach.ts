import type { Farm } from '@authfarm/farm';
import type { BenchContext, Credential } from '../bench-context.js';
import { percentile } from '../measure/load.js';

export interface ReachResult {
  mode: string;
  trials: number;
  /** ms from logout-all returning to the last replica refusing the credential. */
  samplesMs: number[];
  p50Ms: number;
  p99Ms: number;
  note?: string;
}

/** Scenario 7: how long "log out everywhere" takes to reach every replica. */
export async function revocationReach(ctx: BenchContext, farmName: string): Promise<ReachResult[]> {
  const { profile, progress } = ctx;
  progress.start('7. revocation reach');
  const farm = await ctx.farm(farmName);
  const results: ReachResult[] = [];
  for (const mode of ['session', 'hybrid'] as const) {
    const samples: number[] = [];
    for (let i = 0; i < profile.reachTrials; i++) {
      samples.push(await reachOnce(farm, await ctx.login(farm, mode)));
      progress.update(
        (results.length * profile.reachTrials + i + 1) / (2 * profile.reachTrials),
        mode,
      );
    }
    const sorted = [...samples].sort((a, b) => a - b);
    results.push({
      mode,
      trials: samples.length,
      samplesMs: samples,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
    });
  }
  const ttlMs = farm.config.env.JWT_TTL * 1000;
  results.push({
    mode: 'jwt',
    trials: 0,
    samplesMs: [],
    p50Ms: ttlMs / 2,
    p99Ms: ttlMs,
    note: `not pushed: a token stays valid until exp, up to JWT_TTL = ${farm.config.env.JWT_TTL} s (p50 = half of it for tokens of uniformly random age)`,
  });
  progress.done(results.map((r) => `${r.mode} p99 ${r.p99Ms.toFixed(1)} ms`).join(', '));
  return results;
}

async function reachOnce(farm: Farm, credential: Credential): Promise<number> {
  const status = (url: string) =>
    fetch(`${url}/api/me`, { headers: credential }).then((r) => r.status);
  for (const replica of farm.replicas) {
    if ((await status(replica.url)) !== 200)
      throw new Error('credential refused before logout-all');
  }
  await fetch(`${farm.gatewayUrl}/auth/logout-all`, { method: 'POST', headers: credential });
  const returned = performance.now();
  const refused = await Promise.all(
    farm.replicas.map(async (replica) => {
      while ((await status(replica.url)) !== 401) {
        if (performance.now() - returned > 5000) throw new Error(`${replica.name} never refused`);
      }
      return performance.now();
    }),
  );
  return Math.max(...refused) - returned;
}
