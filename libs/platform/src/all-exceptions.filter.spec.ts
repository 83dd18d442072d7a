import { describe, expect, it } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { AppError } from './app-error.js';
import { createLogger } from './logger.js';

const BODY = { username: 'alice', password: 'canary-pw-0123456789abcdef' };

/** Runs the filter on `exception` for a POST /auth/login carrying `BODY`. */
function filtered(exception: unknown) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(new AppConfig('gateway', { LOG_LEVEL: 'info' }), {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const sent: { status?: number; body?: unknown } = {};
  const reply = {
    header: () => reply,
    status: (status: number) => ((sent.status = status), reply),
    send: (body: unknown) => ((sent.body = body), reply),
  };
  const request = { id: 'req-12345678', method: 'POST', url: '/auth/login', body: BODY };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  new AllExceptionsFilter(logger).catch(exception, host);
  return { lines, sent };
}

describe('AllExceptionsFilter', () => {
  it("logs an unexpected error's name, code and stack with the request id, never the request", () => {
    const error = Object.assign(new TypeError(`cannot read ${BODY.password}`), { code: 'E_X' });
    const { lines, sent } = filtered(error);
    expect(sent).toEqual({
      status: 500,
      body: { error: 'INTERNAL', message: 'Something went wrong.', request_id: 'req-12345678' },
    });
    expect(lines).toMatchObject([
      {
        level: 'error',
        context: 'Errors',
        reqId: 'req-12345678',
        err: { type: 'TypeError', code: 'E_X', stack: expect.stringMatching(/^ {4}at /) },
        msg: 'unhandled error',
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain(BODY.password);
  });

  it('logs a 503 with its code, and a refused credential not at all', () => {
    const unavailable = filtered(new AppError('SESSION_STORE_UNAVAILABLE', 'redis: timeout'));
    expect(unavailable.lines).toMatchObject([
      { level: 'warn', reqId: 'req-12345678', code: 'SESSION_STORE_UNAVAILABLE' },
    ]);
    expect(filtered(new AppError('INVALID_CREDENTIALS')).lines).toEqual([]);
  });
});
