import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { FarmControls, StoreName } from './farm-controls.js';

/** Control requests are a few bytes of JSON; anything bigger is refused unread. */
const MAX_BODY_BYTES = 1024;
const KID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a key id (1-64 of A-Z a-z 0-9 _ -)');
/** The most replicas the console may scale the local farm to. */
export const MAX_REPLICAS = 8;

const schemas = {
  store: z.strictObject({ up: z.boolean() }),
  replicas: z.strictObject({ count: z.number().int().min(1).max(MAX_REPLICAS) }),
  rotate: z.strictObject({}),
  revoke: z.strictObject({ kid: KID }),
  sessionStore: z.strictObject({ store: z.enum(['redis', 'postgres', 'memory']) }),
};

/** A refusal with its HTTP status, stable code and, for a bad body, the fields at fault. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Array<{ field: string; problem: string }>,
  ) {
    super(message);
  }
}

interface Route {
  pattern: RegExp;
  method: 'GET' | 'POST';
  run(controls: FarmControls, body: unknown, match: RegExpExecArray): Promise<unknown>;
}

// Each control: its path, its one method, and the body it takes (validated before anything
// changes).
const ROUTES: Route[] = [
  { pattern: /^\/console\/api\/farm$/, method: 'GET', run: async (c) => c.state() },
  {
    pattern: /^\/console\/api\/stores\/(redis|postgres)$/,
    method: 'POST',
    run: (c, body, match) => c.setStore(match[1] as StoreName, parse(schemas.store, body).up),
  },
  {
    pattern: /^\/console\/api\/replicas$/,
    method: 'POST',
    run: (c, body) => c.scale(parse(schemas.replicas, body).count),
  },
  {
    pattern: /^\/console\/api\/keys\/rotate$/,
    method: 'POST',
    run: (c, body) => {
      parse(schemas.rotate, body);
      return c.keys('rotate');
    },
  },
  {
    pattern: /^\/console\/api\/keys\/revoke$/,
    method: 'POST',
    run: (c, body) => c.keys('revoke', parse(schemas.revoke, body).kid),
  },
  {
    pattern: /^\/console\/api\/session-store$/,
    method: 'POST',
    run: (c, body) => c.useSessionStore(parse(schemas.sessionStore, body).store),
  },
];

/**
 * The controls over HTTP on loopback, for the gateway to forward `/console/api/*` to: one JSON
 * error shape with the request id, 405 with `Allow`, and the admin token when one is set.
 */
export class ControlServer {
  private server: Server | undefined;

  constructor(
    private readonly controls: FarmControls,
    private readonly adminToken: string | undefined,
    private readonly log: (line: string) => void,
  ) {}

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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = String(req.headers['x-request-id'] ?? randomUUID());
    const path = (req.url ?? '/').split('?')[0];
    const route = ROUTES.find((r) => r.pattern.test(path));
    try {
      this.authorize(req);
      if (!route) throw new ControlError(404, 'NOT_FOUND', `No console control at ${path}.`);
      if (route.method !== req.method) {
        throw new ControlError(405, 'METHOD_NOT_ALLOWED', `${path} takes ${route.method} only.`);
      }
      const body = route.method === 'GET' ? undefined : await readJson(req);
      send(res, 200, await route.run(this.controls, body, route.pattern.exec(path)!), requestId);
    } catch (error) {
      const failure =
        error instanceof ControlError
          ? error
          : new ControlError(503, 'FARM_CHANGE_FAILED', 'The farm could not make the change.');
      if (!(error instanceof ControlError)) this.log(`[farm] console: ${String(error)}`);
      send(
        res,
        failure.status,
        { error: failure.code, message: failure.message, fields: failure.fields },
        requestId,
        failure.status === 405 && route ? { allow: route.method } : {},
      );
    }
  }

  // Rejects a missing or wrong admin token in constant time; no token configured: open (the
  // control server listens on loopback and the local gateway is the only one that knows it).
  private authorize(req: IncomingMessage): void {
    const expected = this.adminToken;
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
