// Runs containers of the authfarm image as local processes: the real entrypoint (docker/entrypoint.sh)
// and the built code, with the environment and files a platform would give them; names of the
// platform's network (Services, compose services) are routed to this machine and the test stores.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { SCHEMA_CURRENT_SQL } from '../../apps/auth/src/database/data-source.js';
import { ROOT } from '../deploy/deploy-files.js';
import { testEnv } from '../support/test-env.js';

/** The test stores and one fresh database standing in for the platform's Redis and Postgres. */
export class TestStores {
  private constructor(
    readonly databaseUrl: string,
    readonly redisUrl: string,
    readonly keyPrefix: string,
    private readonly database: string,
  ) {}

  /** Creates an empty database `authfarm_platform_<label>`: migrations have not run yet. */
  static async create(label: string): Promise<TestStores> {
    const { databaseUrl, redisUrl, keyPrefix } = testEnv();
    const database = `authfarm_platform_${label.replace(/\W/g, '_')}_${process.pid}`;
    await admin(databaseUrl, [
      `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`,
      `CREATE DATABASE ${database}`,
    ]);
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    return new TestStores(url.toString(), redisUrl, `${keyPrefix}platform:${label}:`, database);
  }

  /** True once the newest migration is recorded: what auth needs before it may be ready. */
  async migrated(newest: string): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(SCHEMA_CURRENT_SQL, [newest]);
      return rows.length === 1;
    } catch {
      return false; // no migrations table yet
    } finally {
      await client.end();
    }
  }

  async drop(): Promise<void> {
    await admin(testEnv().databaseUrl, [`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`]);
  }
}

async function admin(databaseUrl: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * The platform's network, seen from one container: the host names it may use (Services of the
 * namespace, or compose services on a network it shares) and where each leads here.
 */
export class Network {
  constructor(
    private readonly reachable: ReadonlySet<string>,
    private readonly stores: TestStores,
  ) {}

  /**
   * A variable's value with every platform host name routed: store URLs to the test stores, other
   * services to 127.0.0.1 on the same port. A host the platform would not resolve is an error.
   */
  route(name: string, value: string): string {
    const hostPort = /^([A-Za-z0-9.-]+):(\d+)$/.exec(value);
    if (hostPort) return `${this.local(name, hostPort[1])}:${hostPort[2]}`;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return value;
    }
    if (
      !['http:', 'https:', 'redis:', 'rediss:', 'postgres:', 'postgresql:'].includes(url.protocol)
    ) {
      return value;
    }
    this.local(name, url.hostname);
    if (url.protocol.startsWith('postgres')) return this.stores.databaseUrl;
    if (url.protocol.startsWith('redis')) return this.stores.redisUrl;
    url.hostname = '127.0.0.1';
    return url.toString().replace(/\/$/, '');
  }

  private local(name: string, host: string): string {
    if (host === '127.0.0.1' || host === 'localhost') return host;
    if (!this.reachable.has(host)) {
      throw new Error(`${name} names host "${host}", which this container cannot resolve`);
    }
    return '127.0.0.1';
  }
}

/** A container's files (mounted secrets), written under a private folder of this machine. */
export class ContainerFiles {
  readonly root = mkdtempSync(join(tmpdir(), 'authfarm-platform-'));

  /**
   * Writes each file in a folder of the container's own (as each container has its own
   * /run/secrets: one container's mount never rewrites a file another is reading); returns the
   * env with every value naming a mounted path pointed at it.
   */
  mount(
    container: string,
    files: Record<string, string>,
    env: Record<string, string>,
  ): Record<string, string> {
    const root = join(this.root, container.replace(/[^\w.-]/g, '_'));
    for (const [path, content] of Object.entries(files)) {
      const local = join(root, path);
      mkdirSync(dirname(local), { recursive: true });
      writeFileSync(local, content, { mode: 0o600 });
    }
    const paths = Object.keys(files);
    return Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        paths.includes(value) ? join(root, value) : value,
      ]),
    );
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** One container's process. */
export class ContainerProcess {
  private readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : null);
        resolve(this.exitCode);
      }),
    );
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this.lines.push(...chunk.split('\n').filter(Boolean));
        this.lines.splice(0, Math.max(0, this.lines.length - 12));
      });
    }
  }

  /**
   * Starts the image's entrypoint with `args` (a container's `args`, a compose `command`) and no
   * other environment than `env`, from the repository root (the image's WORKDIR holds the same
   * dist/ and docker/).
   */
  static start(name: string, args: string[], env: Record<string, string>): ContainerProcess {
    const child = spawn('/bin/sh', [join(ROOT, 'docker/entrypoint.sh'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ContainerProcess(name, child);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Its last output lines, for a failure message. */
  tail(): string {
    return this.lines.join('\n');
  }

  describe(what: string): string {
    return `${this.name}: ${what}\n--- last output of ${this.name} ---\n${this.tail()}`;
  }

  /** Waits for the process to finish, as a Job's or an init container's must. */
  async completes(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(this.describe(`still running after ${timeoutMs} ms`))),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Probes `http://127.0.0.1:<port><path>` as kubelet or Docker does, until it answers 200. Fails
   * at once if the process exits (a crash the platform would restart is a defect here).
   */
  async ready(port: number, path: string, timeoutMs: number): Promise<void> {
    await this.until(timeoutMs, `not ready on :${port}${path}`, () =>
      fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) }).then(
        (response) => response.status === 200,
        () => false,
      ),
    );
  }

  /** Runs a health-check command (Compose's HEALTHCHECK) until it exits 0. */
  async healthy(command: string[], env: Record<string, string>, timeoutMs: number): Promise<void> {
    await this.until(
      timeoutMs,
      `unhealthy: ${command.join(' ')}`,
      () =>
        new Promise<boolean>((resolve) => {
          const check = spawn(command[0], command.slice(1), {
            cwd: ROOT,
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
            stdio: 'ignore',
          });
          check.once('exit', (code) => resolve(code === 0));
          check.once('error', () => resolve(false));
        }),
    );
  }

  // Readiness has no event to await: probed like a platform probes, every 200 ms.
  private async until(
    timeoutMs: number,
    failure: string,
    probe: () => Promise<boolean>,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(this.describe(`exited with code ${this.exitCode}`));
      if (await probe()) return;
      if (Date.now() > deadline) throw new Error(this.describe(`${failure} after ${timeoutMs} ms`));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGTERM, as the platform stops a container; SIGKILL after `graceMs`. Its exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.exitCode ?? null;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What one simulated deployment started: its containers, their files, its database. */
export class SimulatedRun {
  readonly running: ContainerProcess[] = [];
  readonly files = new ContainerFiles();

  private constructor(readonly stores: TestStores) {}

  static async create(label: string): Promise<SimulatedRun> {
    return new SimulatedRun(await TestStores.create(label));
  }

  start(name: string, args: string[], env: Record<string, string>): ContainerProcess {
    const process = ContainerProcess.start(name, args, env);
    this.running.push(process);
    return process;
  }

  /** SIGTERM to every container, as the platform stops them; the ones that did not exit 0. */
  async stopAll(): Promise<Array<[string, number | null]>> {
    const codes = await Promise.all(
      this.running.map(async (p): Promise<[string, number | null]> => [p.name, await p.stop()]),
    );
    return codes.filter(([, code]) => code !== 0);
  }

  /** Stops what still runs, removes the files and drops the database. */
  async remove(): Promise<void> {
    await Promise.all(this.running.map((p) => p.stop(2000)));
    this.files.remove();
    await this.stores.drop();
  }
}

/** Throws, naming the port, when something already listens on one a container must take. */
export async function expectPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', () =>
        reject(new Error(`port ${port} is in use: the simulation runs containers on their ports`)),
      );
      server.listen(port, '0.0.0.0', () => server.close(() => resolve()));
    });
  }
}
