import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { IncomingHttpHeaders } from 'node:http';
import { AppConfig } from '@authfarm/config';
import { crossSiteReason } from '@authfarm/credentials';
import { AppError } from '@authfarm/platform';
import { loginSchema } from './credentials.dto.js';

/**
 * Refuses a cross-site login (login CSRF: logging the victim into the attacker's account) and a
 * malformed body (400) before any password work, then runs passport-local.
 */
@Injectable()
export class LoginGuard extends AuthGuard('local') {
  private readonly allowedOrigins: ReadonlySet<string>;

  constructor(config: AppConfig) {
    super();
    this.allowedOrigins = config.allowedOrigins;
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context
      .switchToHttp()
      .getRequest<{ body: unknown; method: string; headers: IncomingHttpHeaders }>();
    const reason = crossSiteReason(request, this.allowedOrigins);
    if (reason) throw new AppError('CSRF_REJECTED', reason);
    if (!loginSchema.safeParse(request.body).success) throw new AppError('BAD_REQUEST');
    return super.canActivate(context) as Promise<boolean>;
  }

  override handleRequest<T>(error: unknown, user: T | false): T {
    if (error) throw error;
    if (!user) throw new AppError('INVALID_CREDENTIALS');
    return user;
  }
}
