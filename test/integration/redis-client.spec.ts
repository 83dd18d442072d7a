import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { FaultProxy } from '@authfarm/farm';
import { createRedisClient } from '@authfarm/platform';
import { countWrites } from '../support/socket-writes.js';
import { testEnv } from '../support/test-env.js';

describe('the Redis client (real Redis)', () => {
  const env = testEnv();
  const key = `${env.keyPrefix}redis-client:${randomUUID()}`;
  let client: Redis;

  beforeAll(async () => {
    client = createRedisClient(env.redisUrl, 500, 'redis-client-test');
    await client.connect();
    await client.set(key, 'alice', 'EX', 60);
  });

  afterAll(async () => {
    await client.del(key);
    client.disconnect();
  });

  it('sends the commands of one event-loop iteration in one write, each answered', async () => {
    const writes = countWrites(client.stream as Socket);
    const replies = await Promise.all(Array.from({ length: 20 }, () => client.get(key)));
    expect(replies).toEqual(Array(20).fill('alice'));
    expect(writes()).toBe(1);
  });

  it('sends a command of a later iteration on its own, without waiting for more', async () => {
    const writes = countWrites(client.stream as Socket);
    expect(await client.get(key)).toBe('alice');
    expect(await client.exists(key)).toBe(1);
    expect(writes()).toBe(2);
  });

  it('fails a batched command at once when its connection breaks, then serves again', async () => {
    const ready = once(client, 'ready');
    const doomed = client.get(key);
    client.stream.destroy();
    await expect(doomed).rejects.toThrow();
    await ready;
    expect(await client.get(key)).toBe('alice');
  });
});

describe('the Redis client in front of a failing store', () => {
  const env = testEnv();
  const redis = new URL(env.redisUrl);
  const proxy = new FaultProxy(redis.hostname, Number(redis.port || 6379));
  let client: Redis;

  beforeAll(async () => {
    await proxy.start();
    client = createRedisClient(`redis://127.0.0.1:${proxy.port}`, 200, 'redis-client-faults');
    await client.connect();
  });

  afterAll(async () => {
    client.disconnect();
    await proxy.stop();
  });

  it('times out every command of a batch the store takes and does not answer', async () => {
    proxy.delayMs = 1_000;
    const started = Date.now();
    const batch = [client.get('a'), client.get('b'), client.get('c')];
    for (const command of batch) await expect(command).rejects.toThrow('Command timed out');
    expect(Date.now() - started).toBeLessThan(1_000);
    proxy.delayMs = 0;
  });

  it('refuses a command at once while the store is unreachable', async () => {
    await proxy.cut();
    const started = Date.now();
    await expect(client.get('a')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(200);
    const ready = once(client, 'ready');
    await proxy.restore();
    await ready;
    expect(await client.exists('a')).toBe(0);
  });
});
