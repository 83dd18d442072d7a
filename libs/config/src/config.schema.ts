import { z } from 'zod';

/** The credential kinds a farm can enable. */
export const AUTH_MODES = ['session', 'jwt', 'hybrid'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const JWT_ALGORITHMS = ['HS256', 'EdDSA', 'ES256', 'RS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const SESSION_STORES = ['redis', 'postgres', 'memory'] as const;
export type SessionStoreKind = (typeof SESSION_STORES)[number];

/** pino's levels; `info` and below write one access-log line per request. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/**
 * Kubernetes injects `<SERVICE>_PORT=tcp://10.0.0.7:8080` into every pod for every Service of its
 * namespace (service links; Docker's legacy links do the same), so a Service named `gateway` sets
 * `GATEWAY_PORT` in the auth pods. Such a value is the platform's, never an authfarm setting: it
 * reads as unset instead of stopping the process.
 */
const SERVICE_LINK = /^(tcp|udp|sctp):\/\/[^/\s]+:\d+$/;
const port = (fallback: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && SERVICE_LINK.test(value) ? undefined : value),
    z.coerce.number().int().min(0).max(65535).default(fallback),
  );
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/**
 * Every environment variable any authfarm process reads, with its default.
 * Names are the operator contract shared by the local farm, compose and Kubernetes.
 */
export const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port(0),
  GATEWAY_PORT: port(8080),
  REPLICA_ID: z.string().min(1).default('resource-1'),
  REPLICAS: z.coerce.number().int().min(1).max(32).default(3),
  AUTH_REPLICAS: z.coerce.number().int().min(1).max(8).default(1),
  /** `log` (Nest's name, the old default) is still accepted and means `info`. */
  LOG_LEVEL: z
    .enum([...LOG_LEVELS, 'log'])
    .default('info')
    .transform((level): LogLevel => (level === 'log' ? 'info' : level)),

  AUTH_MODES: commaList
    .default(['session', 'jwt', 'hybrid'])
    .pipe(z.array(z.enum(AUTH_MODES)).min(1)),
  DEFAULT_AUTH_MODE: z.enum(AUTH_MODES).optional(),

  SESSION_STORE: z.enum(SESSION_STORES).default('redis'),
  SESSION_IDLE_TTL: seconds(30 * 60),
  SESSION_ABSOLUTE_TTL: seconds(8 * 60 * 60),
  SESSION_TOUCH_INTERVAL: seconds(60),
  /** How replicas check a session cookie: read the shared store, or ask the auth service. */
  SESSION_CHECK: z.enum(['store', 'introspection']).default('store'),
  INTROSPECTION_PORT: port(0),
  INTROSPECTION_URL: z
    .string()
    .regex(/^tcp:\/\/[A-Za-z0-9.-]+:\d+$/, 'must be tcp://host:port')
    .optional(),
  INTROSPECTION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),

  /** Hybrid: what a replica does while the revocation channel is down. */
  HYBRID_CHANNEL_POLICY: z.enum(['fail-closed', 'fail-open']).default('fail-closed'),
  HYBRID_MAX_STALENESS_MS: z.coerce.number().int().min(0).default(5000),

  JWT_ALG: z.enum(JWT_ALGORITHMS).default('EdDSA'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters (256 bits)').optional(),
  JWT_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  JWT_PRIVATE_KEY: z.string().min(1).optional(),
  JWT_TTL: seconds(300),
  JWT_LEEWAY: z.coerce.number().int().min(0).max(60).default(5),
  JWT_ISSUER: z.string().min(1).default('authfarm'),
  JWT_AUDIENCE: z.string().min(1).default('authfarm-api'),
  JWT_VERIFIED_CACHE: z.coerce.number().int().min(0).default(10_000),
  /** Auth service: AES-256-GCM key (32 bytes, base64url) sealing the key ring's private keys. */
  JWT_KEY_ENCRYPTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes, base64url-encoded (43 characters)')
    .optional(),
  JWT_KEY_ENCRYPTION_KEY_FILE: z.string().min(1).optional(),
  /** Names this farm's key ring in its database (several farms may share one database). */
  JWT_KEY_RING: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -')
    .default('default'),
  /** Seconds between scheduled key rotations (the auth service); 0 turns the schedule off. */
  JWT_ROTATION_INTERVAL: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 60 * 60),
  REFRESH_TTL: seconds(14 * 24 * 60 * 60),

  /** Lower case: ioredis turns TLS on for `rediss://` only, so `REDISS://` would go out in clear. */
  REDIS_URL: z
    .url()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss:// (TLS)')
    .default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default('authfarm:'),
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/authfarm'),
  STORE_TIMEOUT_MS: z.coerce.number().int().positive().default(500),
  /** The migrate command: how long it waits for Postgres to answer before it gives up. */
  MIGRATE_WAIT_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),

  AUTH_URL: z.url().default('http://127.0.0.1:3001'),
  /** Failed logins allowed per account and per client IP within the window, then 429. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(10),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(100),
  LOGIN_THROTTLE_WINDOW: seconds(15 * 60),
  /** Origins besides the farm's own allowed to send cookie-authenticated writes (CSRF). */
  ALLOWED_ORIGINS: commaList.pipe(z.array(z.url())).default([]),
  /** Gateway: several auth replicas (comma list); defaults to AUTH_URL alone. */
  AUTH_UPSTREAMS: commaList.pipe(z.array(z.url())).optional(),
  RESOURCE_UPSTREAMS: commaList.pipe(z.array(z.url())).optional(),
  RESOURCE_DNS: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d+$/, 'must be host:port')
    .optional(),
  DNS_REFRESH_MS: z.coerce.number().int().positive().default(5000),
  GATEWAY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  GATEWAY_MAX_HEADER_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),

  /**
   * The console's controls (store outage, scale, key rotation): the local farm runner's control
   * server, which the gateway forwards `/console/api/*` to. Unset (compose, Kubernetes): the
   * controls answer 404 and change nothing.
   */
  CONSOLE_CONTROL_URL: z.url().optional(),
  /** When set, the console's controls require `Authorization: Bearer <ADMIN_TOKEN>`. */
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Where the console finds the latest benchmark run; default reports/latest, else docs/benchmark. */
  CONSOLE_FIGURES_DIR: z.string().min(1).optional(),
  /** The console's live feed: watchers at most (more get 503). */
  CONSOLE_MAX_WATCHERS: z.coerce.number().int().min(0).max(1000).default(16),
});

export type Env = z.output<typeof envSchema>;
