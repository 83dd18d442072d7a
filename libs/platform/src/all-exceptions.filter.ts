import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { throwError, type Observable } from 'rxjs';
import { AppError, errorBody, type ErrorCode } from './app-error.js';
import type { Logger } from './logger.js';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'BAD_REQUEST',
};

/**
 * The one place errors become HTTP. Clients get a stable code, a generic message and the request
 * id; the log gets the code, and for a 500 the error's name, code and stack frames (never the
 * request, nor the error's message: see `errorFields`).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger.child({ context: 'Errors' });
  }

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'http') {
      // A microservice handler failed: log it, and send the caller nothing but a generic error.
      this.logger.error({ transport: host.getType(), err: exception }, 'handler failed');
      return throwError(() => ({ status: 'error', message: 'internal error' }));
    }
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, code, headers } = this.classify(exception, request.id);
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    void reply.status(status).send(errorBody(code, request.id));
  }

  private classify(
    exception: unknown,
    requestId: string,
  ): { status: number; code: ErrorCode; headers: Record<string, string> } {
    if (exception instanceof AppError) {
      if (exception.status >= 500) {
        this.logger.warn(
          { reqId: requestId, code: exception.code, detail: exception.detail },
          'request failed',
        );
      }
      const headers: Record<string, string> =
        exception instanceof AuthenticationError && exception.bearer
          ? { 'www-authenticate': 'Bearer error="invalid_token"' }
          : {};
      if (exception.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(exception.retryAfterSeconds);
      } else if (exception.status === 503) headers['retry-after'] = '1';
      return { status: exception.status, code: exception.code, headers };
    }
    const status =
      exception instanceof HttpException
        ? exception.getStatus()
        : statusOf(exception as { statusCode?: unknown });
    if (status !== undefined && status < 500) {
      return { status, code: STATUS_CODES[status] ?? 'BAD_REQUEST', headers: {} };
    }
    this.logger.error({ reqId: requestId, err: exception }, 'unhandled error');
    return { status: 500, code: 'INTERNAL', headers: {} };
  }
}

/** A refused credential. `bearer` adds the RFC 6750 challenge to the response. */
export class AuthenticationError extends AppError {
  constructor(
    code: Extract<
      ErrorCode,
      'UNAUTHENTICATED' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'SESSION_INVALID'
    >,
    readonly bearer: boolean,
    detail?: string,
  ) {
    super(code, detail);
  }
}

// Fastify's own errors (bad JSON, body too large, wrong content type) carry a 4xx statusCode.
function statusOf(error: { statusCode?: unknown } | null | undefined): number | undefined {
  const status = error?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}
