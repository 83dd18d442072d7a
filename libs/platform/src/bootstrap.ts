import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { Logger, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@authfarm/config';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { Metrics } from './metrics.js';
import { requestIdFrom } from './request-id.js';

const LEVELS: Record<AppConfig['env']['LOG_LEVEL'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/** Creates a Fastify-backed Nest app with the farm-wide error, request-id and metrics wiring. */
export async function createHttpApp(
  module: unknown,
  config: AppConfig,
  headers: {
    /** Set on every response (e.g. X-Served-By on replicas). */
    always?: Record<string, string>;
    /** Set on responses whose handler did not set them (e.g. Cache-Control on auth). */
    ifAbsent?: Record<string, string>;
  } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: 16 * 1024,
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => requestIdFrom(req.headers),
    trustProxy: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    logger: LEVELS[config.env.LOG_LEVEL],
    bufferLogs: false,
  });
  app.useGlobalFilters(new AllExceptionsFilter());
  const metrics = app.get(Metrics);
  const fastify = app.getHttpAdapter().getInstance();
  const always = Object.entries(headers.always ?? {});
  const ifAbsent = Object.entries(headers.ifAbsent ?? {});
  // Draining: the server has stopped accepting and waits for every connection to end. A keep-alive
  // connection whose request finishes after that would otherwise sit idle until the peer or the
  // keep-alive timeout closes it (72 s), so the process would not exit; `Connection: close` ends
  // it with the response.
  let draining = false;
  fastify.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  // Callback-style hooks: cheaper than async ones on every request.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    for (const [name, value] of always) void reply.header(name, value);
    for (const [name, value] of ifAbsent)
      if (!reply.hasHeader(name)) void reply.header(name, value);
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.request(request.routeOptions.url ?? 'unmatched', reply.statusCode);
    done();
  });
  // SIGTERM drains: stop accepting, finish in-flight requests, close the stores, exit 0 (not by
  // re-raising the signal, which an orchestrator would report as a crash: exit status 143).
  app.enableShutdownHooks([], { useProcessExit: true });
  return app;
}

/** Listens on HOST:PORT and tells a parent process (the farm runner) which port it got. */
export async function listen(
  app: INestApplication,
  config: AppConfig,
  port: number,
): Promise<number> {
  await app.listen(port, config.env.HOST);
  const address = app.getHttpServer().address() as { port: number };
  new Logger(config.service).log(`listening on http://${config.env.HOST}:${address.port}`);
  reportListening(address.port, () => app.close());
  return address.port;
}

/**
 * Tells a parent process (the farm runner) the port over IPC, and exits when that parent goes
 * away, so a killed runner or test never leaves orphan services behind.
 */
export function reportListening(port: number, close: () => Promise<void>): void {
  if (!process.send) return;
  process.send({ type: 'listening', port });
  process.once('disconnect', () => {
    void close().finally(() => process.exit(0));
  });
}
