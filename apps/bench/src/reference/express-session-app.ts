/**
 * Reference server for benchmark scenario 9 ("against what users would pick instead"): the
 * stateful setup as the express-session and connect-redis READMEs show it, nothing tuned.
 *
 * `POST /login` is a benchmark fixture, not a login: it checks no password and opens a session
 * for whatever `{userId, username}` it is given. Never expose this process.
 */
import { once } from 'node:events';
import { RedisStore } from 'connect-redis';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { createClient } from 'redis';

interface ReferenceEnv {
  host: string;
  port: number;
  redisUrl: string;
  redisKeyPrefix: string;
  sessionSecret: string;
}

/** The only reader of `process.env` here; a missing variable stops the process by name. */
function readEnv(): ReferenceEnv {
  const missing = (name: string): never => {
    console.error(`express-session-app: environment variable ${name} is required`);
    process.exit(1);
  };
  const port = Number(process.env.PORT ?? 0); // 0: any free port, as authfarm's PORT
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('express-session-app: PORT must be an integer from 0 to 65535');
    process.exit(1);
  }
  return {
    host: process.env.HOST ?? '127.0.0.1',
    port,
    redisUrl: process.env.REDIS_URL ?? missing('REDIS_URL'),
    redisKeyPrefix: process.env.REDIS_KEY_PREFIX ?? missing('REDIS_KEY_PREFIX'),
    // The benchmark hands every process the farm's secret; a dedicated one takes precedence.
    sessionSecret:
      process.env.SESSION_SECRET ??
      process.env.JWT_SECRET ??
      missing('SESSION_SECRET (or JWT_SECRET)'),
  };
}

declare module 'express-session' {
  interface SessionData {
    userId: string;
    username: string;
  }
}

/** Same idle timeout as authfarm's SESSION_IDLE_TTL default. */
const IDLE_TIMEOUT_MS = 30 * 60 * 1000;

const env = readEnv();

const redisClient = createClient({ url: env.redisUrl });
redisClient.on('error', (error: unknown) => console.error('Redis Client Error', error));
await redisClient.connect();

const redisStore = new RedisStore({
  client: redisClient,
  prefix: `${env.redisKeyPrefix}ref-sess:`,
});

const app = express();
app.disable('x-powered-by');

app.get('/health/ready', (_req: Request, res: Response) => {
  res.status(redisClient.isReady ? 200 : 503).json({ ready: redisClient.isReady });
});

// express-session sets a Secure cookie only on a request it believes arrived over HTTPS, i.e.
// behind a TLS-terminating proxy that says so (`proxy: true` + X-Forwarded-Proto). The benchmark
// talks plain HTTP to this process, so the process plays that proxy: without this, the login
// answers with no cookie at all. authfarm sets `Secure` over plain HTTP the same way.
app.use((req: Request, _res: Response, next: NextFunction) => {
  req.headers['x-forwarded-proto'] = 'https';
  next();
});

app.use(
  session({
    store: redisStore,
    name: '__Host-ref-sid', // __Host-: Secure, Path=/, no Domain (authfarm uses __Host-sid)
    secret: env.sessionSecret,
    resave: false,
    saveUninitialized: false,
    rolling: true, // each response resets the 30-minute countdown: an idle timeout
    proxy: true,
    cookie: { httpOnly: true, secure: true, sameSite: 'lax', maxAge: IDLE_TIMEOUT_MS },
  }),
);

app.post('/login', express.json({ limit: '16kb' }), (req: Request, res: Response, next) => {
  const { userId, username } = (req.body ?? {}) as { userId?: unknown; username?: unknown };
  if (typeof userId !== 'string' || !userId || typeof username !== 'string' || !username) {
    res.status(400).json({ error: 'BAD_REQUEST', message: 'The request is not valid.' });
    return;
  }
  // A fresh id at login, as the express-session README shows (session fixation).
  req.session.regenerate((regenerateError) => {
    if (regenerateError) return next(regenerateError);
    req.session.userId = userId;
    req.session.username = username;
    req.session.save((saveError) => {
      if (saveError) return next(saveError);
      res.json({ mode: 'session', expires_in: IDLE_TIMEOUT_MS / 1000 });
    });
  });
});

app.get('/api/me', (req: Request, res: Response) => {
  const { userId, username } = req.session;
  if (!userId || !username) {
    res.status(401).json({ error: 'UNAUTHENTICATED', message: 'Authentication is required.' });
    return;
  }
  res.json({
    sub: userId,
    username,
    sid: req.session.id,
    mode: 'session',
    replica: 'express-session',
  });
});

// Express's default handler answers HTML with a stack trace in development; keep JSON and
// generic messages like authfarm.
app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res.status(status).json({ error: 'BAD_REQUEST', message: 'The request is not valid.' });
    return;
  }
  console.error(error);
  res.status(500).json({ error: 'INTERNAL', message: 'Something went wrong.' });
});

const server = app.listen(env.port, env.host);
await once(server, 'listening');
const { port } = server.address() as { port: number };
console.log(`express-session-app listening on http://${env.host}:${port}`);

// Same contract as authfarm's reportListening: tell the parent the port, and go when it goes.
if (process.send) {
  process.send({ type: 'listening', port });
  process.once('disconnect', () => {
    server.closeAllConnections();
    server.close();
    void redisClient.close().finally(() => process.exit(0));
  });
}
