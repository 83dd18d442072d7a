import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { IncomingHttpHeaders } from 'node:http';
import { AppConfig } from '@authfarm/config';
import { crossSiteReason } from '@authfarm/credentials';
import { AppError } from '@authfarm/platform';
import { loginSchema } from './credentials.dto.js';
import { LoginThrottle } from './login-throttle.js';

interface LoginRequest {
  body: unknown;
  method: string;
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string };
}

// Only the gateway's X-Forwarded-For is ever seen here: it overwrites what a client sent, so
// rotating the header does not escape the per-IP limit. Direct callers count by socket address.
function clientIp(request: LoginRequest): string {
  const forwarded = request.headers['x-forwarded-for'];
  return (typeof forwarded === 'string' && forwarded) || request.socket.remoteAddress || 'unknown';
}

/**
 * Refuses a cross-site login (login CSRF: logging the victim into the attacker's account) and a
 * malformed body (400) before any password work, then runs passport-local.
 */
@Injectable()
export class LoginGuard extends AuthGuard('local') {
  private readonly allowedOrigins: ReadonlySet<string>;

  constructor(
    config: AppConfig,
    private readonly throttle: LoginThrottle,
  ) {
    super();
    this.allowedOrigins = config.allowedOrigins;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<LoginRequest>();
    const reason = crossSiteReason(request, this.allowedOrigins);
    if (reason) throw new AppError('CSRF_REJECTED', reason);
    const body = loginSchema.safeParse(request.body);
    if (!body.success) throw new AppError('BAD_REQUEST');
    const ip = clientIp(request);
    await this.throttle.check(body.data.username, ip);
    try {
      await super.canActivate(context);
    } catch (error) {
      if (error instanceof AppError && error.code === 'INVALID_CREDENTIALS') {
        await this.throttle.failed(body.data.username, ip);
      }
      throw error;
    }
    await this.throttle.succeeded(body.data.username);
    return true;
  }

  override handleRequest<T>(error: unknown, user: T | false): T {
    if (error) throw error;
    if (!user) throw new AppError('INVALID_CREDENTIALS');
    return user;
  }
}
