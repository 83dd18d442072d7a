import type { BenchContext } from '../bench-context.js';
import { closedLoop } from '../measure/load.js';
import { redisCommands } from '../measure/store-counters.js';

export interface ScalingPoint {
  replicas: number;
  mode: string;
  rps: number;
  storeOpsPerSecond: number;
  storeOpsPerRequest: number;
}

/** Scenario 4: store operations per second against request rate, for 1, 2, 4 replicas. */
export async function scaling(ctx: BenchContext): Promise<ScalingPoint[]> {
  const { profile, progress } = ctx;
  progress.start('4. scaling out');
  const points: ScalingPoint[] = [];
  for (const replicas of profile.scaleReplicas) {
    const name = `scale-${replicas}`;
    const farm = await ctx.farm(name, { REPLICAS: String(replicas), JWT_VERIFIED_CACHE: '0' });
    for (const mode of ['session', 'jwt'] as const) {
      const credential = await ctx.login(farm, mode);
      const before = await redisCommands(ctx.redis);
      const result = await closedLoop({
        url: `${farm.gatewayUrl}/api/me`,
        headers: credential,
        connections: profile.connections * replicas,
        durationS: profile.closedS,
      });
      const ops = Math.max(0, (await redisCommands(ctx.redis)) - 1 - before);
      points.push({
        replicas,
        mode,
        rps: result.rps,
        storeOpsPerSecond: ops / result.durationS,
        storeOpsPerRequest: ops / Math.max(1, result.requests),
      });
      progress.update(
        points.length / (profile.scaleReplicas.length * 2),
        `${replicas} replicas ${mode}`,
      );
    }
    await ctx.stopFarm(name);
  }
  progress.done(
    points
      .map((p) => `${p.replicas}x ${p.mode} ${p.storeOpsPerRequest.toFixed(2)} ops/req`)
      .join(', '),
  );
  return points;
}
