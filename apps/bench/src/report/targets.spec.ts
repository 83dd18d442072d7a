import { describe, expect, it } from '@jest/globals';
import type { Results } from './results.schema.js';
import { evaluateTargets } from './targets.js';

type Scenarios = Results['scenarios'];

// Just what the targets read: rounds of closed-loop throughput and of fixed-rate replica CPU (the
// mode's, then the no-auth route's on the same farm) per mode.
function scenarios(
  rpsByMode: Record<string, number[]>,
  fixedRate: Record<string, Array<[mode: number, noAuth: number]>> = {},
): Scenarios {
  const cpu = { gateway: 50, replica: 50 };
  const modes = Object.entries(rpsByMode).map(([mode, rps]) => ({
    mode,
    rounds: rps.map((r, i) => {
      const [own, noAuth] = fixedRate[mode]?.[i] ?? [50, 50];
      return {
        rps: r,
        cpuPerRequestFixedRate: { replica: own },
        noAuthFixedRate: { replica: noAuth },
      };
    }),
    rps: {
      median: [...rps].sort((a, b) => a - b)[1],
      min: Math.min(...rps),
      max: Math.max(...rps),
    },
    cpuPerRequest: cpu,
    cpuPerRequestFixedRate: cpu,
  }));
  return {
    cost: { modes, bareHttp: { cpuPerRequest: 25, rps: 1 } },
    primitives: [{ name: 'verify EdDSA (fast-jwt)', cpuMicros: 100, rounds: [100] }],
    reach: [],
    reference: [],
  } as unknown as Scenarios;
}

const measured = (s: Scenarios, name: string) =>
  evaluateTargets(s).find((t) => t.name === name)?.measured;

describe('throughput targets', () => {
  it('pairs the two modes round by round, so a drift between rounds cancels out', () => {
    // The machine changes speed from round to round; hybrid is 1 % behind jwt in two rounds and
    // was disturbed in the third. Medians taken separately compare jwt's round 3 with hybrid's
    // round 3 (-20 %); paired, the disturbed round is the outlier it is.
    const s = scenarios({
      'no-auth': [1100, 550, 770],
      'jwt HS256': [1000, 500, 700],
      'hybrid HS256': [990, 495, 560],
    });
    expect(measured(s, 'hybrid vs jwt, same algorithm')).toBe('-1.0% (rounds -20.0% to -1.0%)');
    expect(evaluateTargets(s).find((t) => t.name.startsWith('hybrid vs jwt'))?.met).toBe(true);
  });

  it('states the ratio to no-auth as the median of the per-round ratios', () => {
    const s = scenarios({
      'no-auth': [1000, 500, 2000],
      'session (redis)': [850, 350, 1600],
    });
    // Per round: 0.85, 0.70, 0.80 (the medians taken separately would give 850 / 1000).
    expect(measured(s, 'throughput through the gateway, session (redis)')).toBe(
      '0.80 × (rounds 0.70 to 0.85)',
    );
  });
});

describe('replica overhead', () => {
  it("subtracts the no-auth route of the mode's own farm, round by round", () => {
    // EdDSA runs in a farm of its own whose replica answers no-auth at 60 µs, while the HS256
    // farm's answers it at 80: the check costs 140 µs, not 120.
    const s = scenarios(
      { 'no-auth': [1000, 1000, 1000], 'jwt EdDSA': [500, 500, 500] },
      {
        'no-auth': [
          [80, 80],
          [80, 80],
          [80, 80],
        ],
        'jwt EdDSA': [
          [200, 60],
          [210, 70],
          [150, 10],
        ],
      },
    );
    expect(measured(s, 'replica overhead, jwt EdDSA')).toMatch(
      /^140\.0 µs \(1\.40 × floor, rounds 140\.0 µs to 140\.0 µs\)/,
    );
  });

  it("gives the rounds' range with the median, so an overhead inside the noise reads as such", () => {
    // A cached token whose rounds differ from no-auth by -10, -2 and +9 µs: "met" at -2.0 µs,
    // and the range shows the 5 µs target is inside the noise of this run.
    const s = scenarios(
      { 'no-auth': [1000, 1000, 1000], 'jwt EdDSA + cache': [900, 900, 900] },
      {
        'no-auth': [
          [80, 80],
          [80, 80],
          [80, 80],
        ],
        'jwt EdDSA + cache': [
          [70, 80],
          [78, 80],
          [89, 80],
        ],
      },
    );
    expect(measured(s, 'replica overhead, verified-token cache')).toBe(
      '-2.0 µs (rounds -10.0 µs to 9.0 µs)',
    );
  });
});

describe('path ceilings', () => {
  it("states, beside the target's ceiling, the one the primitive's in-server cost and the store's CPU allow", () => {
    const s = scenarios({ 'no-auth': [1000, 1000, 1000], 'session (redis)': [700, 700, 700] });
    // Path 100 µs (gateway 50 + replica 50). Loop floor 10 µs: ceiling 100 / 110 = 91%. The GET
    // costs 30 µs once per request in a bare server and Redis works 15 µs more per request than
    // under no-auth: 100 / 145 = 69%, and 70% of no-auth is 101% of that.
    s.primitives.push({
      name: 'redis GET (client)',
      cpuMicros: 10,
      rounds: [10],
      inServer: { cpuMicros: 30 },
    } as unknown as Scenarios['primitives'][number]);
    const session = s.cost.modes.find((m) => m.mode === 'session (redis)')!;
    const noAuth = s.cost.modes.find((m) => m.mode === 'no-auth')!;
    session.cpuPerRequest = { ...session.cpuPerRequest, redis: 16 };
    noAuth.cpuPerRequest = { ...noAuth.cpuPerRequest, redis: 1 };
    const target = evaluateTargets(s).find(
      (t) => t.name === 'throughput vs path ceiling, session (redis)',
    );
    expect(target?.target).toBe('≥ 90% of ceiling 91%');
    expect(target?.measured).toBe(
      "70% of no-auth (77.0% of ceiling); this machine's ceiling (the primitive as a bare server pays for it, plus the store's CPU) is 69%: 101% of it",
    );
    expect(target?.met).toBe(false);
  });

  it('rounds the share of the ceiling down, so a miss never reads as the 90% it missed', () => {
    // Ceiling 100 / 110 = 90.9%; 81.8% of no-auth is 89.98% of it: missed, shown as 89.9%.
    const s = scenarios({ 'no-auth': [1000, 1000, 1000], 'session (redis)': [818, 818, 818] });
    s.primitives.push({
      name: 'redis GET (client)',
      cpuMicros: 10,
      rounds: [10],
    } as unknown as Scenarios['primitives'][number]);
    const target = evaluateTargets(s).find(
      (t) => t.name === 'throughput vs path ceiling, session (redis)',
    );
    expect(target?.measured).toMatch(/^82% of no-auth \(89\.9% of ceiling\)/);
    expect(target?.met).toBe(false);
  });
});
