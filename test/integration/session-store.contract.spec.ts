import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPgPool, createRedisClient } from '@authfarm/platform';
import {
  PostgresSessionStore,
  RedisSessionStore,
  newSessionSecret,
  sessionIdOf,
  type SessionRecord,
  type SessionStore,
  type SessionTimeouts,
} from '@authfarm/session-store';
import { testEnv } from '../support/test-env.js';

const MINUTE = 60_000;
const timeouts: SessionTimeouts = {
  idleMs: 30 * MINUTE,
  absoluteMs: 8 * 60 * MINUTE,
  touchIntervalMs: MINUTE,
};

interface Harness {
  store: SessionStore;
  newUser(): Promise<string>;
  /** Round trips the store itself counted, for the one-round-trip rule. */
  storeCommands(): Promise<number>;
  close(): Promise<void>;
}

async function redisHarness(): Promise<Harness> {
  const env = testEnv();
  const client = createRedisClient(env.redisUrl, 500, 'contract');
  await client.connect();
  // Every command ioredis writes to the socket goes through sendCommand.
  let commands = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<typeof send>) => {
    commands++;
    return send(...args);
  }) as typeof client.sendCommand;
  return {
    store: new RedisSessionStore(client, env.keyPrefix, timeouts),
    newUser: async () => randomUUID(),
    storeCommands: async () => commands,
    close: async () => client.disconnect(),
  };
}

async function postgresHarness(): Promise<Harness> {
  const env = testEnv();
  const pool = createPgPool(env.databaseUrl, 1000, 1);
  // Each pool.query is one statement sent and answered: one round trip.
  let statements = 0;
  const query = pool.query.bind(pool);
  pool.query = ((...args: Parameters<typeof query>) => {
    statements++;
    return query(...args);
  }) as typeof pool.query;
  const admin = new pg.Client({ connectionString: env.databaseUrl });
  await admin.connect();
  return {
    store: new PostgresSessionStore(pool, timeouts),
    newUser: async () => {
      const { rows } = await admin.query<{ id: string }>(
        `INSERT INTO users (username, password_hash) VALUES ($1, 'x') RETURNING id`,
        [`u-${randomUUID().slice(0, 8)}`],
      );
      return rows[0].id;
    },
    storeCommands: async () => statements,
    close: async () => {
      await pool.end();
      await admin.end();
    },
  };
}

describe.each([
  ['redis', redisHarness],
  ['postgres', postgresHarness],
])('%s session store', (_kind, makeHarness) => {
  let h: Harness;
  const now = Date.now();

  beforeAll(async () => {
    h = await makeHarness();
  });
  afterAll(async () => h.close());

  async function newSession(
    userId?: string,
    at = now,
  ): Promise<{ id: string; record: SessionRecord }> {
    const id = sessionIdOf(newSessionSecret()) as string;
    const record: SessionRecord = {
      userId: userId ?? (await h.newUser()),
      username: 'alice',
      createdAt: at,
      lastSeenAt: at,
      absoluteExpiresAt: at + timeouts.absoluteMs,
      userAgent: 'jest/contract',
    };
    await h.store.create(id, record);
    return { id, record };
  }

  it('returns the stored record for a live session', async () => {
    const { id, record } = await newSession();
    expect(await h.store.touch(id, now + 1000)).toEqual(record);
  });

  it('knows nothing of an id it never stored', async () => {
    expect(await h.store.touch(sessionIdOf(newSessionSecret()) as string, now)).toBeUndefined();
  });

  it('refreshes lastSeenAt once the touch interval has passed, and not before', async () => {
    const { id } = await newSession();
    expect((await h.store.touch(id, now + 10_000))?.lastSeenAt).toBe(now);
    expect((await h.store.touch(id, now + MINUTE))?.lastSeenAt).toBe(now + MINUTE);
    expect((await h.store.touch(id, now + MINUTE + 1))?.lastSeenAt).toBe(now + MINUTE);
  });

  it('refuses a session past its absolute timeout even if it was active', async () => {
    const { id } = await newSession();
    expect(await h.store.touch(id, now + timeouts.absoluteMs)).toBeUndefined();
  });

  it('answers a touch with exactly one round trip', async () => {
    const { id } = await newSession();
    const before = await h.storeCommands();
    await h.store.touch(id, now + 2 * MINUTE); // this one also refreshes the idle timeout
    const after = await h.storeCommands();
    expect(after - before).toBe(1);
  });

  it('answers a caller that saw a recent lastSeenAt with the stored record, in one round trip', async () => {
    const { id, record } = await newSession();
    const before = await h.storeCommands();
    expect(await h.store.touch(id, now + 30_000, now)).toEqual(record);
    expect((await h.storeCommands()) - before).toBe(1);
  });

  it('still refreshes once the lastSeenAt a caller saw is a touch interval old', async () => {
    const { id } = await newSession();
    expect((await h.store.touch(id, now + MINUTE - 1, now))?.lastSeenAt).toBe(now);
    expect((await h.store.touch(id, now + MINUTE, now))?.lastSeenAt).toBe(now + MINUTE);
  });

  it('refuses an ended or absolutely expired session whatever lastSeenAt the caller saw', async () => {
    const ended = await newSession();
    await h.store.delete(ended.id);
    expect(await h.store.touch(ended.id, now + 1000, now)).toBeUndefined();
    // Active all along (last seen a second ago), created almost an absolute timeout ago.
    const id = sessionIdOf(newSessionSecret()) as string;
    await h.store.create(id, {
      userId: await h.newUser(),
      username: 'alice',
      createdAt: now - timeouts.absoluteMs + 1000,
      lastSeenAt: now - 1000,
      absoluteExpiresAt: now + 1000,
      userAgent: 'jest/contract',
    });
    expect(await h.store.touch(id, now, now - 1000)).toBeDefined();
    expect(await h.store.touch(id, now + 1000, now - 1000)).toBeUndefined();
  });

  it('deletes one session and reports whether it existed', async () => {
    const { id } = await newSession();
    expect(await h.store.delete(id)).toBe(true);
    expect(await h.store.touch(id, now)).toBeUndefined();
    expect(await h.store.delete(id)).toBe(false);
  });

  it("lists and ends every session of one user, and only that user's", async () => {
    const user = await h.newUser();
    const a = await newSession(user);
    const b = await newSession(user);
    const other = await newSession();
    const listed = await h.store.listForUser(user, now);
    expect(listed.map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
    expect(await h.store.deleteAllForUser(user)).toBeGreaterThanOrEqual(2);
    expect(await h.store.touch(a.id, now)).toBeUndefined();
    expect(await h.store.touch(b.id, now)).toBeUndefined();
    expect(await h.store.touch(other.id, now)).toBeDefined();
  });

  it('answers ping while the store is up', async () => {
    expect(await h.store.ping()).toBe(true);
  });
});

describe('an unreachable session store', () => {
  // Guards against a request hanging (or turning into a 500) while the store is down.
  it.each([
    [
      'redis',
      () =>
        new RedisSessionStore(
          createRedisClient('redis://127.0.0.1:1', 200, 'dead'),
          'x:',
          timeouts,
        ),
    ],
    [
      'postgres',
      () =>
        new PostgresSessionStore(createPgPool('postgres://postgres@127.0.0.1:1/x', 200), timeouts),
    ],
  ])('%s: fails fast with SESSION_STORE_UNAVAILABLE', async (_kind, make) => {
    const store = make();
    const started = Date.now();
    await expect(store.touch('id', Date.now())).rejects.toMatchObject({
      code: 'SESSION_STORE_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await store.ping()).toBe(false);
    await store.close();
  });
});
