import { z } from 'zod';

const num = z.number();
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const modeSummary = z.object({
  mode: z.string(),
  rounds: z
    .array(
      z.object({
        rps: finite,
        requests: z.number().int().nonnegative(),
        non2xx: z.number().int().nonnegative(),
        cpuPerRequest: z.record(z.string(), num),
        cpuPerRequestFixedRate: z.record(z.string(), num),
        noAuthFixedRate: z.record(z.string(), num),
        redisCommandsPerRequest: num,
        serviceRoundTripsPerRequest: num,
        postgresStatementsPerRequest: num,
        latenciesMs: z.array(num),
      }),
    )
    .min(3, 'every ratio needs at least 3 interleaved rounds'),
  rps: z.object({ median: finite, min: finite, max: finite }),
  p50Ms: num,
  p99Ms: num,
  cpuPerRequest: z.record(z.string(), num),
  cpuPerRequestFixedRate: z.record(z.string(), num),
  noAuthFixedRate: z.record(z.string(), num),
  redisCommandsPerRequest: num,
  serviceRoundTripsPerRequest: num,
  postgresStatementsPerRequest: num,
});

export const resultsSchema = z.object({
  schema: z.literal('authfarm-bench/1'),
  profile: z.object({ name: z.enum(['full', 'quick', 'tiny']) }).loose(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  machine: z.object({ cpus: z.string(), cores: z.number().int(), memoryGiB: num, os: z.string() }),
  versions: z.record(z.string(), z.string()),
  config: z.record(z.string(), z.unknown()),
  scenarios: z.object({
    cost: z.object({
      modes: z.array(modeSummary).min(1),
      bareHttp: z.object({
        cpuPerRequest: finite,
        rps: finite,
        gateway: z
          .object({ cpuPerRequest: finite, rps: finite, ratio: finite, ratios: z.array(num) })
          .optional(),
      }),
    }),
    primitives: z.array(
      z.object({
        name: z.string(),
        cpuMicros: finite,
        rounds: z.array(num),
        /** The same primitive once per request in a bare server at the fixed rate (I/O and crypto). */
        inServer: z.object({ cpuMicros: finite, rounds: z.array(num) }).optional(),
      }),
    ),
    farStore: z.array(z.object({ delayMs: num, mode: z.string(), p50Ms: num, p99Ms: num })),
    scaling: z.array(
      z.object({
        replicas: z.number().int(),
        mode: z.string(),
        rps: finite,
        storeOpsPerSecond: num,
        storeOpsPerRequest: num,
      }),
    ),
    memory: z.object({
      sessions: z.number().int().positive(),
      redisBytesPerSession: finite,
      postgresBytesPerSession: finite,
      jwtServerBytesPerSession: z.literal(0),
      projections: z.array(z.object({ users: num, redisBytes: num, postgresBytes: num })),
    }),
    tokenSize: z.array(
      z.object({
        credential: z.string(),
        extraClaims: z.number().int(),
        headerBytes: z.number().int(),
        rps: finite,
      }),
    ),
    reach: z.array(
      z.object({
        mode: z.string(),
        trials: z.number().int(),
        samplesMs: z.array(num),
        p50Ms: num,
        p99Ms: num,
        note: z.string().optional(),
      }),
    ),
    outage: z.array(
      z.object({
        mode: z.string(),
        perSecond: z.array(
          z.object({
            second: z.number().int(),
            sent: z.number().int(),
            ok: z.number().int(),
            unavailable: z.number().int(),
            other: z.number().int(),
            maxLatencyMs: num,
          }),
        ),
        recoveryS: z.number().nullable(),
      }),
    ),
    reference: z.array(
      z.object({ app: z.string(), rps: finite, p99Ms: num, rounds: z.array(num) }),
    ),
  }),
  targets: z.array(
    z.object({
      name: z.string(),
      target: z.string(),
      measured: z.string(),
      met: z.boolean(),
      note: z.string().optional(),
    }),
  ),
  charts: z.array(z.string().regex(/\.svg$/)).min(1),
  /** Flame graphs of the hot path (SVG) and the raw V8 profiles behind them. */
  profiles: z.array(z.string().regex(/^flame-.*\.(svg|cpuprofile)$/)),
});

export type Results = z.output<typeof resultsSchema>;
