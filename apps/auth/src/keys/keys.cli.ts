import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ClientProxyFactory } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { JWT_ALGORITHMS, loadConfigOrExit, type JwtAlgorithm } from '@authfarm/config';
import { RevocationPublisher, RevocationStore, redisTransport } from '@authfarm/revocation';
import { dataSourceOptions } from '../database/data-source.js';
import { KeyRingError, KeyRingStore, type KeyRecord, type RingChange } from './key-ring.store.js';

const USAGE = `usage: npm run keys -- <command>
  list                     the key ring: kid, algorithm, state, dates
  rotate [--alg ALG]       next becomes current, current is retired, a new next is made
  revoke <kid> [--alg ALG] refuse <kid> on every process now; a current key is replaced at once
ALG is one of ${JWT_ALGORITHMS.join(', ')} (default JWT_ALG). Configured like the auth service
(DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, JWT_KEY_ENCRYPTION_KEY_FILE, JWT_TTL); in the local
farm, the key-encryption key is read from .farm/secrets.`;

const LOCAL_FARM_KEK = '.farm/secrets/key-encryption-key';

const [command, ...args] = process.argv.slice(2);
if (!command || !['list', 'rotate', 'revoke'].includes(command)) fail(USAGE, 64);

const source = { ...process.env };
if (
  !source.JWT_KEY_ENCRYPTION_KEY &&
  !source.JWT_KEY_ENCRYPTION_KEY_FILE &&
  existsSync(LOCAL_FARM_KEK)
) {
  source.JWT_KEY_ENCRYPTION_KEY_FILE = LOCAL_FARM_KEK;
}
const config = loadConfigOrExit('keys', source);
const alg = option('--alg') ?? config.env.JWT_ALG;
if (!(JWT_ALGORITHMS as readonly string[]).includes(alg))
  fail(`unknown algorithm ${alg}\n${USAGE}`, 64);

const dataSource = new DataSource(dataSourceOptions(config));
await dataSource.initialize();
const store = new KeyRingStore(dataSource, config.env.JWT_KEY_RING, config.keyEncryptionKey);
const redis = new Redis(config.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const client = ClientProxyFactory.create(redisTransport(config.env.REDIS_URL));
const maxTokenLifeMs = (config.env.JWT_TTL + config.env.JWT_LEEWAY) * 1000;
const publisher = new RevocationPublisher(
  config,
  new RevocationStore(redis, config.env.REDIS_KEY_PREFIX, maxTokenLifeMs),
  client,
);

try {
  if (command === 'list') {
    print(await store.all());
  } else if (command === 'rotate') {
    const change = await store.rotate(alg as JwtAlgorithm);
    await publisher.keysChanged('rotated');
    report('rotated', change);
  } else {
    const kid = args.find((arg) => !arg.startsWith('--') && arg !== alg);
    if (!kid) fail(USAGE, 64);
    const change = await store.revoke(kid, alg as JwtAlgorithm);
    // Durable first, then pushed: a process that misses the push finds the kid when it reloads.
    await publisher.keysChanged('revoked', [kid]);
    report('revoked', change);
  }
} catch (error) {
  if (error instanceof KeyRingError) fail(`keys ${command}: ${error.message}`, 1);
  throw error;
} finally {
  await client.close();
  redis.disconnect();
  await dataSource.destroy();
}

function option(name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function report(what: string, change: RingChange | undefined): void {
  if (!change) return;
  const parts = [`current ${change.current}`];
  if (change.next) parts.push(`next ${change.next}`);
  if (change.retired) parts.push(`retired ${change.retired}`);
  if (change.revoked) parts.push(`revoked ${change.revoked}`);
  process.stdout.write(`${what}: ${parts.join(', ')}; pushed to every process\n`);
}

function print(records: KeyRecord[]): void {
  const order = { next: 0, current: 1, retired: 2, revoked: 3 };
  const date = (d: Date | null) => (d ? d.toISOString() : '-');
  const rows = records
    .sort(
      (a, b) => order[a.state] - order[b.state] || b.createdAt.getTime() - a.createdAt.getTime(),
    )
    .map((r) => [
      r.kid,
      r.alg,
      r.state,
      date(r.createdAt),
      date(r.activatedAt),
      date(r.retiredAt ?? r.revokedAt),
    ]);
  const header = ['kid', 'alg', 'state', 'created', 'activated', 'retired/revoked'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}\n`);
  }
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
