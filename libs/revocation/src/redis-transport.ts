import { Transport, type RedisOptions } from '@nestjs/microservices';

/** Nest's Redis transport options for a REDIS_URL, reconnecting forever, quickly. */
export function redisTransport(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    transport: Transport.REDIS,
    options: {
      host: parsed.hostname,
      port: Number(parsed.port || 6379),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryDelay: 200,
    },
  };
}
