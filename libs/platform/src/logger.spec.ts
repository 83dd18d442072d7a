import { describe, expect, it } from '@jest/globals';
import { AppConfig } from '@authfarm/config';
import { AccessLog } from './access-log.js';
import { createLogger, errorFields, type Logger } from './logger.js';
import { PinoNestLogger } from './pino-nest-logger.js';

/** A logger of `service` at `level` whose lines land in the returned array, parsed. */
function memoryLogger(level = 'debug', service: 'resource' | 'gateway' = 'resource') {
  const lines: Array<Record<string, unknown>> = [];
  const logger: Logger = createLogger(new AppConfig(service, { LOG_LEVEL: level }), {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per event with service, replica, level, time and msg', () => {
    const { logger, lines } = memoryLogger();
    logger.info({ reqId: 'r-12345678' }, 'hello');
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.any(Number),
        service: 'resource',
        pid: process.pid,
        replica: 'resource-1',
        reqId: 'r-12345678',
        msg: 'hello',
      },
    ]);
  });

  it('censors credential fields, header sets and bodies that slip into a line', () => {
    const { logger, lines } = memoryLogger();
    logger.warn(
      {
        password: 'p',
        refresh_token: 'r',
        authorization: 'Bearer t',
        'set-cookie': 'c',
        JWT_SECRET: 's',
        headers: { cookie: 'c', 'user-agent': 'ua' },
        req: { method: 'POST', body: { password: 'p' } },
        data: { token: 't', id: 7 },
        body: 'raw',
      },
      'oops',
    );
    const censored = '[Redacted]';
    expect(lines[0]).toMatchObject({
      password: censored,
      refresh_token: censored,
      authorization: censored,
      'set-cookie': censored,
      JWT_SECRET: censored,
      headers: censored,
      req: { method: 'POST', body: censored },
      data: { token: censored, id: 7 },
      body: censored,
    });
  });

  it('reads LOG_LEVEL: at warn, info lines and the access log are off', () => {
    const { logger, lines } = memoryLogger('warn');
    logger.info('not written');
    expect(lines).toEqual([]);
    expect(new AccessLog(logger).enabled).toBe(false);
  });

  it("accepts Nest's old level name `log` as info", () => {
    expect(new AppConfig('gateway', { LOG_LEVEL: 'log' }).env.LOG_LEVEL).toBe('info');
  });
});

describe('errorFields', () => {
  it("keeps an error's name, code and stack frames, but not its message nor its other fields", () => {
    const error = Object.assign(new SyntaxError('Unexpected token in "password":"hunter2"'), {
      code: 'E_PARSE',
      parameters: ['hunter2'],
    });
    const fields = errorFields(error);
    expect(fields).toEqual({ type: 'SyntaxError', code: 'E_PARSE', stack: expect.any(String) });
    expect(fields.stack).toMatch(/^ {4}at /);
    expect(JSON.stringify(fields)).not.toContain('hunter2');
  });

  it('is what a logged `err` becomes', () => {
    const { logger, lines } = memoryLogger();
    logger.error({ err: new Error('secret-in-message') }, 'unhandled error');
    expect(lines[0].err).toMatchObject({ type: 'Error' });
    expect(JSON.stringify(lines[0])).not.toContain('secret-in-message');
  });
});

describe('AccessLog', () => {
  it('writes requests at info and health probes and scrapes at debug', () => {
    const { logger, lines } = memoryLogger('debug');
    const access = new AccessLog(logger);
    const line = { reqId: 'r-12345678', method: 'GET', status: 200, ms: 1.5 };
    access.write({ ...line, url: '/api/me', route: '/api/me' });
    access.write({ ...line, url: '/health/ready', route: '/health/ready' });
    expect(lines.map((l) => [l.level, l.msg, l.url])).toEqual([
      ['info', 'request', '/api/me'],
      ['debug', 'request', '/health/ready'],
    ]);
  });
});

describe('PinoNestLogger', () => {
  it("maps Nest's context, stack and object messages onto fields of one line", () => {
    const { logger, lines } = memoryLogger();
    const nest = new PinoNestLogger(logger);
    nest.log('listening', 'resource');
    nest.error('boom', 'Error: boom\n    at f (file.js:1:1)', 'ExceptionHandler');
    nest.warn({ reqId: 'r-12345678', code: 'BAD_GATEWAY' }, 'failed', 'gateway');
    expect(lines).toMatchObject([
      { level: 'info', context: 'resource', msg: 'listening' },
      { level: 'error', context: 'ExceptionHandler', msg: 'boom', stack: expect.any(String) },
      { level: 'warn', context: 'gateway', reqId: 'r-12345678', msg: 'failed' },
    ]);
  });
});
