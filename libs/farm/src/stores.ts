import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A store the farm uses: the URL to give services, and how to stop it if the farm started it. */
export interface StoreHandle {
  url: string;
  started: boolean;
  stop(): Promise<void>;
}

/** Raised when a store is unreachable and cannot be started here; says what to do. */
export class StoreSetupError extends Error {
  override readonly name = 'StoreSetupError';
}

/** Uses the Redis at `url`, or starts a private one when it is not reachable. */
export async function ensureRedis(url: string): Promise<StoreHandle> {
  const { hostname, port } = new URL(url);
  if (await redisAnswers(hostname, Number(port || 6379))) return external(url);
  const binary = findBinary(['redis-server'], ['/usr/bin', '/usr/local/bin', '/usr/sbin']);
  if (!binary) {
    throw new StoreSetupError(
      `Redis is not reachable at ${url} and redis-server is not installed: ` +
        'install it (apt-get install -y redis-server) or set REDIS_URL.',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'authfarm-redis-'));
  const freePort = await findFreePort();
  const child = spawn(
    binary,
    [
      '--port',
      String(freePort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  await waitUntil(() => redisAnswers('127.0.0.1', freePort), 10_000, 'private redis-server');
  return {
    url: `redis://127.0.0.1:${freePort}`,
    started: true,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Uses the Postgres server of `url`, or starts a private one when it is not reachable; then
 * creates the database if it is missing.
 */
export async function ensurePostgres(url: string): Promise<StoreHandle> {
  const target = new URL(url);
  let handle: StoreHandle;
  if (await postgresAnswers(adminUrl(target))) {
    handle = external(url);
  } else {
    handle = await startPrivatePostgres(target);
  }
  await createDatabaseIfMissing(new URL(handle.url));
  return handle;
}

async function startPrivatePostgres(target: URL): Promise<StoreHandle> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new StoreSetupError(
      `PostgreSQL is not reachable at ${target.host} and its server is not installed: ` +
        'install it (apt-get install -y postgresql) or set DATABASE_URL.',
    );
  }
  // Postgres refuses to run as root: run it as the postgres user in a private directory.
  const asRoot = process.getuid?.() === 0;
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const dir = mkdtempSync(join(tmpdir(), 'authfarm-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const [initCmd, initArgs] = wrap(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new StoreSetupError(`initdb failed: ${init.stderr}`);
  const freePort = await findFreePort();
  const [cmd, args] = wrap(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(freePort),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  const url = `postgres://postgres@127.0.0.1:${freePort}${target.pathname}`;
  await waitUntil(() => postgresAnswers(adminUrl(new URL(url))), 20_000, 'private postgres');
  return {
    url,
    started: true,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createDatabaseIfMissing(url: URL): Promise<void> {
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new StoreSetupError(`DATABASE_URL: unsupported database name "${name}"`);
  const client = new pg.Client({ connectionString: adminUrl(url) });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

function adminUrl(url: URL): string {
  const admin = new URL(url.toString());
  admin.pathname = '/postgres';
  return admin.toString();
}

function external(url: string): StoreHandle {
  return { url, started: false, stop: async () => undefined };
}

async function redisAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function findBinary(names: string[], dirs: string[]): string | undefined {
  for (const dir of dirs)
    for (const name of names) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'postgres')));
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new StoreSetupError(`${what} did not become ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
