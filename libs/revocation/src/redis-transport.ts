import { isIP } from 'node:net';
import { Transport, type RedisOptions } from '@nestjs/microservices';

const DEFAULT_PORT = 6379;
/** Whether each supported scheme connects over TLS. */
const SCHEMES: Readonly<Record<string, boolean>> = { 'redis:': false, 'rediss:': true };
/** The one query parameter ioredis gives a meaning to in a URL: the IP family to resolve. */
const FAMILIES = new Set([0, 4, 6]);

/** Nest's options, plus `family`: Nest spreads it into ioredis, which hands it to the socket. */
type ConnectionOptions = NonNullable<RedisOptions['options']> & { family?: number };

/**
 * Nest's Redis transport options for a REDIS_URL, reconnecting forever, quickly.
 *
 * Nest spreads these options into `new Redis({...})`, which reads no URL, so every part of the
 * URL is mapped here as ioredis maps it for the store clients: `rediss:` connects over TLS with
 * the certificate checked against the host name (a managed Redis that is not verified could be
 * anyone on the path), and the ACL username is sent with the password. Unlike ioredis, the host
 * name is also sent as SNI.
 *
 * @throws Error naming REDIS_URL when a part of the URL cannot be honoured (a scheme other than
 *   `redis:` or `rediss:`, a database that is not a number, an unknown query parameter), so the
 *   process stops instead of running without its revocation channel.
 */
export function redisTransport(url: string): RedisOptions {
  return {
    transport: Transport.REDIS,
    options: {
      ...connectionOptions(url),
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryDelay: 200,
    },
  };
}

function connectionOptions(url: string): ConnectionOptions {
  const parsed = new URL(url);
  const tls = SCHEMES[parsed.protocol];
  if (tls === undefined) {
    throw invalid(`unsupported scheme "${parsed.protocol}" (use redis: or rediss:)`);
  }
  // WHATWG URL keeps the brackets of an IPv6 literal; a socket wants the bare address.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: ConnectionOptions = { port: parsed.port ? Number(parsed.port) : DEFAULT_PORT };
  if (host) options.host = host;
  if (parsed.username) options.username = decode(parsed.username, 'username');
  if (parsed.password) options.password = decode(parsed.password, 'password');
  if (parsed.pathname.length > 1) options.db = database(parsed.pathname.slice(1));
  for (const [name, value] of parsed.searchParams) {
    if (name !== 'family' || value === '' || !FAMILIES.has(Number(value))) {
      throw invalid(`query parameter "${name}" is not supported (only family=0, 4 or 6)`);
    }
    options.family = Number(value);
  }
  if (tls) {
    // Node sends no SNI unless `servername` is set, and a proxy that routes on it (most managed
    // Redis) drops the handshake. An IP literal is not a valid SNI name (RFC 6066 §3).
    // Certificate verification stays on: nothing here sets rejectUnauthorized.
    options.tls = host && isIP(host) === 0 ? { servername: host } : {};
  }
  return options;
}

function database(path: string): number {
  if (!/^\d+$/.test(path)) throw invalid(`database "${path}" is not a number`);
  return Number(path);
}

function decode(value: string, part: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // The value itself may be a secret: name the part only.
    throw invalid(`the ${part} has a malformed percent-encoding`);
  }
}

function invalid(detail: string): Error {
  return new Error(`REDIS_URL: ${detail}`);
}
