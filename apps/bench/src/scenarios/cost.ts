import type { Farm } from '@authfarm/farm';
import type { BenchContext, Credential } from '../bench-context.js';
import { closedLoop, inTurns, median, openLoop, percentile } from '../measure/load.js';
import { postgresTransactions, redisCommands } from '../measure/store-counters.js';
import { BENCH_DATABASE } from '../bench-context.js';

/** One configuration measured side by side with the others. */
export interface ModeSpec {
  mode: string;
  farm: string;
  env: Record<string, string>;
  login: 'none' | 'session' | 'jwt' | 'hybrid';
}

// Modes compared by a target run next to each other in every round (no-auth, session and jwt
// HS256, hybrid HS256: one farm), so a drift of the machine during a round does not land between
// the two sides of a ratio; the targets pair them round by round.
export const MODES: ModeSpec[] = [
  { mode: 'no-auth', farm: 'hs256', env: {}, login: 'none' },
  { mode: 'session (redis)', farm: 'hs256', env: {}, login: 'session' },
  { mode: 'jwt HS256', farm: 'hs256', env: {}, login: 'jwt' },
  { mode: 'hybrid HS256', farm: 'hs256', env: {}, login: 'hybrid' },
  {
    mode: 'jwt EdDSA + cache',
    farm: 'eddsa-cached',
    env: { JWT_ALG: 'EdDSA', JWT_VERIFIED_CACHE: '10000' },
    login: 'jwt',
  },
  {
    mode: 'session (postgres)',
    farm: 'postgres',
    env: { SESSION_STORE: 'postgres' },
    login: 'session',
  },
  {
    mode: 'session (introspection)',
    farm: 'introspection',
    env: { SESSION_CHECK: 'introspection' },
    login: 'session',
  },
  { mode: 'jwt EdDSA', farm: 'eddsa', env: { JWT_ALG: 'EdDSA' }, login: 'jwt' },
  { mode: 'jwt ES256', farm: 'es256', env: { JWT_ALG: 'ES256' }, login: 'jwt' },
  { mode: 'jwt RS256', farm: 'rs256', env: { JWT_ALG: 'RS256' }, login: 'jwt' },
];

export interface ModeRound {
  /** Closed loop (saturated), in slices taking turns with the other modes' (`runsInTurns`). */
  rps: number;
  requests: number;
  non2xx: number;
  /** CPU µs per request, by process kind, in the closed loop. */
  cpuPerRequest: Record<string, number>;
  /**
   * CPU µs per request, by process kind, at `profile.cpuRate` requests per second on kept-alive
   * connections: every mode at the same rate, so the difference from no-auth is the work of the
   * check, not a change in batching.
   */
  cpuPerRequestFixedRate: Record<string, number>;
  /** The same, for the no-auth route of the same farm, in slices taking turns with the mode's. */
  noAuthFixedRate: Record<string, number>;
  /**
   * Commands per request counted by Redis itself during the fixed-rate run (a script counts once
   * plus once per command inside); the two counts below likewise.
   */
  redisCommandsPerRequest: number;
  /** Round trips per request the replicas counted (authfarm_store_round_trips_total). */
  serviceRoundTripsPerRequest: number;
  postgresStatementsPerRequest: number;
  /** Open-loop latencies (ms) at a fixed rate. */
  latenciesMs: number[];
}

export interface ModeSummary {
  mode: string;
  rounds: ModeRound[];
  rps: { median: number; min: number; max: number };
  p50Ms: number;
  p99Ms: number;
  cpuPerRequest: Record<string, number>;
  cpuPerRequestFixedRate: Record<string, number>;
  noAuthFixedRate: Record<string, number>;
  redisCommandsPerRequest: number;
  serviceRoundTripsPerRequest: number;
  postgresStatementsPerRequest: number;
}

/** Scenario 1: throughput, latency, CPU per process and store round trips, per mode. */
export async function costByMode(ctx: BenchContext, modes = MODES): Promise<ModeSummary[]> {
  const { profile, progress } = ctx;
  progress.start('1. cost per request');
  const setups: Array<{ spec: ModeSpec; farm: Farm; credential: Credential; url: string }> = [];
  for (const spec of modes) {
    // Verified-token cache off unless the mode says otherwise: measure the signature check.
    const farm = await ctx.farm(spec.farm, { JWT_VERIFIED_CACHE: '0', ...spec.env });
    const credential = spec.login === 'none' ? {} : await ctx.login(farm, spec.login);
    setups.push({
      spec,
      farm,
      credential,
      url: `${farm.gatewayUrl}${spec.login === 'none' ? '/api/me/ping' : '/api/me'}`,
    });
    progress.update(setups.length / modes.length / 4, `started ${spec.farm}`);
  }
  // A farm just started runs cold code: warm every mode once before the first recorded round.
  for (const { credential, url } of setups) {
    await closedLoop({
      url,
      headers: credential,
      connections: profile.connections,
      durationS: profile.warmupS,
    });
  }
  const rounds = new Map<string, ModeRound[]>(modes.map((m) => [m.mode, []]));
  let done = 0;
  for (let round = 0; round < profile.rounds; round++) {
    // A fresh login each round: a whole run outlasts JWT_TTL (300 s), and an expired token
    // would measure the 401 path instead of the check.
    for (const setup of setups) {
      if (round > 0 && setup.spec.login !== 'none') {
        setup.credential = await ctx.login(setup.farm, setup.spec.login);
      }
    }
    const closed = await runsInTurns(
      ctx,
      setups.map(({ farm, credential, url }) => ({ farm, url, headers: credential })),
    );
    for (const [i, setup] of setups.entries()) {
      const { spec, farm, url, credential } = setup;
      const samples = await openLoop({
        url,
        headers: credential,
        rate: profile.openRate,
        durationS: profile.openS,
      });
      const redisBefore = await redisCommands(ctx.redis);
      const pgBefore = await postgresTransactions(ctx.db, BENCH_DATABASE);
      const tripsBefore = await serviceRoundTrips(farm);
      // CPU at the fixed rate, taking turns with the no-auth route of the same farm: modes on
      // other farms (other algorithms, stores) are compared with their own replica process, not
      // with another farm's, and the overhead is a difference of two runs over the same seconds.
      const [fixedRate, noAuth = fixedRate] = (
        await runsInTurns(
          ctx,
          [
            { farm, url, headers: credential },
            ...(spec.login === 'none'
              ? []
              : [{ farm, url: `${farm.gatewayUrl}/api/me/ping`, headers: {} }]),
          ],
          profile.cpuRate,
        )
      ).map((t) => ({ cpuPerRequest: perRequest(t.cpu, t.requests), requests: t.requests }));
      // One INFO and one stats read of our own fall between the two readings; the no-auth
      // route's slices add no store work.
      const redisAfter = (await redisCommands(ctx.redis)) - 1;
      const pgAfter = (await postgresTransactions(ctx.db, BENCH_DATABASE)) - 2;
      const trips = (await serviceRoundTrips(farm)) - tripsBefore;
      const { requests } = fixedRate;
      rounds.get(spec.mode)!.push({
        rps: closed[i].requests / closed[i].durationS,
        requests: closed[i].requests,
        non2xx: closed[i].failed,
        cpuPerRequest: perRequest(closed[i].cpu, closed[i].requests),
        cpuPerRequestFixedRate: fixedRate.cpuPerRequest,
        noAuthFixedRate: noAuth.cpuPerRequest,
        redisCommandsPerRequest: Math.max(0, redisAfter - redisBefore) / Math.max(1, requests),
        postgresStatementsPerRequest: Math.max(0, pgAfter - pgBefore) / Math.max(1, requests),
        serviceRoundTripsPerRequest: trips / Math.max(1, requests),
        latenciesMs: samples.map((s) => round2(s.latencyMs)),
      });
      done++;
      progress.update(
        0.25 + (0.75 * done) / (modes.length * profile.rounds),
        `${spec.mode} round ${round + 1}`,
      );
    }
  }
  const summaries = modes.map((spec) => summarize(spec.mode, rounds.get(spec.mode)!));
  progress.done(`${summaries.length} modes x ${profile.rounds} rounds`);
  return summaries;
}

export function summarize(mode: string, rounds: ModeRound[]): ModeSummary {
  const rps = rounds.map((r) => r.rps);
  const latencies = rounds.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const keys = Object.keys(rounds[0]?.cpuPerRequest ?? {});
  return {
    mode,
    rounds,
    rps: { median: median(rps), min: Math.min(...rps), max: Math.max(...rps) },
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuPerRequest: Object.fromEntries(
      keys.map((k) => [k, median(rounds.map((r) => r.cpuPerRequest[k]))]),
    ),
    cpuPerRequestFixedRate: Object.fromEntries(
      keys.map((k) => [k, median(rounds.map((r) => r.cpuPerRequestFixedRate[k]))]),
    ),
    noAuthFixedRate: Object.fromEntries(
      keys.map((k) => [k, median(rounds.map((r) => r.noAuthFixedRate[k]))]),
    ),
    redisCommandsPerRequest: median(rounds.map((r) => r.redisCommandsPerRequest)),
    postgresStatementsPerRequest: median(rounds.map((r) => r.postgresStatementsPerRequest)),
    serviceRoundTripsPerRequest: median(rounds.map((r) => r.serviceRoundTripsPerRequest)),
  };
}

/** Store round trips the farm's replicas report on /metrics. */
async function serviceRoundTrips(farm: Farm): Promise<number> {
  let total = 0;
  for (const replica of farm.replicas) {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('authfarm_store_round_trips_total{'))
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

interface RunTotals {
  requests: number;
  durationS: number;
  failed: number;
  /** CPU µs by process kind, summed over the slices. */
  cpu: Record<string, number>;
}

/**
 * Runs of several routes (each on its farm), every one cut into `profile.slices` slices that take
 * turns (A B C … C B A …), closed loop or capped at `overallRate`. The machine's speed drifts
 * (no-auth ranged from 8,399 to 11,860 req/s between the rounds of one full run): run back to
 * back, a ratio or a difference of two runs would carry whatever the drift did between them; in
 * turns, it lands on every run alike.
 */
async function runsInTurns(
  ctx: BenchContext,
  runs: Array<{ farm: Farm; url: string; headers: Credential }>,
  overallRate?: number,
): Promise<RunTotals[]> {
  const { profile } = ctx;
  const totals: RunTotals[] = runs.map(() => ({ requests: 0, durationS: 0, failed: 0, cpu: {} }));
  await inTurns(runs.length, profile.slices, async (i) => {
    const meter = ctx.cpuMeter(runs[i].farm);
    meter.begin();
    const run = await closedLoop({
      url: runs[i].url,
      headers: runs[i].headers,
      connections: profile.connections,
      durationS: profile.closedS / profile.slices,
      overallRate,
    });
    for (const [kind, micros] of Object.entries(meter.end())) {
      totals[i].cpu[kind] = (totals[i].cpu[kind] ?? 0) + micros;
    }
    totals[i].requests += run.requests;
    totals[i].durationS += run.durationS;
    totals[i].failed += run.non2xx + run.errors;
  });
  return totals;
}

function perRequest(cpu: Record<string, number>, requests: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / Math.max(1, requests)]));
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
