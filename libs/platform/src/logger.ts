import pino from 'pino';
import type { AppConfig } from '@authfarm/config';

export type Logger = pino.Logger;

// Names that hold a credential wherever a logged object carries them. Code never logs bodies or
// headers (that is the guarantee); redaction is the second line if one slips in.
const SECRET_FIELDS = [
  'password',
  'new_password',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'secret',
  'key',
  'private_key',
];
const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-introspection-secret'];
const SECRET_SETTINGS = [
  'JWT_SECRET',
  'JWT_PRIVATE_KEY',
  'INTROSPECTION_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
];
const WHOLE = ['body', 'env', 'headers'];

const path = (holder: string, name: string): string =>
  /^[A-Za-z_]\w*$/.test(name) ? `${holder}${holder ? '.' : ''}${name}` : `${holder}["${name}"]`;

/**
 * Every redacted path. Each starts at a named top-level key: pino applies a path that starts
 * with `*` to every field of every line, which would tax the access log for nothing.
 */
export const REDACTED_PATHS: readonly string[] = [
  ...[...SECRET_FIELDS, ...SECRET_HEADERS, ...SECRET_SETTINGS, ...WHOLE].map((name) =>
    path('', name),
  ),
  ...['req', 'res', 'request', 'reply'].flatMap((holder) =>
    ['body', 'headers'].map((name) => path(holder, name)),
  ),
  ...['data', 'credentials', 'user'].flatMap((holder) =>
    SECRET_FIELDS.map((name) => path(holder, name)),
  ),
];

/**
 * The process's logger: one JSON line per event on stdout, with `service` (and `replica` on a
 * resource replica) on every line, at `LOG_LEVEL`.
 *
 * Writes are asynchronous (docs/decisions/0003-access-log.md): a synchronous write to a pipe
 * costs more CPU per line and blocks the event loop, requests and all, whenever the reader of
 * stdout lags. Lines still buffered are written out on `process.exit()`, which is how every
 * service ends (shutdown hooks use `useProcessExit`); only SIGKILL can lose the last few.
 */
export function createLogger(
  config: AppConfig,
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false }),
): Logger {
  const base: Record<string, string | number> = { service: config.service, pid: process.pid };
  if (config.service === 'resource') base.replica = config.env.REPLICA_ID;
  return pino(
    {
      level: config.env.LOG_LEVEL,
      base,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_PATHS], censor: '[Redacted]' },
      serializers: { err: errorFields },
    },
    destination,
  );
}

/**
 * What a log line says about an error: its name, code and stack frames. Not its message nor its
 * other properties: a library message may quote the input it choked on (V8's JSON.parse quotes
 * the text, Postgres the value), and TypeORM's QueryFailedError carries the query parameters.
 */
export function errorFields(error: unknown): { type: string; code?: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  const frames = error.stack?.indexOf('\n    at ') ?? -1;
  return {
    type: error.name,
    code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
    stack: frames >= 0 ? error.stack?.slice(frames + 1) : undefined,
  };
}

/**
 * Logs an uncaught exception (or unhandled rejection) as one JSON line, then exits 1, as Node
 * would, but without Node's plain-text dump of the error's message.
 */
export function exitOnUncaught(logger: Logger): void {
  process.once('uncaughtException', (error, origin) => {
    logger.fatal({ err: error, origin }, 'uncaught exception, exiting');
    process.exit(1);
  });
}
