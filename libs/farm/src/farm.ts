import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppConfig } from '@authfarm/config';
import { FarmControls, type StoreName } from './farm-controls.js';
import { FaultProxy } from './fault-proxy.js';
import { sendUpstreams } from './gateway-members.js';
import { runKeys } from './keys-command.js';
import { localKeys } from './local-secrets.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { ensurePostgres, ensureRedis, findFreePort, type StoreHandle } from './stores.js';

// The services always run from the build: dist/apps when this file is itself built, or the
// repository's dist/apps when it runs from source (the e2e tests).
const here = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DIST = here.endsWith('dist') ? join(here, 'apps') : join(here, 'dist', 'apps');
const SCRIPTS = {
  auth: join(DIST, 'auth/src/main.js'),
  migrate: join(DIST, 'auth/src/migrate.js'),
  resource: join(DIST, 'resource/src/main.js'),
  gateway: join(DIST, 'gateway/src/main.js'),
  keys: join(DIST, 'auth/src/keys/keys.cli.js'),
};

export interface FarmOptions {
  /** Environment for every service (the operator contract); defaults are applied per variable. */
  env?: Record<string, string | undefined>;
  /** Extra environment for the resource replicas only (e.g. a different REDIS_URL). */
  replicaEnv?: Record<string, string>;
  /**
   * Where generated secrets are kept between runs (`npm start` uses `.farm/secrets`), so the key
   * ring sealed under one run's key-encryption key opens in the next. Default: a fresh temporary
   * directory per farm, removed on stop.
   */
  secretsDir?: string;
  /**
   * The console's controls (`npm start`, `npm run demo`, the browser test): every service reaches
   * Redis and Postgres through a fault proxy the farm can cut, and the farm can add and remove
   * replicas and restart with another session store. Off by default: a farm under measurement
   * (the benchmark, most tests) talks to its stores directly.
   */
  controls?: boolean;
  log?: (line: string) => void;
}

export interface Farm {
  gatewayUrl: string;
  auth: ServiceProcess;
  /** Every auth replica (AUTH_REPLICAS); `auth` is the first. */
  auths: ServiceProcess[];
  replicas: ServiceProcess[];
  gateway: ServiceProcess;
  config: AppConfig;
  /** The environment handed to the auth service (the keys command needs the same). */
  authEnv: Record<string, string>;
  /**
   * Starts a replica again on its old port (after it was stopped or killed), optionally with
   * changed environment (a variable set to undefined is removed).
   */
  restartReplica(index: number, env?: Record<string, string | undefined>): Promise<ServiceProcess>;
  /** Starts an auth replica again on its old HTTP and introspection ports. */
  restartAuth(index?: number): Promise<ServiceProcess>;
  /** Starts the gateway again on its old port, so `gatewayUrl` stays the same. */
  restartGateway(): Promise<ServiceProcess>;
  /** Present when the farm was started with `controls: true`. */
  controls?: FarmControls;
  stop(): Promise<void>;
}

/**
 * Starts the whole farm on loopback: stores (reused or private), migrations, the auth service,
 * `REPLICAS` resource replicas and the gateway, each its own process, all ready on return.
 * Secrets and keys missing from `env` are generated here, for this local farm only.
 */
export async function startFarm(options: FarmOptions = {}): Promise<Farm> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const config = new AppConfig('farm', clean(options.env ?? {}));
  const env = config.env;
  const cleanups: Array<() => Promise<void> | void> = [];
  const children: ServiceProcess[] = [];
  let stopped = false;
  const stop = async () => {
    stopped = true;
    await Promise.all(children.reverse().map((c) => c.stop()));
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const stores: StoreHandle[] = [];
    const redis = await ensureRedis(env.REDIS_URL);
    stores.push(redis);
    const postgres = await ensurePostgres(env.DATABASE_URL);
    stores.push(postgres);
    cleanups.push(() => Promise.all(stores.map((s) => s.stop())).then(() => undefined));
    for (const s of stores) if (s.started) log(`[farm] started a private store at ${s.url}`);
    // With controls, every service reaches the stores through a proxy the console can cut.
    const proxies = new Map<StoreName, FaultProxy>();
    const storeUrl = async (name: StoreName, url: string): Promise<string> => {
      if (!options.controls) return url;
      const target = new URL(url);
      const proxy = new FaultProxy(target.hostname.replace(/^\[|\]$/g, ''), Number(target.port));
      await proxy.start();
      proxies.set(name, proxy);
      cleanups.push(() => proxy.stop());
      target.hostname = '127.0.0.1';
      target.port = String(proxy.port);
      return target.toString();
    };

    // Key material goes only where it is needed: the signing key to the auth service alone, an
    // HS256 secret to auth and the replicas (which is exactly HS256's blast radius).
    const {
      JWT_SECRET,
      JWT_PRIVATE_KEY,
      JWT_PRIVATE_KEY_FILE,
      JWT_KEY_ENCRYPTION_KEY,
      JWT_KEY_ENCRYPTION_KEY_FILE,
      INTROSPECTION_SECRET,
      ...operator
    } = clean(options.env ?? {});
    const keys = localKeys(config, options.secretsDir, cleanups);
    const shared: Record<string, string> = {
      ...operator,
      REDIS_URL: await storeUrl('redis', redis.url),
      DATABASE_URL: await storeUrl('postgres', postgres.url),
    };
    const authKeys = clean({
      JWT_SECRET,
      JWT_PRIVATE_KEY,
      JWT_PRIVATE_KEY_FILE,
      JWT_KEY_ENCRYPTION_KEY,
      JWT_KEY_ENCRYPTION_KEY_FILE,
      INTROSPECTION_SECRET,
      ...keys,
    });
    const replicaKeys = clean({
      JWT_SECRET: env.JWT_ALG === 'HS256' ? authKeys.JWT_SECRET : undefined,
    });
    await migrate(shared);
    // Settings the controls changed since start (the session store), for every process started
    // from now on.
    let settings: Record<string, string | undefined> = {};

    // Usually one auth replica; several (each with its own introspection port) show the
    // unsynced farm when sessions live in per-process memory.
    const authPorts = await Promise.all(Array.from({ length: env.AUTH_REPLICAS }, findFreePort));
    const startAuth = (i: number, port = 0) =>
      spawnService({
        name: authPorts.length === 1 ? 'auth' : `auth-${i + 1}`,
        script: SCRIPTS.auth,
        env: clean({
          ...shared,
          ...authKeys,
          ...settings,
          PORT: String(port),
          INTROSPECTION_PORT: String(authPorts[i]),
        }),
        log,
      });
    const auths = await Promise.all(authPorts.map((_, i) => startAuth(i)));
    children.push(...auths);
    const startReplica = (i: number, port = 0, changes: Record<string, string | undefined> = {}) =>
      spawnService({
        name: `resource-${i + 1}`,
        script: SCRIPTS.resource,
        env: clean({
          ...shared,
          ...replicaKeys,
          ...settings,
          PORT: String(port),
          REPLICA_ID: `resource-${i + 1}`,
          AUTH_URL: auths[i % auths.length].url,
          INTROSPECTION_URL: `tcp://127.0.0.1:${authPorts[i % auths.length]}`,
          ...options.replicaEnv,
          ...changes,
        }),
        log,
      });
    const replicas = await Promise.all(
      Array.from({ length: env.REPLICAS }, (_, i) => startReplica(i)),
    );
    children.push(...replicas);
    // A process that was stopped or killed comes back on its old port: its peers keep its URL.
    const replace = async (
      old: ServiceProcess,
      start: (port: number) => Promise<ServiceProcess>,
    ) => {
      await old.stop();
      const fresh = await start(old.port);
      if (stopped) {
        // The farm was stopped while this one started: it must not outlive the farm.
        await fresh.stop();
        throw new Error(`${fresh.name} restarted after the farm was stopped`);
      }
      children[children.indexOf(old)] = fresh;
      return fresh;
    };
    let control: { url: string } | undefined;
    const startGateway = (port: number) =>
      spawnService({
        name: 'gateway',
        script: SCRIPTS.gateway,
        env: clean({
          ...shared,
          ...(port > 0 ? { GATEWAY_PORT: String(port) } : {}),
          AUTH_URL: auths[0].url,
          AUTH_UPSTREAMS: auths.map((a) => a.url).join(','),
          RESOURCE_UPSTREAMS: replicas.map((r) => r.url).join(','),
          CONSOLE_CONTROL_URL: control?.url,
        }),
        log,
      });
    const farm: Farm = {
      gatewayUrl: '',
      auth: auths[0],
      auths,
      replicas,
      gateway: undefined as unknown as ServiceProcess,
      config,
      authEnv: { ...shared, ...authKeys },
      restartReplica: async (index, changes) => {
        replicas[index] = await replace(replicas[index], (port) =>
          startReplica(index, port, changes),
        );
        return replicas[index];
      },
      restartAuth: async (index = 0) => {
        auths[index] = await replace(auths[index], (port) => startAuth(index, port));
        farm.auth = auths[0];
        return auths[index];
      },
      restartGateway: async () => {
        farm.gateway = await replace(farm.gateway, startGateway);
        return farm.gateway;
      },
      stop,
    };
    if (options.controls) {
      // The members the gateway proxies to, told over IPC: only a parent that forked the gateway
      // can change them, never a request.
      const tellGateway = () =>
        sendUpstreams(farm.gateway, {
          auth: auths.map((a) => a.url),
          resource: replicas.map((r) => r.url),
        });
      const controls = new FarmControls({
        config,
        farm,
        proxies,
        adminToken: env.ADMIN_TOKEN,
        log,
        addReplica: async () => {
          const replica = await startReplica(replicas.length);
          replicas.push(replica);
          children.push(replica);
          await tellGateway();
        },
        removeReplica: async () => {
          const replica = replicas.pop()!;
          // The gateway stops choosing it and waits for its in-flight requests: then it drains.
          await tellGateway();
          children.splice(children.indexOf(replica), 1);
          await replica.stop();
        },
        restartWith: async (changes, authCount) => {
          settings = changes;
          const old = [...replicas, ...auths];
          await Promise.all(old.map((c) => c.stop()));
          for (const c of old) children.splice(children.indexOf(c), 1);
          while (authPorts.length < authCount) authPorts.push(await findFreePort());
          authPorts.length = authCount;
          const authHttp = auths.map((a) => a.port);
          auths.splice(
            0,
            auths.length,
            ...(await Promise.all(authPorts.map((_, i) => startAuth(i, authHttp[i] ?? 0)))),
          );
          farm.auth = auths[0];
          const replicaHttp = replicas.map((r) => r.port);
          replicas.splice(
            0,
            replicas.length,
            ...(await Promise.all(replicaHttp.map((port, i) => startReplica(i, port)))),
          );
          children.push(...auths, ...replicas);
          await tellGateway();
        },
        keys: (args) => runKeys(SCRIPTS.keys, farm.authEnv, args),
      });
      control = { url: await controls.listen() };
      cleanups.push(() => controls.close());
      farm.controls = controls;
    }
    farm.gateway = await startGateway(0);
    farm.gatewayUrl = farm.gateway.url;
    children.push(farm.gateway);
    return farm;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Runs the database migrations once, before any service starts. Asynchronously: a fault proxy in
 * this same process (the e2e tests) must keep forwarding while the migrations talk to Postgres.
 */
function migrate(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [SCRIPTS.migrate], { env }, (error, stdout, stderr) =>
      error ? reject(new Error(`migrations failed: ${stderr || stdout}`)) : resolve(),
    );
  });
}

function clean(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}
