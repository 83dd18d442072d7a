import { describe, expect, it } from '@jest/globals';
import { call } from '../support/http.js';
import { farmForThisFile } from '../support/test-farm.js';
import { testEnv } from '../support/test-env.js';
import { PASSWORD, TestUser } from '../support/users.js';

// Guards against password guessing: failures are counted per account and per client IP in Redis
// (shared by every auth replica), and a client cannot escape the IP count by sending its own
// X-Forwarded-For. Its own key prefix keeps other specs' failed logins out of the counts.
const farm = farmForThisFile({
  REPLICAS: '1',
  AUTH_REPLICAS: '2',
  REDIS_KEY_PREFIX: `${testEnv().keyPrefix}throttle:`,
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
  LOGIN_MAX_FAILURES_PER_IP: '6',
  LOGIN_THROTTLE_WINDOW: '60',
});

const login = (username: string, password: string, headers: Record<string, string> = {}) =>
  call(`${farm.gatewayUrl}/auth/login`, { body: { username, password, mode: 'jwt' }, headers });

describe('login throttling', () => {
  it('answers 429 with Retry-After once an account has used up its failures, across auth replicas', async () => {
    const victim = await TestUser.register(farm.gatewayUrl);
    for (let i = 0; i < 3; i++)
      expect((await login(victim.username, 'wrong password')).status).toBe(401);
    const blocked = await login(victim.username, PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const other = await TestUser.register(farm.gatewayUrl);
    expect((await login(other.username, PASSWORD)).status).toBe(200);
  });

  it('counts failures per client IP, and a rotated X-Forwarded-For does not reset the count', async () => {
    for (let i = 0; i < 3; i++) {
      const user = await TestUser.register(farm.gatewayUrl);
      const reply = await login(user.username, 'wrong password', {
        'x-forwarded-for': `10.0.0.${i}`,
      });
      expect(reply.status).toBe(401);
    }
    const fresh = await TestUser.register(farm.gatewayUrl);
    const blocked = await login(fresh.username, PASSWORD, { 'x-forwarded-for': '192.0.2.77' });
    expect(blocked.status).toBe(429);
  });
});
