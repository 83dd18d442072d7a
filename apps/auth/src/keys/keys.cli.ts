import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ClientProxyFactory } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { JWT_ALGORITHMS, loadConfigOrExit, type JwtAlgorithm } from '@authfarm/config';
import { RevocationPublisher, RevocationStore, redisTransport } from '@authfarm/revocation';
import { dataSourceOptions } from '../database/data-source.js';
import { KeyRingError, type KeyRecord, type RingChange } from './key-record.js';
import { KeyRingStore } from './key-ring.store.js';

const USAGE = `usage: npm run keys -- <command>
  list                       the key ring: kid, algorithm, state, dates (never key material)
  rotate [--alg ALG]         next becomes current, current is retired, a new next is made
  revoke <kid> [--alg ALG]   refuse <kid> on every process now; a current key is replaced at once
--alg (one of ${JWT_ALGORITHMS.join(', ')}) moves the ring to another algorithm; by default it
keeps the current key's. A rotation to another algorithm first publishes a next key of it and
waits --wait seconds (default 5) for every process to fetch it.
Configured like the auth service (DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, JWT_KEY_RING,
JWT_KEY_ENCRYPTION_KEY_FILE, JWT_TTL); in the local farm the key-encryption key is read from
.farm/secrets.`;

const LOCAL_FARM_KEK = '.farm/secrets/key-encryption-key';

let parsed: ReturnType<typeof parse>;
try {
  parsed = parse();
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`, 64);
}
const { values, positionals } = parsed;
const [command, kid] = positionals;
const alg = values.alg as JwtAlgorithm | undefined;
if (alg && !(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
  fail(`unknown algorithm ${alg}\n${USAGE}`, 64);
}
if (!['list', 'rotate', 'revoke'].includes(command ?? '') || (command === 'revoke' && !kid)) {
  fail(USAGE, 64);
}

const source = { ...process.env };
if (!source.JWT_KEY_ENCRYPTION_KEY && !source.JWT_KEY_ENCRYPTION_KEY_FILE) {
  if (existsSync(LOCAL_FARM_KEK)) source.JWT_KEY_ENCRYPTION_KEY_FILE = LOCAL_FARM_KEK;
}
const config = loadConfigOrExit('keys', source);
const dataSource = new DataSource(dataSourceOptions(config));
await dataSource.initialize();
const store = KeyRingStore.forConfig(dataSource, config);
const redis = new Redis(config.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const client = ClientProxyFactory.create(redisTransport(config.env.REDIS_URL));
const publisher = new RevocationPublisher(
  config,
  new RevocationStore(
    redis,
    config.env.REDIS_KEY_PREFIX,
    (config.env.JWT_TTL + config.env.JWT_LEEWAY) * 1000,
  ),
  client,
);

try {
  if (command === 'list') {
    print(await store.all());
  } else if (command === 'rotate') {
    if (alg && (await store.stageNext(alg))) {
      await announce('rotated');
      const waitS = Number(values.wait);
      process.stdout.write(`published a next ${alg} key; promoting it in ${waitS} s\n`);
      await sleep(waitS * 1000);
    }
    const change = await store.rotate({ alg });
    await announce('rotated');
    report('rotated', change);
  } else {
    const change = await store.revoke(kid, { alg });
    // Durable first, then pushed: a process that misses the push finds the kid when it reloads.
    await announce('revoked', [kid]);
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

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: { alg: { type: 'string' }, wait: { type: 'string', default: '5' } },
  });
}

// The ring is already changed in Postgres; if Redis cannot be reached the processes learn of it
// from their periodic reread (auth within 30 s, which then pushes revocations itself).
async function announce(reason: 'rotated' | 'revoked', revokedKids: string[] = []): Promise<void> {
  try {
    await publisher.keysChanged(reason, revokedKids);
  } catch {
    fail(
      `keys ${command}: the ring is changed, but the push failed (Redis unreachable); ` +
        'processes pick the change up when they reread the ring (within 30 s for the auth ' +
        'service, which then pushes revocations itself). Run the command again to retry the push.',
      2,
    );
  }
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
