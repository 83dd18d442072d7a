import type { BenchContext } from '../bench-context.js';
import { FaultProxy } from '@authfarm/farm';
import { openLoop, percentile } from '../measure/load.js';

export interface FarStorePoint {
  delayMs: number;
  mode: string;
  p50Ms: number;
  p99Ms: number;
}

export interface FarStoreFarm {
  proxy: FaultProxy;
  farmName: string;
}

/** A farm whose replicas reach Redis through a proxy that can delay or cut (scenarios 3, 7, 8). */
export async function farStoreFarm(ctx: BenchContext, replicas = 2): Promise<FarStoreFarm> {
  const target = new URL(ctx.redisUrl);
  const proxy = new FaultProxy(target.hostname, Number(target.port || 6379));
  const port = await proxy.start();
  await ctx.farm(
    'far',
    { REPLICAS: String(replicas), JWT_VERIFIED_CACHE: '0' },
    { REDIS_URL: `redis://127.0.0.1:${port}` },
  );
  return { proxy, farmName: 'far' };
}

/** Scenario 3: latency when the store is far away (added delay each way). */
export async function farStore(ctx: BenchContext, far: FarStoreFarm): Promise<FarStorePoint[]> {
  const { profile, progress } = ctx;
  progress.start('3. far store');
  const farm = await ctx.farm(far.farmName);
  const modes = {
    session: await ctx.login(farm, 'session'),
    'jwt HS256': await ctx.login(farm, 'jwt'),
    'hybrid HS256': await ctx.login(farm, 'hybrid'),
  };
  const points: FarStorePoint[] = [];
  const steps = profile.farDelaysMs.length * Object.keys(modes).length;
  for (const delayMs of profile.farDelaysMs) {
    far.proxy.delayMs = delayMs;
    for (const [mode, credential] of Object.entries(modes)) {
      const samples = await openLoop({
        url: `${farm.gatewayUrl}/api/me`,
        headers: credential,
        rate: Math.min(profile.openRate, 100),
        durationS: profile.farS,
      });
      const latencies = samples
        .filter((s) => s.status === 200)
        .map((s) => s.latencyMs)
        .sort((a, b) => a - b);
      points.push({
        delayMs,
        mode,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
      });
      progress.update(points.length / steps, `${mode} +${delayMs} ms`);
    }
  }
  far.proxy.delayMs = 0;
  progress.done(
    points
      .filter((p) => p.delayMs === Math.max(...profile.farDelaysMs))
      .map((p) => `${p.mode} p50 ${p.p50Ms.toFixed(1)} ms`)
      .join(', '),
  );
  return points;
}
