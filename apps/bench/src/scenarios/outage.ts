import type { BenchContext } from '../bench-context.js';
import { openLoop, type Sample } from '../measure/load.js';
import type { FarStoreFarm } from './far-store.js';

export interface OutageSecond {
  second: number;
  sent: number;
  ok: number;
  unavailable: number;
  other: number;
  maxLatencyMs: number;
}

export interface OutageResult {
  mode: string;
  perSecond: OutageSecond[];
  /** Seconds from the store's return to the first fully successful second. */
  recoveryS: number | null;
}

/** Scenario 8: the store disappears mid-run; success per second per mode. */
export async function storeOutage(ctx: BenchContext, far: FarStoreFarm): Promise<OutageResult[]> {
  const { profile, progress } = ctx;
  const { totalS, cutAtS, cutForS, rate } = profile.outage;
  progress.start('8. store outage');
  const farm = await ctx.farm(far.farmName);
  const modes = {
    session: await ctx.login(farm, 'session'),
    jwt: await ctx.login(farm, 'jwt'),
    hybrid: await ctx.login(farm, 'hybrid'),
  };
  const cut = setTimeout(() => void far.proxy.cut(), cutAtS * 1000);
  const restore = setTimeout(() => void far.proxy.restore(), (cutAtS + cutForS) * 1000);
  const runs = await Promise.all(
    Object.entries(modes).map(async ([mode, headers]) => ({
      mode,
      samples: await openLoop({
        url: `${farm.gatewayUrl}/api/me`,
        headers,
        rate,
        durationS: totalS,
        timeoutMs: 3000,
        onTick: (s) => progress.update(s / totalS, `store down ${cutAtS}-${cutAtS + cutForS} s`),
      }),
    })),
  );
  clearTimeout(cut);
  clearTimeout(restore);
  const results = runs.map(({ mode, samples }) => {
    const perSecond = bySecond(samples, totalS);
    const back = perSecond.find((s) => s.second >= cutAtS + cutForS && s.ok === s.sent);
    return { mode, perSecond, recoveryS: back ? back.second - (cutAtS + cutForS) : null };
  });
  progress.done(
    results
      .map(
        (r) =>
          `${r.mode} ok ${r.perSecond.reduce((n, s) => n + s.ok, 0)}/${r.perSecond.reduce((n, s) => n + s.sent, 0)}`,
      )
      .join(', '),
  );
  return results;
}

function bySecond(samples: Sample[], totalS: number): OutageSecond[] {
  const seconds = Array.from({ length: Math.ceil(totalS) }, (_, second) => ({
    second,
    sent: 0,
    ok: 0,
    unavailable: 0,
    other: 0,
    maxLatencyMs: 0,
  }));
  for (const sample of samples) {
    const bucket = seconds[Math.min(seconds.length - 1, Math.floor(sample.at / 1000))];
    bucket.sent++;
    if (sample.status === 200) bucket.ok++;
    else if (sample.status === 503) bucket.unavailable++;
    else bucket.other++;
    bucket.maxLatencyMs = Math.max(bucket.maxLatencyMs, Math.round(sample.latencyMs));
  }
  return seconds;
}
