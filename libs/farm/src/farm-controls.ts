import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { AppConfig, SessionStoreKind } from '@authfarm/config';
import type { Farm } from './farm.js';
import type { FaultProxy } from './fault-proxy.js';

export type StoreName = 'redis' | 'postgres';

/** What the farm runner lets the controls do to it; each resolves once the farm is settled. */
export interface FarmHooks {
  config: AppConfig;
  farm: Farm;
  proxies: ReadonlyMap<StoreName, FaultProxy>;
  adminToken: string | undefined;
  log: (line: string) => void;
  addReplica(): Promise<void>;
  removeReplica(): Promise<void>;
  /** Restarts every auth and resource process with these settings and this many auth replicas. */
  restartWith(settings: Record<string, string>, authCount: number): Promise<void>;
  keys(args: string[]): Promise<string>;
}

export interface FarmState {
  modes: string[];
  defaultMode: string;
  jwtTtlSeconds: number;
  /** How long past `exp` the replicas still accept a token (clock skew). */
  jwtLeewaySeconds: number;
  sessionStore: SessionStoreKind;
  replicas: Array<{ name: string; url: string }>;
  auths: Array<{ name: string; url: string }>;
  stores: Array<{ name: StoreName; up: boolean }>;
  busy: boolean;
}

export const MAX_REPLICAS = 8;
/** Control requests are a few bytes of JSON; anything bigger is refused unread. */
const MAX_BODY_BYTES = 1024;
const KID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a key id (1-64 of A-Z a-z 0-9 _ -)');

const schemas = {
  store: z.strictObject({ up: z.boolean() }),
  replicas: z.strictObject({ count: z.number().int().min(1).max(MAX_REPLICAS) }),
  rotate: z.strictObject({}),
  revoke: z.strictObject({ kid: KID }),
  sessionStore: z.strictObject({ store: z.enum(['redis', 'postgres', 'memory']) }),
};

class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Array<{ field: string; problem: string }>,
  ) {
    super(message);
  }
}

/**
 * The console's fault and scale controls for a local farm: cut and restore a store, add and
 * remove replicas, restart with another session store, rotate and revoke signing keys. Served
 * on loopback to the gateway (CONSOLE_CONTROL_URL), one change at a time; the same operations
 * are methods for `npm run demo` and the tests. They never reach the replicas' API.
 */
export class FarmControls {
  private busy = false;
  private server: Server | undefined;
  private readonly originalStore: SessionStoreKind;
  private readonly originalAuthCount: number;
  private sessionStore: SessionStoreKind;

  constructor(private readonly hooks: FarmHooks) {
    this.originalStore = hooks.config.env.SESSION_STORE;
    this.sessionStore = this.originalStore;
    this.originalAuthCount = hooks.config.env.AUTH_REPLICAS;
  }

  state(): FarmState {
    const { config, farm, proxies } = this.hooks;
    const named = (p: { name: string; url: string }) => ({ name: p.name, url: p.url });
    return {
      modes: [...config.env.AUTH_MODES],
      defaultMode: config.defaultMode,
      jwtTtlSeconds: config.env.JWT_TTL,
      jwtLeewaySeconds: config.env.JWT_LEEWAY,
      sessionStore: this.sessionStore,
      replicas: farm.replicas.map(named),
      auths: farm.auths.map(named),
      stores: (['redis', 'postgres'] as const).map((name) => ({
        name,
        up: proxies.get(name)?.up ?? true,
      })),
      busy: this.busy,
    };
  }

  /** Cuts (every connection dropped, new ones refused) or restores one store for the farm. */
  setStore(name: StoreName, up: boolean): Promise<FarmState> {
    return this.exclusive(`${name} ${up ? 'restored' : 'cut'}`, async () => {
      const proxy = this.hooks.proxies.get(name);
      if (!proxy) throw new ControlError(404, 'NOT_FOUND', `No store named ${name}.`);
      if (up && !proxy.up) await proxy.restore();
      if (!up && proxy.up) await proxy.cut();
    });
  }

  /** Adds or removes replicas until there are `count`; the gateway drains one before it stops. */
  scale(count: number): Promise<FarmState> {
    return this.exclusive(`scaled to ${count} replicas`, async () => {
      const { farm } = this.hooks;
      while (farm.replicas.length < count) await this.hooks.addReplica();
      while (farm.replicas.length > count) await this.hooks.removeReplica();
    });
  }

  /**
   * Restarts auth and every replica with another session store. `memory` is the unsynced farm:
   * one auth replica per resource replica, each keeping sessions in its own memory and each
   * resource replica asking its own auth replica.
   */
  useSessionStore(store: SessionStoreKind): Promise<FarmState> {
    return this.exclusive(`session store: ${store}`, async () => {
      const { config, farm } = this.hooks;
      if (store === this.sessionStore) return;
      const settings: Record<string, string> =
        store === 'memory'
          ? { SESSION_STORE: 'memory', SESSION_CHECK: 'introspection' }
          : { SESSION_STORE: store, SESSION_CHECK: config.env.SESSION_CHECK };
      const authCount = store === 'memory' ? farm.replicas.length : this.originalAuthCount;
      await this.hooks.restartWith(store === this.originalStore ? {} : settings, authCount);
      this.sessionStore = store;
    });
  }

  /** `npm run keys -- rotate` or `-- revoke <kid>`: resolves with the command's output. */
  async keys(
    action: 'rotate' | 'revoke',
    kid?: string,
  ): Promise<{ output: string; farm: FarmState }> {
    let output = '';
    const farm = await this.exclusive(`keys ${action}`, async () => {
      output = await this.hooks.keys(action === 'rotate' ? ['rotate'] : ['revoke', kid!]);
    });
    return { output, farm };
  }

  /** Serves the controls on loopback; resolves with the URL for CONSOLE_CONTROL_URL. */
  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private async exclusive(what: string, change: () => Promise<void>): Promise<FarmState> {
    if (this.busy) {
      throw new ControlError(409, 'FARM_BUSY', 'Another change to the farm is still running.');
    }
    this.busy = true;
    try {
      await change();
      this.hooks.log(`[farm] console: ${what}`);
    } finally {
      this.busy = false;
    }
    return this.state();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = String(req.headers['x-request-id'] ?? randomUUID());
    try {
      this.authorize(req);
      const path = (req.url ?? '/').split('?')[0];
      const body = await this.route(req, path);
      send(res, 200, body, requestId);
    } catch (error) {
      const failure =
        error instanceof ControlError
          ? error
          : new ControlError(503, 'FARM_CHANGE_FAILED', 'The farm could not make the change.');
      if (!(error instanceof ControlError)) this.hooks.log(`[farm] console: ${String(error)}`);
      const extra: Record<string, string> = {};
      if (failure.status === 405) extra.allow = allowed(req.url ?? '/');
      send(
        res,
        failure.status,
        { error: failure.code, message: failure.message, fields: failure.fields },
        requestId,
        extra,
      );
    }
  }

  private async route(req: IncomingMessage, path: string): Promise<unknown> {
    const method = req.method ?? 'GET';
    const route = ROUTES.find((r) => r.pattern.test(path));
    if (!route) throw new ControlError(404, 'NOT_FOUND', `No console control at ${path}.`);
    if (route.method !== method) {
      throw new ControlError(405, 'METHOD_NOT_ALLOWED', `${path} takes ${route.method} only.`);
    }
    if (method === 'GET') return this.state();
    const json = await readJson(req);
    const store = /\/stores\/(redis|postgres)$/.exec(path);
    if (store) return this.setStore(store[1] as StoreName, parse(schemas.store, json).up);
    if (path.endsWith('/replicas')) return this.scale(parse(schemas.replicas, json).count);
    if (path.endsWith('/keys/rotate')) return parse(schemas.rotate, json) && this.keys('rotate');
    if (path.endsWith('/keys/revoke')) return this.keys('revoke', parse(schemas.revoke, json).kid);
    return this.useSessionStore(parse(schemas.sessionStore, json).store);
  }

  // Rejects a missing or wrong admin token in constant time; no token configured: open (the
  // control server listens on loopback and the local gateway is the only one that knows it).
  private authorize(req: IncomingMessage): void {
    const expected = this.hooks.adminToken;
    if (!expected) return;
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const digest = (v: string) => createHash('sha256').update(v).digest();
    if (!timingSafeEqual(digest(given), digest(expected))) {
      throw new ControlError(
        403,
        'ADMIN_TOKEN_REQUIRED',
        'The console controls need the admin token (Authorization: Bearer <ADMIN_TOKEN>).',
      );
    }
  }
}

const ROUTES = [
  { pattern: /^\/console\/api\/farm$/, method: 'GET' },
  { pattern: /^\/console\/api\/stores\/(redis|postgres)$/, method: 'POST' },
  { pattern: /^\/console\/api\/replicas$/, method: 'POST' },
  { pattern: /^\/console\/api\/keys\/(rotate|revoke)$/, method: 'POST' },
  { pattern: /^\/console\/api\/session-store$/, method: 'POST' },
];

function allowed(url: string): string {
  const path = url.split('?')[0];
  return ROUTES.find((r) => r.pattern.test(path))?.method ?? 'GET';
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field:
      issue.path.join('.') ||
      (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(body)'),
    problem: issue.message,
  }));
  throw new ControlError(400, 'INVALID_BODY', 'The request body is not valid.', fields);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/.test(type)) {
    throw new ControlError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.', [
      { field: 'content-type', problem: 'must be application/json' },
    ]);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new ControlError(413, 'PAYLOAD_TOO_LARGE', `The body is over ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new ControlError(400, 'INVALID_JSON', 'The body is not valid JSON.', [
      { field: '(body)', problem: 'not valid JSON' },
    ]);
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  extra: Record<string, string> = {},
): void {
  const payload =
    status >= 400
      ? JSON.stringify({ ...(body as object), request_id: requestId })
      : JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-request-id': requestId,
      ...extra,
    })
    .end(payload);
}
