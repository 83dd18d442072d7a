import { afterAll, describe, expect, it } from '@jest/globals';
import type { Farm } from '@authfarm/farm';
import { call } from '../support/http.js';
import { startTestFarm } from '../support/test-farm.js';
import { TestUser } from '../support/users.js';

// The problem a shared store solves, made visible: three auth replicas that each keep sessions
// in their own memory, and three resource replicas that each ask "their" auth replica. A cookie
// is known to one process in three, so about (N-1)/N of requests fail. Same topology on Redis:
// none fail.
const farms: Array<Promise<Farm>> = [];
afterAll(async () => {
  for (const farm of farms) await (await farm.catch(() => undefined))?.stop();
});

async function failureRate(env: Record<string, string>): Promise<number> {
  const starting = startTestFarm({
    REPLICAS: '3',
    AUTH_REPLICAS: '3',
    SESSION_CHECK: 'introspection',
    AUTH_MODES: 'session',
    ...env,
  });
  farms.push(starting);
  const farm = await starting;
  let failed = 0;
  let sent = 0;
  for (let i = 0; i < 12; i++) {
    const user = await TestUser.register(farm.gatewayUrl);
    const cookie = await user.cookie();
    for (const replica of farm.replicas) {
      const reply = await call(`${replica.url}/api/me`, { headers: cookie });
      expect([200, 401]).toContain(reply.status);
      sent++;
      if (reply.status !== 200) failed++;
    }
  }
  await farm.stop();
  return failed / sent;
}

describe('an unsynced farm', () => {
  it('fails about (N-1)/N of session requests with per-process memory, and none with a shared store', async () => {
    const memory = await failureRate({ SESSION_STORE: 'memory' });
    const shared = await failureRate({ SESSION_STORE: 'redis' });
    process.stdout.write(
      `unsynced farm, N=3: failure rate memory=${memory.toFixed(3)} redis=${shared.toFixed(3)}\n`,
    );
    expect(memory).toBeCloseTo(2 / 3, 1);
    expect(shared).toBe(0);
  });
});
