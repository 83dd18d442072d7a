import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '@authfarm/config';
import { AccessLog, pathOf, roundMs } from './access-log.js';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { createLogger, exitOnUncaught } from './logger.js';
import { Metrics } from './metrics.js';
import { PinoNestLogger } from './pino-nest-logger.js';
import { requestIdFrom } from './request-id.js';

/**
 * Creates a Fastify-backed Nest app with the farm-wide logging, error, request-id and metrics
 * wiring. Nest logs through pino from its first line (bootstrap included), so nothing is
 * buffered and nothing is printed as plain text.
 */
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
  const logger = createLogger(config);
  exitOnUncaught(logger);
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    logger: new PinoNestLogger(logger),
  });
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  const access = new AccessLog(logger);
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
  const count = (request: FastifyRequest, reply: FastifyReply): void =>
    metrics.request(request.routeOptions.url ?? 'unmatched', reply.statusCode);
  // With the access log off (LOG_LEVEL above info) the hook does not even build the line.
  fastify.addHook(
    'onResponse',
    access.enabled
      ? (request, reply, done) => {
          count(request, reply);
          access.write({
            reqId: request.id,
            method: request.method,
            url: pathOf(request.url),
            route: request.routeOptions.url,
            status: reply.statusCode,
            ms: roundMs(reply.elapsedTime),
          });
          done();
        }
      : (request, reply, done) => {
          count(request, reply);
          done();
        },
  );
  // SIGTERM drains: stop accepting, finish in-flight requests, close the stores, exit 0 (not by
  // re-raising the signal, which an orchestrator would report as a crash: exit status 143), after
  // the hooks, so buffered log lines are written out.
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
