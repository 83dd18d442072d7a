import { afterEach, describe, expect, it } from '@jest/globals';
import { AppConfig } from '@authfarm/config';
import type { Farm } from './farm.js';
import { FarmControls, type FarmHooks } from './farm-controls.js';
import type { FaultProxy } from './fault-proxy.js';

// Guards the console's controls against changing the farm on bad input: each refusal names the
// field and the rule, a missing admin token changes nothing, and two changes never overlap.

const replica = (i: number) => ({ name: `resource-${i}`, url: `http://127.0.0.1:${4000 + i}` });

function controlsFor(options: { adminToken?: string; slow?: Promise<void> } = {}) {
  const calls: string[] = [];
  const replicas = [replica(1), replica(2)];
  const farm = { replicas, auths: [] } as unknown as Farm;
  const redis = { up: true } as FaultProxy;
  const hooks: FarmHooks = {
    config: new AppConfig('farm', {}),
    farm,
    proxies: new Map([['redis', redis]]),
    adminToken: options.adminToken,
    log: () => undefined,
    addReplica: async () => {
      calls.push('add');
      await options.slow;
      replicas.push(replica(replicas.length + 1));
    },
    removeReplica: async () => {
      calls.push('remove');
      replicas.pop();
    },
    restartWith: async (settings, authCount) => {
      calls.push(`restart ${JSON.stringify(settings)} ${authCount}`);
    },
    keys: async (args) => {
      calls.push(`keys ${args.join(' ')}`);
      return 'rotated';
    },
  };
  return { controls: new FarmControls(hooks), calls };
}

let open: FarmControls | undefined;
afterEach(async () => open?.close());

async function serve(controls: FarmControls) {
  open = controls;
  const base = await controls.listen();
  return (
    path: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ) =>
    fetch(`${base}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { 'content-type': 'application/json', ...init.headers },
      body: init.body,
    }).then(async (r) => ({
      status: r.status,
      allow: r.headers.get('allow'),
      body: (await r.json()) as Record<string, unknown>,
    }));
}

describe('the console controls', () => {
  it('scales the farm to the count asked for', async () => {
    const { controls, calls } = controlsFor();
    const call = await serve(controls);
    const reply = await call('/console/api/replicas', { body: '{"count":3}' });
    expect(reply.status).toBe(200);
    expect((reply.body.replicas as unknown[]).length).toBe(3);
    expect(calls).toEqual(['add']);
  });

  it('names the field and the rule of a bad body, and changes nothing', async () => {
    const { controls, calls } = controlsFor();
    const call = await serve(controls);
    const cases: Array<[string, string, string]> = [
      ['/console/api/replicas', '{"count":0}', 'count'],
      ['/console/api/replicas', '{"count":"3"}', 'count'],
      ['/console/api/replicas', '{"count":2,"force":true}', 'force'],
      ['/console/api/stores/redis', '{"up":"no"}', 'up'],
      ['/console/api/keys/revoke', '{"kid":"../../etc"}', 'kid'],
      ['/console/api/session-store', '{"store":"mysql"}', 'store'],
      ['/console/api/replicas', '{"count":', '(body)'],
    ];
    for (const [path, body, field] of cases) {
      const reply = await call(path, { body });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({
        error: expect.stringMatching(/^INVALID_(BODY|JSON)$/),
        fields: [expect.objectContaining({ field, problem: expect.any(String) })],
        request_id: expect.any(String),
      });
    }
    expect(calls).toEqual([]);
  });

  it('refuses a body that is not JSON by its content type (415)', async () => {
    const { controls, calls } = controlsFor();
    const call = await serve(controls);
    const reply = await call('/console/api/replicas', {
      body: 'count=3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(reply.status).toBe(415);
    expect(reply.body).toMatchObject({ fields: [{ field: 'content-type' }] });
    expect(calls).toEqual([]);
  });

  it('answers 405 with Allow for a known control and the wrong method, 404 for an unknown one', async () => {
    const { controls } = controlsFor();
    const call = await serve(controls);
    const wrong = await call('/console/api/replicas', { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.allow).toBe('POST');
    expect((await call('/console/api/reboot', { body: '{}' })).status).toBe(404);
  });

  it('changes nothing without the admin token when one is set', async () => {
    const { controls, calls } = controlsFor({ adminToken: 'a-long-admin-token-123' });
    const call = await serve(controls);
    for (const authorization of [undefined, 'Bearer wrong', 'a-long-admin-token-123']) {
      const reply = await call('/console/api/stores/redis', {
        body: '{"up":false}',
        headers: authorization ? { authorization } : {},
      });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({ error: 'ADMIN_TOKEN_REQUIRED' });
    }
    const ok = await call('/console/api/replicas', {
      body: '{"count":1}',
      headers: { authorization: 'Bearer a-long-admin-token-123' },
    });
    expect(ok.status).toBe(200);
    expect(calls).toEqual(['remove']);
  });

  it('runs one change at a time: a second one meanwhile gets 409', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { controls, calls } = controlsFor({ slow });
    const call = await serve(controls);
    const first = call('/console/api/replicas', { body: '{"count":3}' });
    while (!calls.includes('add')) await new Promise((resolve) => setImmediate(resolve));
    const second = await call('/console/api/keys/rotate', { body: '{}' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: 'FARM_BUSY' });
    release();
    expect((await first).status).toBe(200);
    expect(calls).toEqual(['add']);
  });

  it('restarts as the unsynced farm for memory: one auth replica per resource replica', async () => {
    const { controls, calls } = controlsFor();
    await controls.useSessionStore('memory');
    await controls.useSessionStore('redis');
    expect(calls).toEqual([
      'restart {"SESSION_STORE":"memory","SESSION_CHECK":"introspection"} 2',
      'restart {} 1',
    ]);
  });
});
