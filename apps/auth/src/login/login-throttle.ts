import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '@authfarm/config';
import { AppError, connectRedis, createRedisClient, orUnavailable } from '@authfarm/platform';

/**
 * Failed logins counted per account and per client IP in Redis, so every auth replica shares
 * the same counts. Past the limit a login answers 429 with Retry-After, even with the right
 * password, until the window ends (OWASP authentication cheat sheet, account lockout).
 */
@Injectable()
export class LoginThrottle implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly windowMs: number;
  private readonly maxPerAccount: number;
  private readonly maxPerIp: number;

  constructor(config: AppConfig) {
    const env = config.env;
    this.redis = createRedisClient(env.REDIS_URL, env.STORE_TIMEOUT_MS, 'auth-login-throttle');
    void connectRedis(this.redis);
    this.prefix = `${env.REDIS_KEY_PREFIX}login-failures:`;
    this.windowMs = env.LOGIN_THROTTLE_WINDOW * 1000;
    this.maxPerAccount = env.LOGIN_MAX_FAILURES_PER_ACCOUNT;
    this.maxPerIp = env.LOGIN_MAX_FAILURES_PER_IP;
  }

  /** Throws 429 when the account or the client IP has used up its failures. One round trip. */
  async check(username: string, ip: string): Promise<void> {
    const [account, client] = this.keys(username, ip);
    const [accountFailures, ipFailures] = await this.call(() => this.redis.mget(account, client));
    const blocked =
      Number(accountFailures ?? 0) >= this.maxPerAccount
        ? account
        : Number(ipFailures ?? 0) >= this.maxPerIp
          ? client
          : undefined;
    if (!blocked) return;
    const ttl = await this.call(() => this.redis.pttl(blocked));
    throw new AppError(
      'TOO_MANY_ATTEMPTS',
      `login throttled (${blocked === account ? 'account' : 'ip'})`,
      {
        retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)),
      },
    );
  }

  async failed(username: string, ip: string): Promise<void> {
    const [account, client] = this.keys(username, ip);
    await this.call(() =>
      this.redis
        .multi()
        .incr(account)
        .pexpire(account, this.windowMs, 'NX')
        .incr(client)
        .pexpire(client, this.windowMs, 'NX')
        .exec(),
    );
  }

  /** A successful login clears the account's failures (not the IP's). */
  async succeeded(username: string): Promise<void> {
    await this.call(() => this.redis.del(this.keys(username, '')[0]));
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  private keys(username: string, ip: string): [string, string] {
    return [`${this.prefix}user:${username.toLowerCase()}`, `${this.prefix}ip:${ip}`];
  }

  // Without the counters a login cannot be judged: fail closed with 503, never open.
  private call<T>(operation: () => Promise<T>): Promise<T> {
    return orUnavailable('SESSION_STORE_UNAVAILABLE', 'redis', operation);
  }
}
